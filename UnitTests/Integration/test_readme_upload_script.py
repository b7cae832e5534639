"""The README's shell script for an upload in parts ("Uploads in parts", upload-in-parts.sh), taken from README.md
as it is and run with sh, curl and jq against a real Orthanc: it is stopped part-way (before a part leaves, or
after a part arrived but before the script heard the answer), then run again with the session ID it printed; the
second run sends only the parts the server did not have, and the upload it prints imports.

The script's curl is a wrapper that records the offset of each part and, at a chosen offset, kills the script's
whole process group (as Ctrl-C or a closed terminal would); everything else is the real curl.
"""

import hashlib
import os
import re
import shutil
import subprocess

import pytest

from conftest import new_parent_study, start_extra_server, stop_extra_server, write_large_nifti

HERE = os.path.dirname(os.path.abspath(__file__))
README = os.path.join(HERE, "..", "..", "README.md")
MB = 1024 * 1024
SHAPE = (128, 128, 40, 4)           # 5 MB of int16 and a header: 6 parts of 1 MB

CURL_WRAPPER = r"""#!/bin/sh
# Records the offset of each part; at $STOP_BEFORE (the part does not leave) or $STOP_AFTER (the part arrives,
# its answer is lost) kills the whole process group of the script
OFFSET=
for a in "$@"; do
  case "$a" in
    "X-Part-Offset: "*) OFFSET=${a#X-Part-Offset: } ;;
  esac
done
if [ -n "$OFFSET" ]; then
  if [ -n "$STOP_BEFORE" ] && [ "$OFFSET" -ge "$STOP_BEFORE" ]; then
    kill -TERM 0
  fi
  echo "$OFFSET" >> "$PARTS_LOG"
  if [ -n "$STOP_AFTER" ] && [ "$OFFSET" -ge "$STOP_AFTER" ]; then
    /usr/bin/curl "$@" > /dev/null
    kill -TERM 0
  fi
fi
exec /usr/bin/curl "$@"
"""


def readme_script():
    """The script as README.md shows it: from its #!/bin/sh line to the end of its code block."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    match = re.search(r"```sh\n(#!/bin/sh\n# upload-in-parts\.sh .*?)```", text, re.S)
    assert match, "README.md has no upload-in-parts.sh script"
    return match.group(1)


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("readme-upload-script"))
    yield path
    shutil.rmtree(os.path.join(path, "files"), ignore_errors=True)


@pytest.fixture(scope="module")
def server(root):
    s = start_extra_server(root, "script", {"NiftiToDicom": {
        "MaximumPartSize": 1, "UploadDirectory": os.path.join(root, "uploads")}})
    yield s
    stop_extra_server(s)


@pytest.fixture(scope="module")
def files(root):
    directory = os.path.join(root, "files")
    os.makedirs(os.path.join(directory, "bin"), exist_ok=True)
    script = os.path.join(directory, "upload-in-parts.sh")
    with open(script, "w") as f:
        f.write(readme_script())
    wrapper = os.path.join(directory, "bin", "curl")
    with open(wrapper, "w") as f:
        f.write(CURL_WRAPPER)
    os.chmod(wrapper, 0o755)
    nifti = os.path.join(directory, "bold.nii")
    write_large_nifti(nifti, SHAPE, tr=2.0, seed=5)
    with open(nifti, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    return {"directory": directory, "script": script, "nifti": nifti, "sha256": digest}


def run_script(server, files, args, **stop):
    """Runs the README's script in its own process group; answers (exit code, stdout, stderr, offsets sent)."""
    log = os.path.join(files["directory"], "parts.log")
    if os.path.exists(log):
        os.remove(log)
    tmp = os.path.join(files["directory"], "tmp")
    os.makedirs(tmp, exist_ok=True)
    env = dict(os.environ, ORTHANC=server.base_url, PARTS_LOG=log, TMPDIR=tmp,
               PATH=os.path.join(files["directory"], "bin") + os.pathsep + os.environ["PATH"],
               STOP_BEFORE=str(stop.get("before", "")), STOP_AFTER=str(stop.get("after", "")))
    process = subprocess.run(["sh", files["script"]] + args, env=env, capture_output=True, text=True,
                             timeout=120, start_new_session=True)
    offsets = []
    if os.path.exists(log):
        with open(log) as f:
            offsets = [int(line) for line in f if line.strip()]
    return process.returncode, process.stdout, process.stderr, offsets


@pytest.mark.parametrize("stop", [{"before": 3 * MB}, {"after": 2 * MB}], ids=["before-a-part", "answer-lost"])
def test_readme_script_resumes_after_an_interruption(server, files, stop):
    size = os.path.getsize(files["nifti"])
    code, out, err, offsets = run_script(server, files, [files["nifti"]], **stop)
    assert code != 0 and out == "", (code, out, err)
    match = re.search(r"Session ([0-9a-f]{32}); if interrupted, resume with: sh \S+ \S+ \1", err)
    assert match, err
    sid = match.group(1)
    # Stopped before the part at 3 MB left; or after the part at 2 MB arrived, its answer lost: 3 MB either way
    assert offsets == [0, MB, 2 * MB], offsets
    session = server.get_json("/nifti/uploads/sessions/%s" % sid)
    assert session["Received"] == 3 * MB and session["Size"] == size, session

    code, out, err, offsets = run_script(server, files, [files["nifti"], sid])
    assert code == 0, (code, out, err)
    assert out.strip() == sid, (out, err)
    assert offsets == [3 * MB, 4 * MB, 5 * MB], "only what the server did not have: %s" % offsets
    upload = server.get_json("/nifti/uploads/%s" % sid)
    assert upload["SHA256"] == files["sha256"] and upload["Size"] == size, upload
    assert sid not in server.get_json("/nifti/uploads/sessions")

    study, _ = new_parent_study(server, "script-" + "-".join(stop))
    r = server.post_json("/nifti/import", {"Upload": sid, "ParentStudy": study})
    assert r.status == 200, r.describe()
    assert len(server.get_json("/series/%s" % r.json()["ID"])["Instances"]) == SHAPE[2] * SHAPE[3]


def test_readme_script_in_one_go(server, files):
    code, out, err, offsets = run_script(server, files, [files["nifti"]])
    assert code == 0, (code, out, err)
    assert offsets == [0, MB, 2 * MB, 3 * MB, 4 * MB, 5 * MB]
    upload = server.get_json("/nifti/uploads/%s" % out.strip())
    assert upload["SHA256"] == files["sha256"] and upload["Type"] == "NIfTI", upload
