"""Segmentations with named and coded segments, probabilities and overlapping masks (issue 13):

- "Labels" as a BIDS dseg.tsv, a FreeSurfer colour LUT, an ITK-SNAP label description, a 3D Slicer colour table
  (text and CSV), each inline and as an upload; the built-in "FreeSurfer" table with SNOMED CT codes; codes given
  inline; POST /nifti/labels answers what the import uses;
- "SegmentationType": "Fractional" (a FRACTIONAL SEG of probabilities, rebuilt within 1/255) and 4D 0/1 masks (a
  segment per volume, overlaps kept, rebuilt exactly);
- refusals: 400 with the line and the reason, nothing stored.

Every SEG is judged by dciodvfy and read back with pydicom; the pixels are unpacked by hand and placed in space
through each frame's own geometry (dicom_tools.locate_frame), so that the label map rebuilt from the frames must
equal the input voxel for voxel."""

import base64
import json
import os
import shutil

import numpy as np
import pydicom
import pytest

import dicom_tools
from nifti_cases import lh_affine, nifti1, rh_affine

SEGMENTATION_STORAGE = "1.2.840.10008.5.1.4.1.1.66.4"
SHAPE = (18, 14, 6)


# --------------------------------------------------------------------------- inputs
def aseg_like():
    """A label map with FreeSurfer aseg values: Left/Right hippocampus (17/53), brain stem (16), CSF (24), a left
    cortical parcel (1035, insula) and choroid plexus (31, no code)."""
    lab = np.zeros(SHAPE, np.int16)
    i, j, k = np.meshgrid(*[np.arange(n) for n in SHAPE], indexing="ij")
    lab[(i < 6) & (j > 3) & (k >= 1) & (k <= 4)] = 17
    lab[(i > 11) & (j > 3) & (k >= 1) & (k <= 4)] = 53
    lab[7:11, 2:5, :] = 16
    lab[8:10, 10:13, 2:4] = 24
    lab[1:3, 0:2, 5] = 1035
    lab[16, 13, 0] = 31
    return lab


def post(orthanc, uri, obj):
    return orthanc.request("POST", uri, body=json.dumps(obj), content_type="application/json")


def nifti_bytes(data, affine):
    return nifti1(data, affine).to_bytes()


def import_ok(orthanc, parent, data, affine=None, **fields):
    affine = lh_affine(zooms=(0.9, 1.2, 2.4)) if affine is None else affine
    body = {"Nifti": base64.b64encode(nifti_bytes(data, affine)).decode("ascii"), "ParentStudy": parent}
    body.update(fields)
    r = post(orthanc, "/nifti/import", body)
    assert r.status == 200, r.describe()
    return r.json()


def download(orthanc, answer, directory):
    files = dicom_tools.extract_zip(orthanc.get_bytes("/series/%s/archive" % answer["ID"]), directory)
    assert len(files) == 1, files
    ds = pydicom.dcmread(files[0])
    assert ds.SOPClassUID == SEGMENTATION_STORAGE
    dicom_tools.assert_dciodvfy_clean(files[0], os.path.basename(directory))
    return ds


def upload(orthanc, text, filename):
    r = orthanc.request("POST", "/nifti/uploads", body=text.encode("utf-8"),
                        headers={"X-Filename": filename, "Content-Type": "application/octet-stream"})
    assert r.status == 200, r.describe()
    return r.json()["ID"]


def segments(ds):
    return {int(item.SegmentNumber): item for item in ds.SegmentSequence}


def source_of(item):
    """The label value or volume number a segment stands for, from its SegmentDescription."""
    return int(str(item.SegmentDescription).split()[-1])


def rebuild(ds, affine, volumes=None):
    """BINARY: the label map (volumes None) or the masks (volumes: count) rebuilt from the frames; FRACTIONAL:
    the probabilities (0-1)."""
    shape3 = SHAPE
    fractional = str(ds.SegmentationType) == "FRACTIONAL"
    if fractional:
        frames = np.frombuffer(ds.PixelData, np.uint8)[:int(ds.NumberOfFrames) * ds.Rows * ds.Columns]
        frames = frames.reshape(int(ds.NumberOfFrames), ds.Rows, ds.Columns) / float(ds.MaximumFractionalValue)
    else:
        frames = dicom_tools.binary_frames(ds)
    by_number = segments(ds)
    out = np.zeros(shape3 + ((volumes,) if volumes else ()), np.float64 if fractional else np.int64)
    for f in range(frames.shape[0]):
        segment = int(dicom_tools.functional_group(ds, f, "SegmentIdentificationSequence").ReferencedSegmentNumber)
        ri, rj, k = dicom_tools.locate_frame(ds, f, affine, shape3)
        source = source_of(by_number[segment])
        if fractional:
            out[ri, rj, k, source - 1] = frames[f]
        elif volumes:
            mask = frames[f]
            out[ri[mask], rj[mask], k, source - 1] = 1
        else:
            mask = frames[f]
            assert (out[ri[mask], rj[mask], k] == 0).all(), "a voxel in two segments of a label map"
            out[ri[mask], rj[mask], k] = source
    return out


def code(item, keyword):
    sequence = item.get(keyword)
    assert sequence is not None and len(sequence) == 1, "%s: %r" % (keyword, sequence)
    return (str(sequence[0].CodeValue), str(sequence[0].CodingSchemeDesignator), str(sequence[0].CodeMeaning))


def modifier(item):
    types = item.SegmentedPropertyTypeCodeSequence[0]
    sequence = types.get("SegmentedPropertyTypeModifierCodeSequence")
    return None if not sequence else (str(sequence[0].CodeValue), str(sequence[0].CodeMeaning))


@pytest.fixture(scope="module")
def parent(parents):
    return parents["MR"].orthanc_id


# --------------------------------------------------------------------------- FreeSurfer
def test_freesurfer_preset_names_colours_codes(orthanc, parent, tmp_path):
    lab = aseg_like()
    affine = lh_affine(zooms=(0.9, 1.2, 2.4))
    answer = import_ok(orthanc, parent, lab, affine, Type="Segmentation", Labels="FreeSurfer")
    ds = download(orthanc, answer, str(tmp_path / "fs"))
    assert str(ds.SegmentationType) == "BINARY"

    # The label map rebuilt from the frames is the input
    rebuilt = rebuild(ds, affine)
    assert np.array_equal(rebuilt, lab.astype(np.int64)), "the label map rebuilt from the frames differs"

    by_value = {source_of(item): item for item in ds.SegmentSequence}
    assert sorted(by_value) == [16, 17, 24, 31, 53, 1035]
    expected = {
        17: ("Left-Hippocampus", ("123037004", "SCT", "Anatomical Structure"), ("5366008", "SCT", "Hippocampus"),
             ("7771000", "Left")),
        53: ("Right-Hippocampus", ("123037004", "SCT", "Anatomical Structure"), ("5366008", "SCT", "Hippocampus"),
             ("24028007", "Right")),
        16: ("Brain-Stem", ("123037004", "SCT", "Anatomical Structure"), ("119238007", "SCT", "Brain stem"), None),
        24: ("CSF", ("91720002", "SCT", "Body Substance"), ("65216001", "SCT", "Cerebrospinal fluid"), None),
        1035: ("ctx-lh-insula", ("123037004", "SCT", "Anatomical Structure"), ("36169008", "SCT", "Insula"),
               ("7771000", "Left")),
        31: ("Left-choroid-plexus", ("85756007", "SCT", "Tissue"), ("85756007", "SCT", "Tissue"), None),
    }
    for value, (name, category, type_, side) in expected.items():
        item = by_value[value]
        assert str(item.SegmentLabel) == name
        assert code(item, "SegmentedPropertyCategoryCodeSequence") == category, value
        assert code(item, "SegmentedPropertyTypeCodeSequence") == type_, value
        assert modifier(item) == side, value
        assert len(item.RecommendedDisplayCIELabValue) == 3

    # Hippocampus (220, 216, 20) is a light yellow: L* about 84, b* strongly positive
    lab_value = [int(v) for v in by_value[17].RecommendedDisplayCIELabValue]
    assert 80 < lab_value[0] * 100.0 / 65535 < 88
    assert lab_value[2] * 255.0 / 65535 - 128 > 60


def test_labels_route_answers_the_table(orthanc):
    r = post(orthanc, "/nifti/labels", {"Labels": "FreeSurfer"})
    assert r.status == 200, r.describe()
    table = r.json()
    assert table["Format"] == "FreeSurfer"
    by_index = {label["Index"]: label for label in table["Labels"]}
    assert by_index[53]["Name"] == "Right-Hippocampus"
    assert by_index[53]["Color"] == [220, 216, 20]
    assert by_index[53]["Modifier"]["CodeValue"] == "24028007"
    assert by_index[2035]["Type"]["CodeMeaning"] == "Insula"

    r = post(orthanc, "/nifti/labels", {"Labels": "1 Tumour 255 0 0 255\n2 Oedema 0 0 255 255\n"})
    assert r.status == 200, r.describe()
    assert [(l["Index"], l["Name"], l["Color"]) for l in r.json()["Labels"]] == \
        [(1, "Tumour", [255, 0, 0]), (2, "Oedema", [0, 0, 255])]

    r = post(orthanc, "/nifti/labels", {"Labels": "1 Tumour 255 0 0 255\n2 Oedema 0 0\n"})
    assert r.status == 400
    assert "line 2" in r.json()["Message"]
    r = orthanc.request("GET", "/nifti/labels")
    assert r.status == 405


# --------------------------------------------------------------------------- text tables
DSEG = "index\tname\tabbreviation\tcolor\n0\tBackground\tBG\tn/a\n17\tLeft hippocampus\tLH\t#dcd814\n" \
       "53\tRight hippocampus\tRH\t#0000ff\n16\tBrain stem\tBS\t#ff0000\n24\tCSF\tCSF\tn/a\n" \
       "31\tChoroid\tCP\tn/a\n1035\tInsula\tIns\tn/a\n"
LUT = "# FreeSurfer-style LUT\n#No. Label Name  R G B A\n0 Unknown 0 0 0 0\n16 Brain-Stem 255 0 0 0\n" \
      "17 Left-Hippo 220 216 20 0\n24 CSF 60 60 60 0\n31 Choroid 0 200 200 0\n53 Right-Hippo 0 0 255 0\n" \
      "1035 Insula 255 192 32 0\n"
ITKSNAP = "################################################\n# ITK-SnAP Label Description File\n" \
          "# Columns = IDX -R- -G- -B- -A-- VIS MSH LABEL\n" \
          "    0     0    0    0        0  0  0    \"Clear Label\"\n" \
          "   16   255    0    0        1  1  1    \"Brain stem\"\n" \
          "   17   220  216   20        1  1  1    \"Left hippocampus\"\n" \
          "   24    60   60   60        1  1  1    \"CSF\"\n" \
          "   31     0  200  200        1  1  1    \"Choroid plexus\"\n" \
          "   53     0    0  255      0.5  1  1    \"Right hippocampus\"\n" \
          " 1035   255  192   32        1  1  1    \"Insula\"\n"
SLICER = "# Color table file\n0 Background 0 0 0 0\n16 brain_stem 255 0 0 255\n17 left_hippocampus 220 216 20 255\n" \
         "24 csf 60 60 60 255\n31 choroid 0 200 200 255\n53 right_hippocampus 0 0 255 255\n1035 insula 255 192 32 255\n"
SLICER_CSV = "LabelValue,Name,Color_R,Color_G,Color_B,Color_A\n0,Background,0,0,0,0\n16,Brain stem,255,0,0,255\n" \
             "17,\"Hippocampus, left\",220,216,20,255\n24,CSF,60,60,60,255\n31,Choroid,0,200,200,255\n" \
             "53,\"Hippocampus, right\",0,0,255,255\n1035,Insula,255,192,32,255\n"

TABLES = {
    "dseg.tsv": (DSEG, {17: "Left hippocampus", 53: "Right hippocampus", 16: "Brain stem"}),
    "FreeSurferColorLUT.txt": (LUT, {17: "Left-Hippo", 53: "Right-Hippo", 16: "Brain-Stem"}),
    "labels.itksnap.txt": (ITKSNAP, {17: "Left hippocampus", 53: "Right hippocampus", 16: "Brain stem"}),
    "slicer.ctbl": (SLICER, {17: "left_hippocampus", 53: "right_hippocampus", 16: "brain_stem"}),
    "slicer.csv": (SLICER_CSV, {17: "Hippocampus, left", 53: "Hippocampus, right", 16: "Brain stem"}),
}


@pytest.mark.parametrize("how", ["inline", "upload"])
@pytest.mark.parametrize("filename", sorted(TABLES))
def test_label_tables(orthanc, parent, tmp_path, filename, how):
    text, names = TABLES[filename]
    labels = text if how == "inline" else upload(orthanc, text, filename)
    lab = aseg_like()
    affine = rh_affine(zooms=(1.1, 0.9, 2.0))
    answer = import_ok(orthanc, parent, lab, affine, Type="Segmentation", Labels=labels)
    ds = download(orthanc, answer, str(tmp_path / "seg"))
    assert np.array_equal(rebuild(ds, affine), lab.astype(np.int64))
    by_value = {source_of(item): item for item in ds.SegmentSequence}
    for value, name in names.items():
        assert str(by_value[value].SegmentLabel) == name, (value, by_value[value].SegmentLabel)
    # Brain stem in pure red, Right hippocampus in pure blue (CIELab D65 of sRGB)
    red = [int(v) for v in by_value[16].RecommendedDisplayCIELabValue]
    blue = [int(v) for v in by_value[53].RecommendedDisplayCIELabValue]
    assert abs(red[0] * 100.0 / 65535 - 53.24) < 0.5 and abs(red[1] * 255.0 / 65535 - 128 - 80.09) < 0.5
    assert abs(blue[0] * 100.0 / 65535 - 32.30) < 0.5 and abs(blue[2] * 255.0 / 65535 - 128 + 107.86) < 0.5


def test_inline_codes(orthanc, parent, tmp_path):
    lab = np.zeros(SHAPE, np.uint8)
    lab[3:9, 4:10, 1:5] = 1
    lab[10:14, 2:6, 2:3] = 2
    labels = {
        "1": {"Name": "GTV", "Color": [255, 0, 0],
              "Category": {"CodeValue": "49755003", "CodingSchemeDesignator": "SCT",
                           "CodeMeaning": "Morphologically Altered Structure"},
              "Type": {"CodeValue": "108369006", "CodingSchemeDesignator": "SCT", "CodeMeaning": "Neoplasm"}},
        "2": {"Name": "Left kidney",
              "Category": {"CodeValue": "123037004", "CodingSchemeDesignator": "SCT",
                           "CodeMeaning": "Anatomical Structure"},
              "Type": {"CodeValue": "64033007", "CodingSchemeDesignator": "SCT", "CodeMeaning": "Kidney"},
              "Modifier": {"CodeValue": "7771000", "CodingSchemeDesignator": "SCT", "CodeMeaning": "Left"}},
    }
    affine = lh_affine(zooms=(0.9, 1.2, 2.4))
    ds = download(orthanc, import_ok(orthanc, parent, lab, affine, Type="Segmentation", Labels=labels),
                  str(tmp_path / "codes"))
    assert np.array_equal(rebuild(ds, affine), lab.astype(np.int64))
    by_value = {source_of(item): item for item in ds.SegmentSequence}
    assert code(by_value[1], "SegmentedPropertyTypeCodeSequence") == ("108369006", "SCT", "Neoplasm")
    assert code(by_value[1], "SegmentedPropertyCategoryCodeSequence")[0] == "49755003"
    assert code(by_value[2], "SegmentedPropertyTypeCodeSequence") == ("64033007", "SCT", "Kidney")
    assert modifier(by_value[2]) == ("7771000", "Left")


# --------------------------------------------------------------------------- fractional, masks
def probabilities(volumes):
    i, j, k = np.meshgrid(*[np.arange(n) for n in SHAPE], indexing="ij")
    out = []
    for t in range(volumes):
        p = np.clip(1.0 - np.sqrt((i - 5 - 4 * t) ** 2 + (j - 7) ** 2 + (2 * (k - 3)) ** 2) / 7.0, 0, 1)
        p[p < 0.05] = 0
        out.append(p)
    return np.stack(out, axis=-1).astype(np.float32)


def test_fractional_3d(orthanc, parent, tmp_path):
    p = probabilities(1)[..., 0]
    affine = rh_affine(zooms=(1.1, 0.9, 2.0))
    answer = import_ok(orthanc, parent, p, affine, Type="Segmentation", SegmentationType="Fractional",
                       Labels={"1": {"Name": "Tumour probability", "Color": [255, 0, 0]}})
    ds = download(orthanc, answer, str(tmp_path / "fractional"))
    assert str(ds.SegmentationType) == "FRACTIONAL"
    assert str(ds.SegmentationFractionalType) == "PROBABILITY"
    assert int(ds.MaximumFractionalValue) == 255 and int(ds.BitsAllocated) == 8
    assert [str(s.SegmentLabel) for s in ds.SegmentSequence] == ["Tumour probability"]
    rebuilt = rebuild(ds, affine, volumes=1)[..., 0]
    assert np.abs(rebuilt - p).max() <= 0.5 / 255 + 1e-6


def test_fractional_4d_without_type(orthanc, parent, tmp_path):
    """"SegmentationType" alone makes a Segmentation: a segment per volume."""
    p = probabilities(3)
    affine = lh_affine(zooms=(0.9, 1.2, 2.4))
    answer = import_ok(orthanc, parent, p, affine, SegmentationType="Fractional")
    ds = download(orthanc, answer, str(tmp_path / "fractional4d"))
    assert str(ds.SegmentationType) == "FRACTIONAL"
    assert [source_of(s) for s in ds.SegmentSequence] == [1, 2, 3]
    assert np.abs(rebuild(ds, affine, volumes=3) - p).max() <= 0.5 / 255 + 1e-6


def test_overlapping_masks(orthanc, parent, tmp_path):
    masks = (probabilities(3) > 0.2).astype(np.uint8)
    assert (masks.sum(axis=-1) > 1).any(), "the masks must overlap for this test"
    affine = rh_affine(zooms=(1.1, 0.9, 2.0))
    answer = import_ok(orthanc, parent, masks, affine, Type="Segmentation", SegmentationType="Masks",
                       Labels="index\tname\tcolor\n1\tLiver\t#dd8265\n2\tTumour\t#ff0000\n3\tVessel\t#0000ff\n")
    ds = download(orthanc, answer, str(tmp_path / "masks"))
    assert str(ds.SegmentationType) == "BINARY"
    assert [str(s.SegmentLabel) for s in ds.SegmentSequence] == ["Liver", "Tumour", "Vessel"]
    assert np.array_equal(rebuild(ds, affine, volumes=3), masks.astype(np.int64))


# --------------------------------------------------------------------------- refusals
def _assert_refused(orthanc, r, before, *words):
    assert orthanc.alive()
    assert r.status == 400, r.describe()
    message = r.json()["Message"]
    for word in words:
        assert word in message, message
    assert orthanc.count("instances") == before, "something was stored"


@pytest.mark.parametrize("labels,words", [
    ("1 Tumour 255 0 0 255\n2 Oedema 0 0\n", ["line 2", "index name R G B A", "found 4 field(s)"]),
    ("index\tname\tcolor\n1\tTumour\tred\n", ["line 2", "BIDS dseg.tsv", "#RRGGBB"]),
    ("    1   255    0    0        1  1  1    \"Tumour\"\n    1   0 0 255 1 1 1 \"Again\"\n",
     ["line 2", "ITK-SNAP", "given twice"]),
    ("LabelValue,Name,Color_R,Color_G,Color_B,Color_A\n1,a,300,0,0,255\n", ["line 2", "red value \"300\""]),
    ("# nothing\n", ["empty"]),
    ({"1": {"Name": "x", "Type": {"CodeValue": "1", "CodingSchemeDesignator": "SCT", "CodeMeaning": "y"}}},
     ["without a Category"]),
    (7, ["FreeSurfer"]),
])
def test_refused_tables(orthanc, parent, labels, words):
    before = orthanc.count("instances")
    lab = np.zeros(SHAPE, np.uint8)
    lab[2:5, 2:5, 2] = 1
    body = {"Nifti": base64.b64encode(nifti_bytes(lab, rh_affine())).decode("ascii"), "ParentStudy": parent,
            "Type": "Segmentation", "Labels": labels}
    _assert_refused(orthanc, post(orthanc, "/nifti/import", body), before, "Labels", *words)


def test_refused_uploaded_table(orthanc, parent):
    before = orthanc.count("instances")
    lab = np.zeros(SHAPE, np.uint8)
    lab[2:5, 2:5, 2] = 1
    table = upload(orthanc, "1 Tumour 255 0 0 255\nbad line\n", "bad.txt")
    body = {"Nifti": base64.b64encode(nifti_bytes(lab, rh_affine())).decode("ascii"), "ParentStudy": parent,
            "Type": "Segmentation", "Labels": table}
    _assert_refused(orthanc, post(orthanc, "/nifti/import", body), before, "line 2")


@pytest.mark.parametrize("kind,value,words", [
    ("Fractional", 1.5, ["from 0 to 1", "1.5"]),
    ("Fractional", -0.25, ["from 0 to 1", "-0.25"]),
    ("Fractional", float("nan"), ["from 0 to 1", "NaN"]),
    ("Fractional", float("inf"), ["from 0 to 1", "infinite"]),
    ("Masks", 0.5, ["0 (outside) and 1 (inside)"]),
])
def test_refused_values(orthanc, parent, kind, value, words):
    before = orthanc.count("instances")
    data = probabilities(2)
    data[4, 5, 3, 1] = value
    body = {"Nifti": base64.b64encode(nifti_bytes(data, rh_affine())).decode("ascii"), "ParentStudy": parent,
            "Type": "Segmentation", "SegmentationType": kind}
    _assert_refused(orthanc, post(orthanc, "/nifti/import", body), before, *words)


def test_refused_segmentation_type(orthanc, parent):
    before = orthanc.count("instances")
    body = {"Nifti": base64.b64encode(nifti_bytes(probabilities(1)[..., 0], rh_affine())).decode("ascii"),
            "ParentStudy": parent, "SegmentationType": "Probabilistic"}
    _assert_refused(orthanc, post(orthanc, "/nifti/import", body), before, "SegmentationType",
                    "Fractional")


def test_asynchronous_import_with_uploaded_table(orthanc, parent, tmp_path):
    """An asynchronous import (a job) reads an uploaded table as a synchronous one does."""
    from orthanc_harness import wait_for_job
    text, names = TABLES["labels.itksnap.txt"]
    table = upload(orthanc, text, "labels.itksnap.txt")
    lab = aseg_like()
    affine = rh_affine(zooms=(1.1, 0.9, 2.0))
    body = {"Nifti": base64.b64encode(nifti_bytes(lab, affine)).decode("ascii"), "ParentStudy": parent,
            "Type": "Segmentation", "Labels": table, "Asynchronous": True}
    r = post(orthanc, "/nifti/import", body)
    assert r.status == 200, r.describe()
    job = wait_for_job(orthanc, r.json()["ID"])
    assert job["State"] == "Success", job
    ds = download(orthanc, {"ID": job["Content"]["ID"]}, str(tmp_path / "async"))
    by_value = {source_of(item): item for item in ds.SegmentSequence}
    for value, name in names.items():
        assert str(by_value[value].SegmentLabel) == name
    assert np.array_equal(rebuild(ds, affine), lab.astype(np.int64))


def test_table_beyond_maximum_segments(tmp_path):
    """A table of more labels than MaximumSegments: 413 naming the option, from the import and from the preview."""
    from conftest import new_parent_study, start_extra_server, stop_extra_server
    server = start_extra_server(tmp_path, "segments3", extra_config={"NiftiToDicom": {"MaximumSegments": 3}})
    try:
        study, _ = new_parent_study(server, "SEGMENTS3")
        table = "".join("%d label%d %d 0 0 0\n" % (i, i, i) for i in range(1, 5))
        r = post(server, "/nifti/labels", {"Labels": table})
        assert r.status == 413 and "MaximumSegments" in r.json()["Message"], r.describe()
        lab = np.zeros(SHAPE, np.uint8)
        lab[2:5, 2:5, 2] = 1
        body = {"Nifti": base64.b64encode(nifti_bytes(lab, rh_affine())).decode("ascii"), "ParentStudy": study,
                "Type": "Segmentation", "Labels": table}
        r = post(server, "/nifti/import", body)
        assert r.status == 413 and "4 labels" in r.json()["Message"], r.describe()
        assert server.count("instances") == 1, "only the parent"
        body["Labels"] = "".join("%d label%d %d 0 0 0\n" % (i, i, i) for i in range(1, 4))
        assert post(server, "/nifti/import", body).status == 200
    finally:
        stop_extra_server(server)


def test_saved_job_keeps_the_table_text(tmp_path):
    """A job waiting behind another when Orthanc stops is saved with the table's text, not the upload ID: after
    the restart it runs with the table's names though the upload was deleted meanwhile."""
    from conftest import new_parent_study, start_extra_server, stop_extra_server, write_large_nifti
    from orthanc_harness import JobWatch, post_file
    base = str(tmp_path)
    config = {"SaveJobs": True, "ConcurrentJobs": 1,
              "NiftiToDicom": {"ConversionThreads": 1, "MaximumUploadSize": 512, "MaximumVolumeSize": 1024,
                               "UploadDirectory": os.path.join(base, "uploads")}}
    server = start_extra_server(base, "seg-restart", config, load_saved_jobs=True)
    try:
        study, _ = new_parent_study(server, "SEGRESTART")
        big = os.path.join(base, "big.nii")
        write_large_nifti(big, (64, 64, 20, 30), tr=2.0, seed=5)
        r = post_file(server.base_url, "/nifti/uploads", big, headers={"X-Filename": "big.nii"})
        assert r.status == 200, r.describe()
        first = server.post_json("/nifti/import", {"Upload": r.json()["ID"], "ParentStudy": study,
                                                    "Asynchronous": True}).json()["ID"]

        text, names = TABLES["dseg.tsv"]
        table = upload(server, text, "dseg.tsv")
        lab = aseg_like()
        affine = rh_affine(zooms=(1.1, 0.9, 2.0))
        body = {"Nifti": base64.b64encode(nifti_bytes(lab, affine)).decode("ascii"), "ParentStudy": study,
                "Type": "Segmentation", "Labels": table, "Asynchronous": True}
        r = post(server, "/nifti/import", body)
        assert r.status == 200, r.describe()
        second = r.json()["ID"]
        assert server.request("DELETE", "/nifti/uploads/%s" % table).status == 200
        assert server.get_json("/jobs/%s" % second)["State"] == "Pending", "the test needs the job to wait"
        assert server.stop(timeout=120) == 0
        server.start()

        job = JobWatch(server, second).wait(timeout=240, interval=0.1)
        assert job["State"] == "Success", job
        JobWatch(server, first).wait(timeout=240, interval=0.1)
        ds = download(server, {"ID": job["Content"]["ID"]}, os.path.join(base, "restarted"))
        by_value = {source_of(item): item for item in ds.SegmentSequence}
        for value, name in names.items():
            assert str(by_value[value].SegmentLabel) == name
        assert np.array_equal(rebuild(ds, affine), lab.astype(np.int64))
    finally:
        stop_extra_server(server)
        shutil.rmtree(os.path.join(base, "uploads"), ignore_errors=True)
