"""One-shot ingestion: batches, checkpoints, re-runs that neither duplicate nor skip."""

from __future__ import annotations

from pathlib import Path

from secops.ingest import ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB


def lines(first: int, count: int) -> str:
    return "".join(
        f"Nov 20 10:00:{i % 60:02d} host sshd[{i}]: Failed password for root from 10.0.0.{i % 250} port {i} ssh2\n"
        for i in range(first, first + count)
    )


def run(path: Path, data: Path, batch_size: int = 7) -> tuple[int, Stats]:
    events, cases = EmbeddedEventStore(data), SqliteCaseStore(data / STATE_DB)
    stats = Stats()
    result = ingest_files(expand([path]), "linux-auth", ParseContext(), events, cases, stats, batch_size=batch_size)
    events.close()
    cases.close()
    return result.stored, stats


def test_rerun_and_append_ingest_each_line_once(tmp_path: Path) -> None:
    log, data = tmp_path / "auth.log", tmp_path / "data"
    log.write_text(lines(0, 40))
    assert run(log, data)[0] == 40
    assert run(log, data)[0] == 0  # checkpoint at the end: nothing again
    with log.open("a") as fh:
        fh.write(lines(40, 15))
    stored, stats = run(log, data)
    assert stored == 15 and stats.failures == 0
    store = EmbeddedEventStore(data)
    events = list(store.search())
    assert len(events) == 55 == len({e["event"]["id"] for e in events})
    assert sorted(e["process"]["pid"] for e in events) == list(range(55))


def test_bad_lines_are_kept_and_counted(tmp_path: Path) -> None:
    log, data = tmp_path / "mixed.log", tmp_path / "data"
    log.write_text(lines(0, 3) + "\x00\x01 binary junk \x1b[31m\n" + lines(3, 2))
    stored, stats = run(log, data)
    assert stored == 6
    failed = [e for e in EmbeddedEventStore(data).search() if "_parse_failure" in e.get("tags", [])]
    assert len(failed) == stats.failures == 1
    assert failed[0]["event"]["original"] == "\x00\x01 binary junk \x1b[31m"
    assert "record 4" in stats.warnings[0] and str(log) in stats.warnings[0]
