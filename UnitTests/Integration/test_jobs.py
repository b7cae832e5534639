"""Asynchronous imports as Orthanc jobs: progress, content, cancel, resubmit, failures, and restarts of
Orthanc (graceful and hard) while a job runs.

Contract: README.md, "POST /nifti/import" (Asynchronous, Priority) and "Jobs".
"""

import base64
import os
import re
import shutil
import time

import numpy as np
import pytest

from conftest import (check_instance_pixels, is_sentence, make_nifti_image, new_parent_study, nifti_file_bytes,
                      start_extra_server, stop_extra_server, study_series, write_large_nifti)
from orthanc_harness import JobWatch, post_file, wait_until

JOB_TYPE = "NiftiToDicomImport"
ORTHANC_CANCELED_JOB = 37          # ErrorCode_CanceledJob in Orthanc 1.10.1

# A 4D volume big enough that an import with one conversion thread takes a few seconds:
# 128 x 128 x 40 slices x 60 time points = 2400 instances (79 MB of int16).
BIG_SHAPE = (128, 128, 40, 60)
SMALL_4D_SHAPE = (64, 64, 20, 30)  # 600 instances, 4.9 MB


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = tmp_path_factory.mktemp("jobs")
    yield path
    # Large generated files and storages are removed; logs and configurations stay for a post-mortem.
    for name in os.listdir(str(path)):
        full = os.path.join(str(path), name)
        if name.endswith(".nii") or name in ("uploads",):
            if os.path.isdir(full):
                shutil.rmtree(full, ignore_errors=True)
            else:
                os.remove(full)


@pytest.fixture(scope="module")
def big_file(root):
    path = os.path.join(str(root), "big4d.nii")
    write_large_nifti(path, BIG_SHAPE, tr=2.0, seed=3)
    return path


@pytest.fixture(scope="module")
def server(root):
    s = start_extra_server(root, "jobs", {
        "NiftiToDicom": {"ConversionThreads": 1, "MaximumUploadSize": 512, "MaximumVolumeSize": 1024,
                         "UploadDirectory": os.path.join(str(root), "uploads")}})
    yield s
    stop_extra_server(s)


def _submit(server, body):
    r = server.post_json("/nifti/import", dict(body, Asynchronous=True))
    assert r.status == 200, "asynchronous import refused: %s" % r.describe()
    answer = r.json()
    assert set(answer) >= {"ID", "Path"}, "asynchronous answer should be {ID, Path}: %s" % answer
    assert answer["Path"] == "/jobs/%s" % answer["ID"], answer
    return answer["ID"]


def _upload(server, path, filename=None, chunked=False):
    r = post_file(server.base_url, "/nifti/uploads", path, chunked=chunked,
                  headers={"X-Filename": filename} if filename else None)
    assert r.status == 200, "upload of %s failed: %s" % (path, r.describe())
    return r.json()


def _new_instances(server, before):
    return sorted(set(server.get_json("/instances")) - set(before))


def _wait_for_no_new_instances(server, before, grace=10):
    """Instances stored since `before`, once they are gone or after `grace` seconds (a cancelled job
    deletes what it stored; the deletion may end shortly after the job's state changed)."""
    wait_until(lambda: not _new_instances(server, before), grace)
    return _new_instances(server, before)


def _wait_midway(watch):
    """Polls the job until it has stored 50 instances; fails unless it is still running then."""
    job = watch.wait(timeout=120, until=lambda j: j["State"] in ("Success", "Failure")
                     or (j["State"] == "Running" and 0 < j["Progress"] < 100
                         and (j.get("Content") or {}).get("InstancesStored", 0) >= 50))
    assert job["State"] == "Running" and 0 < job["Progress"] < 100, \
        "the job was not caught midway (make the volume larger): %s" % job
    return job


# --------------------------------------------------------------------------- 1. progress and content
def test_async_import_progress_and_content(server):
    study, _ = new_parent_study(server, "async4d")
    img = make_nifti_image(SMALL_4D_SHAPE, seed=5, tr=1.5)
    data = nifti_file_bytes(img)
    job_id = _submit(server, {"Nifti": base64.b64encode(data).decode("ascii"), "ParentStudy": study,
                              "Filename": "bold.nii", "Priority": 7})
    watch = JobWatch(server, job_id)
    job = watch.wait(timeout=180, interval=0.0)   # poll as fast as possible

    progresses = [p for p in watch.progresses() if p is not None]
    intermediate = [p for p in progresses if 0 < p < 100]
    assert intermediate, ("no intermediate Progress seen in %d polls (states %s, progress values %s)"
                          % (len(progresses), sorted(set(watch.states())), sorted(set(progresses))))
    assert all(a <= b for a, b in zip(progresses, progresses[1:])), "Progress went backwards: %s" % progresses
    assert len(set(intermediate)) >= 2 or progresses[-1] > intermediate[0], \
        "Progress did not rise: %s" % sorted(set(progresses))
    assert "Running" in watch.states(), "never saw the job Running: %s" % sorted(set(watch.states()))

    assert job["Type"] == JOB_TYPE, job
    assert job["State"] == "Success", "job ended %s: %s" % (job["State"], job)
    assert job["Progress"] == 100, job
    assert job.get("Priority") == 7, "Priority not applied: %s" % job.get("Priority")
    content = job["Content"]
    nx, ny, nz, nt = SMALL_4D_SHAPE
    for key in ("ID", "Path", "SeriesInstanceUID", "InstancesCount", "Warnings", "ParentStudy", "Source"):
        assert key in content, "Content lacks %s: %s" % (key, content)
    assert content["InstancesCount"] == nz * nt, content
    assert content["InstancesStored"] == nz * nt, content
    assert content["ParentStudy"] == study, content
    assert content["Path"] == "/series/%s" % content["ID"], content
    assert isinstance(content["Warnings"], list), content
    assert isinstance(content["Source"], dict) and len(content["Source"]) == 1 and \
        list(content["Source"])[0] in ("Upload", "Inline"), "Source of an inline import: %s" % content["Source"]
    assert "Error" not in content, content

    series = server.get_json("/series/%s" % content["ID"])
    assert series["ParentStudy"] == study
    assert content["ID"] in study_series(server, study)
    assert len(series["Instances"]) == nz * nt
    assert series["MainDicomTags"]["SeriesInstanceUID"] == content["SeriesInstanceUID"]
    assert series["MainDicomTags"].get("SeriesDescription") == "bold", series["MainDicomTags"]
    problems = check_instance_pixels(server, content["ID"], np.asarray(img.dataobj),
                                     [1, nz, nz + 1, nz * nt // 2 + 3, nz * nt])
    assert not problems, "\n".join(problems)


def test_priority_must_be_an_integer(server):
    study, _ = new_parent_study(server, "badprio")
    before = server.get_json("/instances")
    data = nifti_file_bytes(make_nifti_image((8, 8, 4)))
    r = server.post_json("/nifti/import", {"Nifti": base64.b64encode(data).decode(), "ParentStudy": study,
                                           "Asynchronous": True, "Priority": "high"})
    assert r.status == 400, "Priority \"high\" should be refused with 400: %s" % r.describe()
    assert server.get_json("/instances") == before


def test_async_errors_in_the_request_come_back_at_once(server):
    """Fields, parent study and source are checked before the job is created."""
    study, _ = new_parent_study(server, "nojob")
    jobs_before = server.get_json("/jobs")
    r = server.post_json("/nifti/import", {"Upload": "0123456789abcdef0123456789abcdef", "ParentStudy": study,
                                           "Asynchronous": True})
    assert r.status == 404, "unknown Upload: %s" % r.describe()
    data = nifti_file_bytes(make_nifti_image((8, 8, 4)))
    r = server.post_json("/nifti/import", {"Nifti": base64.b64encode(data).decode(),
                                           "ParentStudy": "1.2.3.4.5.6.7.8.9.404", "Asynchronous": True})
    assert r.status == 404, "unknown ParentStudy: %s" % r.describe()
    assert server.get_json("/jobs") == jobs_before, "a job was created for a refused request"


# --------------------------------------------------------------------------- 2. cancel, resubmit
def test_cancel_midway_leaves_nothing(server, root, big_file):
    study, _ = new_parent_study(server, "cancel")
    series_before = study_series(server, study)
    instances_before = sorted(server.get_json("/instances"))
    upload = _upload(server, big_file, "cancel.nii")
    job_id = _submit(server, {"Upload": upload["ID"], "ParentStudy": study})
    watch = JobWatch(server, job_id)
    _wait_midway(watch)
    stored_when_cancelled = len(_new_instances(server, instances_before))
    r = server.post("/jobs/%s/cancel" % job_id, b"")
    assert r.ok, r.describe()
    job = watch.wait(timeout=60)
    assert job["State"] == "Failure", "cancelled job ended %s: %s" % (job["State"], job)
    assert job["ErrorCode"] == ORTHANC_CANCELED_JOB, \
        "ErrorCode %s (%s), expected %d (canceled job)" % (job["ErrorCode"], job.get("ErrorDescription"),
                                                             ORTHANC_CANCELED_JOB)
    assert stored_when_cancelled > 0, \
        "Progress was %s but no instance had been stored when the job was cancelled" % watch.observations[-1][2]
    left = _wait_for_no_new_instances(server, instances_before)
    assert not left, "%d instances left behind after cancel (%d had been stored when cancelled)" % (
        len(left), stored_when_cancelled)
    assert study_series(server, study) == series_before
    server.delete("/nifti/uploads/%s" % upload["ID"])   # best effort (see test_upload_released_when_the_job_ends)
    journal = _journal_entries(str(root))
    assert not journal, "journal entries remain after the cancelled import was undone: %s" % journal


@pytest.mark.parametrize("end", ["success", "cancel"])
def test_upload_released_when_the_job_ends(server, root, end):
    """An upload is protected while a job uses it, not after the job ended (Success or cancelled)."""
    study, _ = new_parent_study(server, "release-" + end)
    path = os.path.join(str(root), "release.nii")
    write_large_nifti(path, (64, 64, 20, 20) if end == "cancel" else (16, 16, 4, 2), seed=12)
    upload = _upload(server, path)
    os.remove(path)
    job_id = _submit(server, {"Upload": upload["ID"], "ParentStudy": study})
    if end == "cancel":
        JobWatch(server, job_id).wait(timeout=60, until=lambda j: j["State"] != "Pending")
        assert server.post("/jobs/%s/cancel" % job_id, b"").ok
    job = JobWatch(server, job_id).wait(timeout=60, interval=0.05)
    assert job["State"] == ("Success" if end == "success" else "Failure"), job
    time.sleep(0.5)
    shown = server.get_json("/nifti/uploads/%s" % upload["ID"])
    r = server.delete("/nifti/uploads/%s" % upload["ID"])
    assert r.ok, "DELETE of an upload whose job ended (%s) 0.5 s ago; GET shows InUse=%s: %s" % (
        job["State"], shown.get("InUse"), r.describe())
    assert server.get("/nifti/uploads/%s" % upload["ID"]).status == 404


def test_resubmit_after_cancel_makes_a_complete_series(server):
    study, _ = new_parent_study(server, "resubmit")
    instances_before = set(server.get_json("/instances"))
    img = make_nifti_image((32, 32, 12, 10), seed=9)
    job_id = _submit(server, {"Nifti": base64.b64encode(nifti_file_bytes(img)).decode(), "ParentStudy": study})
    r = server.post("/jobs/%s/cancel" % job_id, b"")
    assert r.ok, r.describe()
    job = JobWatch(server, job_id).wait(timeout=60)
    if job["State"] == "Failure":   # cancelled (it may also have finished before the cancel arrived)
        left = _wait_for_no_new_instances(server, instances_before)
        assert not left, "cancelled job left %d instances" % len(left)
        r = server.post("/jobs/%s/resubmit" % job_id, b"")
        assert r.ok, r.describe()
        job = JobWatch(server, job_id).wait(timeout=120)
    assert job["State"] == "Success", "resubmitted job: %s" % job
    content = job["Content"]
    assert content["InstancesCount"] == 120
    series = server.get_json("/series/%s" % content["ID"])
    assert len(series["Instances"]) == 120
    new_series = [s for s in study_series(server, study) if s != content["ID"]]
    assert len(new_series) == 1, "the study should hold its parent series and one import: %s" % new_series
    assert len(set(server.get_json("/instances")) - instances_before) == 120


# --------------------------------------------------------------------------- 3. failures
def _truncated(img):
    data = nifti_file_bytes(img)
    return data[:352 + (len(data) - 352) // 2]


def _corrupt_gzip(img):
    import gzip
    raw = nifti_file_bytes(img)
    gz = bytearray(gzip.compress(raw, compresslevel=6))
    for i in range(len(gz) // 2, len(gz) - 8):
        gz[i] ^= 0x5A
    return bytes(gz)


def _bad_header(img):
    data = bytearray(nifti_file_bytes(img))
    data[40:42] = (9).to_bytes(2, "little")    # dim[0] = 9
    return bytes(data)


@pytest.mark.parametrize("builder,name", [(_truncated, "truncated.nii"), (_corrupt_gzip, "corrupt.nii.gz"),
                                          (_bad_header, "badheader.nii")],
                         ids=["truncated", "corrupt-gzip", "bad-header"])
@pytest.mark.parametrize("route", ["upload", "inline"])
def test_async_failure_is_reported(server, root, builder, name, route):
    study, _ = new_parent_study(server, "fail-%s-%s" % (route, name))
    instances_before = sorted(server.get_json("/instances"))
    series_before = study_series(server, study)
    data = builder(make_nifti_image((32, 32, 16, 4), seed=2))
    if route == "upload":
        path = os.path.join(str(root), name)
        with open(path, "wb") as f:
            f.write(data)
        r = post_file(server.base_url, "/nifti/uploads", path, chunked=False, headers={"X-Filename": name})
        os.remove(path)
        if 400 <= r.status < 500:
            assert is_sentence(r.json_or_none() and r.json().get("Message")), r.describe()
            assert sorted(server.get_json("/instances")) == instances_before
            return
        assert r.status == 200, r.describe()
        body = {"Upload": r.json()["ID"], "ParentStudy": study}
    else:
        body = {"Nifti": base64.b64encode(data).decode(), "ParentStudy": study}
    r = server.post_json("/nifti/import", dict(body, Asynchronous=True))
    if 400 <= r.status < 500:
        assert is_sentence(r.json().get("Message")), r.describe()
    else:
        assert r.status == 200, r.describe()
        job = JobWatch(server, r.json()["ID"]).wait(timeout=60, interval=0.05)
        assert job["State"] == "Failure", "import of a %s file: %s" % (name, job)
        content = job.get("Content") or {}
        assert is_sentence(content.get("Error")), "Content.Error should say why: %s" % content
        assert isinstance(content.get("HttpStatus"), int) and 400 <= content["HttpStatus"] < 500, \
            "Content.HttpStatus should be the 4xx of a synchronous import: %s" % content
    assert sorted(server.get_json("/instances")) == instances_before, "instances were stored"
    assert study_series(server, study) == series_before
    journal = _journal_entries(str(root))
    assert not journal, "journal entries remain after the failed import: %s" % journal


# --------------------------------------------------------------------------- 5. restarts
def _journal_entries(base):
    """Entries of <UploadDirectory>/journal (README: one per import from its first stored instance until it
    is complete or undone)."""
    directory = os.path.join(base, "uploads", "journal")
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def _restart_server(base, label):
    os.makedirs(os.path.join(base, "allowed"), exist_ok=True)
    config = {"SaveJobs": True,
              "NiftiToDicom": {"ConversionThreads": 1, "MaximumUploadSize": 512, "MaximumVolumeSize": 1024,
                               "UploadDirectory": os.path.join(base, "uploads"),
                               "AllowedDirectories": [os.path.join(base, "allowed")]}}
    return start_extra_server(base, label, config, load_saved_jobs=True)


class RestartOutcome:
    """What happened in one restart scenario: `failure` is the first broken invariant (None if none),
    `job` the job once it ended after the restart, `stored` the instances stored before the stop."""

    def __init__(self):
        self.failure = None
        self.job = None
        self.stored = None


def _restart_case(root, big_file, label, hard):
    outcome = RestartOutcome()
    base = os.path.join(str(root), label)
    server = _restart_server(base, label)
    try:
        study, _ = new_parent_study(server, label)
        parent_series = study_series(server, study)
        instances_before = set(server.get_json("/instances"))
        studies_before = sorted(server.get_json("/studies"))
        upload = _upload(server, big_file, "restart.nii")
        job_id = _submit(server, {"Upload": upload["ID"], "ParentStudy": study})
        job = _wait_midway(JobWatch(server, job_id))
        partial = _new_instances(server, instances_before)
        outcome.stored = len(partial)
        assert partial, "Content.InstancesStored is %s but no new instance is in Orthanc" % (
            job["Content"].get("InstancesStored"))
        partial_series = sorted({server.get_json("/instances/%s" % i)["ParentSeries"] for i in partial[:5]})
        if hard:
            server.kill()
        else:
            stop_started = time.time()
            code = server.stop(timeout=60)
            outcome.stop_seconds = time.time() - stop_started
            assert code == 0, "Orthanc did not stop cleanly on SIGTERM (exit code %s)" % code
        server.start()
        r = server.get("/jobs/%s" % job_id)
        assert r.status == 200, "after the restart the job %s is unknown: %s\n(jobs: %s)" % (
            job_id, r.describe(), server.get_json("/jobs"))
        job = JobWatch(server, job_id).wait(timeout=240, interval=0.1)
        outcome.job = job
        try:
            assert job["Type"] == JOB_TYPE
            nz, nt = BIG_SHAPE[2], BIG_SHAPE[3]
            new_series = [s for s in study_series(server, study) if s not in parent_series]
            all_instances = set(server.get_json("/instances"))
            assert len(new_series) <= 1, "the study holds %d new series after the restart: %s" % (
                len(new_series), new_series)
            series_instances = set()
            if new_series:
                series_instances = set(server.get_json("/series/%s" % new_series[0])["Instances"])
                assert len(series_instances) == nz * nt, \
                    "partial series after the restart: %d of %d instances (job %s, Progress %s)" % (
                        len(series_instances), nz * nt, job["State"], job["Progress"])
            orphans = all_instances - instances_before - series_instances
            assert not orphans, "%d instances outside the imported series after the restart" % len(orphans)
            assert sorted(server.get_json("/studies")) == studies_before
            if job["State"] == "Success":
                assert new_series == [job["Content"]["ID"]], (new_series, job["Content"])
                assert job["Content"]["InstancesCount"] == nz * nt
                if partial_series:
                    assert partial_series == new_series, (
                        "the restarted job did not reuse the SeriesInstanceUID chosen at submission: partial "
                        "series %s before the restart, series %s after" % (partial_series, new_series))
            else:
                assert not new_series, "failed job left a series: %s" % new_series
                assert is_sentence((job.get("Content") or {}).get("Error")), \
                    "the job failed after the restart without a clear reason: %s" % job
            journal = _journal_entries(base)
            assert not journal, "journal entries remain after the job ended: %s" % journal
        except AssertionError as e:
            outcome.failure = str(e)
        return outcome
    finally:
        stop_extra_server(server)
        shutil.rmtree(os.path.join(base, "uploads"), ignore_errors=True)


@pytest.fixture(scope="module")
def restarts(root, big_file):
    cache = {}

    def get(how):
        if how not in cache:
            cache[how] = _restart_case(root, big_file, how, hard=(how == "sigkill"))
        return cache[how]
    return get


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_restart_keeps_the_job_and_all_or_nothing(restarts, how):
    """Acceptance: the job is known after the restart (same ID), ends in Success or in Failure with a
    reason, and the study holds one complete new series or none, no orphan instance."""
    outcome = restarts(how)
    assert outcome.failure is None, outcome.failure
    assert outcome.job["State"] in ("Success", "Failure"), outcome.job


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_restarted_job_runs_again(restarts, how):
    """README "Jobs": on SIGTERM Orthanc 1.10.1 lets the running job finish before it exits; after a kill,
    the saved job runs again from the beginning at the next start (after deleting what its interrupted run
    stored). Either way it ends in Success."""
    outcome = restarts(how)
    job = outcome.job
    assert job["State"] == "Success", (
        "after %s and a restart the job ended %s instead of running again (%d instances had been stored when "
        "Orthanc was stopped): Content %s" % (how.upper(), job["State"], outcome.stored, job.get("Content")))


def test_kill_during_a_synchronous_import_leaves_no_partial_series(root, big_file):
    """README "Jobs": a partial series that no saved job owns (a synchronous import) is deleted at start-up."""
    import threading
    base = os.path.join(str(root), "sync-kill")
    server = _restart_server(base, "sync-kill")
    try:
        study, _ = new_parent_study(server, "sync-kill")
        parent_series = study_series(server, study)
        instances_before = set(server.get_json("/instances"))
        upload = _upload(server, big_file, "sync.nii")
        answers = []

        def run():
            try:
                answers.append(server.post_json("/nifti/import", {"Upload": upload["ID"], "ParentStudy": study}))
            except Exception as e:   # the connection dies with the server
                answers.append(e)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        stored = wait_until(lambda: len(set(server.get_json("/instances")) - instances_before) >= 50, 60, 0.02)
        assert stored and not answers, "the synchronous import was not caught midway: %s" % answers
        server.kill()
        thread.join(30)
        server.start()
        left = wait_until(lambda: not (set(server.get_json("/instances")) - instances_before), 15)
        remaining = set(server.get_json("/instances")) - instances_before
        assert left, "%d instances of the interrupted synchronous import remain after the restart (journal: %s)" % (
            len(remaining), _journal_entries(base))
        assert study_series(server, study) == parent_series
        assert not _journal_entries(base), "journal entries remain: %s" % _journal_entries(base)
    finally:
        stop_extra_server(server)
        shutil.rmtree(os.path.join(base, "uploads"), ignore_errors=True)


def test_restarted_job_whose_file_has_gone_fails_with_the_reason(root, big_file):
    """README "Jobs": a job whose file has gone (moved path) fails with that reason, and leaves nothing."""
    base = os.path.join(str(root), "gone")
    server = _restart_server(base, "gone")
    source = os.path.join(base, "allowed", "result.nii")
    moved = os.path.join(base, "moved.nii")
    os.link(big_file, source)
    try:
        study, _ = new_parent_study(server, "gone")
        parent_series = study_series(server, study)
        instances_before = set(server.get_json("/instances"))
        job_id = _submit(server, {"Path": source, "ParentStudy": study})
        job = JobWatch(server, job_id).wait(
            timeout=120, until=lambda j: j["State"] in ("Success", "Failure")
            or (j.get("Content") or {}).get("InstancesStored", 0) >= 50)
        assert job["State"] == "Running", "the job was not caught midway: %s" % job
        server.kill()
        os.rename(source, moved)
        server.start()
        r = server.get("/jobs/%s" % job_id)
        assert r.status == 200, "after the restart the job is unknown: %s" % r.describe()
        job = JobWatch(server, job_id).wait(timeout=120, interval=0.1)
        content = job.get("Content") or {}
        assert job["State"] == "Failure", "the job's file is gone, yet: %s" % job
        error = content.get("Error") or ""
        assert is_sentence(error) and ("result.nii" in error or re.search(r"exist|found|gone|missing|moved", error)), \
            "the failure should say that the file is gone: %r" % error
        left = wait_until(lambda: not (set(server.get_json("/instances")) - instances_before), 10)
        assert left, "%d instances left behind" % len(set(server.get_json("/instances")) - instances_before)
        assert study_series(server, study) == parent_series
        assert not _journal_entries(base), "journal entries remain: %s" % _journal_entries(base)
    finally:
        stop_extra_server(server)
        for path in (source, moved):
            if os.path.exists(path):
                os.remove(path)
        shutil.rmtree(os.path.join(base, "uploads"), ignore_errors=True)
