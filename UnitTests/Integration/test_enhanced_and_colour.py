"""Two multi-frame outputs of POST /nifti/import:

* "Type": "EnhancedMR": one Enhanced MR Image instance (1.2.840.10008.5.1.4.1.1.4.1) holding the 16-bit pixels the
  classic MR encoding would give, rescaled by the shared PixelValueTransformationSequence;
* colour: a NIfTI of datatype RGB24 (128) becomes one Enhanced MR Color Image instance (1.2.840.10008.5.1.4.1.1.4.3),
  RGB, 8 bits, PlanarConfiguration 0, with an ICC profile, whatever "Type" (Classic, Auto, EnhancedMR or none);
  ParametricMap / Segmentation of RGB data and RGBA32 data are refused without storing anything.

Every stored instance is decoded here with numpy from its raw Pixel Data, and each pixel is placed in space through
the frame's own functional groups (IPP, IOP, PixelSpacing -> LPS -> RAS -> inverse NIfTI affine): the voxel it lands
on must hold the same value. Frame order (t-major), FrameContentSequence indices, geometry against the affine, the
parent study's patient/study attributes and dciodvfy / dcentvfy are checked too.
"""

import collections

import nibabel as nib
import numpy as np
import pydicom
import pytest

import dicom_tools
from conftest import ModuleImport, ModuleImports, fresh_copy, upload_module_parent
from nifti_cases import as_int, lh_affine, make_affine, nifti1, phantom, rh_affine, rotation

ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
ENHANCED_MR_COLOR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.3"
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"

NIFTI_TYPE_RGB24 = 128
NIFTI_TYPE_RGBA32 = 2304
RGB_DTYPE = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
RGBA_DTYPE = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1"), ("A", "u1")])

# Patient and study attributes of the parent, which the new series must repeat
PARENT_ATTRIBUTES = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyDate",
                     "StudyTime", "StudyID", "AccessionNumber", "ReferringPhysicianName", "StudyDescription")


# --------------------------------------------------------------------------- inputs
def _img_bytes(img, datatype=None):
    raw = img.to_bytes()
    check = nib.Nifti1Image.from_bytes(raw)
    if datatype is not None:
        assert int(check.header["datatype"]) == datatype, \
            "test input: nibabel wrote datatype %s, wanted %d" % (check.header["datatype"], datatype)
    return raw


def build_emr_i16_3d():
    """int16 with negative values (PixelRepresentation 1), oblique left-handed affine."""
    data = as_int(phantom((21, 17, 7), seed=71, low=-1500, high=2800), np.int16)
    data[0, 0, 0], data[20, 16, 6] = -32768, 32767       # the extremes of int16, first/last voxel
    return _img_bytes(nifti1(data, lh_affine(zooms=(0.9, 1.3, 2.2))))


def build_emr_i16_4d():
    shape = (15, 12, 5, 3)
    data = as_int(phantom(shape, seed=72, low=-700, high=4000), np.int16)
    affine = make_affine(rotation(-9.0, 14.0, 31.0), (-1.1, 1.6, 2.7), (28.4, -13.2, 51.9))
    img = nifti1(data, affine)
    img.header.set_xyzt_units("mm", "sec")
    zooms = list(img.header.get_zooms())
    zooms[3] = 2.5
    img.header.set_zooms(zooms)
    return _img_bytes(img)


def build_emr_u16_3d():
    """uint16 beyond 32767: unsigned pixels (PixelRepresentation 0), exact."""
    data = as_int(phantom((13, 19, 4), seed=73, low=0, high=65535), np.uint16)
    data[12, 0, 3] = 65535
    return _img_bytes(nifti1(data, rh_affine(zooms=(1.2, 0.8, 3.0))))


def build_emr_f32_3d():
    data = phantom((19, 14, 6), seed=74, low=-2.75, high=913.4).astype(np.float32)
    return _img_bytes(nifti1(data, rh_affine(zooms=(1.0, 1.4, 2.0))))


def rgb_volume(shape, seed):
    """Random colours: every channel of every voxel independent (any flip, transposition or channel swap shows)."""
    rng = np.random.default_rng(seed)
    data = np.zeros(shape, RGB_DTYPE)
    for channel in "RGB":
        data[channel] = rng.integers(0, 256, size=shape, dtype=np.uint8)
    data[0, 0, 0] = (255, 0, 0)
    data[-1, -1, -1] = (0, 0, 255)
    return data


def build_rgb_3d():
    return _img_bytes(nifti1(rgb_volume((13, 10, 5), 75), lh_affine(zooms=(0.8, 1.1, 2.4))), NIFTI_TYPE_RGB24)


def build_rgb_4d():
    affine = make_affine(rotation(7.0, -11.0, 19.0), (-1.3, 0.9, 2.1), (-17.5, 33.1, -8.4))
    img = nifti1(rgb_volume((11, 9, 4, 3), 76), affine)
    return _img_bytes(img, NIFTI_TYPE_RGB24)


def build_rgb_odd():
    """An odd number of pixel bytes (3 x 5 x 7 x 3): Pixel Data needs a pad byte."""
    return _img_bytes(nifti1(rgb_volume((5, 7, 3), 77), rh_affine(zooms=(1.0, 1.0, 1.5))), NIFTI_TYPE_RGB24)


def build_rgba():
    rng = np.random.default_rng(78)
    data = np.zeros((8, 6, 3), RGBA_DTYPE)
    for channel in "RGBA":
        data[channel] = rng.integers(0, 256, size=data.shape, dtype=np.uint8)
    return _img_bytes(nifti1(data, rh_affine(zooms=(1.0, 1.0, 1.0))), NIFTI_TYPE_RGBA32)


EMR = {"Type": "EnhancedMR"}

# name -> (builder, request fields, kind)
CASES = collections.OrderedDict([
    ("emr_i16_3d", (build_emr_i16_3d, dict(EMR, SeriesDescription="Enhanced int16"), "emr")),
    ("emr_i16_4d", (build_emr_i16_4d, EMR, "emr")),
    ("emr_u16_3d", (build_emr_u16_3d, EMR, "emr")),
    ("emr_f32_3d", (build_emr_f32_3d, EMR, "emr")),
    ("classic_i16_3d", (build_emr_i16_3d, {"Type": "Classic"}, "classic")),
    ("classic_f32_3d", (build_emr_f32_3d, {}, "classic")),
    ("rgb_3d", (build_rgb_3d, {}, "rgb")),
    ("rgb_3d_classic", (build_rgb_3d, {"Type": "Classic"}, "rgb")),
    ("rgb_3d_auto", (build_rgb_3d, {"Type": "Auto"}, "rgb")),
    ("rgb_3d_enhanced", (build_rgb_3d, EMR, "rgb")),
    ("rgb_4d", (build_rgb_4d, {}, "rgb")),
    ("rgb_odd", (build_rgb_odd, {"Type": "EnhancedMR"}, "rgb")),
])

EMR_CASES = [n for n, c in CASES.items() if c[2] == "emr"]
RGB_CASES = [n for n, c in CASES.items() if c[2] == "rgb"]
MULTIFRAME_CASES = EMR_CASES + RGB_CASES
VALIDATED_CASES = EMR_CASES + ["rgb_3d", "rgb_4d", "rgb_odd"]


# --------------------------------------------------------------------------- imports (one per case per module)
class Output(ModuleImport):
    def __init__(self, name, orthanc, study, workdir):
        builder, fields, self.kind = CASES[name]
        ModuleImport.__init__(self, name, orthanc, study, workdir, builder(), fields)

    def raw(self):
        """The NIfTI's stored values, always 4D (numeric: scaled float64 via get_fdata; RGB: the structured array)."""
        if self.original.get_data_dtype() == RGB_DTYPE:
            d = np.asarray(self.original.dataobj)
        else:
            d = np.asarray(self.original.get_fdata(dtype=np.float64))
        return d if d.ndim == 4 else d[..., None]


@pytest.fixture(scope="module")
def study(parents, tmp_path_factory):
    """A fresh MR parent study of this module (the refusal tests count its series); .path is its file."""
    ds = fresh_copy("MR_small.dcm", "ENH-COLOUR-7", "Enhanced^Colour^Seven")
    ds.PatientBirthDate = "19610203"
    ds.AccessionNumber = "ACC-ENH-7"
    ds.ReferringPhysicianName = "Referring^Doctor"
    ds.StudyDescription = "Enhanced and colour"
    ds.StudyID = "ENH7"
    return upload_module_parent(parents, "ENHANCED_COLOUR", ds, tmp_path_factory.mktemp("enhanced-colour-parent"))


@pytest.fixture(scope="module")
def outputs(orthanc, study, tmp_path_factory):
    return ModuleImports(lambda name, workdir: Output(name, orthanc, study, workdir),
                         str(tmp_path_factory.mktemp("enhanced-colour")))


# --------------------------------------------------------------------------- decoding
def shared_rescale(ds):
    """(slope, intercept) from SharedFunctionalGroupsSequence[0].PixelValueTransformationSequence[0]."""
    shared = ds.SharedFunctionalGroupsSequence[0]
    assert "PixelValueTransformationSequence" in shared, \
        "no PixelValueTransformationSequence in the shared functional groups (has %s)" % [e.keyword for e in shared]
    item = shared.PixelValueTransformationSequence[0]
    return float(item.RescaleSlope), float(item.RescaleIntercept)


# --------------------------------------------------------------------------- geometry
def frame_content(ds, frame):
    return dicom_tools.functional_group(ds, frame, "FrameContentSequence")


def as_int_list(value):
    """A multi-valued element as a list of ints (pydicom gives a bare value when VM is 1)."""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [int(v) for v in value]
    return [int(value)]


def expected_div(frame, nz, nt):
    """Stack, position in the stack[, temporal position]: the order of Philips and Siemens XA Enhanced MR."""
    t, k = divmod(frame, nz)
    return [1, k + 1, t + 1] if nt > 1 else [1, k + 1]


def check_values_through_geometry(out, ds, frames, expected_of, compare):
    """For each frame f (t-major: slice f % nz of volume f // nz), place its pixels by its geometry; `compare(f, k, t,
    got, expected)` returns a problem or None, `expected_of(ri, rj, k, t)` gives the voxels there."""
    data = out.raw()
    nx, ny, nz, nt = data.shape[:4]
    assert frames.shape[0] == nz * nt, "%d frames, the volume has %d slices x %d time points" % (
        frames.shape[0], nz, nt)
    problems = []
    for f in range(frames.shape[0]):
        ri, rj, k = dicom_tools.locate_frame(ds, f, out.original.affine, (nx, ny, nz))
        t_want, k_want = divmod(f, nz)
        if k != k_want:
            problems.append("frame %d lies on slice k=%d; t-major order (frame = t*nz + k) wants k=%d"
                            % (f, k, k_want))
        if nt > 1:
            tpi = dicom_tools.temporal_position_index(ds, f)
            if tpi != t_want + 1:
                problems.append("frame %d: TemporalPositionIndex %s, t-major order wants %d" % (f, tpi, t_want + 1))
        problem = compare(f, k, t_want, frames[f], expected_of(ri, rj, k, t_want), (ri, rj))
        if problem:
            problems.append(problem)
        if len(problems) > 8:
            break
    return problems


def geometry_problems(ds, affine, nz):
    """Per-frame IPP = LPS of voxel (0, ny-1, k) for k = frame % nz; IOP and PixelSpacing as the affine prescribes;
    PlanePosition and PlaneOrientation per frame (with which dcm2niix keeps 4D frames in order), PixelMeasures
    shared."""
    problems = []
    ny = int(ds.Rows)
    shared = ds.SharedFunctionalGroupsSequence[0]
    if "PixelMeasuresSequence" not in shared:
        problems.append("PixelMeasuresSequence should be a shared functional group (shared has %s)"
                        % [e.keyword for e in shared])
    if "PlaneOrientationSequence" in shared:
        problems.append("PlaneOrientationSequence should be in every frame, not shared")
    per_frame = ds.PerFrameFunctionalGroupsSequence
    if len(per_frame) != int(ds.NumberOfFrames):
        problems.append("PerFrameFunctionalGroupsSequence has %d items for %s frames" % (
            len(per_frame), ds.NumberOfFrames))
    for f in range(int(ds.NumberOfFrames)):
        if f < len(per_frame) and ("PlanePositionSequence" not in per_frame[f] or
                                   "PlaneOrientationSequence" not in per_frame[f]):
            problems.append("frame %d: no per-frame PlanePositionSequence or PlaneOrientationSequence" % f)
            continue
        problems += dicom_tools.frame_plane_problems(ds, f, affine, ny, f % nz)
    return problems


# --------------------------------------------------------------------------- common to both outputs
@pytest.mark.parametrize("name", MULTIFRAME_CASES)
def test_stored_in_parent_study_with_its_attributes(orthanc, outputs, study, name):
    out = outputs(name)
    ds = out.single()
    series = orthanc.get_json("/series/%s" % out.answer["ID"])
    assert series["ParentStudy"] == study.orthanc_id, "series %s is in study %s, not the parent %s" % (
        out.answer["ID"], series["ParentStudy"], study.orthanc_id)
    assert out.answer["ID"] in orthanc.get_json("/studies/%s" % study.orthanc_id)["Series"]
    assert str(ds.SeriesInstanceUID) != study.series_uid, "the parent's SeriesInstanceUID was reused"
    assert dicom_tools.valid_uid(str(ds.SOPInstanceUID)) and dicom_tools.valid_uid(str(ds.SeriesInstanceUID))
    differ = ["%s: %r, parent %r" % (k, str(ds.get(k)), str(study.dataset.get(k)))
              for k in PARENT_ATTRIBUTES if str(ds.get(k, "")) != str(study.dataset.get(k, ""))]
    assert not differ, "patient/study attributes differ from the parent's:\n" + "\n".join(differ)
    assert str(ds.Modality) == "MR", "Modality %s" % ds.Modality
    assert str(ds.ImageType[0]) == "DERIVED", "ImageType %s should start DERIVED" % list(ds.ImageType)


@pytest.mark.parametrize("name", MULTIFRAME_CASES)
def test_geometry_and_dimension_indices(outputs, name):
    out = outputs(name)
    ds = out.single()
    nx, ny, nz, nt = out.raw().shape[:4]
    assert (int(ds.Rows), int(ds.Columns)) == (ny, nx), "Rows x Columns %s x %s, the slices are %d x %d" % (
        ds.Rows, ds.Columns, ny, nx)
    assert int(ds.NumberOfFrames) == nz * nt
    problems = geometry_problems(ds, out.original.affine, nz)
    for f in range(int(ds.NumberOfFrames)):
        content = frame_content(ds, f)
        div = as_int_list(content.DimensionIndexValues) if content is not None and \
            "DimensionIndexValues" in content else None
        if div != expected_div(f, nz, nt):
            problems.append("frame %d: DimensionIndexValues %s, expected %s" % (f, div, expected_div(f, nz, nt)))
        if nt > 1:
            tpi = dicom_tools.temporal_position_index(ds, f)
            if tpi != f // nz + 1:
                problems.append("frame %d: TemporalPositionIndex %s, expected %d" % (f, tpi, f // nz + 1))
    assert not problems, "%s:\n%s" % (name, "\n".join(problems[:12]))
    dims = ds.DimensionIndexSequence
    assert len(dims) == (3 if nt > 1 else 2), "DimensionIndexSequence has %d items for a %dD volume" % (
        len(dims), 4 if nt > 1 else 3)
    pointers = [(d.DimensionIndexPointer, d.FunctionalGroupPointer) for d in dims]
    frame_content_tag = pydicom.tag.Tag("FrameContentSequence")
    expected = [pydicom.tag.Tag(k) for k in ("StackID", "InStackPositionNumber", "TemporalPositionIndex")][:len(dims)]
    assert pointers == [(e, frame_content_tag) for e in expected], "dimensions: %s" % pointers


@pytest.mark.parametrize("name", VALIDATED_CASES)
def test_dciodvfy_has_no_errors(outputs, name):
    out = outputs(name)
    out.single()
    dicom_tools.assert_dciodvfy_clean(out.files[0], name)


@pytest.mark.parametrize("name", VALIDATED_CASES)
def test_dcentvfy_with_parent_is_clean(outputs, study, name):
    out = outputs(name)
    out.single()
    dicom_tools.assert_dcentvfy_clean(out.files[0], study.path, name)


# --------------------------------------------------------------------------- Enhanced MR
@pytest.mark.parametrize("name", EMR_CASES)
def test_enhanced_mr_attributes(outputs, name):
    out = outputs(name)
    ds = out.single()
    assert str(ds.SOPClassUID) == ENHANCED_MR_STORAGE, "SOPClassUID %s for %s" % (ds.SOPClassUID, out.fields)
    assert str(ds.file_meta.MediaStorageSOPClassUID) == ENHANCED_MR_STORAGE
    assert int(ds.SamplesPerPixel) == 1 and str(ds.PhotometricInterpretation) == "MONOCHROME2"
    assert int(ds.BitsAllocated) == 16, "BitsAllocated %s" % ds.BitsAllocated
    data = out.raw()
    kind = out.original.get_data_dtype().kind
    if kind in "iu":
        signed = bool(data.min() < 0)
        assert int(ds.PixelRepresentation) == (1 if signed else 0), \
            "%s data in [%g, %g]: PixelRepresentation %s" % (out.original.get_data_dtype(), data.min(), data.max(),
                                                             ds.PixelRepresentation)
    assert "PixelData" in ds and "FloatPixelData" not in ds and "DoubleFloatPixelData" not in ds
    assert "RescaleSlope" not in ds, "RescaleSlope belongs in the functional groups of an Enhanced MR instance"
    shared_rescale(ds)   # present


@pytest.mark.parametrize("name", EMR_CASES)
def test_enhanced_mr_values_through_geometry(outputs, name):
    """Each pixel, rescaled by the shared Pixel Value Transformation and placed by the frame's geometry, holds the
    NIfTI's value there: exactly for integer data, within RescaleSlope/2 for float data."""
    out = outputs(name)
    ds = out.single()
    frames = dicom_tools.mono16_frames(ds)
    slope, intercept = shared_rescale(ds)
    is_float = out.original.get_data_dtype().kind == "f"
    tolerance = slope / 2 * (1 + 1e-6) + 1e-9 if is_float else 0.0
    worst = [0.0]

    def compare(f, k, t, got, expected, where):
        real = got.astype(np.float64) * slope + intercept
        err = np.abs(real - expected)
        worst[0] = max(worst[0], float(err.max()))
        bad = err > tolerance
        if bad.any():
            r, c = np.argwhere(bad)[0]
            return ("frame %d (k=%d, t=%d): %d pixels differ by more than %.6g; first row %d col %d: pixel %d -> %.9g, "
                    "voxel (%d, %d, %d, %d) = %.9g" % (f, k, t, bad.sum(), tolerance, r, c, got[r, c], real[r, c],
                                                       where[0][r, c], where[1][r, c], k, t, expected[r, c]))
        return None

    data = out.raw()
    problems = check_values_through_geometry(out, ds, frames, lambda ri, rj, k, t: data[ri, rj, k, t], compare)
    print("%s: RescaleSlope %.9g, RescaleIntercept %.9g, largest error %.6g" % (name, slope, intercept, worst[0]))
    assert not problems, "%s:\n%s" % (name, "\n".join(problems))
    if not is_float:
        assert worst[0] == 0.0


@pytest.mark.parametrize("name,classic", [("emr_i16_3d", "classic_i16_3d"), ("emr_f32_3d", "classic_f32_3d")])
def test_enhanced_mr_pixels_equal_the_classic_encoding(outputs, name, classic):
    """The same NIfTI imported as classic MR slices: frame k of the Enhanced MR instance has the stored pixels,
    rescale and pixel format of the classic slice k (InstanceNumber k+1)."""
    out, ref = outputs(name), outputs(classic)
    ds = out.single()
    frames = dicom_tools.mono16_frames(ds)
    slope, intercept = shared_rescale(ds)
    slices = ref.datasets
    nz = out.original.shape[2]
    assert len(slices) == nz and {str(s.SOPClassUID) for s in slices} == {MR_IMAGE_STORAGE}, \
        "the classic import should give %d MR Image slices: %s" % (nz, [str(s.SOPClassUID) for s in slices])
    problems = []
    for s in sorted(slices, key=lambda s: int(s.InstanceNumber)):
        k = int(s.InstanceNumber) - 1
        for keyword in ("BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation"):
            if int(s.get(keyword)) != int(ds.get(keyword)):
                problems.append("%s: classic %s, enhanced %s" % (keyword, s.get(keyword), ds.get(keyword)))
        classic_slope = float(s.get("RescaleSlope", 1.0))
        classic_intercept = float(s.get("RescaleIntercept", 0.0))
        if (classic_slope, classic_intercept) != (slope, intercept):
            problems.append("slice %d: classic rescale %.12g/%.12g, enhanced %.12g/%.12g"
                            % (k, classic_slope, classic_intercept, slope, intercept))
        classic_pixels = dicom_tools.mono16_frames(s)[0]
        if classic_pixels.shape != frames[k].shape:
            problems.append("slice %d: classic %s pixels, enhanced frame %s" % (k, classic_pixels.shape,
                                                                                frames[k].shape))
        elif not np.array_equal(classic_pixels.astype(np.int64), frames[k].astype(np.int64)):
            bad = np.argwhere(classic_pixels.astype(np.int64) != frames[k].astype(np.int64))
            r, c = bad[0]
            problems.append("slice %d: %d stored pixels differ, first row %d col %d: classic %d, enhanced %d"
                            % (k, len(bad), r, c, classic_pixels[r, c], frames[k][r, c]))
    assert not problems, "\n".join(sorted(set(problems))[:12])


# --------------------------------------------------------------------------- colour
@pytest.mark.parametrize("name", RGB_CASES)
def test_colour_attributes(outputs, name):
    out = outputs(name)
    assert int(out.original.header["datatype"]) == NIFTI_TYPE_RGB24
    ds = out.single()
    assert str(ds.SOPClassUID) == ENHANCED_MR_COLOR_STORAGE, "SOPClassUID %s for RGB24 data and request %s" % (
        ds.SOPClassUID, out.fields)
    assert str(ds.file_meta.MediaStorageSOPClassUID) == ENHANCED_MR_COLOR_STORAGE
    found = {k: ds.get(k) for k in ("PhotometricInterpretation", "SamplesPerPixel", "PlanarConfiguration",
                                    "BitsAllocated", "BitsStored", "HighBit", "PixelRepresentation")}
    wanted = {"PhotometricInterpretation": "RGB", "SamplesPerPixel": 3, "PlanarConfiguration": 0,
              "BitsAllocated": 8, "BitsStored": 8, "HighBit": 7, "PixelRepresentation": 0}
    assert {k: (str(v) if isinstance(wanted[k], str) else v) for k, v in found.items()} == wanted, \
        "pixel module %s, expected %s" % (found, wanted)
    assert "ICCProfile" in ds, "no ICC Profile (0028,2000)"
    profile = bytes(ds.ICCProfile)
    assert len(profile) >= 132 and profile[36:40] == b"acsp", \
        "ICC Profile of %d bytes is not an ICC profile (no 'acsp' signature at byte 36)" % len(profile)
    assert int.from_bytes(profile[0:4], "big") in (len(profile), len(profile) - 1), \
        "the ICC header declares %d bytes, the element holds %d" % (int.from_bytes(profile[0:4], "big"), len(profile))
    assert profile[16:20] == b"RGB ", "ICC colour space %r, expected 'RGB '" % profile[16:20]
    assert "PixelValueTransformationSequence" not in ds.SharedFunctionalGroupsSequence[0], \
        "colour pixels are not rescaled"


@pytest.mark.parametrize("name", RGB_CASES)
def test_colour_values_through_geometry(outputs, name):
    """Each RGB pixel, placed by the frame's geometry, is exactly the voxel's RGB (channels in R, G, B order)."""
    out = outputs(name)
    ds = out.single()
    frames = dicom_tools.rgb_frames(ds)
    data = out.raw()
    rgb = np.stack([data["R"], data["G"], data["B"]], axis=-1)      # (nx, ny, nz, nt, 3)

    def compare(f, k, t, got, expected, where):
        bad = np.any(got != expected, axis=-1)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            return ("frame %d (k=%d, t=%d): %d of %d pixels differ; first row %d col %d: RGB %s, voxel (%d, %d, %d, %d)"
                    " = %s" % (f, k, t, bad.sum(), bad.size, r, c, got[r, c].tolist(), where[0][r, c],
                               where[1][r, c], k, t, expected[r, c].tolist()))
        return None

    problems = check_values_through_geometry(out, ds, frames, lambda ri, rj, k, t: rgb[ri, rj, k, t], compare)
    assert not problems, "%s:\n%s" % (name, "\n".join(problems))


def test_colour_pixel_data_is_the_nifti_bytes_in_frame_order(outputs):
    """Independently of the geometry: Pixel Data = for t, for k, for r: the RGB bytes of NIfTI row j = ny-1-r."""
    out = outputs("rgb_4d")
    ds = out.single()
    data = out.raw()
    nx, ny, nz, nt = data.shape
    rgb = np.stack([data["R"], data["G"], data["B"]], axis=-1)
    expected = bytearray()
    for t in range(nt):
        for k in range(nz):
            expected += np.ascontiguousarray(rgb[:, ::-1, k, t, :].transpose(1, 0, 2)).tobytes()
    raw = bytes(ds.PixelData)
    assert raw[:len(expected)] == bytes(expected), "Pixel Data differs from the NIfTI RGB bytes (first at byte %d)" % (
        next(i for i, (a, b) in enumerate(zip(raw, expected)) if a != b) if len(raw) >= len(expected) else -1)


# --------------------------------------------------------------------------- refusals
# name -> (builder, request fields, allowed statuses)
REFUSALS = collections.OrderedDict([
    ("rgb_parametric_map", (build_rgb_3d, {"Type": "ParametricMap"}, range(400, 500))),
    ("rgb_segmentation", (build_rgb_3d, {"Type": "Segmentation"}, range(400, 500))),
    ("rgba_default", (build_rgba, {}, (415,))),
    ("rgba_enhanced", (build_rgba, {"Type": "EnhancedMR"}, (415,))),
])


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_store_nothing(orthanc, study, name):
    builder, fields, statuses = REFUSALS[name]
    before_series = sorted(orthanc.get_json("/studies/%s" % study.orthanc_id)["Series"])
    before_instances = len(orthanc.get_json("/studies/%s/instances" % study.orthanc_id))
    before_all = len(orthanc.get_json("/instances"))
    r = orthanc.nifti_import(builder(), study.orthanc_id, **fields)
    print("%s -> %s" % (name, r.describe(400)))
    assert r.status in statuses, "%s should be refused with %s: %s" % (
        name, "415" if tuple(statuses) == (415,) else "a 4xx answer", r.describe())
    assert len(r.text.strip()) >= 15, "the refusal should explain itself: %s" % r.describe()
    after_series = sorted(orthanc.get_json("/studies/%s" % study.orthanc_id)["Series"])
    after_instances = len(orthanc.get_json("/studies/%s/instances" % study.orthanc_id))
    after_all = len(orthanc.get_json("/instances"))
    assert (after_series, after_instances, after_all) == (before_series, before_instances, before_all), \
        "%s: refused (HTTP %d) but the study went from %d to %d series, %d to %d instances (%d -> %d in Orthanc)" % (
            name, r.status, len(before_series), len(after_series), before_instances, after_instances, before_all,
            after_all)
