#!/usr/bin/python3
"""Benchmark: sending one large file to the plugin as an upload in parts (POST /nifti/uploads/sessions, PUT of
each part with its SHA-256, finish with the whole file's SHA-256) against a single POST /nifti/uploads, chunked
and with a Content-Length, of the same file.

    /usr/bin/python3 Resources/Benchmarks/benchmark_upload_parts.py [--size-mb 256] [--part-mb 8] [--runs 3]

It starts its own Orthanc (the integration tests' harness) with the plugin ($NIFTI_PLUGIN_PATH, else
<repo>/build/libOrthancNiftiToDicom.so), writes a file of random bytes, and for each way of sending it and each run
records the wall time (client hashing included) and Orthanc's peak resident memory above the level before the
upload (sampled, and VmHWM after resetting it), then deletes the upload. It prints the medians side by side.
"""

import argparse
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "UnitTests", "Integration"))

from orthanc_harness import MemorySampler, OrthancServer, nifti_plugin_path, post_file  # noqa: E402

MIB = 1024 * 1024


HASHING = []   # seconds the client spent computing SHA-256s, per upload in parts


def upload_in_parts(port, path, part_bytes):
    """One keep-alive connection: create, one PUT per part, finish. Returns the upload ID."""
    hashing = 0.0
    size = os.path.getsize(path)
    whole = hashlib.sha256()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(method, uri, body, headers):
        conn.request(method, uri, body, headers)
        answer = conn.getresponse()
        data = answer.read()
        if answer.status != 200:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, uri, answer.status, data[:300]))
        return json.loads(data)

    try:
        sid = call("POST", "/nifti/uploads/sessions", json.dumps({"Size": size, "Filename": "bench.bin"}),
                   {"Content-Type": "application/json"})["ID"]
        with open(path, "rb") as f:
            offset = 0
            while offset < size:
                part = f.read(part_bytes)
                start = time.perf_counter()
                whole.update(part)
                digest = hashlib.sha256(part).hexdigest()
                hashing += time.perf_counter() - start
                call("PUT", "/nifti/uploads/sessions/" + sid, part, {
                    "X-Part-Offset": str(offset), "X-Part-SHA256": digest,
                    "Content-Type": "application/octet-stream"})
                offset += len(part)
        HASHING.append(hashing)
        return call("POST", "/nifti/uploads/sessions/%s/finish" % sid, json.dumps({"SHA256": whole.hexdigest()}),
                    {"Content-Type": "application/json"})["ID"]
    finally:
        conn.close()


def single_post(server, path, chunked):
    r = post_file(server.base_url, "/nifti/uploads", path, chunked=chunked, headers={"X-Filename": "bench.bin"})
    if r.status != 200:
        raise RuntimeError("POST /nifti/uploads: %s" % r.describe())
    return r.json()["ID"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=256, help="size of the file in MiB (default 256)")
    parser.add_argument("--part-mb", type=int, default=8, help="MaximumPartSize and part size in MiB (default 8)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each way (default 3)")
    parser.add_argument("--plugin", default=None, help="plugin path (default: $NIFTI_PLUGIN_PATH or build/)")
    args = parser.parse_args()

    plugin = args.plugin or nifti_plugin_path()
    workdir = tempfile.mkdtemp(prefix="bench-parts-")
    path = os.path.join(workdir, "file.bin")
    with open(path, "wb") as f:
        for _ in range(args.size_mb):
            f.write(os.urandom(MIB))
    size = os.path.getsize(path)

    server = OrthancServer(plugins=[plugin], verbose=False, extra_config={"NiftiToDicom": {
        "MaximumUploadSize": args.size_mb + 16, "MaximumPartSize": args.part_mb}})
    server.start()
    ways = [
        ("in parts of %d MiB" % args.part_mb, lambda: upload_in_parts(server.http_port, path, args.part_mb * MIB)),
        ("chunked POST", lambda: single_post(server, path, True)),
        ("POST with Content-Length", lambda: single_post(server, path, False)),
    ]
    results = {}
    try:
        for name, send in ways:
            server.delete_ok("/nifti/uploads/%s" % send())     # warm-up: threads, caches
        for _ in range(args.runs):
            for name, send in ways:
                with MemorySampler(server.pid) as memory:
                    start = time.perf_counter()
                    upload = send()
                    elapsed = time.perf_counter() - start
                server.delete_ok("/nifti/uploads/%s" % upload)
                results.setdefault(name, []).append((elapsed, memory.peak_increase()))
    finally:
        server.stop()
        server.cleanup()
        os.remove(path)
        os.rmdir(workdir)

    print("File of %d MiB, %d run(s), medians:" % (size // MIB, args.runs))
    print("%-28s %10s %10s %16s" % ("way", "time (s)", "MiB/s", "RSS rise (MiB)"))
    for name, _ in ways:
        elapsed = statistics.median(r[0] for r in results[name])
        rise = statistics.median(r[1] for r in results[name])
        print("%-28s %10.2f %10.0f %16.1f" % (name, elapsed, size / MIB / elapsed, rise / MIB))
    parts = statistics.median(r[0] for r in results[ways[0][0]])
    chunked = statistics.median(r[0] for r in results[ways[1][0]])
    print("in parts / chunked: %.2fx the time (of the time in parts, %.2f s is the client's two SHA-256s: each part's "
          "and the whole file's)" % (parts / chunked, statistics.median(HASHING[1:] or HASHING)))


if __name__ == "__main__":
    main()
