"""NIfTI inputs for the integration tests.

Real files come from Debian's python3-nibabel (nibabel/tests/data); the others are generated here
with nibabel into a temporary directory (never committed). Each case says how the round trip is
judged:

  compare = "world"        the DICOM series, converted back by dcm2niix, must give the same voxels at
                           the same world positions as the original (integer data exactly, float data
                           within RescaleSlope/2).
  compare = "no_transform" both qform_code and sform_code are 0: the plugin must warn and still keep
                           the voxel sizes and the data (the world placement is undefined).
"""

import gzip
import math
import os

import numpy as np
import nibabel as nib

NIBABEL_DATA = os.path.join(os.path.dirname(nib.__file__), "tests", "data")
PYDICOM_FILES = "/usr/lib/python3/dist-packages/pydicom/data/test_files"


class Case:
    """One NIfTI input and what the tests expect of its import."""

    def __init__(self, name, builder=None, path=None, parent="MR", kind="int", compare="world",
                 request=None, expect_sop="MR", warning_contains=None, expect_warning=False,
                 expect_rescale=None, unit_scale=1.0, description=""):
        self.name = name
        self.builder = builder          # callable(directory) -> path of the written file
        self.path = path                # real file
        self.parent = parent            # "MR", "CT" or "UTF8": parent study fixture
        self.kind = kind                # "int": exact values; "float": within RescaleSlope/2
        self.compare = compare
        self.request = dict(request or {})
        self.expect_sop = expect_sop    # "MR" or "CT"
        self.warning_contains = warning_contains  # a string the Warnings must contain (e.g. a count)
        self.expect_warning = expect_warning
        self.expect_rescale = expect_rescale      # (slope, intercept) expected in every instance
        self.unit_scale = unit_scale              # xyzt_units -> mm (1000 for metres, 0.001 for micrometres)
        self.description = description

    def world_affine(self, img):
        """The original's affine in millimetres (DICOM's unit)."""
        return np.diag([self.unit_scale] * 3 + [1.0]) @ np.asarray(img.affine, dtype=float)

    def materialize(self, directory):
        """Path of the NIfTI file of this case (written into `directory` if generated)."""
        if self.path:
            return self.path
        os.makedirs(directory, exist_ok=True)
        return self.builder(directory)

    def __repr__(self):
        return "Case(%s)" % self.name


# --------------------------------------------------------------------------- geometry helpers
def rotation(ax_deg, ay_deg, az_deg):
    ax, ay, az = (math.radians(a) for a in (ax_deg, ay_deg, az_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)], [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0], [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0], [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


def make_affine(rot, zooms, origin):
    a = np.eye(4)
    a[:3, :3] = rot @ np.diag(zooms)
    a[:3, 3] = origin
    return a


OBLIQUE = rotation(12.0, -17.0, 23.0)


def lh_affine(zooms=(0.7, 1.3, 2.5), rot=OBLIQUE, origin=(61.3, -47.9, -22.4)):
    """Left-handed (det < 0, like scanner LAS data): x axis mirrored."""
    return make_affine(rot, (-zooms[0], zooms[1], zooms[2]), origin)


def rh_affine(zooms=(0.7, 1.3, 2.5), rot=OBLIQUE, origin=(-43.1, -52.6, -18.7)):
    """Right-handed (det > 0, RAS-like)."""
    return make_affine(rot, zooms, origin)


# --------------------------------------------------------------------------- content helpers
def phantom(shape, seed=1, low=0.0, high=1000.0):
    """Anatomy-like, clearly asymmetric float content in [low, high] (any flip or transposition
    changes it): an off-centre ellipsoid with a bright lateral blob, ramps along each axis, noise,
    and a corner marker."""
    rng = np.random.default_rng(seed)
    nx, ny, nz = shape[:3]
    i, j, k = np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij")
    cx, cy, cz = 0.45 * nx, 0.55 * ny, 0.5 * nz
    ell = ((i - cx) / (0.38 * nx)) ** 2 + ((j - cy) / (0.42 * ny)) ** 2 + ((k - cz) / (0.45 * max(nz, 1))) ** 2
    vol = np.where(ell < 1.0, 0.6, 0.05)
    blob = ((i - 0.7 * nx) ** 2 + (j - 0.3 * ny) ** 2) < (0.12 * min(nx, ny)) ** 2
    vol = vol + 0.3 * blob
    vol = vol + 0.05 * i / nx + 0.03 * j / ny + 0.02 * k / max(nz, 1)
    vol = vol + 0.02 * rng.standard_normal(shape[:3])
    vol[0, 0, 0] = 1.0
    vol[1, 0, 0] = 0.0
    vol = (vol - vol.min()) / (vol.max() - vol.min())
    out = low + vol * (high - low)
    if len(shape) > 3:
        frames = [out * (1.0 + 0.05 * t) + 3.0 * t for t in range(shape[3])]
        out = np.stack(frames, axis=-1)
        out = low + (out - out.min()) / (out.max() - out.min()) * (high - low)
    return out


def as_int(values, dtype):
    return np.round(values).astype(dtype)


def save(img, directory, filename):
    path = os.path.join(directory, filename)
    nib.save(img, path)
    return path


def nifti1(data, affine, sform_code=2, qform_code=2, cls=nib.Nifti1Image):
    img = cls(data, affine)
    img.set_sform(affine, code=sform_code)
    img.set_qform(affine, code=qform_code)
    img.header.set_xyzt_units("mm", "sec")
    return img


# --------------------------------------------------------------------------- generated cases
def build_oblique_rh(d):
    data = as_int(phantom((20, 24, 16), seed=2, high=3000), np.int16)
    return save(nifti1(data, rh_affine()), d, "oblique_rh.nii.gz")


def build_oblique_lh(d):
    data = as_int(phantom((20, 24, 16), seed=3, high=3000), np.int16)
    return save(nifti1(data, lh_affine()), d, "oblique_lh.nii")


def build_aniso_axial(d):
    """Axis-aligned, non-square pixels 0.7 x 1.3 mm, 2.5 mm slices, LAS like many scanners."""
    aff = make_affine(np.eye(3), (-0.7, 1.3, 2.5), (30.0, -20.0, -15.0))
    data = as_int(phantom((28, 22, 16), seed=4, high=2000), np.int16)
    return save(nifti1(data, aff), d, "aniso_axial.nii")


def build_sagittal_rh(d):
    """Sagittal slices: the third voxel axis runs left-right (non-square pixels, right-handed)."""
    rot = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) @ np.eye(3)
    aff = make_affine(rot, (0.9, 1.2, 3.0), (-20.0, -60.0, -40.0))
    data = as_int(phantom((24, 20, 12), seed=5, high=1500), np.int16)
    return save(nifti1(data, aff), d, "sagittal.nii.gz")


def build_qform_only(d):
    """qform_code 1 with qfac = -1 (left-handed rotation), sform_code 0 but a misleading sform stored:
    the plugin must use the qform."""
    aff = lh_affine(zooms=(1.1, 0.9, 2.0), rot=rotation(-8.0, 14.0, -30.0), origin=(12.0, -33.0, 7.5))
    data = as_int(phantom((18, 22, 14), seed=6, high=2500), np.int16)
    img = nib.Nifti1Image(data, None)
    img.header.set_qform(aff, code=1)
    wrong = make_affine(np.eye(3), (3.0, 3.0, 3.0), (100.0, 100.0, 100.0))
    img.header.set_sform(wrong, code=0)
    img.header.set_xyzt_units("mm", "sec")
    path = os.path.join(d, "qform_only.nii")
    img.to_filename(path)
    return path


def build_no_transform(d):
    data = as_int(phantom((20, 16, 10), seed=7, high=1000), np.int16)
    img = nib.Nifti1Image(data, None)
    img.header.set_zooms((0.8, 1.6, 3.0))
    img.header.set_sform(None, code=0)
    img.header.set_qform(None, code=0)
    path = os.path.join(d, "no_transform.nii")
    img.to_filename(path)
    return path


def build_4d(d):
    data = as_int(phantom((18, 14, 10, 3), seed=8, high=3000), np.int16)
    img = nifti1(data, lh_affine(zooms=(2.0, 2.0, 3.0)))
    img.header.set_zooms((2.0, 2.0, 3.0, 2.5))
    return save(img, d, "fmri_4d.nii.gz")


def build_single_slice(d):
    aff = lh_affine(zooms=(0.8, 1.1, 4.0), rot=rotation(5.0, -10.0, 15.0))
    data = as_int(phantom((26, 22, 1), seed=9, high=2000), np.int16)
    return save(nifti1(data, aff), d, "single_slice.nii")


def build_u8(d):
    data = as_int(phantom((20, 18, 12), seed=10, high=255), np.uint8)
    data[0, 0, 0], data[1, 0, 0] = 255, 0
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "u8.nii.gz")


def build_i8(d):
    data = as_int(phantom((20, 18, 12), seed=11, low=-128, high=127), np.int8)
    return save(nifti1(data, rh_affine(zooms=(1.0, 1.0, 1.5))), d, "i8.nii")


def build_u16(d):
    """Full unsigned 16-bit range (0..65535): must survive exactly."""
    data = as_int(phantom((20, 18, 12), seed=12, high=65535), np.uint16)
    data[0, 0, 0], data[1, 0, 0] = 65535, 0
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "u16.nii.gz")


def build_i32_fits(d):
    data = as_int(phantom((20, 18, 12), seed=13, low=-30000, high=30000), np.int32)
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "i32_fits16.nii")


def build_i32_wide(d):
    data = as_int(phantom((20, 18, 12), seed=14, low=-1000000, high=3000000), np.int32)
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "i32_wide.nii.gz")


def build_f64(d):
    """An FA-map-like float64 volume in [0, 1] with fractional values."""
    data = phantom((20, 18, 12), seed=15, low=0.0, high=1.0).astype(np.float64)
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "f64_fa.nii.gz")


def build_f32_integers(d):
    """float32 holding integers that fit 16 bits: must be lossless."""
    data = as_int(phantom((20, 18, 12), seed=16, low=-1000, high=3000), np.int16).astype(np.float32)
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "f32_integers.nii")


def build_u32_fits(d):
    data = as_int(phantom((20, 18, 12), seed=22, high=60000), np.uint32)
    return save(nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5))), d, "u32_fits16.nii")


def build_i64_wide(d):
    data = as_int(phantom((20, 18, 12), seed=23, low=-2.0e9, high=5.0e9), np.int64)
    img = nib.Nifti1Image(data, lh_affine(zooms=(1.0, 1.0, 1.5)), dtype=np.int64)
    aff = lh_affine(zooms=(1.0, 1.0, 1.5))
    img.set_sform(aff, code=2)
    img.set_qform(aff, code=2)
    return save(img, d, "i64_wide.nii.gz")


def build_sform_wins(d):
    """sform_code 2 and qform_code 1 with a DIFFERENT qform (rotated, shifted): the sform must win."""
    sform = rh_affine(zooms=(0.9, 1.1, 2.0), rot=rotation(20.0, 5.0, -12.0), origin=(-30.0, 12.0, 40.0))
    qform = lh_affine(zooms=(0.9, 1.1, 2.0), rot=rotation(-15.0, 0.0, 30.0), origin=(10.0, -10.0, -10.0))
    data = as_int(phantom((18, 20, 12), seed=24, high=2000), np.int16)
    img = nib.Nifti1Image(data, None)
    img.header.set_qform(qform, code=1)
    img.header.set_sform(sform, code=2)
    img.header.set_xyzt_units("mm", "sec")
    path = os.path.join(d, "sform_wins.nii")
    img.to_filename(path)
    return path


def _write_patched(img, d, filename, patches):
    """Write `img` as a single-file .nii with raw header fields overwritten: [(offset, fmt, value)]."""
    raw = img.to_bytes()
    for offset, fmt, value in patches:
        raw = patch_header(raw, offset, fmt, value)
    path = os.path.join(d, filename)
    with open(path, "wb") as f:
        f.write(raw)
    return path


def build_qfac_zero(d):
    """qform only, right-handed oblique, pixdim[0] = 0 (to be read as qfac = +1)."""
    aff = rh_affine(zooms=(1.2, 1.0, 2.5), rot=rotation(-10.0, 8.0, 25.0), origin=(-20.0, 30.0, -5.0))
    data = as_int(phantom((20, 16, 10), seed=25, high=1800), np.int16)
    img = nib.Nifti1Image(data, None)
    img.header.set_qform(aff, code=1)
    img.header.set_sform(None, code=0)
    img.header.set_xyzt_units("mm", "sec")
    return _write_patched(img, d, "qfac_zero.nii", [(76, "f", 0.0)])


def build_slope_zero(d):
    """scl_slope = 0 means 'no scaling': the scl_inter of 100 stored beside it must be ignored."""
    data = as_int(phantom((20, 18, 10), seed=26, high=1500), np.int16)
    img = nifti1(data, lh_affine(zooms=(1.0, 1.0, 2.0)))
    return _write_patched(img, d, "slope_zero.nii", [(112, "f", 0.0), (116, "f", 100.0)])


def build_dim0_mismatch(d):
    """dim[0] = 3 but junk in dim[4] and dim[5]: only dim[1..3] count."""
    data = as_int(phantom((20, 18, 10), seed=27, high=1500), np.int16)
    img = nifti1(data, lh_affine(zooms=(1.0, 1.0, 2.0)))
    return _write_patched(img, d, "dim0_mismatch.nii", [(48, "h", 7), (50, "h", 3)])


def build_mni_space(d):
    """A template-space map (sform_code 4 = MNI_152, qform 0), 2 mm isotropic, float."""
    aff = make_affine(np.eye(3), (-2.0, 2.0, 2.0), (90.0, -126.0, -72.0))
    data = phantom((24, 28, 20), seed=28, low=-3.0, high=6.0).astype(np.float32)
    img = nib.Nifti1Image(data, aff)
    img.set_sform(aff, code=4)
    img.set_qform(None, code=0)
    img.header.set_xyzt_units("mm", "sec")
    img.header.set_intent("z score")
    return save(img, d, "zstat_mni.nii.gz")


def build_pixdim_zero_sform(d):
    """Valid sform (code 2) but pixdim[1..3] = 0: the sform alone defines the geometry."""
    data = as_int(phantom((18, 16, 10), seed=29, high=1200), np.int16)
    img = nifti1(data, lh_affine(zooms=(1.5, 1.0, 2.0)), qform_code=0)
    return _write_patched(img, d, "pixdim_zero.nii", [(80, "f", 0.0), (84, "f", 0.0), (88, "f", 0.0)])


def _units_case(d, unit, factor, filename):
    """The same oblique volume as build_oblique_lh written in another spatial unit (factor: unit -> mm)."""
    aff = lh_affine(zooms=(0.7, 1.3, 2.5))
    aff_unit = np.diag([1.0 / factor] * 3 + [1.0]) @ aff
    data = as_int(phantom((20, 24, 12), seed=31, high=3000), np.int16)
    img = nifti1(data, aff_unit)
    img.header.set_xyzt_units(unit, "sec")
    return save(img, d, filename)


def build_units_meter(d):
    return _units_case(d, "meter", 1000.0, "units_meter.nii")


def build_units_micron(d):
    return _units_case(d, "micron", 0.001, "units_micron.nii")


def build_nifti2_big_endian(d):
    data = as_int(phantom((16, 18, 10), seed=32, high=3000), np.int16)
    aff = lh_affine(zooms=(1.1, 0.9, 2.2), rot=rotation(3.0, -12.0, 7.0))
    img = nib.Nifti2Image(data, aff, header=nib.Nifti2Header(endianness=">"))
    img.set_sform(aff, code=2)
    img.set_qform(aff, code=2)
    img.header.set_xyzt_units("mm", "sec")
    return save(img, d, "nifti2_big_endian.nii.gz")


def build_4d_one_volume(d):
    """dim[0] = 4 with dim[4] = 1: a single volume."""
    data = as_int(phantom((16, 14, 8, 1), seed=33, high=1000), np.int16)
    return save(nifti1(data, lh_affine(zooms=(2.0, 2.0, 3.0))), d, "one_volume_4d.nii")


NAN_COUNT = 37
INF_COUNT = 5


def build_f32_nan(d):
    data = phantom((20, 18, 12), seed=17, low=-5.0, high=250.0).astype(np.float32)
    rng = np.random.default_rng(99)
    flat = data.reshape(-1)
    idx = rng.choice(flat.size, NAN_COUNT + INF_COUNT, replace=False)
    flat[idx[:NAN_COUNT]] = np.nan
    flat[idx[NAN_COUNT:NAN_COUNT + 3]] = np.inf
    flat[idx[NAN_COUNT + 3:]] = -np.inf
    return save(nifti1(data, rh_affine(zooms=(1.0, 1.0, 1.5))), d, "f32_nan.nii.gz")


SCALED_SLOPE = 0.25
SCALED_INTER = -1024.0


def build_scaled_i16(d):
    """Integer data with scl_slope / scl_inter: must be carried as RescaleSlope / RescaleIntercept."""
    data = as_int(phantom((20, 18, 12), seed=18, low=0, high=12000), np.int16)
    img = nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.5)))
    img.header.set_slope_inter(SCALED_SLOPE, SCALED_INTER)
    path = os.path.join(d, "scaled_i16.nii")
    img.to_filename(path)
    return path


def build_ct_hu(d):
    """CT-like data: int16 stored values with intercept -1024 (Hounsfield units)."""
    data = as_int(phantom((24, 24, 12), seed=19, low=0, high=3000), np.int16)
    img = nifti1(data, lh_affine(zooms=(0.8, 0.8, 2.0), rot=np.eye(3)))
    img.header.set_slope_inter(1.0, -1024.0)
    path = os.path.join(d, "ct_hu.nii.gz")
    img.to_filename(path)
    return path


def build_nifti2(d):
    data = as_int(phantom((16, 20, 12), seed=20, high=3000), np.int16)
    img = nifti1(data, rh_affine(zooms=(1.2, 0.9, 2.0)), cls=nib.Nifti2Image)
    return save(img, d, "generated_nifti2.nii")


def build_square_axial(d):
    """Square 1 mm pixels, single-frame series: suitable for orthanc-neuro's cross-check."""
    aff = make_affine(rotation(0.0, 0.0, 9.0), (-1.0, 1.0, 2.0), (25.0, -30.0, -10.0))
    data = as_int(phantom((24, 24, 14), seed=21, high=2000), np.int16)
    return save(nifti1(data, aff), d, "square_axial.nii")


def real(name):
    return os.path.join(NIBABEL_DATA, name)


CASES = [
    # Real files written by other tools (python3-nibabel's test data).
    Case("real_anatomical", path=real("anatomical.nii"), description="big-endian int16"),
    Case("real_functional", path=real("functional.nii"), description="4D, scl_slope/scl_inter"),
    Case("real_example4d", path=real("example4d.nii.gz"), description="oblique 4D, extensions"),
    Case("real_nifti2", path=real("example_nifti2.nii.gz"), description="NIfTI-2"),
    Case("real_standard", path=real("standard.nii.gz"), description="sform only, anisotropic uint8"),
    Case("real_reoriented_float", path=real("reoriented_anat_moved.nii"), kind="float",
         description="float32 big-endian"),
    Case("real_resampled_nan", path=real("resampled_anat_moved.nii"), kind="float",
         expect_warning=True, warning_contains="153", description="float32 with 153 NaN voxels"),
    # Generated geometry cases.
    Case("gen_oblique_rh", build_oblique_rh, description="oblique, right-handed, 0.7x1.3x2.5 mm"),
    Case("gen_oblique_lh", build_oblique_lh, description="oblique, left-handed, 0.7x1.3x2.5 mm"),
    Case("gen_aniso_axial", build_aniso_axial, description="axial, non-square pixels"),
    Case("gen_sagittal", build_sagittal_rh, description="sagittal slices"),
    Case("gen_sform_wins", build_sform_wins, description="sform and a different qform: sform must be used"),
    Case("gen_qform_only", build_qform_only, description="qform only, qfac=-1, misleading sform code 0"),
    Case("gen_qfac_zero", build_qfac_zero, description="qform only, pixdim[0] = 0 read as qfac +1"),
    Case("gen_mni_zstat", build_mni_space, kind="float", description="MNI template space z-map"),
    Case("gen_units_meter", build_units_meter, unit_scale=1000.0, description="xyzt_units metres"),
    Case("gen_units_micron", build_units_micron, unit_scale=0.001, description="xyzt_units micrometres"),
    Case("gen_no_transform", build_no_transform, compare="no_transform", expect_warning=True,
         description="qform_code = sform_code = 0"),
    Case("gen_4d", build_4d, description="4D, 3 volumes"),
    Case("gen_4d_one_volume", build_4d_one_volume, description="dim[4] = 1"),
    Case("gen_single_slice", build_single_slice, description="dim[3] = 1"),
    Case("gen_square_axial", build_square_axial, description="square pixels (neuro cross-check)"),
    # Data types.
    Case("gen_u8", build_u8),
    Case("gen_i8", build_i8),
    Case("gen_u16_full_range", build_u16),
    Case("gen_i32_fits16", build_i32_fits),
    Case("gen_u32_fits16", build_u32_fits),
    Case("gen_i32_wide", build_i32_wide, kind="float", description="int32 beyond 16 bits: rescaled"),
    Case("gen_i64_wide", build_i64_wide, kind="float", description="int64 beyond 16 bits: rescaled"),
    Case("gen_f64_fa", build_f64, kind="float"),
    Case("gen_f32_integers", build_f32_integers, description="float32 with integer values: lossless"),
    Case("gen_f32_nan_inf", build_f32_nan, kind="float", expect_warning=True,
         warning_contains=str(NAN_COUNT + INF_COUNT), description="37 NaN + 5 Inf voxels"),
    Case("gen_scaled_i16", build_scaled_i16, expect_rescale=(SCALED_SLOPE, SCALED_INTER)),
    Case("gen_nifti2", build_nifti2),
    Case("gen_nifti2_big_endian", build_nifti2_big_endian),
    Case("gen_slope_zero", build_slope_zero, description="scl_slope 0 (no scaling), scl_inter 100 ignored"),
    Case("gen_pixdim_zero_sform", build_pixdim_zero_sform, description="pixdim 0, valid sform"),
    Case("gen_dim0_mismatch", build_dim0_mismatch, description="dim[0] = 3, junk in dim[4..5]"),
    # Modality / parent variants.
    Case("gen_ct_parent", build_ct_hu, parent="CT", expect_sop="CT", description="CT parent: CT by default"),
    Case("gen_ct_requested", build_ct_hu, parent="MR", expect_sop="CT", request={"Modality": "CT"},
         description="MR parent, Modality CT requested"),
    Case("gen_mr_in_ct_parent", build_u8, parent="CT2", expect_sop="MR", request={"Modality": "MR"},
         description="CT parent, Modality MR requested"),
    Case("gen_latin1_parent", build_u8, parent="LATIN1", expect_sop="CT", description="ISO_IR 100 parent with accented names"),
    Case("gen_utf8_parent", build_oblique_lh, parent="UTF8", description="UTF-8 patient name in parent"),
]

CASES_BY_NAME = {c.name: c for c in CASES}


# --------------------------------------------------------------------------- bad inputs (raw bytes)
def analyze_single_file():
    """ANALYZE 7.5 (nibabel's analyze.hdr, no NIfTI magic) followed by its full voxel data, laid out
    like a single-file .nii: a converter must refuse it (no orientation)."""
    with open(real("analyze.hdr"), "rb") as f:
        hdr = f.read()
    with open(real("analyze.hdr"), "rb") as f:
        parsed = nib.AnalyzeHeader.from_fileobj(f)
    n = int(np.prod(parsed.get_data_shape())) * parsed.get_data_dtype().itemsize
    voxels = np.random.default_rng(5).integers(0, 256, n, dtype=np.uint8).tobytes()
    return hdr + b"\0" * 4 + voxels


def nifti_bytes(img, gz=False):
    """Serialized single-file NIfTI of `img` (gzipped if asked)."""
    data = img.to_bytes()
    return gzip.compress(data) if gz else data


def small_valid_image(dtype=np.int16, shape=(8, 8, 4)):
    data = as_int(phantom(shape, seed=30, high=100), dtype) if np.dtype(dtype).kind in "iu" \
        else phantom(shape, seed=30, high=100).astype(dtype)
    return nifti1(data, lh_affine(zooms=(1.0, 1.0, 1.0)))


def patch_header(raw, offset, fmt, value):
    """Overwrite one little-endian field of a NIfTI header."""
    import struct
    raw = bytearray(raw)
    struct.pack_into("<" + fmt, raw, offset, value)
    return bytes(raw)
