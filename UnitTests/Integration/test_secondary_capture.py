"""`"Type": "SecondaryCapture"`: an RGB24 volume as one Multi-frame True Color Secondary Capture instance, for
viewers that cannot show Enhanced MR Color. The colours must be kept exactly; the geometry is reduced to slice
locations, and the answer says so."""

import os

import nibabel as nib
import numpy as np
import pydicom

import dicom_tools
from test_enhanced_and_colour import NIFTI_TYPE_RGB24, rgb_volume, _img_bytes
from nifti_cases import nifti1, lh_affine

SC_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.7.4"


def _instances(orthanc, series_id, directory):
    os.makedirs(directory, exist_ok=True)
    files = dicom_tools.extract_zip(orthanc.get_bytes("/series/%s/archive" % series_id), directory)
    return files


def test_rgb_secondary_capture_keeps_every_colour(orthanc, parents, scratch):
    affine = lh_affine(zooms=(0.8, 1.1, 2.4))
    colours = rgb_volume((13, 10, 5, 2), 91)
    data = _img_bytes(nifti1(colours, affine), NIFTI_TYPE_RGB24)
    count_before = len(orthanc.get_json("/instances"))

    r = orthanc.nifti_import(data, parents["MR"].orthanc_id, Type="SecondaryCapture")
    assert r.status == 200, r.describe()
    answer = r.json()
    assert answer["InstancesCount"] == 1
    assert any("Secondary Capture" in w and "position" in w for w in answer["Warnings"]), answer["Warnings"]
    assert len(orthanc.get_json("/instances")) == count_before + 1

    files = _instances(orthanc, answer["ID"], os.path.join(scratch, "sc"))
    assert len(files) == 1
    ds = pydicom.dcmread(files[0])
    assert ds.SOPClassUID == SC_SOP_CLASS
    assert ds.PhotometricInterpretation == "RGB" and int(ds.SamplesPerPixel) == 3
    assert int(ds.PlanarConfiguration) == 0 and int(ds.BitsAllocated) == 8
    assert ds.StudyInstanceUID == parents["MR"].dataset.StudyInstanceUID
    assert "FrameOfReferenceUID" not in ds, "a Secondary Capture has no frame of reference"

    # Frames t-major; frame pixel (row r, column c) is voxel (c, ny-1-r, k, t)
    nx, ny, nz, nt = colours.shape
    assert int(ds.NumberOfFrames) == nz * nt
    stored = ds.pixel_array
    for t in range(nt):
        for k in range(nz):
            frame = stored[t * nz + k]
            for channel_index, channel in enumerate("RGB"):
                expected = colours[channel][:, ::-1, k, t].T
                assert np.array_equal(frame[:, :, channel_index], expected), \
                    "frame t=%d k=%d channel %s differs" % (t, k, channel)

    # What is left of the geometry: each frame's slice location along the normal
    locations = [float(v) for v in ds.SliceLocationVector]
    assert len(locations) == nz * nt
    steps = np.diff(locations[:nz])
    assert np.allclose(np.abs(steps), 2.4, atol=1e-3), locations

    validation = dicom_tools.run_dciodvfy(files[0])
    assert not validation.errors, "\n".join(validation.errors)


def test_secondary_capture_is_for_colour_only(orthanc, parents):
    grey = np.arange(6 * 5 * 4, dtype=np.int16).reshape(6, 5, 4)
    data = nifti1(grey, np.diag([1.0, 1.0, 1.0, 1.0])).to_bytes()
    count_before = len(orthanc.get_json("/instances"))

    r = orthanc.nifti_import(data, parents["MR"].orthanc_id, Type="SecondaryCapture")
    assert r.status == 400, r.describe()
    assert "RGB" in r.json()["Message"] and "INT16" in r.json()["Message"], r.json()["Message"]
    assert len(orthanc.get_json("/instances")) == count_before
