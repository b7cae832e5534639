"""Imports by "Path": AllowedDirectories, traversal, symbolic links, missing files, relative paths.

Contract: README.md, "POST /nifti/import" (Path; 403 / 404) and "Configuration" (AllowedDirectories).
"""

import os
import shutil

import numpy as np
import pytest

from conftest import (check_instance_pixels, is_sentence, make_nifti_image, new_parent_study, nifti_file_bytes,
                      start_extra_server, stop_extra_server, study_series)
from orthanc_harness import JobWatch


class Layout:
    pass


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    base = os.path.realpath(str(tmp_path_factory.mktemp("paths")))
    d = Layout()
    d.base = base
    d.allowed = os.path.join(base, "allowed")
    d.outside = os.path.join(base, "outside")
    d.evil = os.path.join(base, "allowed-evil")     # shares the allowed directory's name as a prefix
    d.missing_dir = os.path.join(base, "not-created")  # listed in AllowedDirectories, never made
    for directory in (d.allowed, os.path.join(d.allowed, "sub"), d.outside, d.evil):
        os.makedirs(directory)
    d.image = make_nifti_image((20, 16, 6), seed=11)
    data = nifti_file_bytes(d.image)
    d.inside = os.path.join(d.allowed, "inside.nii")
    d.deeper = os.path.join(d.allowed, "sub", "deeper.nii.gz")
    d.outside_file = os.path.join(d.outside, "outside.nii")
    d.evil_file = os.path.join(d.evil, "evil.nii")
    for path in (d.inside, d.outside_file, d.evil_file):
        with open(path, "wb") as f:
            f.write(data)
    with open(d.deeper, "wb") as f:
        f.write(nifti_file_bytes(d.image, gz=True))
    d.file_link = os.path.join(d.allowed, "link.nii")
    os.symlink(d.outside_file, d.file_link)
    d.dir_link = os.path.join(d.allowed, "linkdir")
    os.symlink(d.outside, d.dir_link)
    yield d
    shutil.rmtree(os.path.join(base, "orthanc-paths", "storage"), ignore_errors=True)


@pytest.fixture(scope="module")
def server(layout):
    s = start_extra_server(layout.base, "paths",
                           {"NiftiToDicom": {"AllowedDirectories": [layout.allowed, layout.missing_dir]}})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def study(server):
    return new_parent_study(server, "paths")[0]


def test_file_inside_imports(server, study, layout):
    r = server.post_json("/nifti/import", {"Path": layout.inside, "ParentStudy": study})
    assert r.status == 200, r.describe()
    answer = r.json()
    assert answer["InstancesCount"] == 6
    assert answer["ID"] in study_series(server, study)
    problems = check_instance_pixels(server, answer["ID"], np.asarray(layout.image.dataobj), [1, 3, 6])
    assert not problems, "\n".join(problems)
    tags = server.get_json("/series/%s" % answer["ID"])["MainDicomTags"]
    assert tags.get("SeriesDescription") == "inside", "default description from the file name: %s" % tags


def test_file_in_subdirectory_imports_asynchronously(server, study, layout):
    r = server.post_json("/nifti/import", {"Path": layout.deeper, "ParentStudy": study, "Asynchronous": True})
    assert r.status == 200, r.describe()
    job = JobWatch(server, r.json()["ID"]).wait(timeout=60, interval=0.05)
    assert job["State"] == "Success", job
    assert job["Content"]["Source"] == {"Path": layout.deeper}, job["Content"]
    assert job["Content"]["InstancesCount"] == 6


def _refused(server, study, path, statuses, asynchronous=False):
    before = sorted(server.get_json("/instances"))
    jobs_before = server.get_json("/jobs")
    body = {"Path": path, "ParentStudy": study}
    if asynchronous:
        body["Asynchronous"] = True
    r = server.post_json("/nifti/import", body)
    assert r.status in statuses, "Path %r: expected HTTP %s, got %s" % (path, statuses, r.describe())
    assert is_sentence((r.json_or_none() or {}).get("Message")), r.describe()
    assert sorted(server.get_json("/instances")) == before, "something was stored for %r" % path
    assert server.get_json("/jobs") == jobs_before, "a job was created for %r" % path
    return r


CASES = {
    "outside": (lambda d: d.outside_file, (403,)),
    "dotdot": (lambda d: os.path.join(d.allowed, "..", "outside", "outside.nii"), (403,)),
    "dotdot-sub": (lambda d: os.path.join(d.allowed, "sub", "..", "..", "outside", "outside.nii"), (403,)),
    "file-symlink-out": (lambda d: d.file_link, (403,)),
    "dir-symlink-out": (lambda d: os.path.join(d.dir_link, "outside.nii"), (403,)),
    "prefix-sibling": (lambda d: d.evil_file, (403,)),
    "missing-inside": (lambda d: os.path.join(d.allowed, "missing.nii"), (404,)),
    "below-missing-allowed": (lambda d: os.path.join(d.missing_dir, "file.nii"), (403,)),
    "relative": (lambda d: os.path.relpath(d.inside, "/"), (400, 403)),
    "relative-dot": (lambda d: "./inside.nii", (400, 403)),
}


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_path_refused(server, study, layout, case, mode):
    make_path, statuses = CASES[case]
    _refused(server, study, make_path(layout), statuses, asynchronous=(mode == "async"))


def test_missing_allowed_directory_is_reported_at_startup(server, layout):
    """An AllowedDirectories entry that does not exist is named in a start-up warning (not only seen as refusals),
    and does not disturb the entries that exist."""
    log = server.log_since(0, limit=100000)
    warnings = [line for line in log.splitlines()
                if "AllowedDirectories" in line and layout.missing_dir in line and "does not exist" in line]
    assert warnings, "no start-up warning names the missing directory %s" % layout.missing_dir
    assert not any(layout.allowed + " does not exist" in line for line in log.splitlines())


def test_path_wrong_type(server, study):
    _refused(server, study, 42, (400,))


def test_path_refused_without_allowed_directories(orthanc, parents, layout):
    """The session's Orthanc has no AllowedDirectories (the default): every Path is refused."""
    for path in (layout.inside, layout.outside_file, "/etc/hostname", os.path.join(layout.allowed, "missing.nii")):
        _refused(orthanc, parents["MR"].orthanc_id, path, (403,))
