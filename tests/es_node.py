"""A real single-node Elasticsearch for the suite, on 127.0.0.1, started once per session.

The distribution comes from ``scripts/fetch-elasticsearch`` (Maven Central's
integ-test-zip, unpacked into ``<repo>/.es/current``), which the test command
runs first. The node listens on a free loopback port with a small heap and
security off (it is reachable from this machine only); its data, logs and
configuration live in a temporary directory. Elasticsearch refuses to run as
root, so under root the node runs as the ``secops-es`` user the fetch script
creates.

``SECOPS_TEST_ES_URL`` points the tests at a node that is already running
instead (handy when several people test at once). Without either, the
Elasticsearch tests skip and say how to get the node; under ``CI=true`` they fail.
"""

from __future__ import annotations

import base64
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from elasticsearch import Elasticsearch

from secops.config import EsConfig
from secops.store.elastic_client import connect
from tests.conftest import REPO, require

ES_HOME_ENV = "SECOPS_ES_HOME"
ES_URL_ENV = "SECOPS_TEST_ES_URL"
ES_USER = os.environ.get("SECOPS_ES_USER", "secops-es")
HEAP = os.environ.get("SECOPS_TEST_ES_HEAP", "768m")
START_TIMEOUT_S = 180.0


def distribution() -> Path | None:
    """The unpacked Elasticsearch home, if the fetch script has run (or ``SECOPS_ES_HOME`` names one)."""
    home = Path(os.environ.get(ES_HOME_ENV, REPO / ".es" / "current"))
    return home if (home / "bin" / "elasticsearch").is_file() else None


def java_home() -> str:
    """``ES_JAVA_HOME``, ``JAVA_HOME``, or the JDK behind ``java`` on the PATH (8.x needs 17+)."""
    for name in ("ES_JAVA_HOME", "JAVA_HOME"):
        if os.environ.get(name):
            return os.environ[name]
    java = shutil.which("java")
    if java is None:
        raise RuntimeError("no Java found for Elasticsearch: install a JDK 17+ (scripts/install-system-deps)")
    return str(Path(java).resolve().parent.parent)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_json(url: str, *, method: str = "GET", timeout: float = 5.0, password: str | None = None) -> dict:
    """A JSON request to the test node; the harness trusts its own self-signed loopback certificate."""
    request = urllib.request.Request(url, method=method)  # noqa: S310 - a loopback URL we built
    context = None
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
        context = ssl._create_unverified_context()  # noqa: S323 - our own test certificate, loopback only
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310
        return orjson.loads(response.read())


class EsNode:
    """One Elasticsearch process; stop and start again keep its data (the fault test relies on it)."""

    def __init__(
        self, home: Path, workdir: Path, *, heap: str = HEAP, tls: Path | None = None, admin: str | None = None
    ) -> None:
        """``tls`` (a directory holding http.crt/http.key) and ``admin`` (a password) turn security on."""
        self.home = home
        self.workdir = workdir
        self.port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._user = ES_USER if os.geteuid() == 0 else None
        self._admin = admin
        self._prepare(heap, tls)

    def _prepare(self, heap: str, tls: Path | None) -> None:
        conf = self.workdir / "config"
        shutil.copytree(self.home / "config", conf)
        for name in ("data", "logs", "tmp"):
            (self.workdir / name).mkdir()
        settings = {
            "cluster.name": f"secops-test-{uuid.uuid4().hex[:8]}",
            "node.name": "secops-test",
            "discovery.type": "single-node",
            "network.host": "127.0.0.1",
            "http.port": self.port,
            "transport.port": free_port(),
            "path.data": str(self.workdir / "data"),
            "path.logs": str(self.workdir / "logs"),
            # Loopback only, for tests: the client's TLS and credential handling is tested separately.
            "xpack.security.enabled": False,
            # A busy shared disk must not turn test indices read-only.
            "cluster.routing.allocation.disk.threshold_enabled": False,
            "action.destructive_requires_name": False,
        }
        if tls is not None:
            shutil.copy(tls / "http.crt", conf / "http.crt")
            shutil.copy(tls / "http.key", conf / "http.key")
            settings.update(
                {
                    "xpack.security.enabled": True,
                    "xpack.security.http.ssl.enabled": True,
                    "xpack.security.http.ssl.certificate": "http.crt",
                    "xpack.security.http.ssl.key": "http.key",
                }
            )
        # One `key: value` line per setting; JSON scalars are valid YAML scalars.
        lines = (f"{key}: {orjson.dumps(value).decode()}\n" for key, value in settings.items())
        (conf / "elasticsearch.yml").write_text("".join(lines))
        (conf / "jvm.options.d" / "heap.options").write_text(f"-Xms{heap}\n-Xmx{heap}\n")
        if self._admin:
            users = str(self.home / "bin" / "elasticsearch-users")
            subprocess.run(
                [users, "useradd", "admin", "-r", "superuser", "-p", self._admin],
                env=self._env(),
                check=True,
                capture_output=True,
            )
        if self._user:
            account = pwd.getpwnam(self._user)
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, account.pw_uid, account.pw_gid)

    def _env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": java_home(),
            "ES_PATH_CONF": str(self.workdir / "config"),
            "ES_TMPDIR": str(self.workdir / "tmp"),
            "HOME": str(self.workdir),
        }

    def start(self) -> None:
        log = (self.workdir / "stdout.log").open("ab")
        self.process = subprocess.Popen(
            [str(self.home / "bin" / "elasticsearch")],
            env=self._env(),
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            user=self._user,
            group=pwd.getpwnam(self._user).pw_gid if self._user else None,
            extra_groups=[] if self._user else None,
            start_new_session=True,
        )
        log.close()
        self.wait_healthy()

    def wait_healthy(self) -> None:
        """Wait on ``/_cluster/health`` (``GET /`` is not guaranteed on this distribution)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Elasticsearch exited with {self.process.returncode}: {self.tail()}")
            try:
                health = http_json(
                    f"{self.url}/_cluster/health?wait_for_status=yellow&timeout=5s",
                    timeout=10,
                    password=self._admin,
                )
                if health.get("status") in ("yellow", "green"):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError, orjson.JSONDecodeError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"Elasticsearch did not become healthy in {START_TIMEOUT_S:.0f}s: {self.tail()}")

    def stop(self, timeout: float = 60.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def tail(self, lines: int = 30) -> str:
        path = self.workdir / "stdout.log"
        text = path.read_text("utf-8", "replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def store_client(url: str, timeout: float = 60.0) -> Elasticsearch:
    """A client set up the way secops sets up its own (``connect``), so the tests run what users run."""
    return connect(EsConfig(url=url, timeout=timeout))[0]


def start_node(heap: str = HEAP, **options: Any) -> Iterator[EsNode]:
    """Start a node from the fetched distribution, yield it, and remove it afterwards."""
    home = distribution()
    require(home is not None, "Elasticsearch is not fetched: run scripts/fetch-elasticsearch (or set SECOPS_ES_HOME)")
    assert home is not None
    workdir = Path(tempfile.mkdtemp(prefix="secops-es-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - the node's own user must reach it; it holds test data only
    node = EsNode(home, workdir, heap=heap, **options)
    try:
        node.start()
        yield node
    finally:
        node.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def es_url() -> Iterator[str]:
    """The URL of a healthy Elasticsearch node for the whole session."""
    external = os.environ.get(ES_URL_ENV)
    if external:
        try:
            http_json(f"{external.rstrip('/')}/_cluster/health", timeout=10)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            require(False, f"{ES_URL_ENV}={external} is not reachable: {exc}")
        yield external.rstrip("/")
        return
    for node in start_node():
        yield node.url


@pytest.fixture
def es_prefix(es_url: str) -> Iterator[str]:
    """A fresh index prefix per test, so tests sharing one node never see each other's data."""
    prefix = f"secops-t{uuid.uuid4().hex[:10]}"
    yield prefix
    for path in (f"/{prefix}-*?expand_wildcards=all", f"/_index_template/{prefix}-*"):
        try:
            http_json(f"{es_url}{path}", method="DELETE", timeout=30)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
