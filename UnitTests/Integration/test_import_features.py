"""Request options, parent study lookup, character sets, uniqueness rules and a cross-check with
orthanc-neuro's DICOM -> NIfTI conversion."""

import json
import os
import threading

import numpy as np
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


def test_default_modality_follows_the_acquired_images(orthanc, parents, scratch):
    """A CT study stays a CT study for the default even after an MR-requested import put a derived MR
    series into it: the default must not depend on what earlier imports created."""
    from conftest import fresh_copy
    parent = parents.upload("CT3", fresh_copy("CT_small.dcm", "CT3-PATIENT", "Third^CT"))
    data = _read(nifti_cases.build_u8(scratch))
    first = _import_ok(orthanc, data, parent.orthanc_id)
    forced = _import_ok(orthanc, data, parent.orthanc_id, Modality="MR")
    later = _import_ok(orthanc, data, parent.orthanc_id)
    sop = {}
    for label, a in (("first", first), ("forced MR", forced), ("later", later)):
        iid = orthanc.get_json("/series/%s" % a["ID"])["Instances"][0]
        sop[label] = orthanc.get_json("/instances/%s/simplified-tags" % iid)["SOPClassUID"]
    assert sop["first"] == "1.2.840.10008.5.1.4.1.1.2", "CT parent: CT Image Storage by default (%s)" % sop
    assert sop["forced MR"] == "1.2.840.10008.5.1.4.1.1.4", sop
    assert sop["later"] == "1.2.840.10008.5.1.4.1.1.2", (
        "after an MR-requested import into a CT study, the default became %s instead of CT Image Storage" % sop["later"])


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


def test_latin1_parent_converted_to_utf8(imports):
    """An ISO_IR 100 parent: the copied names are re-encoded, the decoded text is unchanged."""
    r = imports.get("gen_latin1_parent")
    r.require_success()
    parent = r.parent.dataset
    for ds in r.datasets:
        for kw in ("PatientName", "StudyDescription", "ReferringPhysicianName"):
            assert str(ds.get(kw, "")) == str(parent.get(kw, "")), "%s: %r vs parent %r" % (
                kw, str(ds.get(kw, "")), str(parent.get(kw, "")))


def test_non_utf8_descrip_gives_valid_output(orthanc, parents, scratch):
    """descrip holds Latin-1 bytes (invalid UTF-8): the SeriesDescription stored must still be valid in
    the declared character set (dciodvfy clean, strict decoding)."""
    img = nifti_cases.small_valid_image()
    img.header["descrip"] = b"Carte FA \xe9t\xe9 \xb5m"
    a = _import_ok(orthanc, nifti_cases.nifti_bytes(img), parents["MR"].orthanc_id, UseNiftiDescription=True)
    directory = os.path.join(scratch, "dicom")
    dss = _series_datasets(orthanc, a["ID"], directory)
    for ds in dss:
        charset = ds.get("SpecificCharacterSet")
        charsets = list(charset) if isinstance(charset, (list, pydicom.multival.MultiValue)) else [charset]
        raw = ds.get_item("SeriesDescription")
        value = raw.value if isinstance(raw.value, bytes) else str(raw.value).encode("utf-8")
        if "ISO_IR 192" in charsets:
            try:
                decoded = value.decode("utf-8")
            except UnicodeDecodeError as e:
                raise AssertionError("SeriesDescription %r is not valid UTF-8 although SpecificCharacterSet is "
                                     "ISO_IR 192 (%s)" % (value, e))
            assert decoded == "Carte FA \u00e9t\u00e9 \u00b5m", "Latin-1 descrip not converted: %r" % decoded
        else:
            assert all(b < 0x80 for b in value), "non-ASCII bytes %r without a SpecificCharacterSet" % value
    results = dicom_tools.run_dciodvfy_all(sorted(ds.filename for ds in dss))
    errors = sorted({e for v in results for e in v.errors})
    assert not errors, "\n".join(errors)


def test_same_file_twice_gives_two_series(orthanc, parents, scratch):
    data = _read(nifti_cases.build_single_slice(scratch))
    a = _import_ok(orthanc, data, parents["MR"].orthanc_id)
    b = _import_ok(orthanc, data, parents["MR"].orthanc_id)
    assert a["ID"] != b["ID"] and a["SeriesInstanceUID"] != b["SeriesInstanceUID"]
    na = orthanc.get_json("/series/%s" % a["ID"])["MainDicomTags"].get("SeriesNumber")
    nb = orthanc.get_json("/series/%s" % b["ID"])["MainDicomTags"].get("SeriesNumber")
    assert na and nb and na != nb, "two imports got SeriesNumbers %r and %r" % (na, nb)


def test_concurrent_imports(orthanc, parents, scratch):
    """Four imports into one study at once: all succeed, with distinct series and SeriesNumbers."""
    builders = [nifti_cases.build_oblique_rh, nifti_cases.build_f64, nifti_cases.build_u8, nifti_cases.build_4d]
    data = []
    for i, build in enumerate(builders):
        sub = os.path.join(scratch, str(i))
        os.makedirs(sub, exist_ok=True)
        data.append(_read(build(sub)))
    results = [None] * len(data)

    def work(i):
        results[i] = orthanc.nifti_import(data[i], parents["UTF8"].orthanc_id)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(data))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    for r in results:
        assert r is not None and r.status == 200, r.describe() if r else "no answer"
    ids = [r.json()["ID"] for r in results]
    assert len(set(ids)) == len(ids)
    numbers = [orthanc.get_json("/series/%s" % i)["MainDicomTags"].get("SeriesNumber") for i in ids]
    assert len(set(numbers)) == len(numbers), "concurrent imports got SeriesNumbers %s" % numbers
    for i, r in zip(ids, results):
        assert len(orthanc.get_json("/series/%s" % i)["Instances"]) == r.json()["InstancesCount"]


def test_non_ascii_series_description_on_ascii_parent(orthanc, parents, scratch):
    """MR_small has no SpecificCharacterSet: a non-ASCII SeriesDescription needs ISO_IR 192 in our output."""
    text = "Carte FA – Übersicht 拡散"
    answer = _import_ok(orthanc, _read(nifti_cases.build_u8(scratch)), parents["MR"].orthanc_id,
                        SeriesDescription=text)
    for ds in _series_datasets(orthanc, answer["ID"], os.path.join(scratch, "dicom")):
        charset = ds.get("SpecificCharacterSet")
        charsets = list(charset) if isinstance(charset, (list, pydicom.multival.MultiValue)) else [charset]
        assert "ISO_IR 192" in charsets, "SpecificCharacterSet %r with a non-ASCII SeriesDescription" % (charset,)
        assert str(ds.SeriesDescription) == text
        assert str(ds.PatientName) == str(parents["MR"].dataset.PatientName)


def test_tags_cannot_move_the_series_out_of_its_parent(orthanc, parents, scratch):
    """Patient and study attributes come from the parent: a Tags entry for them is refused (400),
    and nothing is stored."""
    parent = parents["MR"]
    data = _read(nifti_cases.build_single_slice(scratch))
    for tags in ({"PatientID": "SOMEONE-ELSE"}, {"StudyInstanceUID": "1.2.826.0.1.3680043.8.498.12345"},
                 {"0010,0010": "Other^Name"}, {"SOPInstanceUID": "1.2.3.4"}, {"ImagePositionPatient": "0\\0\\0"}):
        before = orthanc.count("instances")
        r = orthanc.nifti_import(data, parent.orthanc_id, Tags=tags)
        assert 400 <= r.status <= 499 and r.status != 404, "Tags %s should be refused: %s" % (tags, r.describe())
        assert orthanc.count("instances") == before, "refused, but something was stored"
        assert list(tags)[0] in r.text, "the message should name the refused tag: %s" % r.describe()


def test_unknown_field_ignored_with_warning(orthanc, parents, scratch):
    a = _import_ok(orthanc, _read(nifti_cases.build_single_slice(scratch)), parents["MR"].orthanc_id,
                   SeriesDescripton="typo in the field name")
    assert any("SeriesDescripton" in w for w in a["Warnings"]), "unknown field not reported: %s" % a["Warnings"]


def test_existing_series_number_in_tags_used_with_warning(orthanc, parents, scratch):
    parent = parents["MR"]
    taken = str(parent.dataset.SeriesNumber)
    a = _import_ok(orthanc, _read(nifti_cases.build_single_slice(scratch)), parent.orthanc_id,
                   Tags={"SeriesNumber": taken})
    assert orthanc.get_json("/series/%s" % a["ID"])["MainDicomTags"].get("SeriesNumber") == taken
    assert any(taken in w and "SeriesNumber" in w for w in a["Warnings"]), \
        "reusing SeriesNumber %s of another series should warn: %s" % (taken, a["Warnings"])


def test_default_series_description(orthanc, parents, scratch):
    """Filename without extension, else 'NIfTI import'; the NIfTI descrip (free text that may name the
    patient) only with "UseNiftiDescription", then also as ImageComments; Filename recorded in
    DerivationDescription."""
    parent = parents["MR"]
    img = nifti_cases.small_valid_image()
    img.header["descrip"] = b"FSL dtifit FA"
    with_descrip = nifti_cases.nifti_bytes(img)
    img.header["descrip"] = b""
    without = nifti_cases.nifti_bytes(img)

    def first_instance(a):
        iid = orthanc.get_json("/series/%s" % a["ID"])["Instances"][0]
        return orthanc.get_json("/instances/%s/tags?simplify" % iid)

    t = first_instance(_import_ok(orthanc, with_descrip, parent.orthanc_id, Filename="sub-01_FA.nii.gz"))
    assert t.get("SeriesDescription") == "sub-01_FA", t.get("SeriesDescription")
    assert "sub-01_FA.nii.gz" in t.get("DerivationDescription", ""), t.get("DerivationDescription")
    t = first_instance(_import_ok(orthanc, with_descrip, parent.orthanc_id))
    assert t.get("SeriesDescription") == "NIfTI import", t.get("SeriesDescription")
    assert "FSL dtifit FA" not in json.dumps(t), "descrip reached the DICOM without being requested"
    t = first_instance(_import_ok(orthanc, with_descrip, parent.orthanc_id, UseNiftiDescription=True))
    assert t.get("SeriesDescription") == "FSL dtifit FA", t.get("SeriesDescription")
    assert t.get("ImageComments") == "FSL dtifit FA", t.get("ImageComments")
    t = first_instance(_import_ok(orthanc, without, parent.orthanc_id, UseNiftiDescription=True))
    assert t.get("SeriesDescription") == "NIfTI import", t.get("SeriesDescription")


def test_long_series_description(orthanc, parents, scratch):
    """SeriesDescription is LO (64 characters at most): a longer one is refused or shortened, never
    stored invalid."""
    text = "A" * 30 + " very long description " + "B" * 40
    before = orthanc.count("instances")
    r = orthanc.nifti_import(_read(nifti_cases.build_single_slice(scratch)), parents["MR"].orthanc_id,
                             SeriesDescription=text)
    if r.status != 200:
        assert 400 <= r.status <= 499 and orthanc.count("instances") == before, r.describe()
        return
    iid = orthanc.get_json("/series/%s" % r.json()["ID"])["Instances"][0]
    stored = orthanc.get_json("/instances/%s/tags?simplify" % iid).get("SeriesDescription", "")
    assert 0 < len(stored) <= 64, "SeriesDescription of %d characters stored" % len(stored)


def test_4d_timing_attributes(imports):
    """4D: NumberOfTemporalPositions and RepetitionTime (ms) from pixdim[4]; 2000 'seconds' is read as
    milliseconds with a warning."""
    expectations = {"gen_4d": 2500.0, "real_functional": 2000.0, "real_example4d": 2000.0}
    for name, tr_ms in expectations.items():
        r = imports.get(name)
        nt = r.original.shape[3]
        for ds in r.datasets:
            assert int(ds.get("NumberOfTemporalPositions", 0)) == nt, \
                "%s: NumberOfTemporalPositions %r, expected %d" % (name, ds.get("NumberOfTemporalPositions"), nt)
            assert abs(float(ds.get("RepetitionTime", -1)) - tr_ms) < 1e-3, \
                "%s: RepetitionTime %r, expected %s ms" % (name, ds.get("RepetitionTime"), tr_ms)
    assert any("2000" in w for w in imports.get("real_example4d").warnings())


def test_window_from_cal_min_max(orthanc, parents, scratch):
    img = nifti_cases.small_valid_image(shape=(16, 12, 4))
    img.header["cal_min"] = 10.0
    img.header["cal_max"] = 90.0
    a = _import_ok(orthanc, nifti_cases.nifti_bytes(img), parents["MR"].orthanc_id)
    for ds in _series_datasets(orthanc, a["ID"], os.path.join(scratch, "dicom")):
        center = float(np.atleast_1d(ds.WindowCenter)[0])
        width = float(np.atleast_1d(ds.WindowWidth)[0])
        assert abs(center - 50.0) <= 0.5 and abs(width - 80.0) <= 1.0, \
            "window %s/%s, expected centre 50 and width 80 from cal_min/cal_max" % (center, width)


def test_series_date_is_the_import_date(imports):
    import datetime
    r = imports.get("gen_u8")
    days = {(datetime.date.today() + datetime.timedelta(days=d)).strftime("%Y%m%d") for d in (-1, 0, 1)}
    for ds in r.datasets:
        assert str(ds.get("SeriesDate", "")) in days, "SeriesDate %r is not the import date" % ds.get("SeriesDate")


def test_unknown_tag_name_refused(orthanc, parents, scratch):
    before = orthanc.count("instances")
    r = orthanc.nifti_import(_read(nifti_cases.build_single_slice(scratch)), parents["MR"].orthanc_id,
                             Tags={"NoSuchDicomKeyword": "x"})
    assert 400 <= r.status <= 499 and r.status != 404, "an unknown tag name should be refused: %s" % r.describe()
    assert orthanc.count("instances") == before
    assert "NoSuchDicomKeyword" in r.text, "the message should name the unknown tag: %s" % r.describe()


def test_single_slice_thickness(imports):
    """One slice: dcm2niix takes the slice spacing from SliceThickness; it must be the NIfTI's."""
    r = imports.get("gen_single_slice")
    a = r.original.affine[:3, :3]
    n = np.cross(a[:, 0], a[:, 1])
    expected = abs(float(a[:, 2] @ n / np.linalg.norm(n)))
    for ds in r.datasets:
        assert abs(float(ds.SliceThickness) - expected) < 1e-3, "SliceThickness %s, expected %.4f" % (
            ds.SliceThickness, expected)
    back = nib.load(r.dcm2niix.niftis[0])
    assert abs(float(np.linalg.norm(back.affine[:3, 2])) - expected) < 1e-3


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
    path = os.path.join(directory, "neuro.nii")
    with open(path, "wb") as f:
        f.write(dicom_tools.gunzip_if_gzip(r.body))
    return nib.load(path)


def test_orthanc_neuro_second_opinion(imports, scratch):
    """orthanc-neuro (square pixels, single-frame instances) must see the same world geometry."""
    for name in ("gen_square_axial", "real_anatomical"):
        r = imports.get(name)
        r.require_success()
        neuro = _neuro_nifti(r.orthanc, r.series_id, scratch)
        cmp = dicom_tools.compare_world(r.original, neuro, data_atol=1e-6)
        assert cmp, "orthanc-neuro's NIfTI of %s differs from the original:\n%s" % (name, cmp.report())


def test_no_new_patient_or_study(orthanc, imports, parents):
    """Every import lands in its parent study: no new patient or study appears in Orthanc."""
    for case in CASES:
        imports.get(case.name)
    assert sum(1 for r in imports.results.values() if r.answer) >= 2
    studies = set(orthanc.get_json("/studies"))
    assert studies == {p.orthanc_id for p in parents.values()}, "studies in Orthanc: %s" % studies
    assert len(orthanc.get_json("/patients")) == len({p.dataset.PatientID for p in parents.values()})
    for parent in parents.values():
        shared = orthanc.get_json("/studies/%s/shared-tags?simplify" % parent.orthanc_id)
        for kw in ("PatientID", "StudyInstanceUID", "StudyDate", "StudyTime"):
            assert shared.get(kw) == str(parent.dataset.get(kw)), \
                "study %s: %s is no longer shared by all instances (%r)" % (parent.key, kw, shared.get(kw))


def test_orthanc_renders_previews(imports):
    """Orthanc's own decoder renders our pixel data (first, middle and last instance)."""
    for name in ("gen_oblique_lh", "gen_f64_fa", "gen_ct_parent", "real_functional", "gen_u16_full_range"):
        r = imports.get(name)
        r.require_success()
        instances = r.orthanc.get_json("/series/%s" % r.series_id)["Instances"]
        for iid in (instances[0], instances[len(instances) // 2], instances[-1]):
            p = r.orthanc.get("/instances/%s/preview" % iid)
            assert p.status == 200 and p.body[:8] == b"\x89PNG\r\n\x1a\n", "%s: %s" % (name, p.describe(300))


def test_base64_with_line_breaks_and_numeric_tag_value(orthanc, parents, scratch):
    """`base64` without -w0 wraps at 76 columns; Tags values may be numbers."""
    import base64
    import json
    data = _read(nifti_cases.build_u8(scratch))
    wrapped = base64.encodebytes(data).decode("ascii")
    assert "\n" in wrapped
    body = {"Nifti": wrapped, "ParentStudy": parents["MR"].orthanc_id, "Tags": {"SeriesNumber": 77}}
    r = orthanc.post("/nifti/import", json.dumps(body).encode(), "application/json")
    assert r.status == 200, r.describe()
    assert orthanc.get_json("/series/%s" % r.json()["ID"])["MainDicomTags"].get("SeriesNumber") == "77"
