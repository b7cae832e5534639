"""A failure after the first stored instance must leave Orthanc as it was.

Orthanc's own Lua ReceivedInstanceFilter refuses one slice in the middle of the series (as a site policy
or a full disk would), so the plugin has already stored others when the failure happens.
"""

import os

import nibabel as nib
import numpy as np
import pytest

from orthanc_harness import OrthancServer

MR_SMALL = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small.dcm"

# Refuses the instance whose InstanceNumber is 9, only for instances stored by plugins
FILTER = """
function ReceivedInstanceFilter(dicom, origin, info)
  if origin['RequestOrigin'] == 'Plugins' and dicom['InstanceNumber'] == '9' then
    return false
  end
  return true
end
"""


def nifti_bytes(shape):
    data = (np.arange(np.prod(shape)) % 1000).reshape(shape).astype(np.int16)
    img = nib.Nifti1Image(data, np.diag([1.0, 1.0, 2.0, 1.0]))
    return img.to_bytes()


@pytest.fixture(scope="module")
def filtering_orthanc(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("rollback"))
    script = os.path.join(workdir, "filter.lua")
    with open(script, "w") as f:
        f.write(FILTER)
    server = OrthancServer(extra_config={"LuaScripts": [script],
                                         "NiftiToDicom": {"ConversionThreads": 2}},
                           workdir=os.path.join(workdir, "orthanc"), name="Rollback")
    server.start()
    try:
        with open(MR_SMALL, "rb") as f:
            server.upload_dicom(f.read())
        yield server
    finally:
        server.stop()
        server.cleanup()


@pytest.mark.parametrize("shape", [(16, 12, 20), (8, 8, 6, 3)], ids=["3d", "4d"])
def test_failure_midway_deletes_the_partial_series(filtering_orthanc, shape):
    server = filtering_orthanc
    study = server.get_json("/studies")[0]
    instances_before = sorted(server.get_json("/instances"))
    series_before = sorted(server.get_json("/series"))

    response = server.nifti_import(nifti_bytes(shape), study)

    assert response.status == 500, response.describe()
    message = response.json()["Message"]
    assert "did not store instance" in message, message
    assert sorted(server.get_json("/instances")) == instances_before
    assert sorted(server.get_json("/series")) == series_before
    assert server.alive()


def test_same_import_succeeds_below_the_refused_instance(filtering_orthanc):
    """Control: with fewer than 9 instances the filter refuses nothing and the import lands,
    so the failure above is the filter's doing and not a broken server."""
    server = filtering_orthanc
    study = server.get_json("/studies")[0]
    response = server.nifti_import(nifti_bytes((16, 12, 8)), study)
    assert response.status == 200, response.describe()
    assert response.json()["InstancesCount"] == 8
    assert len(server.get_json("/series/%s/instances" % response.json()["ID"])) == 8
