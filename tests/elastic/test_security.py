"""TLS verification on by default, credentials from owner-only files, and never shown anywhere.

Runs a second node with security and HTTPS on (a throwaway self-signed
certificate made with openssl, a file-realm user), because the suite's main
node has security off.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.config import EsConfig, load_config
from secops.errors import BackendUnavailable, ConfigError, StoreError
from secops.store.elastic import ElasticEventStore
from secops.store.elastic_client import connect
from tests.conftest import require
from tests.elastic.conftest import make_event
from tests.es_node import EsNode, start_node

PASSWORD = "Pw-7f3a9c-never-shown"
pytestmark = pytest.mark.elasticsearch


@pytest.fixture(scope="module")
def tls_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[EsNode, Path]]:
    require(shutil.which("openssl") is not None, "openssl is needed to make the test certificate")
    certs = tmp_path_factory.mktemp("certs")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(certs / "http.key"), "-out", str(certs / "http.crt")),
        ],
        check=True,
        capture_output=True,
    )
    os.chmod(certs / "http.key", 0o644)  # the node's own user copies it into its config
    for node in start_node(tls=certs, admin=PASSWORD):
        yield node, certs / "http.crt"


def secret_file(tmp_path: Path, value: str, mode: int = 0o600) -> Path:
    path = tmp_path / "secret"
    path.write_text(value + "\n")
    path.chmod(mode)
    return path


def test_verification_is_on_by_default(tls_node, data_dir: Path) -> None:
    node, _ = tls_node
    config = EsConfig(url=node.url, username="admin", password=PASSWORD)
    assert config.verify_certs is True
    store = ElasticEventStore.from_config(_config(config), data_dir)
    with pytest.raises(BackendUnavailable) as caught:
        store.count()
    assert "TLS verification failed" in str(caught.value) and PASSWORD not in str(caught.value)
    store.client.close()


def test_ca_file_and_owner_only_password_file(tls_node, data_dir: Path, tmp_path: Path) -> None:
    node, ca = tls_node
    config = EsConfig(url=node.url, username="admin", password_file=secret_file(tmp_path, PASSWORD), ca_file=ca)
    store = ElasticEventStore.from_config(_config(config), data_dir)
    store.write([make_event(i) for i in range(20)])
    store.refresh()
    assert store.count() == 20
    store.close()


def test_a_password_file_others_can_read_is_refused(tls_node, tmp_path: Path) -> None:
    node, ca = tls_node
    loose = secret_file(tmp_path, PASSWORD, 0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        connect(EsConfig(url=node.url, username="admin", password_file=loose, ca_file=ca))


@pytest.mark.parametrize("prefix", ["Bad Prefix", "_hidden", "a/b", "UPPER", ""])
def test_an_index_prefix_elasticsearch_would_refuse_is_a_configuration_error(prefix: str) -> None:
    """Caught before any request: the cluster would otherwise refuse the first index created, mid-ingest."""
    with pytest.raises(ConfigError, match="cannot begin index names"):
        connect(EsConfig(url="http://127.0.0.1:1", index_prefix=prefix))
    assert connect(EsConfig(url="http://127.0.0.1:1", index_prefix="soc-prod.2"))[0] is not None


def test_turning_verification_off_must_be_explicit_and_works(tls_node, data_dir: Path) -> None:
    node, _ = tls_node
    config = EsConfig(url=node.url, username="admin", password=PASSWORD, verify_certs=False)
    store = ElasticEventStore.from_config(_config(config), data_dir)
    assert store.count() >= 0
    store.close()


def test_errors_and_logs_never_carry_credentials(tls_node, data_dir: Path, caplog) -> None:
    node, ca = tls_node
    caplog.set_level(logging.DEBUG)
    wrong = "Wrong-" + PASSWORD
    url_with_secret = node.url.replace("https://", f"https://admin:{wrong}@")
    for config in (
        EsConfig(url=node.url, username="admin", password=wrong, ca_file=ca),
        EsConfig(url=url_with_secret, ca_file=ca),
        EsConfig(url=node.url, api_key="bm90LWEta2V5OnNlY3JldC12YWx1ZQ==", ca_file=ca),
    ):
        store = ElasticEventStore.from_config(_config(config), data_dir)
        with pytest.raises(StoreError) as caught:
            store.count()
        message = str(caught.value)
        assert "401" in message
        for secret in (wrong, PASSWORD, "bm90LWEta2V5OnNlY3JldC12YWx1ZQ=="):
            assert secret not in message
            assert secret not in caplog.text
        store.client.close()


def test_cli_output_never_shows_credentials(tls_node, tmp_path: Path) -> None:
    """Through the real CLI: password from the environment, then an unknown API key.

    (This distribution cannot mint API keys: its security index needs the
    analysis-common module it lacks, so the key here is one the cluster rejects.)
    """
    node, ca = tls_node
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    env.update(
        SECOPS_STORE="elasticsearch",
        SECOPS_ES_URL=node.url,
        SECOPS_ES_USERNAME="admin",
        SECOPS_ES_PASSWORD=PASSWORD,
        SECOPS_ES_CA_FILE=str(ca),
        SECOPS_DATA_DIR=str(tmp_path / "data"),
        SECOPS_ES_INDEX_PREFIX="sectest",
    )
    transcript = ""
    for args in (["es", "setup"], ["es", "status"], ["config", "show"], ["-v", "store", "info"]):
        done = subprocess.run(
            [sys.executable, "-m", "secops", *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        transcript += done.stdout + done.stderr
    assert "green" in transcript or "yellow" in transcript
    api_key = "c2Vjb3BzLXRlc3Q6bm90LWEtcmVhbC1rZXktdmFsdWU="
    env["SECOPS_ES_API_KEY"] = api_key
    env["SECOPS_ES_PASSWORD"] = "Wrong-" + PASSWORD
    for args in (["-v", "es", "status"], ["-v", "store", "info"]):
        bad = subprocess.run(
            [sys.executable, "-m", "secops", *args], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert bad.returncode == 2 and "401" in bad.stderr
        transcript += bad.stdout + bad.stderr
    for secret in (PASSWORD, api_key):
        assert secret not in transcript


def _config(es: EsConfig):
    config = load_config(environ={})
    config.es = es
    return config
