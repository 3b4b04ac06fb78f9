"""The command-line contract: help that reads well, one-line errors with exit 2, config lookup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import without_file_capabilities

GROUPS = [
    "collect",
    "store",
    "config",
    "detect",
    "yara",
    "rules",
    "alerts",
    "incidents",
    "ioc",
    "report",
    "audit",
    "es",
]


def secops(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "secops", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def test_root_help_lists_every_group() -> None:
    result = secops("--help")
    assert result.returncode == 0
    for name in [*GROUPS, "parse", "hunt", "demo", "generate", "dashboard"]:
        assert f"  {name} " in result.stdout, name


@pytest.mark.parametrize("group", GROUPS)
def test_each_group_has_help(group: str) -> None:
    result = secops(group, "--help")
    assert result.returncode == 0
    assert "Usage: python -m secops " + group in result.stdout or f"secops {group}" in result.stdout
    assert "Commands:" in result.stdout


@pytest.mark.parametrize("command", ["parse", "hunt", "demo", "generate", "dashboard"])
def test_single_commands_offer_only_their_own_options(command: str) -> None:
    """Shell completion is the root's business, not an option of each single command."""
    result = secops(command, "--help")
    assert result.returncode == 0 and "--help" in result.stdout
    assert "completion" not in result.stdout


def test_unknown_format_is_one_line_exit_2(tmp_path: Path, clean_env: None) -> None:
    log = tmp_path / "x.log"
    log.write_text("hello\n")
    result = secops("parse", str(log), "--format", "no-such-format")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-format" in lines[0] and lines[0].startswith("secops: error:")
    assert result.stdout == ""


def test_missing_file_names_it(tmp_path: Path, clean_env: None) -> None:
    missing = tmp_path / "nope.log"
    result = secops("--data-dir", str(tmp_path / "d"), "collect", "file", str(missing))
    assert result.returncode == 2
    assert result.stderr.strip() == f"secops: error: {missing}: no such file or directory"


def test_unreadable_inputs_are_named_and_the_rest_is_read(tmp_path: Path, clean_env: None) -> None:
    tree = tmp_path / "tree"
    line = "Nov  2 00:00:14 host sshd[1]: Accepted password for bob from 10.0.0.1 port 22 ssh2\n"
    for name in ("a.log", "locked.log", "shut/b.log", "z/c.log"):
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text(line)
    (tree / "locked.log").chmod(0)
    (tree / "shut").chmod(0)
    readable = [str(tree / "a.log"), str(tree / "z" / "c.log")]
    refused = [
        f"{tree / 'locked.log'}: cannot read: Permission denied",
        f"{tree / 'shut'}: cannot read: Permission denied",
    ]
    try:
        base = [sys.executable, "-m", "secops", "--data-dir", str(tmp_path / "data")]
        for command in (["parse", str(tree)], ["collect", "file", str(tree)]):
            run = subprocess.run(
                without_file_capabilities([*base, *command]), capture_output=True, text=True, timeout=120
            )
            assert run.returncode == 0, run.stderr
            assert all(f"secops: warning: {message}" in run.stderr for message in refused), run.stderr
            if command[0] == "parse":
                assert [json.loads(out)["log"]["file"]["path"] for out in run.stdout.splitlines()] == readable
                assert "2 events from 2 files, 0 parse failures, 2 inputs not readable" in run.stderr
            else:
                assert "stored 2 of 2 events read" in run.stderr
    finally:
        (tree / "shut").chmod(0o755)


def test_a_config_location_that_cannot_be_searched_is_an_error(tmp_path: Path, clean_env: None) -> None:
    """Running on defaults could ignore settings a file there holds (HOME left on another user's under sudo)."""
    xdg = tmp_path / "xdg-config"
    xdg.mkdir(mode=0)
    log = tmp_path / "x.log"
    log.write_text("hello\n")
    try:
        command = without_file_capabilities([sys.executable, "-m", "secops", "parse", str(log)])
        run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    finally:
        xdg.chmod(0o755)
    assert run.returncode == 2
    where = xdg / "secops" / "secops.toml"
    assert run.stderr.strip() == (
        f"secops: error: {where}: cannot look for a configuration file here: Permission denied (give one with --config)"
    )
    assert run.stdout == ""


def test_corrupt_segment_is_named(tmp_path: Path, clean_env: None) -> None:
    from secops.store.embedded import EmbeddedEventStore
    from tests.store.test_event_store import make_events

    data = tmp_path / "d"
    store = EmbeddedEventStore(data)
    store.write(make_events(50))
    segment = next((data / "events").rglob("*.parquet"))
    store.close()
    segment.write_bytes(segment.read_bytes()[:-100])  # truncated: footer gone
    result = secops("--data-dir", str(data), "store", "info")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(segment) in lines[0]


def test_store_info_compact_prune_in_json(tmp_path: Path, clean_env: None) -> None:
    from secops.store.embedded import EmbeddedEventStore
    from tests.store.test_event_store import make_events

    data = tmp_path / "d"
    store = EmbeddedEventStore(data)
    for part in range(3):
        batch = make_events(100)
        for e in batch:
            e["event"]["id"] += f"-{part}"
        store.write(batch)
    store.close()
    info = json.loads(secops("--data-dir", str(data), "store", "info", "--format", "json").stdout)
    assert info["events"] == 300 and info["segments"] == 3
    compacted = json.loads(secops("--data-dir", str(data), "store", "compact", "--format", "json").stdout)
    assert compacted["segments_after"] == 1 and compacted["events"] == 300
    pruned = json.loads(
        secops("--data-dir", str(data), "store", "prune", "--older-than", "1d", "--format", "json").stdout
    )
    assert pruned["events_deleted"] == 300  # the sample events are from 2026-11-20
    assert json.loads(secops("--data-dir", str(data), "store", "info", "--format", "json").stdout)["events"] == 0


def test_config_lookup_order_env_override_and_redaction(tmp_path: Path, clean_env: None) -> None:
    (tmp_path / "secops.toml").write_text('data_dir = "/from/cwd"\n[es]\nurl = "https://es.example:9200"\n')
    other = tmp_path / "other.toml"
    other.write_text('data_dir = "/from/env-file"\n')
    shown = json.loads(secops("config", "show", cwd=tmp_path).stdout)
    assert shown["data_dir"] == "/from/cwd" and shown["es"]["url"] == "https://es.example:9200"
    shown = json.loads(secops("config", "show", cwd=tmp_path, env={"SECOPS_CONFIG": str(other)}).stdout)
    assert shown["data_dir"] == "/from/env-file"
    secret = "s3cr3t-api-key-value"
    result = secops(
        "config",
        "show",
        cwd=tmp_path,
        env={"SECOPS_DATA_DIR": "/from/var", "SECOPS_ES_API_KEY": secret, "SECOPS_ES_VERIFY_CERTS": "false"},
    )
    shown = json.loads(result.stdout)
    assert shown["data_dir"] == "/from/var" and shown["es"]["verify_certs"] is False
    assert secret not in result.stdout + result.stderr and shown["es"]["api_key"] == "**********"
    shown = json.loads(secops("--data-dir", "/from/flag", "config", "show", cwd=tmp_path).stdout)
    assert shown["data_dir"] == "/from/flag"


def test_secret_file_must_be_owner_only(tmp_path: Path, clean_env: None) -> None:
    from secops.config import read_secret_file
    from secops.errors import ConfigError

    secret = tmp_path / "key"
    secret.write_text("abc\n")
    secret.chmod(0o644)
    with pytest.raises(ConfigError, match="readable by others"):
        read_secret_file(secret)
    secret.chmod(0o600)
    assert read_secret_file(secret) == "abc"


def test_config_init_writes_a_loadable_file(tmp_path: Path, clean_env: None) -> None:
    assert secops("config", "init", cwd=tmp_path).returncode == 0
    assert secops("config", "init", cwd=tmp_path).returncode == 2  # refuses to overwrite
    shown = json.loads(secops("config", "show", cwd=tmp_path).stdout)
    assert shown["store"] == "embedded" and shown["es"]["verify_certs"] is True


@pytest.mark.parametrize(
    "command", [("config", "init"), ("dashboards", "export-kibana", "-o")], ids=["config-init", "kibana-export"]
)
def test_an_output_path_that_cannot_be_written_is_one_line_naming_it(
    tmp_path: Path, clean_env: None, command: tuple[str, ...]
) -> None:
    target = tmp_path / "no-such-folder" / "out"
    result = secops(*command, str(target), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == f"secops: error: {target}: cannot write here: No such file or directory"
    assert not target.parent.exists()


def test_a_data_directory_that_cannot_be_used_is_one_line_naming_it(tmp_path: Path, clean_env: None) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder\n")
    result = secops("--data-dir", str(occupied), "alerts", "list", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"secops: error: {occupied}: cannot use this as the data directory: it is not a directory"
    )
    shown = secops("--data-dir", str(occupied), "config", "show", cwd=tmp_path)  # still shows where it points
    assert shown.returncode == 0 and json.loads(shown.stdout)["data_dir"] == str(occupied)


def test_detect_schedule_refuses_a_zero_interval_and_waits_out_a_short_one(tmp_path: Path, clean_env: None) -> None:
    data = str(tmp_path / "data")
    refused = secops("--data-dir", data, "detect", "schedule", "--every", "0s")
    assert refused.returncode == 2  # it once re-ran back to back, thousands of runs a minute
    assert refused.stderr.strip() == "secops: error: --every: the interval must be at least 1s, not '0s'"
    started = time.monotonic()
    ran = secops("--data-dir", data, "detect", "schedule", "--every", "1s", "--runs", "2")
    assert ran.returncode == 0, ran.stderr
    assert [line.split(":", 2)[1] for line in ran.stderr.splitlines()] == [" run 1", " run 2"]
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize(
    "args", [("collect", "file", "x.log"), ("collect", "syslog", "--listen", "udp://127.0.0.1:0"), ("detect", "run")]
)
def test_a_batch_size_below_one_is_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    """Zero or less stored one Parquet segment per event (collect) or never advanced (detect)."""
    done = secops("--data-dir", str(tmp_path), *args, "--batch-size", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--batch-size" in done.stderr
