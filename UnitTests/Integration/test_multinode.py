"""Several Orthanc nodes on one PostgreSQL index: nothing lost, nothing duplicated.

A private PostgreSQL 15 cluster (Debian's postgresql, loopback, temporary directory) and two Orthanc
nodes "NodeA" and "NodeB" with Debian's orthanc-postgresql index plugin and the plugin under test, as
the Orthanc Book describes several writers: "Lock": false, distinct Name and DatabaseServerIdentifier,
one shared StorageDirectory (hence one shared NiftiToDicom upload folder). Each test gets a fresh
database, storage and pair of nodes.

Where a scenario needs an import to be under way while something happens elsewhere, the importing
node runs a Lua ReceivedInstanceFilter that sleeps a little for every instance the plugin stores (a
slow disk, as it were): the import lasts seconds, whatever the machine's speed, and the test checks
that the import was indeed still running when the other event happened.

Every scenario ends with check_study(): every series of the study other than the parent is complete
(all its instances, InstanceNumbers 1..N, as many as each import said) or absent, and no import
reported success for a series that is not complete.
"""

import base64
import json
import os
import shutil
import tempfile
import threading
import time

import nibabel as nib
import numpy as np
import pytest

import conftest
from orthanc_harness import JobWatch, post_file, wait_until
from postgres_harness import PostgreSQLCluster, orthanc_node

SLICES = 60          # instances per import in the slow scenarios
SLOW_SECONDS = 0.06  # the Lua filter's pause per instance on a "slow" node

SLOW_FILTER = """
function ReceivedInstanceFilter(dicom, origin, info)
  if origin['RequestOrigin'] == 'Plugins' then
    os.execute('sleep %s')
  end
  return true
end
"""


def volume_bytes(slices, seed=0, size=32):
    img = conftest.make_nifti_image((size, size, slices), seed=seed)
    return img.to_bytes()


@pytest.fixture(scope="module")
def cluster():
    with PostgreSQLCluster() as c:
        yield c


class Pair:
    """Two nodes on one fresh database and one shared storage folder."""

    def __init__(self, cluster, label, nifti=None, slow=(), postgresql=None, saved_jobs=()):
        self.cluster = cluster
        self.root = tempfile.mkdtemp(prefix="multinode-%s-" % label)
        self.storage = os.path.join(self.root, "shared-storage")
        os.makedirs(self.storage)
        self.database = cluster.create_database("orthanc_%s_%d" % (label, int(time.time() * 1000) % 100000000))
        self.nifti = {"HeartbeatInterval": 1, "OwnerTimeout": 6, "ConversionThreads": 2}
        self.nifti.update(nifti or {})
        self.nodes = {}
        for name in ("NodeA", "NodeB"):
            extra = {"SaveJobs": name in saved_jobs, "ConcurrentJobs": 2, "PostgreSQL": postgresql or {}}
            if name in slow:
                script = os.path.join(self.root, "slow.lua")
                with open(script, "w") as f:
                    f.write(SLOW_FILTER % SLOW_SECONDS)
                extra["LuaScripts"] = [script]
            self.nodes[name] = orthanc_node(cluster, self.database, name, self.storage,
                                            os.path.join(self.root, name), nifti=self.nifti, extra_config=extra,
                                            load_saved_jobs=name in saved_jobs)
        # One after the other: the first creates the database schema
        for node in self.nodes.values():
            node.start()
            conftest._EXTRA_SERVERS.append(node)

    @property
    def a(self):
        return self.nodes["NodeA"]

    @property
    def b(self):
        return self.nodes["NodeB"]

    def restart(self, node):
        node.stop()
        node.start()

    def close(self):
        for node in self.nodes.values():
            try:
                node.stop()
            finally:
                if node in conftest._EXTRA_SERVERS:
                    conftest._EXTRA_SERVERS.remove(node)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def pair_factory(cluster):
    pairs = []

    def make(label, **kwargs):
        pair = Pair(cluster, label, **kwargs)
        pairs.append(pair)
        return pair

    yield make
    for pair in pairs:
        pair.close()


def new_study(node, label):
    study, ds = conftest.new_parent_study(node, label)
    return study, str(ds.SeriesInstanceUID)


def last_heartbeat(pair, node_name):
    """Time of the last heartbeat of the node's current run: the mtime of its newest marker in the shared folder."""
    folder = os.path.join(pair.storage, "nifti-uploads", "nodes")
    markers = [os.path.join(folder, f) for f in os.listdir(folder) if f.startswith(node_name + "-")]
    assert markers, "no marker of %s in %s" % (node_name, folder)
    return max(os.stat(m).st_mtime for m in markers)


def series_of_study(node, study, parent_series_uid):
    """{SeriesInstanceUID: Orthanc series ID} of the study, the parent series left out."""
    result = {}
    for series in node.get_json("/studies/%s/series" % study):
        uid = series["MainDicomTags"]["SeriesInstanceUID"]
        if uid != parent_series_uid:
            result[uid] = series["ID"]
    return result


def check_study(node, study, parent_series_uid, expected_instances, successes):
    """Every series of the study (but the parent) is complete: `expected_instances` instances numbered
    1..N, in Orthanc's database and readable from the shared storage; every reported success names a
    series that is there and complete. Returns {SeriesInstanceUID: SeriesNumber}."""
    numbers = {}
    present = series_of_study(node, study, parent_series_uid)
    for uid, series in present.items():
        instances = node.get_json("/series/%s/instances" % series)
        instance_numbers = sorted(int(i["MainDicomTags"]["InstanceNumber"]) for i in instances)
        assert instance_numbers == list(range(1, expected_instances + 1)), \
            "series %s (%s) is incomplete: %d of %d instances, numbers %s" % (
                series, uid, len(instances), expected_instances, instance_numbers[:10])
        first = node.get("/instances/%s/file" % instances[0]["ID"])
        assert first.ok and first.body[128:132] == b"DICM", "an instance file of %s is not readable" % series
        numbers[uid] = node.get_json("/series/%s" % series)["MainDicomTags"].get("SeriesNumber")
    for answer in successes:
        uid = answer["SeriesInstanceUID"]
        assert answer["InstancesCount"] == expected_instances, answer
        assert uid in present, "an import reported success for series %s, which is not in Orthanc: %s" % (
            uid, json.dumps(answer)[:500])
    return numbers


def sync_import(node, nifti, study, results, key, **fields):
    try:
        results[key] = node.nifti_import(nifti, study, **fields)
    except Exception as e:  # the node was killed under the request
        results[key] = e


def submit_async(node, nifti, study):
    r = node.nifti_import(nifti, study, Asynchronous=True)
    assert r.ok, r.describe()
    return r.json()["ID"]


def wait_running(node, job, minimum_stored=3, timeout=60):
    """Waits until the job has stored a few instances; returns its JSON."""
    return JobWatch(node, job).wait(timeout=timeout, interval=0.1, until=lambda j: (
        j["State"] in ("Success", "Failure") or j["Content"].get("InstancesStored", 0) >= minimum_stored))


# ------------------------------------------------------------------------------------------ scenarios
def test_restart_of_one_node_leaves_the_other_nodes_imports_alone(pair_factory):
    """Node B restarts while node A runs a synchronous and an asynchronous import: both end in
    success with complete series, which are still complete after B's start-up and later sweeps."""
    pair = pair_factory("restart", slow=("NodeA",))
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "restart")

    results = {}
    sync = threading.Thread(target=sync_import, args=(a, volume_bytes(SLICES, 1), study, results, "sync"))
    sync.start()
    job = submit_async(a, volume_bytes(SLICES, 2), study)
    running = wait_running(a, job)
    assert running["State"] == "Running", running

    pair.restart(b)
    during = a.get_json("/jobs/%s" % job)
    assert during["State"] == "Running", "the import ended before node B was back: %s" % during

    final = JobWatch(a, job).wait(timeout=300, interval=0.2)
    sync.join(300)
    assert final["State"] == "Success", final
    assert isinstance(results["sync"], object) and results["sync"].status == 200, results["sync"].describe()

    successes = [final["Content"], results["sync"].json()]
    time.sleep(pair.nifti["OwnerTimeout"] + 3)   # B's sweeps have seen A's journal many times
    numbers = check_study(b, study, parent_uid, SLICES, successes)
    assert len(numbers) == 2 and len(set(numbers.values())) == 2, numbers


def test_killed_node_leaves_only_complete_series_after_recovery(pair_factory):
    """kill -9 of node A during its own imports. Restarted at once, A deletes its partial series itself;
    killed and not restarted, its partial series are deleted by B once A's heartbeat is OwnerTimeout old.
    B's own import, under way meanwhile, is untouched."""
    pair = pair_factory("kill", slow=("NodeA", "NodeB"))
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "kill")
    successes = []

    # 1. Killed and restarted at once: A's own restart removes the leftovers
    results = {}
    sync = threading.Thread(target=sync_import, args=(a, volume_bytes(SLICES, 3), study, results, "sync"))
    sync.start()
    job = submit_async(a, volume_bytes(SLICES, 4), study)
    assert wait_running(a, job)["State"] == "Running"
    assert wait_until(lambda: len(series_of_study(b, study, parent_uid)) == 2, 30), "both imports under way"
    a.kill()
    sync.join(60)
    assert isinstance(results["sync"], Exception) or not results["sync"].ok, "the killed node answered success"
    partial = series_of_study(b, study, parent_uid)
    assert partial, "the kill left nothing to clean (the imports were not under way)"

    a.start()
    started = time.time()
    assert wait_until(lambda: not series_of_study(b, study, parent_uid), 30), \
        "the restarted node did not delete its partial series: %s" % series_of_study(b, study, parent_uid)
    assert time.time() - started < pair.nifti["OwnerTimeout"] + 6
    assert "left incomplete when the Orthanc instance NodeA-" in a.log_tail(400), \
        "the partial series were not deleted by the restarted node A itself"

    # 2. Killed and not restarted, while B imports too: B deletes A's leftovers, keeps its own import
    job_a = submit_async(a, volume_bytes(SLICES, 5), study)
    job_b = submit_async(b, volume_bytes(SLICES, 6), study)
    assert wait_running(a, job_a)["State"] == "Running"
    assert wait_running(b, job_b)["State"] == "Running"
    a.kill()
    last_beat = last_heartbeat(pair, "NodeA")
    final_b = JobWatch(b, job_b).wait(timeout=300, interval=0.2)
    assert final_b["State"] == "Success", final_b
    successes.append(final_b["Content"])
    assert wait_until(lambda: set(series_of_study(b, study, parent_uid)) == {final_b["Content"]["SeriesInstanceUID"]},
                      pair.nifti["OwnerTimeout"] + 40), \
        "B did not delete the partial series of the killed node A: %s" % series_of_study(b, study, parent_uid)
    # Against A's last heartbeat, not the kill: that beat may precede the kill by a HeartbeatInterval or more
    assert time.time() - last_beat >= pair.nifti["OwnerTimeout"], "B did not wait for A's heartbeat to age"
    assert "left incomplete when the Orthanc instance NodeA-" in b.log_tail(400)

    a.start()
    check_study(a, study, parent_uid, SLICES, successes)


def test_saved_job_of_a_killed_node_runs_again_after_another_node_cleaned_up(pair_factory):
    """Node B (SaveJobs) is killed during its asynchronous import and stays down longer than OwnerTimeout:
    A deletes B's partial series. B comes back, reloads its job, which writes the same series again from
    the start: it ends in Success with one complete series, and A leaves the new run alone."""
    pair = pair_factory("savedjob", slow=("NodeB",), saved_jobs=("NodeB",))
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "savedjob")

    job = submit_async(b, volume_bytes(SLICES, 40), study)
    assert wait_running(b, job, minimum_stored=5)["State"] == "Running"
    b.kill()
    assert series_of_study(a, study, parent_uid), "the kill left no partial series"
    assert wait_until(lambda: not series_of_study(a, study, parent_uid), pair.nifti["OwnerTimeout"] + 40), \
        "A did not delete the partial series of the killed node B"
    assert "left incomplete when the Orthanc instance NodeB-" in a.log_tail(400)

    b.start()
    final = JobWatch(b, job).wait(timeout=300, interval=0.2)
    assert final["State"] == "Success", final
    time.sleep(2)   # A's sweeps have seen the new run's journal entry and its end
    check_study(a, study, parent_uid, SLICES, [final["Content"]])
    assert len(series_of_study(a, study, parent_uid)) == 1


def test_uploads_work_across_nodes_and_holds_count_everywhere(pair_factory):
    """An upload made on A is imported through B; while B's job holds it, DELETE on A answers 409 and
    A's expiry sweep keeps it; once the job is over it expires on every node. A partial upload streaming
    to A survives B's restart."""
    pair = pair_factory("uploads", slow=("NodeB",), nifti={"UploadExpiration": 3})
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "uploads")
    slices = 3 * SLICES   # an import that outlasts the expiration by far

    path = os.path.join(pair.root, "volume.nii")
    with open(path, "wb") as f:
        f.write(volume_bytes(slices, 7))
    r = post_file(a.base_url, "/nifti/uploads", path)
    assert r.status == 200, r.describe()
    upload = r.json()["ID"]
    assert b.get_json("/nifti/uploads/%s" % upload)["Type"] == "NIfTI"
    assert upload in b.get_json("/nifti/uploads")

    r = b.post_json("/nifti/import", {"Upload": upload, "ParentStudy": study, "Asynchronous": True})
    assert r.ok, r.describe()
    job = r.json()["ID"]
    assert wait_running(b, job)["State"] == "Running"

    shown = a.get_json("/nifti/uploads/%s" % upload)
    assert shown["InUse"] is True, shown
    r = a.delete("/nifti/uploads/%s" % upload)
    assert r.status == 409 and r.json()["HttpError"] == "Conflict", r.describe()
    assert "used by an import job" in r.json()["Message"], r.describe()

    time.sleep(pair.nifti["UploadExpiration"] + 1.5)   # expired, but held: A's sweeps keep it
    assert b.get_json("/jobs/%s" % job)["State"] == "Running", "the job ended before the expiry was tested"
    assert a.get("/nifti/uploads/%s" % upload).ok, "node A expired an upload that B's job holds"

    final = JobWatch(b, job).wait(timeout=300, interval=0.2)
    assert final["State"] == "Success", final
    check_study(a, study, parent_uid, slices, [final["Content"]])
    assert wait_until(lambda: a.get("/nifti/uploads/%s" % upload).status == 404, 20), \
        "the upload did not expire once its job was over"

    # A chunked upload in progress on A while B restarts: B's start-up leaves A's partial file alone
    import http.client
    data = volume_bytes(SLICES, 8)
    conn = http.client.HTTPConnection("127.0.0.1", a.http_port, timeout=120)
    conn.putrequest("POST", "/nifti/uploads")
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    half = len(data) // 2
    conn.send(b"%x\r\n" % half + data[:half] + b"\r\n")
    assert wait_until(lambda: any(n.endswith(".part") for n in os.listdir(os.path.join(pair.storage, "nifti-uploads"))),
                      10), "no partial upload file on the shared folder"
    pair.restart(b)
    time.sleep(2)   # B's sweeps run every second
    conn.send(b"%x\r\n" % (len(data) - half) + data[half:] + b"\r\n0\r\n\r\n")
    answer = conn.getresponse()
    body = answer.read()
    conn.close()
    assert answer.status == 200, body[:500]
    second = json.loads(body)["ID"]
    assert b.get_json("/nifti/uploads/%s" % second)["Size"] == len(data)
    assert b.delete("/nifti/uploads/%s" % second).ok   # not held: deletable from the other node
    assert a.get("/nifti/uploads/%s" % second).status == 404


def test_concurrent_imports_through_both_nodes_get_distinct_series_numbers(pair_factory):
    """Eight synchronous imports at once into one study, four through each node: all succeed, every
    series is complete, every SeriesNumber is distinct (reserved through the database)."""
    pair = pair_factory("concurrent")
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "concurrent")
    slices = 12

    results = {}
    threads = [threading.Thread(target=sync_import, args=((a, b)[i % 2], volume_bytes(slices, 10 + i), study,
                                                          results, i))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)

    failures = {k: v.describe() for k, v in results.items() if not v.ok}
    assert not failures, failures
    successes = [results[i].json() for i in range(8)]
    numbers = check_study(a, study, parent_uid, slices, successes)
    assert len(numbers) == 8, numbers
    parent_number = a.get_json("/series/%s" % a.get_json("/studies/%s" % study)["Series"][0])["MainDicomTags"].get(
        "SeriesNumber")
    assert len(set(numbers.values())) == 8, "SeriesNumbers not distinct: %s" % sorted(numbers.values())
    assert parent_number not in numbers.values(), (parent_number, numbers)

    # A second round, now that the counter exists: still distinct from each other and from the first
    results.clear()
    threads = [threading.Thread(target=sync_import, args=((b, a)[i % 2], volume_bytes(slices, 20 + i), study,
                                                          results, i))
               for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert all(v.ok for v in results.values()), {k: v.describe() for k, v in results.items()}
    numbers = check_study(b, study, parent_uid, slices, successes + [results[i].json() for i in range(4)])
    assert len(numbers) == 12 and len(set(numbers.values())) == 12, sorted(numbers.values())


# Raises PostgreSQL's "could not serialize access" (SQLSTATE 40001) for the instances inserted into the
# index while a sequence number lies in (skip, skip + fail]: nextval() is not rolled back with the failing
# transaction, so each attempt of Orthanc, of the index plugin and of our plugin counts.
FAULT_SQL = """
CREATE SEQUENCE nifti_fault_seq;
CREATE TABLE nifti_fault (skip BIGINT, fail BIGINT);
INSERT INTO nifti_fault VALUES (0, 0);
CREATE FUNCTION nifti_fault() RETURNS TRIGGER AS $$
DECLARE n BIGINT; s BIGINT; f BIGINT;
BEGIN
  IF NEW.resourcetype = 3 THEN
    SELECT skip, fail INTO s, f FROM nifti_fault;
    n := nextval('nifti_fault_seq');
    IF n > s AND n <= s + f THEN
      RAISE EXCEPTION 'could not serialize access (injected by the test)' USING ERRCODE = '40001';
    END IF;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER nifti_fault BEFORE INSERT ON resources FOR EACH ROW EXECUTE FUNCTION nifti_fault();
"""


def test_database_conflicts_are_retried_then_answered_503(pair_factory, cluster):
    """PostgreSQL answers "could not serialize access" to the index (a trigger injects it). A few in a row:
    the import is retried and succeeds. Without end: 503 (synchronous) or a failed job saying 503, and
    nothing of the series is left; the study holds only the complete series."""
    pair = pair_factory("conflicts", postgresql={"MaximumConnectionRetries": 1})
    a, b = pair.a, pair.b
    study, parent_uid = new_study(a, "conflicts")
    cluster.psql(FAULT_SQL, pair.database)
    slices = 10

    def inject(skip, fail):
        cluster.psql("ALTER SEQUENCE nifti_fault_seq RESTART WITH 1; UPDATE nifti_fault SET skip=%d, fail=%d"
                     % (skip, fail), pair.database)

    def instances_in_index():
        return int(cluster.psql("SELECT count(*) FROM resources WHERE resourcetype = 3", pair.database).strip())

    inject(3, 4)   # the 4th to 7th attempts to index an instance fail
    r = a.nifti_import(volume_bytes(slices, 30), study)
    assert r.status == 200, r.describe()
    transient = r.json()
    assert int(cluster.psql("SELECT last_value FROM nifti_fault_seq", pair.database)) > 7, "no conflict was injected"
    assert "could not serialize" in a.log_tail(3000) or "Database could not serialize" in a.log_tail(3000)

    before = instances_in_index()
    inject(3, 100000)   # from the 4th instance on, forever
    r = b.nifti_import(volume_bytes(slices, 31), study)
    assert r.status == 503, r.describe()
    assert "try again" in r.json()["Message"] and r.json()["HttpError"] == "Service Unavailable", r.describe()
    assert instances_in_index() == before, "the failed import left instances in the index"

    inject(3, 100000)
    job = submit_async(a, volume_bytes(slices, 32), study)
    final = JobWatch(a, job).wait(timeout=120, interval=0.2)
    assert final["State"] == "Failure" and final["Content"]["HttpStatus"] == 503, final
    assert instances_in_index() == before

    inject(0, 0)
    check_study(a, study, parent_uid, slices, [transient])
    assert len(series_of_study(a, study, parent_uid)) == 1
    journal = os.path.join(pair.storage, "nifti-uploads", "journal")
    assert wait_until(lambda: os.listdir(journal) == [], 10), os.listdir(journal)
