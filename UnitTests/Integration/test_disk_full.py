"""A full disk is the client's HTTP 507 (Insufficient Storage), with a message that says what to do, never a 500
nor a half-kept file: an upload session larger than the free space of the upload folder is refused before any byte
is sent; a part that does not fit is refused and the bytes received before it stay, so the upload resumes once space
is freed; a single-request upload that does not fit keeps nothing; a .nii.gz that does not fit decompressed in
TemporaryDirectory stores nothing; an import that fills Orthanc's own storage is undone.

The first test runs on the real disk (MaximumUploadSize above its free space). The others put UploadDirectory on a
small tmpfs that the test mounts, as root can (the CI runs as root, as this suite's set-up does).

Contract: README.md, "Errors" (507), "Uploads in parts".
"""

import gzip
import hashlib
import http.client
import os
import subprocess
import tempfile

import pytest

from conftest import is_sentence, make_nifti_image, new_parent_study, start_extra_server, stop_extra_server
from orthanc_harness import JobWatch

MB = 1024 * 1024


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def put_part(server, session, offset, data):
    return server.put("/nifti/uploads/sessions/%s" % session, data,
                      headers={"X-Part-Offset": str(offset), "X-Part-SHA256": sha256(data)})


def assert_insufficient(r, *words):
    assert r.status == 507, r.describe()
    body = r.json()
    assert body["HttpError"] == "Insufficient Storage", body
    assert is_sentence(body["Message"]), body["Message"]
    for w in words:
        assert w in body["Message"], body["Message"]


def free_bytes(path):
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def test_session_larger_than_free_space_is_refused_before_any_byte(tmp_path):
    uploads = str(tmp_path / "uploads")
    os.makedirs(uploads)
    free = free_bytes(uploads)
    server = start_extra_server(str(tmp_path), "disk", {"NiftiToDicom": {
        "UploadDirectory": uploads, "MaximumUploadSize": (free + 64 * 1024 * MB) // MB}})
    try:
        size = free + 32 * 1024 * MB   # allowed by MaximumUploadSize, beyond the disk
        assert_insufficient(server.post_json("/nifti/uploads/sessions", {"Size": size}),
                            "NiftiToDicom.UploadDirectory", "%d MB" % (size >> 20), "MB free", "nothing was created")
        assert server.get_json("/nifti/uploads/sessions") == []
        assert os.listdir(os.path.join(uploads, "sessions")) == []
        # What fits is still accepted
        r = server.post_json("/nifti/uploads/sessions", {"Size": MB})
        assert r.status == 200, r.describe()
        server.delete_ok("/nifti/uploads/sessions/%s" % r.json()["ID"])
    finally:
        stop_extra_server(server)


@pytest.fixture(scope="module")
def small_disk():
    """A 12 MB tmpfs, mounted for the module."""
    path = tempfile.mkdtemp(prefix="nifti-small-disk-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m,mode=0755", "tmpfs", path],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        os.rmdir(path)
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN): %s" % result.stdout.decode().strip())
    try:
        yield path
    finally:
        subprocess.call(["umount", path])
        os.rmdir(path)


@pytest.fixture(scope="module")
def server(small_disk, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("disk-full"))
    s = start_extra_server(root, "small-disk", {"NiftiToDicom": {
        "UploadDirectory": os.path.join(small_disk, "uploads"), "MaximumPartSize": 1}})
    yield s
    stop_extra_server(s)


def test_part_beyond_free_space_keeps_what_came_before_and_resumes(server, small_disk):
    data = make_nifti_image((128, 128, 240), seed=31).to_bytes()    # 7.5 MB
    sid = server.post_json("/nifti/uploads/sessions", {"Size": len(data), "SHA256": sha256(data)}).json()["ID"]
    filler = os.path.join(small_disk, "filler")
    with open(filler, "wb") as f:       # another consumer of the disk, after the session was created
        f.write(b"\0" * (6 * MB))
    try:
        offset = 0
        refused = None
        while offset < len(data):
            r = put_part(server, sid, offset, data[offset:offset + MB])
            if r.status != 200:
                refused = r
                break
            offset += MB
        assert refused is not None, "the whole file fitted: the disk was not full"
        assert_insufficient(refused, "NiftiToDicom.UploadDirectory", "send this part again",
                            "the %d bytes received before it are kept" % offset)
        assert server.get_json("/nifti/uploads/sessions/%s" % sid)["Received"] == offset
        bytes_path = os.path.join(small_disk, "uploads", "sessions", sid + ".bytes")
        assert os.path.getsize(bytes_path) == offset, "the refused part was left in the session's bytes"
    finally:
        os.remove(filler)

    while offset < len(data):
        r = put_part(server, sid, offset, data[offset:offset + MB])
        assert r.status == 200, r.describe()
        offset += MB
    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {})
    assert r.status == 200, r.describe()
    study, _ = new_parent_study(server, "diskfull")
    r = server.post_json("/nifti/import", {"ParentStudy": study, "Upload": sid})
    assert r.status == 200, r.describe()
    assert r.json()["InstancesCount"] == 240
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_single_upload_beyond_free_space_keeps_nothing(server, small_disk):
    before = free_bytes(small_disk)
    body = os.urandom(14 * MB)
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=60)
    try:
        conn.request("POST", "/nifti/uploads", body=(body[i:i + MB] for i in range(0, len(body), MB)),
                     encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
        answer = conn.getresponse()
        status, text = answer.status, answer.read().decode()
    finally:
        conn.close()
    assert status == 507, text
    assert "nothing of this upload was kept" in text and "NiftiToDicom.UploadDirectory" in text, text
    assert server.get_json("/nifti/uploads") == []
    assert free_bytes(small_disk) >= before - 64 * 1024, "the refused upload still takes room on the disk"


def test_compressed_file_beyond_temporary_space_stores_nothing(server, small_disk):
    raw = make_nifti_image((128, 128, 400), seed=32).to_bytes()      # 12.5 MB once decompressed
    packed = gzip.compress(raw)
    sid = server.post_json("/nifti/uploads/sessions", {"Size": len(packed), "Filename": "big.nii.gz"}).json()["ID"]
    for offset in range(0, len(packed), MB):
        assert put_part(server, sid, offset, packed[offset:offset + MB]).status == 200
    assert server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {}).status == 200
    study, _ = new_parent_study(server, "diskfull-gz")
    series_before = server.get_json("/studies/%s/series" % study)

    r = server.post_json("/nifti/import", {"ParentStudy": study, "Upload": sid})
    assert_insufficient(r, "NiftiToDicom.TemporaryDirectory", "decompressed", "import again")
    job = server.post_json("/nifti/import", {"ParentStudy": study, "Upload": sid, "Asynchronous": True})
    assert job.status == 200, job.describe()
    final = JobWatch(server, job.json()["ID"]).wait(timeout=120)
    assert final["State"] == "Failure", final
    assert final["Content"]["HttpStatus"] == 507, final

    assert server.get_json("/studies/%s/series" % study) == series_before
    assert server.get("/system").status == 200
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_full_orthanc_storage_is_507_and_the_series_is_undone(small_disk, tmp_path):
    """Orthanc's own StorageDirectory on the small disk: the import that fills it is undone, answered 507."""
    storage = os.path.join(small_disk, "storage")
    s = start_extra_server(str(tmp_path), "full-storage", {"StorageDirectory": storage, "NiftiToDicom": {
        "UploadDirectory": str(tmp_path / "uploads")}})
    try:
        study, _ = new_parent_study(s, "storage-full")
        instances_before = s.get_json("/instances")
        data = make_nifti_image((128, 128, 400), seed=33).to_bytes()     # 12.5 MB of slices: more than the disk
        r = s.post("/nifti/uploads", data)
        assert r.status == 200, r.describe()
        upload = r.json()["ID"]
        r = s.post_json("/nifti/import", {"ParentStudy": study, "Upload": upload})
        assert_insufficient(r, "storage is most likely full", "StorageDirectory", "nothing of this request was kept")
        assert s.get_json("/instances") == instances_before
        assert len(s.get_json("/studies/%s/series" % study)) == 1
        # Room again: the same import succeeds
        s.delete_ok("/studies/%s" % study)
        study, _ = new_parent_study(s, "storage-full-2")
        small = make_nifti_image((64, 64, 20), seed=34).to_bytes()
        r = s.post("/nifti/uploads", small)
        r = s.post_json("/nifti/import", {"ParentStudy": study, "Upload": r.json()["ID"]})
        assert r.status == 200, r.describe()
        assert r.json()["InstancesCount"] == 20
    finally:
        stop_extra_server(s)
