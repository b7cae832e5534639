"""The Debian package orthanc-nifti-to-dicom, built from this tree by Resources/Scripts/build-deb.sh.

- its control fields and files, read with dpkg-deb; its dependencies checked against the libraries the plugin
  really needs (readelf, dpkg -S); lintian finds nothing;
- unpacked with dpkg-deb -x, Debian's Orthanc loads it through the packaged link, and the packaged
  /etc/orthanc/nifti-to-dicom.json beside Debian's own configuration files changes no option of the plugin;
- installed for real with dpkg -i (as root), Debian's Orthanc started with the installed /etc/orthanc (ports and
  storage moved to a temporary folder) loads it from /usr/share/orthanc/plugins and imports a NIfTI whose pixels
  are checked; dpkg --purge then leaves the machine as it was, Debian's orthanc service included.

Set NIFTI_DEB_PATH to test a .deb built beforehand instead of building one.
"""

import contextlib
import glob
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from orthanc_harness import REPO_ROOT
from conftest import check_instance_pixels, make_nifti_image, new_parent_study, nifti_file_bytes
from folder_configured_orthanc import FolderConfiguredOrthanc
from orthanc_json import read_orthanc_json

PACKAGE = "orthanc-nifti-to-dicom"
PLUGIN_NAME = "nifti-to-dicom"
PLUGIN_LINK = "/usr/share/orthanc/plugins/libOrthancNiftiToDicom.so"
CONFFILE = "/etc/orthanc/nifti-to-dicom.json"
DEBIAN_CONFIG_DIR = "/etc/orthanc"
POLICY_RC = "/usr/sbin/policy-rc.d"


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def cmake_version():
    with open(os.path.join(REPO_ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(OrthancNiftiToDicom VERSION ([0-9.]+)", f.read()).group(1)


def debian_config_files(exclude_ours=True):
    files = sorted(glob.glob(os.path.join(DEBIAN_CONFIG_DIR, "*.json")))
    if exclude_ours:
        files = [f for f in files if os.path.basename(f) != os.path.basename(CONFFILE)]
    return files


def import_and_check(server):
    """One import through the loaded plugin, pixels compared with the NIfTI voxels."""
    study, _ = new_parent_study(server, "DEB")
    img = make_nifti_image((12, 10, 4), seed=11)
    r = server.nifti_import(nifti_file_bytes(img, gz=True), study, SeriesDescription="From the Debian package")
    assert r.status == 200, r.describe()
    series = r.json()["ID"]
    instances = server.get_json("/series/%s" % series)["Instances"]
    assert len(instances) == 4, "expected 4 slices, the series has %d" % len(instances)
    problems = check_instance_pixels(server, series, img.dataobj, [1, 2, 3, 4])
    assert not problems, problems


# --------------------------------------------------------------------------- the machine's state
def as_root(args):
    if os.geteuid() == 0:
        return args
    if shutil.which("sudo") and run(["sudo", "-n", "true"]).returncode == 0:
        return ["sudo", "-n"] + args
    pytest.fail("installing the package needs root (or password-less sudo): run the tests as root, as CI does")


def dpkg(*args):
    """dpkg, waiting for the lock when another package operation runs on the machine."""
    deadline = time.time() + 300
    while True:
        result = run(as_root(["dpkg"] + list(args)), env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        if result.returncode == 0 or "lock" not in result.stdout or time.time() > deadline:
            return result
        time.sleep(3)


def package_status(name):
    result = run(["dpkg-query", "-W", "-f=${Status}", name])
    return result.stdout.strip() if result.returncode == 0 else "not known to dpkg"


def debian_service_state():
    """What says whether Debian's orthanc service runs and starts at boot: the PIDs of Orthanc processes on
    /etc/orthanc, the init and systemd links, systemd's answer when it runs."""
    pids = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"Orthanc") and any(a.rstrip(b"/") == b"/etc/orthanc" for a in args):
            pids.append(int(cmdline.split("/")[2]))
    links = sorted(glob.glob("/etc/rc?.d/*orthanc") + glob.glob("/etc/systemd/system/*.wants/orthanc.service"))
    systemd = None
    if os.path.isdir("/run/systemd/system"):
        systemd = (run(["systemctl", "is-active", "orthanc"]).stdout.strip(),
                   run(["systemctl", "is-enabled", "orthanc"]).stdout.strip())
    return {"pids": sorted(pids), "links": links, "systemd": systemd}


@contextlib.contextmanager
def services_not_started():
    """Installing a plugin package activates Debian's orthanc-restart-trigger, whose handler restarts the
    orthanc service through invoke-rc.d. The test starts its own Orthanc on loopback ports instead, so for the
    duration of the install and purge a policy-rc.d (Debian's mechanism, as in chroots and containers) denies
    service actions, unless the machine already has a policy of its own."""
    if os.path.exists(POLICY_RC):
        yield
        return
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".policy-rc.d") as f:
        f.write("#!/bin/sh\n# test_debian_package.py: no service action while it installs its package\nexit 101\n")
    os.chmod(f.name, 0o755)
    assert run(as_root(["cp", f.name, POLICY_RC])).returncode == 0
    os.unlink(f.name)
    try:
        yield
    finally:
        run(as_root(["rm", "-f", POLICY_RC]))


# --------------------------------------------------------------------------- the package
@pytest.fixture(scope="module")
def deb():
    path = os.environ.get("NIFTI_DEB_PATH")
    if not path:
        result = run(["bash", os.path.join(REPO_ROOT, "Resources", "Scripts", "build-deb.sh")],
                     env=dict(os.environ, DEB_JOBS=os.environ.get("DEB_JOBS", "2")))
        assert result.returncode == 0, "build-deb.sh failed:\n" + result.stdout[-6000:]
        path = result.stdout.strip().splitlines()[-1]
    assert os.path.isfile(path), path
    return path


@pytest.fixture(scope="module")
def unpacked(deb, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("deb-root"))
    result = run(["dpkg-deb", "-x", deb, root])
    assert result.returncode == 0, result.stdout
    return root


def field(deb, name):
    result = run(["dpkg-deb", "-f", deb, name])
    assert result.returncode == 0, result.stdout
    return result.stdout.strip()


def test_control_fields(deb):
    assert field(deb, "Package") == PACKAGE
    assert field(deb, "Version") == cmake_version(), "the package must carry the plugin's version (CMakeLists.txt)"
    assert field(deb, "Architecture") == run(["dpkg", "--print-architecture"]).stdout.strip()
    depends = [d.strip() for d in field(deb, "Depends").split(",")]
    assert "orthanc (>= 1.10.1)" in depends, depends


def names_of(package):
    """A package's name and the virtual packages it provides (libboost-regex1.74.0 provides the
    libboost-regex1.74.0-icu72 that its shlibs file names)."""
    provides = run(["dpkg-query", "-W", "-f=${Provides}", package]).stdout
    return {package} | {p.strip().split(" ")[0] for p in provides.split(",") if p.strip()}


def test_depends_on_every_library_it_needs(deb, unpacked):
    """${shlibs:Depends} at work: each library the plugin is linked against (readelf's NEEDED entries) comes
    from a package (dpkg -S) that Depends names, directly or as a virtual package it provides."""
    plugin = os.path.realpath(os.path.join(unpacked, PLUGIN_LINK.lstrip("/")))
    dynamic = run(["readelf", "-d", plugin]).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
    assert "libdcmdata.so.17" in needed and "libnifti2.so.2" in needed, needed
    depends = {d.strip().split(" ")[0] for d in field(deb, "Depends").split(",")}
    missing = []
    for soname in needed:
        owners = set()
        for line in run(["dpkg", "-S", "*/" + soname]).stdout.splitlines():
            if ": " in line and not line.startswith("dpkg-query:"):
                owners.update(p.strip().split(":")[0] for p in line.split(": ")[0].split(","))
        if not any(names_of(owner) & depends for owner in owners):
            missing.append("%s (from %s)" % (soname, ", ".join(sorted(owners)) or "no package"))
    assert not missing, "libraries whose package is not in Depends %s: %s" % (sorted(depends), missing)


def test_files_follow_debians_plugin_layout(deb, unpacked):
    version = cmake_version()
    listing = run(["dpkg-deb", "-c", deb]).stdout
    library = "/usr/lib/orthanc/libOrthancNiftiToDicom.so." + version
    assert re.search(r"^-rw-r--r-- \S+ +\d+ [\d-]+ [\d:]+ \.%s$" % re.escape(library), listing, re.M), listing
    link = os.path.join(unpacked, PLUGIN_LINK.lstrip("/"))
    assert os.path.islink(link), listing
    assert os.readlink(link) == "../../../lib/orthanc/libOrthancNiftiToDicom.so." + version
    assert os.path.realpath(link) == os.path.join(unpacked, library.lstrip("/"))
    for doc in ("copyright", "changelog.gz", "README.md.gz"):
        assert os.path.isfile(os.path.join(unpacked, "usr/share/doc", PACKAGE, doc)), doc
    # The configuration file is a conffile: dpkg keeps the administrator's changes on upgrade
    conffiles = run(["dpkg-deb", "--info", deb, "conffiles"]).stdout.split()
    assert conffiles == [CONFFILE], conffiles
    # The plugin exports the Orthanc entry points only (Resources/CMake/PluginExports.map)
    plugin = os.path.join(unpacked, library.lstrip("/"))
    exported = run(["nm", "-D", "--defined-only", plugin]).stdout.split("\n")
    names = [line.split()[-1] for line in exported if line.strip()]
    assert "OrthancPluginInitialize" in names and all(n.startswith("OrthancPlugin") for n in names), names


def test_restart_trigger_is_activated(deb, tmp_path):
    """Like Debian's own plugin packages, it activates orthanc-restart-trigger so that the service restarts
    with the plugin loaded."""
    control = str(tmp_path / "control")
    assert run(["dpkg-deb", "-e", deb, control]).returncode == 0
    with open(os.path.join(control, "triggers")) as f:
        lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    assert "activate-await orthanc-restart-trigger" in lines, lines


def test_sample_configuration_sets_only_the_plugins_section(unpacked):
    config = read_orthanc_json(os.path.join(unpacked, CONFFILE.lstrip("/")))
    assert list(config) == ["NiftiToDicom"], list(config)
    # Orthanc refuses to start when a section is defined in two files of /etc/orthanc
    for path in debian_config_files():
        assert "NiftiToDicom" not in read_orthanc_json(path), path


def test_a_second_section_elsewhere_stops_orthanc(unpacked, tmp_path):
    """Why the packaged file must hold the only "NiftiToDicom" section of /etc/orthanc (README, postinst warning):
    Orthanc refuses to start on a section defined in two files."""
    other = tmp_path / "site-settings.json"
    other.write_text('{ "NiftiToDicom" : { "MaximumUploadSize" : 10 } }')
    files = debian_config_files() + [os.path.join(unpacked, CONFFILE.lstrip("/")), str(other)]
    plugins = os.path.join(unpacked, "usr/share/orthanc/plugins")
    server = FolderConfiguredOrthanc(str(tmp_path / "server"), files, [plugins])
    code, log = server.run_to_exit()
    assert code != 0, log[-3000:]
    assert 'The configuration section "NiftiToDicom" is defined in 2 different configuration files' in log, log[-3000:]


def test_lintian_finds_nothing(deb):
    """lintian's errors and warnings (the package overrides none of them)."""
    assert shutil.which("lintian"), "lintian is missing: bash Resources/Scripts/install-dependencies.sh test"
    result = run(["lintian", "--allow-root", "--fail-on", "none", "--display-level", ">=warning", deb])
    assert result.returncode == 0, result.stdout
    findings = [l for l in result.stdout.splitlines() if re.match(r"^[EW]: ", l)]
    assert not findings, "\n".join(findings)


def test_unpacked_package_loads_with_debians_configuration(unpacked, tmp_path):
    """Debian's Orthanc on Debian's configuration files plus the packaged one, loading the plugin through the
    packaged link: the plugin answers, and its options are those of Debian's files alone (the sample only
    restates the defaults)."""
    shared = str(tmp_path / "server")
    plugins = os.path.join(unpacked, "usr/share/orthanc/plugins")
    with FolderConfiguredOrthanc(shared, debian_config_files(), [plugins]) as baseline:
        baseline_options = baseline.plugin_options()
    assert "MaximumUploadSize" in baseline_options, baseline.log()[-3000:]
    packaged = debian_config_files() + [os.path.join(unpacked, CONFFILE.lstrip("/"))]
    with FolderConfiguredOrthanc(shared, packaged, [plugins]) as server:
        assert PLUGIN_NAME in server.get_json("/plugins")
        assert server.get_json("/plugins/" + PLUGIN_NAME)["Version"] == cmake_version()
        log = server.log()
        assert "unknown configuration option" not in log, log[-3000:]
        assert server.plugin_options() == baseline_options
        import_and_check(server)


def test_dpkg_install_loads_into_debians_orthanc_and_purge_restores_the_machine(deb, tmp_path):
    absent = ("not known to dpkg", "unknown ok not-installed")
    before_status = package_status(PACKAGE)
    assert before_status in absent, (
        "%s is on this machine already (%s); the test installs and purges it, and would take your configuration "
        "with it: remove it first (dpkg --purge %s)" % (PACKAGE, before_status, PACKAGE))
    assert not os.path.lexists(PLUGIN_LINK) and not os.path.exists(CONFFILE)
    service_before = debian_service_state()
    policy_before = os.path.exists(POLICY_RC)

    with services_not_started():
        installed = dpkg("-i", deb)
        try:
            assert installed.returncode == 0, installed.stdout
            assert "Processing triggers for orthanc" in installed.stdout, installed.stdout
            # The postinst warns only about another file of /etc/orthanc with a "NiftiToDicom" section
            assert "NiftiToDicom" not in installed.stdout, installed.stdout
            assert package_status(PACKAGE) == "install ok installed"
            assert os.path.islink(PLUGIN_LINK) and os.path.isfile(os.path.realpath(PLUGIN_LINK))
            assert os.path.isfile(CONFFILE)

            # Debian's Orthanc with /etc/orthanc as installed, its plugin folder included
            main = read_orthanc_json(os.path.join(DEBIAN_CONFIG_DIR, "orthanc.json"))
            assert "/usr/share/orthanc/plugins/" in main["Plugins"], main["Plugins"]
            with FolderConfiguredOrthanc(str(tmp_path / "server"), debian_config_files(False)) as server:
                plugins = server.get_json("/plugins")
                assert PLUGIN_NAME in plugins and "neuro" in plugins, plugins
                log = server.log()
                assert "unknown configuration option" not in log, log[-3000:]
                assert os.path.realpath(PLUGIN_LINK) in log or PLUGIN_LINK in log, log[-3000:]
                import_and_check(server)
        finally:
            purged = dpkg("--purge", PACKAGE)
        assert purged.returncode == 0, purged.stdout
        assert "Processing triggers for orthanc" in purged.stdout, "removal restarts Orthanc too: " + purged.stdout

    assert package_status(PACKAGE) in absent, package_status(PACKAGE)
    assert not os.path.lexists(PLUGIN_LINK)
    assert not os.path.exists(CONFFILE)
    assert not os.path.exists("/usr/lib/orthanc/libOrthancNiftiToDicom.so." + cmake_version())
    assert os.path.exists(POLICY_RC) == policy_before
    assert debian_service_state() == service_before
