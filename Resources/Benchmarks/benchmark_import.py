#!/usr/bin/python3
"""Benchmark: POST /nifti/import of a 256x256x176 int16 volume versus ingesting the equivalent DICOM
series through /instances over one keep-alive connection.

Run with Debian's interpreter (it has numpy and nibabel):

    /usr/bin/python3 Resources/Benchmarks/benchmark_import.py [--runs 5] [--keep-orthanc-log]

It starts its own Orthanc (the integration tests' harness) with the plugin
($NIFTI_PLUGIN_PATH, else <repo>/build/libOrthancNiftiToDicom.so), uploads pydicom's MR_small.dcm as
the parent study, then for each run:
  (a) times POST /nifti/import (base64 JSON body, prepared before the clock starts), records Orthanc's
      peak RSS during the request (VmHWM after resetting it through /proc/<pid>/clear_refs), and
      deletes the new series (the first run's DICOM files are downloaded first);
  (b) times POSTing those same DICOM files to /instances over one reused HTTP connection, records the
      peak RSS likewise, and deletes the series.
It prints the medians, their ratio (import / ingest, target <= 1.0) and the memory figures.
"""

import argparse
import base64
import http.client
import io
import json
import os
import statistics
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "UnitTests", "Integration"))

import numpy as np  # noqa: E402
import nibabel as nib  # noqa: E402

from orthanc_harness import OrthancServer, nifti_plugin_path  # noqa: E402

MR_SMALL = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm"
MB = 1000.0 * 1000.0
MIB = 1024.0 * 1024.0


def anatomy_volume(shape, seed=1):
    """A head-like int16 volume: skull shell, brain with grey/white contrast, ventricles, noise."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = shape
    x = (np.arange(nx, dtype=np.float32) - nx / 2.0) / (0.42 * nx)
    y = (np.arange(ny, dtype=np.float32) - ny / 2.0) / (0.48 * ny)
    z = (np.arange(nz, dtype=np.float32) - nz / 2.0) / (0.45 * nz)
    r = np.sqrt(x[:, None, None] ** 2 + y[None, :, None] ** 2 + z[None, None, :] ** 2)
    vol = np.zeros(shape, dtype=np.float32)
    vol[r < 1.0] = 300.0                      # scalp / skull
    vol[r < 0.92] = 650.0                     # grey matter
    folds = np.sin(9.0 * x)[:, None, None] * np.sin(7.0 * y)[None, :, None] * np.cos(5.0 * z)[None, None, :]
    white = (r < 0.75) & (folds > -0.2)
    vol[white] = 900.0                        # white matter
    vent = ((x[:, None, None] / 0.25) ** 2 + (y[None, :, None] / 0.12) ** 2 + (z[None, None, :] / 0.2) ** 2) < 1.0
    vol[vent] = 150.0                         # ventricles
    vol += rng.normal(0.0, 25.0, size=shape).astype(np.float32)
    vol[: nx // 3, : ny // 4, :] += 40.0      # asymmetric bias field
    return np.clip(vol, 0, 32767).astype(np.int16)


def nifti_bytes(data):
    aff = np.array([[-1.0, 0, 0, 128.0], [0, 1.0, 0, -128.0], [0, 0, 1.0, -88.0], [0, 0, 0, 1]])
    img = nib.Nifti1Image(data, aff)
    img.set_sform(aff, code=1)
    img.set_qform(aff, code=1)
    return img.to_bytes()


def fmt_mb(n):
    return "%.1f" % (n / MB) if n is not None else "-"


def report_failure(server, error):
    """What a benchmark that failed prints: the error and the end of Orthanc's log."""
    print("\nBENCHMARK FAILED: %s" % error, file=sys.stderr)
    print("--- Orthanc log tail (%s) ---\n%s" % (server.log_path, server.log_tail(40)), file=sys.stderr)


def post_once(port, uri, body, content_type):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    try:
        conn.request("POST", uri, body=body, headers={"Content-Type": content_type})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data
    finally:
        conn.close()


def ingest_keepalive(port, files):
    """POST every DICOM file to /instances over one HTTP/1.1 connection; returns the Orthanc answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    answers = []
    try:
        for data in files:
            conn.request("POST", "/instances", body=data,
                         headers={"Content-Type": "application/dicom", "Connection": "keep-alive"})
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError("POST /instances answered %d: %s" % (resp.status, body[:500]))
            answers.append(json.loads(body))
    finally:
        conn.close()
    return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="number of measured runs (default 5)")
    parser.add_argument("--keep-orthanc-log", action="store_true",
                        help="keep Orthanc's working directory (log, storage) and print its path")
    parser.add_argument("--shape", default="256,256,176", help="volume shape nx,ny,nz (default 256,256,176)")
    parser.add_argument("--gzip", action="store_true", help="send a .nii.gz instead of a .nii")
    parser.add_argument("--plugin", default=None, help="plugin path (default: $NIFTI_PLUGIN_PATH or build/)")
    parser.add_argument("--verbose-log", action="store_true", help="run Orthanc with --verbose")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    shape = tuple(int(v) for v in args.shape.split(","))
    if len(shape) != 3:
        parser.error("--shape needs three values")
    plugin = args.plugin or nifti_plugin_path()

    print("Generating a %s int16 volume..." % (shape,), flush=True)
    volume = anatomy_volume(shape)
    decoded_size = volume.nbytes
    nifti = nifti_bytes(volume)
    if args.gzip:
        import gzip
        nifti = gzip.compress(nifti, compresslevel=6)

    server = OrthancServer(plugins=[plugin], keep_workdir=args.keep_orthanc_log, verbose=args.verbose_log,
                           name="NiftiBenchmark")
    results = []
    failed = False
    try:
        server.start()
        parent = server.upload_dicom(open(MR_SMALL, "rb").read())
        body = json.dumps({"Nifti": base64.b64encode(nifti).decode("ascii"),
                           "ParentStudy": parent["ParentStudy"]}).encode()
        port = server.http_port
        dicom_files = None

        print("Orthanc %s, plugin %s" % (server.get_json("/system")["Version"], plugin))
        print("NIfTI: %.1f MB (%s), request body %.1f MB" % (len(nifti) / MB, ".nii.gz" if args.gzip else ".nii",
                                                           len(body) / MB), flush=True)
        dicom_bytes = 0

        for run in range(1, args.runs + 1):
            row = {"run": run}
            # (a) NIfTI import
            row["baseline_rss"] = server.memory()["VmRSS"]
            server.reset_peak_memory()
            t0 = time.perf_counter()
            status, data = post_once(port, "/nifti/import", body, "application/json")
            row["import_s"] = time.perf_counter() - t0
            row["import_peak_rss"] = server.memory()["VmHWM"]
            if status != 200:
                raise RuntimeError("run %d: POST /nifti/import answered %d: %s" % (run, status, data[:1000]))
            answer = json.loads(data)
            if dicom_files is None:
                # The plugin's own output of the first import is what (b) ingests: equivalent data.
                archive = server.get_bytes("/series/%s/archive" % answer["ID"])
                with zipfile.ZipFile(io.BytesIO(archive)) as z:
                    dicom_files = [z.read(n) for n in sorted(z.namelist()) if not n.endswith("/")]
                dicom_bytes = sum(len(f) for f in dicom_files)
                print("DICOM series produced by the plugin: %d files, %.1f MB" % (len(dicom_files), dicom_bytes / MB),
                      flush=True)
            if answer.get("InstancesCount") not in (None, len(dicom_files)):
                raise RuntimeError("run %d: %s instances, expected %d" % (run, answer.get("InstancesCount"),
                                                                         len(dicom_files)))
            server.delete_ok("/series/%s" % answer["ID"])

            # (b) classic DICOM ingest of the equivalent series
            row["ingest_baseline_rss"] = server.memory()["VmRSS"]
            server.reset_peak_memory()
            t0 = time.perf_counter()
            answers = ingest_keepalive(port, dicom_files)
            row["ingest_s"] = time.perf_counter() - t0
            row["ingest_peak_rss"] = server.memory()["VmHWM"]
            for sid in sorted({a["ParentSeries"] for a in answers}):
                server.delete_ok("/series/%s" % sid)
            row["ratio"] = row["import_s"] / row["ingest_s"]
            results.append(row)
            print("  run %d/%d: import %.3f s, ingest %.3f s" % (run, args.runs, row["import_s"], row["ingest_s"]),
                  flush=True)
    except Exception as e:
        failed = True
        report_failure(server, e)
    finally:
        server.stop()
        if args.keep_orthanc_log or failed:
            print("Orthanc working directory kept: %s (log: %s)" % (server.workdir, server.log_path))
        else:
            server.cleanup()

    if failed or not results:
        return 1

    print()
    header = "%-4s %12s %12s %8s %14s %16s %16s" % ("run", "import (s)", "ingest (s)", "ratio", "RSS before MB",
                                                    "peak import MB", "peak ingest MB")
    print(header)
    print("-" * len(header))
    for r in results:
        print("%-4d %12.3f %12.3f %8.2f %14s %16s %16s" % (r["run"], r["import_s"], r["ingest_s"], r["ratio"],
                                                           fmt_mb(r["baseline_rss"]), fmt_mb(r["import_peak_rss"]),
                                                           fmt_mb(r["ingest_peak_rss"])))
    med_import = statistics.median(r["import_s"] for r in results)
    med_ingest = statistics.median(r["ingest_s"] for r in results)
    ratio = med_import / med_ingest
    peak_import = max(r["import_peak_rss"] for r in results)
    baseline = statistics.median(r["baseline_rss"] for r in results)
    extra = statistics.median(r["import_peak_rss"] - r["baseline_rss"] for r in results)
    print("-" * len(header))
    print("%-34s %10.3f s" % ("median NIfTI import", med_import))
    print("%-34s %10.3f s" % ("median DICOM ingest (keep-alive)", med_ingest))
    print("%-34s %10.2f   (target <= 1.00: %s)" % ("ratio import / ingest", ratio, "met" if ratio <= 1.0 else
                                                    "NOT met"))
    print("%-34s %10s MB" % ("Orthanc RSS before import (median)", fmt_mb(baseline)))
    print("%-34s %10s MB" % ("Orthanc peak RSS during import", fmt_mb(peak_import)))
    print("%-34s %10s MB  (= %.1f x the decoded volume)" % ("peak - baseline (median)", fmt_mb(extra),
                                                            extra / decoded_size))
    print("%-34s %10s MB  (%s int16, %.1f MiB)" % ("one decoded volume", fmt_mb(decoded_size), "x".join(map(str, shape)),
                                                   decoded_size / MIB))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results, "median_import_s": med_import, "median_ingest_s": med_ingest,
                       "ratio": ratio, "decoded_volume_bytes": decoded_size, "dicom_files": len(dicom_files),
                       "dicom_bytes": dicom_bytes}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
