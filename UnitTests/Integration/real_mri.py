"""The real scanner series of UnitTests/Data/real-mri (a verbatim copy of the team's shared/data/real-mri, from
dcm2niix's dcm_qa_stc validation data, BSD 2-Clause; see its README and LICENSE): for each, the scanner's DICOM
files (a real parent study and reference series) and the NIfTI, BIDS sidecar and bval/bvec that dcm2niix made
from them.

$NIFTI_REAL_MRI_DIR points elsewhere (e.g. at series from another site laid out the same way: one folder per
series with a dicom/ tree and one .nii with its .json, .bval, .bvec). Missing data fails the tests, never skips them.
"""

import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DIR = os.path.normpath(os.path.join(HERE, "..", "Data", "real-mri"))


def data_dir():
    path = os.environ.get("NIFTI_REAL_MRI_DIR", DEFAULT_DIR)
    if not os.path.isdir(path):
        raise FileNotFoundError("real scanner data not found in %s (set NIFTI_REAL_MRI_DIR)" % path)
    return path


class RealSeries:
    """One scanner series and what dcm2niix made of it."""

    def __init__(self, folder):
        self.folder = folder
        self.name = os.path.basename(folder)
        niftis = sorted(glob.glob(os.path.join(folder, "*.nii")) + glob.glob(os.path.join(folder, "*.nii.gz")))
        if len(niftis) != 1:
            raise FileNotFoundError("%s: expected one NIfTI file, found %d" % (folder, len(niftis)))
        self.nifti = niftis[0]
        stem = self.nifti[:-7] if self.nifti.endswith(".nii.gz") else self.nifti[:-4]
        self.sidecar = stem + ".json" if os.path.exists(stem + ".json") else None
        self.bval = stem + ".bval" if os.path.exists(stem + ".bval") else None
        self.bvec = stem + ".bvec" if os.path.exists(stem + ".bvec") else None
        self.dicom_files = sorted(p for p in glob.glob(os.path.join(folder, "dicom", "**", "*"), recursive=True)
                                  if os.path.isfile(p))
        if not self.dicom_files:
            raise FileNotFoundError("%s: no DICOM files under dicom/" % folder)

    def __repr__(self):
        return "RealSeries(%s)" % self.name

    def sidecar_json(self):
        if self.sidecar is None:
            return None
        with open(self.sidecar, "rb") as f:
            return json.loads(f.read().decode("utf-8"))

    def nifti_bytes(self):
        with open(self.nifti, "rb") as f:
            return f.read()

    def upload(self, client):
        """Stores the scanner's files in Orthanc; returns (study ID, series ID) of Orthanc."""
        studies, series = set(), set()
        for path in self.dicom_files:
            with open(path, "rb") as f:
                answer = client.upload_dicom(f.read())
            studies.add(answer["ParentStudy"])
            series.add(answer["ParentSeries"])
        if len(studies) != 1 or len(series) != 1:
            raise AssertionError("%s: expected one study and one series, got %d and %d"
                                 % (self.name, len(studies), len(series)))
        return studies.pop(), series.pop()


def all_series():
    root = data_dir()
    folders = sorted(p for p in glob.glob(os.path.join(root, "*")) if os.path.isdir(p))
    if not folders:
        raise FileNotFoundError("no series in %s" % root)
    return [RealSeries(p) for p in folders]


def series_names():
    """For pytest.mark.parametrize (evaluated at collection: missing data is an error then)."""
    return [s.name for s in all_series()]


def get(name):
    return RealSeries(os.path.join(data_dir(), name))
