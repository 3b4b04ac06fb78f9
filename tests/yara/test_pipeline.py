"""YARA in the collection pipeline: carved payloads and endpoint file-creation events."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from secops.cases.models import utcnow
from secops.detect.yara_pipeline import (
    YaraHook,
    collector_scanner,
    event_file,
    scan_event_file,
    scan_event_files,
)
from secops.detect.yara_scan import Scanner, ScanOptions
from secops.store import STATE_DB
from secops.store.cases_sqlite import SqliteCaseStore
from tests.yara.conftest import eicar


def _carve(data_dir: Path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    path = data_dir / "carve" / digest[:2] / digest
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    return path


def _created(path: Path, host: str | None = None, *, event_id: str = "ev-1") -> dict[str, object]:
    event: dict[str, object] = {
        "@timestamp": "2026-11-25T10:00:00Z",
        "event": {"id": event_id, "category": ["file"], "type": ["creation"]},
        "file": {"path": str(path)},
    }
    if host:
        event["host"] = {"name": host}
    return event


def test_carved_payload_is_scanned_from_any_host(data_dir: Path, bundled_scanner: Scanner) -> None:
    carved = _carve(data_dir, eicar())
    event = {"event": {"id": "pkt-9", "category": ["network"], "type": ["info"]}, "host": {"name": "elsewhere"}}
    event["file"] = {"path": str(carved)}
    before = utcnow()
    alerts = scan_event_file(event, bundled_scanner, data_dir=data_dir)
    assert [a.rule.name for a in alerts] == ["SECOPS_EICAR_Test_File"]
    assert [e.id for e in alerts[0].events] == ["pkt-9"]
    assert alerts[0].details["file"]["hash"]["sha256"] == carved.name
    assert alerts[0].entities.hosts == ["elsewhere"]
    assert before <= alerts[0].timestamp <= utcnow()  # no event time: the scan time


def test_endpoint_file_creation_on_this_host(data_dir: Path, tmp_path: Path, bundled_scanner: Scanner) -> None:
    dropped = tmp_path / "drop.php"
    dropped.write_text("<?php eval($_POST['x']); ?>")
    here = socket.gethostname()
    assert event_file(_created(dropped, here), data_dir=data_dir) == str(dropped)
    assert event_file(_created(dropped), data_dir=data_dir) == str(dropped)
    alerts = scan_event_file(_created(dropped, here), bundled_scanner, data_dir=data_dir)
    assert [a.rule.name for a in alerts] == ["SECOPS_Webshell_PHP_Request_To_Exec"]
    assert alerts[0].timestamp.isoformat() == "2026-11-25T10:00:00+00:00"  # the event's time
    # Another host's event names a file this collector cannot see; other event kinds name no new file.
    assert event_file(_created(dropped, "not-" + here), data_dir=data_dir) is None
    opened = _created(dropped, here)
    opened["event"] = {"id": "x", "category": ["file"], "type": ["access"]}
    assert event_file(opened, data_dir=data_dir) is None
    assert event_file(_created(tmp_path / "gone.php", here), data_dir=data_dir) is None


def test_batch_hook_scans_each_file_once_and_stores_alerts(
    data_dir: Path, tmp_path: Path, bundled_scanner: Scanner
) -> None:
    carved = _carve(data_dir, eicar())
    clean = tmp_path / "clean.txt"
    clean.write_text("fine")
    batch = [
        {"event": {"id": "a"}, "file": {"path": str(carved)}},
        {"event": {"id": "b"}, "file": {"path": str(carved)}},
        _created(clean, event_id="c"),
        {"event": {"id": "d", "category": ["process"]}},
    ]
    assert [a.rule.name for a in scan_event_files(batch, bundled_scanner, data_dir=data_dir)] == [
        "SECOPS_EICAR_Test_File"
    ]
    store = SqliteCaseStore(data_dir / STATE_DB)
    try:
        hook = YaraHook(bundled_scanner, store, data_dir=data_dir)
        hook(batch)
        hook(batch)
        assert store.count_alerts() == 1
        assert store.alerts()[0].events[0].id == "a"
    finally:
        store.close()


def test_collector_scanner_takes_bundled_and_configured_yara_rules(data_dir: Path, tmp_path: Path) -> None:
    sigma = tmp_path / "sigma.yml"
    sigma.write_text("title: not yara\n")
    mine = tmp_path / "mine.yar"
    mine.write_text('rule Mine_Marker { strings: $m = "MARKER-7" condition: $m }')
    broken = tmp_path / "broken.yar"
    broken.write_text("rule Broken { condition: nope }")
    scanner, problems = collector_scanner([sigma, mine, broken], data_dir)
    assert [p.path for p in problems] == [str(broken)]
    target = tmp_path / "drop.php"
    target.write_text("<?php system($_GET['c']); // MARKER-7")
    found = {m.rule for m in scanner.scan_file(target).matches}
    assert found == {"Mine_Marker", "SECOPS_Webshell_PHP_Request_To_Exec"}
    assert list((data_dir / "cache" / "yara").glob("*.yarc"))


def test_a_relative_path_names_no_file_here(
    data_dir: Path, tmp_path: Path, bundled_scanner: Scanner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """auditd without a CWD record leaves a path relative to the process's directory, unknown here:
    it was resolved against the collector's own working directory and scanned the wrong file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drop.php").write_text("<?php eval($_POST['x']); ?>")
    event = _created(Path("drop.php"), socket.gethostname())
    assert event_file(event, data_dir=data_dir) is None
    assert scan_event_file(event, bundled_scanner, data_dir=data_dir) == []


def test_collect_yara_says_which_files_it_could_not_scan(
    bundled_scanner: Scanner, data_dir: Path, tmp_path: Path
) -> None:
    small = tmp_path / "drop.txt"
    small.write_bytes(eicar())
    big = tmp_path / "image.bin"
    big.write_bytes(b"\0" * 4096)
    scanner = Scanner(bundled_scanner.rules, ScanOptions(max_size=1024))
    store = SqliteCaseStore(data_dir / STATE_DB)
    try:
        hook = YaraHook(scanner, store, data_dir=data_dir)
        hook([_created(small, event_id="a"), _created(big, event_id="b"), _created(tmp_path / "gone", event_id="c")])
        summary = hook.finish()
    finally:
        store.close()
    assert summary == "1 new YARA alerts from 1 files named by events; not scanned or cut short: 1 too large"
