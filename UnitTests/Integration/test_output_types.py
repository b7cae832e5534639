"""Output types of POST /nifti/import: "Type": "ParametricMap" (exact float32/float64 multi-frame), "Segmentation"
(binary SEG, one segment per label value), "Auto"/default (SEG for a NIfTI label map), and the Warnings of a classic
float map.

Every stored instance is decoded here with pydicom + numpy (the pixel bytes are unpacked by hand), and each pixel is
placed in space through the instance's own geometry (IPP, IOP, PixelSpacing -> LPS -> RAS -> inverse NIfTI affine):
the voxel it lands on must hold the same value in the original. The geometry is also compared with what the NIfTI
affine prescribes (facts, section 2), and dciodvfy / dcentvfy judge the IODs.
"""

import collections
import re

import numpy as np
import pytest

import dicom_tools
import nifti_cases
from conftest import ModuleImport, ModuleImports, fresh_copy, upload_module_parent
from nifti_cases import as_int, lh_affine, nifti1, patch_header, phantom, rh_affine, rotation

PARAMETRIC_MAP_STORAGE = "1.2.840.10008.5.1.4.1.1.30"
SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"

FLOAT32_WARNING = re.compile(r"float32|single precision|32-bit float", re.IGNORECASE)


# --------------------------------------------------------------------------- inputs
def _to_bytes(img, slope=None, inter=None):
    """Serialized NIfTI-1; scl_slope/scl_inter patched in afterwards (nibabel would rescale on its own)."""
    raw = img.to_bytes()
    if slope is not None:
        raw = patch_header(raw, 112, "f", slope)
        raw = patch_header(raw, 116, "f", inter)
    return raw


def _label_image(data, affine, intent_label=False):
    img = nifti1(data, affine)
    if intent_label:
        img.header.set_intent("label")
    return img


def build_pm_f32_nan():
    shape = (22, 17, 6)
    data = phantom(shape, seed=41, low=-0.0004, high=0.0031).astype(np.float32)
    rng = np.random.default_rng(41)
    flat = data.reshape(-1)
    flat[rng.choice(flat.size, 29, replace=False)] = np.nan
    data[0, 16, 0] = np.nan            # the voxel of the first pixel of frame 0
    data[21, 0, 5] = np.float32(3.3e-38)   # tiny, and the last pixel of the last frame
    return _to_bytes(nifti1(data, lh_affine(zooms=(0.9, 1.4, 2.5))))


def _f64_data(shape, seed):
    # Values float32 cannot hold: a 1e-12 perturbation below float32 resolution
    data = phantom(shape, seed=seed, low=0.0, high=1.0).astype(np.float64)
    return data + 1e-12 * np.arange(data.size).reshape(shape) / data.size + 1.0 / 3.0


def build_pm_f64():
    return _to_bytes(nifti1(_f64_data((18, 15, 5), 42), rh_affine(zooms=(1.1, 0.8, 2.0))))


def build_pm_4d_f32():
    shape = (14, 12, 4, 3)
    data = phantom(shape, seed=43, low=200.0, high=2900.0).astype(np.float32) + np.float32(0.125)
    affine = nifti_cases.make_affine(rotation(-8.0, 21.0, -14.0), (-1.2, 1.7, 3.1), (35.2, -11.9, 48.6))
    img = nifti1(data, affine)
    img.header.set_xyzt_units("mm", "sec")
    return _to_bytes(img)


def build_pm_i16_slope():
    shape = (16, 13, 5)
    stored = as_int(phantom(shape, seed=44, low=-3000, high=12000), np.int16)
    return _to_bytes(nifti1(stored, lh_affine(zooms=(1.5, 1.5, 1.5), origin=(10.0, 20.0, -30.0))),
                     slope=0.25, inter=-3.5)


def build_pm_i32():
    shape = (10, 9, 3)
    data = (as_int(phantom(shape, seed=45, low=0, high=1000), np.int32) * 40001 + 16777217).astype(np.int32)
    return _to_bytes(nifti1(data, rh_affine(zooms=(2.0, 2.0, 2.0))))


def seg_labels_volume():
    """int16 label map 20x16x8 with labels 1, 3, 7 and 300; slices 0, 5 and 7 are empty."""
    shape = (20, 16, 8)
    lab = np.zeros(shape, np.int16)
    i, j = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij")
    for k in (1, 2, 3, 4, 6):
        lab[..., k][(i - 6) ** 2 + (j - 9) ** 2 < 12 + 3 * k] = 1      # label 1 on 1-4 and 6
    for k in (1, 2, 3, 4):
        lab[12:17, 2:6 + k, k] = 3                                        # label 3 on 1-4, asymmetric
    lab[3:5, 1:3, 2] = 7                                                  # label 7 on 2-3 only
    lab[18, 14, 3] = 7
    lab[0, 0, 6] = 300                                                    # label 300: one voxel in a corner
    lab[19, 15, 6] = 300
    return lab


def build_seg_labels():
    return _to_bytes(_label_image(seg_labels_volume(), lh_affine(zooms=(0.8, 1.3, 2.2))))


def small_labels(shape=(12, 10, 4)):
    lab = np.zeros(shape, np.uint8)
    lab[2:5, 3:8, 1] = 2
    lab[6:11, 1:4, 1:3] = 5
    return lab


def build_seg_intent_no_type():
    return _to_bytes(_label_image(small_labels(), rh_affine(zooms=(1.0, 1.2, 2.0)), intent_label=True))


def build_classic_no_intent():
    return _to_bytes(_label_image(small_labels(), rh_affine(zooms=(1.0, 1.2, 2.0)), intent_label=False))


CLASSIC_NAN_COUNT = 23


def build_classic_f32_nan():
    shape = (20, 16, 6)
    data = phantom(shape, seed=46, low=-3.25, high=1234.5).astype(np.float32)
    rng = np.random.default_rng(46)
    flat = data.reshape(-1)
    flat[rng.choice(flat.size, CLASSIC_NAN_COUNT, replace=False)] = np.nan
    return _to_bytes(nifti1(data, lh_affine(zooms=(0.9, 1.1, 2.4))))


RED_LAB = (53.2408, 80.0925, 67.2032)       # CIELab (D65) of sRGB (255, 0, 0)
BLUE_LAB = (32.2970, 79.1875, -107.8602)    # CIELab (D65) of sRGB (0, 0, 255)

SEG_LABELS_REQUEST = {
    "Type": "Segmentation",
    "SeriesDescription": "Labels with names",
    "Labels": {"7": {"Name": "Tumour", "Color": [255, 0, 0]},
               "3": {"Name": "Oedema"},
               "1": {"Color": [0, 0, 255]}},
}

# name -> (builder, request fields, expectations)
CASES = collections.OrderedDict([
    ("pm_f32_nan", (build_pm_f32_nan,
                    {"Type": "ParametricMap", "Units": "mm2/s", "Quantity": "ADC", "SeriesDescription": "ADC map"},
                    {"kind": "pm", "keyword": "FloatPixelData", "units": ("mm2/s", "UCUM"),
                     "quantity": ("113041", "DCM"), "float32_warning": False})),
    ("pm_f64_double", (build_pm_f64, {"Type": "ParametricMap", "DoublePrecision": True, "Quantity": "FA"},
                       {"kind": "pm", "keyword": "DoubleFloatPixelData", "units": ("1", "UCUM"),
                        "quantity": ("110808", "DCM"), "float32_warning": False})),
    ("pm_f64_single", (build_pm_f64, {"Type": "ParametricMap"},
                       {"kind": "pm", "keyword": "FloatPixelData", "units": ("1", "UCUM"), "quantity": None,
                        "float32_warning": True})),
    ("pm_4d_f32", (build_pm_4d_f32,
                   {"Type": "ParametricMap", "Units": "ms",
                    "Quantity": {"CodeValue": "113063", "CodingSchemeDesignator": "DCM", "CodeMeaning": "T1"}},
                   {"kind": "pm", "keyword": "FloatPixelData", "units": ("ms", "UCUM"),
                    "quantity": ("113063", "DCM"), "float32_warning": False})),
    ("pm_i16_slope", (build_pm_i16_slope, {"Type": "ParametricMap"},
                      {"kind": "pm", "keyword": "FloatPixelData", "units": ("1", "UCUM"), "quantity": None,
                       "float32_warning": False})),
    ("pm_i32", (build_pm_i32, {"Type": "ParametricMap"},
                {"kind": "pm", "keyword": "FloatPixelData", "units": ("1", "UCUM"), "quantity": None,
                 "float32_warning": True})),
    ("seg_labels", (build_seg_labels, SEG_LABELS_REQUEST, {"kind": "seg"})),
    ("seg_intent_no_type", (build_seg_intent_no_type, {}, {"kind": "seg"})),
    ("seg_intent_type_auto", (build_seg_intent_no_type, {"Type": "Auto"}, {"kind": "seg"})),
    ("classic_no_intent_auto", (build_classic_no_intent, {"Type": "Auto"}, {"kind": "classic"})),
    ("classic_f32_nan", (build_classic_f32_nan, {}, {"kind": "classic"})),
])

PM_CASES = [n for n, c in CASES.items() if c[2]["kind"] == "pm"]
SEG_CASES = [n for n, c in CASES.items() if c[2]["kind"] == "seg"]
MULTIFRAME_CASES = PM_CASES + SEG_CASES


# --------------------------------------------------------------------------- imports (one per case per session)
class Output(ModuleImport):
    def __init__(self, name, orthanc, study, workdir):
        builder, fields, self.expect = CASES[name]
        ModuleImport.__init__(self, name, orthanc, study, workdir, builder(), fields)

    @property
    def warnings(self):
        self.require_success()
        w = self.answer.get("Warnings")
        assert isinstance(w, list) and all(isinstance(x, str) for x in w), "Warnings: %r" % (w,)
        return w

    def data(self):
        """Real values (scl_slope/scl_inter applied) as float64, always 4D."""
        d = np.asarray(self.original.get_fdata(dtype=np.float64))
        return d if d.ndim == 4 else d[..., None]


@pytest.fixture(scope="module")
def study(parents, tmp_path_factory):
    """A fresh MR parent study of its own (the refusal tests count its series); .path is its file."""
    ds = fresh_copy("MR_small.dcm", "OUTPUT-TYPES", "Output^Types")
    return upload_module_parent(parents, "OUTPUT_TYPES", ds, tmp_path_factory.mktemp("output-types-parent"))


@pytest.fixture(scope="module")
def outputs(orthanc, study, tmp_path_factory):
    return ModuleImports(lambda name, workdir: Output(name, orthanc, study, workdir),
                         str(tmp_path_factory.mktemp("output-types")))


def code_of(item):
    return (str(item.CodeValue), str(item.CodingSchemeDesignator))


# --------------------------------------------------------------------------- Parametric Map
@pytest.mark.parametrize("name", PM_CASES)
def test_parametric_map_attributes(outputs, name):
    out = outputs(name)
    ds = out.single()
    nx, ny, nz, nt = out.data().shape
    assert ds.SOPClassUID == PARAMETRIC_MAP_STORAGE, "SOPClassUID %s" % ds.SOPClassUID
    assert out.answer.get("InstancesCount") in (None, 1), out.answer
    assert int(ds.NumberOfFrames) == nz * nt, "NumberOfFrames %s, expected %d x %d" % (ds.NumberOfFrames, nz, nt)
    assert (int(ds.Rows), int(ds.Columns)) == (ny, nx)
    keyword = out.expect["keyword"]
    assert keyword in ds, "%s should hold the values; the instance has %s" % (
        keyword, [k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in ds])
    others = [k for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData") if k in ds and k != keyword]
    assert not others, "more than one pixel data element: %s and %s" % (keyword, others)
    assert int(ds.BitsAllocated) == (64 if keyword == "DoubleFloatPixelData" else 32)
    assert str(ds.Modality) == "MR", "Modality %s (the parent study is MR)" % ds.Modality
    assert str(ds.StudyInstanceUID) == out.study.study_uid

    warnings = out.warnings
    print("Warnings of %s: %s" % (name, warnings))
    flagged = [w for w in warnings if FLOAT32_WARNING.search(w)]
    if out.expect["float32_warning"]:
        assert flagged, "%s data stored as float32 must be reported in Warnings: %r" % (
            out.original.get_data_dtype(), warnings)
    else:
        assert not flagged, "no float32 rounding happens here, yet Warnings say so: %r" % flagged


@pytest.mark.parametrize("name", PM_CASES)
def test_parametric_map_values_through_geometry(outputs, name):
    """Each pixel, placed by the frame's IPP/IOP/PixelSpacing, holds exactly the NIfTI real value there."""
    out = outputs(name)
    ds = out.single()
    frames, keyword = dicom_tools.float_frames(ds)
    data = out.data()
    nx, ny, nz, nt = data.shape
    expected_dtype = np.float64 if keyword == "DoubleFloatPixelData" else np.float32
    problems = []
    seen = set()
    for f in range(frames.shape[0]):
        ri, rj, k = dicom_tools.locate_frame(ds, f, out.original.affine, (nx, ny, nz))
        t_index = dicom_tools.temporal_position_index(ds, f)
        t = (t_index - 1) if t_index is not None else 0
        if nt > 1 and t_index is None:
            problems.append("frame %d of a 4D map has no TemporalPositionIndex" % f)
            continue
        if (k, t) != (f % nz, f // nz):
            problems.append("frame %d holds slice %d of volume %d; t-major order wants slice %d of volume %d"
                            % (f, k, t, f % nz, f // nz))
        if (k, t) in seen:
            problems.append("slice %d of volume %d appears twice" % (k, t))
        seen.add((k, t))
        expected = data[ri, rj, k, t].astype(expected_dtype)
        got = frames[f]
        nan_e, nan_g = np.isnan(expected), np.isnan(got)
        if not np.array_equal(nan_e, nan_g):
            problems.append("frame %d: NaN at %d pixels, the NIfTI has %d NaN voxels there"
                            % (f, nan_g.sum(), nan_e.sum()))
        diff = (got != expected) & ~nan_e & ~nan_g
        if diff.any():
            r, c = np.argwhere(diff)[0]
            problems.append("frame %d (k=%d, t=%d): %d pixels differ; first row %d col %d = %r, voxel (%d, %d, %d) = %r"
                            % (f, k, t, diff.sum(), r, c, got[r, c], ri[r, c], rj[r, c], k, expected[r, c]))
        if len(problems) > 8:
            break
    assert not problems, "%s:\n%s" % (name, "\n".join(problems))
    assert len(seen) == nz * nt, "%d (slice, volume) pairs stored, expected %d" % (len(seen), nz * nt)
    if np.isnan(data).any():
        assert np.isnan(frames).sum() == np.isnan(data).sum(), "NaN count changed"


@pytest.mark.parametrize("name", PM_CASES)
def test_parametric_map_geometry(outputs, name):
    out = outputs(name)
    ds = out.single()
    nx, ny, nz, nt = out.data().shape
    problems = []
    for f in range(int(ds.NumberOfFrames)):
        problems += dicom_tools.frame_plane_problems(ds, f, out.original.affine, ny, f % nz)
    assert not problems, "\n".join(problems[:10])
    # the spacing is shared; the orientation is in every frame (with which dcm2niix keeps 4D frames in order)
    shared = ds.SharedFunctionalGroupsSequence[0]
    assert "PixelMeasuresSequence" in shared, "PixelMeasures should be a shared functional group"
    assert "PlaneOrientationSequence" not in shared and all(
        "PlaneOrientationSequence" in item for item in ds.PerFrameFunctionalGroupsSequence), \
        "PlaneOrientation should be in every frame"
    if nt > 1:
        indices = [dicom_tools.temporal_position_index(ds, f) for f in range(int(ds.NumberOfFrames))]
        assert indices == [f // nz + 1 for f in range(nz * nt)], "TemporalPositionIndex per frame: %s" % indices


@pytest.mark.parametrize("name", PM_CASES)
def test_parametric_map_units_and_quantity(outputs, name):
    out = outputs(name)
    ds = out.single()
    mapping = dicom_tools.functional_group(ds, 0, "RealWorldValueMappingSequence")
    assert mapping is not None, "no RealWorldValueMappingSequence (shared or per frame)"
    units = mapping.MeasurementUnitsCodeSequence[0]
    assert code_of(units) == out.expect["units"], "units code %s, expected %s" % (code_of(units),
                                                                                   out.expect["units"])
    if out.expect["units"][0] == "1":
        assert str(units.CodeMeaning) == "no units", "default units: CodeMeaning %r" % units.CodeMeaning
    assert float(mapping.RealWorldValueSlope) == 1.0 and float(mapping.RealWorldValueIntercept) == 0.0, \
        "the pixel values ARE the real values: slope 1, intercept 0"
    wanted = out.expect["quantity"]
    quantities = mapping.get("QuantityDefinitionSequence") or ds.get("QuantityDefinitionSequence")
    if wanted is None:
        assert not quantities, "no Quantity was asked for, yet QuantityDefinitionSequence is %s" % quantities
        return
    assert quantities, "QuantityDefinitionSequence missing (asked for %s)" % (wanted,)
    concepts = [code_of(q.ConceptCodeSequence[0]) for q in quantities if "ConceptCodeSequence" in q]
    assert wanted in concepts, "quantity %s not among %s" % (wanted, concepts)


@pytest.mark.parametrize("name", MULTIFRAME_CASES)
def test_multiframe_validators(outputs, study, name):
    out = outputs(name)
    out.single()
    dicom_tools.assert_dciodvfy_clean(out.files[0], out.name)
    dicom_tools.assert_dcentvfy_clean(out.files[0], study.path, out.name)


# --------------------------------------------------------------------------- Segmentation
def segment_labels(ds):
    """{segment number: label value} from SegmentDescription "NIfTI label value <v>"."""
    result = {}
    for item in ds.SegmentSequence:
        m = re.search(r"NIfTI label value (-?\d+)", str(item.get("SegmentDescription", "")))
        assert m, "segment %s: SegmentDescription %r does not name the label value" % (
            item.SegmentNumber, item.get("SegmentDescription"))
        result[int(item.SegmentNumber)] = int(m.group(1))
    return result


def rebuild_labels(ds, affine, shape3):
    """The label volume rebuilt from the frames, the (segment, k) pairs stored, and problems found."""
    bits = dicom_tools.binary_frames(ds)
    labels_of = segment_labels(ds)
    volume = np.zeros(shape3, np.int64)
    pairs = []
    problems = []
    for f in range(bits.shape[0]):
        ident = dicom_tools.functional_group(ds, f, "SegmentIdentificationSequence")
        if ident is None:
            problems.append("frame %d has no SegmentIdentificationSequence" % f)
            continue
        segment = int(ident.ReferencedSegmentNumber)
        ri, rj, k = dicom_tools.locate_frame(ds, f, affine, shape3)
        content = dicom_tools.functional_group(ds, f, "FrameContentSequence")
        div = [int(v) for v in content.DimensionIndexValues] if content is not None else None
        if div != [segment, k + 1]:
            problems.append("frame %d: DimensionIndexValues %s, expected [segment %d, slice %d]"
                            % (f, div, segment, k + 1))
        if segment not in labels_of:
            problems.append("frame %d refers to segment %d, not in SegmentSequence" % (f, segment))
            continue
        mask = bits[f]
        if not mask.any():
            problems.append("frame %d (segment %d, k=%d) is empty: frames are only for present segments"
                            % (f, segment, k))
        taken = volume[ri[mask], rj[mask], k]
        if (taken != 0).any():
            problems.append("frame %d: %d pixels already belong to another segment" % (f, (taken != 0).sum()))
        volume[ri[mask], rj[mask], k] = labels_of[segment]
        pairs.append((segment, k))
    return volume, pairs, problems


@pytest.mark.parametrize("name", SEG_CASES)
def test_segmentation_attributes(outputs, name):
    out = outputs(name)
    ds = out.single()
    original = np.asarray(out.original.dataobj)
    values = sorted(int(v) for v in np.unique(original) if v != 0)
    assert ds.SOPClassUID == SEGMENTATION_STORAGE, "SOPClassUID %s (request %s, intent %s)" % (
        ds.SOPClassUID, out.fields, out.original.header.get_intent()[0])
    assert str(ds.Modality) == "SEG"
    assert str(ds.SegmentationType) == "BINARY"
    assert int(ds.BitsAllocated) == 1 and int(ds.BitsStored) == 1
    assert str(ds.StudyInstanceUID) == out.study.study_uid
    numbers = [int(s.SegmentNumber) for s in ds.SegmentSequence]
    assert numbers == list(range(1, len(values) + 1)), "SegmentNumbers %s for labels %s" % (numbers, values)
    labels_of = segment_labels(ds)
    assert [labels_of[n] for n in numbers] == values, \
        "segments should follow increasing label values %s, got %s" % (values, [labels_of[n] for n in numbers])
    requested = out.fields.get("Labels", {})
    for item in ds.SegmentSequence:
        value = labels_of[int(item.SegmentNumber)]
        entry = requested.get(str(value), {})
        assert str(item.SegmentLabel) == entry.get("Name", "Label %d" % value), \
            "segment of label %d: SegmentLabel %r, request %s" % (value, item.SegmentLabel, entry)
        color = entry.get("Color")
        if color is None:
            continue
        lab = item.get("RecommendedDisplayCIELabValue")
        assert lab is not None and len(lab) == 3, "label %d: RecommendedDisplayCIELabValue %r" % (value, lab)
        reference = {(255, 0, 0): RED_LAB, (0, 0, 255): BLUE_LAB}[tuple(color)]
        scaled = (reference[0] / 100.0 * 65535, (reference[1] + 128) / 255.0 * 65535,
                  (reference[2] + 128) / 255.0 * 65535)
        # within 0.5 CIELab unit of the standard sRGB -> CIELab (D65) conversion
        tolerance = (0.5 / 100 * 65535, 0.5 / 255 * 65535, 0.5 / 255 * 65535)
        assert all(abs(int(lab[c]) - scaled[c]) <= tolerance[c] for c in range(3)), \
            "label %d colour %s: RecommendedDisplayCIELabValue %s, expected about %s" % (
                value, color, list(lab), [round(s) for s in scaled])


@pytest.mark.parametrize("name", SEG_CASES)
def test_segmentation_labels_through_geometry(outputs, name):
    """The label volume rebuilt from the frames (each frame placed by its own geometry) equals the NIfTI;
    there is a frame for each (segment, slice) where the label occurs and for no other."""
    out = outputs(name)
    ds = out.single()
    original = np.asarray(out.original.dataobj).astype(np.int64)
    volume, pairs, problems = rebuild_labels(ds, out.original.affine, original.shape)
    assert not problems, "\n".join(problems[:10])
    assert len(pairs) == len(set(pairs)), "a (segment, slice) pair has several frames: %s" % (
        [p for p, n in collections.Counter(pairs).items() if n > 1])
    labels_of = segment_labels(ds)
    segment_of = {v: s for s, v in labels_of.items()}
    expected_pairs = {(segment_of.get(int(v), -1), k) for k in range(original.shape[2])
                      for v in np.unique(original[..., k]) if v != 0}
    assert set(pairs) == expected_pairs, "frames for (segment, slice) %s, labels present at %s" % (
        sorted(set(pairs)), sorted(expected_pairs))
    diff = volume != original
    assert not diff.any(), "%d voxels differ after rebuilding the label map; first at %s: SEG %d, NIfTI %d" % (
        diff.sum(), tuple(np.argwhere(diff)[0]), volume[tuple(np.argwhere(diff)[0])],
        original[tuple(np.argwhere(diff)[0])])


@pytest.mark.parametrize("name", SEG_CASES)
def test_segmentation_geometry(outputs, name):
    out = outputs(name)
    ds = out.single()
    ny = out.original.shape[1]
    problems = []
    for f in range(int(ds.NumberOfFrames)):
        ident = dicom_tools.functional_group(ds, f, "FrameContentSequence")
        k = int(ident.DimensionIndexValues[1]) - 1
        problems += dicom_tools.frame_plane_problems(ds, f, out.original.affine, ny, k)
    assert not problems, "\n".join(problems[:10])


def test_segmentation_pixel_data_is_packed_without_padding(outputs):
    out = outputs("seg_labels")
    ds = out.single()
    bits = int(ds.NumberOfFrames) * int(ds.Rows) * int(ds.Columns)
    needed = (bits + 7) // 8
    assert len(ds.PixelData) in (needed, needed + (needed % 2)), \
        "PixelData has %d bytes; %d frames of %dx%d packed 1 bit per pixel need %d (+1 to make it even)" % (
            len(ds.PixelData), ds.NumberOfFrames, ds.Rows, ds.Columns, needed)


# --------------------------------------------------------------------------- Auto / classic
def test_auto_without_intent_label_is_classic(outputs):
    out = outputs("classic_no_intent_auto")
    datasets = out.datasets
    assert len(datasets) == out.original.shape[2], "classic output: one instance per slice"
    assert {str(d.SOPClassUID) for d in datasets} == {MR_IMAGE_STORAGE}


def _classic_real_values(ds):
    slope = float(ds.get("RescaleSlope", 1.0))
    intercept = float(ds.get("RescaleIntercept", 0.0))
    return ds.pixel_array.astype(np.float64) * slope + intercept, slope


def test_classic_float_map_within_half_slope_and_warnings(outputs):
    """Default Type for a float32 map: 16-bit MR slices within RescaleSlope/2 of the original (pixels placed by
    each instance's geometry); Warnings report the largest possible error and the NaN count."""
    out = outputs("classic_f32_nan")
    data = out.data()[..., 0]
    nx, ny, nz = data.shape
    datasets = out.datasets
    assert len(datasets) == nz
    assert {str(d.SOPClassUID) for d in datasets} == {MR_IMAGE_STORAGE}
    worst, slopes, nan_values = 0.0, set(), set()
    seen = set()
    for ds in datasets:
        values, slope = _classic_real_values(ds)
        slopes.add(slope)
        ri, rj, k = dicom_tools.locate_image(ds, out.original.affine, (nx, ny, nz))
        seen.add(k)
        expected = data[ri, rj, k]
        finite = np.isfinite(expected)
        nan_values.update(np.unique(values[~finite]).tolist())
        err = np.abs(values - expected)[finite]
        worst = max(worst, float(err.max()))
        assert err.max() <= slope / 2 * (1 + 1e-6) + 1e-9, \
            "instance k=%d: error %.6g beyond RescaleSlope/2 = %.6g" % (k, err.max(), slope / 2)
    assert seen == set(range(nz))
    assert len(slopes) == 1, "one RescaleSlope for the series, got %s" % slopes
    slope = slopes.pop()
    assert len(nan_values) == 1, "NaN voxels should all become one value, got %s" % sorted(nan_values)
    warnings = out.warnings
    print("Warnings: %s\nmax error %.6g, RescaleSlope %.6g" % (warnings, worst, slope))
    nan_warnings = [w for w in warnings if "NaN" in w and re.search(r"\b%d\b" % CLASSIC_NAN_COUNT, w)]
    assert nan_warnings, "Warnings should say that %d voxels were NaN: %r" % (CLASSIC_NAN_COUNT, warnings)
    numbers = [float(x) for w in warnings for x in re.findall(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", w)]
    bound = [x for x in numbers if abs(x - slope / 2) <= 1e-4 * slope / 2]
    assert bound, "Warnings should give the largest possible error RescaleSlope/2 = %.6g: %r" % (slope / 2, warnings)
    assert bound[0] >= worst * (1 - 1e-5), "reported largest error %.6g, observed %.6g" % (bound[0], worst)


# --------------------------------------------------------------------------- refusals
def _seg_4d():
    lab = np.zeros((8, 8, 3, 2), np.uint8)
    lab[2:4, 2:5, 1, :] = 1
    return _to_bytes(nifti1(lab, rh_affine(zooms=(1.0, 1.0, 1.0))))


def _seg_with(value, dtype):
    lab = small_labels().astype(dtype)
    lab[7, 7, 2] = value
    return _to_bytes(nifti1(lab, rh_affine(zooms=(1.0, 1.0, 1.0))))


def _seg_intent_fractional():
    lab = small_labels().astype(np.float32)
    lab[7, 7, 2] = 2.5
    return _to_bytes(_label_image(lab, rh_affine(zooms=(1.0, 1.0, 1.0)), intent_label=True))


def _all_zero():
    return _to_bytes(nifti1(np.zeros((8, 8, 3), np.uint8), rh_affine(zooms=(1.0, 1.0, 1.0))))


def _valid_labels():
    return _to_bytes(nifti1(small_labels(), rh_affine(zooms=(1.0, 1.0, 1.0))))


def _float_map():
    return _to_bytes(nifti1(phantom((8, 8, 3), seed=47).astype(np.float32), rh_affine(zooms=(1.0, 1.0, 1.0))))


SEG = {"Type": "Segmentation"}
PM = {"Type": "ParametricMap"}
# name -> (NIfTI builder, request fields[, a pattern the refusal message must contain: the offending value])
REFUSALS = collections.OrderedDict([
    ("seg_4d", (_seg_4d, SEG, r"\b2\b")),
    ("seg_fractional", (lambda: _seg_with(1.5, np.float32), SEG, r"1\.5")),
    ("seg_negative", (lambda: _seg_with(-2, np.int16), SEG, r"-2")),
    ("seg_all_zero", (_all_zero, SEG)),
    ("seg_nan", (lambda: _seg_with(np.nan, np.float32), SEG, r"(?i)nan|not a number")),
    ("intent_label_fractional_default_type", (_seg_intent_fractional, {}, r"2\.5")),
    ("type_unknown", (_float_map, {"Type": "Enhanced"})),
    ("type_number", (_float_map, {"Type": 2})),
    ("units_empty", (_float_map, dict(PM, Units=""))),
    ("units_number", (_float_map, dict(PM, Units=5))),
    ("units_incomplete_code", (_float_map, dict(PM, Units={"CodeValue": "mm2/s"}))),
    ("quantity_unknown_name", (_float_map, dict(PM, Quantity="T1"))),
    ("double_precision_string", (_float_map, dict(PM, DoublePrecision="yes"))),
    ("labels_list", (_valid_labels, dict(SEG, Labels=[{"Name": "x"}]))),
    ("labels_key_not_number", (_valid_labels, dict(SEG, Labels={"abc": {"Name": "x"}}))),
    ("labels_key_zero", (_valid_labels, dict(SEG, Labels={"0": {"Name": "background"}}))),
    ("labels_entry_string", (_valid_labels, dict(SEG, Labels={"2": "Tumour"}))),
    ("labels_name_number", (_valid_labels, dict(SEG, Labels={"2": {"Name": 5}}))),
    ("labels_color_256", (_valid_labels, dict(SEG, Labels={"2": {"Color": [256, 0, 0]}}))),
    ("labels_color_two_values", (_valid_labels, dict(SEG, Labels={"2": {"Color": [1, 2]}}))),
    ("labels_color_negative", (_valid_labels, dict(SEG, Labels={"5": {"Color": [0, -1, 0]}}))),
])


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_store_nothing(orthanc, study, name):
    builder, fields = REFUSALS[name][:2]
    must_name = REFUSALS[name][2] if len(REFUSALS[name]) > 2 else None
    before_series = sorted(orthanc.get_json("/studies/%s" % study.orthanc_id)["Series"])
    before_instances = len(orthanc.get_json("/studies/%s/instances" % study.orthanc_id))
    r = orthanc.nifti_import(builder(), study.orthanc_id, **fields)
    assert 400 <= r.status < 500, "%s should be refused with a 4xx answer: %s" % (name, r.describe())
    answer = r.json_or_none()
    text = r.text
    print("%s -> %s" % (name, r.describe(400)))
    assert len(text.strip()) >= 15, "the refusal should explain itself: %s" % r.describe()
    message = answer.get("Message", text) if isinstance(answer, dict) else text
    if must_name:
        assert re.search(must_name, message), \
            "the refusal should name the offending value (/%s/): %r" % (must_name, message)
    after_series = sorted(orthanc.get_json("/studies/%s" % study.orthanc_id)["Series"])
    after_instances = len(orthanc.get_json("/studies/%s/instances" % study.orthanc_id))
    assert after_series == before_series and after_instances == before_instances, \
        "%s: refused (HTTP %d) but the study went from %d to %d series, %d to %d instances (answer %s)" % (
            name, r.status, len(before_series), len(after_series), before_instances, after_instances, answer)
