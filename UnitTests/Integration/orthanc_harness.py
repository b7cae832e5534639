"""Start a throw-away Orthanc (Debian's /usr/sbin/Orthanc) for integration tests and benchmarks.

The server listens on free loopback ports, keeps its SQLite index and storage in a temporary
directory, loads the NIfTI-to-DICOM plugin (and orthanc-neuro as an independent cross-check) and
writes its log to a file that is kept, so that a failing test can show what the server said.

Only the Python standard library is used here.

    with OrthancServer() as orthanc:
        print(orthanc.get_json("/system"))
        answer = orthanc.post_json("/nifti/import", {...})
"""

import atexit
import base64
import copy
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

ORTHANC_BINARY = os.environ.get("ORTHANC_BINARY", "/usr/sbin/Orthanc")
NEURO_PLUGIN_PATH = "/usr/share/orthanc/plugins/libOrthancNeuro.so"
DEFAULT_PLUGIN_PATH = os.path.join(REPO_ROOT, "build", "libOrthancNiftiToDicom.so")


def nifti_plugin_path():
    """Path of the plugin under test: $NIFTI_PLUGIN_PATH, else <repo>/build/libOrthancNiftiToDicom.so."""
    return os.environ.get("NIFTI_PLUGIN_PATH") or DEFAULT_PLUGIN_PATH


_RUNNING = weakref.WeakSet()


@atexit.register
def _kill_leftovers():
    """Never leave an Orthanc behind when the Python process exits without stopping it."""
    for server in list(_RUNNING):
        try:
            server._kill()
        except Exception:
            pass


class HarnessError(RuntimeError):
    """The server could not be started or stopped as expected."""


def free_port():
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def deep_merge(base, extra):
    """Merge dict `extra` into a copy of dict `base` (nested dicts merged, other values replaced)."""
    result = copy.deepcopy(base)
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


class Response:
    """An HTTP answer: status, headers (dict, lower-case keys), body (bytes)."""

    def __init__(self, status, headers, body, method="", uri=""):
        self.status = status
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.body = body if body is not None else b""
        self.method = method
        self.uri = uri

    @property
    def ok(self):
        return 200 <= self.status < 300

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def json_or_none(self):
        try:
            return self.json()
        except (ValueError, UnicodeDecodeError):
            return None

    def describe(self, limit=2000):
        text = self.text
        if len(text) > limit:
            text = text[:limit] + "... [%d bytes]" % len(self.body)
        return "%s %s -> HTTP %d: %s" % (self.method, self.uri, self.status, text)

    def __repr__(self):
        return "<Response %s>" % self.describe(200)


class RestError(AssertionError):
    """A REST call answered an unexpected status."""

    def __init__(self, response):
        AssertionError.__init__(self, response.describe())
        self.response = response


class RestClient:
    """A tiny REST client over urllib (one connection per request)."""

    def __init__(self, base_url, timeout=300):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method, uri, body=None, content_type=None, headers=None, timeout=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        req = urllib.request.Request(self.base_url + uri, data=body, method=method)
        if content_type:
            req.add_header("Content-Type", content_type)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as answer:
                return Response(answer.status, dict(answer.headers.items()), answer.read(), method, uri)
        except urllib.error.HTTPError as e:
            try:
                data = e.read()
            except Exception:  # pragma: no cover - broken connection while reading the error
                data = b""
            return Response(e.code, dict(e.headers.items()) if e.headers else {}, data, method, uri)

    def get(self, uri, **kw):
        return self.request("GET", uri, **kw)

    def delete(self, uri, **kw):
        return self.request("DELETE", uri, **kw)

    def post(self, uri, body=b"", content_type="application/octet-stream", **kw):
        return self.request("POST", uri, body=body, content_type=content_type, **kw)

    def put(self, uri, body=b"", content_type="application/octet-stream", **kw):
        return self.request("PUT", uri, body=body, content_type=content_type, **kw)

    def post_json(self, uri, obj, **kw):
        """POST a JSON document; returns the Response whatever its status."""
        return self.post(uri, json.dumps(obj).encode("utf-8"), "application/json", **kw)

    # Convenience calls that insist on success.
    def get_json(self, uri):
        r = self.get(uri)
        if not r.ok:
            raise RestError(r)
        return r.json()

    def get_bytes(self, uri):
        r = self.get(uri)
        if not r.ok:
            raise RestError(r)
        return r.body

    def upload_dicom(self, data):
        """POST one DICOM file to /instances; returns Orthanc's JSON answer."""
        r = self.post("/instances", data, "application/dicom")
        if not r.ok:
            raise RestError(r)
        return r.json()

    def delete_ok(self, uri):
        r = self.delete(uri)
        if not r.ok:
            raise RestError(r)
        return r

    def nifti_import(self, nifti_bytes, parent_study, **fields):
        """POST /nifti/import with the given NIfTI bytes (base64-encoded here) and extra JSON fields."""
        body = {"Nifti": base64.b64encode(nifti_bytes).decode("ascii"), "ParentStudy": parent_study}
        body.update(fields)
        return self.post_json("/nifti/import", body)


def read_proc_status(pid):
    """Memory figures of a process from /proc/<pid>/status, in bytes: {'VmRSS': ..., 'VmHWM': ...}."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "VmPeak"):
                parts = rest.split()
                factor = 1024 if len(parts) > 1 and parts[1].lower() == "kb" else 1
                values[key] = int(parts[0]) * factor
    return values


def reset_peak_rss(pid):
    """Reset VmHWM (peak RSS) of a process to its current RSS (Linux >= 4.0, needs permission)."""
    with open("/proc/%d/clear_refs" % pid, "w") as f:
        f.write("5")


class OrthancServer(RestClient):
    """A real Orthanc process on free loopback ports with a temporary storage directory.

    plugins: list of shared libraries to load; default: the plugin under test and orthanc-neuro.
    extra_config: dict merged into the generated configuration.
    env: extra environment variables for the Orthanc process ($ORTHANC_LD_PRELOAD becomes its LD_PRELOAD;
    $ORTHANC_EXTRA_CONFIG is merged into every configuration).
    load_saved_jobs: start Orthanc without --no-jobs, so that jobs saved by an earlier run on the same
    workdir (SaveJobs) are reloaded (restart tests).
    require_plugins: raise HarnessError if a listed plugin file does not exist (Orthanc itself would
    only log a warning and run without it).
    """

    def __init__(self, plugins=None, extra_config=None, workdir=None, keep_workdir=False,
                 require_plugins=True, verbose=True, start_timeout=60, name="NiftiTests", env=None,
                 load_saved_jobs=False):
        self.plugins = list(plugins) if plugins is not None else [nifti_plugin_path(), NEURO_PLUGIN_PATH]
        self.extra_config = extra_config or {}
        self.require_plugins = require_plugins
        self.verbose = verbose
        self.start_timeout = start_timeout
        self.name = name
        self.keep_workdir = keep_workdir
        self.env = env  # extra environment variables for the Orthanc process (e.g. MALLOC_ARENA_MAX)
        self.load_saved_jobs = load_saved_jobs
        self._own_workdir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="orthanc-it-")
        os.makedirs(self.workdir, exist_ok=True)
        self.http_port = None
        self.dicom_port = None
        self.process = None
        self.log_path = os.path.join(self.workdir, "orthanc.log")
        self.config_path = os.path.join(self.workdir, "orthanc.json")
        self.config = None
        RestClient.__init__(self, "http://127.0.0.1:0")

    # ------------------------------------------------------------------ life cycle
    def build_config(self):
        storage = os.path.join(self.workdir, "storage")
        os.makedirs(storage, exist_ok=True)
        config = {
            "Name": self.name,
            "StorageDirectory": storage,
            "IndexDirectory": storage,
            "StorageCompression": False,
            "HttpServerEnabled": True,
            "HttpPort": self.http_port,
            "DicomServerEnabled": True,
            "DicomPort": self.dicom_port,
            "DicomAet": "NIFTITESTS",
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "RegisteredUsers": {},
            "HttpDescribeErrors": True,
            "KeepAlive": True,
            "HttpTimeout": 600,
            "HttpRequestTimeout": 600,
            "SaveJobs": False,
            "ConcurrentJobs": 2,
            "Plugins": list(self.plugins),
        }
        # $ORTHANC_EXTRA_CONFIG (JSON) goes into every configuration: the sanitizer suite's settings that
        # Orthanc needs under ASan
        config = deep_merge(config, json.loads(os.environ.get("ORTHANC_EXTRA_CONFIG") or "{}"))
        return deep_merge(config, self.extra_config)

    def start(self):
        if self.process is not None:
            raise HarnessError("Orthanc already started")
        if not os.path.exists(ORTHANC_BINARY):
            raise HarnessError("Orthanc binary not found: %s" % ORTHANC_BINARY)
        if self.require_plugins:
            missing = [p for p in self.plugins if not os.path.isfile(p)]
            if missing:
                raise HarnessError("plugin(s) not found: %s (build the plugin first: cmake -S %s -B %s/build && "
                                   "cmake --build %s/build, or set NIFTI_PLUGIN_PATH)"
                                   % (", ".join(missing), REPO_ROOT, REPO_ROOT, REPO_ROOT))
        last_error = None
        for _attempt in range(3):  # a port picked as free may be taken by someone else meanwhile
            self.http_port = free_port()
            self.dicom_port = free_port()
            while self.dicom_port == self.http_port:
                self.dicom_port = free_port()
            self.base_url = "http://127.0.0.1:%d" % self.http_port
            self.config = self.build_config()
            with open(self.config_path, "w") as f:
                json.dump(self.config, f, indent=2)
            args = [ORTHANC_BINARY]
            if self.verbose:
                args.append("--verbose")
            args.append("--logfile=%s" % self.log_path)
            if not self.load_saved_jobs:
                args.append("--no-jobs")
            args.append(self.config_path)
            # Orthanc writes its log to the file; stdout/stderr only carry early start-up failures.
            self._stdout_path = os.path.join(self.workdir, "orthanc.stdout")
            self._stdout = open(self._stdout_path, "ab")
            env = dict(os.environ)
            env.update(self.env or {})
            # The sanitizer suite (Resources/Scripts/run-sanitizers.sh) preloads the ASan runtime into Orthanc,
            # which is not instrumented, and only there: not into Python nor the tools the tests run
            if os.environ.get("ORTHANC_LD_PRELOAD"):
                env["LD_PRELOAD"] = os.environ["ORTHANC_LD_PRELOAD"]
            self.process = subprocess.Popen(args, stdout=self._stdout, stderr=subprocess.STDOUT,
                                            cwd=self.workdir, start_new_session=True, env=env)
            _RUNNING.add(self)
            try:
                self._wait_ready()
                return self
            except HarnessError as e:
                last_error = e
                log = self.log_tail(200)
                self._kill()
                if "address already in use" not in log.lower() and "cannot bind" not in log.lower():
                    break
        raise last_error

    def _wait_ready(self):
        deadline = time.time() + self.start_timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise HarnessError("Orthanc exited during start-up with code %s.\n--- log tail ---\n%s"
                                   % (self.process.returncode, self.log_tail(60)))
            try:
                r = self.request("GET", "/system", timeout=2)
                if r.status == 200:
                    return
            except (urllib.error.URLError, ConnectionError, socket.timeout, http.client.HTTPException, OSError):
                pass
            time.sleep(0.1)
        raise HarnessError("Orthanc did not answer /system within %d s.\n--- log tail ---\n%s"
                           % (self.start_timeout, self.log_tail(60)))

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def is_running(self):
        return self.process is not None and self.process.poll() is None

    def alive(self):
        """True if the process runs and answers GET /system."""
        if not self.is_running():
            return False
        try:
            return self.request("GET", "/system", timeout=10).status == 200
        except Exception:
            return False

    def _kill(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.kill(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._close_stdout()
        self.process = None
        _RUNNING.discard(self)

    def _close_stdout(self):
        f = getattr(self, "_stdout", None)
        if f is not None:
            f.close()
            self._stdout = None

    def stop(self, timeout=30):
        """Stop Orthanc with SIGTERM (graceful); SIGKILL if it does not exit in time.
        Returns the exit code (None if it had to be killed)."""
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None:
            try:
                os.kill(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                code = self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                code = None
                self._kill()
        self._close_stdout()
        self.process = None
        _RUNNING.discard(self)
        self.last_exit_code = code
        return code

    def kill(self):
        """Hard stop: SIGKILL, as a crash or a power cut would (no chance to save anything)."""
        self._kill()
        self.last_exit_code = None

    def cleanup(self):
        """Remove the working directory (storage, index and log) unless asked to keep it."""
        if self._own_workdir and not self.keep_workdir and os.path.isdir(self.workdir):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self._kill()
            self.cleanup()
            raise

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            print("--- Orthanc log tail (%s) ---\n%s" % (self.log_path, self.log_tail(80)))
        self.stop()
        if exc_type is None:
            self.cleanup()
        else:
            print("Orthanc working directory kept: %s" % self.workdir)
        return False

    # ------------------------------------------------------------------ diagnostics
    def log_tail(self, lines=80):
        chunks = []
        for path in (getattr(self, "_stdout_path", None), self.log_path):
            if path and os.path.exists(path):
                with open(path, "rb") as f:
                    data = f.read()
                text = data.decode("utf-8", errors="replace").splitlines()
                if text:
                    chunks.append("\n".join(text[-lines:]))
        return "\n".join(chunks)

    def log_size(self):
        return os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0

    def log_since(self, offset, limit=200):
        """Log lines written after byte `offset` (see log_size())."""
        if not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", errors="replace").splitlines()
        return "\n".join(text[-limit:])

    def memory(self):
        """{'VmRSS': bytes, 'VmHWM': bytes, ...} of the Orthanc process."""
        return read_proc_status(self.pid)

    def reset_peak_memory(self):
        reset_peak_rss(self.pid)

    # ------------------------------------------------------------------ REST helpers
    def plugins_loaded(self):
        return self.get_json("/plugins")

    def count(self, level="instances"):
        return len(self.get_json("/" + level))


# ---------------------------------------------------------------------- streamed uploads, jobs, memory
class StreamedResponse(Response):
    """A Response of post_file(); send_error is the exception raised while sending the body, if any
    (a server may answer early, e.g. 413, and close the connection while the client still sends)."""

    send_error = None
    bytes_sent = 0


def post_file(base_url, uri, path, chunked=True, block_size=1 << 20, content_type="application/octet-stream",
              timeout=600, headers=None):
    """POST the file at `path` to base_url+uri without reading it whole into memory: block by block,
    with HTTP chunked transfer encoding (chunked=True) or with a Content-Length header."""
    host_port = base_url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    size = os.path.getsize(path)
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    send_error = None
    sent = 0
    try:
        conn.putrequest("POST", uri, skip_accept_encoding=True)
        conn.putheader("Content-Type", content_type)
        for key, value in (headers or {}).items():
            conn.putheader(key, value)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(size))
        conn.endheaders()
        try:
            with open(path, "rb") as f:
                while True:
                    block = f.read(block_size)
                    if not block:
                        break
                    if chunked:
                        conn.send(b"%x\r\n" % len(block))
                        conn.send(block)
                        conn.send(b"\r\n")
                    else:
                        conn.send(block)
                    sent += len(block)
            if chunked:
                conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, socket.timeout) as e:
            send_error = e
        try:
            answer = conn.getresponse()
            body = answer.read()
            response = StreamedResponse(answer.status, dict(answer.getheaders()), body, "POST", uri)
        except (http.client.HTTPException, ConnectionError, socket.timeout) as e:
            raise AssertionError("POST %s (%d bytes, %s): no HTTP answer (%r; while sending: %r; %d bytes sent)"
                                 % (uri, size, "chunked" if chunked else "Content-Length", e, send_error, sent))
    finally:
        conn.close()
    response.send_error = send_error
    response.bytes_sent = sent
    return response


TERMINAL_JOB_STATES = ("Success", "Failure")


class JobWatch:
    """Polls GET /jobs/{id} until the job ends. `observations` lists (time, State, Progress, Content)."""

    def __init__(self, client, job_id):
        self.client = client
        self.job_id = job_id
        self.observations = []
        self.last = None

    def poll(self):
        r = self.client.get("/jobs/%s" % self.job_id, timeout=30)
        if r.status != 200:
            raise RestError(r)
        job = r.json()
        self.last = job
        self.observations.append((time.time(), job.get("State"), job.get("Progress"), job.get("Content")))
        return job

    def wait(self, timeout=120, interval=0.0, until=None):
        """Poll until the job is in a terminal state (or until(job) is true); returns the last job JSON."""
        deadline = time.time() + timeout
        while True:
            job = self.poll()
            if until is not None and until(job):
                return job
            if until is None and job.get("State") in TERMINAL_JOB_STATES:
                return job
            if time.time() > deadline:
                raise AssertionError("job %s: still %s (Progress %s) after %d s; last seen: %s"
                                     % (self.job_id, job.get("State"), job.get("Progress"), timeout,
                                        json.dumps(job)[:1500]))
            if interval:
                time.sleep(interval)

    def progresses(self):
        return [p for (_t, _s, p, _c) in self.observations]

    def states(self):
        return [s for (_t, s, _p, _c) in self.observations]


def wait_for_job(client, job_id, timeout=120, interval=0.05):
    return JobWatch(client, job_id).wait(timeout=timeout, interval=interval)


def wait_until(predicate, timeout, interval=0.2):
    """Calls predicate() every `interval` s until it returns a true value or `timeout` s have passed; returns its
    last value (false after a timeout)."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value or time.time() > deadline:
            return value
        time.sleep(interval)


class MemorySampler:
    """Samples VmRSS of a process every `interval` s in a thread; reset_peak_rss() first, then
    peak_increase() is the largest of the samples and VmHWM, minus VmRSS at the start."""

    def __init__(self, pid, interval=0.01):
        import threading
        self.pid = pid
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.baseline = None
        self.max_rss = 0
        self.hwm = None
        self.samples = 0

    def _run(self):
        while not self._stop.is_set():
            try:
                self.max_rss = max(self.max_rss, read_proc_status(self.pid)["VmRSS"])
                self.samples += 1
            except (OSError, KeyError):
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        reset_peak_rss(self.pid)
        self.baseline = read_proc_status(self.pid)["VmRSS"]
        self.max_rss = self.baseline
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        try:
            self.hwm = read_proc_status(self.pid)["VmHWM"]
        except OSError:
            self.hwm = None
        return False

    def peak_increase(self):
        return max(self.max_rss, self.hwm or 0) - self.baseline


def tree_listing(directory):
    """{relative path: size} of every file below `directory` (empty if it does not exist)."""
    result = {}
    for root, _dirs, files in os.walk(directory):
        for name in files:
            full = os.path.join(root, name)
            try:
                result[os.path.relpath(full, directory)] = os.path.getsize(full)
            except OSError:
                pass
    return result
