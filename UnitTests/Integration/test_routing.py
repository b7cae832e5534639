"""SendTo / DefaultSendTo: the new series is sent to a DICOM modality or an Orthanc peer once complete.

A second, plain Orthanc (no plugin) on other loopback ports plays the PACS; it is declared in the
first one's DicomModalities ("PACS") and OrthancPeers ("pacs"). "DOWN" is a declared modality with
no listener.

Contract: README.md, "POST /nifti/import" (SendTo, answer's SendTo) and "Configuration" (DefaultSendTo).
"""

import base64

import pytest

from conftest import (assert_arrived_complete, is_sentence, make_nifti_image, new_parent_study, nifti_file_bytes,
                      start_extra_server, stop_extra_server, study_series)
from orthanc_harness import JobWatch, free_port


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("routing"))


@pytest.fixture(scope="module")
def pacs(root):
    s = start_extra_server(root, "pacs", {"DicomAet": "PACSAET"}, plugins=[])
    yield s
    stop_extra_server(s)


def routing_config(pacs, extra=None):
    config = {
        "DicomModalities": {"PACS": ["PACSAET", "127.0.0.1", pacs.dicom_port],
                            "DOWN": ["DOWNAET", "127.0.0.1", free_port()]},
        "OrthancPeers": {"pacs": {"Url": pacs.base_url + "/"}},
        "DicomScuTimeout": 5,
    }
    if extra:
        config.update(extra)
    return config


@pytest.fixture(scope="module")
def server(root, pacs):
    s = start_extra_server(root, "router", routing_config(pacs))
    yield s
    stop_extra_server(s)


def _nifti_b64(seed, shape=(24, 20, 8)):
    return base64.b64encode(nifti_file_bytes(make_nifti_image(shape, seed=seed))).decode("ascii")


def _single_entry(send_to, kind, name):
    assert isinstance(send_to, list), "SendTo should be a list of outcomes: %r" % (send_to,)
    entries = [e for e in send_to if e.get("Type") == kind and e.get("Name") == name]
    assert len(entries) == 1 and len(send_to) == 1, "SendTo should hold one %s %s entry: %s" % (kind, name, send_to)
    return entries[0]


def test_send_to_modality(server, pacs):
    study, _ = new_parent_study(server, "route-modality")
    r = server.post_json("/nifti/import", {"Nifti": _nifti_b64(1), "ParentStudy": study,
                                           "SendTo": {"Modalities": ["PACS"]}})
    assert r.status == 200, r.describe()
    entry = _single_entry(r.json().get("SendTo"), "Modality", "PACS")
    assert entry.get("Success") is True, entry
    assert_arrived_complete(server, r.json()["ID"], pacs)


def test_send_to_peer(server, pacs):
    study, _ = new_parent_study(server, "route-peer")
    r = server.post_json("/nifti/import", {"Nifti": _nifti_b64(2), "ParentStudy": study,
                                           "SendTo": {"Peers": ["pacs"]}})
    assert r.status == 200, r.describe()
    entry = _single_entry(r.json().get("SendTo"), "Peer", "pacs")
    assert entry.get("Success") is True, entry
    assert_arrived_complete(server, r.json()["ID"], pacs)


def test_send_to_from_a_job(server, pacs):
    study, _ = new_parent_study(server, "route-job")
    r = server.post_json("/nifti/import", {"Nifti": _nifti_b64(3, (32, 32, 10, 3)), "ParentStudy": study,
                                           "SendTo": {"Modalities": ["PACS"]}, "Asynchronous": True})
    assert r.status == 200, r.describe()
    job = JobWatch(server, r.json()["ID"]).wait(timeout=120, interval=0.05)
    assert job["State"] == "Success", job
    entry = _single_entry(job["Content"].get("SendTo"), "Modality", "PACS")
    assert entry.get("Success") is True, entry
    assert_arrived_complete(server, job["Content"]["ID"], pacs)


def test_default_send_to(root, pacs):
    s = start_extra_server(root, "default-route",
                           routing_config(pacs, {"NiftiToDicom": {"DefaultSendTo": {"Peers": ["pacs"]}}}))
    try:
        study, _ = new_parent_study(s, "route-default")
        r = s.post_json("/nifti/import", {"Nifti": _nifti_b64(4), "ParentStudy": study})
        assert r.status == 200, r.describe()
        entry = _single_entry(r.json().get("SendTo"), "Peer", "pacs")
        assert entry.get("Success") is True, entry
        assert_arrived_complete(s, r.json()["ID"], pacs)
    finally:
        stop_extra_server(s)


@pytest.mark.parametrize("send_to", [{"Modalities": ["NOSUCH"]}, {"Peers": ["nosuch"]},
                                     {"Modalities": ["PACS", "NOSUCH"]}, {"Modalities": "PACS"}],
                         ids=["unknown-modality", "unknown-peer", "one-unknown", "not-a-list"])
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_bad_destination_refused_before_storing(server, pacs, send_to, mode):
    study, _ = new_parent_study(server, "route-bad")
    before = sorted(server.get_json("/instances"))
    pacs_before = sorted(pacs.get_json("/instances"))
    jobs_before = server.get_json("/jobs")
    body = {"Nifti": _nifti_b64(5), "ParentStudy": study, "SendTo": send_to}
    if mode == "async":
        body["Asynchronous"] = True
    r = server.post_json("/nifti/import", body)
    assert r.status == 400, "SendTo %s: %s" % (send_to, r.describe())
    assert is_sentence(r.json().get("Message")), r.describe()
    assert sorted(server.get_json("/instances")) == before, "instances stored despite the refused SendTo"
    assert server.get_json("/jobs") == jobs_before
    assert sorted(pacs.get_json("/instances")) == pacs_before


def test_destination_down_keeps_the_import(server, pacs):
    study, _ = new_parent_study(server, "route-down")
    r = server.post_json("/nifti/import", {"Nifti": _nifti_b64(6), "ParentStudy": study,
                                           "SendTo": {"Modalities": ["DOWN"]}})
    assert r.status == 200, "a failed send must not fail the import: %s" % r.describe()
    entry = _single_entry(r.json().get("SendTo"), "Modality", "DOWN")
    assert entry.get("Success") is False, entry
    assert is_sentence(entry.get("Error")), "SendTo entry should carry the reason: %s" % entry
    series = server.get_json("/series/%s" % r.json()["ID"])
    assert len(series["Instances"]) == 8, "the import should stay complete"
    assert r.json()["ID"] in study_series(server, study)
