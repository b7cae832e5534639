"""Independent checkers used by the integration tests: dcm2niix (DICOM -> NIfTI), dciodvfy / dcentvfy
(dicom3tools validators), and a comparison of two NIfTI images in world space."""

import concurrent.futures
import glob
import gzip
import io
import os
import re
import subprocess
import zipfile

import numpy as np

DCM2NIIX = "/usr/bin/dcm2niix"
DCIODVFY = "/usr/bin/dciodvfy"
DCENTVFY = "/usr/bin/dcentvfy"

BIG_ENDIAN = "1.2.840.10008.1.2.2"   # Explicit VR Big Endian transfer syntax

UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def valid_uid(uid):
    return isinstance(uid, str) and 0 < len(uid) <= 64 and UID_RE.match(uid) is not None


# --------------------------------------------------------------------------- files
def gunzip_if_gzip(data):
    """`data` decompressed when it starts with the gzip magic (orthanc-neuro may gzip its NIfTI), else as is."""
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def extract_zip(data, directory):
    """Extract an Orthanc archive (bytes) into `directory`; returns the list of extracted files."""
    os.makedirs(directory, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(directory)
        names = [n for n in z.namelist() if not n.endswith("/")]
    return sorted(os.path.join(directory, n) for n in names)


# --------------------------------------------------------------------------- dcm2niix
class Dcm2niixResult:
    def __init__(self, niftis, output, returncode):
        self.niftis = niftis
        self.output = output
        self.returncode = returncode


def run_dcm2niix(dicom_dir, out_dir):
    """`dcm2niix -z n -f out -o out_dir dicom_dir`; returns the NIfTI files it wrote and its output."""
    os.makedirs(out_dir, exist_ok=True)
    p = subprocess.run([DCM2NIIX, "-z", "n", "-f", "out", "-o", out_dir, dicom_dir],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    niftis = sorted(glob.glob(os.path.join(out_dir, "*.nii")))
    return Dcm2niixResult(niftis, p.stdout.decode("utf-8", errors="replace"), p.returncode)


# --------------------------------------------------------------------------- dicom3tools
class Validation:
    def __init__(self, path, errors, warnings, output, returncode):
        self.path = path
        self.errors = errors
        self.warnings = warnings
        self.output = output
        self.returncode = returncode


def _classify(text):
    lines = text.splitlines()
    errors = [l for l in lines if l.startswith("Error")]
    warnings = [l for l in lines if l.startswith("Warning")]
    return errors, warnings


def run_dciodvfy(path):
    p = subprocess.run([DCIODVFY, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    text = p.stdout.decode("utf-8", errors="replace")
    errors, warnings = _classify(text)
    return Validation(path, errors, warnings, text, p.returncode)


def run_dciodvfy_all(paths, workers=2):
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run_dciodvfy, paths))


def run_dcentvfy(paths):
    p = subprocess.run([DCENTVFY] + list(paths), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    text = p.stdout.decode("utf-8", errors="replace")
    errors, warnings = _classify(text)
    return Validation(" ".join(paths[:1]) + " ...", errors, warnings, text, p.returncode)


def assert_dciodvfy_clean(path, name):
    """dciodvfy finds no error in the file `path` (of case `name`); its warnings are printed."""
    v = run_dciodvfy(path)
    if v.warnings:
        print("dciodvfy warnings (%s):\n%s" % (name, "\n".join(sorted(set(v.warnings)))))
    assert not v.errors, "dciodvfy errors for %s (%s):\n%s" % (name, path, "\n".join(v.errors))


def assert_dcentvfy_clean(path, parent_path, name):
    """dcentvfy finds no error between the file `path` (of case `name`) and its parent study's file."""
    e = run_dcentvfy([path, parent_path])
    if e.warnings:
        print("dcentvfy warnings (%s):\n%s" % (name, "\n".join(sorted(set(e.warnings)))))
    assert not e.errors, "dcentvfy errors for %s with its parent study:\n%s" % (name, "\n".join(e.errors))


# --------------------------------------------------------------------------- world-space comparison
def _shape3(img):
    shape = list(img.shape)
    while len(shape) < 3:
        shape.append(1)
    return shape


def _data4(img):
    """Scaled data as float64 with 4 dimensions."""
    data = np.asarray(img.get_fdata(dtype=np.float64))
    while data.ndim < 4:
        data = data[..., np.newaxis]
    if data.ndim > 4:
        raise AssertionError("image with more than 4 dimensions: %s" % (data.shape,))
    return data


class WorldComparison:
    """Result of compare_world: `problems` is empty when both images agree."""

    def __init__(self):
        self.problems = []
        self.max_abs_diff = None
        self.max_position_error_mm = None
        self.aligned_original = None   # original data resampled (permuted/flipped) onto the other grid
        self.other = None

    def fail(self, msg):
        self.problems.append(msg)

    def __bool__(self):
        return not self.problems

    def report(self):
        return "\n".join(self.problems)


def compare_world(original, other, data_atol=0.0, data_rtol=1e-6, position_tol_mm=0.01,
                  direction_tol=1e-4, nan_mask_original=True, reference_affine=None, check_origin=True):
    """Compare two images voxel by voxel at the same world positions.

    `other` (e.g. the dcm2niix output) may use any voxel order (axis permutation and flips) as long
    as every one of its voxel centres lies on a voxel centre of `original` within position_tol_mm,
    the grids are the same, and values agree (|a - b| <= data_atol + data_rtol*|a|; non-finite
    voxels of the original are ignored when nan_mask_original). Axes of length 1 are allowed to
    have any direction (single-slice volumes). 4D images must have the same number of volumes.
    `reference_affine` replaces original.affine (used for files without a transform); with
    check_origin=False the placement is ignored (only axes, spacing and data are compared).
    """
    res = WorldComparison()
    ao = np.asarray(reference_affine if reference_affine is not None else original.affine, dtype=np.float64)
    ar = np.asarray(other.affine, dtype=np.float64)
    so, sr = _shape3(original), _shape3(other)
    t = np.linalg.inv(ao) @ ar       # other's voxel index -> original's voxel index
    perm = [None, None, None]
    signs = [1, 1, 1]
    used = set()
    for i in range(3):
        if sr[i] == 1:
            continue
        col = t[:3, i]
        p = int(np.argmax(np.abs(col)))
        s = 1 if col[p] > 0 else -1
        if p in used:
            res.fail("axis %d of the round trip maps onto original axis %d twice (T=%s)" % (i, p, np.round(t, 4).tolist()))
            return res
        used.add(p)
        perm[i], signs[i] = p, s
        if sr[i] != so[p]:
            res.fail("round-trip axis %d has %d voxels, original axis %d has %d" % (i, sr[i], p, so[p]))
        vo = ao[:3, p] * s
        vr = ar[:3, i]
        dir_err = np.max(np.abs(vo / np.linalg.norm(vo) - vr / np.linalg.norm(vr)))
        if dir_err > direction_tol:
            res.fail("direction of round-trip axis %d differs from original axis %d by %.2e (original %s, round trip %s)"
                     % (i, p, dir_err, np.round(vo, 6).tolist(), np.round(vr, 6).tolist()))
        spacing_err = abs(np.linalg.norm(vo) - np.linalg.norm(vr))
        if spacing_err > 1e-3:
            res.fail("voxel spacing along round-trip axis %d is %.6f mm, original axis %d has %.6f mm"
                     % (i, np.linalg.norm(vr), p, np.linalg.norm(vo)))
    # Axes of length 1: give them the remaining original axes, which must have length 1 too.
    for i in range(3):
        if perm[i] is None:
            remaining = [p for p in range(3) if p not in used]
            ones = [p for p in remaining if so[p] == 1] or remaining
            p = ones[0]
            used.add(p)
            perm[i] = p
            if so[p] != 1:
                res.fail("round-trip axis %d has 1 voxel, original axis %d has %d" % (i, p, so[p]))
    if sorted(perm) != [0, 1, 2]:
        res.fail("could not match the axes (perm=%s)" % perm)
        return res
    if res.problems:
        return res

    def original_index(idx_r):
        idx_o = np.zeros(3)
        for a in range(3):
            p = perm[a]
            if so[p] == 1:
                idx_o[p] = 0
            elif signs[a] > 0:
                idx_o[p] = idx_r[a]
            else:
                idx_o[p] = so[p] - 1 - idx_r[a]
        return idx_o

    if not check_origin:
        ao = ao.copy()
        ao[:3, 3] += (ar @ np.array([0.0, 0.0, 0.0, 1.0]) - ao @ np.append(original_index(np.zeros(3)), 1.0))[:3]

    # World positions of the corners (the maps are affine, corners bound the error everywhere). For a
    # single slice, only its in-plane corners exist: the slice normal and thickness are not compared.
    worst = 0.0
    for ci in range(8):
        idx_r = np.array([(sr[a] - 1) if (ci >> a) & 1 else 0 for a in range(3)], dtype=float)
        idx_o = original_index(idx_r)
        wr = ar @ np.append(idx_r, 1.0)
        wo = ao @ np.append(idx_o, 1.0)
        err = float(np.max(np.abs(wr[:3] - wo[:3])))
        worst = max(worst, err)
    res.max_position_error_mm = worst
    if worst > position_tol_mm:
        res.fail("voxel positions differ by up to %.4f mm (tolerance %.4f mm); original affine:\n%s\nround-trip affine:\n%s"
                 % (worst, position_tol_mm, np.round(ao, 5), np.round(ar, 5)))

    do = _data4(original)
    dr = _data4(other)
    if do.shape[3] != dr.shape[3]:
        res.fail("original has %d volumes, round trip has %d (shape %s vs %s)"
                 % (do.shape[3], dr.shape[3], original.shape, other.shape))
        return res
    aligned = np.transpose(do, perm + [3])
    for a in range(3):
        if signs[a] < 0 and sr[a] > 1:
            aligned = np.flip(aligned, axis=a)
    if aligned.shape != dr.shape:
        res.fail("data shapes differ after alignment: %s vs %s" % (aligned.shape, dr.shape))
        return res
    res.aligned_original = aligned
    res.other = dr
    finite = np.isfinite(aligned) if nan_mask_original else np.ones(aligned.shape, bool)
    diff = np.abs(aligned - dr)
    diff[~finite] = 0.0
    allowed = data_atol + data_rtol * np.abs(np.where(finite, aligned, 0.0))
    bad = diff > allowed
    res.max_abs_diff = float(diff.max()) if diff.size else 0.0
    if bad.any():
        where = np.argwhere(bad)
        first = tuple(int(x) for x in where[0])
        res.fail("%d of %d voxels differ beyond the tolerance (atol %.6g); max |diff| = %.6g; first at %s: "
                 "original %.6g, round trip %.6g"
                 % (bad.sum(), bad.size, data_atol, res.max_abs_diff, first, aligned[first], dr[first]))
    return res


# --------------------------------------------------------------------------- multi-frame geometry (Parametric Map,
# Segmentation, Enhanced MR): where each stored pixel lies, independently of how the converter computed it
LPS_FROM_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def expected_plane_geometry(affine):
    """What facts section 2 prescribes for a NIfTI affine A (RAS, mm): (IOP as 6 floats, PixelSpacing [dr, dc],
    function k -> IPP of slice k as the LPS position of voxel (0, ny-1, k)); needs ny, so returns a maker."""
    a = np.asarray(affine, dtype=np.float64)
    dc = float(np.linalg.norm(a[:3, 0]))
    dr = float(np.linalg.norm(a[:3, 1]))
    x = np.array([-a[0, 0], -a[1, 0], a[2, 0]]) / dc
    y = np.array([a[0, 1], a[1, 1], -a[2, 1]]) / dr
    lps = LPS_FROM_RAS @ a

    def ipp(k, ny):
        return (lps @ np.array([0.0, ny - 1.0, float(k), 1.0]))[:3]
    return np.concatenate([x, y]), [dr, dc], ipp


def pixel_voxel_indices(ipp, iop, pixel_spacing, rows, columns, affine):
    """Continuous NIfTI voxel indices (i, j, k), each an array (rows, columns), of the pixel centres of one DICOM
    frame: P = IPP + c*dc*X + r*dr*Y (LPS) -> RAS -> inverse of the NIfTI affine."""
    ipp = np.asarray([float(v) for v in ipp])
    iop = np.asarray([float(v) for v in iop])
    dr, dc = (float(v) for v in pixel_spacing)
    r, c = np.meshgrid(np.arange(rows, dtype=np.float64), np.arange(columns, dtype=np.float64), indexing="ij")
    lps = ipp[:, None, None] + iop[:3, None, None] * (c * dc)[None] + iop[3:, None, None] * (r * dr)[None]
    ras = np.stack([-lps[0], -lps[1], lps[2], np.ones_like(lps[0])])
    ijk = np.tensordot(np.linalg.inv(np.asarray(affine, dtype=np.float64)), ras, axes=1)
    return ijk[0], ijk[1], ijk[2]


def functional_group(ds, frame_index, keyword):
    """The item of functional group `keyword` (e.g. "PlanePositionSequence") for one frame: per-frame if present,
    else shared; None if neither has it."""
    per_frame = ds.get("PerFrameFunctionalGroupsSequence")
    if per_frame is not None and frame_index < len(per_frame) and keyword in per_frame[frame_index]:
        seq = per_frame[frame_index].data_element(keyword).value
        return seq[0] if len(seq) else None
    shared = ds.get("SharedFunctionalGroupsSequence")
    if shared is not None and len(shared) and keyword in shared[0]:
        seq = shared[0].data_element(keyword).value
        return seq[0] if len(seq) else None
    return None


def frame_geometry(ds, frame_index):
    """(IPP, IOP, PixelSpacing) of one frame of an enhanced multi-frame instance, from its functional groups."""
    position = functional_group(ds, frame_index, "PlanePositionSequence")
    orientation = functional_group(ds, frame_index, "PlaneOrientationSequence")
    measures = functional_group(ds, frame_index, "PixelMeasuresSequence")
    if position is None or orientation is None or measures is None:
        raise AssertionError("frame %d lacks PlanePosition/PlaneOrientation/PixelMeasures functional groups"
                             % frame_index)
    return ([float(v) for v in position.ImagePositionPatient],
            [float(v) for v in orientation.ImageOrientationPatient],
            [float(v) for v in measures.PixelSpacing])


def temporal_position_index(ds, frame_index):
    """TemporalPositionIndex of one frame from its FrameContentSequence, None when absent."""
    content = functional_group(ds, frame_index, "FrameContentSequence")
    return int(content.TemporalPositionIndex) if content is not None and "TemporalPositionIndex" in content else None


INDEX_TOL = 1e-3          # a pixel centre must fall this close (in voxels) to a voxel centre


def locate_pixels(ipp, iop, spacing, rows, columns, affine, shape3, what):
    """Voxel indices (i, j arrays of shape (rows, columns), k) of the pixels of one image or frame (`what`, for the
    messages), from its IPP, IOP and PixelSpacing. Raises unless the pixel centres fall on the voxel centres of one
    slice of the volume, one to one."""
    i, j, k = pixel_voxel_indices(ipp, iop, spacing, rows, columns, affine)
    ri, rj, rk = np.rint(i), np.rint(j), np.rint(k)
    off = max(np.abs(i - ri).max(), np.abs(j - rj).max(), np.abs(k - rk).max())
    assert off <= INDEX_TOL, \
        "%s: pixel centres are %.4g voxels away from voxel centres (IPP %s IOP %s spacing %s)" % (
            what, off, ipp, iop, spacing)
    assert np.all(rk == rk[0, 0]), "%s: the pixels span several NIfTI slices" % what
    nx, ny, nz = shape3
    assert ri.min() >= 0 and ri.max() < nx and rj.min() >= 0 and rj.max() < ny and 0 <= rk[0, 0] < nz, \
        "%s: pixels outside the volume (i %d..%d, j %d..%d, k %d; shape %s)" % (
            what, ri.min(), ri.max(), rj.min(), rj.max(), rk[0, 0], shape3)
    ri, rj = ri.astype(int), rj.astype(int)
    assert len(set(zip(ri.ravel().tolist(), rj.ravel().tolist()))) == nx * ny == ri.size, \
        "%s: the pixels do not cover the %dx%d slice one to one" % (what, nx, ny)
    return ri, rj, int(rk[0, 0])


def locate_frame(ds, frame_index, affine, shape3):
    """locate_pixels() for one frame of a multi-frame instance, placed by the frame's functional groups."""
    ipp, iop, spacing = frame_geometry(ds, frame_index)
    return locate_pixels(ipp, iop, spacing, int(ds.Rows), int(ds.Columns), affine, shape3, "frame %d" % frame_index)


def locate_image(ds, affine, shape3):
    """locate_pixels() for a single-frame image, placed by its ImagePositionPatient etc."""
    return locate_pixels([float(v) for v in ds.ImagePositionPatient], [float(v) for v in ds.ImageOrientationPatient],
                         [float(v) for v in ds.PixelSpacing], int(ds.Rows), int(ds.Columns), affine, shape3,
                         "instance %s" % ds.InstanceNumber)


POSITION_TOL_MM = 1e-3
DIRECTION_TOL = 1e-5


def frame_plane_problems(ds, frame_index, affine, ny, k):
    """The frame's IPP is the LPS position of voxel (0, ny-1, k), its IOP and PixelSpacing what the affine
    prescribes; returns the differences found, as sentences."""
    ipp, iop, spacing = frame_geometry(ds, frame_index)
    exp_iop, exp_spacing, exp_ipp = expected_plane_geometry(affine)
    problems = []
    err = float(np.max(np.abs(np.array(ipp) - exp_ipp(k, ny))))
    if err > POSITION_TOL_MM:
        problems.append("frame %d (k=%d): IPP %s, expected %s (off by %.4g mm)"
                        % (frame_index, k, ipp, np.round(exp_ipp(k, ny), 5).tolist(), err))
    if np.max(np.abs(np.array(iop) - exp_iop)) > DIRECTION_TOL:
        problems.append("frame %d: IOP %s, expected %s" % (frame_index, iop, np.round(exp_iop, 6).tolist()))
    if np.max(np.abs(np.array(spacing) - exp_spacing)) > 1e-5:
        problems.append("frame %d: PixelSpacing %s, expected [row, column] %s" % (frame_index, spacing, exp_spacing))
    return problems


# --------------------------------------------------------------------------- frame decoding: the stored values,
# unpacked by hand from the raw pixel bytes
def float_frames(ds):
    """Frames of a Parametric Map decoded with numpy from Float Pixel Data (7FE0,0008, float32) or Double Float
    Pixel Data (7FE0,0009, float64): array (frames, rows, columns) and the keyword that held them."""
    frames, rows, columns = int(ds.get("NumberOfFrames", 1)), int(ds.Rows), int(ds.Columns)
    little = _little_endian(ds)
    for keyword, dtype in (("FloatPixelData", "f4"), ("DoubleFloatPixelData", "f8")):
        if keyword in ds:
            raw = ds.data_element(keyword).value
            values = np.frombuffer(raw, dtype=("<" if little else ">") + dtype)
            if values.size != frames * rows * columns:
                raise AssertionError("%s holds %d values, expected %d frames x %d x %d"
                                     % (keyword, values.size, frames, rows, columns))
            return values.reshape(frames, rows, columns), keyword
    raise AssertionError("no Float Pixel Data nor Double Float Pixel Data in the instance")


def binary_frames(ds):
    """Frames of a BINARY Segmentation: 1 bit per pixel, LSB first, frames packed back to back without padding.
    Returns a bool array (frames, rows, columns); raises if the Pixel Data is too short."""
    frames, rows, columns = int(ds.get("NumberOfFrames", 1)), int(ds.Rows), int(ds.Columns)
    count = frames * rows * columns
    raw = np.frombuffer(ds.PixelData, dtype=np.uint8)
    if raw.size * 8 < count:
        raise AssertionError("Pixel Data has %d bytes, %d frames of %dx%d need %d bits"
                             % (raw.size, frames, rows, columns, count))
    bits = np.unpackbits(raw, bitorder="little")[:count]
    return bits.reshape(frames, rows, columns).astype(bool)


def _little_endian(ds):
    return ds.file_meta.TransferSyntaxUID != BIG_ENDIAN


def mono16_frames(ds):
    """Frames of a 16-bit monochrome instance decoded from the raw Pixel Data: (frames, rows, columns) as int16 or
    uint16 per PixelRepresentation."""
    frames, rows, columns = int(ds.get("NumberOfFrames", 1)), int(ds.Rows), int(ds.Columns)
    assert int(ds.BitsAllocated) == 16, "BitsAllocated %s" % ds.BitsAllocated
    dtype = ("<" if _little_endian(ds) else ">") + ("i2" if int(ds.PixelRepresentation) == 1 else "u2")
    raw = ds.PixelData
    count = frames * rows * columns
    assert len(raw) == 2 * count, "Pixel Data has %d bytes, %d frames of %dx%d x 2 bytes need %d" % (
        len(raw), frames, rows, columns, 2 * count)
    values = np.frombuffer(raw, dtype=dtype)
    bits_stored = int(ds.BitsStored)
    if bits_stored < 16:   # keep only the stored bits (sign-extended when signed)
        values = values.astype(np.int64)
        mask = (1 << bits_stored) - 1
        values = values & mask
        if int(ds.PixelRepresentation) == 1:
            values = np.where(values >= (1 << (bits_stored - 1)), values - (1 << bits_stored), values)
    return values.reshape(frames, rows, columns)


def rgb_frames(ds):
    """Frames of an 8-bit RGB instance with PlanarConfiguration 0: uint8 (frames, rows, columns, 3)."""
    frames, rows, columns = int(ds.get("NumberOfFrames", 1)), int(ds.Rows), int(ds.Columns)
    raw = ds.PixelData
    count = frames * rows * columns * 3
    assert len(raw) in (count, count + 1) and len(raw) % 2 == 0, \
        "Pixel Data has %d bytes; %d frames of %dx%d RGB need %d (+1 pad byte if odd)" % (
            len(raw), frames, rows, columns, count)
    return np.frombuffer(raw, dtype=np.uint8)[:count].reshape(frames, rows, columns, 3)
