#!/usr/bin/python3
"""Writes the seed corpora of the fuzz harnesses (Corpus/<harness>/): small, valid inputs of every
kind each harness reads, so that libFuzzer starts from the shapes that matter. Re-run after changing
it; the files are committed so that a fuzz run needs nothing but the repository.

    /usr/bin/python3 UnitTests/Fuzz/make_seeds.py
"""

import gzip
import json
import os
import shutil

import numpy as np
import nibabel as nib

HERE = os.path.dirname(os.path.abspath(__file__))


def corpus(name):
    path = os.path.join(HERE, "Corpus", name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def nifti_bytes(data, affine, version=1, intent=None, slope=None):
    image = (nib.Nifti1Image if version == 1 else nib.Nifti2Image)(data, affine)
    if intent is not None:
        image.header.set_intent(intent)
    if slope is not None:
        image.header.set_slope_inter(slope, 0.5)
    return image.to_bytes()


def write_nifti_seeds():
    target = corpus("FuzzNiftiConversion")
    oblique = np.array([[0.9, -0.1, 0.0, -20.0], [0.1, 0.9, 0.2, 10.0], [0.0, -0.2, 1.1, 5.0], [0, 0, 0, 1]])
    rng = np.random.default_rng(7)
    cases = {
        "int16": (rng.integers(-300, 3000, (4, 3, 3)).astype(np.int16), np.diag([1, 1, 2, 1]), {}),
        "uint8_labels": (rng.integers(0, 4, (4, 4, 2)).astype(np.uint8), np.eye(4), {"intent": "label"}),
        "float32_oblique": (rng.normal(0, 1, (3, 4, 2)).astype(np.float32), oblique, {}),
        "float64_4d": (rng.normal(0, 1e3, (3, 3, 2, 3)).astype(np.float64), np.eye(4), {}),
        "int32_scaled": (rng.integers(-10, 10, (2, 3, 2)).astype(np.int32), np.eye(4), {"slope": 0.25}),
        "uint16_nifti2": (rng.integers(0, 65535, (3, 2, 2)).astype(np.uint16), np.eye(4), {"version": 2}),
    }
    for name, (data, affine, extra) in cases.items():
        raw = nifti_bytes(data, affine, **extra)
        for selector in (0, 1, 2, 3):
            with open(os.path.join(target, "%s_%d.nii" % (name, selector)), "wb") as f:
                f.write(raw + bytes([selector]))
        with open(os.path.join(target, "%s.nii.gz" % name), "wb") as f:
            f.write(gzip.compress(raw, mtime=0) + bytes([0x45]))

    rgb = np.zeros((3, 2, 2), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    rgb["R"] = 200
    rgb["B"] = rng.integers(0, 255, (3, 2, 2))
    image = nib.Nifti1Image(rgb, np.eye(4))
    for selector in (0, 4):
        with open(os.path.join(target, "rgb24_%d.nii" % selector), "wb") as f:
            f.write(image.to_bytes() + bytes([selector]))


def write_request_seeds():
    target = corpus("FuzzImportRequest")
    requests = [
        {"Nifti": "H4sIAAAAAAAA/w==", "ParentStudy": "0a1b2c3d-4e5f6a7b-8c9d0e1f-2a3b4c5d-6e7f8a9b"},
        {"Upload": "8a4c3f2e-1d6b-4e9a-9c1f-2b3d4e5f6a7b", "ParentStudy": "1.2.3.4", "Asynchronous": True,
         "Priority": 3, "SeriesDescription": "FA map", "Filename": "fa.nii.gz", "Modality": "MR"},
        {"Path": "/data/out/seg.nii.gz", "ParentStudy": "1.2.3", "Type": "Segmentation",
         "Labels": {"1": {"Name": "Tumour", "Color": [255, 0, 0]}, "2": "Oedema"}},
        {"Nifti": "AAAA", "ParentStudy": "x", "Type": "ParametricMap", "Units": "mm2/s", "Quantity": "ADC",
         "DoublePrecision": True, "Tags": {"SeriesNumber": "7", "0008,103e": "desc", "BodyPartExamined": "BRAIN"}},
        {"Nifti": "AAAA", "ParentStudy": "x", "ReferenceSeries": "abc", "Bval": "0 1000", "Bvec": "1 0\n0 1\n0 0",
         "Sidecar": {"RepetitionTime": 2.0, "EchoTime": 0.03}, "SendTo": {"Modalities": ["pacs"], "Peers": []}},
    ]
    for i, request in enumerate(requests):
        with open(os.path.join(target, "request_%d.json" % i), "w") as f:
            json.dump(request, f)


def write_sidecar_seeds():
    target = corpus("FuzzSidecar")
    # The real scanner sidecars of shared/data/real-mri are added by run-fuzzers.sh where present; these
    # are written here, in the shapes dcm2niix releases use
    sidecars = [
        {"Modality": "MR", "MagneticFieldStrength": 3, "Manufacturer": "Siemens", "ManufacturersModelName": "Prisma",
         "RepetitionTime": 2.3, "EchoTime": 0.00232, "InversionTime": 0.9, "FlipAngle": 8,
         "ScanningSequence": "GR\\IR", "SequenceVariant": "SK\\SP\\MP", "SliceThickness": 0.9,
         "AcquisitionTime": "14:13:5.990000", "SeriesNumber": 3, "ImageType": ["ORIGINAL", "PRIMARY", "M", "ND"],
         "PhaseEncodingDirection": "j-", "SliceTiming": [0, 0.5, 0.25, 0.75], "BodyPart": "BRAIN"},
        {"EchoTime": [0.01, 0.02], "RepetitionTime": "2", "MultibandAccelerationFactor": 4, "SAR": 0.05,
         "AcquisitionMatrixPE": 96, "ReceiveCoilName": "HeadNeck_64", "ProcedureStepDescription": "Brain",
         "DeviceSerialNumber": "12345", "StationName": "MRC1", "SoftwareVersions": "syngo MR XA30"},
    ]
    for i, sidecar in enumerate(sidecars):
        with open(os.path.join(target, "sidecar_%d.json" % i), "w") as f:
            json.dump(sidecar, f)
    with open(os.path.join(target, "tags.json"), "w") as f:
        json.dump({"SeriesNumber": "12", "PatientWeight": "70.5", "0018,0050": "1.5",
                   "ProtocolName": "t1_mprage", "ImageComments": "réponse"}, f)


def write_diffusion_seeds():
    target = corpus("FuzzDiffusionTable")
    cases = [
        (3, "0 1000 1000\n", "0 1 0\n0 0 1\n0 0 0\n"),
        (4, "0\t5\t995\t2000", "0 0.707 -0.5 1\n0 0.707 0.5 0\n0 0 0.707 0\n"),
        (2, "0 1e3", "0 1\n0 0\n0 0"),
    ]
    for i, (volumes, bval, bvec) in enumerate(cases):
        with open(os.path.join(target, "table_%d" % i), "wb") as f:
            f.write(bytes([volumes]) + bval.encode() + b"\0" + bvec.encode())


if __name__ == "__main__":
    write_nifti_seeds()
    write_request_seeds()
    write_sidecar_seeds()
    write_diffusion_seeds()
