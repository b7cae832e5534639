"""RT Structure Sets ("Type": "RTStruct"): a label map drawn on a reference series comes back as one RTSTRUCT
instance whose contours Debian's plastimatch rasterises onto that series' grid, structure by structure.

Reference series are made here with pydicom (classic MR images: axial; oblique with anisotropic pixels; rows and
columns swapped with the normal towards the feet and the images stored last slice first), each in its own study. The label map is built on the reference's pixel grid with
asymmetric structures (a block in one corner, a ring with a hole, an L shape on the top slices only, single voxels
and voxels touching at a corner) and written as NIfTI in several equivalent ways: on the reference's grid, with
its columns flipped (a left-handed affine), with its slices reversed, with rows and columns swapped, on a grid of
half the voxel size (contours along the label map's own voxels; a warning for its slices between the reference's). Every
variant must give, through plastimatch (--xor-contours: an inner contour is a hole), each structure with
Dice >= 0.98 when it has over 1000 voxels, every structure present, its centre where the label map has it (no
left/right, anterior/posterior or superior/inferior flip), and the hole empty. dciodvfy finds no error.
Refusals: no ReferenceSeries, a label map whose slices cross the reference's, one that lies beyond its images:
400, a message that says why, nothing stored."""

import io
import os
import subprocess

import numpy as np
import nibabel as nib
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

import dicom_tools
import real_mri
from conftest import dataset_bytes

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
RT_STRUCTURE_SET_STORAGE = "1.2.840.10008.5.1.4.1.1.481.3"
PLASTIMATCH = "/usr/bin/plastimatch"

ROWS, COLUMNS, SLICES = 48, 56, 14
NAMES = {1: "Block", 2: "Ring", 3: "Late L", 4: "Specks"}
COLORS = {1: [255, 0, 0], 2: [0, 200, 0], 3: [0, 0, 255], 4: [250, 250, 0]}


def label_volume():
    """Labels on the reference grid, indexed [slice, row, column]. Nothing is symmetric."""
    v = np.zeros((SLICES, ROWS, COLUMNS), np.uint8)
    v[1:11, 3:20, 4:16] = 1                     # a block near the first row and column: 10 x 17 x 12 = 2040
    v[2:12, 24:44, 30:52] = 2                   # a ring (20 x 22) ...
    v[2:12, 30:37, 36:44] = 0                   # ... with a hole of 7 x 8: 10 x (440 - 56) = 3840
    v[11:14, 5:20, 40:44] = 3                   # an L on the last three slices only ...
    v[11:14, 16:20, 44:50] = 3                  # ... 3 x (60 + 24) = 252
    for k, r, c in [(0, 0, 0), (5, 40, 5), (5, 41, 6), (6, 20, 25), (13, 47, 55)]:
        v[k, r, c] = 4                          # single voxels, two of them meeting at a corner
    return v


HOLE = (slice(2, 12), slice(30, 37), slice(36, 44))


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


class Reference:
    """A classic MR series of SLICES images made with pydicom, in a study of its own."""

    def __init__(self, orthanc, parents, name, row_dir, column_dir, spacing, gap, origin, reverse=False):
        self.name = name
        self.slices, self.rows, self.columns = SLICES, ROWS, COLUMNS
        self.x = unit(row_dir)                  # IOP[0:3]: the way the column index grows
        self.y = unit(column_dir)               # IOP[3:6]: the way the row index grows
        self.n = np.cross(self.x, self.y)
        self.spacing = spacing                  # [between rows, between columns]
        self.gap = gap
        self.origin = np.asarray(origin, np.float64)
        study_uid, series_uid, self.for_uid = generate_uid(), generate_uid(), generate_uid()
        patient = ("RTStruct^%s" % name, "RT-%s" % generate_uid()[-8:])
        self.datasets = []
        order = range(SLICES - 1, -1, -1) if reverse else range(SLICES)   # instance 1 is the last slice
        for number, k in enumerate(order):
            ds = Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.MediaStorageSOPClassUID = MR_IMAGE_STORAGE
            ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.SOPClassUID, ds.SOPInstanceUID = MR_IMAGE_STORAGE, ds.file_meta.MediaStorageSOPInstanceUID
            ds.PatientName, ds.PatientID, ds.PatientBirthDate, ds.PatientSex = patient + ("19700101", "M")
            ds.StudyInstanceUID, ds.StudyDate, ds.StudyTime, ds.StudyID = study_uid, "20240301", "090000", "RT1"
            ds.AccessionNumber, ds.ReferringPhysicianName = "", ""
            ds.SeriesInstanceUID, ds.SeriesNumber, ds.Modality = series_uid, 2, "MR"
            ds.FrameOfReferenceUID, ds.PositionReferenceIndicator = self.for_uid, ""
            ds.InstanceNumber = number + 1
            ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
            ds.ImageOrientationPatient = [float("%.6f" % v) for v in list(self.x) + list(self.y)]
            ds.ImagePositionPatient = [float("%.4f" % v) for v in self.position(k)]
            ds.PixelSpacing = [float(s) for s in spacing]
            ds.SliceThickness = gap
            ds.Rows, ds.Columns = ROWS, COLUMNS
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
            ds.ScanningSequence, ds.SequenceVariant, ds.MRAcquisitionType = "SE", "NONE", "2D"
            ds.EchoTime, ds.RepetitionTime = 20, 500
            r, c = np.mgrid[0:ROWS, 0:COLUMNS]
            ds.PixelData = ((r * 13 + c * 5 + k * 40) % 900).astype("<i2").tobytes()
            if number == 0:
                parent = parents.upload("RTSTRUCT_" + name, ds)
                self.study_id, self.series_id = parent.orthanc_id, parent.series_id
            else:
                orthanc.upload_dicom(dataset_bytes(ds))
            self.datasets.append(ds)
        assert len(orthanc.get_json("/series/%s" % self.series_id)["Instances"]) == SLICES

    def position(self, k):
        return self.origin + k * self.gap * self.n

    def world(self, k, r, c):
        """LPS position of pixel (r, c) of slice k (arrays allowed)."""
        k, r, c = (np.asarray(a, np.float64)[..., None] for a in (k, r, c))
        return (self.origin + k * self.gap * self.n + c * self.spacing[1] * self.x + r * self.spacing[0] * self.y)

    def write(self, directory):
        os.makedirs(directory, exist_ok=True)
        for n, ds in enumerate(self.datasets):
            ds.save_as(os.path.join(directory, "%03d.dcm" % n), write_like_original=False)
        return directory

    def nifti(self, labels, variant):
        """The label map as NIfTI (sform and qform code 1), voxel (i, j, k) = column, row, slice, then reordered
        as `variant` says: the same labels at the same places in the patient."""
        lps = np.eye(4)
        lps[:3, 0] = self.x * self.spacing[1]
        lps[:3, 1] = self.y * self.spacing[0]
        lps[:3, 2] = self.n * self.gap
        lps[:3, 3] = self.origin
        affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps    # LPS to RAS
        data = np.transpose(labels, (2, 1, 0)).copy()        # [i, j, k]
        if variant == "flipped_columns":                     # left-handed
            affine = affine @ flip_matrix(0, data.shape[0])
            data = data[::-1, :, :]
        elif variant == "reversed_slices":                   # left-handed the other way
            affine = affine @ flip_matrix(2, data.shape[2])
            data = data[:, :, ::-1]
        elif variant == "swapped_axes":
            swap = np.eye(4)[:, [1, 0, 2, 3]]
            affine = affine @ swap
            data = np.transpose(data, (1, 0, 2))
        elif variant == "finer_grid":
            # Half the voxel size in the plane and across slices: the centres of the 2 x 2 x 2 small voxels of a
            # reference voxel lie a quarter of it away from its centre
            affine = affine @ np.diag([0.5, 0.5, 0.5, 1.0])
            affine[:3, 3] -= affine[:3, :3] @ np.array([0.5, 0.5, 0.5])
            data = data.repeat(2, axis=0).repeat(2, axis=1).repeat(2, axis=2)
        else:
            assert variant == "same_grid"
        img = nib.Nifti1Image(np.ascontiguousarray(data), affine)
        img.set_sform(affine, code=1)
        img.set_qform(affine, code=1)
        img.header.set_xyzt_units("mm", "sec")
        img.header.set_intent("label")
        return img.to_bytes()


def flip_matrix(axis, size):
    m = np.eye(4)
    m[axis, axis] = -1
    m[axis, 3] = size - 1
    return m


REFERENCES = {
    # name: (row direction, column direction, [row spacing, column spacing], slice gap, origin, reversed storage)
    "axial": ([1, 0, 0], [0, 1, 0], [1.0, 1.0], 2.0, [-30.0, -25.0, -12.0], False),
    "oblique_anisotropic": ([0.9396926, 0.3420201, 0], [-0.2962, 0.8138, 0.5], [0.8, 1.3], 3.0,
                            [12.5, -40.0, 7.25], False),
    # rows and columns swapped, the normal towards the feet, instance 1 the last slice
    "swapped_reversed": ([0, 1, 0], [1, 0, 0], [1.2, 0.9], 4.0, [20.0, -30.0, 40.0], True),
}


@pytest.fixture(scope="module")
def references(orthanc, parents):
    result = {}
    for name, (x, y, spacing, gap, origin, reverse) in REFERENCES.items():
        yv = np.asarray(y, np.float64)
        yv = yv - np.dot(yv, unit(x)) * unit(x)   # exactly orthogonal
        result[name] = Reference(orthanc, parents, name, x, yv, spacing, gap, origin, reverse)
    return result


def labels_field():
    return {str(v): {"Name": NAMES[v], "Color": COLORS[v]} for v in NAMES}


def read_mha(path):
    """An uncompressed MetaImage written by plastimatch: (array [z, y, x], origin, direction 3x3, spacing)."""
    with open(path, "rb") as f:
        blob = f.read()
    header, offset = {}, 0
    while True:
        end = blob.index(b"\n", offset)
        key, _, value = blob[offset:end].decode("ascii").partition("=")
        header[key.strip()] = value.strip()
        offset = end + 1
        if key.strip() == "ElementDataFile":
            break
    assert header["ElementDataFile"] == "LOCAL", header
    assert header.get("CompressedData", "False") == "False", header
    size = [int(v) for v in header["DimSize"].split()]
    dtype = {"MET_UCHAR": np.uint8, "MET_USHORT": np.uint16, "MET_UINT": np.uint32, "MET_SHORT": np.int16}
    data = np.frombuffer(blob[offset:], dtype=dtype[header["ElementType"]], count=int(np.prod(size)))
    origin = np.array([float(v) for v in header["Offset"].split()])
    direction = np.array([float(v) for v in header["TransformMatrix"].split()]).reshape(3, 3).T  # columns: axes
    spacing = np.array([float(v) for v in header["ElementSpacing"].split()])
    return data.reshape(size[::-1]), origin, direction, spacing


def sample_on_reference(mha, reference):
    """The plastimatch image at the centre of every pixel of the reference, [slice, row, column]."""
    data, origin, direction, spacing = mha
    k, r, c = np.mgrid[0:reference.slices, 0:reference.rows, 0:reference.columns]
    world = reference.world(k, r, c)                      # LPS, what ITK's physical space is
    index = np.rint(np.einsum("...i,ij->...j", world - origin, direction) / spacing).astype(int)
    inside = np.all((index >= 0) & (index < np.array(data.shape[::-1])), axis=-1)
    out = np.zeros((reference.slices, reference.rows, reference.columns), np.uint8)
    idx = index[inside]
    out[inside] = data[idx[:, 2], idx[:, 1], idx[:, 0]] != 0
    return out


def run_plastimatch(rtstruct, reference_dir, out):
    """One image per structure, on the reference's grid; an inner contour is a hole (--xor-contours)."""
    p = subprocess.run([PLASTIMATCH, "convert", "--input", rtstruct, "--referenced-ct", reference_dir,
                        "--xor-contours", "--output-prefix", out, "--prefix-format", "mha"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    log = p.stdout.decode("utf-8", "replace")
    assert p.returncode == 0, log[-3000:]
    return out, log


def dice(a, b):
    a, b = a.astype(bool), b.astype(bool)
    return 2.0 * np.logical_and(a, b).sum() / max(1, a.sum() + b.sum())


def import_rtstruct(orthanc, reference, nifti, **fields):
    body = {"Type": "RTStruct", "ReferenceSeries": reference.series_id, "Labels": labels_field()}
    body.update(fields)
    return orthanc.nifti_import(nifti, reference.study_id, **body)


def study_content(orthanc, study_id):
    return (sorted(orthanc.get_json("/studies/%s" % study_id)["Series"]),
            len(orthanc.get_json("/studies/%s/instances" % study_id)))


CASES = [(ref, variant) for ref in REFERENCES for variant in ("same_grid", "flipped_columns", "reversed_slices",
                                                              "swapped_axes", "finer_grid")]


@pytest.mark.parametrize("reference_name,variant", CASES, ids=["%s-%s" % c for c in CASES])
def test_plastimatch_rasterises_the_label_map_back(orthanc, references, tmp_path, reference_name, variant):
    reference = references[reference_name]
    labels = label_volume()
    r = import_rtstruct(orthanc, reference, reference.nifti(labels, variant))
    assert r.status == 200, r.describe()
    answer = r.json()
    assert answer["InstancesCount"] == 1
    between = [w for w in answer["Warnings"] if "between the reference's images" in w]
    assert len(between) == (1 if variant == "finer_grid" else 0), answer["Warnings"]
    series = orthanc.get_json("/series/%s" % answer["ID"])
    assert series["ParentStudy"] == reference.study_id
    assert series["MainDicomTags"]["Modality"] == "RTSTRUCT"

    path = str(tmp_path / "rtstruct.dcm")
    with open(path, "wb") as f:
        f.write(orthanc.get_bytes("/instances/%s/file" % series["Instances"][0]))
    dicom_tools.assert_dciodvfy_clean(path, "%s-%s" % (reference_name, variant))

    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == RT_STRUCTURE_SET_STORAGE
    assert ds.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID == reference.for_uid
    assert ({str(item.ROIName): int(item.ROINumber) for item in ds.StructureSetROISequence}
            == {NAMES[v]: v for v in NAMES})
    for item in ds.ROIContourSequence:
        assert [int(v) for v in item.ROIDisplayColor] == COLORS[int(item.ReferencedROINumber)]
    sops = {str(d.SOPInstanceUID) for d in reference.datasets}
    for item in ds.ROIContourSequence:
        for contour in item.ContourSequence:
            assert contour.ContourGeometricType == "CLOSED_PLANAR"
            assert str(contour.ContourImageSequence[0].ReferencedSOPInstanceUID) in sops

    out, log = run_plastimatch(path, reference.write(str(tmp_path / "reference")), str(tmp_path / "structures"))

    for value, name in NAMES.items():
        file = os.path.join(out, name + ".mha")
        assert os.path.exists(file), "plastimatch wrote no %s: %s\n%s" % (name, os.listdir(out), log[-2000:])
        got = sample_on_reference(read_mha(file), reference)
        expected = labels == value
        score = dice(got, expected)
        print("%s %s: %s %d voxels, plastimatch %d, Dice %.4f" % (reference_name, variant, name, expected.sum(),
                                                                  got.sum(), score))
        assert got.sum() > 0, "%s is empty once rasterised" % name
        if expected.sum() > 1000:
            assert score >= 0.98, "%s: Dice %.4f" % (name, score)
        # Where it is: its centre where the label map has it, in patient coordinates (a flip of any axis
        # moves every structure here by centimetres)
        centre_expected = reference.world(*np.nonzero(expected)).mean(axis=0)
        centre_got = reference.world(*np.nonzero(got)).mean(axis=0)
        assert np.linalg.norm(centre_got - centre_expected) < 1.0, \
            "%s lies at %s instead of %s (LPS mm)" % (name, centre_got, centre_expected)
        # Per slice: present exactly on the slices where the label map has it
        assert list(np.nonzero(got.any(axis=(1, 2)))[0]) == list(np.nonzero(expected.any(axis=(1, 2)))[0]), name

    ring = sample_on_reference(read_mha(os.path.join(out, "Ring.mha")), reference)
    assert not ring[HOLE].any(), "the hole of the ring was filled"


def test_refusals(orthanc, references):
    reference = references["axial"]
    before = study_content(orthanc, reference.study_id)
    labels = label_volume()
    good = reference.nifti(labels, "same_grid")

    r = orthanc.nifti_import(good, reference.study_id, Type="RTStruct")
    assert r.status == 400, r.describe()
    assert "ReferenceSeries" in r.json()["Message"]

    # Slices that cross the reference's images: the same label map on the oblique reference's grid
    crossing = references["oblique_anisotropic"].nifti(labels, "same_grid")
    r = import_rtstruct(orthanc, reference, crossing)
    assert r.status == 400, r.describe()
    assert "not parallel" in r.json()["Message"]

    # Parallel, but beyond the last image
    img = nib.Nifti1Image.from_bytes(good)
    affine = img.affine.copy()
    affine[2, 3] += 500
    far = nib.Nifti1Image(np.asarray(img.dataobj), affine)
    far.set_sform(affine, code=1)
    far.set_qform(affine, code=1)
    r = import_rtstruct(orthanc, reference, far.to_bytes())
    assert r.status == 400, r.describe()
    assert "crosses the label map" in r.json()["Message"]

    # A 4D file
    four = nib.Nifti1Image(np.stack([np.asarray(img.dataobj)] * 2, axis=-1), img.affine)
    four.set_sform(img.affine, code=1)
    r = import_rtstruct(orthanc, reference, four.to_bytes())
    assert r.status == 415, r.describe()
    assert "3D label map" in r.json()["Message"]

    assert study_content(orthanc, reference.study_id) == before, "a refused import stored something"


class RealReference:
    """The first volume of a real scanner's classic series, as plastimatch and sample_on_reference see it."""

    def __init__(self, paths):
        datasets = [pydicom.dcmread(p) for p in paths]
        first_acquisition = {}
        for ds in sorted(datasets, key=lambda d: int(d.InstanceNumber)):
            first_acquisition.setdefault(round(float(ds.ImagePositionPatient[2]), 3), ds)
        self.x = np.array(datasets[0].ImageOrientationPatient[:3], np.float64)
        self.y = np.array(datasets[0].ImageOrientationPatient[3:], np.float64)
        self.n = np.cross(self.x, self.y)
        self.datasets = sorted(first_acquisition.values(),
                               key=lambda d: np.dot(np.array(d.ImagePositionPatient, np.float64), self.n))
        self.origin = np.array(self.datasets[0].ImagePositionPatient, np.float64)
        self.gap = np.dot(np.array(self.datasets[1].ImagePositionPatient, np.float64) - self.origin, self.n)
        self.spacing = [float(v) for v in self.datasets[0].PixelSpacing]
        self.slices, self.rows, self.columns = len(self.datasets), int(self.datasets[0].Rows), int(self.datasets[0].Columns)

    world = Reference.world
    write = Reference.write


def test_real_scanner_series(orthanc, tmp_path):
    """GE's axial EPI (dcm2niix's validation data: 8 slices, 3 acquisitions, so three images on each plane) and a
    label map made from dcm2niix's NIfTI of it: the bright voxels of the first volume, split into patient right,
    left anterior and left posterior."""
    real = real_mri.get("ge-epi-rtia")
    study_id, series_id = real.upload(orthanc)
    img = nib.load(real.nifti)
    volume = np.asarray(img.dataobj)[..., 0].astype(np.float64)
    ras = nib.affines.apply_affine(img.affine, np.indices(volume.shape).reshape(3, -1).T).reshape(volume.shape + (3,))
    bright = volume > np.percentile(volume, 55)
    centre = ras[bright].mean(axis=0)
    labels = np.zeros(volume.shape, np.uint8)
    labels[bright & (ras[..., 0] < centre[0])] = 1
    labels[bright & (ras[..., 0] >= centre[0]) & (ras[..., 1] >= centre[1])] = 2
    labels[bright & (ras[..., 0] >= centre[0]) & (ras[..., 1] < centre[1])] = 3
    label_img = nib.Nifti1Image(labels, img.affine)
    label_img.set_sform(img.affine, code=1)
    label_img.set_qform(img.affine, code=1)
    names = {1: "Right", 2: "Left anterior", 3: "Left posterior"}

    r = orthanc.nifti_import(label_img.to_bytes(), study_id, Type="RTStruct", ReferenceSeries=series_id,
                             Labels={str(v): {"Name": n} for v, n in names.items()})
    assert r.status == 200, r.describe()
    series = orthanc.get_json("/series/%s" % r.json()["ID"])
    path = str(tmp_path / "rtstruct.dcm")
    with open(path, "wb") as f:
        f.write(orthanc.get_bytes("/instances/%s/file" % series["Instances"][0]))
    # The scanner's files carry an invalid PatientSex ("0"), which the Patient module copies verbatim: every
    # other error would be ours
    inherited = set(dicom_tools.run_dciodvfy(real.dicom_files[0]).errors)
    ours = [e for e in dicom_tools.run_dciodvfy(path).errors if e not in inherited]
    assert not ours, "dciodvfy errors:\n%s" % "\n".join(ours)
    ds = pydicom.dcmread(path)
    planes = {str(c.ContourImageSequence[0].ReferencedSOPInstanceUID)
              for roi in ds.ROIContourSequence for c in roi.ContourSequence}
    assert 1 <= len(planes) <= 8, "contours on %d images of 8 planes" % len(planes)

    reference = RealReference(real.dicom_files)
    assert (reference.slices, reference.rows, reference.columns) == (8, 64, 64)
    out, log = run_plastimatch(path, reference.write(str(tmp_path / "reference")), str(tmp_path / "structures"))

    # The label map on the reference's pixels, through the NIfTI affine (LPS to RAS to voxel)
    k, row, column = np.mgrid[0:reference.slices, 0:reference.rows, 0:reference.columns]
    world = reference.world(k, row, column) * np.array([-1.0, -1.0, 1.0])
    voxel = np.rint(nib.affines.apply_affine(np.linalg.inv(img.affine), world)).astype(int)
    expected_labels = labels[voxel[..., 0], voxel[..., 1], voxel[..., 2]]
    for value, name in names.items():
        expected = expected_labels == value
        got = sample_on_reference(read_mha(os.path.join(out, name + ".mha")), reference)
        score = dice(got, expected)
        print("real GE EPI: %s %d voxels, plastimatch %d, Dice %.4f" % (name, expected.sum(), got.sum(), score))
        assert expected.sum() > 1000, "%s: only %d voxels" % (name, expected.sum())
        assert score >= 0.98, "%s: Dice %.4f" % (name, score)


def test_aligned_label_map_gets_one_warning_about_its_code(orthanc, references):
    """A label map in code 2 (aligned) space still lies on the reference's frame of reference: the answer warns about
    the code once, and not (as the reference lookup would for other types) that the series got its own frame."""
    reference = references[sorted(references)[0]]
    img = nib.Nifti1Image.from_bytes(reference.nifti(label_volume(), "same_grid"))
    img.set_sform(img.affine, code=2)
    img.set_qform(img.affine, code=2)
    r = import_rtstruct(orthanc, reference, img.to_bytes())
    assert r.status == 200, r.describe()
    warnings = r.json()["Warnings"]
    assert len([w for w in warnings if "code is 2" in w]) == 1, warnings
    assert not [w for w in warnings if "own frame of reference" in w], warnings
    instance = orthanc.get_json("/series/%s/instances" % r.json()["ID"])[0]["ID"]
    ds = pydicom.dcmread(io.BytesIO(orthanc.get_bytes("/instances/%s/file" % instance)))
    assert ds.FrameOfReferenceUID == reference.for_uid
