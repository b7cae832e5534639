"""Uploads in parts: POST /nifti/uploads/sessions, PUT a part, GET the resume point, POST .../finish, then an
import of the upload. Each bad part (a gap, a wrong checksum, too large, different bytes where some were received)
is refused without harming what was received; the memory of Orthanc stays bounded by the part size.

Contract: README.md, "Uploads in parts" and "Configuration" (MaximumPartSize).
"""

import hashlib
import os
import shutil
import threading
import time

import nibabel as nib
import pytest

from conftest import (check_instance_pixels, is_sentence, new_parent_study, start_extra_server, stop_extra_server,
                      write_large_nifti)
from orthanc_harness import JobWatch, MemorySampler, RestClient, wait_until

MB = 1024 * 1024
PART = 1 * MB                       # MaximumPartSize of the server below
SHAPE = (128, 128, 40, 20)          # 26 MB of int16


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("upload-parts"))
    yield path
    shutil.rmtree(os.path.join(path, "files"), ignore_errors=True)


@pytest.fixture(scope="module")
def server(root):
    s = start_extra_server(root, "parts", {"NiftiToDicom": {
        "MaximumUploadSize": 160, "MaximumPartSize": PART // MB,
        "UploadDirectory": os.path.join(root, "uploads")}})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def nifti(root):
    os.makedirs(os.path.join(root, "files"), exist_ok=True)
    path = os.path.join(root, "files", "bold.nii")
    write_large_nifti(path, SHAPE, tr=2.0, seed=12)
    with open(path, "rb") as f:
        data = f.read()
    return path, data


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def put_part(server, session, offset, data, digest=None):
    return server.put("/nifti/uploads/sessions/%s" % session, data, headers={
        "X-Part-Offset": str(offset), "X-Part-SHA256": digest or sha256(data)})


def received(server, session):
    return server.get_json("/nifti/uploads/sessions/%s" % session)["Received"]


def assert_refused(r, status, *words):
    assert r.status == status, r.describe()
    message = r.json()["Message"]
    assert is_sentence(message), message
    for w in words:
        assert w in message, message


def test_parts_with_interruption_then_import(server, nifti):
    path, data = nifti
    size = len(data)
    r = server.post_json("/nifti/uploads/sessions", {"Size": size, "Filename": "bold.nii", "SHA256": sha256(data)})
    assert r.status == 200, r.describe()
    session = r.json()
    sid = session["ID"]
    assert session["Received"] == 0 and session["Size"] == size and session["MaximumPartSize"] == PART
    assert session["Path"] == "/nifti/uploads/sessions/" + sid
    assert sid in server.get_json("/nifti/uploads/sessions")
    assert sid not in server.get_json("/nifti/uploads"), "a session is no upload before it is finished"

    def part(i):
        return data[i * PART:(i + 1) * PART]

    with MemorySampler(server.pid) as memory:  # printed; bounded: see test_memory_stays_bounded
        for i in range(2):
            r = put_part(server, sid, i * PART, part(i))
            assert r.status == 200, r.describe()
            assert r.json()["Received"] == (i + 1) * PART

        # The answer to part 1 was lost: the client sends it again, accepted as it is identical
        r = put_part(server, sid, PART, part(1))
        assert r.status == 200, r.describe()
        assert r.json()["Received"] == 2 * PART

        # Part 2 lost, part 3 arrives: a gap
        assert_refused(put_part(server, sid, 3 * PART, part(3)), 409, str(2 * PART))
        # Part 2 damaged on its way
        damaged = bytearray(part(2))
        damaged[1000] ^= 0xFF
        assert_refused(put_part(server, sid, 2 * PART, bytes(damaged), sha256(part(2))), 400, "SHA-256")
        # A malformed checksum, a missing offset
        assert_refused(put_part(server, sid, 2 * PART, part(2), "xyz"), 400, "X-Part-SHA256")
        r = server.put("/nifti/uploads/sessions/%s" % sid, part(2), headers={"X-Part-SHA256": sha256(part(2))})
        assert_refused(r, 400, "X-Part-Offset")
        # Too large a part
        assert_refused(put_part(server, sid, 2 * PART, data[2 * PART:4 * PART]), 413, "MaximumPartSize")
        # Other bytes where some were received
        other = bytes(len(part(0)))
        assert_refused(put_part(server, sid, 0, other), 409, "differs")
        # Nothing of that harmed the session
        assert received(server, sid) == 2 * PART

        # The connection breaks after some more parts; a new client asks where to resume
        for i in range(2, 7):
            assert put_part(server, sid, i * PART, part(i)).status == 200
        resumed = RestClient(server.base_url)
        offset = received(resumed, sid)
        assert offset == 7 * PART
        while offset < size:
            chunk = data[offset:offset + PART]
            r = put_part(resumed, sid, offset, chunk)
            assert r.status == 200, r.describe()
            offset = r.json()["Received"]
    print("upload in parts of %.0f MB (parts of %d MB): RSS before %.0f MB, peak increase %.1f MB"
          % (size / MB, PART // MB, memory.baseline / MB, memory.peak_increase() / MB))

    # Beyond the declared size
    assert_refused(put_part(server, sid, size, b"x"), 400, "declared size")

    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {"SHA256": sha256(data)})
    assert r.status == 200, r.describe()
    upload = r.json()
    assert upload["ID"] == sid and upload["Size"] == size and upload["Filename"] == "bold.nii"
    assert upload["Type"] == "NIfTI" and upload["Header"]["Dimensions"] == list(SHAPE)
    assert upload["SHA256"] == sha256(data)
    assert server.get("/nifti/uploads/sessions/%s" % sid).status == 404
    # The answer to finish was lost: finishing again answers the upload
    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {})
    assert r.status == 200 and r.json()["ID"] == sid, r.describe()

    study, _ = new_parent_study(server, "parts")
    r = server.post_json("/nifti/import", {"Upload": sid, "ParentStudy": study, "Asynchronous": True})
    assert r.status == 200, r.describe()
    job = JobWatch(server, r.json()["ID"]).wait(timeout=240, interval=0.2)
    assert job["State"] == "Success", job
    nx, ny, nz, nt = SHAPE
    assert job["Content"]["InstancesCount"] == nz * nt
    problems = check_instance_pixels(server, job["Content"]["ID"], nib.load(path).dataobj,
                                     [1, nz, nz * 9 + 17, nz * nt])
    assert not problems, "\n".join(problems)
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_bad_final_checksum_imports_nothing(server):
    data = os.urandom(PART + 12345)
    sid = server.post_json("/nifti/uploads/sessions", {"Size": len(data)}).json()["ID"]
    assert put_part(server, sid, 0, data[:PART]).status == 200

    assert_refused(server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {}), 409, str(PART))
    assert put_part(server, sid, PART, data[PART:]).status == 200
    wrong = sha256(data[::-1])
    assert_refused(server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {"SHA256": wrong}), 400, "SHA-256")
    assert server.get("/nifti/uploads/%s" % sid).status == 404, "nothing may be stored after a bad checksum"
    assert sid not in server.get_json("/nifti/uploads")
    # The session is still there: the client may finish with the right checksum
    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {"SHA256": sha256(data).upper()})
    assert r.status == 200, r.describe()
    assert r.json()["Type"] == "Other"
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_declared_checksum_is_checked(server):
    data = os.urandom(5000)
    sid = server.post_json("/nifti/uploads/sessions", {"Size": len(data), "SHA256": sha256(b"other")}).json()["ID"]
    assert put_part(server, sid, 0, data).status == 200
    assert_refused(server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {}), 400, "SHA-256")
    assert_refused(server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {"SHA256": sha256(data)}), 400,
                   "declared")
    server.delete_ok("/nifti/uploads/sessions/%s" % sid)
    assert server.get("/nifti/uploads/sessions/%s" % sid).status == 404
    assert server.get("/nifti/uploads/%s" % sid).status == 404


def test_invalid_sessions(server):
    assert_refused(server.post_json("/nifti/uploads/sessions", {"Size": 161 * MB}), 413, "MaximumUploadSize")
    assert_refused(server.post_json("/nifti/uploads/sessions", {"Size": 0}), 400, "Size")
    assert_refused(server.post_json("/nifti/uploads/sessions", {"Size": "12"}), 400, "Size")
    assert_refused(server.post_json("/nifti/uploads/sessions", {"Size": 10, "SHA256": "abc"}), 400, "SHA256")
    assert_refused(server.post("/nifti/uploads/sessions", b"not json"), 400, "JSON")
    missing = "0123456789abcdef0123456789abcdef"
    assert_refused(server.get("/nifti/uploads/sessions/%s" % missing), 404, "session")
    assert_refused(put_part(server, missing, 0, b"abc"), 404, "session")
    assert_refused(server.post_json("/nifti/uploads/sessions/%s/finish" % missing, {}), 404, "session")
    assert server.get("/nifti/uploads/sessions/../../etc").status in (400, 404)


def test_concurrent_copies_of_a_part(server):
    """Copies of one part sent at once (a client retrying while the first is still under way): each is accepted
    or told to retry; the bytes are written once."""
    data = os.urandom(3 * PART // 2)
    sid = server.post_json("/nifti/uploads/sessions", {"Size": len(data), "SHA256": sha256(data)}).json()["ID"]
    statuses = []

    def send():
        statuses.append(put_part(RestClient(server.base_url), sid, 0, data[:PART]).status)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 200 in statuses and set(statuses) <= {200, 409}, statuses
    assert received(server, sid) == PART
    assert put_part(server, sid, PART, data[PART:]).status == 200
    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {})
    assert r.status == 200, r.describe()
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_memory_stays_bounded(server):
    """Orthanc holds one part at a time: its memory does not grow with the file (Orthanc 1.10.1 reads a whole
    request body before the plugin sees it, so a POST /nifti/uploads with a Content-Length costs the file's size)."""
    size = 128 * MB
    data = os.urandom(size)
    sid = server.post_json("/nifti/uploads/sessions", {"Size": size, "SHA256": sha256(data)}).json()["ID"]
    # The first parts warm up the HTTP threads' allocations, measured apart from the file's
    for offset in range(0, 4 * PART, PART):
        assert put_part(server, sid, offset, data[offset:offset + PART]).status == 200
    with MemorySampler(server.pid, interval=0.002) as memory:
        for offset in range(4 * PART, size, PART):
            r = put_part(server, sid, offset, data[offset:offset + PART])
            assert r.status == 200, r.describe()
        r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {})
        assert r.status == 200, r.describe()
    increase = memory.peak_increase()
    print("upload in parts of %.0f MB (parts of %d MB): RSS before %.0f MB, peak increase %.1f MB (%d samples)"
          % (size / MB, PART // MB, memory.baseline / MB, increase / MB, memory.samples))
    assert memory.samples > 10, "memory sampled only %d times" % memory.samples
    assert increase < size / 8, (
        "Orthanc's resident memory rose by %.1f MB while a %.0f MB file arrived in parts of %d MB"
        % (increase / MB, size / MB, PART // MB))
    server.delete_ok("/nifti/uploads/%s" % sid)


def test_session_through_two_nodes_sharing_the_folder(root):
    """Two Orthancs sharing the upload folder (as nodes sharing a storage do): the parts of one session go through
    either; a request holding the session's lock on a live node makes the other answer 409, the lock of a node that
    is gone is taken over; a session left alone expires on every node."""
    shared = os.path.join(root, "shared-uploads")
    nifti = {"UploadDirectory": shared, "MaximumPartSize": 1, "UploadExpiration": 4, "HeartbeatInterval": 1,
             "OwnerTimeout": 3}
    a = start_extra_server(root, "node-a", {"NiftiToDicom": nifti})
    try:
        b = start_extra_server(root, "node-b", {"NiftiToDicom": nifti})
        try:
            data = os.urandom(5 * PART + 77)
            sid = a.post_json("/nifti/uploads/sessions", {"Size": len(data), "SHA256": sha256(data)}).json()["ID"]
            offsets = list(range(0, len(data), PART))
            for i, offset in enumerate(offsets[:-1]):
                r = put_part((a, b)[i % 2], sid, offset, data[offset:offset + PART])
                assert r.status == 200, r.describe()
            assert received(b, sid) == received(a, sid) == offsets[-1]

            lock = os.path.join(shared, "sessions", sid + ".lock")
            live = sorted(n[:-5] for n in os.listdir(os.path.join(shared, "nodes")) if n.endswith(".json"))
            assert len(live) == 2, live
            last = data[offsets[-1]:]
            with open(lock, "w") as f:
                f.write(live[0])           # a request of a live node under way
            assert_refused(put_part(b, sid, offsets[-1], last), 409, "Another request")
            assert received(a, sid) == offsets[-1]
            with open(lock, "w") as f:
                f.write("gone-node-0123")  # left by a node that is gone
            r = put_part(b, sid, offsets[-1], last)
            assert r.status == 200, r.describe()
            assert not os.path.exists(lock), "the lock taken over was not released"

            r = b.post_json("/nifti/uploads/sessions/%s/finish" % sid, {})
            assert r.status == 200, r.describe()
            assert a.get_json("/nifti/uploads/%s" % sid)["SHA256"] == sha256(data)
            a.delete_ok("/nifti/uploads/%s" % sid)

            # Leftovers of a node that died: its lock, a temporary description
            sessions = os.path.join(shared, "sessions")
            leftovers = [os.path.join(sessions, "ab" * 16 + ".lock"), os.path.join(sessions, "cd" * 16 + ".json.tmp")]
            for path in leftovers:
                with open(path, "w") as f:
                    f.write("gone-node-0123")
                os.utime(path, (time.time() - 60, time.time() - 60))
            live_lock = os.path.join(sessions, "ef" * 16 + ".lock")
            with open(live_lock, "w") as f:
                f.write(live[1])
            os.utime(live_lock, (time.time() - 60, time.time() - 60))

            left = a.post_json("/nifti/uploads/sessions", {"Size": 3 * PART}).json()["ID"]
            assert put_part(a, left, 0, data[:PART]).status == 200
            assert wait_until(lambda: b.get("/nifti/uploads/sessions/%s" % left).status == 404, 20), \
                "the session did not expire"
            assert wait_until(lambda: not [n for n in os.listdir(os.path.join(shared, "sessions"))
                                           if n.startswith(left)], 20), "the expired session's files are left"
            assert wait_until(lambda: not any(os.path.exists(p) for p in leftovers), 20), os.listdir(sessions)
            assert os.path.exists(live_lock), "the lock of a live node was removed"
        finally:
            stop_extra_server(b)
    finally:
        stop_extra_server(a)


def test_sessions_under_way_are_bounded(root):
    """A client looping on POST /nifti/uploads/sessions stops at MaximumUploadSessions (503, what to do); a
    session deleted or finished makes room again."""
    s = start_extra_server(root, "few-sessions", {"NiftiToDicom": {
        "MaximumUploadSessions": 3, "MaximumPartSize": 1, "UploadDirectory": os.path.join(root, "few-sessions")}})
    try:
        ids = []
        for _ in range(3):
            r = s.post_json("/nifti/uploads/sessions", {"Size": 10})
            assert r.status == 200, r.describe()
            ids.append(r.json()["ID"])
        for _ in range(2):
            assert_refused(s.post_json("/nifti/uploads/sessions", {"Size": 10}), 503,
                           "3 upload sessions under way", "NiftiToDicom.MaximumUploadSessions",
                           "GET /nifti/uploads/sessions")
        assert sorted(s.get_json("/nifti/uploads/sessions")) == sorted(ids)

        s.delete_ok("/nifti/uploads/sessions/%s" % ids.pop())
        data = os.urandom(10)
        r = s.post_json("/nifti/uploads/sessions", {"Size": len(data)})
        assert r.status == 200, r.describe()
        finished = r.json()["ID"]
        assert put_part(s, finished, 0, data).status == 200
        assert s.post_json("/nifti/uploads/sessions/%s/finish" % finished, {}).status == 200   # an upload now
        r = s.post_json("/nifti/uploads/sessions", {"Size": 10})
        assert r.status == 200, r.describe()
        assert len(s.get_json("/nifti/uploads/sessions")) == 3
    finally:
        stop_extra_server(s)
