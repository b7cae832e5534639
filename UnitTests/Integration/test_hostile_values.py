"""Values at the edges of float64: a 16-bit rescale that cannot carry them is refused with a 415 that says so
(RescaleSlope 0 or an infinite DS used to destroy them silently); accepted ones are stored with finite, non-zero
RescaleSlope and WindowWidth and read back within the rescale's precision. Diffusion tables with huge or
non-finite numbers: finite unit directions, or a 400 naming the file and the position. Orthanc stays up and a
refusal stores nothing.

Contract: README.md, error table of POST /nifti/import (415 "cannot be stored as 16-bit pixels with a rescale",
400 bval/bvec numbers), the Classic pixel rows and the Parametric Map paragraph."""

import base64
import io
import math

import nibabel as nib
import numpy as np
import pydicom
import pytest

import nifti_cases
from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse: every test's peak RSS bounded)

SHAPE = (6, 5, 3)


@pytest.fixture(scope="module")
def parent(parents):
    return parents["MR"].orthanc_id


def _image(values):
    """A NIfTI-2 (float64 header fields) of the values, Fortran order."""
    img = nib.Nifti2Image(np.asarray(values).reshape(SHAPE, order="F"), nifti_cases.lh_affine(zooms=(1.0, 1.0, 1.0)))
    img.header.set_sform(img.affine, 2)
    img.header.set_qform(img.affine, 2)
    return img


def _raw(img, slope=None, inter=0.0):
    """Bytes of "img", with scl_slope/scl_inter patched in (nibabel would otherwise rescale the data itself)."""
    raw = img.to_bytes()
    if slope is not None:
        raw = nifti_cases.patch_header(raw, 176, "d", slope)   # NIfTI-2 scl_slope
        raw = nifti_cases.patch_header(raw, 184, "d", inter)   # NIfTI-2 scl_inter
    return raw


def _extremes(low, high, dtype=np.float64):
    values = np.empty(int(np.prod(SHAPE)), dtype=dtype)
    values[0::3] = low
    values[1::3] = high
    values[2::3] = low / 2 + high / 2
    return values


def _import(orthanc, parent, nifti, **fields):
    body = {"Nifti": base64.b64encode(nifti).decode("ascii"), "ParentStudy": parent}
    body.update(fields)
    return orthanc.post_json("/nifti/import", body)


def _assert_refused(orthanc, r, before, status, *words):
    assert orthanc.alive(), "Orthanc died:\n%s" % orthanc.log_tail(40)
    assert r.status == status, r.describe()
    message = (r.json_or_none() or {}).get("Message", "")
    for word in words:
        assert word in message, r.describe()
    assert "/tmp" not in message and "/work" not in message, message
    assert orthanc.count("instances") == before, "something was stored"


def _datasets(orthanc, answer):
    result = []
    for iid in orthanc.get_json("/series/%s" % answer["ID"])["Instances"]:
        r = orthanc.get("/instances/%s/file" % iid)
        assert r.status == 200, r.describe()
        result.append(pydicom.dcmread(io.BytesIO(r.body)))
    return result


def _delete_series(orthanc, answer):
    orthanc.delete("/series/%s" % answer["ID"])


def _check_classic_values(datasets, expected):
    """expected: the NIfTI's real values, array (i, j, k). Returns the largest error seen / the slope."""
    worst = 0.0
    for ds in datasets:
        slope, inter = float(ds.RescaleSlope), float(ds.RescaleIntercept)
        width = ds.WindowWidth
        widths = [float(w) for w in (width if isinstance(width, pydicom.multival.MultiValue) else [width])]
        assert math.isfinite(slope) and slope != 0, ds.RescaleSlope
        assert math.isfinite(inter), ds.RescaleIntercept
        assert all(math.isfinite(w) and w != 0 for w in widths), ds.WindowWidth
        center = ds.WindowCenter
        assert all(math.isfinite(float(c)) for c in (center if isinstance(center, pydicom.multival.MultiValue)
                                                     else [center]))
        k = int(ds.InstanceNumber) - 1
        pixels = ds.pixel_array.astype(np.float64) * slope + inter
        # DICOM rows run opposite to NIfTI's j axis; pixel (r, c) = voxel (c, ny-1-r, k)
        want = expected[:, ::-1, k].T
        error = np.max(np.abs(pixels - want))
        assert error <= slope / 2 * 1.001 + 1e-300, "slice %d: error %g, slope %g" % (k, error, slope)
        worst = max(worst, error / slope)
    return worst


@pytest.mark.parametrize("name,low,high", [
    ("range_overflows", -1e308, 1e308),
    ("intercept_overflows", -np.finfo(np.float64).max, 0.0),
    ("slope_underflows", 0.0, 1e-320),
    ("subnormal_step", 1e-310, 2e-310),
])
def test_float64_ranges_a_rescale_cannot_carry_are_refused(orthanc, parent, name, low, high):
    before = orthanc.count("instances")
    r = _import(orthanc, parent, _raw(_image(_extremes(low, high))))
    _assert_refused(orthanc, r, before, 415, "cannot be stored as 16-bit pixels with a rescale", "ParametricMap")


@pytest.mark.parametrize("type_", ["Classic", "EnhancedMR"])
def test_refused_for_the_enhanced_mr_too(orthanc, parent, type_):
    before = orthanc.count("instances")
    r = _import(orthanc, parent, _raw(_image(_extremes(-1e308, 1e308))), Type=type_)
    _assert_refused(orthanc, r, before, 415, "16-bit")


@pytest.mark.parametrize("dtype,value,slope", [(np.int16, 3, 1e308), (np.float32, 1e30, 1e300)])
def test_scaling_that_overflows_is_refused(orthanc, parent, dtype, value, slope):
    values = np.full(int(np.prod(SHAPE)), value, dtype=dtype)
    values[4] = 1
    before = orthanc.count("instances")
    r = _import(orthanc, parent, _raw(_image(values), slope=slope))
    _assert_refused(orthanc, r, before, 415, "scl_slope", "float64 range")


@pytest.mark.parametrize("name,low,high", [
    ("huge_positive", 1e308, 1.7e308),
    ("huge_negative", -1.7e308, -1e308),
    ("range_just_finite", -8e307, 8e307),
    ("all_equal_subnormal", 1e-320, 1e-320),
    ("all_equal_huge", 1e300, 1e300),
    ("tiny_normal_step", 0.0, 1e-300),
])
def test_extreme_but_storable_values_read_back(orthanc, parent, name, low, high):
    values = _extremes(low, high)
    r = _import(orthanc, parent, _raw(_image(values)))
    assert orthanc.alive()
    assert r.status == 200, r.describe()
    answer = r.json()
    try:
        datasets = _datasets(orthanc, answer)
        assert len(datasets) == SHAPE[2]
        _check_classic_values(datasets, values.reshape(SHAPE, order="F"))
    finally:
        _delete_series(orthanc, answer)


def test_nan_and_inf_voxels_stored_as_zero_with_a_warning(orthanc, parent):
    values = _extremes(-2.5, 1000.25)
    values[5] = np.nan
    values[6] = np.inf
    values[7] = -np.inf
    r = _import(orthanc, parent, _raw(_image(values)))
    assert r.status == 200, r.describe()
    answer = r.json()
    try:
        assert any("NaN or infinite" in w for w in answer.get("Warnings", [])), answer
        expected = values.copy()
        expected[~np.isfinite(expected)] = 0
        datasets = _datasets(orthanc, answer)
        _check_classic_values(datasets, expected.reshape(SHAPE, order="F"))
    finally:
        _delete_series(orthanc, answer)


def _parametric_window(ds):
    shared = ds.SharedFunctionalGroupsSequence[0]
    voi = shared.FrameVOILUTSequence[0]
    mapping = shared.RealWorldValueMappingSequence[0]
    return (float(voi.WindowCenter), float(voi.WindowWidth), float(mapping.DoubleFloatRealWorldValueFirstValueMapped),
            float(mapping.DoubleFloatRealWorldValueLastValueMapped))


@pytest.mark.parametrize("low,high", [(-np.finfo(np.float64).max, np.finfo(np.float64).max), (1e308, 1.7e308),
                                      (0.0, 1e-320)])
def test_parametric_map_window_is_finite(orthanc, parent, low, high):
    values = _extremes(low, high)
    r = _import(orthanc, parent, _raw(_image(values)), Type="ParametricMap", DoublePrecision=True)
    assert r.status == 200, r.describe()
    answer = r.json()
    try:
        (ds,) = _datasets(orthanc, answer)
        center, width, first, last = _parametric_window(ds)
        assert all(math.isfinite(v) for v in (center, width, first, last)), (center, width, first, last)
        assert width > 0
        assert first == low and last == high
    finally:
        _delete_series(orthanc, answer)


def test_parametric_map_float32_refuses_values_beyond_float(orthanc, parent):
    before = orthanc.count("instances")
    r = _import(orthanc, parent, _raw(_image(_extremes(0.0, 1e300))), Type="ParametricMap")
    _assert_refused(orthanc, r, before, 415, "float32", "DoublePrecision")


# --- Diffusion tables ---------------------------------------------------------------------------------------

DWI_SHAPE = (4, 4, 2, 3)


def _dwi():
    rng = np.random.default_rng(5)
    data = rng.integers(0, 1000, size=DWI_SHAPE).astype(np.int16)
    img = nib.Nifti1Image(data, nifti_cases.rh_affine(zooms=(2.0, 2.0, 3.0)))
    img.header.set_sform(img.affine, 2)
    img.header.set_qform(img.affine, 2)
    return img.to_bytes()


@pytest.mark.parametrize("bval,bvec,words", [
    ("0 1000 1e999", "0 1 0\n0 0 1\n0 0 0", ['bval: "1e999" on line 1', "number 3 of the line"]),
    ("0 1000 1000", "0 1 0\n0 inf 1\n0 0 0", ['bvec: "inf" on line 2', "number 2 of the line"]),
    ("0 1000 1000", "0 1 0\n0 0 1\nnan 0 0", ['bvec: "nan" on line 3', "number 1 of the line"]),
    ("0 1000 1000", "0 1 0\n0 0 1\n0 0 1e-400", ['bvec: "1e-400" on line 3', "number 3 of the line"]),
])
def test_non_finite_diffusion_numbers_refused(orthanc, parent, bval, bvec, words):
    before = orthanc.count("instances")
    r = _import(orthanc, parent, _dwi(), Bval=bval, Bvec=bvec)
    _assert_refused(orthanc, r, before, 400, *words)


def test_huge_bvec_gives_finite_unit_directions(orthanc, parent):
    r = _import(orthanc, parent, _dwi(), Bval="0 1000 1000",
                Bvec="0 1.7e308 1e308\n0 1.7e308 -1e308\n0 1.7e308 1e308")
    assert r.status == 200, r.describe()
    answer = r.json()
    try:
        for ds in _datasets(orthanc, answer):
            mr = ds.MRDiffusionSequence[0] if "MRDiffusionSequence" in ds else ds
            b = float(mr.DiffusionBValue)
            if b == 0:
                continue
            g = [float(v) for v in mr.DiffusionGradientOrientation]
            assert all(math.isfinite(v) for v in g), g
            assert abs(sum(v * v for v in g) - 1) < 1e-9, g
            assert mr.DiffusionDirectionality == "DIRECTIONAL"
    finally:
        _delete_series(orthanc, answer)
