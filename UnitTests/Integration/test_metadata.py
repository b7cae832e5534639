"""Acquisition metadata of POST /nifti/import: a real BIDS sidecar (dcm2niix's own, from the Siemens mosaic
that dicom3tools ships), FSL diffusion tables (Bval/Bvec) and UseNiftiDescription.

Contract: README.md, POST /nifti/import, rows "Sidecar", "Bval, Bvec", "UseNiftiDescription" and
"SeriesDescription"; /work/shared/docs/nifti-to-dicom-facts.md sections 5 (BIDS units, diffusion directions)
and 7 (the real files). Expectations are computed here from the inputs (the sidecar's JSON, the NIfTI affine,
the bvec table), never copied from the plugin.
"""

import glob
import gzip
import json
import os
import re
import shutil
import subprocess

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.tag import Tag

import dicom_tools
import nifti_cases
from conftest import fresh_copy

DICOM3TOOLS_EXAMPLES = "/usr/share/doc/dicom3tools/examples"


# --------------------------------------------------------------------------- helpers
def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _import_ok(orthanc, data, parent_id, **fields):
    r = orthanc.nifti_import(data, parent_id, **fields)
    assert r.status == 200, r.describe()
    return r.json()


def _series_datasets(orthanc, series_id, directory):
    files = dicom_tools.extract_zip(orthanc.get_bytes("/series/%s/archive" % series_id), directory)
    return [pydicom.dcmread(f) for f in files]


def _upload(orthanc, data, filename):
    """POST /nifti/uploads with raw bytes; returns the upload ID."""
    r = orthanc.post("/nifti/uploads", body=data, content_type="application/octet-stream",
                     headers={"X-Filename": filename})
    assert r.status == 200, "upload of %s: %s" % (filename, r.describe())
    return r.json()["ID"]


def _values(element):
    """The values of a data element as a list of strings (one for a single value)."""
    v = element.value
    if isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
        return [str(x) for x in v]
    if v is None:
        return []
    return [str(v)]


def _tm_seconds(text):
    """A DICOM TM ('HHMMSS.ffffff', also accepting 'HH:MM:SS.ffffff') as seconds since midnight."""
    t = str(text).replace(":", "").strip()
    hh, mm, ss = int(t[0:2]), int(t[2:4] or 0), float(t[4:] or 0)
    return hh * 3600 + mm * 60 + ss


def _close(a, b, rel=1e-6, abs_=1e-6):
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def _all_strings(ds):
    """Every text value of a dataset, sequences included (as decoded by pydicom), and the raw bytes of values."""
    out = []
    for elem in ds.iterall():
        if elem.VR == "SQ":
            continue
        v = elem.value
        if isinstance(v, bytes):
            out.append(v.decode("latin-1"))
        elif isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
            out.extend(str(x) for x in v)
        elif v is not None:
            out.append(str(v))
    return out


def _study_series_numbers(orthanc, study_id, exclude=None):
    numbers = {}
    for sid in orthanc.get_json("/studies/%s" % study_id)["Series"]:
        if sid == exclude:
            continue
        numbers[sid] = orthanc.get_json("/series/%s" % sid)["MainDicomTags"].get("SeriesNumber")
    return numbers


# --------------------------------------------------------------------------- BIDS sidecar -> DICOM rules
# facts section 5, as (sidecar key, DICOM tag, kind). Kinds: "ms" seconds -> milliseconds (DS), "num" same
# unit (DS), "int" (IS), "text" (cut to the VR's length), "textlist" (the value is one of the stored values),
# "codes" (multi-valued CS, from a list or a backslash-separated string), "code" (one CS), "time" (TM),
# "phase" (i/j -> ROW/COL).
SIDECAR_RULES = [
    ("EchoTime", 0x00180081, "ms"),
    ("RepetitionTime", 0x00180080, "ms"),
    ("InversionTime", 0x00180082, "ms"),
    ("FlipAngle", 0x00181314, "num"),
    ("MagneticFieldStrength", 0x00180087, "num"),
    ("ImagingFrequency", 0x00180084, "num"),
    ("SliceThickness", 0x00180050, "num"),
    ("SpacingBetweenSlices", 0x00180088, "num"),
    ("PixelBandwidth", 0x00180095, "num"),
    ("EchoTrainLength", 0x00180091, "int"),
    ("ProtocolName", 0x00181030, "text"),
    ("SequenceName", 0x00180024, "text"),
    ("ReceiveCoilName", 0x00181250, "text"),
    ("ImageComments", 0x00204000, "text"),
    ("ScanningSequence", 0x00180020, "codes"),
    ("SequenceVariant", 0x00180021, "codes"),
    ("ScanOptions", 0x00180022, "codes"),
    ("MRAcquisitionType", 0x00180023, "code"),
    ("BodyPartExamined", 0x00180015, "code"),
    ("PatientPosition", 0x00185100, "code"),
    ("AcquisitionTime", 0x00080032, "time"),
    ("PhaseEncodingDirection", 0x00181312, "phase"),
]
# Further keys with a standard DICOM attribute (BIDS names): when the plugin applies them the value must be right,
# otherwise they must be reported in the Warnings.
OPTIONAL_RULES = [
    ("PercentPhaseFOV", 0x00180094, "num"),
    ("PercentPhaseFieldOfView", 0x00180094, "num"),
    ("PercentSampling", 0x00180093, "num"),
    ("ImagedNucleus", 0x00180085, "text"),
    ("EchoNumber", 0x00180086, "int"),
    # issue 9: further keys with a public home in the classic MR IOD
    ("AcquisitionNumber", 0x00200012, "int"),
    ("SAR", 0x00181316, "num"),
    ("PhaseEncodingSteps", 0x00180089, "int"),
    ("ProcedureStepDescription", 0x00400254, "text"),
    ("BodyPart", 0x00180015, "code"),
    ("NumberOfAverages", 0x00180083, "num"),
    ("ParallelReductionFactorInPlane", 0x00189069, "num"),
    ("AcquisitionMatrixPE", 0x00181310, "matrix"),
]
# issue 9: the scanner's identity goes to the Acquisition Equipment item (DCM 109101) of the
# ContributingEquipmentSequence, not to the top level (General Equipment names the plugin, which made the instances)
EQUIPMENT_RULES = [
    ("Manufacturer", 0x00080070, "text"),
    ("ManufacturersModelName", 0x00081090, "text"),
    ("DeviceSerialNumber", 0x00181000, "text"),
    ("StationName", 0x00081010, "text"),
    ("InstitutionName", 0x00080080, "text"),
    ("InstitutionAddress", 0x00080081, "text"),
    ("InstitutionalDepartmentName", 0x00081040, "text"),
]
MAX_CHARS = {"SH": 16, "LO": 64, "ST": 1024, "LT": 10240, "CS": 16}

# Keys of dcm2niix sidecars that no public DICOM attribute holds (facts section 5 and the BIDS specification):
# when present they must be reported in the Warnings.
NO_PUBLIC_TAG = {
    "EffectiveEchoSpacing", "TotalReadoutTime", "MultibandAccelerationFactor", "SliceTiming",
    "DerivedVendorReportedEchoSpacing", "DwellTime", "ShimSetting", "TxRefAmp", "CoilString",
    "PulseSequenceDetails", "ConsistencyInfo", "ConversionSoftware", "ConversionSoftwareVersion",
    "PartialFourier", "BaseResolution", "PhaseResolution", "ImageOrientationText",
    "BandwidthPerPixelPhaseEncode", "NonlinearGradientCorrection", "CoilCombinationMethod", "MatrixCoilMode",
    # issue 9: in Contributing Equipment it makes dcm2niix take Siemens XA paths (README): private copy only
    "SoftwareVersions",
}
# Decided by the plugin (README): never taken from the sidecar, whether reported or not. Issue 9: the keys whose
# public home the plugin fills from the NIfTI or the parent study are no longer reported (Warnings name only keys
# without a public home).
DECIDED_BY_PLUGIN = {"Modality", "SeriesNumber", "SeriesDescription", "ImageType", "ImageOrientationPatientDICOM",
                     "ReconMatrixPE", "StudyDescription"}


def acquisition_equipment(ds):
    """The Acquisition Equipment item (DCM 109101) of the ContributingEquipmentSequence, or None."""
    for item in ds.get("ContributingEquipmentSequence", []):
        codes = item.get("PurposeOfReferenceCodeSequence", [])
        if codes and codes[0].CodeValue == "109101" and codes[0].CodingSchemeDesignator == "DCM":
            return item
    return None


def _expected_codes(value):
    if isinstance(value, list):
        items = [str(v) for v in value]
    else:
        items = str(value).split("\\")
    return [s.strip().upper() for s in items if s.strip()]


def _inversion_time_allowed(sidecar):
    """PS3.3 C.8.3.1: InversionTime (0018,0082) is required if ScanningSequence has the value IR, and may not be
    present otherwise."""
    return "ScanningSequence" not in sidecar or "IR" in _expected_codes(sidecar["ScanningSequence"])


def check_sidecar_attributes(ds, sidecar, slice_index):
    """Problems (list of strings) of one instance against the sidecar rules; `slice_index` is the NIfTI k of the
    instance (for a per-slice AcquisitionTime built from SliceTiming). OPTIONAL_RULES are checked when their
    attribute is present."""
    problems = []
    top = ds
    equipment = acquisition_equipment(ds)
    for key, tag, kind in SIDECAR_RULES + OPTIONAL_RULES + EQUIPMENT_RULES:
        if key not in sidecar:
            continue
        value = sidecar[key]
        tag = Tag(tag)
        if (key, int(tag), kind) in EQUIPMENT_RULES:
            if equipment is None:
                problems.append("%s: sidecar %r, but no Acquisition Equipment item" % (key, value))
                continue
            if tag in top and str(top[tag].value) == str(value):
                problems.append("%s: the scanner's %r at top level" % (key, value))
            ds = equipment
        else:
            ds = top
        if tag not in ds and (key, int(tag), kind) in OPTIONAL_RULES:
            continue
        if tag not in ds and key == "InversionTime" and not _inversion_time_allowed(sidecar):
            continue    # MR Image module: Type 2C, only with ScanningSequence IR (then reported in Warnings)
        if tag not in ds:
            problems.append("%s: sidecar %r, but %s is absent" % (key, value, tag))
            continue
        elem = ds[tag]
        stored = _values(elem)
        if ds is not top:
            stored = [v.strip() for v in stored]   # the scanner's Manufacturer has a leading space (LO padding)
        where = "%s %s=%r (sidecar %s=%r)" % (tag, elem.keyword, elem.value, key, value)
        if kind in ("ms", "num", "int"):
            expected = float(value) * (1000.0 if kind == "ms" else 1.0)
            if len(stored) != 1:
                problems.append("%s: expected one value %g" % (where, expected))
                continue
            got = float(stored[0])
            if kind == "int":
                if got != round(expected):
                    problems.append("%s: expected %d" % (where, round(expected)))
            elif not _close(got, expected):
                problems.append("%s: expected %.9g%s" % (where, expected, " ms" if kind == "ms" else ""))
        elif kind == "text":
            expected = str(value)[:MAX_CHARS.get(elem.VR, 64)]
            if stored != [expected]:
                problems.append("%s: expected %r" % (where, expected))
        elif kind == "textlist":
            expected = str(value)[:64] if not isinstance(value, list) else [str(v)[:64] for v in value]
            wanted = expected if isinstance(expected, list) else [expected]
            if not all(w in stored for w in wanted):
                problems.append("%s: expected the value(s) %r among the stored ones" % (where, wanted))
        elif kind == "codes":
            expected = _expected_codes(value)
            if stored != expected:
                problems.append("%s: expected the multi-valued CS %r (VM %d), got VM %d"
                                % (where, expected, len(expected), len(stored)))
        elif kind == "code":
            if stored != [str(value).strip().upper()]:
                problems.append("%s: expected %r" % (where, str(value).upper()))
        elif kind == "time":
            base = _tm_seconds(value)
            got = _tm_seconds(stored[0]) if len(stored) == 1 else None
            allowed = [base]
            timing = sidecar.get("SliceTiming")
            if isinstance(timing, list) and 0 <= slice_index < len(timing):
                allowed.append(base + float(timing[slice_index]))   # facts 5: may carry the slice timing
            if got is None or not any(abs(got - a) < 1e-4 for a in allowed):
                problems.append("%s: expected %s s after midnight (or that plus SliceTiming[%d])"
                                % (where, base, slice_index))
        elif kind == "matrix":
            if int(value) not in [int(v) for v in stored] or len(stored) != 4:
                problems.append("%s: expected %d phase-encoding steps among the 4 values" % (where, int(value)))
        elif kind == "phase":
            axis = str(value).strip()[:1]
            expected = {"i": "ROW", "j": "COL"}.get(axis)
            if expected is not None and stored != [expected]:
                problems.append("%s: expected %r" % (where, expected))
    return problems


def _slice_index(ds, affine):
    """NIfTI slice k of a classic instance from its ImagePositionPatient (LPS) and the NIfTI affine (RAS)."""
    ipp = np.array([float(v) for v in ds.ImagePositionPatient])
    ras = np.array([-ipp[0], -ipp[1], ipp[2], 1.0])
    ijk = np.linalg.inv(np.asarray(affine, dtype=np.float64)) @ ras
    return int(round(ijk[2]))


def _warning_naming(warnings, key):
    return [w for w in warnings if re.search(r"(?<![A-Za-z])%s(?![A-Za-z])" % re.escape(key), w)]


# --------------------------------------------------------------------------- the real sidecar
class RealSample:
    def __init__(self, nifti_path, json_path, parent):
        self.nifti_path = nifti_path
        self.nifti = _read(nifti_path)
        self.sidecar_bytes = _read(json_path)
        self.sidecar = json.loads(self.sidecar_bytes.decode("utf-8"))
        self.image = nib.load(nifti_path)
        self.parent = parent


@pytest.fixture(scope="module")
def sample(orthanc, parents, tmp_path_factory):
    """dcm2niix's NIfTI + BIDS sidecar of the Siemens mosaic shipped by dicom3tools, and a parent study whose own
    series has the sidecar's SeriesNumber (so that copying it would be a visible clash)."""
    root = str(tmp_path_factory.mktemp("real-sidecar"))
    dicom_dir = os.path.join(root, "dicom")
    os.makedirs(dicom_dir)
    sources = sorted(p for p in glob.glob(os.path.join(DICOM3TOOLS_EXAMPLES, "*")) if os.path.isfile(p))
    assert sources, "no example in %s (package dicom3tools)" % DICOM3TOOLS_EXAMPLES
    for p in sources:
        name = os.path.basename(p)
        if name.endswith(".gz"):
            with gzip.open(p, "rb") as f, open(os.path.join(dicom_dir, name[:-3]), "wb") as g:
                shutil.copyfileobj(f, g)
        else:
            shutil.copy(p, dicom_dir)
    out = os.path.join(root, "nifti")
    os.makedirs(out)
    p = subprocess.run([dicom_tools.DCM2NIIX, "-b", "y", "-z", "y", "-f", "sample", "-o", out, dicom_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    log = p.stdout.decode("utf-8", "replace")
    nii, js = os.path.join(out, "sample.nii.gz"), os.path.join(out, "sample.json")
    assert os.path.isfile(nii) and os.path.isfile(js), "dcm2niix wrote %s:\n%s" % (os.listdir(out), log)
    sidecar = json.loads(_read(js).decode("utf-8"))
    assert "EchoTime" in sidecar and "Manufacturer" in sidecar, "not a full BIDS sidecar: %s" % sidecar
    ds = fresh_copy("MR_small.dcm", "SIDECAR-PATIENT", "Sidecar^Real")
    ds.SeriesNumber = str(int(sidecar.get("SeriesNumber", 3)))
    parent = parents.upload("SIDECAR", ds)
    return RealSample(nii, js, parent)


class SidecarImport:
    def __init__(self, answer, datasets):
        self.answer = answer
        self.datasets = datasets


@pytest.fixture(scope="module")
def sidecar_imports(orthanc, sample, tmp_path_factory):
    """Three imports of the real sample: sidecar as a JSON object, as an upload ID, and as an object with a
    SeriesDescription in the request."""
    root = str(tmp_path_factory.mktemp("sidecar-imports"))
    upload_id = _upload(orthanc, sample.sidecar_bytes, "sample.json")
    requests = {
        "object": {"Sidecar": sample.sidecar},
        "upload": {"Sidecar": upload_id},
        "described": {"Sidecar": sample.sidecar, "SeriesDescription": "Request description wins"},
    }
    result = {}
    for label, fields in requests.items():
        answer = _import_ok(orthanc, sample.nifti, sample.parent.orthanc_id, Type="Classic", **fields)
        result[label] = SidecarImport(answer, _series_datasets(orthanc, answer["ID"], os.path.join(root, label)))
    return result


@pytest.mark.parametrize("how", ["object", "upload"])
def test_real_sidecar_attributes_in_dicom_units(sample, sidecar_imports, how):
    imp = sidecar_imports[how]
    nz = sample.image.shape[2]
    assert len(imp.datasets) == nz == imp.answer["InstancesCount"], \
        "%d instances stored, %d slices, answer %s" % (len(imp.datasets), nz, imp.answer.get("InstancesCount"))
    checked = [k for k, _, _ in SIDECAR_RULES if k in sample.sidecar]
    assert len(checked) >= 15, "the real sidecar should exercise most rules, only %s" % checked
    problems = []
    for ds in sorted(imp.datasets, key=lambda d: int(d.InstanceNumber)):
        k = _slice_index(ds, sample.image.affine)
        for p in check_sidecar_attributes(ds, sample.sidecar, k):
            problems.append("instance %s: %s" % (ds.InstanceNumber, p))
    assert not problems, "%d problems (first 25):\n%s" % (len(problems), "\n".join(problems[:25]))


@pytest.mark.parametrize("how", ["object", "upload"])
def test_real_sidecar_series_description_is_the_default(sample, sidecar_imports, how):
    expected = str(sample.sidecar["SeriesDescription"])[:64]
    got = {str(ds.get("SeriesDescription", "")) for ds in sidecar_imports[how].datasets}
    assert got == {expected}, "SeriesDescription %s, the sidecar's is %r" % (got, expected)


def test_request_series_description_wins_over_the_sidecar(sample, sidecar_imports):
    imp = sidecar_imports["described"]
    got = {str(ds.get("SeriesDescription", "")) for ds in imp.datasets}
    assert got == {"Request description wins"}, "SeriesDescription %s (sidecar %r)" % (
        got, sample.sidecar.get("SeriesDescription"))
    # the rest of the sidecar still applies
    subset = {k: sample.sidecar[k] for k in ("EchoTime", "ProtocolName", "Manufacturer") if k in sample.sidecar}
    problems = check_sidecar_attributes(imp.datasets[0], subset, -1)
    assert not problems, "with a SeriesDescription in the request:\n%s" % "\n".join(problems)


@pytest.mark.parametrize("how", ["object", "upload"])
def test_real_sidecar_unmapped_keys_are_warned(sample, sidecar_imports, how):
    imp = sidecar_imports[how]
    warnings = imp.answer.get("Warnings")
    assert isinstance(warnings, list), "Warnings: %r" % (warnings,)
    keys = set(sample.sidecar)
    no_tag = sorted(keys & NO_PUBLIC_TAG)
    assert no_tag, "the real sidecar should hold keys without a DICOM attribute: %s" % sorted(keys)
    missing = [k for k in no_tag if not _warning_naming(warnings, k)]
    assert not missing, "keys without a DICOM attribute not reported: %s\nWarnings: %s" % (missing, warnings)
    # The warnings that report ignored keys must not name keys that were applied.
    ignored_warnings = {w for k in no_tag for w in _warning_naming(warnings, k)}
    ds = imp.datasets[0]
    applied = [k for k, tag, _ in SIDECAR_RULES if k in keys and Tag(tag) in ds]
    dropped = [k for k, tag, _ in SIDECAR_RULES
               if k in keys and Tag(tag) not in ds and not _warning_naming(warnings, k)]
    assert not dropped, "sidecar keys neither in the DICOM nor reported in Warnings: %s\nWarnings: %s" % (
        dropped, warnings)
    wrongly = {k: [w for w in ignored_warnings if _warning_naming([w], k)] for k in applied}
    wrongly = {k: v for k, v in wrongly.items() if v}
    assert not wrongly, "keys applied to the DICOM but reported as ignored: %s" % wrongly
    # Every other key is either a DICOM attribute present in the instances or reported.
    optional = {k: Tag(tag) for k, tag, _ in OPTIONAL_RULES}
    equipment = {k: Tag(tag) for k, tag, _ in EQUIPMENT_RULES}
    silent = []
    for k in sorted(keys - NO_PUBLIC_TAG - {k for k, _, _ in SIDECAR_RULES} - DECIDED_BY_PLUGIN):
        if k in ("PhaseEncodingAxis", "InPlanePhaseEncodingDirectionDICOM") and "PhaseEncodingDirection" in keys:
            continue    # the same information as PhaseEncodingDirection, which was checked
        if _warning_naming(warnings, k):
            continue
        if k in optional and optional[k] in ds:
            continue    # value checked by test_real_sidecar_attributes_in_dicom_units
        if pydicom.datadict.tag_for_keyword(k) is not None and k in ds:
            continue
        if k in equipment and acquisition_equipment(ds) is not None and equipment[k] in acquisition_equipment(ds):
            continue    # issue 9: the scanner's identity, checked by test_real_sidecar_attributes_in_dicom_units
        silent.append(k)
    assert not silent, "sidecar keys neither applied nor reported in Warnings: %s\nWarnings: %s" % (silent, warnings)


def test_real_sidecar_series_number_is_allocated(orthanc, sample, sidecar_imports):
    theirs = str(sample.sidecar.get("SeriesNumber"))
    for label, imp in sidecar_imports.items():
        numbers = {str(ds.get("SeriesNumber", "")) for ds in imp.datasets}
        assert len(numbers) == 1, "%s: several SeriesNumbers %s" % (label, numbers)
        number = numbers.pop()
        assert number and number != theirs, \
            "%s: SeriesNumber %r is the sidecar's (%s), which the parent series already has" % (label, number, theirs)
        others = _study_series_numbers(orthanc, sample.parent.orthanc_id, exclude=imp.answer["ID"])
        assert number not in others.values(), "%s: SeriesNumber %s also used by %s" % (label, number, others)


def test_real_sidecar_keeps_descrip_out(sample, sidecar_imports):
    """dcm2niix wrote a descrip ('TE=..;Time=..'): without UseNiftiDescription it reaches no attribute."""
    descrip = sample.image.header["descrip"].tobytes().rstrip(b"\0").decode("latin-1")
    assert descrip, "the sample has no descrip"
    for ds in sidecar_imports["object"].datasets:
        leaks = [s for s in _all_strings(ds) if descrip in s]
        assert not leaks, "descrip %r found in %s" % (descrip, leaks)


def test_real_sidecar_instances_are_valid(sidecar_imports):
    files = [ds.filename for label in ("object", "upload") for ds in sidecar_imports[label].datasets]
    results = dicom_tools.run_dciodvfy_all(files)
    errors = ["%s: %s" % (os.path.basename(v.path), e) for v in results for e in v.errors]
    assert not errors, "dciodvfy errors:\n%s" % "\n".join(errors[:30])


@pytest.mark.parametrize("how", ["object", "upload"])
def test_sidecar_with_a_wrong_type_is_refused(orthanc, sample, how):
    bad = dict(sample.sidecar)
    bad["EchoTime"] = "thirty"
    sidecar = bad if how == "object" else _upload(orthanc, json.dumps(bad).encode("utf-8"), "bad.json")
    before = orthanc.count("instances")
    series_before = len(orthanc.get_json("/studies/%s" % sample.parent.orthanc_id)["Series"])
    r = orthanc.nifti_import(sample.nifti, sample.parent.orthanc_id, Sidecar=sidecar)
    assert r.status == 400, "a sidecar with EchoTime \"thirty\" should be refused with 400: %s" % r.describe()
    message = (r.json_or_none() or {}).get("Message", r.text)
    assert "EchoTime" in message, "the message should name EchoTime: %s" % r.describe()
    assert orthanc.count("instances") == before, "refused, but instances were stored"
    assert len(orthanc.get_json("/studies/%s" % sample.parent.orthanc_id)["Series"]) == series_before


# --------------------------------------------------------------------------- diffusion
BVALS = [0, 1000, 1000, 1000, 1000]
BVECS = np.array([[0.0, 0.0, 0.0],
                  [0.8, 0.6, 0.0],
                  [0.0, 0.6, -0.8],
                  [-0.48, 0.64, 0.6],
                  [1 / np.sqrt(3), -1 / np.sqrt(3), 1 / np.sqrt(3)]]).T     # FSL layout: 3 rows x volumes
DWI_SHAPE = (8, 8, 4, 5)


def fsl_to_lps(bvec, affine):
    """Facts section 5: negate b_x when det(A) > 0, rotate by A's normalised columns, negate x and y (RAS->LPS),
    normalise. None for a zero vector."""
    b = np.asarray(bvec, dtype=np.float64).copy()
    if np.linalg.norm(b) < 1e-9:
        return None
    a = np.asarray(affine, dtype=np.float64)[:3, :3]
    if np.linalg.det(a) > 0:
        b[0] = -b[0]
    r = a / np.linalg.norm(a, axis=0)
    g = r @ b
    g[0], g[1] = -g[0], -g[1]
    return g / np.linalg.norm(g)


def _table_text(rows):
    return "\n".join(" ".join("%.6f" % v if isinstance(v, float) else str(v) for v in row) for row in rows) + "\n"


def bval_text(values=BVALS):
    return " ".join(str(v) for v in values) + "\n"


def bvec_text(bvecs=BVECS):
    return _table_text([[float(v) for v in row] for row in bvecs])


def dwi_image(affine):
    nx, ny, nz, nt = DWI_SHAPE
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    base = 3 * i + 17 * j + 59 * k + (i * j) % 5
    data = np.stack([base + 300 * t for t in range(nt)], axis=-1).astype(np.int16)   # every slice unique
    return nifti_cases.nifti1(data, affine), data


def _volume_of(ds, data):
    """(k, t) of the NIfTI slice whose pixels the instance holds (pixel[r, c] = data[c, ny-1-r, k, t])."""
    pixels = ds.pixel_array.astype(np.float64) * float(ds.get("RescaleSlope", 1) or 1) \
        + float(ds.get("RescaleIntercept", 0) or 0)
    for t in range(data.shape[3]):
        for k in range(data.shape[2]):
            if np.array_equal(pixels, np.flipud(data[:, :, k, t].T).astype(np.float64)):
                return k, t
    return None


def check_diffusion(datasets, data, affine, bvals, bvecs):
    problems = []
    seen = set()
    for ds in datasets:
        where = "instance %s" % ds.get("InstanceNumber")
        kt = _volume_of(ds, data)
        if kt is None:
            problems.append("%s: pixels match no slice of the NIfTI" % where)
            continue
        k, t = kt
        seen.add(kt)
        tpi = ds.get("TemporalPositionIdentifier")
        if tpi is not None and int(tpi) != t + 1:
            problems.append("%s: TemporalPositionIdentifier %s but holds volume %d" % (where, tpi, t))
        bval_elem = ds.get(Tag(0x00189087))
        if bval_elem is None:
            problems.append("%s (volume %d): no DiffusionBValue (0018,9087)" % (where, t))
        elif not _close(float(bval_elem.value), float(bvals[t])):
            problems.append("%s (volume %d): DiffusionBValue %r, bval %s" % (where, t, bval_elem.value, bvals[t]))
        expected = fsl_to_lps(bvecs[:, t], affine)
        orient = ds.get(Tag(0x00189089))
        got = [float(v) for v in orient.value] if orient is not None and orient.value is not None else None
        if expected is None:
            if got is not None and len(got) and np.linalg.norm(got) > 1e-6:
                problems.append("%s (volume %d, b=0, no direction): DiffusionGradientOrientation %s"
                                % (where, t, got))
        elif got is None or len(got) != 3:
            problems.append("%s (volume %d): DiffusionGradientOrientation %r, expected %s"
                            % (where, t, got, np.round(expected, 5).tolist()))
        elif np.max(np.abs(np.array(got) - expected)) > 1e-4:
            problems.append("%s (volume %d): DiffusionGradientOrientation %s, expected LPS %s (FSL bvec %s)"
                            % (where, t, np.round(got, 5).tolist(), np.round(expected, 5).tolist(),
                               np.round(bvecs[:, t], 5).tolist()))
    expected_count = data.shape[2] * data.shape[3]
    if len(seen) != expected_count:
        problems.append("%d distinct (slice, volume) pairs stored, %d expected" % (len(seen), expected_count))
    return problems


class DwiImport:
    def __init__(self, answer, datasets, directory, data, affine):
        self.answer = answer
        self.datasets = datasets
        self.directory = directory
        self.data = data
        self.affine = affine


@pytest.fixture(scope="module")
def dwi(orthanc, parents, tmp_path_factory):
    """A 4D oblique RAS volume imported with Bval/Bvec as text and as upload IDs; an LAS one with text."""
    root = str(tmp_path_factory.mktemp("dwi"))
    result = {}
    affines = {"ras": nifti_cases.rh_affine(zooms=(2.0, 2.2, 3.0)), "las": nifti_cases.lh_affine(zooms=(2.0, 2.2, 3.0))}
    for label in ("text", "upload", "las-text"):
        affine = affines["las" if label.startswith("las") else "ras"]
        img, data = dwi_image(affine)
        nifti = nifti_cases.nifti_bytes(img)
        if label == "upload":
            fields = {"Bval": _upload(orthanc, bval_text().encode(), "dwi.bval"),
                      "Bvec": _upload(orthanc, bvec_text().encode(), "dwi.bvec")}
        else:
            fields = {"Bval": bval_text(), "Bvec": bvec_text()}
        answer = _import_ok(orthanc, nifti, parents["MR"].orthanc_id, Modality="MR", **fields)
        directory = os.path.join(root, label, "dicom")
        result[label] = DwiImport(answer, _series_datasets(orthanc, answer["ID"], directory), directory, data,
                                  np.asarray(img.affine))
    return result


@pytest.mark.parametrize("label", ["text", "upload", "las-text"])
def test_diffusion_values_per_instance(dwi, label):
    imp = dwi[label]
    assert len(imp.datasets) == DWI_SHAPE[2] * DWI_SHAPE[3], "%d instances" % len(imp.datasets)
    problems = check_diffusion(imp.datasets, imp.data, imp.affine, BVALS, BVECS)
    assert not problems, "%d problems (first 25):\n%s" % (len(problems), "\n".join(problems[:25]))


def test_diffusion_instances_are_valid(dwi):
    results = dicom_tools.run_dciodvfy_all([ds.filename for ds in dwi["text"].datasets])
    errors = ["%s: %s" % (os.path.basename(v.path), e) for v in results for e in v.errors]
    assert not errors, "dciodvfy errors:\n%s" % "\n".join(errors[:30])


def _read_fsl(path, rows):
    values = np.loadtxt(path, ndmin=2)
    assert values.shape[0] == rows, "%s: %s" % (path, values.shape)
    return values


def test_diffusion_round_trip_through_dcm2niix(dwi, tmp_path):
    imp = dwi["text"]
    res = dicom_tools.run_dcm2niix(imp.directory, str(tmp_path / "dcm2niix"))
    assert len(res.niftis) == 1, "dcm2niix wrote %s:\n%s" % (res.niftis, res.output)
    stem = res.niftis[0][:-4]
    assert os.path.isfile(stem + ".bval") and os.path.isfile(stem + ".bvec"), \
        "dcm2niix found no diffusion table in the series (files %s):\n%s" % (
            os.listdir(os.path.dirname(stem)), res.output)
    back = nib.load(res.niftis[0])
    assert back.shape[3:] == (DWI_SHAPE[3],), "dcm2niix shape %s" % (back.shape,)
    bvals = _read_fsl(stem + ".bval", 1)[0]
    assert np.allclose(bvals, BVALS, atol=0.5), "dcm2niix bval %s, original %s" % (bvals.tolist(), BVALS)
    bvecs = _read_fsl(stem + ".bvec", 3)
    problems = []
    for t in range(DWI_SHAPE[3]):
        original = fsl_to_lps(BVECS[:, t], imp.affine)
        theirs = fsl_to_lps(bvecs[:, t], back.affine)
        if original is None:
            if theirs is not None:
                problems.append("volume %d (b=0): dcm2niix bvec %s" % (t, bvecs[:, t].tolist()))
            continue
        if theirs is None or min(np.max(np.abs(theirs - original)), np.max(np.abs(theirs + original))) > 2e-3:
            problems.append("volume %d: world LPS direction %s from dcm2niix's bvec %s, original %s"
                            % (t, None if theirs is None else np.round(theirs, 4).tolist(),
                               np.round(bvecs[:, t], 4).tolist(), np.round(original, 4).tolist()))
    assert not problems, "\n".join(problems)


def _refused(orthanc, parent_id, data, **fields):
    before = orthanc.count("instances")
    r = orthanc.nifti_import(data, parent_id, **fields)
    stored = orthanc.count("instances") - before
    return r, stored


def test_diffusion_count_mismatch_is_refused(orthanc, parents):
    img, _ = dwi_image(nifti_cases.rh_affine(zooms=(2.0, 2.2, 3.0)))
    data = nifti_cases.nifti_bytes(img)
    cases = [
        ("bval with 4 values", bval_text(BVALS[:4]), bvec_text(), "4"),
        ("bvec with 4 columns", bval_text(), bvec_text(BVECS[:, :4]), "4"),
    ]
    for what, bval, bvec, found in cases:
        r, stored = _refused(orthanc, parents["MR"].orthanc_id, data, Bval=bval, Bvec=bvec)
        assert 400 <= r.status <= 499, "%s for 5 volumes should be refused: %s" % (what, r.describe())
        message = (r.json_or_none() or {}).get("Message", r.text)
        assert re.search(r"(?<!\d)%s(?!\d)" % found, message) and re.search(r"(?<!\d)5(?!\d)", message), \
            "%s: the message should say what was found (%s) and what was expected (5): %s" % (
                what, found, r.describe())
        assert stored == 0, "%s: refused, but %d instances stored" % (what, stored)


def test_diffusion_needs_both_tables(orthanc, parents):
    img, _ = dwi_image(nifti_cases.rh_affine(zooms=(2.0, 2.2, 3.0)))
    data = nifti_cases.nifti_bytes(img)
    for fields in ({"Bval": bval_text()}, {"Bvec": bvec_text()}):
        r, stored = _refused(orthanc, parents["MR"].orthanc_id, data, **fields)
        assert r.status == 400, "only %s should be refused with 400: %s" % (list(fields), r.describe())
        other = "Bvec" if "Bval" in fields else "Bval"
        assert other in r.text, "the message should name the missing %s: %s" % (other, r.describe())
        assert stored == 0, "refused, but %d instances stored" % stored


# --------------------------------------------------------------------------- UseNiftiDescription
DESCRIP = "Roe^Jane DOB 1961 dwi-FA"          # < 64 characters: a possible SeriesDescription as is
AUX_FILE = "ROE-JANE-AUX"
INTENT_NAME = "ROEJANEINT"
EXTENSION_TEXT = "ROE-JANE-EXTENSION comment"


def _described_image():
    img = nifti_cases.small_valid_image()
    img.header["descrip"] = DESCRIP.encode("ascii")
    img.header["aux_file"] = AUX_FILE.encode("ascii")
    img.header["intent_name"] = INTENT_NAME.encode("ascii")
    img.header.extensions.append(nib.nifti1.Nifti1Extension(6, EXTENSION_TEXT.encode("ascii")))
    return nifti_cases.nifti_bytes(img)


def _leaks(datasets, files, texts):
    found = []
    for ds, path in zip(datasets, files):
        strings = _all_strings(ds)
        raw = _read(path)
        for text in texts:
            hits = [s for s in strings if text in s]
            if hits or text.encode("ascii") in raw:
                found.append("%s: %r in %s" % (os.path.basename(path), text, hits or "the file's bytes"))
    return found


def test_nifti_description_not_used_by_default(orthanc, parents, scratch):
    data = _described_image()
    a = _import_ok(orthanc, data, parents["MR"].orthanc_id)
    dss = _series_datasets(orthanc, a["ID"], os.path.join(scratch, "dicom"))
    leaks = _leaks(dss, [ds.filename for ds in dss], [DESCRIP, AUX_FILE, INTENT_NAME, EXTENSION_TEXT])
    assert not leaks, "NIfTI header text reached the DICOM without UseNiftiDescription:\n%s" % "\n".join(leaks[:20])
    assert {str(ds.get("SeriesDescription", "")) for ds in dss} == {"NIfTI import"}
    assert not any("ImageComments" in ds for ds in dss), "ImageComments without UseNiftiDescription"


def test_use_nifti_description(orthanc, parents, scratch):
    data = _described_image()
    a = _import_ok(orthanc, data, parents["MR"].orthanc_id, UseNiftiDescription=True)
    dss = _series_datasets(orthanc, a["ID"], os.path.join(scratch, "with"))
    assert {str(ds.get("SeriesDescription", "")) for ds in dss} == {DESCRIP}, \
        "SeriesDescription %s" % {str(ds.get("SeriesDescription", "")) for ds in dss}
    assert {str(ds.get("ImageComments", "")) for ds in dss} == {DESCRIP}, \
        "ImageComments %s" % {str(ds.get("ImageComments", "")) for ds in dss}
    leaks = _leaks(dss, [ds.filename for ds in dss], [AUX_FILE, INTENT_NAME, EXTENSION_TEXT])
    assert not leaks, "other NIfTI header text reached the DICOM:\n%s" % "\n".join(leaks[:20])
    # The request's SeriesDescription wins; the descrip is still the ImageComments.
    b = _import_ok(orthanc, data, parents["MR"].orthanc_id, UseNiftiDescription=True, SeriesDescription="Explicit")
    dss = _series_datasets(orthanc, b["ID"], os.path.join(scratch, "explicit"))
    assert {str(ds.get("SeriesDescription", "")) for ds in dss} == {"Explicit"}
    assert {str(ds.get("ImageComments", "")) for ds in dss} == {DESCRIP}
