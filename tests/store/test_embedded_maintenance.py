"""Compaction and retention on the embedded store: counts and time ranges before and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from secops.query import Match
from secops.store.base import Window
from secops.store.catalog import DELETE_GRACE_SECONDS
from secops.store.embedded import EmbeddedEventStore
from tests.store.test_event_store import make_events


def test_compaction_merges_segments_and_keeps_every_event(tmp_path: Path) -> None:
    store = EmbeddedEventStore(tmp_path)
    start = datetime(2026, 11, 20, tzinfo=UTC)
    for part in range(6):  # six batches over two days: twelve small segments
        batch = make_events(100, start=start + timedelta(hours=8 * part), step=timedelta(minutes=5))
        for e in batch:
            e["event"]["id"] = f"{part}-{e['event']['id']}"
        store.write(batch)
    before = store.info()
    per_day: dict[str, int] = {}
    for segment in store.catalog.live():
        per_day[segment.day] = per_day.get(segment.day, 0) + 1
    alice_before = store.count(Match("user.name", "alice"))
    first_cursor_events = sum(len(b.events) for b in store.read_since(None))
    result = store.compact()
    after = store.info()
    assert before["segments"] > after["segments"] == after["partitions"]
    assert result["segments_merged"] == sum(n for n in per_day.values() if n > 1)  # a lone segment stays
    assert (after["events"], after["first_event"], after["last_event"]) == (
        before["events"],
        before["first_event"],
        before["last_event"],
    )
    assert store.count(Match("user.name", "alice")) == alice_before
    # Ingest order survives compaction: a detection cursor taken before reads nothing new after.
    assert first_cursor_events == 600
    cursor = str(store.catalog.safe_seq())
    assert sum(len(b.events) for b in store.read_since(cursor)) == 0
    assert sum(len(b.events) for b in store.read_since("3")) == 300  # batches 4..6, now inside merged files


def test_prune_removes_only_whole_days_older_than_the_cutoff(tmp_path: Path) -> None:
    store = EmbeddedEventStore(tmp_path)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=d) for d in (40, 31, 29, 1)]
    for n, day in enumerate(days):
        batch = make_events(24, start=day.replace(hour=0), step=timedelta(hours=1))
        for e in batch:
            e["event"]["id"] = f"{n}-{e['event']['id']}"
        store.write(batch)
    assert store.info()["partitions"] == 4
    result = store.prune(timedelta(days=30))
    info = store.info()
    assert result["partitions_deleted"] == 2 and result["events_deleted"] == 48
    assert info["partitions"] == 2 and info["events"] == 48
    assert info["first_day"] == days[2].date().isoformat()
    assert store.count() == 48 and len(list(store.search())) == 48


def _old_day_with_retired_segments(store: EmbeddedEventStore) -> tuple[Path, int]:
    """Three batches on a day past retention plus one recent, the old day compacted: one live file, three retired."""
    old = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=40)
    for n in range(3):
        batch = make_events(10, start=old + timedelta(hours=n), step=timedelta(minutes=1))
        for e in batch:
            e["event"]["id"] = f"{n}-{e['event']['id']}"
        store.write(batch)
    store.write(make_events(5, start=datetime.now(UTC) - timedelta(hours=2), step=timedelta(minutes=1)))
    store.compact()
    folder = store.root / f"day={old.date().isoformat()}"
    return folder, len(list(folder.iterdir()))


def _grace_passes(store: EmbeddedEventStore) -> None:
    """What the grace period does to the catalog and to a writer that has been running through it."""
    store.catalog.conn.execute(f"UPDATE segments SET dead_since = dead_since - {DELETE_GRACE_SECONDS + 1}")
    store._reaped_at -= DELETE_GRACE_SECONDS


def test_a_query_that_listed_segments_before_a_prune_still_reads_them(tmp_path: Path) -> None:
    store = EmbeddedEventStore(tmp_path)
    folder, files = _old_day_with_retired_segments(store)
    listed = store._segments(Window())  # a hunt in another process took the live list just before the prune
    assert store.prune(timedelta(days=30))["events_deleted"] == 30
    assert len(list(folder.iterdir())) == files  # nothing deleted under the running query
    read = store._run(f"SELECT count(*) FROM {store._source(listed)}", listed).fetchone()
    assert read is not None and read[0] == 35
    assert store.count() == 5  # while new queries no longer see the old day


@pytest.mark.parametrize("then", ["prune", "compact", "write in a new process", "write in a long-running writer"])
def test_every_file_of_a_pruned_day_goes_once_the_grace_period_is_over(tmp_path: Path, then: str) -> None:
    store = EmbeddedEventStore(tmp_path)
    folder, files = _old_day_with_retired_segments(store)
    assert files == 4  # the merged segment and the three it replaced
    store.prune(timedelta(days=30))
    assert len(list(folder.iterdir())) == files  # still in their grace period
    _grace_passes(store)
    recent = make_events(1, start=datetime.now(UTC) - timedelta(hours=1))
    recent[0]["event"]["id"] = "late"
    if then == "prune":
        assert store.prune(timedelta(days=30))["files_removed"] == files
    elif then == "compact":
        store.compact()
    elif then == "write in a new process":
        store.close()
        store = EmbeddedEventStore(tmp_path)
        store.write(recent)
    else:
        store.write(recent)
    assert not folder.exists()
    assert store.catalog.conn.execute("SELECT count(*) FROM segments WHERE dead_since IS NOT NULL").fetchone()[0] == 0
    assert store.count() == 5 + (then.startswith("write"))
