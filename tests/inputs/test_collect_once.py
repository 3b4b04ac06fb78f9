"""``collect file`` run again and again over the same folders, as a scheduled job would, into the real
embedded store: every line is stored once, however the files are named and however they grow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.config import Config
from secops.ingest import IngestResult, ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store import open_case_store, open_event_store
from secops.store.base import CaseStore, EventStore


def line(i: int) -> str:
    """A real Cisco ASA line made unique by its user name (a promoted store column)."""
    return f"<166>Nov 24 2026 10:00:00 fw1 : %ASA-7-111009: User 'u{i:07d}' executed cmd: show running-config\n"


@pytest.fixture
def stores(data_dir: Path) -> Iterator[tuple[EventStore, CaseStore]]:
    events, cases = open_event_store(Config(), data_dir), open_case_store(Config(), data_dir)
    yield events, cases
    events.close()
    cases.close()


def collect(paths: list[str | Path], stores: tuple[EventStore, CaseStore]) -> IngestResult:
    return ingest_files(expand(list(paths)), "auto", ParseContext(), *stores, Stats(), batch_size=20_000)


def users(events: EventStore) -> dict[str, int]:
    return dict(events.top("user.name", size=1_000_000))


def test_one_file_named_twice_in_one_run_is_stored_once(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "asa.log").write_text("".join(line(i) for i in range(300)))
    (logs / "current.log").symlink_to("asa.log")
    collect([logs, logs / "asa.log", f"{logs}/*.log"], stores)
    found = users(stores[0])
    assert len(found) == 300
    assert set(found.values()) == {1}


def test_a_short_file_that_grows_between_runs_is_not_stored_again(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    """A log just rotated is shorter than its fingerprint (1 KiB) at the first run, longer at the next."""
    log = tmp_path / "app.log"
    log.write_text("".join(line(i) for i in range(3)))
    assert collect([log], stores).stored == 3
    with log.open("a") as fh:
        fh.write("".join(line(i) for i in range(3, 6)))  # still under 1 KiB
    assert collect([log], stores).stored == 3
    with log.open("a") as fh:
        fh.write("".join(line(i) for i in range(6, 20)))
    assert collect([log], stores).stored == 14
    with log.open("a") as fh:
        fh.write("".join(line(i) for i in range(20, 30)))
    assert collect([log], stores).stored == 10
    found = users(stores[0])
    assert len(found) == 30
    assert set(found.values()) == {1}


def test_another_file_that_starts_like_a_short_one_is_read_whole(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    """Only the same file grown is resumed: another name with the same first lines is another source."""
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("".join(line(i) for i in range(3)))
    collect([first], stores)
    second.write_text("".join(line(i) for i in range(20)))
    assert collect([second], stores).stored == 20
