"""``collect file`` run again and again over the same folders, as a scheduled job would, into the real
embedded store: every line is stored once, however the files are named and however they grow."""

from __future__ import annotations

from pathlib import Path

from secops.ingest import IngestResult, ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore
from tests.inputs.conftest import asa_line, stored_users


def collect(paths: list[str | Path], stores: tuple[EventStore, CaseStore]) -> IngestResult:
    return ingest_files(expand(list(paths)), "auto", ParseContext(), *stores, Stats(), batch_size=20_000)


def test_one_file_named_twice_in_one_run_is_stored_once(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "asa.log").write_text("".join(asa_line(i, "u") + "\n" for i in range(300)))
    (logs / "current.log").symlink_to("asa.log")
    collect([logs, logs / "asa.log", f"{logs}/*.log"], stores)
    found = stored_users(stores[0])
    assert len(found) == 300
    assert set(found.values()) == {1}


def test_a_short_file_that_grows_between_runs_is_not_stored_again(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    """A log just rotated is shorter than its fingerprint (1 KiB) at the first run, longer at the next."""
    log = tmp_path / "app.log"
    log.write_text("".join(asa_line(i, "u") + "\n" for i in range(3)))
    assert collect([log], stores).stored == 3
    with log.open("a") as fh:
        fh.write("".join(asa_line(i, "u") + "\n" for i in range(3, 6)))  # still under 1 KiB
    assert collect([log], stores).stored == 3
    with log.open("a") as fh:
        fh.write("".join(asa_line(i, "u") + "\n" for i in range(6, 20)))
    assert collect([log], stores).stored == 14
    with log.open("a") as fh:
        fh.write("".join(asa_line(i, "u") + "\n" for i in range(20, 30)))
    assert collect([log], stores).stored == 10
    found = stored_users(stores[0])
    assert len(found) == 30
    assert set(found.values()) == {1}


def test_another_file_that_starts_like_a_short_one_is_read_whole(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    """Only the same file grown is resumed: another name with the same first lines is another source."""
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("".join(asa_line(i, "u") + "\n" for i in range(3)))
    collect([first], stores)
    second.write_text("".join(asa_line(i, "u") + "\n" for i in range(20)))
    assert collect([second], stores).stored == 20
