"""Registration through "ReferenceSeries": a classic MR series made here with pydicom (12 axial 64x64 slices,
1x1 mm pixels, 2 mm apart, its own FrameOfReferenceUID, in a new study) is exported by orthanc-neuro
(GET /series/{id}/nifti, a NIfTI in scanner space) and imported back with "ReferenceSeries": the new series must
share the frame of reference, lie slice for slice on the source slices and list the source instances in
ReferencedSeriesSequence. A NIfTI that is not in scanner space (code 2) or lies elsewhere gets a new frame of
reference and a warning; a reference from another study is refused (400), an unknown one is not found (404)."""

import collections
import os
import re

import numpy as np
import nibabel as nib
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import dicom_tools
from conftest import dataset_bytes

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
PARAMETRIC_MAP_STORAGE = "1.2.840.10008.5.1.4.1.1.30"
SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"

SLICES, SIZE, SLICE_GAP = 12, 64, 2.0
ORIGIN = (-31.5, -40.25, -10.0)        # IPP of the first slice (LPS, mm)
POSITION_TOL_MM = 1e-3
FOR_WARNING = re.compile(r"frame of reference", re.IGNORECASE)


# --------------------------------------------------------------------------- the source series
def _image(patient, study_uid, series_uid, for_uid, sop_class, modality, number, ipp, rows, columns, pixels,
           series_number):
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = patient + ("19800101", "F")
    ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime, ds.StudyID = study_uid, "20240102", "101500", "REF1"
    ds.AccessionNumber, ds.ReferringPhysicianName = "ACC-REF", ""
    ds.SeriesInstanceUID, ds.SeriesNumber, ds.Modality = series_uid, series_number, modality
    ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = for_uid, ""
    ds.InstanceNumber = number
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.ImagePositionPatient = [float(v) for v in ipp]
    ds.PixelSpacing = [1, 1]
    ds.SliceThickness = SLICE_GAP
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    if modality == "MR":
        ds.ScanningSequence, ds.SequenceVariant, ds.MRAcquisitionType = "SE", "NONE", "2D"
        ds.EchoTime, ds.RepetitionTime = 20, 500
    else:
        ds.RescaleIntercept, ds.RescaleSlope, ds.KVP = -1024, 1, 120
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<i2").tobytes()
    return ds


def source_pixels(k):
    """Asymmetric content: any flip or transposition changes it."""
    r, c = np.mgrid[0:SIZE, 0:SIZE]
    return ((r * 7 + c * 3 + k * 50 + (r * c) % 11) % 1000 + (r < 5) * 1500).astype(np.int16)


class Source:
    """The study made for these tests: the MR source series and a far-away single-slice CT series."""

    def __init__(self, orthanc, parents, directory):
        self.patient = ("Registration^Test", "REG-%s" % generate_uid()[-8:])
        self.study_uid = generate_uid()
        self.series_uid = generate_uid()
        self.for_uid = generate_uid()
        self.datasets = []
        self.paths = []
        os.makedirs(directory, exist_ok=True)
        for k in range(SLICES):
            ipp = (ORIGIN[0], ORIGIN[1], ORIGIN[2] + SLICE_GAP * k)
            ds = _image(self.patient, self.study_uid, self.series_uid, self.for_uid, MR_IMAGE_STORAGE, "MR",
                        k + 1, ipp, SIZE, SIZE, source_pixels(k), 3)
            if k == 0:   # registered as a parent study of the session (tests that list every study know it)
                parent = parents.upload("REFERENCE_SOURCE", ds)
                answer = {"ParentStudy": parent.orthanc_id, "ParentSeries": parent.series_id}
            else:
                answer = orthanc.upload_dicom(dataset_bytes(ds))
            self.datasets.append(ds)
            path = os.path.join(directory, "source-%02d.dcm" % k)
            ds.save_as(path, write_like_original=False)
            self.paths.append(path)
        self.study_id = answer["ParentStudy"]
        self.series_id = answer["ParentSeries"]
        self.sop_uids = {str(ds.SOPInstanceUID) for ds in self.datasets}
        # A CT series of the same study, 1 m away from the MR volume (and from every NIfTI of these tests)
        self.ct_uid = generate_uid()
        ct = _image(self.patient, self.study_uid, self.ct_uid, generate_uid(), CT_IMAGE_STORAGE, "CT", 1,
                    (1000.0, 1000.0, 1000.0), 16, 16, np.zeros((16, 16)), 4)
        self.ct_series_id = orthanc.upload_dicom(dataset_bytes(ct))["ParentSeries"]
        assert self.study_id == orthanc.get_json("/series/%s" % self.ct_series_id)["ParentStudy"]


@pytest.fixture(scope="module")
def source(orthanc, parents, tmp_path_factory):
    return Source(orthanc, parents, str(tmp_path_factory.mktemp("reference-source")))


@pytest.fixture(scope="module")
def neuro(orthanc, source):
    """orthanc-neuro's NIfTI of the source series, with sform/qform codes set to 1 (SCANNER_ANAT) as a
    scanner-space pipeline output declares them."""
    r = orthanc.get("/series/%s/nifti" % source.series_id)
    assert r.status == 200, "orthanc-neuro could not export the source series: %s" % r.describe(500)
    img = nib.Nifti1Image.from_bytes(dicom_tools.gunzip_if_gzip(r.body))
    print("orthanc-neuro's export: shape %s, %s, sform_code %d, qform_code %d\n%s"
          % (img.shape, img.get_data_dtype(), img.header["sform_code"], img.header["qform_code"],
             np.round(img.affine, 4)))
    assert img.shape[:3] == (SIZE, SIZE, SLICES), "orthanc-neuro exported %s" % (img.shape,)
    return with_codes(img, 1, 1)


def with_codes(img, sform_code, qform_code, shift=(0.0, 0.0, 0.0), data=None):
    """A copy of `img` (optionally with other voxels) with the given transform codes, translated by `shift` (RAS mm)."""
    affine = np.array(img.affine, dtype=np.float64)
    affine[:3, 3] += shift
    out = nib.Nifti1Image(np.asarray(img.dataobj) if data is None else data, affine)
    out.set_sform(affine, code=sform_code)
    out.set_qform(affine, code=qform_code)
    out.header.set_xyzt_units("mm", "sec")
    return out


def study_content(orthanc, study_id):
    return (sorted(orthanc.get_json("/studies/%s" % study_id)["Series"]),
            len(orthanc.get_json("/studies/%s/instances" % study_id)))


class Imported:
    def __init__(self, orthanc, source, img, fields, directory):
        self.orthanc = orthanc
        self.img = img
        self.fields = fields
        self.response = orthanc.nifti_import(img.to_bytes(), source.study_id, **fields)
        self.answer = self.response.json_or_none() if self.response.ok else None
        self.directory = directory
        self._paths = None

    def require_success(self):
        assert self.response.status == 200, "import failed: %s" % self.response.describe()
        return self.answer

    @property
    def warnings(self):
        w = self.require_success().get("Warnings")
        assert isinstance(w, list), "Warnings: %r" % (w,)
        return w

    @property
    def paths(self):
        if self._paths is None:
            self.require_success()
            os.makedirs(self.directory, exist_ok=True)
            self._paths = []
            for n, iid in enumerate(self.orthanc.get_json("/series/%s" % self.answer["ID"])["Instances"]):
                path = os.path.join(self.directory, "%03d.dcm" % n)
                with open(path, "wb") as f:
                    f.write(self.orthanc.get_bytes("/instances/%s/file" % iid))
                self._paths.append(path)
        return self._paths

    @property
    def datasets(self):
        return [pydicom.dcmread(p) for p in self.paths]


def _pm(img):
    return with_codes(img, 1, 1, data=np.asarray(img.dataobj).astype(np.float32) * np.float32(0.001))


def _seg(img):
    values = np.asarray(img.dataobj)
    return with_codes(img, 1, 1, data=((values > 600).astype(np.uint8) + (values > 900).astype(np.uint8)))


VARIANTS = collections.OrderedDict([
    # name: (image from the neuro NIfTI, request fields, same frame of reference expected)
    ("classic", (lambda img: img, {}, True)),
    ("parametric_map", (_pm, {"Type": "ParametricMap"}, True)),
    ("segmentation", (_seg, {"Type": "Segmentation"}, True)),
    ("qform_only_scanner", (lambda img: with_codes(img, 0, 1), {}, True)),
    ("half_overlap", (lambda img: with_codes(img, 1, 1, shift=(0.0, 0.0, SLICE_GAP * SLICES / 2)), {}, True)),
    ("aligned_code_2", (lambda img: with_codes(img, 2, 2), {}, False)),
    ("sform_2_wins_over_qform_1", (lambda img: with_codes(img, 2, 1), {}, False)),
    ("far_away", (lambda img: with_codes(img, 1, 1, shift=(0.0, 0.0, 1000.0)), {}, False)),
])


@pytest.fixture(scope="module")
def imported(orthanc, source, neuro, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("reference-imports"))
    cache = {}

    def get(name):
        if name not in cache:
            make, fields, _same = VARIANTS[name]
            cache[name] = Imported(orthanc, source, make(neuro),
                                   dict(fields, ReferenceSeries=source.series_id, SeriesDescription=name),
                                   os.path.join(root, name))
        return cache[name]
    return get


# --------------------------------------------------------------------------- checks
def frame_positions(ds):
    """[(IPP, IOP)] of every frame (classic: one)."""
    if "PerFrameFunctionalGroupsSequence" in ds:
        result = []
        for f in range(int(ds.NumberOfFrames)):
            ipp, iop, _spacing = dicom_tools.frame_geometry(ds, f)
            result.append((np.array(ipp), np.array(iop)))
        return result
    return [(np.array([float(v) for v in ds.ImagePositionPatient]),
             np.array([float(v) for v in ds.ImageOrientationPatient]))]


def check_references(ds, source):
    refs = ds.get("ReferencedSeriesSequence")
    assert refs is not None and len(refs) == 1, "ReferencedSeriesSequence: %s" % refs
    assert str(refs[0].SeriesInstanceUID) == source.series_uid, \
        "ReferencedSeriesSequence names %s, the source is %s" % (refs[0].SeriesInstanceUID, source.series_uid)
    items = refs[0].get("ReferencedInstanceSequence") or []
    listed = [str(i.ReferencedSOPInstanceUID) for i in items]
    assert sorted(listed) == sorted(source.sop_uids), \
        "ReferencedInstanceSequence lists %d instances (%d of the source's %d)" % (
            len(listed), len(set(listed) & source.sop_uids), len(source.sop_uids))
    classes = {str(i.ReferencedSOPClassUID) for i in items}
    assert classes == {MR_IMAGE_STORAGE}, "ReferencedSOPClassUID %s" % classes


@pytest.mark.parametrize("name", list(VARIANTS))
def test_frame_of_reference_and_references(imported, source, name):
    out = imported(name)
    same = VARIANTS[name][2]
    warnings = out.warnings
    print("%s: Warnings %s" % (name, warnings))
    datasets = out.datasets
    fors = {str(ds.FrameOfReferenceUID) for ds in datasets}
    assert len(fors) == 1, "several FrameOfReferenceUIDs in one series: %s" % fors
    for_uid = fors.pop()
    assert dicom_tools.valid_uid(for_uid), "FrameOfReferenceUID %r" % for_uid
    for_warnings = [w for w in warnings if FOR_WARNING.search(w)]
    if same:
        assert for_uid == source.for_uid, \
            "%s: the NIfTI is in the source's scanner space and overlaps it; FrameOfReferenceUID %s should be " \
            "the source's %s (Warnings %s)" % (name, for_uid, source.for_uid, warnings)
        assert not for_warnings, "no frame-of-reference warning expected: %s" % for_warnings
    else:
        assert for_uid != source.for_uid, "%s: the source's FrameOfReferenceUID must not be reused" % name
        assert for_warnings, "%s: a warning should say why the frame of reference is new: %s" % (name, warnings)
    for ds in datasets:
        check_references(ds, source)


@pytest.mark.parametrize("name", ["classic", "parametric_map", "segmentation", "qform_only_scanner"])
def test_slices_lie_on_the_source_slices(imported, source, name):
    """Slice for slice, the same ImagePositionPatient (within 1e-3 mm) and ImageOrientationPatient."""
    out = imported(name)
    source_ipps = np.array([[float(v) for v in ds.ImagePositionPatient] for ds in source.datasets])
    source_iop = np.array([float(v) for v in source.datasets[0].ImageOrientationPatient])
    positions = [p for ds in out.datasets for p in frame_positions(ds)]
    problems = []
    matched = set()
    for n, (ipp, iop) in enumerate(positions):
        d = np.max(np.abs(source_ipps - ipp), axis=1)
        k = int(np.argmin(d))
        if d[k] > POSITION_TOL_MM:
            problems.append("slice/frame %d: IPP %s is %.4g mm from the nearest source slice %s"
                            % (n, ipp.tolist(), d[k], source_ipps[k].tolist()))
        matched.add(k)
        if np.max(np.abs(iop - source_iop)) > 1e-5:
            problems.append("slice/frame %d: IOP %s, the source has %s" % (n, iop.tolist(), source_iop.tolist()))
    assert not problems, "\n".join(problems[:10])
    if name in ("classic", "parametric_map", "qform_only_scanner"):
        assert len(positions) == SLICES and matched == set(range(SLICES)), \
            "%d slices matched %d distinct source slices" % (len(positions), len(matched))


def test_classic_pixels_equal_the_source(imported, source):
    out = imported("classic")
    by_position = {tuple(np.round([float(v) for v in ds.ImagePositionPatient], 2)): ds for ds in source.datasets}
    for ds in out.datasets:
        key = tuple(np.round([float(v) for v in ds.ImagePositionPatient], 2))
        assert key in by_position, "no source slice at %s" % (key,)
        values = ds.pixel_array.astype(np.float64) * float(ds.get("RescaleSlope", 1)) + \
            float(ds.get("RescaleIntercept", 0))
        expected = by_position[key].pixel_array.astype(np.float64)
        assert np.array_equal(values, expected), "slice at %s: %d pixels differ from the source" % (
            key, (values != expected).sum())


@pytest.mark.parametrize("name", ["classic", "parametric_map", "segmentation"])
def test_validators_with_the_source(imported, source, name):
    out = imported(name)
    paths = out.paths
    bad = [v for v in dicom_tools.run_dciodvfy_all(paths[:3]) if v.errors]
    assert not bad, "dciodvfy errors (%s):\n%s" % (bad[0].path, "\n".join(bad[0].errors))
    e = dicom_tools.run_dcentvfy(paths + source.paths)
    assert not e.errors, "dcentvfy errors across the new series and its source:\n%s" % "\n".join(e.errors)


def test_modality_follows_the_reference(orthanc, source, neuro, tmp_path_factory):
    """The study holds MR and CT: with the CT series as reference and no "Modality", the new series is CT;
    an explicit "Modality" still wins."""
    root = str(tmp_path_factory.mktemp("reference-modality"))
    ct = Imported(orthanc, source, neuro, {"ReferenceSeries": source.ct_series_id}, os.path.join(root, "ct"))
    classes = {str(ds.SOPClassUID) for ds in ct.datasets}
    assert classes == {CT_IMAGE_STORAGE}, "reference CT, no Modality: SOP classes %s (Warnings %s)" % (
        classes, ct.warnings)
    assert {str(ds.Modality) for ds in ct.datasets} == {"CT"}
    assert any(FOR_WARNING.search(w) for w in ct.warnings), \
        "the CT lies 1 m away: a new frame of reference and a warning are expected: %s" % ct.warnings
    mr = Imported(orthanc, source, neuro, {"ReferenceSeries": source.ct_series_id, "Modality": "MR"},
                  os.path.join(root, "mr"))
    assert {str(ds.SOPClassUID) for ds in mr.datasets} == {MR_IMAGE_STORAGE}


@pytest.mark.parametrize("which, status", [("other_study", 400), ("unknown", 404)])
def test_bad_reference_is_refused_and_stores_nothing(orthanc, parents, source, neuro, which, status):
    reference = parents["MR"].series_id if which == "other_study" else "0a1b2c3d-00000000-deadbeef-00000000-12345678"
    before = study_content(orthanc, source.study_id)
    r = orthanc.nifti_import(neuro.to_bytes(), source.study_id, ReferenceSeries=reference)
    print(r.describe(500))
    assert r.status == status, "ReferenceSeries %s (%s): HTTP %d expected, got %s" % (
        reference, which, status, r.describe())
    after = study_content(orthanc, source.study_id)
    assert after == before, "refused, but the study changed: %d -> %d series, %d -> %d instances" % (
        len(before[0]), len(after[0]), before[1], after[1])
