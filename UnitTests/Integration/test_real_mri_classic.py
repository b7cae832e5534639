"""The four real scanner series of UnitTests/Data/real-mri (GE, Siemens E11 mosaic, Siemens XA Enhanced, UIH
diffusion) go back to DICOM as Classic MR images with ReferenceSeries = the scanner's own series: dcm2niix's
NIfTI, BIDS sidecar (and bval/bvec), as a research pipeline receives them.

Contract: README.md, POST /nifti/import rows "Sidecar", "KeepSidecar", "Bval, Bvec", the table "BIDS sidecar keys"
and the option "KeepSidecar"; /work/shared/docs/bids-to-dicom.md. Checked with tools written elsewhere: Debian's
dcm2niix (volume in world space, bval/bvec, the sidecar it writes back), dciodvfy (against the scanner's own files),
pydicom (the private copy, the equipment).
"""

import json
import math
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest

import dicom_tools
import real_mri
from conftest import start_extra_server, stop_extra_server

SERIES = real_mri.series_names()
LIMITS = {"MaximumUploadSize": 64, "MaximumVolumeSize": 64}

# Sidecar keys with a public home in the classic MR IOD that dcm2niix (Debian's, v1.0.20220720) reads back from a
# vendor-neutral file, under the same name. Compared in test_public_keys_come_back_from_dcm2niix.
COMPARED_KEYS = [
    "MagneticFieldStrength", "ImagingFrequency", "ProtocolName", "MRAcquisitionType", "ScanningSequence",
    "SequenceVariant", "ScanOptions", "SequenceName", "AcquisitionNumber", "AcquisitionTime", "SliceThickness",
    "SpacingBetweenSlices", "SAR", "EchoTime", "RepetitionTime", "FlipAngle", "EchoTrainLength", "InversionTime",
    "PercentPhaseFOV", "PercentSampling", "PhaseEncodingSteps", "AcquisitionMatrixPE", "PatientPosition",
    "PixelBandwidth", "ParallelReductionFactorInPlane", "ProcedureStepDescription", "ImageComments",
    "InPlanePhaseEncodingDirectionDICOM", "BodyPartExamined", "BodyPart", "NumberOfAverages", "ReceiveCoilName",
    "PulseSequenceName", "EchoNumber", "ImagedNucleus",
]
# The name Debian's dcm2niix gives back for the same attribute of a vendor-neutral file
BACK_NAMES = {
    "BodyPart": ["BodyPart", "BodyPartExamined"],            # newer releases write BodyPart, Debian's BodyPartExamined
    "BodyPartExamined": ["BodyPartExamined", "BodyPart"],
    "ReceiveCoilName": ["ReceiveCoilName", "CoilString"],   # (0018,1250) of a non-Siemens file is its "CoilString"
}

# Keys with a public home whose value dcm2niix cannot give back the same, and why (README, table of keys).
NOT_REGENERATED = {
    # The scanner's identity is in ContributingEquipmentSequence (Acquisition Equipment), on purpose: at top level
    # it would switch dcm2niix to that vendor's private-tag paths. dcm2niix reports the equipment of the instances.
    "Manufacturer", "ManufacturersModelName", "DeviceSerialNumber", "StationName", "SoftwareVersions",
    "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName",
    "SeriesDescription",          # the new series' (the request's, else the sidecar's: checked apart)
    "SeriesNumber",               # the new series' own, allocated in the study
    "ImageType",                  # DERIVED: these pixels were computed
    "Modality", "ConversionSoftware", "ConversionSoftwareVersion",
}


def _series_ids():
    return SERIES


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = start_extra_server(tmp_path_factory.mktemp("real-mri"), "real-mri", {"NiftiToDicom": dict(LIMITS)})
    yield s
    stop_extra_server(s)


class RealImport:
    def __init__(self, series, study, reference, answer, directory, files, sidecar_bytes):
        self.series = series
        self.study = study
        self.reference = reference
        self.answer = answer
        self.directory = directory
        self.files = files
        self.sidecar_bytes = sidecar_bytes
        self._dcm2niix = None

    def datasets(self):
        return [pydicom.dcmread(f) for f in self.files]

    def dcm2niix(self):
        if self._dcm2niix is None:
            self._dcm2niix = dicom_tools.run_dcm2niix(self.directory, self.directory + "-dcm2niix")
        return self._dcm2niix


def _upload(server, data, filename):
    r = server.post("/nifti/uploads", body=data, content_type="application/octet-stream",
                    headers={"X-Filename": filename})
    assert r.status == 200, "upload of %s: %s" % (filename, r.describe())
    return r.json()["ID"]


def _extract(data, directory):
    """An Orthanc archive into `directory` (an anonymised patient makes its paths start with "/")."""
    import io
    import zipfile
    os.makedirs(directory, exist_ok=True)
    files = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith("/"):
                continue
            target = os.path.join(directory, "%06d.dcm" % len(files))
            with open(target, "wb") as f:
                f.write(z.read(name))
            files.append(target)
    return files


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _import(server, series, root, label, **extra):
    study, reference = series.upload(server)
    sidecar_bytes = _read(series.sidecar)
    fields = {"Type": "Classic", "ReferenceSeries": reference, "Sidecar": _upload(server, sidecar_bytes, "s.json")}
    if series.bval:
        fields["Bval"] = _read(series.bval).decode("ascii")
        fields["Bvec"] = _read(series.bvec).decode("ascii")
    fields.update(extra)
    r = server.nifti_import(series.nifti_bytes(), study, **fields)
    answer = r.json_or_none()
    directory = os.path.join(str(root), series.name + "-" + label)
    files = []
    if r.status == 200:
        files = _extract(server.get_bytes("/series/%s/archive" % answer["ID"]), directory)
    else:
        answer = {"Status": r.status, "Error": r.describe()}
    return RealImport(series, study, reference, answer, directory, files, sidecar_bytes)


@pytest.fixture(scope="module")
def imports(server, tmp_path_factory):
    root = tmp_path_factory.mktemp("real-mri-imports")
    return {s.name: _import(server, s, root, "classic") for s in real_mri.all_series()}


def _ok(imp):
    assert "ID" in imp.answer, "%s: import failed: %s" % (imp.series.name, imp.answer)
    return imp


# --------------------------------------------------------------------------- the import itself
@pytest.mark.parametrize("name", SERIES)
def test_import_succeeds(imports, name):
    imp = _ok(imports[name])
    shape = nib.load(imp.series.nifti).shape
    expected = shape[2] * (shape[3] if len(shape) > 3 else 1)
    assert imp.answer["InstancesCount"] == expected == len(imp.files), \
        "%s: %s instances answered, %d stored, %d expected" % (name, imp.answer["InstancesCount"], len(imp.files),
                                                               expected)


def _normalised(errors):
    return {e.strip() for e in errors}


@pytest.mark.parametrize("name", SERIES)
def test_no_dciodvfy_error_of_ours(imports, name):
    """Errors in our files that dciodvfy also finds in the scanner's own files come from the attributes copied from
    the parent study (e.g. UIH's StudyDate "***"), which stay as they are; any other error is ours."""
    imp = _ok(imports[name])
    scanner = dicom_tools.run_dciodvfy_all(imp.series.dicom_files[:3])
    inherited = set()
    for v in scanner:
        inherited |= _normalised(v.errors)
    sample = imp.files[::max(1, len(imp.files) // 12)] + imp.files[-1:]
    ours = []
    for v in dicom_tools.run_dciodvfy_all(sample):
        ours += ["%s: %s" % (os.path.basename(v.path), e) for e in sorted(_normalised(v.errors) - inherited)]
    assert not ours, "%s: dciodvfy errors not in the scanner's own files:\n%s\n(the scanner's: %s)" % (
        name, "\n".join(ours[:30]), sorted(inherited))


@pytest.mark.parametrize("name", SERIES)
def test_dcm2niix_gives_back_the_volume(imports, name):
    imp = _ok(imports[name])
    res = imp.dcm2niix()
    assert len(res.niftis) == 1, "%s: dcm2niix wrote %s:\n%s" % (name, res.niftis, res.output)
    original = nib.load(imp.series.nifti)
    back = nib.load(res.niftis[0])
    comparison = dicom_tools.compare_world(original, back, data_atol=0.0, position_tol_mm=0.01)
    assert comparison, "%s: dcm2niix's volume differs from the original:\n%s" % (name, comparison.report())


def _lps(bvec, affine):
    """A FSL bvec (image axes, x flipped when det > 0) as a unit LPS direction; None for a zero vector."""
    b = np.asarray(bvec, dtype=np.float64).copy()
    if np.linalg.norm(b) < 1e-9:
        return None
    a = np.asarray(affine, dtype=np.float64)[:3, :3]
    if np.linalg.det(a) > 0:
        b[0] = -b[0]
    g = (a / np.linalg.norm(a, axis=0)) @ b
    g[0], g[1] = -g[0], -g[1]
    return g / np.linalg.norm(g)


def test_diffusion_table_comes_back_from_dcm2niix(imports):
    imp = _ok(imports["uih-dti"])
    res = imp.dcm2niix()
    assert len(res.niftis) == 1, "dcm2niix split the series (e.g. a b=1.25 volume taken as a trace image): %s\n%s" % (
        res.niftis, res.output)
    stem = res.niftis[0][:-4]
    assert os.path.isfile(stem + ".bval") and os.path.isfile(stem + ".bvec"), \
        "dcm2niix found no diffusion table:\n%s" % res.output
    bvals = np.loadtxt(stem + ".bval", ndmin=1)
    original_bvals = np.loadtxt(imp.series.bval, ndmin=1)
    bvecs = np.loadtxt(stem + ".bvec", ndmin=2)
    original_bvecs = np.loadtxt(imp.series.bvec, ndmin=2)
    # A residual b (<= 5 s/mm2, UIH's 1.25) without direction is the b = 0 volume it is (README): written as b = 0,
    # which dcm2niix keeps in the series instead of splitting it off as a trace image
    residual = (original_bvals <= 5) & (np.linalg.norm(original_bvecs, axis=0) < 1e-6)
    assert residual.any(), "the UIH series should hold its b = 1.25 volume"
    expected_bvals = np.where(residual, 0.0, original_bvals)
    assert np.allclose(bvals, expected_bvals, atol=1e-3), "bval %s, original %s" % (bvals, original_bvals)
    original_affine = nib.load(imp.series.nifti).affine
    back_affine = nib.load(res.niftis[0]).affine
    problems = []
    for t in range(original_bvecs.shape[1]):
        ours, theirs = _lps(original_bvecs[:, t], original_affine), _lps(bvecs[:, t], back_affine)
        if ours is None or theirs is None:
            if (ours is None) != (theirs is None):
                problems.append("volume %d: bvec %s, original %s" % (t, bvecs[:, t], original_bvecs[:, t]))
        elif np.max(np.abs(ours - theirs)) > 1e-3:
            problems.append("volume %d: LPS %s, original %s" % (t, np.round(theirs, 4), np.round(ours, 4)))
    assert not problems, "\n".join(problems)


def _time_seconds(text):
    h, m, s = str(text).split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def _same(key, original, back):
    if key == "AcquisitionTime":
        return abs(_time_seconds(original) - _time_seconds(back)) < 1e-3
    if isinstance(original, list) and not isinstance(back, list) and len(original) == 1:
        original = original[0]
    if isinstance(original, (int, float)) and isinstance(back, (int, float)):
        # Debian's dcm2niix prints some values (ImagingFrequency) with "%g": 6 significant digits
        return math.isclose(float(original), float(back), rel_tol=5e-6, abs_tol=1e-9)
    return original == back


@pytest.mark.parametrize("name", SERIES)
def test_public_keys_come_back_from_dcm2niix(imports, name):
    imp = _ok(imports[name])
    res = imp.dcm2niix()
    assert len(res.niftis) == 1, res.output
    with open(res.niftis[0][:-4] + ".json", "rb") as f:
        back = json.loads(f.read().decode("utf-8"))
    original = imp.series.sidecar_json()
    compared, problems = [], []
    # dcm2niix drops an AcquisitionTime without its date; dcm2niix's sidecars give no date, so the parent's StudyDate
    # is the date (README), and UIH's files have StudyDate "***": then the time is in our DICOM but cannot come back
    study_date = str(pydicom.dcmread(imp.series.dicom_files[0], stop_before_pixels=True).get("StudyDate", ""))
    ours = pydicom.dcmread(imp.files[0], stop_before_pixels=True)
    for key in COMPARED_KEYS:
        if key not in original:
            continue
        if key == "AcquisitionTime" and not (len(study_date) == 8 and study_date.isdigit()):
            assert "AcquisitionTime" in ours and "AcquisitionDate" not in ours, (name, ours.get("AcquisitionTime"))
            print("%s: AcquisitionTime without a date (parent's StudyDate %r), not compared" % (name, study_date))
            continue
        compared.append(key)
        names = BACK_NAMES.get(key, [key])
        found = [back[n] for n in names if n in back]
        if not found:
            problems.append("%s: %r, absent from dcm2niix's sidecar" % (key, original[key]))
        elif not _same(key, original[key], found[0]):
            problems.append("%s: %r, dcm2niix gives back %r" % (key, original[key], found[0]))
    print("%s: compared %s" % (name, compared))
    assert len(compared) >= 12, "%s: only %s compared" % (name, compared)
    assert not problems, "%s:\n%s" % (name, "\n".join(problems))
    # No vendor identity that dcm2niix recognises: it takes no vendor path, and invents nothing from private tags
    assert back.get("Manufacturer") != original.get("Manufacturer"), back.get("Manufacturer")
    invented = [k for k in ("MultibandAccelerationFactor", "SliceTiming", "PhaseEncodingDirection",
                            "EffectiveEchoSpacing", "TotalReadoutTime") if k in back]
    assert not invented, "%s: dcm2niix took a vendor path and wrote %s" % (name, {k: back[k] for k in invented})


@pytest.mark.parametrize("name", SERIES)
def test_every_key_is_placed_warned_or_decided(imports, name):
    """The answer's Warnings name the keys without a public home, and only those."""
    imp = _ok(imports[name])
    original = imp.series.sidecar_json()
    warnings = " ".join(imp.answer["Warnings"])
    for key in COMPARED_KEYS:
        if key in original:
            assert ("\"%s\"" % key) not in warnings and (" %s," % key) not in warnings, \
                "%s: %s has a public home but is warned about: %s" % (name, key, imp.answer["Warnings"])
    for key in ("SliceTiming", "ConversionSoftware", "SoftwareVersions"):
        if key in original:
            assert key in warnings, "%s: %s has no public home, not in the warnings %s" % (
                name, key, imp.answer["Warnings"])


# --------------------------------------------------------------------------- who made the images
@pytest.mark.parametrize("name", SERIES)
def test_equipment(imports, name):
    imp = _ok(imports[name])
    original = imp.series.sidecar_json()
    ds = pydicom.dcmread(imp.files[0])
    assert ds.Manufacturer == "Orthanc NIfTI-to-DICOM", ds.Manufacturer
    assert ds.get("DeviceSerialNumber", "") != "1"
    items = ds.ContributingEquipmentSequence
    purposes = [item.PurposeOfReferenceCodeSequence[0].CodeValue for item in items]
    assert purposes == ["109101", "109102"], purposes
    scanner = items[0]
    assert scanner.PurposeOfReferenceCodeSequence[0].CodingSchemeDesignator == "DCM"
    assert "SoftwareVersions" not in scanner     # private copy only (README)
    for key, keyword in (("Manufacturer", "Manufacturer"), ("ManufacturersModelName", "ManufacturerModelName"),
                         ("DeviceSerialNumber", "DeviceSerialNumber"), ("StationName", "StationName"),
                         ("InstitutionName", "InstitutionName")):
        if key in original:
            # Manufacturer has a leading space (LO padding, README), which dcm2niix does not take for a vendor
            assert str(scanner.get(keyword, "")).strip() == original[key], (key, scanner.get(keyword))
    assert items[1].Manufacturer == "Orthanc NIfTI-to-DICOM"
    # The protocol is the scanner's, not our description
    assert ds.ProtocolName == original["ProtocolName"]


# --------------------------------------------------------------------------- the private copy of the sidecar
PRIVATE_CREATOR = (0x0011, 0x0010)
PRIVATE_SIDECAR = (0x0011, 0x1001)


def _private_copy(ds):
    """The bytes of the private copy, without the space that pads an odd count (README)."""
    if PRIVATE_SIDECAR not in ds:
        return None
    assert ds[PRIVATE_CREATOR].value == "NiftiToDicom"
    assert ds[PRIVATE_SIDECAR].VR == "OB", ds[PRIVATE_SIDECAR].VR
    return ds[PRIVATE_SIDECAR].value


@pytest.mark.parametrize("name", SERIES)
def test_private_copy_holds_the_sidecar_verbatim(imports, name):
    imp = _ok(imports[name])
    sent = imp.sidecar_bytes
    padded = sent if len(sent) % 2 == 0 else sent + b" "
    for ds in imp.datasets():
        copy = _private_copy(ds)
        assert copy == padded, \
            "%s: instance %s, private copy differs from the sidecar sent" % (name, ds.InstanceNumber)


def test_private_copy_of_an_inline_sidecar_with_user_edits(server, tmp_path):
    series = real_mri.get("ge-epi-rtia")
    study, reference = series.upload(server)
    edited = series.sidecar_json()
    edited["SliceTiming"] = [0.0, 0.75, 0.1875, 0.9375, 0.375, 1.125, 0.5625, 1.3125]
    edited["PhaseEncodingDirection"] = "j-"          # a user's correction of the polarity
    edited["TotalReadoutTime"] = 0.0271
    r = server.nifti_import(series.nifti_bytes(), study, Type="Classic", ReferenceSeries=reference, Sidecar=edited)
    assert r.status == 200, r.describe()
    files = _extract(server.get_bytes("/series/%s/archive" % r.json()["ID"]), str(tmp_path))
    copy = _private_copy(pydicom.dcmread(files[0]))
    assert copy is not None and json.loads(copy.decode("utf-8")) == edited


def test_keep_sidecar_false_in_the_request(server, tmp_path):
    imp = _import(server, real_mri.get("ge-epi-rtia"), tmp_path, "not-kept", KeepSidecar=False)
    _ok(imp)
    for ds in imp.datasets():
        assert _private_copy(ds) is None and PRIVATE_CREATOR not in ds
    assert any("SliceTiming" in w and "not kept" in w for w in imp.answer["Warnings"]), imp.answer["Warnings"]
    # The rest of the sidecar still applies
    assert pydicom.dcmread(imp.files[0]).ProtocolName == "Brain: Routine"


def test_keep_sidecar_false_in_the_configuration(tmp_path_factory):
    root = tmp_path_factory.mktemp("not-kept")
    s = start_extra_server(root, "not-kept", {"NiftiToDicom": dict(LIMITS, KeepSidecar=False)})
    try:
        # The request cannot turn it back on
        imp = _import(s, real_mri.get("ge-epi-rtia"), root, "config", KeepSidecar=True)
        _ok(imp)
        for ds in imp.datasets():
            assert _private_copy(ds) is None
    finally:
        stop_extra_server(s)


def test_keep_sidecar_must_be_a_boolean(server):
    series = real_mri.get("ge-epi-rtia")
    study, _ = series.upload(server)
    r = server.nifti_import(series.nifti_bytes(), study, Sidecar=series.sidecar_json(), KeepSidecar="no")
    assert r.status == 400 and "KeepSidecar" in r.text, r.describe()
