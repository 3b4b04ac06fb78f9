"""What the Elasticsearch client sends, and to whom: a local HTTP(S) server stands in for the cluster.

The server answers like a cluster's ``_cluster/health`` and records each
request's ``Authorization`` header, so a test sees exactly which credentials
reached which address. No Elasticsearch runs here.
"""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from secops.config import EsConfig
from secops.errors import BackendUnavailable, ConfigError, StoreError
from secops.store.elastic_client import call, connect
from tests.inputs.syslog_harness import make_certificate

API_KEY = "c2VjLXRlc3Q6a2V5LXZhbHVlLTE5"


class Recorder(ThreadingHTTPServer):
    """Answers every GET as a healthy one-node cluster, or with ``redirect_to``; keeps (path, Authorization)."""

    daemon_threads = True

    def __init__(self, redirect_to: str | None = None) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.redirect_to = redirect_to
        self.refusal: int | None = None
        """A status to answer with instead, its reason echoing the Authorization header (as some gateways do)."""
        self.seen: list[tuple[str, str | None]] = []

    def base(self, scheme: str) -> str:
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorder

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers.get("Authorization")))
        if self.server.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status, answer = 200, {"cluster_name": "soc", "status": "green", "number_of_nodes": 1}
        if self.server.refusal:
            status = self.server.refusal
            reason = f"gateway rejected [Authorization: {self.headers.get('Authorization')}]"
            answer = {"error": {"type": "security_exception", "reason": reason}, "status": status}
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Recorder]]:
    """Start recorders: ``serve()`` plain HTTP, ``serve(tls=True)`` HTTPS with a self-signed certificate."""
    started: list[Recorder] = []

    def start(*, tls: bool = False, redirect_to: str | None = None) -> Recorder:
        server = Recorder(redirect_to)
        if tls:
            cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
            if not cert.exists():
                make_certificate(tmp_path)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert, key)
            server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def health(config: EsConfig) -> dict[str, object]:
    client, secrets = connect(config)
    try:
        return dict(call(lambda: client.cluster.health(), secrets, "test"))
    finally:
        client.close()


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_percent_encoded_credentials_in_the_url_are_sent_decoded(serve) -> None:
    """The advice given for a '/' in a URL password is to percent-encode it: the cluster must get the real one."""
    server = serve()
    url = server.base("http").replace("://", "://soc%2Bops:p%40ss%2Fw0rd@")
    assert health(EsConfig(url=url))["status"] == "green"
    assert server.seen == [("/_cluster/health", basic("soc+ops", "p@ss/w0rd"))]


def test_an_unknown_certificate_is_refused_before_any_credential_is_sent(serve) -> None:
    server = serve(tls=True)
    with pytest.raises(BackendUnavailable, match="TLS verification failed") as refused:
        health(EsConfig(url=server.base("https"), api_key=API_KEY))
    assert API_KEY not in str(refused.value)
    assert server.seen == []


def test_the_configured_ca_lets_the_request_through(serve, tmp_path: Path) -> None:
    server = serve(tls=True)
    assert (
        health(EsConfig(url=server.base("https"), api_key=API_KEY, ca_file=tmp_path / "cert.pem"))["status"] == "green"
    )
    assert server.seen == [("/_cluster/health", f"ApiKey {API_KEY}")]


def test_an_upper_case_scheme_still_uses_the_configured_ca(serve, tmp_path: Path) -> None:
    server = serve(tls=True)
    url = server.base("HTTPS")
    assert health(EsConfig(url=url, api_key=API_KEY, ca_file=tmp_path / "cert.pem"))["status"] == "green"


def test_a_ca_file_with_an_http_url_is_refused_before_credentials_go_in_clear(serve, tmp_path: Path) -> None:
    server = serve()
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    with pytest.raises(ConfigError, match="https://"):
        health(EsConfig(url=server.base("http"), api_key=API_KEY, ca_file=tmp_path / "ca.pem"))
    assert server.seen == []


def test_a_certificate_for_another_name_is_refused(serve, tmp_path: Path) -> None:
    """The test certificate names 127.0.0.1 only: the CA alone does not make any host name acceptable."""
    server = serve(tls=True)
    url = server.base("https").replace("127.0.0.1", "localhost")
    with pytest.raises(BackendUnavailable, match="Hostname mismatch"):
        health(EsConfig(url=url, api_key=API_KEY, ca_file=tmp_path / "cert.pem"))
    assert server.seen == []


def test_a_redirect_is_not_followed_so_credentials_go_to_no_other_host(serve, tmp_path: Path) -> None:
    elsewhere = serve()
    server = serve(tls=True, redirect_to=elsewhere.base("http"))
    with pytest.raises(StoreError):
        health(EsConfig(url=server.base("https"), api_key=API_KEY, ca_file=tmp_path / "cert.pem"))
    assert elsewhere.seen == []


def test_a_proxy_from_the_environment_never_sees_the_request(serve, tmp_path: Path, monkeypatch) -> None:
    """HTTPS_PROXY is not read: the cluster is reached directly, and a proxy cannot collect the key."""
    proxy = serve()
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, proxy.base("http"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    server = serve(tls=True)
    health(EsConfig(url=server.base("https"), api_key=API_KEY, ca_file=tmp_path / "cert.pem"))
    assert proxy.seen == [] and len(server.seen) == 1


@pytest.mark.parametrize("status", [401, 403, 502, 503])
def test_a_refusal_that_echoes_the_credentials_shows_none_of_them(serve, status: int) -> None:
    server = serve()
    server.refusal = status
    for config, secret in (
        (EsConfig(url=server.base("http"), api_key=API_KEY), API_KEY),
        (EsConfig(url=server.base("http"), username="secops", password="Pw-4e9c1"), basic("secops", "Pw-4e9c1")[6:]),
    ):
        with pytest.raises(StoreError) as refused:
            health(config)
        assert str(status) in str(refused.value) and "gateway rejected" in str(refused.value)
        assert secret not in str(refused.value) and "Pw-4e9c1" not in str(refused.value)
