"""Big files in bounded memory: a 4D int16 NIfTI of a few hundred MB, generated here, uploaded in parts (with an
interruption and a resume, and a bad part refused on the way), imported as Classic and as an Enhanced MR
concatenation. Orthanc reads the voxels a slice at a time from the uploaded file (a .nii.gz inflated into an
unlinked temporary file), so its peak RSS during an import rises by a fraction of the file, not by the file.

The series come back exactly: the Classic series through dcm2niix (a sample of whole volumes, compared in world
space), the concatenation through test_concatenation's independent pydicom reader, voxel by voxel.

Contract: README.md, "Configuration" (the paragraph on memory: how files are read; TemporaryDirectory,
MaximumInstanceSize) and "Uploads in parts".
"""

import gzip
import hashlib
import io
import os
import shutil
import time

import nibabel as nib
import numpy as np
import pydicom
import pytest

import dicom_tools
from conftest import new_parent_study, start_extra_server, stop_extra_server, write_large_nifti
from orthanc_harness import HarnessError, JobWatch, MemorySampler, OrthancServer, RestClient
from test_concatenation import reassemble

MB = 1024 * 1024
SHAPE = (128, 128, 60, 150)         # 295 MB of int16
PART_MB = 8
PIECE_MB = 8                        # MaximumInstanceSize: the Enhanced MR comes in about 37 pieces
PEAK_RATIO = 0.25                   # the target of the README: peak RSS rise at most a quarter of the file
SAMPLE_VOLUMES = [0, 1, 77, 149]    # the volumes dcm2niix reads back (all 9000 files would take minutes)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("big-files"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def server(root):
    temporary = os.path.join(root, "inflated")
    os.makedirs(temporary)
    os.makedirs(os.path.join(root, "allowed"))
    # Orthanc 1.10 keeps the files it last wrote in a cache of its own (MaximumStorageCacheSize, 128 MB by
    # default), whatever wrote them: a Classic import fills it as Orthanc's own ingest of the series would. Off
    # here, so that the peak measured is what the plugin holds.
    s = start_extra_server(root, "big", {"MaximumStorageCacheSize": 0, "NiftiToDicom": {
        "MaximumUploadSize": 400, "MaximumVolumeSize": 400, "MaximumPartSize": PART_MB,
        "MaximumInstanceSize": PIECE_MB, "ConversionThreads": 2,
        "UploadDirectory": os.path.join(root, "uploads"), "TemporaryDirectory": temporary,
        "AllowedDirectories": [os.path.join(root, "allowed")]}})
    s.temporary = temporary
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def nifti(root):
    path = os.path.join(root, "bold.nii")
    affine = write_large_nifti(path, SHAPE, tr=2.0, seed=5)
    return path, affine


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MB), b""):
            digest.update(block)
    return digest.hexdigest()


def read_part(path, offset, size=PART_MB * MB):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(size)


def put_part(client, session, offset, data, digest=None):
    return client.put("/nifti/uploads/sessions/%s" % session, data, headers={
        "X-Part-Offset": str(offset), "X-Part-SHA256": digest or hashlib.sha256(data).hexdigest()})


def upload_in_parts(server, path, filename, interrupt_after=None):
    """Upload `path` in parts of PART_MB. With interrupt_after, the client stops after that many parts (a broken
    connection), a bad part is refused on the way, and a new client resumes from what the server says it received.
    Returns the upload's ID."""
    size = os.path.getsize(path)
    digest = sha256_of(path)
    r = server.post_json("/nifti/uploads/sessions", {"Size": size, "Filename": filename, "SHA256": digest})
    assert r.status == 200, r.describe()
    sid = r.json()["ID"]
    offset = 0
    sent = 0
    while offset < size and (interrupt_after is None or sent < interrupt_after):
        r = put_part(server, sid, offset, read_part(path, offset))
        assert r.status == 200, r.describe()
        offset = r.json()["Received"]
        sent += 1

    if interrupt_after is not None:
        assert 0 < offset < size, "test input: the interruption must come midway"
        # A damaged part is refused and harms nothing of what was received
        damaged = bytearray(read_part(path, offset))
        damaged[12345] ^= 0x40
        r = put_part(server, sid, offset, bytes(damaged), hashlib.sha256(read_part(path, offset)).hexdigest())
        assert r.status == 400 and "SHA-256" in r.json()["Message"], r.describe()
        # A new client asks where to resume
        server = RestClient(server.base_url)
        resumed = server.get_json("/nifti/uploads/sessions/%s" % sid)["Received"]
        assert resumed == offset, "received %d, but %d were acknowledged" % (resumed, offset)
        while offset < size:
            r = put_part(server, sid, offset, read_part(path, offset))
            assert r.status == 200, r.describe()
            offset = r.json()["Received"]

    r = server.post_json("/nifti/uploads/sessions/%s/finish" % sid, {"SHA256": digest})
    assert r.status == 200, r.describe()
    upload = r.json()
    assert upload["Size"] == size and upload["SHA256"] == digest and upload["Type"] == "NIfTI"
    assert upload["Header"]["Dimensions"] == list(SHAPE)
    return sid


def import_measured(server, upload, study, **fields):
    """Import an upload as a job; returns (job content, peak RSS rise of Orthanc during the import, RSS before).
    Meanwhile the temporary directory never shows a file: an inflated copy is created unlinked."""
    request = {"Upload": upload, "ParentStudy": study, "Asynchronous": True}
    request.update(fields)
    # The baseline without the freed buffers of the upload: POST /nifti/import hands freed memory back to the
    # system when it ends, also when it refuses a request
    r = server.post_json("/nifti/import", {})
    assert r.status == 400, r.describe()
    with MemorySampler(server.pid, interval=0.05) as memory:
        r = server.post_json("/nifti/import", request)
        assert r.status == 200, r.describe()
        watch = JobWatch(server, r.json()["ID"])
        deadline = time.time() + 600
        while True:
            job = watch.poll()
            assert os.listdir(server.temporary) == [], os.listdir(server.temporary)
            if job.get("State") in ("Success", "Failure") or time.time() > deadline:
                break
            time.sleep(0.5)
    assert job["State"] == "Success", job
    return job["Content"], memory.peak_increase(), memory.baseline


def sample_nifti(path, volumes):
    img = nib.load(path)
    data = np.stack([np.asarray(img.dataobj[..., t]) for t in volumes], axis=-1)
    return nib.Nifti1Image(data, img.affine)


def test_classic_from_parts_in_bounded_memory(server, nifti, root):
    path, affine = nifti
    size = os.path.getsize(path)
    upload = upload_in_parts(server, path, "bold.nii", interrupt_after=15)

    study, _ = new_parent_study(server, "BIG")
    content, peak, baseline = import_measured(server, upload, study)
    nx, ny, nz, nt = SHAPE
    assert content["InstancesCount"] == nz * nt
    print("classic import of a %.0f MB .nii: Orthanc's RSS %.0f MB before, peak rise %.1f MB (%.3f of the file)"
          % (size / MB, baseline / MB, peak / MB, peak / size))
    assert peak <= PEAK_RATIO * size, "peak RSS rise %.0f MB for a %.0f MB file" % (peak / MB, size / MB)

    # Round trip of whole volumes through dcm2niix, in world space
    wanted = {t * nz + k + 1 for t in SAMPLE_VOLUMES for k in range(nz)}
    directory = os.path.join(root, "classic-dicom")
    os.makedirs(directory)
    for instance in server.get_json("/series/%s/instances" % content["ID"]):
        number = int(instance["MainDicomTags"]["InstanceNumber"])
        if number in wanted:
            with open(os.path.join(directory, "%05d.dcm" % number), "wb") as f:
                f.write(server.get_bytes("/instances/%s/file" % instance["ID"]))
    assert len(os.listdir(directory)) == len(wanted)
    result = dicom_tools.run_dcm2niix(directory, os.path.join(root, "classic-dcm2niix"))
    assert len(result.niftis) == 1, "dcm2niix wrote %s:\n%s" % (result.niftis, result.output)
    back = nib.load(result.niftis[0])
    assert back.shape == (nx, ny, nz, len(SAMPLE_VOLUMES)), "%s\n%s" % (back.shape, result.output)
    cmp = dicom_tools.compare_world(sample_nifti(path, SAMPLE_VOLUMES), back)
    assert cmp, "%s\n--- dcm2niix ---\n%s" % (cmp.report(), result.output)

    shutil.rmtree(directory)
    server.delete_ok("/series/%s" % content["ID"])
    server.delete_ok("/nifti/uploads/%s" % upload)


def test_file_truncated_during_an_import(server, nifti, root):
    """The file is read while the series is written: truncated meanwhile by another process, the import fails with
    409 and a message saying so, keeps nothing, and Orthanc lives on (a mapped file would have killed it)."""
    path, _ = nifti
    copy = os.path.join(root, "allowed", "bold.nii")
    shutil.copyfile(path, copy)
    study, _ = new_parent_study(server, "TRUNC")
    r = server.post_json("/nifti/import", {"Path": copy, "ParentStudy": study, "Asynchronous": True})
    assert r.status == 200, r.describe()
    watch = JobWatch(server, r.json()["ID"])
    job = watch.wait(timeout=300, interval=0.05, until=lambda j: j.get("State") != "Pending" and
                     j["Content"].get("InstancesStored", 0) > 0)
    assert job["Content"]["InstancesStored"] < job["Content"]["InstancesCount"] // 2, \
        "test input: the import should be far from done when the file is cut"
    os.truncate(copy, os.path.getsize(copy) // 2)
    job = watch.wait(timeout=300, interval=0.2)
    assert job["State"] == "Failure", job
    assert job["Content"]["HttpStatus"] == 409, job
    assert "changed while it was being read: it was truncated" in job["Content"]["Error"], job
    assert server.alive()
    assert len(server.get_json("/studies/%s" % study)["Series"]) == 1, "only the parent's own series"
    os.unlink(copy)


def test_enhanced_mr_pieces_from_gzip_in_bounded_memory(server, nifti, root):
    path, affine = nifti
    size = os.path.getsize(path)
    compressed = os.path.join(root, "bold.nii.gz")
    with open(path, "rb") as source, gzip.open(compressed, "wb", compresslevel=1) as target:
        shutil.copyfileobj(source, target, 4 * MB)
    upload = upload_in_parts(server, compressed, "bold.nii.gz")
    os.unlink(compressed)

    study, _ = new_parent_study(server, "BIGMF")
    content, peak, baseline = import_measured(server, upload, study, Type="EnhancedMR")
    nx, ny, nz, nt = SHAPE
    print("enhanced MR import of a %.0f MB .nii.gz in %d pieces of at most %d MB: Orthanc's RSS %.0f MB before, "
          "peak rise %.1f MB (%.3f of the file)" % (size / MB, content["InstancesCount"], PIECE_MB, baseline / MB,
                                                    peak / MB, peak / size))
    frame = nx * ny * 2
    per_piece = (PIECE_MB * MB) // frame
    per_piece -= per_piece % nz   # whole volumes in a piece when one fits
    assert content["InstancesCount"] == -(-(nz * nt) // per_piece)
    assert peak <= PEAK_RATIO * size, "peak RSS rise %.0f MB for a %.0f MB file" % (peak / MB, size / MB)
    assert peak <= 6 * PIECE_MB * MB, "peak RSS rise %.0f MB: more than a few pieces of %d MB" % (peak / MB, PIECE_MB)
    assert os.listdir(server.temporary) == []

    # Every voxel back through the independent reader of concatenations
    data = np.asarray(nib.load(path).dataobj)
    datasets = [pydicom.dcmread(io.BytesIO(server.get_bytes("/instances/%s/file" % i["ID"])))
                for i in server.get_json("/series/%s/instances" % content["ID"])]
    objects = reassemble(datasets)
    assert len(objects) == 1
    frames = next(iter(objects.values()))
    assert len(frames) == nz * nt
    for logical, (d, f, pixels) in enumerate(frames):
        i, j, k = dicom_tools.locate_frame(d, f, affine, (nx, ny, nz))
        t = dicom_tools.temporal_position_index(d, f) - 1
        assert logical == t * nz + k, "logical frame %d holds slice %d of volume %d" % (logical, k, t)
        transformation = dicom_tools.functional_group(d, f, "PixelValueTransformationSequence")
        values = pixels * float(transformation.RescaleSlope) + float(transformation.RescaleIntercept)
        assert np.array_equal(np.rint(values), data[i, j, k, t]), "frame %d (k %d, t %d)" % (logical, k, t)

    server.delete_ok("/series/%s" % content["ID"])
    server.delete_ok("/nifti/uploads/%s" % upload)


def test_unusable_temporary_directory_stops_the_plugin(root):
    """A TemporaryDirectory that does not exist, or is a file, is named at start-up, not at the first .nii.gz."""
    not_a_directory = os.path.join(root, "a-file")
    with open(not_a_directory, "w") as f:
        f.write("x")
    for directory in (os.path.join(root, "absent"), not_a_directory):
        s = OrthancServer(extra_config={"NiftiToDicom": {"TemporaryDirectory": directory}}, verbose=False,
                          workdir=os.path.join(root, "orthanc-bad-temporary"), start_timeout=30)
        try:
            with pytest.raises(HarnessError):
                s.start()
            assert not s.is_running()
            with open(s.log_path, encoding="utf-8", errors="replace") as f:
                log = f.read()
            assert ('NIfTI-to-DICOM: cannot start: The configuration option NiftiToDicom.TemporaryDirectory '
                    'names "%s", which is not an existing directory' % directory) in log, log[-3000:]
        finally:
            if s.is_running():
                s.stop()
            shutil.rmtree(s.workdir, ignore_errors=True)


def test_temporary_directory_logged_by_name(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert "NiftiToDicom.TemporaryDirectory = %s" % server.temporary in log
    assert "unknown configuration option NiftiToDicom.TemporaryDirectory" not in log
