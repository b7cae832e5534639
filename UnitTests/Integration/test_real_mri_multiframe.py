"""Multi-frame output ("Type": "EnhancedMR" and "ParametricMap") of real scanner series and of generated 4D volumes,
read back by tools nobody here wrote.

Real series (real_mri.py: GE, Siemens XA10 Enhanced, Siemens E11 mosaic, UIH diffusion mosaic): the scanner's DICOM
files are the parent study and the ReferenceSeries; dcm2niix's NIfTI, sidecar and bval/bvec are imported back. For
each series and type: the import succeeds; the new series shares the scanner's FrameOfReferenceUID (also when the
reference is itself Enhanced MR or a mosaic without per-slice positions at the top level); dciodvfy finds no error
that the scanner's own file does not have (those come with the copied patient and study); Debian's dcm2niix gives
back the same volume in world space, every volume in the same order, the same b-values and vectors, and the sidecar
keys listed in PUBLIC_KEYS with the same values.

Generated 4D volumes (nifti_cases): the frames come back from dcm2niix in the right order, in world space.
"""

import json
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest

import dicom_tools
import nifti_cases
import real_mri
from conftest import fresh_copy, dataset_bytes, start_extra_server, stop_extra_server

TYPES = ["EnhancedMR", "ParametricMap"]
SERIES = real_mri.series_names()

# Sidecar keys with a public home in Enhanced MR that dcm2niix reads back from a vendor-neutral file: key ->
# tolerance (None: equal as they are). Those of the Parametric Map are PM_KEYS (its IOD has no MR functional
# groups). What dcm2niix cannot regenerate from any neutral file is explained in the README; among the keys a real
# sidecar has:
# - Manufacturer, ManufacturersModelName, DeviceSerialNumber, StationName, SoftwareVersions, InstitutionName:
#   General Equipment names this plugin (the scanner is Contributing Equipment);
# - SeriesDescription, SeriesNumber: the new series' own;
# - MRAcquisitionType, PulseSequenceName: the MR Pulse Sequence module, which dciodvfy refuses in a derived image;
# - SliceTiming, PhaseEncodingDirection's sign, EffectiveEchoSpacing, TotalReadoutTime, MultibandAccelerationFactor
#   and the other vendor keys: no public attribute (they travel in the private copy of the sidecar).
ENHANCED_KEYS = {
    "ScanningSequence": None,
    "SequenceVariant": None,
    "ScanOptions": None,
    "PercentPhaseFOV": 1e-6,
    "PercentSampling": 1e-6,
    "InPlanePhaseEncodingDirectionDICOM": None,
    "EchoTrainLength": None,
    "MagneticFieldStrength": 1e-6,
    "ImagingFrequency": 1e-3,   # dcm2niix 1.0.20220720 writes 6 significant digits of a DS
    "ProtocolName": None,
    "EchoTime": 1e-6,
    "RepetitionTime": 1e-6,
    "FlipAngle": 1e-6,
    "PixelBandwidth": 1e-6,
    "PatientPosition": None,
    "SliceThickness": 1e-4,
}
PM_KEYS = {
    "ProtocolName": None,
    "PatientPosition": None,
    "SliceThickness": 1e-4,
}


class Imported:
    pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The real NIfTI files exceed the session server's 2 MB limits
    s = start_extra_server(str(tmp_path_factory.mktemp("real-multiframe")), "real-multiframe",
                           {"NiftiToDicom": {"MaximumUploadSize": 64, "MaximumVolumeSize": 64}})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def scanner(server):
    """Each real series uploaded once: name -> (study ID, series ID)."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = real_mri.get(name).upload(server)
        return cache[name]
    return get


@pytest.fixture(scope="module")
def imports(server, scanner, tmp_path_factory):
    cache = {}

    def get(name, output_type):
        key = (name, output_type)
        if key in cache:
            return cache[key]
        real = real_mri.get(name)
        study, series = scanner(name)
        body = {"ParentStudy": study, "ReferenceSeries": series, "Type": output_type,
                "Filename": os.path.basename(real.nifti), "Sidecar": real.sidecar_json()}
        if real.bval:
            with open(real.bval) as f:
                body["Bval"] = f.read()
            with open(real.bvec) as f:
                body["Bvec"] = f.read()
        import base64
        body["Nifti"] = base64.b64encode(real.nifti_bytes()).decode("ascii")
        r = Imported()
        r.real = real
        r.response = server.post_json("/nifti/import", body)
        r.directory = str(tmp_path_factory.mktemp("%s-%s" % (name, output_type)))
        if r.response.status == 200:
            r.answer = r.response.json()
            instances = server.get_json("/series/%s/instances" % r.answer["ID"])
            assert len(instances) == 1, "one multi-frame instance expected, got %d" % len(instances)
            os.makedirs(os.path.join(r.directory, "dicom"))
            r.path = os.path.join(r.directory, "dicom", "out.dcm")
            with open(r.path, "wb") as f:
                f.write(server.get_bytes("/instances/%s/file" % instances[0]["ID"]))
            r.dataset = pydicom.dcmread(r.path)
            r.dcm2niix = dicom_tools.run_dcm2niix(os.path.join(r.directory, "dicom"),
                                                  os.path.join(r.directory, "back"))
        cache[key] = r
        return r
    return get


def _require(r):
    assert r.response.status == 200, r.response.describe()
    return r


def _dcm2niix_output(r):
    conv = r.dcm2niix
    assert len(conv.niftis) == 1, "dcm2niix should give one NIfTI, got %s:\n%s" % (conv.niftis, conv.output)
    stem = conv.niftis[0][:-4]
    sidecar = json.load(open(stem + ".json")) if os.path.exists(stem + ".json") else {}
    return nib.load(conv.niftis[0]), stem, sidecar


# --------------------------------------------------------------------------- real series
@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("name", SERIES)
def test_real_import_shares_frame_of_reference(imports, name, output_type):
    r = _require(imports(name, output_type))
    scanner_ds = pydicom.dcmread(r.real.dicom_files[0], stop_before_pixels=True)
    assert r.dataset.FrameOfReferenceUID == scanner_ds.FrameOfReferenceUID, \
        "%s as %s: FrameOfReferenceUID %s, the scanner's is %s; warnings: %s" % (
            name, output_type, r.dataset.FrameOfReferenceUID, scanner_ds.FrameOfReferenceUID,
            r.answer.get("Warnings"))
    assert not any("overlap" in w for w in r.answer.get("Warnings", [])), r.answer.get("Warnings")


@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("name", SERIES)
def test_real_import_dciodvfy(imports, name, output_type):
    r = _require(imports(name, output_type))
    scanner_errors = set(dicom_tools.run_dciodvfy(r.real.dicom_files[0]).errors)
    ours = dicom_tools.run_dciodvfy(r.path)
    introduced = [e for e in ours.errors if e not in scanner_errors]
    assert not introduced, "dciodvfy errors of %s as %s that the scanner's file has not:\n%s" % (
        name, output_type, "\n".join(introduced))
    # What the references demand (Source Image Evidence in Enhanced MR), present
    if output_type == "EnhancedMR":
        assert "SourceImageEvidenceSequence" in r.dataset
        evidence = r.dataset.SourceImageEvidenceSequence[0]
        assert evidence.StudyInstanceUID == r.dataset.StudyInstanceUID
        scanner_uids = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in r.real.dicom_files}
        listed = {item.ReferencedSOPInstanceUID for item in evidence.ReferencedSeriesSequence[0].ReferencedSOPSequence}
        assert listed == scanner_uids


@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("name", SERIES)
def test_real_import_dcm2niix_world_space(imports, name, output_type):
    r = _require(imports(name, output_type))
    back, _, _ = _dcm2niix_output(r)
    original = nib.load(r.real.nifti)
    assert back.shape[3:] == original.shape[3:], "volumes: %s came back as %s:\n%s" % (
        original.shape, back.shape, r.dcm2niix.output)
    cmp = dicom_tools.compare_world(original, back, data_atol=1e-3, position_tol_mm=0.01)
    assert cmp, "%s as %s: world-space comparison with dcm2niix's output failed:\n%s\n--- dcm2niix ---\n%s" % (
        name, output_type, cmp.report(), r.dcm2niix.output)


@pytest.mark.parametrize("name", [n for n in SERIES if real_mri.get(n).bval])
def test_real_import_diffusion_tables(imports, name):
    r = _require(imports(name, "EnhancedMR"))
    _, stem, _ = _dcm2niix_output(r)
    assert os.path.exists(stem + ".bval") and os.path.exists(stem + ".bvec"), \
        "dcm2niix wrote no bval/bvec:\n%s" % r.dcm2niix.output
    original_b = np.loadtxt(r.real.bval, ndmin=1)
    expected_v = np.loadtxt(r.real.bvec)
    # A residual b (<= 5 s/mm2, UIH's 1.25) without direction is written as the b = 0 volume it is (README), which
    # dcm2niix keeps in the series instead of splitting it off as a trace image
    residual = (original_b <= 5) & (np.linalg.norm(expected_v, axis=0) < 1e-6)
    expected_b = np.where(residual, 0.0, original_b)
    got_b = np.loadtxt(stem + ".bval")
    got_v = np.loadtxt(stem + ".bvec")
    np.testing.assert_allclose(got_b, expected_b, atol=1e-3, err_msg="b-values")
    np.testing.assert_allclose(got_v, expected_v, atol=1e-3, err_msg="gradient vectors")


@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("name", SERIES)
def test_real_import_sidecar_keys(imports, name, output_type):
    r = _require(imports(name, output_type))
    _, _, back = _dcm2niix_output(r)
    given = r.real.sidecar_json()
    problems = []
    for key, tolerance in (ENHANCED_KEYS if output_type == "EnhancedMR" else PM_KEYS).items():
        if key not in given:
            continue
        if key not in back:
            problems.append("%s missing (given %r)" % (key, given[key]))
        elif tolerance is None:
            if back[key] != given[key]:
                problems.append("%s: %r, given %r" % (key, back[key], given[key]))
        elif abs(float(back[key]) - float(given[key])) > tolerance:
            problems.append("%s: %r, given %r" % (key, back[key], given[key]))
    # No made-up serial number for the scanner
    if back.get("DeviceSerialNumber") == "1":
        problems.append("DeviceSerialNumber is \"1\", given %r" % given.get("DeviceSerialNumber"))
    assert not problems, "%s as %s, keys dcm2niix read back:\n%s" % (name, output_type, "\n".join(problems))


# --------------------------------------------------------------------------- generated 4D volumes
FOUR_D = ["gen_4d", "real_functional", "real_example4d"]


@pytest.fixture(scope="module")
def generated(server, tmp_path_factory):
    parent = fresh_copy("MR_small.dcm", "MF-4D", "Multi^Frame")
    study = server.upload_dicom(dataset_bytes(parent))["ParentStudy"]
    cache = {}

    def get(case_name, output_type, bval=None, bvec=None):
        key = (case_name, output_type, bval)
        if key in cache:
            return cache[key]
        directory = str(tmp_path_factory.mktemp("%s-%s" % (case_name, output_type)))
        case = nifti_cases.CASES_BY_NAME[case_name]
        path = case.materialize(directory)
        with open(path, "rb") as f:
            data = f.read()
        fields = {"Type": output_type}
        if bval:
            fields.update({"Bval": bval, "Bvec": bvec})
        r = Imported()
        r.original = nib.load(path)
        response = server.nifti_import(data, study, **fields)
        assert response.status == 200, response.describe()
        r.answer = response.json()
        instances = server.get_json("/series/%s/instances" % r.answer["ID"])
        os.makedirs(os.path.join(directory, "dicom"))
        with open(os.path.join(directory, "dicom", "out.dcm"), "wb") as f:
            f.write(server.get_bytes("/instances/%s/file" % instances[0]["ID"]))
        r.dcm2niix = dicom_tools.run_dcm2niix(os.path.join(directory, "dicom"), os.path.join(directory, "back"))
        r.case = case
        cache[key] = r
        return r
    return get


@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("case_name", FOUR_D)
def test_generated_4d_round_trip(generated, case_name, output_type):
    r = generated(case_name, output_type)
    assert len(r.dcm2niix.niftis) == 1, r.dcm2niix.output
    back = nib.load(r.dcm2niix.niftis[0])
    assert len(back.shape) == 4 and back.shape[3] == r.original.shape[3], \
        "4D %s came back as %s:\n%s" % (r.original.shape, back.shape, r.dcm2niix.output)
    # Enhanced MR stores 16-bit values with a rescale: half a step of error at most
    slope = 0.0
    if output_type == "EnhancedMR":
        ds = pydicom.dcmread(os.path.join(os.path.dirname(os.path.dirname(r.dcm2niix.niftis[0])), "dicom", "out.dcm"),
                             stop_before_pixels=True)
        slope = float(ds.SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence[0].RescaleSlope)
    cmp = dicom_tools.compare_world(r.original, back, data_atol=slope / 2 * (1 + 1e-6) + 1e-6,
                                    reference_affine=r.case.world_affine(r.original))
    assert cmp, "%s as %s:\n%s\n--- dcm2niix ---\n%s" % (case_name, output_type, cmp.report(), r.dcm2niix.output)


def test_generated_diffusion_round_trip(generated):
    """gen_4d's 3 volumes as a diffusion series (b = 0, 500, 1000): the volumes come back in their order, with their
    b-values, from the MR Diffusion functional group of each frame."""
    bval = "0 500 1000"
    bvec = "0 0.6 0\n0 0.8 0\n0 0 1"
    r = generated("gen_4d", "EnhancedMR", bval, bvec)
    assert len(r.dcm2niix.niftis) == 1, r.dcm2niix.output
    back = nib.load(r.dcm2niix.niftis[0])
    cmp = dicom_tools.compare_world(r.original, back, data_atol=1e-3,
                                    reference_affine=r.case.world_affine(r.original))
    assert cmp, "%s\n--- dcm2niix ---\n%s" % (cmp.report(), r.dcm2niix.output)
    stem = r.dcm2niix.niftis[0][:-4]
    np.testing.assert_allclose(np.loadtxt(stem + ".bval"), [0, 500, 1000], atol=1e-3)
