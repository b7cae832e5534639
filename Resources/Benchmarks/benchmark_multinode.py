#!/usr/bin/python3
"""Benchmark: imports per second through POST /nifti/import for one Orthanc on SQLite, one on PostgreSQL,
and two on one PostgreSQL (behind no balancer: the clients alternate between the nodes), in the same run.

Run with Debian's interpreter (it has numpy and nibabel), with Debian's postgresql and orthanc-postgresql
installed (Resources/Scripts/install-dependencies.sh test):

    /usr/bin/python3 Resources/Benchmarks/benchmark_multinode.py [--imports 24] [--clients 4] [--slices 40]

Each set-up gets a fresh Orthanc (or two) from the integration tests' harnesses
(UnitTests/Integration/orthanc_harness.py, postgres_harness.py) with the plugin ($NIFTI_PLUGIN_PATH, else
<repo>/build/libOrthancNiftiToDicom.so), a parent study (a fresh copy of pydicom's MR_small.dcm), then
`--clients` threads send `--imports` synchronous imports of a 64x64x`--slices` int16 volume (base64 JSON
bodies, prepared before the clock starts) into that study. One warm-up import per node is not timed.
The PostgreSQL cluster is private (temporary directory, loopback port) and keeps PostgreSQL's durable
defaults (fsync on), as a site would, unless --no-fsync. Printed: imports/s and instances/s of each set-up, and the
SeriesNumbers' distinctness as a sanity check.
"""

import argparse
import base64
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "UnitTests", "Integration"))

import numpy as np  # noqa: E402
import nibabel as nib  # noqa: E402
import pydicom  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

from orthanc_harness import OrthancServer, nifti_plugin_path  # noqa: E402
from postgres_harness import PostgreSQLCluster, orthanc_node  # noqa: E402

MR_SMALL = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm"


def volume_body(slices, seed, study):
    rng = np.random.default_rng(seed)
    data = rng.integers(-500, 1500, size=(64, 64, slices), dtype=np.int16)
    img = nib.Nifti1Image(data, np.diag([2.0, 2.0, 3.0, 1.0]))
    return json.dumps({"Nifti": base64.b64encode(img.to_bytes()).decode("ascii"), "ParentStudy": study}).encode()


def parent_study_bytes():
    import io
    ds = pydicom.dcmread(MR_SMALL)
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buffer = io.BytesIO()
    ds.save_as(buffer, write_like_original=False)
    return buffer.getvalue()


def run_imports(nodes, study, count, clients, slices):
    bodies = [volume_body(slices, i, study) for i in range(count)]
    for node in nodes:   # warm-up, not timed
        r = node.post("/nifti/import", volume_body(slices, 10000, study), "application/json")
        assert r.ok, r.describe()
    errors = []
    next_index = [0]
    lock = threading.Lock()

    def client(k):
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= count:
                return
            node = nodes[(k + i) % len(nodes)]
            r = node.post("/nifti/import", bodies[i], "application/json")
            if not r.ok:
                errors.append(r.describe(300))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    started = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - started
    if errors:
        raise RuntimeError("%d imports failed, e.g. %s" % (len(errors), errors[0]))

    numbers = [s["MainDicomTags"].get("SeriesNumber") for s in nodes[0].get_json("/studies/%s/series" % study)]
    return elapsed, len(numbers) == len(set(numbers))


def measure(label, nodes, args):
    study = nodes[0].upload_dicom(parent_study_bytes())["ParentStudy"]
    elapsed, distinct = run_imports(nodes, study, args.imports, args.clients, args.slices)
    result = {"setup": label, "imports": args.imports, "seconds": round(elapsed, 2),
              "imports_per_second": round(args.imports / elapsed, 2),
              "instances_per_second": round(args.imports * args.slices / elapsed, 1),
              "series_numbers_distinct": distinct}
    print("%-28s %6.2f imports/s  %7.1f instances/s  (%d imports in %.1f s; SeriesNumbers distinct: %s)"
          % (label, result["imports_per_second"], result["instances_per_second"], args.imports, elapsed, distinct))
    sys.stdout.flush()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--imports", type=int, default=24)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--slices", type=int, default=40)
    parser.add_argument("--no-fsync", action="store_true",
                        help="PostgreSQL without fsync (to see how much of its cost is the disk)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    print("plugin: %s; %d imports of 64x64x%d int16 by %d clients; %d cores"
          % (nifti_plugin_path(), args.imports, args.slices, args.clients, os.cpu_count()))
    results = []
    nifti = {"ConversionThreads": 2}

    with OrthancServer(extra_config={"NiftiToDicom": nifti}, plugins=[nifti_plugin_path()],
                       name="BenchSQLite", verbose=False) as sqlite:
        results.append(measure("1 node, SQLite", [sqlite], args))

    with PostgreSQLCluster(durable=not args.no_fsync) as cluster:
        for count in (1, 2):
            root = tempfile.mkdtemp(prefix="bench-multinode-")
            storage = os.path.join(root, "storage")
            os.makedirs(storage)
            database = cluster.create_database("bench%d" % count)
            nodes = []
            try:
                for i in range(count):
                    name = "Bench%d" % i
                    node = orthanc_node(cluster, database, name, storage, os.path.join(root, name), nifti=nifti,
                                        verbose=False)
                    node.start()
                    nodes.append(node)
                results.append(measure("%d node%s, PostgreSQL%s" % (count, "s" if count > 1 else "",
                                                                    " (no fsync)" if args.no_fsync else ""),
                                       nodes, args))
            finally:
                for node in nodes:
                    node.stop()
                shutil.rmtree(root, ignore_errors=True)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
