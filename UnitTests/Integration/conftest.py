"""Fixtures of the NIfTI-to-DICOM integration tests.

Run with Debian's interpreter (it has nibabel, pydicom, numpy and pytest):

    /usr/bin/python3 -m pytest UnitTests/Integration -v

The plugin under test is $NIFTI_PLUGIN_PATH, else <repo>/build/libOrthancNiftiToDicom.so. When it is
missing or does not load, the tests fail (they are never skipped).
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nibabel as nib  # noqa: E402
import pydicom  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402

import dicom_tools  # noqa: E402
import nifti_cases  # noqa: E402
from orthanc_harness import OrthancServer, nifti_plugin_path, NEURO_PLUGIN_PATH, HarnessError  # noqa: E402

# The session's Orthanc refuses NIfTI files above this size (in MB), as sent (MaximumUploadSize) and
# once decompressed (MaximumVolumeSize): small enough for the 413 tests, larger than every valid input
# of the suite (the biggest decodes to 1.2 MB).
MAX_UPLOAD_MB = 2
MAX_VOLUME_MB = 2

UTF8_PATIENT_NAME = "Müller^Jürgen=山田^太郎"
UTF8_STUDY_DESCRIPTION = "Hirn-Übersicht 頭部MRI"
UTF8_REFERRING = "Núñez^José"

_SERVER = None  # the session's Orthanc, for the failure report hook


# --------------------------------------------------------------------------- failure reports
_LOG_OFFSETS = {}


# Other Orthanc servers started by test modules (see start_extra_server): their log is shown too.
_EXTRA_SERVERS = []
_EXTRA_LOG_OFFSETS = {}


@pytest.fixture(autouse=True)
def _remember_log_offset(request):
    """Where Orthanc's log stood when a test started, to show only its own part on failure."""
    if _SERVER is not None:
        _LOG_OFFSETS[request.node.nodeid] = _SERVER.log_size()
    _EXTRA_LOG_OFFSETS[request.node.nodeid] = {id(s): s.log_size() for s in _EXTRA_SERVERS}
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when in ("setup", "call") and report.failed and _SERVER is not None:
        try:
            offset = _LOG_OFFSETS.get(item.nodeid)
            if offset is None:
                tail = _SERVER.log_tail(40)
            else:
                tail = _SERVER.log_since(offset, limit=40)
        except Exception as e:  # pragma: no cover
            tail = "(could not read the log: %s)" % e
        report.sections.append(("Orthanc log during the test (%s)" % _SERVER.log_path, tail))
    if report.when in ("setup", "call") and report.failed:
        offsets = _EXTRA_LOG_OFFSETS.get(item.nodeid, {})
        for server in list(_EXTRA_SERVERS):
            try:
                offset = offsets.get(id(server), 0)
                if offset > server.log_size():
                    offset = 0
                tail = server.log_since(offset, limit=40)
            except Exception as e:  # pragma: no cover
                tail = "(could not read the log: %s)" % e
            report.sections.append(("Log of Orthanc %r during the test (%s)" % (server.name, server.log_path), tail))


# --------------------------------------------------------------------------- server
@pytest.fixture(scope="session")
def orthanc():
    global _SERVER
    keep = os.environ.get("KEEP_ORTHANC_DIR") == "1"
    server = OrthancServer(plugins=[nifti_plugin_path(), NEURO_PLUGIN_PATH],
                           extra_config={"NiftiToDicom": {"MaximumUploadSize": MAX_UPLOAD_MB,
                                                            "MaximumVolumeSize": MAX_VOLUME_MB}},
                           keep_workdir=keep)
    try:
        server.start()
    except HarnessError:
        server.cleanup()
        raise
    _SERVER = server
    plugins = server.plugins_loaded()
    ours = [p for p in plugins if p not in ("explorer.js", "neuro")]
    if not ours:
        tail = server.log_tail(40)
        server.stop()
        raise HarnessError("Orthanc started but the NIfTI plugin (%s) is not registered; /plugins = %s\n%s"
                           % (nifti_plugin_path(), plugins, tail))
    yield server
    alive = server.alive()
    code = server.stop()
    print("\nOrthanc stopped (exit code %s); log: %s" % (code, server.log_path))
    if not keep and alive:
        server.cleanup()
    else:
        print("Orthanc working directory kept: %s" % server.workdir)
    _SERVER = None


# --------------------------------------------------------------------------- parent studies
class Parent:
    def __init__(self, key, dataset, answer, orthanc):
        self.key = key
        self.dataset = dataset
        self.orthanc_id = answer["ParentStudy"]
        self.series_id = answer["ParentSeries"]
        self.study_uid = str(dataset.StudyInstanceUID)
        self.series_uid = str(dataset.SeriesInstanceUID)
        self.modality = str(dataset.Modality)


def utf8_parent_dataset():
    """A copy of MR_small with UTF-8 names and fresh UIDs (a third patient/study)."""
    ds = pydicom.dcmread(os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm"))
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = UTF8_PATIENT_NAME
    ds.PatientID = "UTF8-PATIENT-1"
    ds.PatientBirthDate = "19700101"
    ds.PatientSex = "M"
    ds.StudyDescription = UTF8_STUDY_DESCRIPTION
    ds.ReferringPhysicianName = UTF8_REFERRING
    ds.AccessionNumber = "ACC-UTF8-1"
    ds.StudyID = "S8"
    ds.StudyDate = "20230405"
    ds.StudyTime = "101112"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.FrameOfReferenceUID = generate_uid()
    return ds


def dataset_bytes(ds):
    import io
    buf = io.BytesIO()
    ds.save_as(buf, write_like_original=False)
    return buf.getvalue()


def fresh_copy(filename, patient_id, patient_name):
    """A pydicom test file with new Study/Series/SOP UIDs and another patient: a new parent study."""
    ds = pydicom.dcmread(os.path.join(nifti_cases.PYDICOM_FILES, filename))
    ds.PatientID = patient_id
    ds.PatientName = patient_name
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds


class ParentStudies(dict):
    """Parent studies by key; upload() adds more (each test that needs a pristine study makes one)."""

    def __init__(self, orthanc):
        dict.__init__(self)
        self.orthanc = orthanc

    def upload(self, key, ds):
        answer = self.orthanc.upload_dicom(dataset_bytes(ds))
        self[key] = Parent(key, ds, answer, self.orthanc)
        return self[key]


@pytest.fixture(scope="session")
def parents(orthanc):
    """MR: pydicom's MR_small; CT: CT_small; CT2: another CT study (receives an MR-requested import);
    UTF8: an MR study with UTF-8 names; LATIN1: a CT study in ISO_IR 100 with accented names."""
    result = ParentStudies(orthanc)
    result.upload("MR", pydicom.dcmread(os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm")))
    result.upload("CT", pydicom.dcmread(os.path.join(nifti_cases.PYDICOM_FILES, "CT_small.dcm")))
    result.upload("CT2", fresh_copy("CT_small.dcm", "CT2-PATIENT", "Second^CT"))
    result.upload("UTF8", utf8_parent_dataset())
    latin1 = fresh_copy("CT_small.dcm", "LATIN1-PATIENT", "Müller^Jürgen")  # CT_small is ISO_IR 100
    latin1.StudyDescription = "Thorax, Übersicht"
    latin1.ReferringPhysicianName = "Dr. Gómez"
    result.upload("LATIN1", latin1)
    return result


# --------------------------------------------------------------------------- imports
class ImportResult:
    """One POST /nifti/import of a case, with everything downloaded and converted back, lazily."""

    def __init__(self, case, path, parent, response, workdir, orthanc):
        self.case = case
        self.path = path
        self.parent = parent
        self.response = response
        self.workdir = workdir
        self.orthanc = orthanc
        self.original = nib.load(path)
        self.answer = response.json_or_none() if response.ok else None
        self._files = None
        self._datasets = None
        self._dcm2niix = None
        self._dciodvfy = None
        self._dcentvfy = None

    def require_success(self):
        assert self.response.status == 200, \
            "import of %s (%s) failed: %s" % (self.case.name, self.case.description, self.response.describe())
        assert isinstance(self.answer, dict), "answer is not a JSON object: %s" % self.response.describe()
        assert isinstance(self.answer.get("ID"), str) and self.answer["ID"], \
            "answer has no series ID: %s" % self.answer

    @property
    def series_id(self):
        self.require_success()
        return self.answer["ID"]

    @property
    def dicom_dir(self):
        return os.path.join(self.workdir, "dicom")

    @property
    def files(self):
        if self._files is None:
            self.require_success()
            data = self.orthanc.get_bytes("/series/%s/archive" % self.series_id)
            if os.path.isdir(self.dicom_dir):
                shutil.rmtree(self.dicom_dir)
            self._files = dicom_tools.extract_zip(data, self.dicom_dir)
            assert self._files, "the archive of series %s is empty" % self.series_id
        return self._files

    @property
    def datasets(self):
        if self._datasets is None:
            self._datasets = [pydicom.dcmread(f) for f in self.files]
        return self._datasets

    @property
    def dcm2niix(self):
        if self._dcm2niix is None:
            self._dcm2niix = dicom_tools.run_dcm2niix(self.dicom_dir if self.files else None,
                                                      os.path.join(self.workdir, "dcm2niix"))
        return self._dcm2niix

    @property
    def dciodvfy(self):
        if self._dciodvfy is None:
            self._dciodvfy = dicom_tools.run_dciodvfy_all(self.files)
        return self._dciodvfy

    @property
    def dcentvfy(self):
        if self._dcentvfy is None:
            self._dcentvfy = dicom_tools.run_dcentvfy(self.files)
        return self._dcentvfy

    @property
    def expected_instances(self):
        shape = list(self.original.shape) + [1, 1]
        return int(shape[2]) * int(shape[3])

    def warnings(self):
        self.require_success()
        return self.answer.get("Warnings")


class ImportCache:
    def __init__(self, orthanc, parents, root):
        self.orthanc = orthanc
        self.parents = parents
        self.root = root
        self.results = {}

    def get(self, name):
        if name not in self.results:
            case = nifti_cases.CASES_BY_NAME[name]
            workdir = os.path.join(self.root, name)
            path = case.materialize(os.path.join(workdir, "input"))
            with open(path, "rb") as f:
                data = f.read()
            parent = self.parents[case.parent]
            response = self.orthanc.nifti_import(data, parent.orthanc_id, **case.request)
            self.results[name] = ImportResult(case, path, parent, response, workdir, self.orthanc)
        return self.results[name]


@pytest.fixture(scope="session")
def imports(orthanc, parents, tmp_path_factory):
    return ImportCache(orthanc, parents, str(tmp_path_factory.mktemp("imports")))


# --------------------------------------------------------------------------- imports of a test module's own cases
class ModuleImport:
    """POST /nifti/import of NIfTI bytes built by a test module, with the request `fields`, into `study`; the
    instances of the new series are downloaded to `workdir` when first asked for."""

    def __init__(self, name, orthanc, study, workdir, nifti, fields):
        self.name = name
        self.orthanc = orthanc
        self.study = study
        self.workdir = workdir
        self.nifti = nifti
        self.original = nib.Nifti1Image.from_bytes(nifti)
        self.fields = fields
        self.response = orthanc.nifti_import(nifti, study.orthanc_id, **fields)
        self.answer = self.response.json_or_none() if self.response.ok else None
        self._files = None

    def require_success(self):
        assert self.response.status == 200, "import of %s (%s) failed: %s" % (
            self.name, self.fields, self.response.describe())
        assert isinstance(self.answer, dict) and self.answer.get("ID"), self.response.describe()

    @property
    def files(self):
        if self._files is None:
            self.require_success()
            os.makedirs(self.workdir, exist_ok=True)
            files = []
            for n, iid in enumerate(self.orthanc.get_json("/series/%s" % self.answer["ID"])["Instances"]):
                path = os.path.join(self.workdir, "%04d.dcm" % n)
                with open(path, "wb") as f:
                    f.write(self.orthanc.get_bytes("/instances/%s/file" % iid))
                files.append(path)
            self._files = files
        return self._files

    @property
    def datasets(self):
        return [pydicom.dcmread(f) for f in self.files]

    def single(self):
        files = self.files
        assert len(files) == 1, "%s (%s): expected ONE multi-frame instance, the series has %d" % (
            self.name, self.fields, len(files))
        return pydicom.dcmread(files[0])


class ModuleImports:
    """make(name, workdir) -> ModuleImport, called once per name, the first time the name is asked for."""

    def __init__(self, make, root):
        self.make, self.root = make, root
        self.results = {}

    def __call__(self, name):
        if name not in self.results:
            self.results[name] = self.make(name, os.path.join(self.root, name))
        return self.results[name]


def upload_module_parent(parents, key, ds, directory):
    """A parent study of a test module's own (uploaded as parents[key]); its .path is the file, for dcentvfy."""
    parent = parents.upload(key, ds)
    parent.path = os.path.join(str(directory), "parent.dcm")
    with open(parent.path, "wb") as f:
        f.write(dataset_bytes(ds))
    return parent


@pytest.fixture
def scratch(tmp_path):
    return str(tmp_path)


# --------------------------------------------------------------------------- helpers of the job, upload, path,
# routing, Lua and concurrency tests
import numpy as np  # noqa: E402

MR_SMALL_PATH = os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm")


def start_extra_server(root, name, extra_config=None, **kwargs):
    """Start another Orthanc (working directory <root>/orthanc-<name>); its log is shown when a test fails.
    Stop it with stop_extra_server()."""
    server = OrthancServer(extra_config=extra_config or {}, workdir=os.path.join(str(root), "orthanc-" + name),
                           name=name, **kwargs)
    server.start()
    _EXTRA_SERVERS.append(server)
    return server


def stop_extra_server(server, remove_storage=True):
    """Stop a server of start_extra_server(); removes its storage (keeps configuration and log)."""
    try:
        server.stop()
    finally:
        if server in _EXTRA_SERVERS:
            _EXTRA_SERVERS.remove(server)
        if remove_storage:
            shutil.rmtree(os.path.join(server.workdir, "storage"), ignore_errors=True)


def new_parent_study(server, label):
    """Upload a fresh copy of MR_small (new patient, study, series and SOP UIDs) to `server`;
    returns (Orthanc study ID, pydicom dataset)."""
    ds = fresh_copy("MR_small.dcm", "PAT-" + label, "Test^" + label)
    answer = server.upload_dicom(dataset_bytes(ds))
    return answer["ParentStudy"], ds


def pattern_volume(shape, t=0, seed=0, dtype=np.int16):
    """Deterministic, asymmetric integer content of one 3D volume (time point t)."""
    nx, ny, nz = shape[:3]
    i = np.arange(nx, dtype=np.int32)[:, None, None]
    j = np.arange(ny, dtype=np.int32)[None, :, None]
    k = np.arange(nz, dtype=np.int32)[None, None, :]
    values = (i * 7 + j * 13 + k * 101 + t * 37 + seed * 1009) % 3001 - 1000
    return values.astype(dtype)


def pattern_data(shape, seed=0, dtype=np.int16):
    if len(shape) == 3:
        return pattern_volume(shape, 0, seed, dtype)
    return np.stack([pattern_volume(shape, t, seed, dtype) for t in range(shape[3])], axis=-1)


def default_affine(zooms=(2.0, 2.5, 3.0), origin=(-60.0, -70.0, -40.0), flip_x=True):
    a = np.diag([(-1.0 if flip_x else 1.0) * zooms[0], zooms[1], zooms[2], 1.0])
    a[:3, 3] = origin
    return a


def make_nifti_image(shape, seed=0, affine=None, tr=None, dtype=np.int16):
    affine = default_affine() if affine is None else affine
    img = nib.Nifti1Image(pattern_data(shape, seed, dtype), affine)
    img.set_sform(affine, code=2)
    img.set_qform(affine, code=2)
    img.header.set_xyzt_units("mm", "sec")
    if tr is not None and len(shape) == 4:
        zooms = list(img.header.get_zooms())
        zooms[3] = tr
        img.header.set_zooms(zooms)
    return img


def nifti_file_bytes(img, gz=False):
    data = img.to_bytes()
    if gz:
        import gzip
        data = gzip.compress(data, compresslevel=1)
    return data


def write_large_nifti(path, shape, affine=None, tr=None, dtype=np.int16, seed=0):
    """Write a single-file .nii of the given shape without holding the whole volume in memory:
    header with nibabel, then the voxels through a memory map, one time point at a time.
    Returns the affine written."""
    affine = default_affine() if affine is None else affine
    hdr = nib.Nifti1Header()
    hdr.set_data_dtype(dtype)
    hdr.set_data_shape(shape)
    zooms = [float(np.linalg.norm(affine[:3, c])) for c in range(3)]
    if len(shape) == 4:
        zooms.append(float(tr if tr is not None else 1.0))
    hdr.set_zooms(zooms)
    hdr.set_sform(affine, code=2)
    hdr.set_qform(affine, code=2)
    hdr.set_xyzt_units("mm", "sec")
    offset = 352
    hdr["vox_offset"] = offset
    with open(path, "wb") as f:
        f.write(hdr.binaryblock)
        f.write(b"\0" * (offset - len(hdr.binaryblock)))
        f.truncate(offset + int(np.prod(shape)) * np.dtype(dtype).itemsize)
    mm = np.memmap(path, dtype=dtype, mode="r+", offset=offset, shape=tuple(shape), order="F")
    for t in range(shape[3] if len(shape) == 4 else 1):
        if len(shape) == 4:
            mm[..., t] = pattern_volume(shape, t, seed, dtype)
        else:
            mm[...] = pattern_volume(shape, 0, seed, dtype)
    mm.flush()
    del mm
    return affine


def study_series(server, study_id):
    return sorted(server.get_json("/studies/%s" % study_id)["Series"])


def check_instance_pixels(server, series_id, data, instance_numbers):
    """Compare the stored pixels of some instances with the source voxels through the README's mapping:
    InstanceNumber = t * nz + k + 1; pixel (column c, row r) of slice k is voxel (c, ny-1-r, k).
    `data` is an array-like indexable as data[..., k, t] (a nibabel dataobj works). Returns a list of problems."""
    import io as _io
    shape = tuple(data.shape) + (1,) * (4 - len(data.shape))
    nx, ny, nz = shape[:3]
    wanted = set(instance_numbers)
    problems = []
    found = {}
    for inst in server.get_json("/series/%s/instances" % series_id):
        n = int(inst["MainDicomTags"].get("InstanceNumber", "0"))
        if n in wanted:
            found[n] = inst["ID"]
    for n in sorted(wanted):
        if n not in found:
            problems.append("no instance with InstanceNumber %d" % n)
            continue
        ds = pydicom.dcmread(_io.BytesIO(server.get_bytes("/instances/%s/file" % found[n])))
        t, k = divmod(n - 1, nz)
        src = np.asarray(data[..., k, t] if len(data.shape) == 4 else data[..., k], dtype=np.float64)
        expected = src[:, ::-1].T   # rows r = ny-1-j, columns c = i
        slope = float(ds.get("RescaleSlope", 1.0))
        intercept = float(ds.get("RescaleIntercept", 0.0))
        values = ds.pixel_array.astype(np.float64) * slope + intercept
        if values.shape != expected.shape:
            problems.append("instance %d: pixel matrix %s, expected %s" % (n, values.shape, expected.shape))
        elif not np.array_equal(values, expected):
            bad = np.argwhere(values != expected)
            r, c = bad[0]
            problems.append("instance %d (k=%d, t=%d): %d pixels differ, first at row %d col %d: %s vs voxel %s"
                            % (n, k, t, len(bad), r, c, values[r, c], expected[r, c]))
    return problems


def is_sentence(text):
    """A human-readable reason: several words, not a bare error code name."""
    return isinstance(text, str) and len(text.strip()) >= 15 and " " in text.strip()


import io as _io  # noqa: E402


def _files_by_sop(server, series_id):
    result = {}
    for iid in server.get_json("/series/%s" % series_id)["Instances"]:
        ds = pydicom.dcmread(_io.BytesIO(server.get_bytes("/instances/%s/file" % iid)))
        result[str(ds.SOPInstanceUID)] = ds
    return result


def assert_arrived_complete(server, series_id, pacs):
    """The series `series_id` of `server` is in `pacs`, with the same instances and pixel data."""
    uid = server.get_json("/series/%s" % series_id)["MainDicomTags"]["SeriesInstanceUID"]
    found = [x for x in _lookup(pacs, uid) if x.get("Type") == "Series"]
    assert len(found) == 1, "series %s (%s) is not in the PACS: lookup gave %s" % (series_id, uid, found)
    sent = _files_by_sop(server, series_id)
    received = _files_by_sop(pacs, found[0]["ID"])
    assert len(received) == len(sent), "PACS holds %d of the %d instances" % (len(received), len(sent))
    assert set(received) == set(sent), "different SOPInstanceUIDs in the PACS"
    for sop, ds in sent.items():
        other = received[sop]
        if ds.file_meta.TransferSyntaxUID == other.file_meta.TransferSyntaxUID:
            assert ds.PixelData == other.PixelData, "PixelData of %s differs in the PACS" % sop
        assert np.array_equal(ds.pixel_array, other.pixel_array), "pixels of %s differ in the PACS" % sop
    return found[0]["ID"]


def _lookup(server, text):
    r = server.post("/tools/lookup", text.encode(), content_type="text/plain")
    assert r.ok, r.describe()
    return r.json()
