"""Two collectors on one data directory at once (a scheduled run overlapping the last one, a follower and
a run by hand): each source is read by one of them, so nothing is stored twice."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from collectors.tail import Follower
from secops.ingest import SOURCE_LOCKS, SourceLocks, ingest_files
from secops.inputs import expand
from secops.pipeline import Stats, open_input
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore
from tests.inputs.conftest import asa_line

HOLD = """
import sys
from pathlib import Path
from secops.ingest import SourceLocks
locks = SourceLocks(Path(sys.argv[1]))
assert locks.acquire(sys.argv[2])
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "asa.log"
    path.write_text("".join(asa_line(i, "u") + "\n" for i in range(200)))
    return path


def hold(data_dir: Path, path: Path) -> subprocess.Popen[str]:
    """Another collector process, reading ``path`` (it holds its source lock until its stdin closes)."""
    key = next(open_input(source, "auto").key for source in expand([path]))
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data_dir / SOURCE_LOCKS), key],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdout.readline() == "held\n"
    return other


def let_go(other: subprocess.Popen[str]) -> None:
    assert other.stdin is not None and other.stdout is not None
    other.stdin.close()
    other.wait(timeout=30)
    other.stdout.close()


def test_a_file_another_collector_is_reading_is_left_to_it(
    data_dir: Path, log: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    other = hold(data_dir, log)
    try:
        stats = Stats()
        with SourceLocks(data_dir / SOURCE_LOCKS) as locks:
            result = ingest_files(expand([log]), "auto", ParseContext(), *stores, stats, locks=locks)
        assert result.stored == 0
        assert stats.warnings == [f"{log}: skipped: another collector is reading this file now"]
    finally:
        let_go(other)
    with SourceLocks(data_dir / SOURCE_LOCKS) as locks:
        result = ingest_files(expand([log]), "auto", ParseContext(), *stores, Stats(), locks=locks)
    assert result.stored == 200


def test_a_follower_waits_for_the_other_collector_and_then_reads_the_file(
    data_dir: Path, log: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    other = hold(data_dir, log)
    stats = Stats()
    locks = SourceLocks(data_dir / SOURCE_LOCKS)
    follower = Follower([str(log)], "auto", ParseContext(), *stores, stats, locks=locks)
    try:
        for _ in range(3):
            follower.poll()
        follower.flush()
        assert stores[0].count() == 0
        assert stats.warnings == [f"{log}: another collector is reading this file; waiting for it to finish"]
        let_go(other)
        deadline = time.monotonic() + 10
        while stores[0].count() < 200 and time.monotonic() < deadline:
            follower.poll()
            follower.flush()
        assert stores[0].count() == 200
    finally:
        follower.close()
        locks.close()
        if other.poll() is None:
            let_go(other)
