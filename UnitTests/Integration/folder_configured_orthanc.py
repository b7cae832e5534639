"""Debian's /usr/sbin/Orthanc started as Debian's service starts it: on a folder of configuration files."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error

from orthanc_harness import ORTHANC_BINARY, RestClient, free_port
from orthanc_json import read_orthanc_json


class FolderConfiguredOrthanc(RestClient):
    """Debian's /usr/sbin/Orthanc started, as Debian's service starts it, on a folder of configuration files
    (every .json of the folder is read), here a copy of /etc/orthanc with the ports and the storage moved into
    `workdir` so that the machine's Orthanc and its data are not touched."""

    def __init__(self, workdir, config_files, plugin_folders=None):
        self.workdir = workdir
        self.config_dir = os.path.join(workdir, "config")
        self.storage = os.path.join(workdir, "storage")
        self.log_path = os.path.join(workdir, "orthanc.log")
        os.makedirs(self.config_dir, exist_ok=True)
        os.makedirs(self.storage, exist_ok=True)
        self.http_port = free_port()
        dicom_port = free_port()
        for path in config_files:
            name = os.path.basename(path)
            if name == "orthanc.json":
                main = read_orthanc_json(path)
                main.update({"HttpPort": self.http_port, "DicomPort": dicom_port,
                             "StorageDirectory": self.storage, "IndexDirectory": self.storage})
                if plugin_folders is not None:
                    main["Plugins"] = plugin_folders
                with open(os.path.join(self.config_dir, name), "w") as f:
                    json.dump(main, f, indent=2)
            else:
                shutil.copy(path, os.path.join(self.config_dir, name))
        assert os.path.exists(os.path.join(self.config_dir, "orthanc.json")), config_files
        RestClient.__init__(self, "http://127.0.0.1:%d" % self.http_port, timeout=120)
        self.process = None

    def __enter__(self):
        stdout = open(os.path.join(self.workdir, "orthanc.stdout"), "wb")
        self.process = subprocess.Popen([ORTHANC_BINARY, "--verbose", "--no-jobs", "--logfile=%s" % self.log_path,
                                         self.config_dir], stdout=stdout, stderr=subprocess.STDOUT,
                                        cwd=self.workdir, start_new_session=True)
        stdout.close()
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("Orthanc exited at start-up (code %s):\n%s" % (self.process.returncode,
                                                                                    self.log()[-4000:]))
            try:
                if self.get("/system", timeout=2).status == 200:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        self.__exit__(None, None, None)
        raise AssertionError("Orthanc did not answer within 60 s:\n%s" % self.log()[-4000:])

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return False

    def log(self):
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def plugin_options(self):
        """{option: value} of the lines the plugin logs at start-up ("NiftiToDicom.MaximumUploadSize = 1024 MB")."""
        return dict(re.findall(r"NIfTI-to-DICOM: NiftiToDicom\.(\w+) = (.*)$", self.log(), re.MULTILINE))

    def run_to_exit(self, timeout=60):
        """Start Orthanc on a configuration it should refuse; returns its exit code and log once it has exited."""
        with open(os.path.join(self.workdir, "orthanc.stdout"), "wb") as stdout:
            process = subprocess.Popen([ORTHANC_BINARY, "--logfile=%s" % self.log_path, self.config_dir],
                                       stdout=stdout, stderr=subprocess.STDOUT, cwd=self.workdir)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise AssertionError("Orthanc started although it should have refused its configuration:\n%s"
                                 % self.log()[-3000:])
        return code, self.log()
