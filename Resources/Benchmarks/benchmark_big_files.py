#!/usr/bin/python3
"""Benchmark of issue 12 in one run: single-instance speed against Orthanc's own ingest, the peak memory of a big 4D
import uploaded in parts, and an upload in parts against a chunked upload. Each figure is printed beside its baseline.

Run with Debian's interpreter (it has numpy and nibabel):

    /usr/bin/python3 Resources/Benchmarks/benchmark_big_files.py [--size-mb 1024] [--runs 3] [--part-mb 8]
                                                                 [--skip-speed] [--skip-big]

It starts its own Orthanc (the integration tests' harness) with the plugin ($NIFTI_PLUGIN_PATH, else
<repo>/build/libOrthancNiftiToDicom.so), uploads pydicom's MR_small.dcm as the parent study, then:

(a) Speed. A 256x256x176 int16 volume (--shape) imported as Classic, Enhanced MR and Parametric Map, in two ways:
    by POST /nifti/import with the NIfTI in a base64 JSON body (prepared before the clock starts, as
    benchmark_import.py does, and as the issue's baseline was measured), and as a chunked POST /nifti/uploads of
    the .nii followed by an import by "Upload" (both timed). The instances the first import produced are
    downloaded; each run deletes the new series, then POSTs those files back to /instances over one keep-alive
    connection (Orthanc's own ingest of the same output), timed, and deletes again.
    Medians, their ratio, and the issue's figures (0.56/0.68 s, 0.26/0.15 s, 0.46/0.30 s) beside them; the target
    for Enhanced MR is a ratio of at most 1.2.
(b) Memory. A generated 4D int16 NIfTI of --size-mb MiB (written to a temporary directory through a memory map) is
    sent as an upload in parts (POST /nifti/uploads/sessions, PUT of each part with its SHA-256, finish), then
    imported by "Upload" as Classic, then as Enhanced MR with the default MaximumInstanceSize (a concatenation of
    pieces). For each step Orthanc's RSS is sampled every 10 ms and VmHWM (reset before) read after: the peak
    increase over the RSS before the step, and its ratio to the file size, beside the target 0.25x and the
    issue's baseline 1.37x (Classic).
(c) Uploads. The same file as one chunked POST /nifti/uploads: time and peak RSS increase beside the upload in parts.

The temporary directory (the file, Orthanc's storage and the plugin's uploads: about 3x --size-mb) is removed at the
end. The machine's load average is printed: the timings of a loaded machine are slower and noisier.
"""

import argparse
import base64
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "UnitTests", "Integration"))
sys.path.insert(0, HERE)

from benchmark_import import (MR_SMALL, anatomy_volume, ingest_keepalive, nifti_bytes, post_once,  # noqa: E402
                              report_failure)
from benchmark_upload_parts import single_post, upload_in_parts  # noqa: E402
from conftest import write_large_nifti  # noqa: E402
from orthanc_harness import MemorySampler, OrthancServer, nifti_plugin_path  # noqa: E402

MIB = 1024.0 * 1024.0

# The issue's measurements (2 cores, Debian's Orthanc 1.10.1): import and ingest seconds of 256x256x176 int16
SPEED_BASELINES = {
    "Classic": (0.56, 0.68),
    "EnhancedMR": (0.26, 0.15),
    "ParametricMap": (0.46, 0.30),
}
SPEED_TARGETS = {"EnhancedMR": 1.2}
MEMORY_TARGET = 0.25        # peak RSS increase / file size, 4D Classic import
MEMORY_BASELINE = 1.37      # the issue's 332 MB Classic import: +453 MB


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


class Clock:
    """Wall time and Orthanc's CPU time of a block: on a loaded machine the CPU time is the steadier figure."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.cpu = cpu_seconds(self.pid)
        self.wall = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = cpu_seconds(self.pid) - self.cpu
        return False


def import_json(server, body, timeout=3600):
    status, data = post_once(server.http_port, "/nifti/import", body, "application/json")
    if status != 200:
        raise RuntimeError("POST /nifti/import answered %d: %s" % (status, data[:1000]))
    return json.loads(data)


def download_series(server, series_id):
    archive = server.get_bytes("/series/%s/archive" % series_id)
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return [z.read(n) for n in sorted(z.namelist()) if not n.endswith("/")]


def upload_and_import(server, path, study, kind):
    """Chunked POST /nifti/uploads of the file (streamed to disk by the plugin), then an import by "Upload"."""
    upload = single_post(server, path, True)
    answer = import_json(server, json.dumps({"Upload": upload, "ParentStudy": study, "Type": kind}).encode())
    return upload, answer


def measure_speed(server, study, directory, args):
    shape = tuple(int(v) for v in args.shape.split(","))
    nifti = nifti_bytes(anatomy_volume(shape))
    path = os.path.join(directory, "speed.nii")
    with open(path, "wb") as f:
        f.write(nifti)
    print("(a) %s int16 volume, %.1f MiB, %d run(s) of each type" % ("x".join(map(str, shape)), len(nifti) / MIB,
                                                                     args.runs), flush=True)
    rows = []
    for kind in ("Classic", "EnhancedMR", "ParametricMap"):
        body = json.dumps({"Nifti": base64.b64encode(nifti).decode("ascii"), "ParentStudy": study,
                           "Type": kind}).encode()
        files = None
        times = {"import": [], "upload": [], "ingest": []}
        for run in range(args.runs + 1):   # run 0 warms up (and downloads the output)
            with Clock(server.pid) as imported:
                answer = import_json(server, body)
            if files is None:
                files = download_series(server, answer["ID"])
            server.delete_ok("/series/%s" % answer["ID"])

            with Clock(server.pid) as uploaded:
                upload, answer = upload_and_import(server, path, study, kind)
            server.delete_ok("/series/%s" % answer["ID"])
            server.delete_ok("/nifti/uploads/%s" % upload)

            with Clock(server.pid) as ingested:
                answers = ingest_keepalive(server.http_port, files)
            for series in sorted({a["ParentSeries"] for a in answers}):
                server.delete_ok("/series/%s" % series)
            if run > 0:
                for name, clock in (("import", imported), ("upload", uploaded), ("ingest", ingested)):
                    times[name].append((clock.wall, clock.cpu))
        medians = {name: (statistics.median(v[0] for v in values), statistics.median(v[1] for v in values))
                   for name, values in times.items()}
        rows.append((kind, len(files), sum(len(f) for f in files), medians))
        print("    %s (wall s / Orthanc CPU s): %s" % (kind, ", ".join(
            "%s %s" % (name, " ".join("%.3f/%.2f" % v for v in values)) for name, values in times.items())),
            flush=True)
    os.remove(path)
    return rows


def measure_big(server, study, directory, args):
    # 128x128x64 int16 volumes (2 MiB each), as many time points as make --size-mb
    nx, ny, nz = 128, 128, 64
    frames = max(2, int(round(args.size_mb * MIB / (nx * ny * nz * 2))))
    shape = (nx, ny, nz, frames)
    path = os.path.join(directory, "big.nii")
    print("(b) writing a %s int16 NIfTI..." % "x".join(map(str, shape)), flush=True)
    write_large_nifti(path, shape)
    size = os.path.getsize(path)
    results = {"size": size, "shape": shape}
    time.sleep(1.0)

    with MemorySampler(server.pid) as memory:
        start = time.perf_counter()
        upload = upload_in_parts(server.http_port, path, args.part_mb * int(MIB))
        elapsed = time.perf_counter() - start
    results["parts"] = (elapsed, memory.peak_increase())
    print("    upload in parts: %.1f s, +%.0f MiB" % (results["parts"][0], results["parts"][1] / MIB), flush=True)

    for kind in ("Classic", "EnhancedMR"):
        time.sleep(1.0)
        with MemorySampler(server.pid) as memory:
            start = time.perf_counter()
            answer = import_json(server, json.dumps({"Upload": upload, "ParentStudy": study, "Type": kind}).encode())
            elapsed = time.perf_counter() - start
        results[kind] = (elapsed, memory.peak_increase(), answer["InstancesCount"])
        print("    %s import: %.1f s, %d instances, +%.0f MiB" % (kind, elapsed, answer["InstancesCount"],
                                                              memory.peak_increase() / MIB), flush=True)
        server.delete_ok("/series/%s" % answer["ID"])
    server.delete_ok("/nifti/uploads/%s" % upload)

    time.sleep(1.0)
    with MemorySampler(server.pid) as memory:
        start = time.perf_counter()
        upload = single_post(server, path, True)
        elapsed = time.perf_counter() - start
    results["chunked"] = (elapsed, memory.peak_increase())
    print("    chunked upload: %.1f s, +%.0f MiB" % (elapsed, memory.peak_increase() / MIB), flush=True)
    server.delete_ok("/nifti/uploads/%s" % upload)
    os.remove(path)
    return results


def report_speed(rows):
    print()
    print("(a) Import against Orthanc's own ingest of the same output (medians of wall time, and of the CPU time of")
    print("    the Orthanc process: the steadier figure on a loaded machine)")
    print("    import: POST /nifti/import with the NIfTI in the JSON body (base64), as in the issue's baseline;")
    print("    upload+import: chunked POST /nifti/uploads of the .nii, then POST /nifti/import by \"Upload\";")
    print("    ingest: POST /instances of the DICOM files the import produced, one keep-alive connection")
    header = "%-14s %5s %6s %-6s %7s %7s %7s %7s %7s %-13s %s" % (
        "type", "files", "MiB", "clock", "import", "upl+imp", "ingest", "ratio", "ratio2", "target",
        "issue (import/ingest)")
    print(header)
    print("-" * len(header))
    for kind, count, size, medians in rows:
        for index, clock in enumerate(("wall", "CPU")):
            imported, uploaded, ingested = (medians[name][index] for name in ("import", "upload", "ingest"))
            ratio, ratio2 = imported / ingested, uploaded / ingested
            target = SPEED_TARGETS.get(kind)
            base = SPEED_BASELINES[kind]
            verdict = "-" if target is None else "<=%.1f %s/%s" % (target, "met" if ratio <= target else "NOT",
                                                                  "met" if ratio2 <= target else "NOT")
            issue = "%.2f/%.2f = %.2f" % (base[0], base[1], base[0] / base[1]) if index == 0 else ""
            print("%-14s %5s %6s %-6s %7.3f %7.3f %7.3f %7.2f %7.2f %-13s %s" % (
                kind if index == 0 else "", count if index == 0 else "", "%.1f" % (size / MIB) if index == 0 else "",
                clock, imported, uploaded, ingested, ratio, ratio2, verdict, issue))
    print("    ratio = import / ingest, ratio2 = upload+import / ingest; target: met/NOT for ratio/ratio2")


def report_big(results):
    size = results["size"]
    print()
    print("(b) Peak RSS of Orthanc above its level before each step, %s int16, %.0f MiB file" % (
        "x".join(map(str, results["shape"])), size / MIB))
    header = "%-36s %9s %10s %8s   %s" % ("step", "seconds", "+MiB", "x file", "target / baseline")
    print(header)
    print("-" * len(header))
    elapsed, rise = results["parts"]
    print("%-36s %9.1f %10.0f %8.2f   %s" % ("upload in parts", elapsed, rise / MIB, rise / size, "bounded"))
    elapsed, rise, count = results["Classic"]
    print("%-36s %9.1f %10.0f %8.2f   %s" % ("Classic import (%d instances)" % count, elapsed, rise / MIB, rise / size,
                                             "<= %.2f (%s); issue: %.2f" % (
                                                 MEMORY_TARGET, "met" if rise / size <= MEMORY_TARGET else "NOT met",
                                                 MEMORY_BASELINE)))
    elapsed, rise, count = results["EnhancedMR"]
    print("%-36s %9.1f %10.0f %8.2f   %s" % ("Enhanced MR in pieces (%d instances)" % count, elapsed, rise / MIB,
                                             rise / size, "issue (one instance): 4.3"))
    print()
    print("(c) The same file sent in one request against in parts")
    parts, chunked = results["parts"], results["chunked"]
    print("%-36s %9.1f %10.0f %8.2f" % ("chunked POST /nifti/uploads", chunked[0], chunked[1] / MIB, chunked[1] / size))
    print("%-36s %9.1f %10.0f %8.2f   %.2fx the time of chunked" % ("upload in parts", parts[0], parts[1] / MIB,
                                                                 parts[1] / size, parts[0] / chunked[0]))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=1024, help="size of the 4D NIfTI in MiB (default 1024)")
    parser.add_argument("--part-mb", type=int, default=8, help="part size in MiB (default 8)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs of each type in (a) (default 3)")
    parser.add_argument("--shape", default="256,256,176", help="volume of (a), nx,ny,nz (default 256,256,176)")
    parser.add_argument("--skip-speed", action="store_true", help="leave out (a)")
    parser.add_argument("--skip-big", action="store_true", help="leave out (b) and (c)")
    parser.add_argument("--plugin", default=None, help="plugin path (default: $NIFTI_PLUGIN_PATH or build/)")
    parser.add_argument("--keep-orthanc-log", action="store_true", help="keep Orthanc's working directory")
    args = parser.parse_args()
    if args.runs < 1 or args.size_mb < 8 or args.part_mb < 1:
        parser.error("--runs >= 1, --size-mb >= 8 and --part-mb >= 1")

    plugin = args.plugin or nifti_plugin_path()
    directory = tempfile.mkdtemp(prefix="bench-big-")
    server = OrthancServer(plugins=[plugin], verbose=False, keep_workdir=args.keep_orthanc_log,
                           workdir=os.path.join(directory, "orthanc"), name="BigFiles",
                           extra_config={"NiftiToDicom": {"MaximumUploadSize": args.size_mb + 64,
                                                          "MaximumPartSize": args.part_mb}})
    print("load average before: %s (2 cores: above 2 the figures are slowed by other work)" % load_average())
    speed = big = None
    failed = False
    try:
        server.start()
        with open(MR_SMALL, "rb") as f:
            study = server.upload_dicom(f.read())["ParentStudy"]
        print("Orthanc %s, plugin %s" % (server.get_json("/system")["Version"], plugin), flush=True)
        if not args.skip_speed:
            speed = measure_speed(server, study, directory, args)
        if not args.skip_big:
            big = measure_big(server, study, directory, args)
    except Exception as e:
        failed = True
        report_failure(server, e)
    finally:
        server.stop()
        if args.keep_orthanc_log or failed:
            print("Orthanc working directory kept: %s" % server.workdir)
            for name in os.listdir(directory):
                if name != "orthanc":
                    os.remove(os.path.join(directory, name))
        else:
            shutil.rmtree(directory, ignore_errors=True)

    if speed:
        report_speed(speed)
    if big:
        report_big(big)
    print()
    print("load average after: %s" % load_average())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
