"""Configuration read from a file and SECOPS_* variables: errors name their source, secrets never show."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

import pytest

from secops.config import EsConfig, load_config, read_secret_file
from secops.errors import ConfigError
from secops.store.elastic_client import Secrets, connect
from tests.conftest import require


def test_a_password_in_the_es_url_is_masked_when_shown() -> None:
    config = load_config(environ={"SECOPS_ES_URL": "https://ops:s3cret-pw@es.example:9200"})
    assert config.redacted()["es"]["url"] == "https://***@es.example:9200"
    assert config.es.url == "https://ops:s3cret-pw@es.example:9200"  # still used as given


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://ops:p@ss-s3cret@es.example:9200",
            "https://***@es.example:9200",
        ),  # the parser's password: p@ss-s3cret
        ("ops:s3cret@es.example:9200", "***@es.example:9200"),  # no scheme: refused when used, still never shown
        ("https://ops:my s3cret@es.example:9200", "https://***@es.example:9200"),  # a space: the parser takes it
        ("https://ops:s3c#ret@es.example:9200", "https://***@es.example:9200"),  # refused when used, never shown
        ("https://ops:s3cret@es.example:9200/?via=http://x", "https://***@es.example:9200/?via=http://x"),
    ],
)
def test_the_whole_password_is_masked_whatever_it_holds(url: str, shown: str) -> None:
    config = load_config(environ={"SECOPS_ES_URL": url})
    assert config.redacted()["es"]["url"] == shown


def test_an_error_echoing_a_url_loses_its_whole_password() -> None:
    text = Secrets([]).scrub("POST https://ops:p@ss-s3cret@es.example:9200/_bulk failed")
    assert text == "POST https://***@es.example:9200/_bulk failed"


def test_repr_and_str_of_the_settings_show_no_secret() -> None:
    """What a log line, a debugger or a traceback with locals prints of the configuration."""
    config = load_config(
        environ={"SECOPS_ES_URL": "https://ops:s3cret-pw@es.example:9200", "SECOPS_ES_API_KEY": "a2V5OnMzY3JldA=="}
    )
    for text in (repr(config), str(config), repr(config.es), str(config.es)):
        assert "s3cret" not in text and "a2V5OnMzY3JldA==" not in text
        assert "es.example:9200" in text


@pytest.mark.parametrize(
    "url", ["https://u:pa/ss3cret@127.0.0.1:9", "https://u:s3cret@127.0.0.1:99999", "https://u:s3cret@[bad"]
)
def test_a_url_that_cannot_be_split_is_refused_without_echoing_it(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        connect(EsConfig(url=url))
    assert "s3cret" not in str(refused.value) and "ss3cret" not in str(refused.value)


def test_lists_from_the_environment_split_on_commas_and_paths_on_pathsep() -> None:
    config = load_config(
        environ={
            "SECOPS_SYSLOG_LISTEN": "udp://127.0.0.1:5514, tcp://127.0.0.1:5515",
            "SECOPS_RULES": os.pathsep.join(["/etc/secops/rules", "/opt/sigma"]),
        }
    )
    assert config.syslog.listen == ["udp://127.0.0.1:5514", "tcp://127.0.0.1:5515"]
    assert config.rules == [Path("/etc/secops/rules"), Path("/opt/sigma")]


def test_an_error_names_the_variable_or_the_file_it_came_from(tmp_path: Path) -> None:
    file = tmp_path / "secops.toml"
    file.write_text('timezone = "UTC"\n')
    with pytest.raises(ConfigError) as from_env:
        load_config(file, environ={"SECOPS_BATCH_SIZE": "abc"})
    assert from_env.value.where == "SECOPS_BATCH_SIZE"
    file.write_text("batch_size = 0\n")
    with pytest.raises(ConfigError) as from_file:
        load_config(file, environ={})
    assert from_file.value.where == str(file) and "batch_size" in str(from_file.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('timezone = "Mars/Olympus"', "timezone"),
        ("batch_size = -5", "batch_size"),
        ("[es]\ntimeout = -1", "es.timeout"),
        ('[[detect.suppress]]\nwindow = "sometimes"', "detect.suppress.0.window"),
    ],
)
def test_values_that_would_fail_later_are_refused_when_read(tmp_path: Path, text: str, key: str) -> None:
    file = tmp_path / "secops.toml"
    file.write_text(text + "\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(file, environ={})


def test_a_file_that_is_not_utf8_or_a_secret_path_that_is_a_folder_is_an_error(tmp_path: Path) -> None:
    binary = tmp_path / "secops.toml"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError):
        load_config(binary, environ={})
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o700)
    with pytest.raises(ConfigError, match="regular file"):
        read_secret_file(folder)


def test_a_variable_set_to_nothing_counts_as_not_set(tmp_path: Path) -> None:
    key_file = tmp_path / "es-api-key"
    key_file.write_text("a2V5OnMzY3JldA==\n")
    key_file.chmod(0o600)
    config = load_config(
        environ={"SECOPS_ES_API_KEY": "", "SECOPS_ES_API_KEY_FILE": str(key_file), "SECOPS_DATA_DIR": " "}
    )
    assert config.es.secret("api_key") == "a2V5OnMzY3JldA=="  # not an empty key that sends no credentials
    assert config.resolved_data_dir() != Path(".")  # not the current folder


def test_an_empty_secret_file_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "es-password"
    empty.write_text("\n")
    empty.chmod(0o600)
    with pytest.raises(ConfigError, match="empty"):
        EsConfig(username="secops", password_file=empty).secret("password")


@pytest.mark.parametrize("mode", [0o666, 0o664, 0o602])
def test_a_configuration_file_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    """Its writer would choose es.url, and so where the credentials from the environment go."""
    file = tmp_path / "secops.toml"
    file.write_text('[es]\nurl = "https://es.example:9200"\n')
    file.chmod(mode)
    with pytest.raises(ConfigError, match="writable by others"):
        load_config(file, environ={"SECOPS_ES_API_KEY": "a2V5OnMzY3JldA=="})


def test_a_configuration_file_of_another_user_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ./secops.toml another user left in a shared folder is found by the lookup: it must not be used."""
    require(os.geteuid() == 0, "giving a file to another user needs root")
    monkeypatch.chdir(tmp_path)
    planted = tmp_path / "secops.toml"
    planted.write_text('[es]\nurl = "https://collector.example:9200"\nverify_certs = false\n')
    os.chown(planted, 65534, 65534)
    with pytest.raises(ConfigError, match="another user"):
        load_config(environ={"SECOPS_ES_API_KEY": "a2V5OnMzY3JldA=="})


@pytest.mark.parametrize(
    "text",
    [
        '[es]\napi_key = "a2V5OnMzY3JldA=="',
        '[es]\nusername = "secops"\npassword = "s3cret-pw"',
        '[es]\nurl = "https://secops:s3cret-pw@es.example:9200"',
        '[dashboard]\ntoken = "s3cret-token"',
        '[syslog]\ntls_key_password = "s3cret-pw"',
    ],
)
def test_a_secret_in_a_configuration_file_others_can_read_is_refused(tmp_path: Path, text: str) -> None:
    file = tmp_path / "secops.toml"
    file.write_text(text + "\n")
    file.chmod(0o644)
    with pytest.raises(ConfigError, match="holds a secret") as refused:
        load_config(file, environ={})
    assert "s3cret" not in str(refused.value) and "a2V5OnMzY3JldA==" not in str(refused.value)
    file.chmod(0o600)
    load_config(file, environ={})


def test_a_configuration_file_without_secrets_may_be_read_by_others(tmp_path: Path) -> None:
    file = tmp_path / "secops.toml"
    file.write_text('store = "elasticsearch"\n[es]\nurl = "https://es.example:9200"\napi_key_file = "/etc/k"\n')
    file.chmod(0o644)
    assert load_config(file, environ={}).es.url == "https://es.example:9200"


@pytest.mark.parametrize("text", ['[es]\napikey = "a2V5OnMzY3JldA=="', "[es]\npassword = 736537265"])
def test_a_refused_secret_value_is_not_in_the_error_nor_its_traceback(tmp_path: Path, text: str) -> None:
    file = tmp_path / "secops.toml"
    file.write_text(text + "\n")
    file.chmod(0o600)
    with pytest.raises(ConfigError) as refused:
        load_config(file, environ={})
    shown = "".join(traceback.format_exception(refused.value))
    assert "es." in shown and "a2V5OnMzY3JldA==" not in shown and "736537265" not in shown


def test_a_symlinked_secret_file_is_judged_by_the_file_it_points_to(tmp_path: Path) -> None:
    """As mounted secrets are (a link into a folder of versions): the link's own 0777 does not matter."""
    target = tmp_path / "versions" / "es-password"
    target.parent.mkdir()
    target.write_text("Pw-31c7\n")
    target.chmod(0o600)
    link = tmp_path / "es-password"
    link.symlink_to(target)
    assert read_secret_file(link) == "Pw-31c7"
    target.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        read_secret_file(link)
    target.unlink()
    with pytest.raises(ConfigError, match="cannot read"):
        read_secret_file(link)
