"""The cluster of docker-compose.yml (profile "cluster"), checked without Docker: its files agree with each other,
and the very configurations it gives its containers run here on real parts.

- docker-compose.yml: the single-node service stays the default; the cluster's services, volumes, names and
  passwords agree with Resources/Docker/node.json and Resources/Docker/nginx.conf;
- a private PostgreSQL (Debian's, on loopback, in a temporary folder), two Orthanc nodes started from node.json
  (with orthanc-postgresql and the plugin) and Debian's nginx with nginx.conf in front of them. Only what a container
  provides and one machine cannot is replaced: host names, ports and folders. Through the entry point: the login is
  asked for and passed on, each client stays on one node, NIfTI files larger than nginx's default body limit go
  through, an asynchronous import is polled to its end, and the other node sees the series (shared index and storage).
"""

import base64
import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest
import yaml

from orthanc_harness import OrthancServer, RestClient, free_port, nifti_plugin_path, post_file, wait_for_job
from conftest import check_instance_pixels, make_nifti_image, new_parent_study, nifti_file_bytes
from orthanc_json import read_orthanc_json

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DOCKER = os.path.join(ROOT, "Resources", "Docker")
POSTGRESQL_INDEX_PLUGIN = "/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so"
NODES = ("orthanc-1", "orthanc-2")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def run(args, **kwargs):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


def compose():
    with open(os.path.join(ROOT, "docker-compose.yml")) as f:
        return yaml.safe_load(f)


def node_json():
    return read_orthanc_json(os.path.join(DOCKER, "node.json"))


def nginx_conf():
    with open(os.path.join(DOCKER, "nginx.conf")) as f:
        return f.read()


def mount(volumes, target):
    """The named volume mounted at `target`."""
    found = [v.split(":")[0] for v in volumes if v.split(":")[1] == target]
    assert len(found) == 1, (target, volumes)
    return found[0]


# --------------------------------------------------------------------------- the files agree
def test_compose_file_is_valid_for_docker_compose():
    """Debian's docker-compose validates the file against the Compose schema (no Docker daemon needed)."""
    tool = shutil.which("docker-compose")
    assert tool, "docker-compose is missing: bash Resources/Scripts/install-dependencies.sh test"
    for profile in ([], ["--profile", "cluster"]):
        result = run([tool, "-f", os.path.join(ROOT, "docker-compose.yml")] + profile + ["config", "-q"],
                     env=dict(os.environ, POSTGRES_PASSWORD="checked"))
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_single_node_service_stays_the_default():
    services = compose()["services"]
    single = services["orthanc"]
    assert "profiles" not in single, "'docker compose up' must keep starting the single node"
    assert single["build"]["dockerfile"] == "Resources/Docker/Dockerfile"
    assert "8042:8042" in single["ports"]
    others = [name for name in services if name != "orthanc"]
    assert others and all(services[name].get("profiles") == ["cluster"] for name in others), others


def test_nodes_share_index_storage_and_uploads_under_distinct_names():
    doc = compose()
    services, config = doc["services"], node_json()
    assert config["Name"] == config["DatabaseServerIdentifier"] == "${NODE_NAME}"
    assert config["PostgreSQL"]["EnableIndex"] is True and config["PostgreSQL"]["Lock"] is False
    assert config["PostgreSQL"]["Host"] == "postgres" and "postgres" in services
    postgres = services["postgres"]["environment"]
    assert postgres["POSTGRES_DB"] == config["PostgreSQL"]["Database"]
    assert postgres["POSTGRES_USER"] == config["PostgreSQL"]["Username"]
    assert config["PostgreSQL"]["Password"] == "${POSTGRES_PASSWORD}"

    names = [services[n]["environment"]["NODE_NAME"] for n in NODES]
    assert names == list(NODES), "each node is named after its service (distinct Name and identifier)"
    for n in NODES:
        node = services[n]
        assert node["build"]["dockerfile"] == "Resources/Docker/Dockerfile.node"
        assert node["environment"]["POSTGRES_PASSWORD"] == postgres["POSTGRES_PASSWORD"]
        storage = mount(node["volumes"], config["StorageDirectory"])
        uploads = mount(node["volumes"], config["NiftiToDicom"]["UploadDirectory"])
        assert storage in doc["volumes"] and uploads in doc["volumes"] and storage != uploads
    assert services[NODES[0]]["volumes"] == services[NODES[1]]["volumes"]


def test_load_balancer_reaches_both_nodes():
    services, config, conf = compose()["services"], node_json(), nginx_conf()
    servers = re.findall(r"^\s*server\s+([\w.-]+):(\d+)", conf, re.M)
    assert sorted(servers) == sorted((n, str(config["HttpPort"])) for n in NODES), servers
    assert re.search(r"^\s*ip_hash;", conf, re.M), "job polling must stay on the node that runs the job"
    balancer = services["load-balancer"]
    listen = re.search(r"^\s*listen\s+(\d+);", conf, re.M).group(1)
    assert [p.split(":")[1] for p in balancer["ports"]] == [listen]
    assert set(balancer["depends_on"]) == set(NODES)


def test_dockerfiles_copy_files_that_exist():
    for name in ("Dockerfile", "Dockerfile.node", "Dockerfile.balancer"):
        with open(os.path.join(DOCKER, name)) as f:
            for line in f:
                if line.startswith("COPY ") and "--from=" not in line:
                    for source in line.split()[1:-1]:
                        assert os.path.exists(os.path.join(ROOT, source)), "%s copies %s" % (name, source)


# --------------------------------------------------------------------------- the same configurations, running
class PrivatePostgres:
    """Debian's PostgreSQL server in a temporary folder, on a loopback port, with password authentication."""

    def __init__(self, user, password):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert versions, "Debian's postgresql is missing: bash Resources/Scripts/install-dependencies.sh test"
        self.bin = os.path.dirname(versions[-1])
        self.user, self.password = user, password
        self.dir = tempfile.mkdtemp(prefix="nifti-cluster-pg-")
        os.chmod(self.dir, 0o755)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        # PostgreSQL refuses to run as root: as root, run it as Debian's postgres user
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args, **kwargs):
        result = run(self.as_owner + list(args), **kwargs)
        assert result.returncode == 0, "%s failed:\n%s" % (args[0], result.stdout)
        return result

    def start(self):
        password_file = os.path.join(self.dir, "password")
        with open(password_file, "w") as f:
            f.write(self.password + "\n")
        if self.as_owner:
            shutil.chown(self.dir, "postgres")
            shutil.chown(password_file, "postgres")
        self._run(os.path.join(self.bin, "initdb"), "-D", self.data, "-U", self.user, "--pwfile", password_file,
                  "--auth=scram-sha-256", "-E", "UTF8")
        self._run(os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", os.path.join(self.dir, "postgres.log"),
                  "-w", "-o", "-c listen_addresses=127.0.0.1 -p %d -k %s" % (self.port, self.data), "start")
        env = dict(os.environ, PGPASSWORD=self.password)
        self._run(os.path.join(self.bin, "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                  "orthanc", env=env)
        return self

    def stop(self):
        run(self.as_owner + [os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-m", "fast", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)


class LoggedIn:
    """Sends the login of node.json with every request, as a user of the cluster does."""

    authorization = None

    def request(self, method, uri, body=None, content_type=None, headers=None, timeout=None):
        headers = dict(headers or {})
        if self.authorization:
            headers.setdefault("Authorization", self.authorization)
        return RestClient.request(self, method, uri, body, content_type, headers, timeout)


class Node(LoggedIn, OrthancServer):
    pass


class Balancer(LoggedIn, RestClient):
    pass


def basic_authorization(config):
    (user, password), = config["RegisteredUsers"].items()
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("cluster"))
    base = node_json()
    password = "cluster-test-password"
    postgres = PrivatePostgres(base["PostgreSQL"]["Username"], password).start()
    nodes, nginx = [], None
    try:
        shared_storage = os.path.join(root, "storage")
        shared_uploads = os.path.join(root, "uploads")
        for name in NODES:
            config = node_json()
            # What the containers provide: host names, ports, mounted folders, Debian's plugin folder
            config["PostgreSQL"].update({"Host": "127.0.0.1", "Port": postgres.port})
            config.update({"StorageDirectory": shared_storage, "IndexDirectory": shared_storage,
                           "Plugins": [nifti_plugin_path(), POSTGRESQL_INDEX_PLUGIN]})
            config["NiftiToDicom"]["UploadDirectory"] = shared_uploads
            del config["HttpPort"], config["DicomPort"]
            node = Node(plugins=config["Plugins"], extra_config=config, workdir=os.path.join(root, name), name=name,
                        env={"NODE_NAME": name, "POSTGRES_PASSWORD": password})
            node.authorization = basic_authorization(base)
            node.start()  # one after the other, as docker-compose.yml orders them
            nodes.append(node)

        nginx = start_nginx(os.path.join(root, "nginx"), nodes)
        balancer = Balancer("http://127.0.0.1:%d" % nginx.port, timeout=300)
        balancer.authorization = basic_authorization(base)
        yield balancer, nodes
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        for node in nodes:
            node.stop()
        postgres.stop()


def start_nginx(workdir, nodes):
    os.makedirs(workdir)
    port = free_port()
    conf = nginx_conf()
    replacements = [("server orthanc-1:8042", "server 127.0.0.1:%d" % nodes[0].http_port),
                    ("server orthanc-2:8042", "server 127.0.0.1:%d" % nodes[1].http_port),
                    ("listen 80;", "listen 127.0.0.1:%d;" % port),
                    ("pid /run/nginx.pid;", "pid %s/nginx.pid;" % workdir)]
    for old, new in replacements:
        assert conf.count(old) == 1, "nginx.conf has changed: adapt this test (%r)" % old
        conf = conf.replace(old, new)
    path = os.path.join(workdir, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    assert os.path.exists(NGINX), "Debian's nginx is missing: bash Resources/Scripts/install-dependencies.sh test"
    args = [NGINX, "-p", workdir, "-e", "stderr", "-c", path]
    checked = run(args + ["-t"])
    assert checked.returncode == 0, checked.stdout
    log = open(os.path.join(workdir, "nginx.log"), "wb")
    process = subprocess.Popen(args + ["-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    process.port = port
    client = RestClient("http://127.0.0.1:%d" % port)
    deadline = time.time() + 20
    while time.time() < deadline:
        assert process.poll() is None, open(os.path.join(workdir, "nginx.log")).read()
        try:
            client.get("/system", timeout=2)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("nginx did not answer within 20 s")


def node_behind(nodes, answer):
    address = answer.headers.get("x-orthanc-node")
    assert address, "no X-Orthanc-Node header: %s" % answer.headers
    (node,) = [n for n in nodes if address == "127.0.0.1:%d" % n.http_port]
    return node


def test_nodes_run_from_node_json_on_one_postgresql(cluster):
    _balancer, nodes = cluster
    for name, node in zip(NODES, nodes):
        system = node.get_json("/system")
        assert system["Name"] == name, "Orthanc read NODE_NAME from the environment"
        assert system["DatabaseBackendPlugin"] == os.path.realpath(POSTGRESQL_INDEX_PLUGIN), system
        assert "nifti-to-dicom" in node.get_json("/plugins")


def test_entry_point_asks_for_the_login_and_passes_it_on(cluster):
    balancer, _nodes = cluster
    anonymous = RestClient(balancer.base_url)
    assert anonymous.get("/system").status == 401
    assert balancer.get("/system").status == 200


def test_a_client_stays_on_one_node(cluster):
    balancer, nodes = cluster
    answers = [balancer.get("/system") for _ in range(12)]
    assert all(a.status == 200 for a in answers)
    served = {node_behind(nodes, a).name for a in answers}
    assert len(served) == 1, "requests of one client went to %s" % served
    assert {a.json()["Name"] for a in answers} == served


def test_imports_through_the_entry_point(cluster, tmp_path):
    balancer, nodes = cluster
    study, _ = new_parent_study(balancer, "CLUSTER")
    # 1.5 MB of voxels: beyond nginx's default client_max_body_size of 1 MB
    img = make_nifti_image((128, 128, 48), seed=5)
    data = nifti_file_bytes(img)
    assert len(data) > 1024 * 1024

    # Synchronous, base64 in the JSON body
    r = balancer.nifti_import(data, study, SeriesDescription="Through nginx, synchronous")
    assert r.status == 200, r.describe()
    assert r.json()["InstancesCount"] == 48

    # Streamed upload (chunked), then an asynchronous import polled through the entry point
    path = str(tmp_path / "volume.nii")
    with open(path, "wb") as f:
        f.write(data)
    uploaded = post_file(balancer.base_url, "/nifti/uploads", path, chunked=True,
                         headers={"Authorization": balancer.authorization, "X-Filename": "volume.nii"})
    assert uploaded.status == 200, uploaded.describe()
    submitted = balancer.post_json("/nifti/import", {"Upload": uploaded.json()["ID"], "ParentStudy": study,
                                                     "Asynchronous": True, "SeriesDescription": "Through nginx, job"})
    assert submitted.status == 200, submitted.describe()
    runner = node_behind(nodes, submitted)
    job = wait_for_job(balancer, submitted.json()["ID"], timeout=180)
    assert job["State"] == "Success", json.dumps(job)[:2000]
    series = job["Content"]["ID"]

    # The job lives on one node only: this is why the entry point is sticky
    other = [n for n in nodes if n is not runner][0]
    assert other.get("/jobs/" + submitted.json()["ID"]).status == 404
    # ... while the series is in the shared index and its files in the shared storage
    assert sorted(other.get_json("/studies/%s" % study)["Series"]) == sorted(
        runner.get_json("/studies/%s" % study)["Series"])
    assert len(other.get_json("/series/%s" % series)["Instances"]) == 48
    problems = check_instance_pixels(other, series, img.dataobj, [1, 24, 48])
    assert not problems, problems
