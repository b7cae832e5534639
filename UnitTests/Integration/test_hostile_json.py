"""JSON that a client nests deeper than any real request: refused with a 400 that says so, before a
recursive parser can run out of the HTTP thread's stack. Orthanc stays up and nothing is stored.

Contract: README.md, error table of POST /nifti/import ("nested more than 64 levels") and
POST /nifti/uploads (a JSON upload nested that deep is not a sidecar)."""

import base64
import json

import pytest

from nifti_cases import small_valid_image, nifti_bytes
from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse: every test's peak RSS bounded)


def _nested(depth, open_="[", close="]"):
    return open_ * depth + close * depth


def _body(parent, **raw_fields):
    """A request body as text, so that fields can hold JSON that json.dumps would not write deep enough."""
    fields = ['"Nifti": "%s"' % base64.b64encode(nifti_bytes(small_valid_image())).decode("ascii"),
              '"ParentStudy": "%s"' % parent]
    fields += ['"%s": %s' % (name, value) for name, value in raw_fields.items()]
    return ("{" + ", ".join(fields) + "}").encode("utf-8")


@pytest.fixture(scope="module")
def parent(parents):
    return parents["MR"].orthanc_id


def _assert_refused_for_depth(orthanc, r, before):
    assert orthanc.alive(), "Orthanc died:\n%s" % orthanc.log_tail(40)
    assert r.status == 400, r.describe()
    message = (r.json_or_none() or {}).get("Message", "")
    assert "more than 64 levels deep" in message, r.describe()
    assert orthanc.workdir not in message and "/tmp" not in message, r.describe()
    assert orthanc.count("instances") == before, "something was stored"


@pytest.mark.parametrize("name,body", [
    ("tags_200_deep", lambda p: _body(p, Tags=_nested(200))),
    ("labels_300_deep_objects", lambda p: _body(p, Labels=_nested(300, '{"a":', "}").replace('{"a":}', '{"a":1}'))),
    ("sidecar_100000_deep", lambda p: _body(p, Sidecar=_nested(100000))),
    ("body_is_100000_brackets", lambda p: b"[" * 100000),
    ("unclosed_deep_body", lambda p: b'{"a":' * 50000),
    ("depth_65", lambda p: _body(p, Tags=_nested(65))),
])
def test_deep_request_refused(orthanc, parent, name, body):
    before = orthanc.count("instances")
    r = orthanc.post("/nifti/import", body(parent), "application/json")
    _assert_refused_for_depth(orthanc, r, before)


def test_depth_64_is_parsed(orthanc, parent):
    """The bound is not a refusal of anything nested: 64 levels reach the request's own checks."""
    r = orthanc.post("/nifti/import", _body(parent, Tags=_nested(63)), "application/json")
    assert orthanc.alive()
    assert r.status == 400, r.describe()
    message = (r.json_or_none() or {}).get("Message", "")
    assert "levels deep" not in message and "Tags" in message, r.describe()


def test_deep_json_upload_is_not_a_sidecar(orthanc, parent):
    text = ('{"RepetitionTime": 2.0, "Extra": %s}' % _nested(300)).encode("utf-8")
    r = orthanc.post("/nifti/uploads", text, "application/json", headers={"X-Filename": "deep.json"})
    assert orthanc.alive(), "Orthanc died on the upload:\n%s" % orthanc.log_tail(40)
    assert r.status == 200, r.describe()
    upload = r.json()
    assert upload.get("Type") != "JSON", upload

    before = orthanc.count("instances")
    r = orthanc.post_json("/nifti/import", {"Nifti": base64.b64encode(nifti_bytes(small_valid_image())).decode(),
                                            "ParentStudy": parent, "Sidecar": upload["ID"]})
    assert orthanc.alive()
    assert r.status == 400, r.describe()
    assert "is not a JSON object" in (r.json_or_none() or {}).get("Message", ""), r.describe()
    assert orthanc.count("instances") == before
    assert orthanc.delete("/nifti/uploads/%s" % upload["ID"]).status == 200
