"""Request options, parent study lookup, character sets, uniqueness rules and a cross-check with
orthanc-neuro's DICOM -> NIfTI conversion."""

import gzip
import os
import threading

import nibabel as nib
import pydicom

import dicom_tools
import nifti_cases
from conftest import UTF8_PATIENT_NAME, UTF8_STUDY_DESCRIPTION, UTF8_REFERRING
from nifti_cases import CASES


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _series_datasets(orthanc, series_id, directory):
    files = dicom_tools.extract_zip(orthanc.get_bytes("/series/%s/archive" % series_id), directory)
    return [pydicom.dcmread(f) for f in files]


def _import_ok(orthanc, data, parent_id, **fields):
    r = orthanc.nifti_import(data, parent_id, **fields)
    assert r.status == 200, r.describe()
    return r.json()


def test_tags_override(orthanc, parents, scratch):
    path = nifti_cases.build_u8(scratch)
    answer = _import_ok(orthanc, _read(path), parents["MR"].orthanc_id,
                        Tags={"SeriesNumber": "4242", "0008,103e": "Tagged by hexadecimal key"})
    dss = _series_datasets(orthanc, answer["ID"], os.path.join(scratch, "dicom"))
    assert {str(ds.SeriesNumber) for ds in dss} == {"4242"}, "Tags.SeriesNumber not honoured"
    assert {str(ds.SeriesDescription) for ds in dss if "SeriesDescription" in ds} == {"Tagged by hexadecimal key"}
    assert all("SeriesDescription" in ds for ds in dss), "Tags[0008,103e] not honoured"
    main = orthanc.get_json("/series/%s" % answer["ID"])["MainDicomTags"]
    assert main.get("SeriesNumber") == "4242" and main.get("SeriesDescription") == "Tagged by hexadecimal key"


def test_series_description_field(orthanc, parents, scratch):
    path = nifti_cases.build_i8(scratch)
    answer = _import_ok(orthanc, _read(path), parents["MR"].orthanc_id, SeriesDescription="FA map (imported)")
    dss = _series_datasets(orthanc, answer["ID"], os.path.join(scratch, "dicom"))
    assert {str(ds.get("SeriesDescription", "")) for ds in dss} == {"FA map (imported)"}


def test_parent_given_by_study_instance_uid(orthanc, parents, scratch):
    parent = parents["CT"]
    path = nifti_cases.build_u8(scratch)
    answer = _import_ok(orthanc, _read(path), parent.study_uid)
    assert answer["ParentStudy"] == parent.orthanc_id, \
        "ParentStudy given as StudyInstanceUID should resolve to the Orthanc ID %s: %s" % (parent.orthanc_id, answer)
    assert answer["ID"] in orthanc.get_json("/studies/%s" % parent.orthanc_id)["Series"]
    dss = _series_datasets(orthanc, answer["ID"], os.path.join(scratch, "dicom"))
    assert {str(ds.StudyInstanceUID) for ds in dss} == {parent.study_uid}
    assert {str(ds.SOPClassUID) for ds in dss} == {"1.2.840.10008.5.1.4.1.1.2"}, "CT parent: CT Image Storage"


def test_utf8_names_survive(imports):
    r = imports.get("gen_utf8_parent")
    r.require_success()
    for ds in r.datasets:
        charset = ds.get("SpecificCharacterSet")
        charsets = list(charset) if isinstance(charset, (list, pydicom.multival.MultiValue)) else [charset]
        assert "ISO_IR 192" in charsets, "SpecificCharacterSet %r should be ISO_IR 192" % (charset,)
        assert str(ds.PatientName) == UTF8_PATIENT_NAME, "PatientName %r" % str(ds.PatientName)
        assert str(ds.get("StudyDescription", "")) == UTF8_STUDY_DESCRIPTION
        assert str(ds.get("ReferringPhysicianName", "")) == UTF8_REFERRING
    tags = r.orthanc.get_json("/series/%s/shared-tags?simplify" % r.series_id)
    assert tags.get("PatientName") == UTF8_PATIENT_NAME, "Orthanc decodes PatientName as %r" % tags.get("PatientName")


def test_same_file_twice_gives_two_series(orthanc, parents, scratch):
    data = _read(nifti_cases.build_single_slice(scratch))
    a = _import_ok(orthanc, data, parents["MR"].orthanc_id)
    b = _import_ok(orthanc, data, parents["MR"].orthanc_id)
    assert a["ID"] != b["ID"] and a["SeriesInstanceUID"] != b["SeriesInstanceUID"]
    na = orthanc.get_json("/series/%s" % a["ID"])["MainDicomTags"].get("SeriesNumber")
    nb = orthanc.get_json("/series/%s" % b["ID"])["MainDicomTags"].get("SeriesNumber")
    assert na and nb and na != nb, "two imports got SeriesNumbers %r and %r" % (na, nb)


def test_concurrent_imports(orthanc, parents, scratch):
    for sub in ("a", "b"):
        os.makedirs(os.path.join(scratch, sub), exist_ok=True)
    data = [_read(nifti_cases.build_oblique_rh(os.path.join(scratch, "a"))),
            _read(nifti_cases.build_f64(os.path.join(scratch, "b")))]
    results = [None, None]

    def work(i):
        results[i] = orthanc.nifti_import(data[i], parents["UTF8"].orthanc_id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    for r in results:
        assert r is not None and r.status == 200, r.describe() if r else "no answer"
    ids = [r.json()["ID"] for r in results]
    assert ids[0] != ids[1]
    numbers = [orthanc.get_json("/series/%s" % i)["MainDicomTags"].get("SeriesNumber") for i in ids]
    assert numbers[0] != numbers[1], "concurrent imports got the same SeriesNumber %s" % numbers


def test_series_numbers_unique_in_every_study(orthanc, imports, parents):
    for case in CASES:  # make sure every case has been imported
        imports.get(case.name)
    problems = []
    ours = {r.answer["ID"] for r in imports.results.values() if r.answer}
    failed = sorted(n for n, r in imports.results.items() if not r.answer)
    assert len(ours) >= 2, "too few successful imports to check SeriesNumbers (failed: %s)" % failed
    for parent in parents.values():
        series = orthanc.get_json("/studies/%s/series" % parent.orthanc_id)
        by_number = {}
        for s in series:
            by_number.setdefault(s["MainDicomTags"].get("SeriesNumber"), []).append(s["ID"])
        for number, ids in by_number.items():
            if len(ids) > 1 and any(i in ours for i in ids):
                problems.append("study %s: SeriesNumber %r used by %d series %s"
                                % (parent.key, number, len(ids), ids))
    assert not problems, "\n".join(problems)


def test_wrong_method_is_refused(orthanc):
    r = orthanc.get("/nifti/import")
    assert r.status == 405, "GET /nifti/import should answer 405 Method Not Allowed: %s" % r.describe()


def _neuro_nifti(orthanc, series_id, directory):
    r = orthanc.get("/series/%s/nifti" % series_id)
    assert r.status == 200, "orthanc-neuro could not convert our series: %s" % r.describe()
    data = r.body
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    path = os.path.join(directory, "neuro.nii")
    with open(path, "wb") as f:
        f.write(data)
    return nib.load(path)


def test_orthanc_neuro_second_opinion(imports, scratch):
    """orthanc-neuro (square pixels, single-frame instances) must see the same world geometry."""
    for name in ("gen_square_axial", "real_anatomical"):
        r = imports.get(name)
        r.require_success()
        neuro = _neuro_nifti(r.orthanc, r.series_id, scratch)
        cmp = dicom_tools.compare_world(r.original, neuro, data_atol=1e-6)
        assert cmp, "orthanc-neuro's NIfTI of %s differs from the original:\n%s" % (name, cmp.report())
