"""Checks of the test oracle itself (they do not need the plugin): the generators write what the
cases claim, the validators work on known-good files, and the dcm2niix + world-space comparison
accepts a correct NIfTI -> DICOM mapping and rejects a mirrored one. Without these, a passing round
trip test would prove little."""

import os

import numpy as np
import nibabel as nib
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import dicom_tools
import nifti_cases


def test_generated_cases_read_back(tmp_path):
    for case in nifti_cases.CASES:
        if case.path:
            assert os.path.exists(case.path), case.path
            continue
        img = nib.load(case.materialize(str(tmp_path / case.name)))
        assert img.get_fdata().size > 0
        hdr = img.header
        if case.name == "gen_qform_only":
            assert int(hdr["sform_code"]) == 0 and int(hdr["qform_code"]) == 1 and hdr["pixdim"][0] == -1
        if case.name == "gen_no_transform":
            assert int(hdr["sform_code"]) == 0 and int(hdr["qform_code"]) == 0
        if case.name == "gen_oblique_lh":
            assert np.linalg.det(img.affine[:3, :3]) < 0
        if case.name == "gen_oblique_rh":
            assert np.linalg.det(img.affine[:3, :3]) > 0
        if case.name == "gen_f32_nan_inf":
            assert (~np.isfinite(img.get_fdata())).sum() == nifti_cases.NAN_COUNT + nifti_cases.INF_COUNT
        if case.name == "gen_sform_wins":
            assert int(hdr["sform_code"]) == 2 and int(hdr["qform_code"]) == 1
            assert not np.allclose(hdr.get_qform(), hdr.get_sform(), atol=1.0)
            assert np.allclose(img.affine, hdr.get_sform())
        if case.name == "gen_i64_wide":
            assert hdr.get_data_dtype() == np.int64
        if case.name == "gen_qfac_zero":
            with open(case.materialize(str(tmp_path / (case.name + "_raw"))), "rb") as f:
                assert np.frombuffer(f.read()[76:80], "<f4")[0] == 0.0
            assert np.linalg.det(img.affine[:3, :3]) > 0 and int(hdr["sform_code"]) == 0
        if case.name == "gen_slope_zero":
            assert img.dataobj.slope == 1.0 and img.dataobj.inter == 0.0  # nibabel: no scaling
        if case.name == "gen_dim0_mismatch":
            assert img.shape == (20, 18, 10)
        if case.name in ("gen_units_meter", "gen_units_micron"):
            unit = hdr.get_xyzt_units()[0]
            assert unit == {"gen_units_meter": "meter", "gen_units_micron": "micron"}[case.name]
            mm = case.world_affine(img)
            assert np.allclose(np.linalg.norm(mm[:3, :3], axis=0), (0.7, 1.3, 2.5), atol=1e-4)
        if case.name == "gen_nifti2":
            assert isinstance(img, nib.Nifti2Image)


def test_validators_on_pydicom_files(tmp_path):
    for name in ("MR_small.dcm", "CT_small.dcm"):
        path = os.path.join(nifti_cases.PYDICOM_FILES, name)
        v = dicom_tools.run_dciodvfy(path)
        assert not v.errors, v.output
        assert "Image" in v.output  # dciodvfy names the IOD it recognised
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.dcm").write_bytes(open(os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm"), "rb").read())
    conv = dicom_tools.run_dcm2niix(str(d), str(tmp_path / "out"))
    assert len(conv.niftis) == 1, conv.output
    assert nib.load(conv.niftis[0]).shape[:2] == (64, 64)


def test_dciodvfy_reports_errors(tmp_path):
    ds = pydicom.dcmread(os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm"))
    del ds.ScanningSequence  # Type 1 in the MR Image module
    path = str(tmp_path / "broken.dcm")
    ds.save_as(path)
    assert dicom_tools.run_dciodvfy(path).errors


# --------------------------------------------------------------------------- reference mapping
def _reference_series(img, directory, mirror_rows_only=False):
    """Write `img` as a classic MR series with the mapping of the facts sheet: column c = i,
    row r = ny-1-j, slice k; X = (-A00, -A10, A20)/dc, Y = (A01, A11, -A21)/dr, IPP = LPS of voxel
    (0, ny-1, k). With mirror_rows_only, the rows are not flipped (an inconsistent, mirrored image)."""
    os.makedirs(directory, exist_ok=True)
    a = img.affine
    data = np.asarray(img.dataobj)
    if data.ndim == 3:
        data = data[..., np.newaxis]
    nx, ny, nz, nt = data.shape
    dc, dr = np.linalg.norm(a[:3, 0]), np.linalg.norm(a[:3, 1])
    x = np.array([-a[0, 0], -a[1, 0], a[2, 0]]) / dc
    y = np.array([a[0, 1], a[1, 1], -a[2, 1]]) / dr
    normal = np.cross(x, y)
    lps = np.diag([-1.0, -1.0, 1.0, 1.0]) @ a
    thickness = abs(float(lps[:3, 2] @ normal))
    study, series, frame = generate_uid(), generate_uid(), generate_uid()
    for t in range(nt):
        for k in range(nz):
            ipp = (lps @ np.array([0, ny - 1, k, 1.0]))[:3]
            plane = data[:, :, k, t].T  # rows = j, columns = i
            if not mirror_rows_only:
                plane = plane[::-1, :]
            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
            meta.MediaStorageSOPInstanceUID = generate_uid()
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds = Dataset()
            ds.file_meta = meta
            ds.SOPClassUID = meta.MediaStorageSOPClassUID
            ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
            ds.Modality = "MR"
            ds.PatientName, ds.PatientID = "Oracle^Test", "ORACLE"
            ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = study, series, frame
            ds.StudyDate, ds.StudyTime, ds.SeriesNumber = "20240101", "120000", 7
            ds.InstanceNumber = t * nz + k + 1
            ds.TemporalPositionIdentifier = t + 1
            ds.ImageType = ["DERIVED", "SECONDARY", "OTHER"]
            ds.ImagePositionPatient = ["%.8f" % v for v in ipp]
            ds.ImageOrientationPatient = ["%.10f" % v for v in list(x) + list(y)]
            ds.PixelSpacing = ["%.10f" % dr, "%.10f" % dc]
            ds.SliceThickness = "%.10f" % thickness
            ds.Rows, ds.Columns = ny, nx
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
            ds.PixelData = np.ascontiguousarray(plane.astype("<i2")).tobytes()
            ds.is_little_endian, ds.is_implicit_VR = True, False
            ds.save_as(os.path.join(directory, "%04d.dcm" % ds.InstanceNumber), write_like_original=False)


@pytest.mark.parametrize("name", ["gen_oblique_lh", "gen_oblique_rh", "gen_aniso_axial", "gen_sagittal",
                                  "gen_single_slice", "gen_4d", "gen_qform_only"])
def test_world_comparison_accepts_correct_and_rejects_mirrored(tmp_path, name):
    case = nifti_cases.CASES_BY_NAME[name]
    img = nib.load(case.materialize(str(tmp_path / "in")))
    _reference_series(img, str(tmp_path / "good"))
    conv = dicom_tools.run_dcm2niix(str(tmp_path / "good"), str(tmp_path / "good_out"))
    assert len(conv.niftis) == 1, conv.output
    back = nib.load(conv.niftis[0])
    cmp = dicom_tools.compare_world(img, back)
    assert cmp, cmp.report() + "\n" + conv.output

    _reference_series(img, str(tmp_path / "bad"), mirror_rows_only=True)
    conv = dicom_tools.run_dcm2niix(str(tmp_path / "bad"), str(tmp_path / "bad_out"))
    cmp = dicom_tools.compare_world(img, nib.load(conv.niftis[0]))
    assert not cmp, "a mirrored series was not detected"


def test_dcentvfy_reports_inconsistent_study(tmp_path):
    """dcentvfy must flag two instances of one study that disagree on the patient."""
    src = os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm")
    a = pydicom.dcmread(src)
    b = pydicom.dcmread(src)
    b.SOPInstanceUID = generate_uid()
    b.file_meta.MediaStorageSOPInstanceUID = b.SOPInstanceUID
    b.PatientName = "Someone^Else"
    b.PatientBirthDate = "19991231"
    c = pydicom.dcmread(src)
    c.SOPInstanceUID = generate_uid()
    c.file_meta.MediaStorageSOPInstanceUID = c.SOPInstanceUID
    c.InstanceNumber = 2
    pa, pb, pc = str(tmp_path / "a.dcm"), str(tmp_path / "b.dcm"), str(tmp_path / "c.dcm")
    a.save_as(pa)
    b.save_as(pb)
    c.save_as(pc)
    consistent = dicom_tools.run_dcentvfy([pa, pc])
    assert not consistent.errors, consistent.output
    v = dicom_tools.run_dcentvfy([pa, pb])
    assert v.errors, v.output
