"""POST /nifti/uploads (streamed), GET/DELETE /nifti/uploads[/{id}], imports by "Upload", sidecars,
MaximumUploadSize, UploadDirectory and UploadExpiration.

Contract: README.md, "POST /nifti/uploads, GET /nifti/uploads[/{id}], DELETE /nifti/uploads/{id}" and
"Configuration".
"""

import base64
import json
import os
import shutil
import time

import nibabel as nib
import numpy as np
import pytest

from conftest import (check_instance_pixels, is_sentence, make_nifti_image, new_parent_study,
                      nifti_file_bytes, start_extra_server, stop_extra_server, write_large_nifti)
from orthanc_harness import JobWatch, MemorySampler, post_file, tree_listing

MB = 1024 * 1024
LARGE_SHAPE = (128, 128, 60, 160)     # 315 MB of int16: the streaming / memory check
MEDIUM_SHAPE = (128, 128, 40, 16)     # 21 MB: the import by upload
SMALL_LIMIT_MB = 2
EXPIRATION_S = 2
EXPIRATION_GRACE_S = 70               # how long after expiry the purge may take


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("uploads"))
    yield path
    for name in os.listdir(path):
        full = os.path.join(path, name)
        if name.endswith((".nii", ".gz", ".json", ".bin")):
            os.remove(full)
        elif name.startswith("dir-"):
            shutil.rmtree(full, ignore_errors=True)


@pytest.fixture(scope="module")
def upload_dir(root):
    return os.path.join(root, "dir-main")


@pytest.fixture(scope="module")
def server(root, upload_dir):
    s = start_extra_server(root, "uploads", {
        "NiftiToDicom": {"MaximumUploadSize": 512, "MaximumVolumeSize": 1024, "UploadDirectory": upload_dir}})
    yield s
    stop_extra_server(s)


class SmallServer:
    def __init__(self, server, upload_dir, expiring, expiring_files, uploaded_at):
        self.server = server
        self.upload_dir = upload_dir
        self.expiring = expiring
        self.expiring_files = expiring_files
        self.uploaded_at = uploaded_at


@pytest.fixture(scope="module")
def small(root):
    """MaximumUploadSize 2 MB, UploadExpiration 2 s. An upload is made at once; the last test of the
    module checks that it expired (the other tests give the purge time meanwhile)."""
    directory = os.path.join(root, "dir-small")
    s = start_extra_server(root, "small", {
        "NiftiToDicom": {"MaximumUploadSize": SMALL_LIMIT_MB, "UploadDirectory": directory,
                         "UploadExpiration": EXPIRATION_S}})
    try:
        before = tree_listing(directory)
        path = os.path.join(root, "expiring.nii")
        with open(path, "wb") as f:
            f.write(nifti_file_bytes(make_nifti_image((16, 16, 8))))
        r = post_file(s.base_url, "/nifti/uploads", path, chunked=False, headers={"X-Filename": "expiring.nii"})
        uploaded_at = time.time()
        assert r.status == 200, r.describe()
        files = sorted(set(tree_listing(directory)) - set(before))
        yield SmallServer(s, directory, r.json(), files, uploaded_at)
    finally:
        stop_extra_server(s)


def _check_answer_shape(answer, size, shape, affine, tr, datatype="INT16"):
    assert isinstance(answer.get("ID"), str) and answer["ID"], answer
    assert answer.get("Path") == "/nifti/uploads/%s" % answer["ID"], answer
    assert answer.get("Size") == size, "Size %s, the file has %d bytes" % (answer.get("Size"), size)
    assert answer.get("Type") == "NIfTI", answer
    assert isinstance(answer.get("Expires"), str) and answer["Expires"], answer
    header = answer.get("Header") or {}
    assert header.get("Version") == 1, header
    assert header.get("Dimensions") == list(shape), header
    assert header.get("DataType") == datatype, header
    zooms = [float(np.linalg.norm(affine[:3, c])) for c in range(3)]
    assert header.get("VoxelSize") is not None and np.allclose(header["VoxelSize"], zooms), header
    assert header.get("Orientation") == "".join(nib.aff2axcodes(affine)), header
    assert header.get("Transform") == "sform", header
    if tr is not None:
        assert header.get("RepetitionTime") is not None and abs(header["RepetitionTime"] - tr) < 1e-6, header


# --------------------------------------------------------------------------- streaming and memory
def test_streamed_upload_memory_and_lifecycle(server, root, upload_dir):
    path = os.path.join(root, "large.nii")
    affine = write_large_nifti(path, LARGE_SHAPE, tr=0.8, seed=1)
    size = os.path.getsize(path)
    listing_before = tree_listing(upload_dir)
    try:
        # Sampled every 2 ms: from the page cache on an idle machine the whole upload can take 0.1 s
        with MemorySampler(server.pid, interval=0.002) as memory:
            r = post_file(server.base_url, "/nifti/uploads", path, chunked=True, headers={"X-Filename": "large.nii"})
    finally:
        os.remove(path)
    assert r.status == 200, "chunked upload of %d MB: %s" % (size // MB, r.describe())
    answer = r.json()
    _check_answer_shape(answer, size, LARGE_SHAPE, affine, 0.8)
    increase = memory.peak_increase()
    print("streamed upload of %.0f MB: RSS before %.0f MB, peak increase %.1f MB (%d samples)"
          % (size / MB, memory.baseline / MB, increase / MB, memory.samples))
    assert memory.samples > 10, "memory sampled only %d times" % memory.samples
    assert increase < size / 4, (
        "Orthanc's resident memory rose by %.0f MB during the streamed upload of a %.0f MB file (RSS before "
        "%.0f MB, max sampled %.0f MB, VmHWM %.0f MB)" % (increase / MB, size / MB, memory.baseline / MB,
                                                          memory.max_rss / MB, (memory.hwm or 0) / MB))
    stored = sum(tree_listing(upload_dir).values()) - sum(listing_before.values())
    assert stored >= size, "the upload directory grew by %d bytes for a %d-byte upload" % (stored, size)

    shown = server.get_json("/nifti/uploads/%s" % answer["ID"])
    for key in ("ID", "Size", "Type", "Filename", "Header"):
        assert shown.get(key) == answer[key], "GET shows %s = %r, POST answered %r" % (key, shown.get(key),
                                                                                      answer[key])
    assert answer["ID"] in server.get_json("/nifti/uploads")

    r = server.delete("/nifti/uploads/%s" % answer["ID"])
    assert r.ok, r.describe()
    assert server.get("/nifti/uploads/%s" % answer["ID"]).status == 404
    assert answer["ID"] not in server.get_json("/nifti/uploads")
    assert tree_listing(upload_dir) == listing_before, "DELETE left files in the upload directory"


def test_import_by_upload(server, root):
    path = os.path.join(root, "medium.nii")
    affine = write_large_nifti(path, MEDIUM_SHAPE, tr=2.5, seed=4)
    size = os.path.getsize(path)
    try:
        r = post_file(server.base_url, "/nifti/uploads", path, chunked=False, headers={"X-Filename": "bold_run1.nii"})
        assert r.status == 200, r.describe()
        upload = r.json()
        _check_answer_shape(upload, size, MEDIUM_SHAPE, affine, 2.5)

        study, _ = new_parent_study(server, "by-upload")
        r = server.post_json("/nifti/import", {"Upload": upload["ID"], "ParentStudy": study, "Asynchronous": True})
        assert r.status == 200, r.describe()
        job = JobWatch(server, r.json()["ID"]).wait(timeout=180, interval=0.1)
        assert job["State"] == "Success", job
        content = job["Content"]
        assert content["Source"] == {"Upload": upload["ID"]}, content["Source"]
        nx, ny, nz, nt = MEDIUM_SHAPE
        assert content["InstancesCount"] == nz * nt
        series = server.get_json("/series/%s" % content["ID"])
        assert series["ParentStudy"] == study and len(series["Instances"]) == nz * nt
        problems = check_instance_pixels(server, content["ID"], nib.load(path).dataobj,
                                         [1, nz, nz * 7 + 5, nz * nt])
        assert not problems, "\n".join(problems)
    finally:
        os.remove(path)

    # The upload is kept after the import, until deleted; the finished job does not hold it any more
    assert server.get("/nifti/uploads/%s" % upload["ID"]).status == 200
    r = server.delete("/nifti/uploads/%s" % upload["ID"])
    assert r.ok, "DELETE of an upload whose import job has ended (%s): %s" % (job["State"], r.describe())
    assert server.get("/nifti/uploads/%s" % upload["ID"]).status == 404
    r = server.post_json("/nifti/import", {"Upload": upload["ID"], "ParentStudy": study})
    assert r.status == 404, "import of a deleted upload: %s" % r.describe()


def test_synchronous_import_of_a_gzip_upload(server, root):
    img = make_nifti_image((24, 20, 9, 2), seed=6, tr=3.0)
    path = os.path.join(root, "small.nii.gz")
    with open(path, "wb") as f:
        f.write(nifti_file_bytes(img, gz=True))
    r = post_file(server.base_url, "/nifti/uploads", path, chunked=True, headers={"X-Filename": "small.nii.gz"})
    size = os.path.getsize(path)
    os.remove(path)
    assert r.status == 200, r.describe()
    _check_answer_shape(r.json(), size, (24, 20, 9, 2), img.affine, 3.0)
    study, _ = new_parent_study(server, "gz-upload")
    a = server.post_json("/nifti/import", {"Upload": r.json()["ID"], "ParentStudy": study})
    assert a.status == 200, a.describe()
    assert a.json()["InstancesCount"] == 18
    problems = check_instance_pixels(server, a.json()["ID"], np.asarray(img.dataobj), [1, 9, 10, 18])
    assert not problems, "\n".join(problems)
    server.delete_ok("/nifti/uploads/%s" % r.json()["ID"])


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_upload_records_filename(server, root, chunked):
    """X-Filename records the original name; an import by upload uses it for the default SeriesDescription."""
    path = os.path.join(root, "named.nii")
    with open(path, "wb") as f:
        f.write(nifti_file_bytes(make_nifti_image((16, 16, 3))))
    r = post_file(server.base_url, "/nifti/uploads", path, chunked=chunked, headers={"X-Filename": "sub-01_T1w.nii"})
    os.remove(path)
    assert r.status == 200, r.describe()
    upload = r.json()
    assert upload.get("Filename") == "sub-01_T1w.nii", "X-Filename not recorded: %s" % upload
    assert server.get_json("/nifti/uploads/%s" % upload["ID"]).get("Filename") == "sub-01_T1w.nii"
    study, _ = new_parent_study(server, "filename-%s" % chunked)
    a = server.post_json("/nifti/import", {"Upload": upload["ID"], "ParentStudy": study})
    assert a.status == 200, a.describe()
    tags = server.get_json("/series/%s" % a.json()["ID"])["MainDicomTags"]
    assert tags.get("SeriesDescription") == "sub-01_T1w", \
        "the upload's file name should give the default SeriesDescription: %s" % tags
    server.delete_ok("/nifti/uploads/%s" % upload["ID"])


def test_upload_types(server):
    r = server.post("/nifti/uploads", headers={"X-Filename": "sub-01_bold.json"},
                    body=json.dumps({"TaskName": "rest"}).encode())
    assert r.status == 200 and r.json().get("Type") == "JSON", r.describe()
    server.delete_ok("/nifti/uploads/%s" % r.json()["ID"])
    r = server.post("/nifti/uploads", headers={"X-Filename": "notes.txt"}, body=b"free text, not a NIfTI" * 10)
    assert r.status == 200 and r.json().get("Type") == "Other", r.describe()
    server.delete_ok("/nifti/uploads/%s" % r.json()["ID"])


def test_upload_with_invalid_header_refused(server, upload_dir):
    data = bytearray(nifti_file_bytes(make_nifti_image((8, 8, 4))))
    data[40:42] = (9).to_bytes(2, "little")   # dim[0] = 9
    before = tree_listing(upload_dir)
    ids_before = server.get_json("/nifti/uploads")
    r = server.post("/nifti/uploads", headers={"X-Filename": "bad.nii"}, body=bytes(data))
    assert r.status == 400, r.describe()
    assert is_sentence(r.json().get("Message")), r.describe()
    assert tree_listing(upload_dir) == before
    assert server.get_json("/nifti/uploads") == ids_before


def test_unknown_upload_ids(server):
    assert server.get("/nifti/uploads/00000000000000000000000000000000").status == 404
    assert server.delete("/nifti/uploads/00000000000000000000000000000000").status == 404
    r = server.get("/nifti/uploads/..%2F..%2Forthanc.json")
    assert r.status in (400, 404), r.describe()


# --------------------------------------------------------------------------- sidecars
SIDECAR = {"RepetitionTime": 2.0, "TaskName": "rest", "Manufacturer": "Siemens",
           "SliceTiming": [0.0, 0.5, 1.0, 1.5], "EchoTime": 0.03}


@pytest.mark.parametrize("how", ["upload", "inline"])
def test_sidecar_travels_with_the_job(server, how):
    study, _ = new_parent_study(server, "sidecar-" + how)
    if how == "upload":
        r = server.post("/nifti/uploads", headers={"X-Filename": "sub-01_task-rest_bold.json"},
                        body=json.dumps(SIDECAR).encode(),
                        content_type="application/json")
        assert r.status == 200, r.describe()
        assert r.json().get("Type") == "JSON", r.json()
        sidecar = r.json()["ID"]
    else:
        sidecar = SIDECAR
    img = make_nifti_image((16, 16, 4, 4), seed=8, tr=2.0)
    r = server.post_json("/nifti/import", {"Nifti": base64.b64encode(nifti_file_bytes(img)).decode(),
                                           "ParentStudy": study, "Sidecar": sidecar, "Asynchronous": True})
    assert r.status == 200, r.describe()
    job = JobWatch(server, r.json()["ID"]).wait(timeout=60, interval=0.05)
    assert job["State"] == "Success", job
    assert job["Content"].get("Sidecar") == SIDECAR, "job Content.Sidecar: %r" % job["Content"].get("Sidecar")
    # Synchronous import with the same sidecar is accepted too
    r = server.post_json("/nifti/import", {"Nifti": base64.b64encode(nifti_file_bytes(img)).decode(),
                                           "ParentStudy": study, "Sidecar": sidecar})
    assert r.status == 200, r.describe()


# --------------------------------------------------------------------------- limits and expiry
@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_upload_beyond_maximum_size(small, root, chunked):
    s = small.server
    path = os.path.join(root, "toolarge-%s.nii" % chunked)
    write_large_nifti(path, (64, 64, 16, 18), seed=2)          # 2.25 MB > 2 MB
    assert os.path.getsize(path) > SMALL_LIMIT_MB * MB
    before = tree_listing(small.upload_dir)
    ids_before = s.get_json("/nifti/uploads")
    try:
        r = post_file(s.base_url, "/nifti/uploads", path, chunked=chunked, headers={"X-Filename": "toolarge.nii"})
    finally:
        os.remove(path)
    assert r.status == 413, "upload beyond MaximumUploadSize: %s (send error: %r)" % (r.describe(), r.send_error)
    time.sleep(0.2)
    after = tree_listing(small.upload_dir)
    leftover = {k: v for k, v in after.items() if k not in before}
    assert not leftover, "files left in the upload directory after a 413: %s" % leftover
    assert s.get_json("/nifti/uploads") == ids_before
    assert s.alive()


def test_upload_below_maximum_size_accepted(small):
    """Control for the limit: a file below MaximumUploadSize is accepted by the same server."""
    r = small.server.post("/nifti/uploads", headers={"X-Filename": "ok.nii"},
                          body=nifti_file_bytes(make_nifti_image((32, 32, 8))))
    assert r.status == 200, r.describe()
    small.server.delete_ok("/nifti/uploads/%s" % r.json()["ID"])


def test_unused_upload_expires(small):
    """Last test of the module: the upload made when the server started must be gone, EXPIRATION_S after it
    arrived (the purge may take up to EXPIRATION_GRACE_S more)."""
    s = small.server
    upload_id = small.expiring["ID"]
    assert small.expiring_files, "the upload wrote no file into UploadDirectory %s" % small.upload_dir
    deadline = small.uploaded_at + EXPIRATION_S + EXPIRATION_GRACE_S
    while True:
        status = s.get("/nifti/uploads/%s" % upload_id).status
        left = [f for f in small.expiring_files if os.path.exists(os.path.join(small.upload_dir, f))]
        if status == 404 and not left:
            break
        assert time.time() < deadline, (
            "upload %s still there %.0f s after it arrived (UploadExpiration %d s): GET -> %d, files %s"
            % (upload_id, time.time() - small.uploaded_at, EXPIRATION_S, status, left))
        time.sleep(0.5)
    assert upload_id not in s.get_json("/nifti/uploads")
