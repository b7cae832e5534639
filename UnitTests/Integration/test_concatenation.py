"""Multi-frame objects beyond MaximumInstanceSize are stored as a DICOM concatenation (PS3.3 C.7.6.16.2.2.4).

A server of its own with "MaximumInstanceSize": 1 (MB) imports 4D volumes of a few MB as Enhanced MR, Parametric
Map and (RGB24) Enhanced MR Color: several instances ("pieces") in one series. Checked with tools nobody here wrote:
dciodvfy finds no error in any piece; an independent reader written here with pydicom and numpy (grouping the pieces
by ConcatenationUID, ordering them by InConcatenationNumber, placing their frames at ConcatenationFrameOffsetNumber)
gives back every voxel of the NIfTI, placed by each frame's own position and orientation; the pieces differ only in
the attributes a concatenation lets differ. An import whose third piece Orthanc refuses leaves nothing stored, and
what Debian's dcm2niix makes of the pieces is recorded.
"""

import io
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest

import dicom_tools
from conftest import default_affine, new_parent_study, start_extra_server, stop_extra_server

PIECE_MB = 1

# A site policy (or a full disk) refusing the third piece of one marked series
FILTER = """
function ReceivedInstanceFilter(dicom, origin, info)
  if origin['RequestOrigin'] == 'Plugins' and dicom['SeriesDescription'] == 'refuse piece 3' and
     dicom['InstanceNumber'] == '3' then
    return false
  end
  return true
end
"""

RGB_DTYPE = np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")])

# What may differ between the pieces of a concatenation; everything else must be the same
PER_PIECE = {"SOPInstanceUID", "InstanceNumber", "NumberOfFrames", "PerFrameFunctionalGroupsSequence", "PixelData",
             "FloatPixelData", "DoubleFloatPixelData", "InConcatenationNumber", "ConcatenationFrameOffsetNumber"}


def _affine():
    # Oblique, so that a frame misplaced in the reassembly cannot land on the right voxels
    angle = np.radians(17.0)
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0, 0, 1.0]])
    a = default_affine()
    a[:3, :3] = rotation @ a[:3, :3]
    return a


def _nifti(data):
    img = nib.Nifti1Image(data, _affine())
    img.set_sform(_affine(), code=2)
    img.set_qform(_affine(), code=2)
    img.header.set_xyzt_units("mm", "sec")
    return img.to_bytes()


def int16_4d():
    rng = np.random.default_rng(121)
    return rng.integers(-3000, 12000, size=(96, 88, 24, 10), dtype=np.int16)


def float32_4d():
    rng = np.random.default_rng(122)
    return (rng.standard_normal(size=(80, 72, 16, 10)) * 1e3).astype(np.float32)


def rgb_4d():
    rng = np.random.default_rng(123)
    data = np.zeros((128, 96, 40, 3), RGB_DTYPE)   # a volume (1.5 MB) larger than a piece
    for channel in "RGB":
        data[channel] = rng.integers(0, 256, size=data.shape, dtype=np.uint8)
    return data


def _pieces_expected(data, bytes_per_pixel):
    """The pieces and frames a piece: whole volumes when one fits, else whole frames."""
    frame = data.shape[0] * data.shape[1] * bytes_per_pixel
    per_piece = (PIECE_MB << 20) // frame
    if per_piece >= data.shape[2]:
        per_piece -= per_piece % data.shape[2]
    frames = data.shape[2] * data.shape[3]
    return -(-frames // per_piece), per_piece


CASES = {
    "EnhancedMR": (int16_4d, 2, "1.2.840.10008.5.1.4.1.1.4.1"),
    "ParametricMap": (float32_4d, 4, "1.2.840.10008.5.1.4.1.1.30"),
    "EnhancedMRColor": (rgb_4d, 3, "1.2.840.10008.5.1.4.1.1.4.3"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("concatenation"))
    script = os.path.join(root, "filter.lua")
    with open(script, "w") as f:
        f.write(FILTER)
    s = start_extra_server(root, "concatenation", {
        "LuaScripts": [script],
        "NiftiToDicom": {"MaximumUploadSize": 64, "MaximumVolumeSize": 64, "MaximumInstanceSize": PIECE_MB,
                         "ConversionThreads": 2}})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def study(server):
    return new_parent_study(server, "CONCAT")[0]


class Imported:
    pass


@pytest.fixture(scope="module")
def imports(server, study, tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            make, bytes_per_pixel, sop_class = CASES[name]
            r = Imported()
            r.data = make()
            r.pieces, r.frames_per_piece = _pieces_expected(r.data, bytes_per_pixel)
            r.sop_class = sop_class
            output_type = "EnhancedMR" if name == "EnhancedMRColor" else name
            r.response = server.nifti_import(_nifti(r.data), study, Type=output_type, Filename=name + ".nii")
            assert r.response.status == 200, r.response.describe()
            r.answer = r.response.json()
            r.directory = str(tmp_path_factory.mktemp(name))
            os.makedirs(os.path.join(r.directory, "dicom"))
            r.paths = []
            for n, instance in enumerate(server.get_json("/series/%s/instances" % r.answer["ID"])):
                path = os.path.join(r.directory, "dicom", "piece%d.dcm" % n)
                with open(path, "wb") as f:
                    f.write(server.get_bytes("/instances/%s/file" % instance["ID"]))
                r.paths.append(path)
            r.datasets = [pydicom.dcmread(p) for p in r.paths]
            cache[name] = r
        return cache[name]
    return get


def _frames(ds):
    if "FloatPixelData" in ds or "DoubleFloatPixelData" in ds:
        return dicom_tools.float_frames(ds)[0]
    if int(ds.SamplesPerPixel) == 3:
        return dicom_tools.rgb_frames(ds)
    return dicom_tools.mono16_frames(ds)


def reassemble(datasets):
    """An independent reader of concatenations: the pieces of each ConcatenationUID in InConcatenationNumber order,
    their frames at ConcatenationFrameOffsetNumber. Returns {ConcatenationUID: [(piece dataset, frame in piece,
    pixels), ...] in logical frame order}."""
    objects = {}
    for ds in datasets:
        assert "ConcatenationUID" in ds, "instance %s is not part of a concatenation" % ds.InstanceNumber
        objects.setdefault(ds.ConcatenationUID, []).append(ds)
    result = {}
    for uid, pieces in objects.items():
        pieces.sort(key=lambda d: int(d.InConcatenationNumber))
        total = int(pieces[0].InConcatenationTotalNumber)
        assert [int(d.InConcatenationNumber) for d in pieces] == list(range(1, total + 1)), \
            "pieces %s of %d" % ([int(d.InConcatenationNumber) for d in pieces], total)
        frames = []
        for d in pieces:
            assert int(d.ConcatenationFrameOffsetNumber) == len(frames), \
                "piece %s starts at frame %s, %d frames before it" % (d.InConcatenationNumber,
                                                                     d.ConcatenationFrameOffsetNumber, len(frames))
            pixels = _frames(d)
            assert pixels.shape[0] == int(d.NumberOfFrames) == len(d.PerFrameFunctionalGroupsSequence)
            frames.extend((d, f, pixels[f]) for f in range(pixels.shape[0]))
        result[uid] = frames
    return result


@pytest.mark.parametrize("name", list(CASES))
def test_several_pieces_in_one_series(imports, name):
    r = imports(name)
    assert r.pieces >= 2, "test input: the case should need several pieces"
    assert r.answer["InstancesCount"] == r.pieces
    assert len(r.datasets) == r.pieces
    assert len({d.SeriesInstanceUID for d in r.datasets}) == 1
    assert len({d.SOPInstanceUID for d in r.datasets}) == r.pieces
    assert {d.SOPClassUID for d in r.datasets} == {r.sop_class}
    assert sorted(int(d.InstanceNumber) for d in r.datasets) == list(range(1, r.pieces + 1))
    for d in r.datasets:
        assert int(d.InConcatenationTotalNumber) == r.pieces
        assert int(d.InstanceNumber) == int(d.InConcatenationNumber)
        assert d.SOPInstanceUIDOfConcatenationSource not in {x.SOPInstanceUID for x in r.datasets}
        assert dicom_tools.valid_uid(d.ConcatenationUID) and dicom_tools.valid_uid(
            d.SOPInstanceUIDOfConcatenationSource)
        expected = r.frames_per_piece if int(d.InConcatenationNumber) < r.pieces else \
            r.data.shape[2] * r.data.shape[3] - (r.pieces - 1) * r.frames_per_piece
        assert int(d.NumberOfFrames) == expected
        stored = os.path.getsize(r.paths[r.datasets.index(d)])
        assert stored < (PIECE_MB << 20) + (256 << 10), "piece of %d bytes" % stored


@pytest.mark.parametrize("name", list(CASES))
def test_pieces_differ_only_where_allowed(imports, name):
    r = imports(name)
    first = r.datasets[0]
    for d in r.datasets[1:]:
        keywords = ({e.keyword for e in first} | {e.keyword for e in d}) - PER_PIECE
        different = [k for k in sorted(keywords) if first.get(k) != d.get(k)]
        assert not different, "piece %s differs from piece 1 in %s" % (d.InConcatenationNumber, different)


@pytest.mark.parametrize("name", list(CASES))
def test_each_piece_valid_for_dciodvfy(imports, name):
    r = imports(name)
    for path in r.paths:
        dicom_tools.assert_dciodvfy_clean(path, "%s %s" % (name, os.path.basename(path)))


@pytest.mark.parametrize("name", list(CASES))
def test_reassembled_equals_the_nifti(imports, name):
    r = imports(name)
    objects = reassemble(r.datasets)
    assert len(objects) == 1
    frames = next(iter(objects.values()))
    nx, ny, nz, nt = r.data.shape
    assert len(frames) == nz * nt
    seen = set()
    for logical, (d, f, pixels) in enumerate(frames):
        i, j, k = dicom_tools.locate_frame(d, f, _affine(), (nx, ny, nz))
        t = dicom_tools.temporal_position_index(d, f) - 1
        # The dimension index values of the whole object: stack 1, position k + 1, time t + 1
        content = dicom_tools.functional_group(d, f, "FrameContentSequence")
        assert [int(v) for v in content.DimensionIndexValues] == [1, k + 1, t + 1], "frame %d" % logical
        assert logical == t * nz + k, "logical frame %d holds slice %d of volume %d" % (logical, k, t)
        seen.add((k, t))
        expected = r.data[i, j, k, t]
        if r.data.dtype == RGB_DTYPE:
            expected = np.stack([expected[c] for c in "RGB"], axis=-1)
            assert np.array_equal(pixels, expected), "frame %d (k %d, t %d)" % (logical, k, t)
        elif r.data.dtype == np.float32:
            assert np.array_equal(pixels, expected), "frame %d (k %d, t %d)" % (logical, k, t)
        else:
            transformation = dicom_tools.functional_group(d, f, "PixelValueTransformationSequence")
            values = pixels * float(transformation.RescaleSlope) + float(transformation.RescaleIntercept)
            assert np.array_equal(np.rint(values), expected), "frame %d (k %d, t %d)" % (logical, k, t)
    assert len(seen) == nz * nt


def test_small_volume_stays_one_instance(server, study):
    data = int16_4d()[:32, :32, :8, :2]   # 32 KB
    response = server.nifti_import(_nifti(data), study, Type="EnhancedMR")
    assert response.status == 200, response.describe()
    assert response.json()["InstancesCount"] == 1
    instance = server.get_json("/series/%s/instances" % response.json()["ID"])[0]
    ds = pydicom.dcmread(io.BytesIO(server.get_bytes("/instances/%s/file" % instance["ID"])),
                         stop_before_pixels=True)
    assert "ConcatenationUID" not in ds and "InConcatenationNumber" not in ds
    assert int(ds.NumberOfFrames) == 16


def test_refused_piece_leaves_nothing(server, study):
    instances_before = sorted(server.get_json("/instances"))
    series_before = sorted(server.get_json("/series"))
    response = server.nifti_import(_nifti(int16_4d()), study, Type="EnhancedMR", SeriesDescription="refuse piece 3")
    assert response.status == 500, response.describe()
    assert "did not store instance" in response.json()["Message"], response.describe()
    assert sorted(server.get_json("/instances")) == instances_before
    assert sorted(server.get_json("/series")) == series_before
    assert server.alive()


def test_dcm2niix_stacks_the_pieces(imports):
    """Debian's dcm2niix (v1.0.20220720) does not read concatenations: it takes each piece for an image of its own.
    As the pieces hold whole volumes when one fits, it stacks them as a fifth dimension (x, y, z, volumes of a piece,
    pieces) in one file, which folded into 4D is the NIfTI, in world space and volume order (what the README says)."""
    r = imports("EnhancedMR")
    out = os.path.join(r.directory, "dcm2niix")
    result = dicom_tools.run_dcm2niix(os.path.join(r.directory, "dicom"), out)
    assert len(result.niftis) == 1, "dcm2niix wrote %s:\n%s" % (result.niftis, result.output)
    back = nib.load(result.niftis[0])
    nx, ny, nz, nt = r.data.shape
    per_piece = r.frames_per_piece // nz
    assert back.shape == (nx, ny, nz, per_piece, r.pieces), "dcm2niix: %s\n%s" % (back.shape, result.output)
    folded = nib.Nifti1Image(np.asarray(back.dataobj).reshape((nx, ny, nz, nt), order="F"), back.affine)
    original = nib.Nifti1Image(r.data, _affine())
    cmp = dicom_tools.compare_world(original, folded, data_atol=1e-3)
    assert cmp, "%s\n--- dcm2niix ---\n%s" % (cmp.report(), result.output)


def test_option_logged_by_name(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    assert "NiftiToDicom.MaximumInstanceSize = %d MB" % PIECE_MB in log
    assert "unknown configuration option NiftiToDicom.MaximumInstanceSize" not in log
