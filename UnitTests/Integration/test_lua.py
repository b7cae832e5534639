"""The Lua samples of Resources/Lua/, loaded as they are with Orthanc's LuaScripts option; their globals
(PIPELINE_FOLDER, ROUTE_TO_MODALITY, FORWARD_SCANNER_IMAGES_TO) come from a small file loaded first.

Contract: README.md, "Lua automation and routing".
"""

import base64
import gzip
import os
import re
import shutil
import time

import numpy as np
import pytest

from conftest import (assert_arrived_complete, check_instance_pixels, dataset_bytes, fresh_copy, make_nifti_image,
                      new_parent_study, nifti_file_bytes, start_extra_server, stop_extra_server, study_series)
from orthanc_harness import REPO_ROOT, JobWatch, wait_until

LUA_DIR = os.path.join(REPO_ROOT, "Resources", "Lua")
STABLE_AGE = 1


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = os.path.realpath(str(tmp_path_factory.mktemp("lua")))
    yield path
    shutil.rmtree(os.path.join(path, "pipeline"), ignore_errors=True)


@pytest.fixture(scope="module")
def pacs(root):
    s = start_extra_server(root, "lua-pacs", {"DicomAet": "PACSAET"}, plugins=[])
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def pipeline(root):
    path = os.path.join(root, "pipeline")
    os.makedirs(path, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def server(root, pacs, pipeline):
    prelude = os.path.join(root, "settings.lua")
    with open(prelude, "w") as f:
        f.write("PIPELINE_FOLDER = '%s'\nROUTE_TO_MODALITY = 'PACS'\nFORWARD_SCANNER_IMAGES_TO = 'PACS'\n" % pipeline)
    scripts = [prelude] + [os.path.join(LUA_DIR, name) for name in
                           ("ImportFromFolder.lua", "RouteOnJobSuccess.lua", "TellPluginInstances.lua")]
    s = start_extra_server(root, "lua", {
        "LuaScripts": scripts,
        "StableAge": STABLE_AGE,
        "DicomModalities": {"PACS": ["PACSAET", "127.0.0.1", pacs.dicom_port]},
        "NiftiToDicom": {"AllowedDirectories": [pipeline]}})
    yield s
    stop_extra_server(s)


def _log(server):
    with open(server.log_path, "rb") as f:
        return f.read().decode("utf-8", errors="replace")


def _in_pacs(pacs, series_uid, count):
    found = [x for x in pacs.post("/tools/lookup", series_uid.encode(), content_type="text/plain").json()
             if x.get("Type") == "Series"]
    return bool(found) and len(pacs.get_json("/series/%s" % found[0]["ID"])["Instances"]) == count


# --------------------------------------------------------------------------- RouteOnJobSuccess + TellPluginInstances
@pytest.fixture(scope="module")
def routed_import(server):
    study, _ = new_parent_study(server, "lua-route")
    img = make_nifti_image((24, 24, 10, 3), seed=21)
    r = server.post_json("/nifti/import", {"Nifti": base64.b64encode(nifti_file_bytes(img)).decode(),
                                           "ParentStudy": study, "SeriesDescription": "Routed by Lua",
                                           "Asynchronous": True})
    assert r.status == 200, r.describe()
    job = JobWatch(server, r.json()["ID"]).wait(timeout=120, interval=0.05)
    return study, job


def test_route_on_job_success(server, pacs, routed_import):
    _study, job = routed_import
    assert job["State"] == "Success", job
    series_id = job["Content"]["ID"]
    uid = job["Content"]["SeriesInstanceUID"]
    arrived = wait_until(lambda: _in_pacs(pacs, uid, 30), timeout=30)
    log = _log(server)
    said = "NIfTI import job %s made series %s" % (job["ID"], series_id)
    assert said in log, "RouteOnJobSuccess.lua did not react to job %s (no %r in the log)" % (job["ID"], said)
    assert arrived, "series %s was not sent to the PACS within 30 s" % series_id
    assert_arrived_complete(server, series_id, pacs)


def test_tell_plugin_instances(server, routed_import):
    _study, job = routed_import
    assert job["State"] == "Success", job
    instances = server.get_json("/series/%s" % job["Content"]["ID"])["Instances"]
    log = _log(server)
    missing = [i for i in instances if not re.search(
        r"Instance %s of series .* was stored by a plugin" % re.escape(i), log)]
    assert not missing, ("TellPluginInstances.lua logged no 'stored by a plugin' line for %d of %d instances "
                         "(e.g. %s)" % (len(missing), len(instances), missing[:3]))
    assert "Instance %s of series Routed by Lua was stored by a plugin" % instances[0] in log


# --------------------------------------------------------------------------- ImportFromFolder
class FolderImport:
    pass


@pytest.fixture(scope="module")
def folder_import(server, pipeline):
    result = FolderImport()
    ds = fresh_copy("MR_small.dcm", "PIPELINE-1", "Pipeline^Patient")
    result.image = make_nifti_image((20, 22, 7), seed=31)
    result.path = os.path.join(pipeline, "%s.nii.gz" % ds.StudyInstanceUID)
    with open(result.path, "wb") as f:
        f.write(gzip.compress(result.image.to_bytes()))
    answer = server.upload_dicom(dataset_bytes(ds))
    result.study = answer["ParentStudy"]
    result.parent_series = [answer["ParentSeries"]]
    result.started = time.time()
    result.first = wait_until(lambda: [s for s in study_series(server, result.study) if s not in result.parent_series],
                              timeout=30)
    result.first_seen = time.time()
    return result


def test_import_from_folder(server, folder_import):
    f = folder_import
    assert f.first, ("no series was imported into study %s within 30 s of its upload (StableAge %d s, file %s)"
                     % (f.study, STABLE_AGE, f.path))
    series_id = f.first[0]
    count = wait_until(lambda: len(server.get_json("/series/%s" % series_id)["Instances"]) == 7 and 7, timeout=30)
    assert count == 7, "the imported series has %d instances, expected 7" % len(
        server.get_json("/series/%s" % series_id)["Instances"])
    tags = server.get_json("/series/%s" % series_id)["MainDicomTags"]
    assert tags.get("SeriesDescription") == "Pipeline result", tags
    problems = check_instance_pixels(server, series_id, np.asarray(f.image.dataobj), [1, 4, 7])
    assert not problems, "\n".join(problems)
    assert "started as job" in _log(server)


def test_import_from_folder_imports_once(server, folder_import):
    """The import adds a series to the study, which makes it unstable and then stable again: the
    sample must not import the same file again and again."""
    f = folder_import
    assert f.first, "nothing was imported (see test_import_from_folder)"
    time.sleep(max(0.0, f.first_seen + 4 * STABLE_AGE + 4 - time.time()))
    imported = [s for s in study_series(server, f.study) if s not in f.parent_series]
    starts = re.findall(r"NIfTI import of %s into study %s started as job" % (re.escape(f.path), f.study), _log(server))
    assert len(imported) == 1, (
        "ImportFromFolder.lua imported %s %d times into study %s (%d series, %d jobs started): each import "
        "makes the study stable again and OnStableStudy finds the same file"
        % (os.path.basename(f.path), len(imported), f.study, len(imported), len(starts)))
