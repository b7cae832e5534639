"""Eight imports of different files into the same study at the same time, synchronous and asynchronous
mixed: all succeed, eight distinct series with distinct SeriesNumbers, the right instance counts, and
every series converts back (dcm2niix) to its own source, voxel for voxel in world space."""

import base64
import os
import threading

import nibabel as nib

import dicom_tools
import nifti_cases
from conftest import fresh_copy, make_nifti_image
from orthanc_harness import JobWatch

SPECS = [  # shape, affine, asynchronous, gzip
    ((40, 36, 12), nifti_cases.rh_affine(), False, False),
    ((32, 28, 10, 3), nifti_cases.lh_affine(), True, False),
    ((28, 40, 9), nifti_cases.lh_affine(zooms=(1.1, 0.9, 3.0)), False, True),
    ((36, 30, 8, 2), nifti_cases.rh_affine(zooms=(1.0, 1.0, 1.0)), True, True),
    ((24, 24, 16), nifti_cases.make_affine(nifti_cases.rotation(0, 0, 0), (0.8, 0.8, 2.0), (10, -20, 30)),
     False, False),
    ((30, 26, 14), nifti_cases.rh_affine(rot=nifti_cases.rotation(5, 30, -10)), True, False),
    ((20, 22, 6, 4), nifti_cases.lh_affine(rot=nifti_cases.rotation(-20, 3, 8)), False, False),
    ((44, 20, 11), nifti_cases.make_affine(nifti_cases.rotation(90, 0, 0), (1.5, 2.5, 1.2), (-5, 5, 0)),
     True, True),
]


def _expected_instances(shape):
    return shape[2] * (shape[3] if len(shape) == 4 else 1)


def test_eight_concurrent_imports(orthanc, parents, tmp_path):
    parent = parents.upload("CONCURRENT", fresh_copy("MR_small.dcm", "CONC-PATIENT", "Concurrent^Imports"))
    study = parent.orthanc_id
    series_before = set(orthanc.get_json("/studies/%s" % study)["Series"])
    sources = []
    for i, (shape, affine, asynchronous, gz) in enumerate(SPECS):
        img = make_nifti_image(shape, seed=100 + i, affine=affine, tr=1.0 + i)
        path = os.path.join(str(tmp_path), "source%d.nii%s" % (i, ".gz" if gz else ""))
        nib.save(img, path)
        sources.append(path)

    barrier = threading.Barrier(len(SPECS))
    results = [None] * len(SPECS)

    def work(i):
        shape, _affine, asynchronous, _gz = SPECS[i]
        with open(sources[i], "rb") as f:
            body = {"Nifti": base64.b64encode(f.read()).decode("ascii"), "ParentStudy": study,
                    "SeriesDescription": "concurrent %d" % i}
        if asynchronous:
            body["Asynchronous"] = True
        barrier.wait(30)
        try:
            r = orthanc.post_json("/nifti/import", body)
            if r.status != 200:
                results[i] = ("error", r.describe())
            elif asynchronous and r.json().get("Path") != "/jobs/%s" % r.json().get("ID"):
                results[i] = ("not a job", r.describe())
            elif asynchronous:
                job = JobWatch(orthanc, r.json()["ID"]).wait(timeout=180, interval=0.05)
                results[i] = ("job", job) if job["State"] != "Success" else ("ok", job["Content"])
            else:
                results[i] = ("ok", r.json())
        except Exception as e:  # reported below
            results[i] = ("exception", repr(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(SPECS))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    failures = ["import %d (%s): %s" % (i, "async" if SPECS[i][2] else "sync", r) for i, r in enumerate(results)
                if r is None or r[0] != "ok"]
    assert not failures, "\n".join(str(f)[:1500] for f in failures)

    answers = [r[1] for r in results]
    ids = [a["ID"] for a in answers]
    assert len(set(ids)) == len(SPECS), "series IDs are not distinct: %s" % ids
    series_after = set(orthanc.get_json("/studies/%s" % study)["Series"])
    assert series_after - series_before == set(ids), "the study's new series are %s, the imports answered %s" % (
        sorted(series_after - series_before), sorted(ids))
    numbers = {}
    for s in series_after:
        numbers[s] = orthanc.get_json("/series/%s" % s)["MainDicomTags"].get("SeriesNumber")
    assert len(set(numbers.values())) == len(numbers), "SeriesNumbers in the study are not distinct: %s" % numbers

    problems = []
    for i, answer in enumerate(answers):
        shape = SPECS[i][0]
        count = len(orthanc.get_json("/series/%s" % answer["ID"])["Instances"])
        if count != _expected_instances(shape) or answer["InstancesCount"] != _expected_instances(shape):
            problems.append("import %d: %d instances stored, answer says %s, expected %d"
                            % (i, count, answer["InstancesCount"], _expected_instances(shape)))
            continue
        workdir = os.path.join(str(tmp_path), "rt%d" % i)
        dicom_dir = os.path.join(workdir, "dicom")
        dicom_tools.extract_zip(orthanc.get_bytes("/series/%s/archive" % answer["ID"]), dicom_dir)
        converted = dicom_tools.run_dcm2niix(dicom_dir, os.path.join(workdir, "nifti"))
        if len(converted.niftis) != 1:
            problems.append("import %d: dcm2niix wrote %s\n%s" % (i, converted.niftis, converted.output[-800:]))
            continue
        comparison = dicom_tools.compare_world(nib.load(sources[i]), nib.load(converted.niftis[0]))
        if not comparison:
            problems.append("import %d (%s): round trip differs from its source: %s"
                            % (i, os.path.basename(sources[i]), comparison.report()))
    assert not problems, "\n".join(problems)
