"""Inputs that must be refused: a 4xx answer with a JSON body that explains why, nothing stored,
and the server still healthy afterwards."""

import base64
import gzip
import json
import os
import re
import subprocess
import struct

import numpy as np
import nibabel as nib
import pytest

import nifti_cases
from nifti_cases import real, small_valid_image, nifti_bytes, patch_header, lh_affine, phantom, as_int
from orthanc_harness import ORTHANC_BINARY

# Expectation classes.
CONTENT = "bad content"        # 400..499 except 401/403 (auth), 404 (what a missing route answers), 405
NOT_FOUND = "unknown parent"   # exactly 404
TOO_LARGE = "too large"        # exactly 413
ANY_4XX = "any 4xx"            # 400..499 except 401/403/405


def _b64(data):
    return base64.b64encode(data).decode("ascii")


def _json(obj):
    return json.dumps(obj).encode("utf-8")


def _valid_nifti():
    return nifti_bytes(small_valid_image())


def _sheared(inplane, amount=None):
    aff = lh_affine(zooms=(1.0, 1.0, 2.0))
    shear = np.eye(4)
    if inplane:
        shear[0, 1] = amount or 0.35   # x depends on j: columns 0 and 1 not orthogonal
    else:
        shear[0, 2] = amount or 0.5    # x depends on k: slices slanted
    aff = aff @ shear
    data = as_int(phantom((8, 8, 4), seed=40, high=100), np.int16)
    img = nib.Nifti1Image(data, aff)
    img.set_sform(aff, code=2)
    img.set_qform(None, code=0)
    return nifti_bytes(img)


def _datatype_image(dtype):
    shape = (6, 5, 3)
    if dtype == "rgb":
        rgb = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])
        data = np.zeros(shape, dtype=rgb)
        data["R"] = 10
        data["G"] = 20
        data["B"] = 30
    else:
        data = (np.arange(np.prod(shape)).reshape(shape) * (1 + 1j)).astype(dtype)
    img = nib.Nifti1Image(data, lh_affine(zooms=(1.0, 1.0, 1.0)))
    return nifti_bytes(img)


def _unknown_datatype():
    raw = _valid_nifti()
    raw = patch_header(raw, 70, "h", 9999)   # datatype
    return patch_header(raw, 72, "h", 16)    # bitpix


def _negative_dim():
    return patch_header(_valid_nifti(), 42, "h", -5)     # dim[2]


def _five_d():
    data = as_int(phantom((8, 8, 4), seed=41, high=100), np.int16).reshape(8, 8, 4, 1, 1)
    data = np.concatenate([data, data + 1], axis=4)
    return nifti_bytes(nib.Nifti1Image(data, lh_affine(zooms=(1.0, 1.0, 1.0))))


def _overflow_nifti2():
    """NIfTI-2: dim = [3, 2^40, 2^40, 2^40]: the voxel count overflows 64 bits."""
    img = nib.Nifti2Image(as_int(phantom((4, 4, 4), seed=42, high=10), np.int16), lh_affine(zooms=(1, 1, 1)))
    raw = bytearray(nifti_bytes(img))
    assert struct.unpack_from("<i", raw, 0)[0] == 540
    struct.pack_into("<8q", raw, 16, 3, 2 ** 40, 2 ** 40, 2 ** 40, 1, 1, 1, 1)
    return bytes(raw)


def _huge_dims_nifti1():
    """NIfTI-1 claiming 32767^3 x 32767 float64 voxels (about 9.2e18 bytes) with a few bytes of data."""
    raw = nifti_bytes(nib.Nifti1Image(np.zeros((4, 4, 4), np.float64), lh_affine(zooms=(1, 1, 1))))
    raw = patch_header(raw, 40, "h", 4)
    for i in range(1, 5):
        raw = patch_header(raw, 40 + 2 * i, "h", 32767)
    return raw


def _truncated():
    with open(real("anatomical.nii"), "rb") as f:
        data = f.read()
    return data[:int(len(data) * 0.6)]


def _truncated_header():
    with open(real("anatomical.nii"), "rb") as f:
        return f.read()[:200]


def _gzip_garbage():
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + np.random.default_rng(1).integers(
        0, 256, 3000, dtype=np.uint8).tobytes()


def _gzip_truncated():
    with open(real("example4d.nii.gz"), "rb") as f:
        data = f.read()
    return data[:len(data) // 2]


def _file(path):
    with open(path, "rb") as f:
        return f.read()


def _too_large(gz):
    """A valid NIfTI that decodes to ~3.1 MB, above the session's MaximumUploadSize and MaximumVolumeSize
    of 2 MB; gzipped zeros make a 4 kB upload that only the volume limit catches."""
    from conftest import MAX_UPLOAD_MB, MAX_VOLUME_MB
    shape = (128, 128, 100)
    assert np.prod(shape) * 2 > (max(MAX_UPLOAD_MB, MAX_VOLUME_MB) + 1) * 1024 * 1024
    data = np.zeros(shape, np.int16) if gz else as_int(phantom(shape, seed=43, high=1000), np.int16)
    return nifti_bytes(nib.Nifti1Image(data, lh_affine(zooms=(1.0, 1.0, 1.0))), gz=gz)


def _negative_vox_offset():
    return patch_header(_valid_nifti(), 108, "f", -1000.0)


def _vox_offset_beyond_end():
    return patch_header(_valid_nifti(), 108, "f", 1.0e6)


def _bitpix_disagrees():
    return patch_header(_valid_nifti(), 72, "h", 8)   # int16 data type with bitpix 8


def _huge_header_small_gzip():
    """A .nii.gz whose header announces 1024^3 int16 voxels (2 GiB) but whose stream holds 1 MB."""
    img = nib.Nifti1Image(np.zeros((4, 4, 4), np.int16), lh_affine(zooms=(1, 1, 1)))
    raw = bytearray(img.to_bytes()[:352])
    struct.pack_into("<4h", raw, 40, 3, 1024, 1024, 1024)
    return gzip.compress(bytes(raw) + b"\0" * (1024 * 1024))


def _with_nifti(raw, **extra):
    def build(ctx):
        body = {"Nifti": _b64(raw() if callable(raw) else raw), "ParentStudy": ctx["parent"]}
        body.update(extra)
        return _json(body)
    return build


BAD = [
    # The request itself.
    ("empty_body", lambda ctx: b"", CONTENT),
    ("malformed_json", lambda ctx: b'{"Nifti": "AAAA", "ParentStudy": ', CONTENT),
    ("json_array", lambda ctx: b"[1, 2, 3]", CONTENT),
    ("json_string", lambda ctx: b'"a string"', CONTENT),
    ("json_null", lambda ctx: b"null", CONTENT),
    ("missing_nifti", lambda ctx: _json({"ParentStudy": ctx["parent"]}), CONTENT),
    ("missing_parent_study", lambda ctx: _json({"Nifti": _b64(_valid_nifti())}), CONTENT),
    ("nifti_is_a_number", lambda ctx: _json({"Nifti": 12345, "ParentStudy": ctx["parent"]}), CONTENT),
    ("nifti_is_null", lambda ctx: _json({"Nifti": None, "ParentStudy": ctx["parent"]}), CONTENT),
    ("nifti_is_empty", lambda ctx: _json({"Nifti": "", "ParentStudy": ctx["parent"]}), CONTENT),
    ("parent_is_a_number", lambda ctx: _json({"Nifti": _b64(_valid_nifti()), "ParentStudy": 42}), CONTENT),
    ("parent_is_empty", lambda ctx: _json({"Nifti": _b64(_valid_nifti()), "ParentStudy": ""}), ANY_4XX),
    ("modality_unsupported", _with_nifti(_valid_nifti, Modality="US"), CONTENT),
    ("modality_wrong_type", _with_nifti(_valid_nifti, Modality=3), CONTENT),
    ("tags_not_an_object", _with_nifti(_valid_nifti, Tags="SeriesNumber=3"), CONTENT),
    ("series_description_wrong_type", _with_nifti(_valid_nifti, SeriesDescription=["a", "b"]), CONTENT),
    ("invalid_base64", lambda ctx: _json({"Nifti": "@@@ this is not base64 ###", "ParentStudy": ctx["parent"]}),
     CONTENT),
    # Bytes that are not (usable) NIfTI.
    ("random_bytes", _with_nifti(lambda: np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes()),
     CONTENT),
    ("dicom_file_instead", _with_nifti(lambda: _file(os.path.join(nifti_cases.PYDICOM_FILES, "MR_small.dcm"))),
     CONTENT),
    ("analyze_7_5_no_magic", _with_nifti(nifti_cases.analyze_single_file), CONTENT),
    ("nifti1_pair_header_only", _with_nifti(lambda: _file(real("nifti1.hdr"))), CONTENT),
    ("truncated_data", _with_nifti(_truncated), CONTENT),
    ("truncated_header", _with_nifti(_truncated_header), CONTENT),
    ("gzip_garbage", _with_nifti(_gzip_garbage), CONTENT),
    ("gzip_truncated", _with_nifti(_gzip_truncated), CONTENT),
    ("dims_overflow_nifti2", _with_nifti(_overflow_nifti2), CONTENT),
    ("huge_dims_nifti1", _with_nifti(_huge_dims_nifti1), CONTENT),
    ("negative_dim", _with_nifti(_negative_dim), CONTENT),
    ("negative_vox_offset", _with_nifti(_negative_vox_offset), CONTENT),
    ("vox_offset_beyond_end", _with_nifti(_vox_offset_beyond_end), CONTENT),
    ("bitpix_disagrees_with_datatype", _with_nifti(_bitpix_disagrees), CONTENT),
    ("gzip_header_announces_2GiB", _with_nifti(_huge_header_small_gzip), CONTENT),
    ("unknown_datatype", _with_nifti(_unknown_datatype), CONTENT),
    ("complex64", _with_nifti(lambda: _datatype_image(np.complex64)), CONTENT),
    ("cifti_dconn", _with_nifti(lambda: _file(real("row_major.dconn.nii"))), CONTENT),
    ("sheared_in_plane", _with_nifti(lambda: _sheared(True)), CONTENT),
    ("sheared_through_plane", _with_nifti(lambda: _sheared(False)), CONTENT),
    ("dim5_greater_than_1", _with_nifti(_five_d), CONTENT),
    # Unknown parent.
    ("unknown_parent_orthanc_id", lambda ctx: _json({"Nifti": _b64(_valid_nifti()),
                                                     "ParentStudy": "0badbad0-11111111-22222222-33333333-44444444"}),
     NOT_FOUND),
    ("unknown_parent_study_uid", lambda ctx: _json({"Nifti": _b64(_valid_nifti()),
                                                    "ParentStudy": "1.2.826.0.1.3680043.8.498.999999999"}),
     NOT_FOUND),
    ("series_id_as_parent", lambda ctx: _json({"Nifti": _b64(_valid_nifti()), "ParentStudy": ctx["series"]}),
     NOT_FOUND),
    # Size limits (the session's Orthanc has "NiftiToDicom": {"MaximumUploadSize": 2, "MaximumVolumeSize": 2}):
    # a 3.1 MB .nii exceeds the upload limit; a 4 kB .nii.gz that inflates to 3.3 MB exceeds the volume limit.
    ("larger_than_maximum_upload", _with_nifti(lambda: _too_large(False)), TOO_LARGE),
    ("gzip_expanding_beyond_maximum", _with_nifti(lambda: _too_large(True)), TOO_LARGE),
    ("slightly_sheared", _with_nifti(lambda: _sheared(True, amount=0.01)), CONTENT),
]


def _generic_descriptions():
    """Orthanc's generic error descriptions ('Bad request', 'Unknown resource', ...) and HTTP reason
    phrases: a Message made only of one of these does not tell the user what is wrong."""
    out = subprocess.run([ORTHANC_BINARY, "--errors"], stdout=subprocess.PIPE, timeout=30).stdout.decode()
    generic = set()
    for line in out.splitlines():
        m = re.match(r"^\s*-?\d+\s+(.*\S)\s*$", line)
        if m:
            generic.add(m.group(1).strip().lower())
    generic |= {"bad request", "not found", "unsupported media type", "payload too large",
                "request entity too large", "unprocessable entity", "internal server error", "error"}
    return generic


GENERIC = None


def _is_specific(text):
    global GENERIC
    if GENERIC is None:
        GENERIC = _generic_descriptions()
    return isinstance(text, str) and len(text.split()) >= 3 and text.strip().rstrip(".").lower() not in GENERIC


def _status_ok(status, expectation):
    if expectation == NOT_FOUND:
        return status == 404
    if expectation == TOO_LARGE:
        return status == 413
    if expectation == ANY_4XX:
        return 400 <= status <= 499 and status not in (401, 403, 405)
    return 400 <= status <= 499 and status not in (401, 403, 404, 405)


@pytest.fixture(scope="module")
def ctx(parents):
    return {"parent": parents["MR"].orthanc_id, "series": parents["MR"].series_id}


@pytest.mark.parametrize("name,build,expectation", BAD, ids=[b[0] for b in BAD])
def test_bad_input_refused(orthanc, ctx, name, build, expectation):
    body = build(ctx)
    before = (orthanc.count("instances"), orthanc.count("series"))
    r = orthanc.post("/nifti/import", body, "application/json")
    after = (orthanc.count("instances"), orthanc.count("series"))
    assert orthanc.alive(), "Orthanc died on %s:\n%s" % (name, orthanc.log_tail(40))
    assert after == before, "%s: something was stored (instances, series) %s -> %s; answer %s" % (
        name, before, after, r.describe())
    assert _status_ok(r.status, expectation), "%s: expected %s, got %s" % (name, expectation, r.describe())
    answer = r.json_or_none()
    assert isinstance(answer, dict), "%s: the error body should be a JSON object: %s" % (name, r.describe())
    assert answer.get("HttpStatus") == r.status, "%s: HttpStatus %r != %d" % (name, answer.get("HttpStatus"), r.status)
    message = answer.get("Message")
    assert isinstance(message, str) and message.strip(), "%s: empty Message: %s" % (name, r.describe())
    reason = message if _is_specific(message) else answer.get("Details")
    assert _is_specific(reason), ("%s: neither Message nor Details says what is wrong (Message %r, Details %r)"
                                  % (name, message, answer.get("Details")))
    print("%s -> HTTP %d: %s" % (name, r.status, reason))


@pytest.mark.parametrize("name", ["missing_nifti", "truncated_data", "cifti_dconn", "unknown_parent_orthanc_id",
                                  "larger_than_maximum_upload"])
def test_error_message_field_is_the_reason(orthanc, ctx, name):
    """The API contract puts the human-readable reason into "Message" itself, not only into "Details"."""
    build = {b[0]: b[1] for b in BAD}[name]
    r = orthanc.post("/nifti/import", build(ctx), "application/json")
    answer = r.json_or_none() or {}
    assert 400 <= r.status <= 499, r.describe()
    assert _is_specific(answer.get("Message")), "Message %r is not a specific sentence (Details %r)" % (
        answer.get("Message"), answer.get("Details"))
    # The rest of Orthanc's error form.
    assert answer.get("HttpStatus") == r.status
    assert answer.get("Method") == "POST" and answer.get("Uri") == "/nifti/import", r.describe()
    assert isinstance(answer.get("HttpError"), str) and answer["HttpError"], r.describe()


def test_server_healthy_after_bad_inputs(orthanc):
    r = orthanc.get("/system")
    assert r.status == 200, r.describe()
    assert orthanc.is_running()


def test_huge_announced_size_does_not_allocate(orthanc, ctx):
    """A header announcing 2 GiB must be refused before allocating it: Orthanc's peak RSS stays low."""
    body = _with_nifti(_huge_header_small_gzip)(ctx)
    orthanc.reset_peak_memory()
    before = orthanc.memory()["VmRSS"]
    r = orthanc.post("/nifti/import", body, "application/json")
    peak = orthanc.memory()["VmHWM"]
    assert 400 <= r.status <= 499, r.describe()
    assert peak - before < 256 * 1024 * 1024, "peak RSS grew by %.0f MB for a refused request" % (
        (peak - before) / 1e6)


def test_nan_in_sform_survived(orthanc, ctx, tmp_path):
    """NaN in srow_x with sform_code 2 (valid qform beside it): refuse with 4xx, or fall back to the
    qform with a warning; never a 5xx, never a series with NaN geometry."""
    img = small_valid_image()
    raw = patch_header(nifti_bytes(img), 280, "f", float("nan"))   # srow_x[0]
    before = orthanc.count("instances")
    r = orthanc.nifti_import(raw, ctx["parent"])
    assert orthanc.alive()
    if r.status != 200:
        assert 400 <= r.status <= 499, r.describe()
        assert orthanc.count("instances") == before
        return
    a = r.json()
    assert a.get("Warnings"), "the NaN sform was ignored without a warning: %s" % a
    for iid in orthanc.get_json("/series/%s" % a["ID"])["Instances"]:
        tags = orthanc.get_json("/instances/%s/simplified-tags" % iid)
        values = tags["ImagePositionPatient"].split("\\") + tags["ImageOrientationPatient"].split("\\")
        assert all(np.isfinite(float(v)) for v in values), tags
