"""A private PostgreSQL cluster and Orthanc nodes on it, for the multi-node tests and the benchmark.

PostgreSQLCluster runs Debian's PostgreSQL (/usr/lib/postgresql/<version>/bin: initdb, pg_ctl) in a
temporary directory on a free loopback port, with "trust" authentication (nothing listens beyond
127.0.0.1). initdb refuses to run as root: as root, the cluster runs as the "postgres" user that
Debian's postgresql package creates (through runuser); otherwise as the current user.

orthanc_node() builds an OrthancServer that keeps its index in that cluster through Debian's
orthanc-postgresql index plugin, as the Orthanc Book describes several writers: "Lock": false and a
distinct "Name" and "DatabaseServerIdentifier" per node, the storage folder shared.

Only the Python standard library is used here.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from orthanc_harness import OrthancServer, free_port, nifti_plugin_path

POSTGRESQL_INDEX_PLUGIN = "/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so"
DATABASE_USER = "orthanc"


class HarnessError(RuntimeError):
    """PostgreSQL could not be started as expected."""


def postgresql_bin():
    """The bin directory of the newest PostgreSQL installed by Debian (15 on Debian 12)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if not candidates:
        raise HarnessError("PostgreSQL is not installed (Debian package \"postgresql\"; see "
                           "Resources/Scripts/install-dependencies.sh test)")
    return os.path.dirname(candidates[-1])


class PostgreSQLCluster:
    """A throw-away PostgreSQL cluster: start(), create_database(name), stop(), cleanup()."""

    def __init__(self, durable=False):
        self.bin = postgresql_bin()
        self.durable = durable  # False: fsync off (tests); True: PostgreSQL's defaults (benchmark)
        # As root, the "postgres" user must reach the directory: /tmp, whatever TMPDIR says
        self.directory = tempfile.mkdtemp(prefix="postgres-it-", dir="/tmp" if os.geteuid() == 0 else None)
        self.data = os.path.join(self.directory, "data")
        self.log_path = os.path.join(self.directory, "postgres.log")
        self.port = None
        self.run_as = None
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise HarnessError("running as root, but there is no \"postgres\" user to run PostgreSQL as")
            self.run_as = "postgres"
            user = pwd.getpwnam("postgres")
            os.chown(self.directory, user.pw_uid, user.pw_gid)
        os.chmod(self.directory, 0o700)

    def _command(self, args):
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--"] + args
        return args

    def _run(self, args, timeout=120):
        result = subprocess.run(self._command(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                cwd=self.directory, timeout=timeout)
        if result.returncode != 0:
            raise HarnessError("%s failed (%d):\n%s\n%s" % (" ".join(args), result.returncode,
                                                             result.stdout.decode(errors="replace"),
                                                             self.log_tail()))
        return result.stdout.decode(errors="replace")

    def start(self):
        self._run([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", DATABASE_USER, "--auth=trust",
                   "-E", "UTF8", "--locale=C"])
        options = ["-c listen_addresses=127.0.0.1", "-c unix_socket_directories=%s" % self.directory,
                   "-c max_connections=100", "-c shared_buffers=64MB"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        last = None
        for _attempt in range(3):  # a port picked as free may be taken meanwhile
            self.port = free_port()
            try:
                self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log_path, "-w", "-t", "60",
                           "-o", " ".join(options + ["-p %d" % self.port]), "start"])
                return self
            except HarnessError as e:
                last = e
        raise last

    def psql(self, sql, database="postgres"):
        return self._run([os.path.join(self.bin, "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                          DATABASE_USER, "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql])

    def create_database(self, name):
        self.psql('CREATE DATABASE "%s"' % name)
        return name

    def stop(self):
        if self.port is not None and os.path.isdir(self.data):
            try:
                self._run([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
            except HarnessError:
                pass
        self.port = None

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def log_tail(self, lines=40):
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            return "\n".join(f.read().decode(errors="replace").splitlines()[-lines:])

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            self.cleanup()
            raise

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
        return False


def orthanc_node(cluster, database, name, shared_storage, workdir, nifti=None, extra_config=None, **kwargs):
    """An OrthancServer (not started) whose index is `database` in `cluster`, whose storage (and hence the
    plugin's default upload folder) is `shared_storage`, named `name` (Name and DatabaseServerIdentifier)."""
    from orthanc_harness import deep_merge
    config = {
        "Name": name,
        "DatabaseServerIdentifier": name,
        "StorageDirectory": shared_storage,
        "IndexDirectory": os.path.join(workdir, "index"),
        "PostgreSQL": {
            "EnableIndex": True,
            "EnableStorage": False,
            "Host": "127.0.0.1",
            "Port": cluster.port,
            "Database": database,
            "Username": DATABASE_USER,
            "Password": "",
            "Lock": False,
            "EnableSsl": False,
            "MaximumConnectionRetries": 10,
            "ConnectionRetryInterval": 1,
            "IndexConnectionsCount": 2,
        },
        "NiftiToDicom": nifti or {},
    }
    return OrthancServer(plugins=[nifti_plugin_path(), POSTGRESQL_INDEX_PLUGIN],
                         extra_config=deep_merge(config, extra_config or {}), workdir=workdir, name=name, **kwargs)


def wait_for(predicate, timeout, interval=0.2):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)
