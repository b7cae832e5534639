"""Every NIfTI case of nifti_cases.CASES is imported once (session cache) and checked from several
angles: the REST answer, the round trip through dcm2niix in world space, dciodvfy / dcentvfy, the
Patient/Study attributes copied from the parent, and the series/instance identity attributes."""

import collections

import numpy as np
import nibabel as nib
import pytest

import dicom_tools
from nifti_cases import CASES

CASE_NAMES = [c.name for c in CASES]

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SOP_CLASS = {"MR": MR_IMAGE_STORAGE, "CT": CT_IMAGE_STORAGE}

# Patient module and General Study module attributes that must be copied from the parent.
PATIENT_STUDY_ATTRIBUTES = [
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex",
    "StudyInstanceUID", "StudyDate", "StudyTime", "AccessionNumber", "StudyID",
    "ReferringPhysicianName", "StudyDescription",
]


def _value(ds, keyword):
    """String value of an attribute as pydicom decodes it (None when absent)."""
    if keyword not in ds:
        return None
    v = ds.data_element(keyword).value
    if v is None:
        return ""
    if isinstance(v, (list, tuple)) or type(v).__name__ == "MultiValue":
        return "\\".join(str(x) for x in v)
    return str(v)


def _ras_of_ipp(ds):
    x, y, z = (float(v) for v in ds.ImagePositionPatient)
    return np.array([-x, -y, z, 1.0])


def _slopes(result):
    return [float(ds.get("RescaleSlope", 1.0)) for ds in result.datasets]


def _intercepts(result):
    return [float(ds.get("RescaleIntercept", 0.0)) for ds in result.datasets]


def _no_transform_references(img):
    """Placements a reader may give a file without transform: NIfTI 'method 1' (diag(pixdim)) or
    the ANALYZE convention used by nibabel (x mirrored)."""
    zooms = [float(z) for z in img.header.get_zooms()[:3]]
    method1 = np.diag(zooms + [1.0])
    analyze = np.asarray(img.header.get_base_affine(), dtype=float)
    return {"NIfTI method 1 (diag(pixdim))": method1, "ANALYZE (x mirrored)": analyze}


# --------------------------------------------------------------------------- REST answer
@pytest.mark.parametrize("name", CASE_NAMES)
def test_import_answer(imports, orthanc, name):
    r = imports.get(name)
    r.require_success()
    a = r.answer
    sid = a["ID"]
    assert a.get("Path") == "/series/%s" % sid, "Path should be /series/<ID>: %s" % a
    assert dicom_tools.valid_uid(a.get("SeriesInstanceUID")), "bad SeriesInstanceUID in %s" % a
    assert a.get("ParentStudy") == r.parent.orthanc_id, \
        "ParentStudy should be the parent's Orthanc ID %s: %s" % (r.parent.orthanc_id, a)
    series = orthanc.get_json("/series/%s" % sid)
    assert series["ParentStudy"] == r.parent.orthanc_id, "series %s is not in the parent study" % sid
    assert series["MainDicomTags"].get("SeriesInstanceUID") == a["SeriesInstanceUID"]
    assert a.get("InstancesCount") == r.expected_instances, \
        "InstancesCount %s, expected %d (nz * nt of %s)" % (a.get("InstancesCount"), r.expected_instances,
                                                            r.original.shape)
    assert len(series["Instances"]) == r.expected_instances
    warnings = a.get("Warnings")
    assert isinstance(warnings, list) and all(isinstance(w, str) and w for w in warnings), \
        "Warnings must be a list of non-empty strings: %r" % (warnings,)
    print("Warnings of %s: %s" % (name, warnings))
    if r.case.expect_warning:
        assert warnings, "a warning was expected (%s) but Warnings is empty" % r.case.description
    if r.case.warning_contains:
        assert any(r.case.warning_contains in w for w in warnings), \
            "a warning should give the count %s (%s): %r" % (r.case.warning_contains, r.case.description, warnings)


# --------------------------------------------------------------------------- round trip
@pytest.mark.parametrize("name", CASE_NAMES)
def test_roundtrip_dcm2niix_world_space(imports, name):
    r = imports.get(name)
    conv = r.dcm2niix
    assert len(conv.niftis) == 1, "dcm2niix should give exactly one NIfTI, got %s:\n%s" % (conv.niftis, conv.output)
    back = nib.load(conv.niftis[0])
    orig = r.original
    if len(orig.shape) > 3 and orig.shape[3] > 1:
        assert len(back.shape) == 4 and back.shape[3] == orig.shape[3], \
            "4D input %s came back as %s:\n%s" % (orig.shape, back.shape, conv.output)

    slope = float(orig.dataobj.slope) if np.isfinite(orig.dataobj.slope) and orig.dataobj.slope else 1.0
    if r.case.kind == "int":
        atol = 1e-3 * abs(slope) + 1e-6
    else:
        atol = max(_slopes(r)) / 2.0 * (1.0 + 1e-6) + 1e-9

    if r.case.compare == "no_transform":
        attempts = {}
        for label, ref in _no_transform_references(orig).items():
            attempts[label] = dicom_tools.compare_world(orig, back, data_atol=atol, reference_affine=ref,
                                                        check_origin=False)
        assert any(bool(c) for c in attempts.values()), "no acceptable placement:\n" + "\n".join(
            "%s: %s" % (k, c.report()) for k, c in attempts.items())
        return

    cmp = dicom_tools.compare_world(orig, back, data_atol=atol, reference_affine=r.case.world_affine(orig))
    assert cmp, "world-space comparison of %s (%s) with dcm2niix's output failed:\n%s\n--- dcm2niix ---\n%s" % (
        name, r.case.description, cmp.report(), conv.output)
    print("%s: max position error %.2e mm, max |diff| %.3g (tolerance %.3g)"
          % (name, cmp.max_position_error_mm, cmp.max_abs_diff, atol))

    finite = np.isfinite(cmp.aligned_original)
    if not finite.all():
        replaced = np.unique(cmp.other[~finite])
        assert replaced.size == 1, "NaN/Inf voxels should all become one fixed value, got %s" % replaced[:10]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rescale_attributes(imports, name):
    """Integer input keeps its scaling; float input gets one consistent 16-bit representation."""
    r = imports.get(name)
    for ds in r.datasets:
        assert int(ds.BitsAllocated) == 16, "BitsAllocated %s" % ds.BitsAllocated
        assert int(ds.SamplesPerPixel) == 1
    if r.case.expect_rescale:
        exp_slope, exp_inter = r.case.expect_rescale
        for s, i in zip(_slopes(r), _intercepts(r)):
            assert abs(s - exp_slope) < 1e-9 and abs(i - exp_inter) < 1e-9, \
                "scl_slope/scl_inter %s should be RescaleSlope/RescaleIntercept, got %s/%s" % (
                    r.case.expect_rescale, s, i)
    orig = r.original
    if r.case.kind == "float":
        # "RescaleSlope chosen from the data range": 16 bits spread over the finite range; a factor 2
        # allows a symmetric signed encoding without intercept, nothing coarser.
        values = orig.get_fdata()
        finite = values[np.isfinite(values)]
        best = (float(finite.max()) - float(finite.min())) / 65535.0
        worst = max(_slopes(r))
        assert worst <= 2.0 * best * (1.0 + 1e-6), \
            "RescaleSlope %.6g is coarser than the data range allows (range/65535 = %.6g)" % (worst, best)
    if r.case.kind == "int" and orig.dataobj.slope == 1.0 and orig.dataobj.inter == 0.0 \
            and np.asanyarray(orig.dataobj).dtype.kind in "iu":
        # Stored exactly: the slope stays 1 (any intercept must be an integer offset).
        for s, i in zip(_slopes(r), _intercepts(r)):
            assert s == 1.0 and float(i).is_integer(), \
                "integer data without scaling should keep RescaleSlope 1, got %s / %s" % (s, i)


# --------------------------------------------------------------------------- validators
@pytest.mark.parametrize("name", CASE_NAMES)
def test_dciodvfy_every_instance(imports, name):
    r = imports.get(name)
    results = r.dciodvfy
    assert len(results) == r.expected_instances
    warnings = collections.Counter(w for v in results for w in v.warnings)
    if warnings:
        print("dciodvfy warnings for %s (count x message):" % name)
        for w, n in warnings.most_common():
            print("  %4d x %s" % (n, w))
    bad = [v for v in results if v.errors]
    assert not bad, "dciodvfy errors in %d of %d instances of %s; first file %s:\n%s" % (
        len(bad), len(results), name, bad[0].path, "\n".join(sorted(set(e for v in bad for e in v.errors))))


@pytest.mark.parametrize("name", CASE_NAMES)
def test_dcentvfy_series(imports, name):
    r = imports.get(name)
    v = r.dcentvfy
    if v.warnings:
        print("dcentvfy warnings for %s:\n%s" % (name, "\n".join(sorted(set(v.warnings)))))
    assert not v.errors, "dcentvfy errors for %s:\n%s" % (name, "\n".join(v.errors))


# --------------------------------------------------------------------------- attributes
@pytest.mark.parametrize("name", CASE_NAMES)
def test_patient_and_study_attributes_copied(imports, name):
    r = imports.get(name)
    parent = r.parent.dataset
    problems = []
    for ds in r.datasets:
        for kw in PATIENT_STUDY_ATTRIBUTES:
            expected, got = _value(parent, kw), _value(ds, kw)
            if expected:  # the parent has a value: it must be copied exactly
                if got != expected:
                    problems.append("%s: parent %r, ours %r" % (kw, expected, got))
            elif got:     # the parent has none: nothing may be invented
                problems.append("%s: parent has no value, ours %r" % (kw, got))
        if problems:
            problems.insert(0, "file %s" % ds.filename)
            break
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_series_and_instance_identity(imports, orthanc, name):
    r = imports.get(name)
    dss = r.datasets
    series_uids = {str(ds.SeriesInstanceUID) for ds in dss}
    assert len(series_uids) == 1, "several SeriesInstanceUIDs in one series: %s" % series_uids
    series_uid = series_uids.pop()
    assert series_uid == r.answer["SeriesInstanceUID"]
    assert dicom_tools.valid_uid(series_uid), series_uid

    # A fresh SeriesInstanceUID: none of the other series of the study has it.
    study = orthanc.get_json("/studies/%s" % r.parent.orthanc_id)
    others = [s for s in study["Series"] if s != r.series_id]
    other_uids = {orthanc.get_json("/series/%s" % s)["MainDicomTags"].get("SeriesInstanceUID") for s in others}
    assert series_uid not in other_uids and series_uid != r.parent.series_uid

    sops = [str(ds.SOPInstanceUID) for ds in dss]
    assert len(set(sops)) == len(sops), "duplicate SOPInstanceUIDs"
    bad = [u for u in sops if not dicom_tools.valid_uid(u)]
    assert not bad, "invalid SOPInstanceUIDs: %s" % bad[:3]
    assert series_uid not in sops

    expected_sop = SOP_CLASS[r.case.expect_sop]
    classes = {str(ds.SOPClassUID) for ds in dss}
    assert classes == {expected_sop}, "SOPClassUID %s, expected %s (%s)" % (classes, expected_sop, r.case.description)
    assert {str(ds.Modality) for ds in dss} == {r.case.expect_sop}
    for ds in dss:
        assert str(ds.file_meta.MediaStorageSOPClassUID) == expected_sop
        assert str(ds.file_meta.MediaStorageSOPInstanceUID) == str(ds.SOPInstanceUID)
        image_type = list(ds.ImageType) if "ImageType" in ds else []
        assert image_type and image_type[0] == "DERIVED", "ImageType %s should start with DERIVED" % image_type
    numbers = {_value(ds, "SeriesNumber") for ds in dss}
    assert len(numbers) == 1 and numbers != {None} and numbers != {""}, "SeriesNumber %s" % numbers


@pytest.mark.parametrize("name", CASE_NAMES)
def test_instance_numbers_and_slice_positions(imports, name):
    """InstanceNumber = t*nz + k + 1 (k: NIfTI slice index, t: volume), TemporalPositionIdentifier = t+1,
    and every ImagePositionPatient lies on NIfTI slice k."""
    r = imports.get(name)
    orig = r.original
    shape = list(orig.shape) + [1, 1]
    nz, nt = int(shape[2]), int(shape[3])
    dss = r.datasets
    numbers = sorted(int(ds.InstanceNumber) for ds in dss)
    assert numbers == list(range(1, nz * nt + 1)), "InstanceNumbers %s" % numbers[:20]
    if r.case.compare == "no_transform":
        return
    world = r.case.world_affine(orig)
    inv = np.linalg.inv(world)
    spacing_k = float(np.linalg.norm(world[:3, 2]))
    seen = set()
    problems = []
    for ds in dss:
        idx = inv @ _ras_of_ipp(ds)
        k = int(round(idx[2]))
        if abs(idx[2] - k) * spacing_k > 0.01 or not 0 <= k < nz:
            problems.append("instance %s: ImagePositionPatient %s is not on a slice of the NIfTI (k = %.4f)"
                            % (ds.InstanceNumber, list(ds.ImagePositionPatient), idx[2]))
            continue
        if nt > 1:
            assert "TemporalPositionIdentifier" in ds, "4D: TemporalPositionIdentifier missing"
            t = int(ds.TemporalPositionIdentifier) - 1
        else:
            t = 0
        if int(ds.InstanceNumber) != t * nz + k + 1:
            problems.append("instance at slice k=%d, volume t=%d has InstanceNumber %s, expected %d"
                            % (k, t, ds.InstanceNumber, t * nz + k + 1))
        seen.add((t, k))
    assert not problems, "\n".join(problems[:10])
    assert len(seen) == nz * nt, "(t, k) pairs covered: %d of %d" % (len(seen), nz * nt)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_frame_of_reference_uid(imports, name):
    """One valid FrameOfReferenceUID per series; the parent's may be reused only for scanner space
    (effective transform code 1), never for aligned/template spaces or files without transform."""
    r = imports.get(name)
    uids = {str(ds.get("FrameOfReferenceUID", "")) for ds in r.datasets}
    assert len(uids) == 1, "FrameOfReferenceUID differs within the series: %s" % uids
    uid = uids.pop()
    assert dicom_tools.valid_uid(uid), "FrameOfReferenceUID %r" % uid
    hdr = r.original.header
    code = int(hdr["sform_code"]) if int(hdr["sform_code"]) > 0 else int(hdr["qform_code"])
    parent_for = str(r.parent.dataset.get("FrameOfReferenceUID", ""))
    if code != 1:
        assert uid != parent_for, ("transform code %d is not the parent's scanner space, yet the parent's "
                                   "FrameOfReferenceUID %s is reused" % (code, parent_for))
