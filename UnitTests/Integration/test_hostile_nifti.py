"""Hostile NIfTI files: a gzip trailer that lies about its size, slices wider than DICOM allows, voxel sizes
that are not numbers, vox_offset inside the header and bogus extension sizes. Each is refused with the
documented status and a message that names the problem (no server paths), nothing is stored, Orthanc stays up
and its memory bounded; an upload of a file whose summary would hold Inf stays listed, found and deletable.

Contract: README.md, error table of POST /nifti/import and the description of GET /nifti/uploads/{id}."""

import gzip
import struct

import numpy as np
import nibabel as nib
import pytest

from conftest import start_extra_server, stop_extra_server, new_parent_study
from nifti_cases import small_valid_image, nifti_bytes, patch_header, lh_affine
from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse: every test's peak RSS bounded)


@pytest.fixture(scope="module")
def parent(parents):
    return parents["MR"].orthanc_id


def _message(r):
    return (r.json_or_none() or {}).get("Message", "")


def _assert_refused(orthanc, r, before, status, words):
    assert orthanc.alive(), "Orthanc died:\n%s" % orthanc.log_tail(40)
    assert r.status == status, r.describe()
    message = _message(r)
    for word in words:
        assert word in message, r.describe()
    assert "/tmp" not in message and "/work" not in message, r.describe()
    assert orthanc.count("instances") == before, "something was stored"


def _nifti2(shape):
    img = nib.Nifti2Image(np.zeros(shape, np.uint8), lh_affine(zooms=(1.0, 1.0, 1.0)))
    return nifti_bytes(img)


def _with_extensions(extensions, vox_offset=None):
    """A valid NIfTI-1 whose extender announces extensions: the raw bytes `extensions` after it."""
    raw = bytearray(nifti_bytes(small_valid_image()))
    header, voxels = raw[:348], raw[352:]
    offset = 352 + len(extensions) if vox_offset is None else vox_offset
    struct.pack_into("<f", header, 108, float(offset))
    data = bytes(header) + b"\x01\x00\x00\x00" + extensions
    return data + b"\x00" * (offset - len(data)) + bytes(voxels)


def _extension(size, code=6, stored_size=None):
    return struct.pack("<ii", size if stored_size is None else stored_size, code) + b"x" * (size - 8)


# --- (2) a gzip trailer announcing 4 GB -----------------------------------------------------------------

def test_gzip_trailer_lie_does_not_allocate(tmp_path_factory):
    """21 bytes whose ISIZE says 4 GB, under the default MaximumVolumeSize (4096 MB): refused as damaged,
    and Orthanc's peak RSS does not grow by the announced size."""
    root = tmp_path_factory.mktemp("hostile-gzip")
    server = start_extra_server(root, "hostile-gzip")
    try:
        study, _ = new_parent_study(server, "gzip")
        lie = bytearray(gzip.compress(b"x"))
        lie[-4:] = b"\xff\xff\xff\xff"
        assert len(lie) == 21
        before = server.count("instances")
        server.reset_peak_memory()
        rss = server.memory()["VmRSS"]
        r = server.nifti_import(bytes(lie), study)
        growth = server.memory()["VmHWM"] - rss
        _assert_refused(server, r, before, 400, ["gzip", "damaged"])
        assert growth < 100 * 1024 * 1024, "peak RSS grew by %.0f MB" % (growth / 1e6)
    finally:
        stop_extra_server(server)


# --- (3) slices beyond DICOM's 16-bit Rows and Columns ------------------------------------------------

@pytest.mark.parametrize("shape,dim", [((65536, 1, 1), "dim[1]"), ((70000, 1, 1), "dim[1]"),
                                       ((1, 70000, 1), "dim[2]")])
def test_slices_beyond_65535_refused(orthanc, parent, shape, dim):
    before = orthanc.count("instances")
    r = orthanc.nifti_import(_nifti2(shape), parent)
    _assert_refused(orthanc, r, before, 415, [dim, "at most 65535 columns and rows"])


def test_slices_of_65535_are_not_refused_for_their_size(orthanc, parent):
    r = orthanc.nifti_import(_nifti2((65535, 1, 1)), parent)
    assert orthanc.alive()
    assert "65535 columns" not in _message(r), r.describe()


# --- (8) Inf and NaN voxel sizes in an upload's summary -----------------------------------------------

@pytest.mark.parametrize("value", [float("inf"), float("nan"), float("-inf")])
def test_upload_with_non_finite_pixdim_is_listed_found_deletable(orthanc, value):
    raw = patch_header(nifti_bytes(small_valid_image()), 80, "f", value)   # pixdim[1]
    r = orthanc.post("/nifti/uploads", raw, headers={"X-Filename": "inf.nii"})
    assert orthanc.alive()
    assert r.status == 200, r.describe()
    upload = r.json()
    assert upload is not None, r.describe()
    assert upload["Header"]["VoxelSize"][0] is None, upload
    assert upload["ID"] in orthanc.get_json("/nifti/uploads")
    assert orthanc.get_json("/nifti/uploads/%s" % upload["ID"])["Header"]["VoxelSize"][0] is None
    assert orthanc.delete("/nifti/uploads/%s" % upload["ID"]).status == 200
    assert orthanc.get("/nifti/uploads/%s" % upload["ID"]).status == 404
    assert upload["ID"] not in orthanc.get_json("/nifti/uploads")


def test_import_with_inf_pixdim_never_stores_inf(orthanc, parent):
    """The import path ignores a non-finite transform with a warning or refuses it; nothing non-finite is
    stored (the header reader does not refuse it: the geometry decides)."""
    raw = patch_header(nifti_bytes(small_valid_image()), 80, "f", float("inf"))
    before = orthanc.count("instances")
    r = orthanc.nifti_import(raw, parent)
    assert orthanc.alive()
    if r.status != 200:
        assert 400 <= r.status <= 499, r.describe()
        assert orthanc.count("instances") == before
        return
    for iid in orthanc.get_json("/series/%s" % r.json()["ID"])["Instances"]:
        tags = orthanc.get_json("/instances/%s/simplified-tags" % iid)
        values = tags["PixelSpacing"].split("\\") + tags["ImagePositionPatient"].split("\\")
        assert all(np.isfinite(float(v)) for v in values), tags


# --- (11) vox_offset inside the header, bogus extension sizes ----------------------------------------

@pytest.mark.parametrize("offset", [1.0, 200.0, 348.0, 351.0])
def test_vox_offset_inside_header_refused(orthanc, parent, offset):
    raw = patch_header(nifti_bytes(small_valid_image()), 108, "f", offset)
    before = orthanc.count("instances")
    r = orthanc.nifti_import(raw, parent)
    _assert_refused(orthanc, r, before, 400, ["vox_offset", "starts at byte 352 or later"])


def test_vox_offset_inside_nifti2_header_refused(orthanc, parent):
    raw = bytearray(_nifti2((4, 4, 4)))
    struct.pack_into("<q", raw, 168, 540)
    before = orthanc.count("instances")
    r = orthanc.nifti_import(bytes(raw), parent)
    _assert_refused(orthanc, r, before, 400, ["vox_offset", "starts at byte 544 or later"])


@pytest.mark.parametrize("name,extensions,words", [
    ("size_not_multiple_of_16", _extension(32, stored_size=20), ["not a positive multiple of 16"]),
    ("negative_size", _extension(32, stored_size=-16), ["not a positive multiple of 16"]),
    ("size_past_vox_offset", _extension(32, stored_size=4096), ["runs past the start of the voxel data"]),
    ("second_extension_bogus", _extension(32) + _extension(32, stored_size=0x65656565),
     ["extension at byte 384", "not a positive multiple of 16"]),
])
def test_bogus_extension_refused(orthanc, parent, name, extensions, words):
    before = orthanc.count("instances")
    r = orthanc.nifti_import(_with_extensions(extensions), parent)
    _assert_refused(orthanc, r, before, 400, ["extension"] + words)


def test_bogus_extension_upload_refused(orthanc):
    before = orthanc.get_json("/nifti/uploads")
    r = orthanc.post("/nifti/uploads", _with_extensions(_extension(32, stored_size=4096)),
                     headers={"X-Filename": "ext.nii"})
    assert orthanc.alive()
    assert r.status == 400, r.describe()
    assert "runs past the start of the voxel data" in _message(r), r.describe()
    assert orthanc.get_json("/nifti/uploads") == before


def test_valid_extensions_and_padding_import(orthanc, parent):
    r = orthanc.nifti_import(_with_extensions(_extension(32) + _extension(48), vox_offset=512), parent)
    assert r.status == 200, r.describe()
