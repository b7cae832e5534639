"""Hostile values in the fields of POST /nifti/import and in the upload's headers: refused with a 400 that names
the field and the problem (never a server path), nothing stored, Orthanc alive; or, for the free-text
description and file name, made into one valid DICOM value. And server failures (upload directory, import
journal) answered without naming server directories.

Contract: README.md, the "Tags" row of the request table and the error table of POST /nifti/import."""

import base64
import os
import shutil

import pytest

from conftest import fresh_copy
from nifti_cases import small_valid_image, nifti_bytes
from hostile_checks import peak_memory_bounded  # noqa: F401 (autouse: every test's peak RSS bounded)

INT32_MAX = 2147483647


@pytest.fixture(scope="module")
def parent(parents):
    return parents["MR"].orthanc_id


@pytest.fixture(scope="module")
def nifti():
    return base64.b64encode(nifti_bytes(small_valid_image())).decode("ascii")


def _message(r):
    return (r.json_or_none() or {}).get("Message", "")


def _assert_no_server_path(orthanc, message):
    for directory in (orthanc.workdir, os.path.join(orthanc.workdir, "storage"), "/tmp/", "nifti-uploads",
                      "journal/"):
        assert directory not in message, "server path in the answer: %r" % message


def _assert_refused(orthanc, r, before, *words):
    assert orthanc.alive(), "Orthanc died:\n%s" % orthanc.log_tail(40)
    assert r.status == 400, r.describe()
    message = _message(r)
    for word in words:
        assert word in message, r.describe()
    _assert_no_server_path(orthanc, message)
    assert orthanc.count("instances") == before, "something was stored"


# --------------------------------------------------------------------------- Tags the README refuses

@pytest.mark.parametrize("name,value,words", [
    ("FrameOfReferenceUID", "1.2.3.4", ["FrameOfReferenceUID", "UID"]),
    ("0020,0052", "1.2.3.4", ["0020,0052", "UID"]),
    ("ConcatenationUID", "1.2.3", ["UID"]),
    ("SliceThickness", "3", ["SliceThickness", "computed"]),
    ("SpacingBetweenSlices", "3", ["SpacingBetweenSlices", "computed"]),
    ("PositionReferenceIndicator", "NOSE", ["computed"]),
    ("PlanarConfiguration", "1", ["PlanarConfiguration", "computed"]),
    ("PhotometricInterpretation", "RGB", ["computed"]),
    ("NumberOfFrames", "1000000", ["computed"]),
    ("WindowWidth", "0", ["computed"]),
    ("FloatPixelData", "1", ["FloatPixelData", "computed"]),
    ("7fe0,0010", "AAAA", ["computed"]),
    ("6000,3000", "1", ["computed"]),
    ("0008,0000", "100", ["group length"]),
    ("0020,0000", "100", ["group length"]),
    ("0000,0100", "1", ["public"]),
    ("0009,0010", "CREATOR", ["public"]),
    ("ImageType", "ORIGINAL\\PRIMARY", ["computed"]),
    ("TemporalPositionIdentifier", "2", ["computed"]),
    ("ProtocolName", "x" * 1000, ["ProtocolName", "64 characters"]),
])
def test_tags_refused(orthanc, parent, nifti, name, value, words):
    before = orthanc.count("instances")
    r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": parent, "Tags": {name: value}})
    _assert_refused(orthanc, r, before, "Tags", *words)


@pytest.mark.parametrize("name,value,words", [
    ("SeriesDescription", "FA\\MD", ["SeriesDescription", "at most 1 value"]),
    ("ProtocolName", "line 1\nline 2", ["ProtocolName", "control character"]),
    ("SeriesDescription", "tab\there", ["control character"]),
    ("SeriesNumber", "1\\2", ["SeriesNumber", "at most 1 value"]),
    ("SeriesNumber", "2147483648", ["SeriesNumber", "0 to 2147483647"]),
    ("SeriesNumber", "-1", ["0 to 2147483647"]),
    ("SeriesNumber", 99999999999, ["0 to 2147483647"]),
])
def test_tags_values_breaking_their_vr_refused(orthanc, parent, nifti, name, value, words):
    before = orthanc.count("instances")
    r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": parent, "Tags": {name: value}})
    _assert_refused(orthanc, r, before, "Tags", *words)


def test_tags_raw_bytes_refused(orthanc, parent, nifti):
    before = orthanc.count("instances")
    body = ('{"Nifti": "%s", "ParentStudy": "%s", "Tags": {"ProtocolName": "' % (nifti, parent)).encode() + \
        b"\xff\xfe\x80" + b'"}}'
    r = orthanc.post("/nifti/import", body, "application/json")
    assert orthanc.alive()
    assert 400 <= r.status < 500, r.describe()
    _assert_no_server_path(orthanc, _message(r))
    assert orthanc.count("instances") == before


# --------------------------------------------------------------------------- codes

def _code(value="mm", scheme="UCUM", meaning="millimetre"):
    return {"CodeValue": value, "CodingSchemeDesignator": scheme, "CodeMeaning": meaning}


@pytest.mark.parametrize("fields,words", [
    ({"Units": _code(value="7" * 250)}, ["Units", "CodeValue", "16 characters"]),
    ({"Units": "u" * 250}, ["Units", "CodeValue"]),
    ({"Units": _code(scheme="S" * 17)}, ["CodingSchemeDesignator"]),
    ({"Units": _code(meaning="m" * 65)}, ["CodeMeaning", "64 characters"]),
    ({"Units": _code(meaning="a\\b")}, ["CodeMeaning", "backslash"]),
    ({"Quantity": _code(value="1\n2")}, ["Quantity", "CodeValue"]),
])
def test_codes_that_do_not_fit_refused(orthanc, parent, nifti, fields, words):
    before = orthanc.count("instances")
    body = {"Nifti": nifti, "ParentStudy": parent, "Type": "ParametricMap"}
    body.update(fields)
    r = orthanc.post_json("/nifti/import", body)
    _assert_refused(orthanc, r, before, *words)


def test_label_name_with_backslash_refused(orthanc, parent, nifti):
    before = orthanc.count("instances")
    r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": parent, "Type": "Segmentation",
                                            "Labels": {"1": {"Name": "left\\right"}}})
    _assert_refused(orthanc, r, before, "Labels", "backslash")


# --------------------------------------------------------------------------- descriptions and file names

def _series_tags(orthanc, answer):
    series = orthanc.get_json("/series/%s" % answer["ID"])
    return orthanc.get_json("/instances/%s/tags?simplify" % series["Instances"][0])


@pytest.mark.parametrize("fields,expected", [
    ({"SeriesDescription": "FA\\MD"}, "FA/MD"),
    ({"SeriesDescription": "line 1\nline 2\tend"}, "line 1 line 2 end"),
    ({"Filename": "tab\there.nii.gz"}, "tab here"),
    ({"SeriesDescription": "\u00e9" * 70}, "\u00e9" * 64),
])
def test_description_becomes_one_valid_lo(orthanc, parent, nifti, fields, expected):
    body = {"Nifti": nifti, "ParentStudy": parent}
    body.update(fields)
    r = orthanc.post_json("/nifti/import", body)
    assert r.status == 200, r.describe()
    answer = r.json()
    tags = _series_tags(orthanc, answer)
    assert tags["SeriesDescription"] == expected, tags["SeriesDescription"]
    assert not any(ord(c) < 0x20 for c in tags.get("DerivationDescription", "")), tags["DerivationDescription"]
    assert answer["Warnings"], answer
    assert orthanc.delete("/series/%s" % answer["ID"]).status == 200


def test_upload_filename_with_control_characters(orthanc, parent):
    r = orthanc.post("/nifti/uploads", nifti_bytes(small_valid_image()), "application/octet-stream",
                     headers={"X-Filename": "two%0Alines%5Cand%09tab.nii"})
    assert r.status == 200, r.describe()
    upload = r.json()["ID"]
    try:
        r = orthanc.post_json("/nifti/import", {"Upload": upload, "ParentStudy": parent})
        assert r.status == 200, r.describe()
        answer = r.json()
        tags = _series_tags(orthanc, answer)
        description = tags["SeriesDescription"]
        assert "\\" not in description and not any(ord(c) < 0x20 for c in description), description
        assert not any(ord(c) < 0x20 for c in tags.get("DerivationDescription", ""))
        assert orthanc.delete("/series/%s" % answer["ID"]).status == 200
    finally:
        orthanc.delete("/nifti/uploads/%s" % upload)


# --------------------------------------------------------------------------- SeriesNumber at INT32_MAX

def test_series_number_after_int32_max_is_free(orthanc, parents, nifti):
    study = parents.upload("HOSTILE-SN", fresh_copy("MR_small.dcm", "HOSTILE-SN", "Series^Numbers"))
    taken = str(study.dataset.SeriesNumber)
    r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": study.orthanc_id,
                                            "Tags": {"SeriesNumber": INT32_MAX}})
    assert r.status == 200, r.describe()
    numbers = [taken, str(INT32_MAX)]
    for _ in range(3):
        r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": study.orthanc_id})
        assert r.status == 200, r.describe()
        number = orthanc.get_json("/series/%s" % r.json()["ID"])["MainDicomTags"]["SeriesNumber"]
        assert 0 < int(number) <= INT32_MAX, number
        assert number not in numbers, "SeriesNumber %s given twice (%s)" % (number, numbers)
        numbers.append(number)
    assert orthanc.alive()


# --------------------------------------------------------------------------- server failures name no path

def _replace_by_file(directory):
    """Make a server directory unusable (root ignores permissions): a file where it was."""
    saved = directory + ".saved-by-test"
    os.rename(directory, saved)
    with open(directory, "w") as f:
        f.write("not a directory")
    return saved


def _restore(directory, saved):
    os.remove(directory)
    os.rename(saved, directory)


def _upload_directory(orthanc):
    return os.path.join(orthanc.workdir, "storage", "nifti-uploads")


def test_upload_directory_failure_names_no_path(orthanc):
    directory = _upload_directory(orthanc)
    assert os.path.isdir(directory), os.listdir(os.path.join(orthanc.workdir, "storage"))
    saved = _replace_by_file(directory)
    try:
        r = orthanc.post("/nifti/uploads", nifti_bytes(small_valid_image()), "application/octet-stream",
                         headers={"X-Filename": "a.nii"})
    finally:
        _restore(directory, saved)
    assert orthanc.alive()
    assert r.status >= 400, r.describe()
    message = _message(r)
    assert "UploadDirectory" in message, r.describe()
    _assert_no_server_path(orthanc, message)
    assert directory not in message


def test_journal_failure_names_no_path(orthanc, parent, nifti):
    journal = os.path.join(_upload_directory(orthanc), "journal")
    assert os.path.isdir(journal)
    saved = _replace_by_file(journal)
    before = orthanc.count("instances")
    try:
        r = orthanc.post_json("/nifti/import", {"Nifti": nifti, "ParentStudy": parent})
    finally:
        _restore(journal, saved)
    assert orthanc.alive()
    assert r.status >= 400, r.describe()
    message = _message(r)
    assert "journal" in message, r.describe()
    _assert_no_server_path(orthanc, message)
    assert journal not in message
    assert orthanc.count("instances") == before, "something was stored"
