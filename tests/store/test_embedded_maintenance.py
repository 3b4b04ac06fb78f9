"""Compaction and retention on the embedded store: counts and time ranges before and after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from secops.query import Match
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
    assert not (tmp_path / "events" / f"day={days[0].date().isoformat()}").exists()
