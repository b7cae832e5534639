#!/usr/bin/python3
"""Benchmark: Orthanc's peak memory during a ~100 MB 4D Enhanced MR import, as one instance and as a concatenation.

Run with Debian's interpreter (it has numpy and nibabel):

    /usr/bin/python3 Resources/Benchmarks/benchmark_concatenation.py [--shape 128 128 40 80] [--piece-mb 4 16 64]

Writes a 4D int16 NIfTI (default 128x128x40x80, 105 MB) to a temporary directory, then, for each configuration in
turn, starts a fresh Orthanc (the integration tests' harness, plugin $NIFTI_PLUGIN_PATH or
<repo>/build/libOrthancNiftiToDicom.so) with that directory in AllowedDirectories, uploads pydicom's MR_small.dcm as
the parent study and imports the file by "Path" (no request body to buffer) as "Type": "EnhancedMR":
  - "MaximumInstanceSize": 0, one instance of the whole series;
  - "MaximumInstanceSize": each of --piece-mb, a concatenation of pieces of at most that many MB.
Orthanc's RSS is sampled every 10 ms during the import, and VmHWM (reset before) read after; the script prints the
peak increase over the RSS before the import, in MB and as a ratio to the file, with the import's time and the
number of instances stored. The volume itself is decoded in memory in both cases (1x the file): what the pieces
remove is the memory of building and storing one instance of the whole file.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "UnitTests", "Integration"))

import numpy as np  # noqa: E402

from conftest import write_large_nifti  # noqa: E402
from orthanc_harness import MemorySampler, OrthancServer  # noqa: E402

MR_SMALL = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm"
MB = 1000.0 * 1000.0


def measure(directory, path, piece_mb, storage_cache_mb):
    config = {"NiftiToDicom": {"AllowedDirectories": [directory], "MaximumUploadSize": 4096,
                               "MaximumInstanceSize": piece_mb}}
    if storage_cache_mb is not None:
        config["MaximumStorageCacheSize"] = storage_cache_mb
    server = OrthancServer(extra_config=config,
                           workdir=os.path.join(directory, "orthanc-%d" % piece_mb), name="Concatenation")
    server.start()
    try:
        with open(MR_SMALL, "rb") as f:
            study = server.upload_dicom(f.read())["ParentStudy"]
        time.sleep(1.0)   # let Orthanc settle after start-up
        with MemorySampler(server.pid) as sampler:
            start = time.monotonic()
            response = server.post_json("/nifti/import", {"ParentStudy": study, "Path": path, "Type": "EnhancedMR"},
                                        timeout=3600)
            seconds = time.monotonic() - start
        if response.status != 200:
            raise RuntimeError("import answered %d: %s" % (response.status, response.describe()))
        return sampler.peak_increase(), seconds, response.json()["InstancesCount"], sampler.baseline
    finally:
        server.stop()
        server.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", type=int, nargs=4, default=[128, 128, 40, 80])
    parser.add_argument("--piece-mb", type=int, nargs="+", default=[4, 16, 64],
                        help="MaximumInstanceSize of the runs in pieces (MB)")
    parser.add_argument("--storage-cache-mb", type=int, default=None,
                        help="Orthanc's MaximumStorageCacheSize (default: Orthanc's own, 128 MB), which keeps "
                             "recently stored files in memory")
    args = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="nifti-concatenation-")
    try:
        path = os.path.join(directory, "run.nii")
        write_large_nifti(path, tuple(args.shape), tr=2.0)
        size = os.path.getsize(path)
        print("4D int16 %s: %.1f MB; MaximumStorageCacheSize %s" % (
            "x".join(str(s) for s in args.shape), size / MB,
            "Orthanc's default" if args.storage_cache_mb is None else "%d MB" % args.storage_cache_mb))
        print("%-28s %10s %10s %8s %10s %10s" % ("Enhanced MR import", "peak +MB", "x file", "seconds", "instances",
                                                 "RSS before"))
        runs = [("one instance", 0)] + [("pieces of %d MB" % mb, mb) for mb in args.piece_mb]
        for label, piece_mb in runs:
            increase, seconds, instances, baseline = measure(directory, path, piece_mb, args.storage_cache_mb)
            print("%-28s %10.1f %10.2f %8.1f %10d %10.1f" % (label, increase / MB, increase / float(size), seconds,
                                                              instances, baseline / MB))
    finally:
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
