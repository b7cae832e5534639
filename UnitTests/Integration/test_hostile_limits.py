"""Small requests that describe a huge series: refused with 413 and the name of the configuration
option to raise, before the instances are built; nothing stored, Orthanc alive, its memory flat.

This module starts its own Orthanc with lowered limits, so that each is hit by a few kilobytes.

Contract: README.md, options table (MaximumInstances, MaximumFrames, MaximumSegments,
MaximumSegmentationSize, MaximumTags, MaximumTagsSize) and the 413 row of the error table."""

import base64
import time

import nibabel as nib
import numpy as np
import pytest

from conftest import start_extra_server, stop_extra_server, new_parent_study, default_affine, nifti_file_bytes
from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse: every test's peak RSS bounded)

LIMITS = {"MaximumInstances": 10, "MaximumFrames": 20, "MaximumSegments": 5, "MaximumSegmentationSize": 1,
          "MaximumTags": 4, "MaximumTagsSize": 1}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = start_extra_server(tmp_path_factory.mktemp("limits"), "limits", {"NiftiToDicom": dict(LIMITS)})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def parent(server):
    return new_parent_study(server, "LIMITS")[0]


def _image(data, intent=None):
    img = nib.Nifti1Image(data, default_affine())
    img.set_sform(default_affine(), code=2)
    img.set_qform(default_affine(), code=2)
    if intent is not None:
        img.header.set_intent(intent)
    return img


def _labels(shape, labels_per_slice):
    """A uint8 label map: on slice k, labels_per_slice(k) gives the labels, one voxel each."""
    data = np.zeros(shape, dtype=np.uint8)
    for k in range(shape[2]):
        for n, label in enumerate(labels_per_slice(k)):
            data[n, 0, k] = label
    return _image(data, "label")


def _body(parent, img, **fields):
    return dict({"Nifti": base64.b64encode(nifti_file_bytes(img, gz=True)).decode("ascii"),
                 "ParentStudy": parent}, **fields)


def _assert_refused(server, r, option, before):
    assert server.alive(), "Orthanc died:\n%s" % server.log_tail(40)
    assert r.status == 413, r.describe()
    message = (r.json_or_none() or {}).get("Message", "")
    assert "configuration option %s (%d" % (option, LIMITS[option]) in message, r.describe()
    assert server.workdir not in message, r.describe()
    assert server.count("instances") == before, "something was stored"


CASES = {
    # 10 x 8 x 50 zeros: a 200-byte .nii.gz whose slices would each be an instance
    "classic_instances": (lambda: _image(np.zeros((10, 8, 50), np.int16)), {}, "MaximumInstances"),
    "classic_4d_instances": (lambda: _image(np.ones((4, 4, 3, 4), np.int16)), {"Type": "Classic"},
                             "MaximumInstances"),
    "enhanced_frames": (lambda: _image(np.ones((4, 4, 6, 4), np.int16)), {"Type": "EnhancedMR"}, "MaximumFrames"),
    "parametric_map_frames": (lambda: _image(np.ones((4, 4, 21), np.float32)), {"Type": "ParametricMap"},
                              "MaximumFrames"),
    "segments": (lambda: _labels((8, 2, 2), lambda k: range(1, 7)), {"Type": "Segmentation"}, "MaximumSegments"),
    # 65535 labels would be 65535 segments: refused at the 6th
    "many_segments": (lambda: _image(np.arange(1, 2 ** 12 + 1, dtype=np.uint16).reshape((64, 64, 1)), "label"),
                      {"Type": "Segmentation"}, "MaximumSegments"),
    "segmentation_frames": (lambda: _labels((4, 2, 11), lambda k: [1, 2]), {"Type": "Segmentation"},
                            "MaximumFrames"),
    # 20 frames of 700 x 700 bits: 1.2 MB of Pixel Data from a ~10 KB file
    "segmentation_size": (lambda: _labels((700, 700, 20), lambda k: [1]), {"Type": "Segmentation"},
                          "MaximumSegmentationSize"),
    "tags_count": (lambda: _image(np.ones((4, 4, 2), np.int16)),
                   {"Tags": {"ProtocolName": "a", "ImageComments": "b", "SeriesNumber": "901",
                             "BodyPartExamined": "HEAD", "OperatorsName": "Smith"}}, "MaximumTags"),
    "tags_size": (lambda: _image(np.ones((4, 4, 2), np.int16)), {"Tags": {"ImageComments": "x" * 2000}},
                  "MaximumTagsSize"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_limit_refused(server, parent, name):
    make, fields, option = CASES[name]
    before = server.count("instances")
    r = server.post_json("/nifti/import", _body(parent, make(), **fields))
    _assert_refused(server, r, option, before)


@pytest.mark.parametrize("name", ["classic_instances", "segments", "tags_count"])
def test_limit_refused_asynchronously(server, parent, name):
    """A job fails with the same message and 413 (the Tags check answers before a job exists)."""
    make, fields, option = CASES[name]
    before = server.count("instances")
    r = server.post_json("/nifti/import", _body(parent, make(), Asynchronous=True, **fields))
    if r.status == 413:
        _assert_refused(server, r, option, before)
        return
    assert r.status == 200, r.describe()
    job = r.json()["ID"]
    for _ in range(300):
        state = server.get_json("/jobs/" + job)
        if state["State"] in ("Success", "Failure"):
            break
        time.sleep(0.1)
    assert state["State"] == "Failure", state
    assert state["Content"]["HttpStatus"] == 413, state
    assert "configuration option %s (" % option in state["Content"]["Error"], state
    assert server.alive()
    assert server.count("instances") == before


def test_within_limits_is_stored(server, parent):
    """The bounds refuse only what exceeds them: 5 segments on 20 frames, 10 instances, 4 Tags."""
    before = server.count("instances")
    r = server.post_json("/nifti/import", _body(parent, _labels((8, 2, 4), lambda k: range(1, 6)),
                                                Type="Segmentation"))
    assert r.status == 200, r.describe()
    r = server.post_json("/nifti/import", _body(parent, _image(np.ones((4, 4, 10), np.int16)),
                                                Tags={"ProtocolName": "a" * 64, "ImageComments": "b" * 800,
                                                      "SeriesNumber": "901", "BodyPartExamined": "HEAD"}))
    assert r.status == 200, r.describe()
    assert server.count("instances") == before + 11


def test_memory_stays_flat(server, parent):
    """A 116 KB label map with 65535 labels once made a 533 MB instance (3.3 GB RSS): refused, it costs
    a scan of the volume, no more."""
    data = (np.arange(64 * 64 * 16, dtype=np.uint32) % 65535 + 1).astype(np.uint16).reshape((64, 64, 16))
    body = _body(parent, _image(data, "label"), Type="Segmentation")
    before = server.count("instances")
    server.post_json("/nifti/import", body)   # allocator warm-up
    rss = server.memory()["VmRSS"]
    try:
        server.reset_peak_memory()
        peak_key = "VmHWM"
    except OSError:
        peak_key = "VmRSS"
    for _ in range(5):
        _assert_refused(server, server.post_json("/nifti/import", body), "MaximumSegments", before)
    grown = server.memory()[peak_key] - rss
    assert grown < 64 * 1024 * 1024, "Orthanc's memory grew by %d MB" % (grown >> 20)


def test_limits_logged_at_start_up(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    for option, value in LIMITS.items():
        unit = {"MaximumSegmentationSize": " MB", "MaximumTagsSize": " KB"}.get(option, "")
        assert "NiftiToDicom.%s = %d%s" % (option, value, unit) in log, option
