"""The EventStore contract, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secops import ecs
from secops.cases.models import Checkpoint
from secops.query import And, Cidr, Exists, Match, Not, Or, Range, Text, Wildcard
from secops.store.base import Window
from tests.store.conftest import Stores

DAY = datetime(2026, 11, 20, tzinfo=UTC)


def make_events(n: int, *, start: datetime = DAY, step: timedelta = timedelta(minutes=7)) -> list[dict]:
    """Varied events: two users, five source IPs, list-valued categories, a field with a space."""
    events = []
    for i in range(n):
        moment = start + i * step
        events.append(
            {
                "@timestamp": moment.isoformat().replace("+00:00", "Z"),
                "event": {
                    "id": f"ev-{i:05d}",
                    "dataset": "test.auth" if i % 2 else "test.net",
                    "category": ["authentication", "network"] if i % 2 else ["network"],
                    "action": "logon-failed" if i % 4 == 1 else "connection",
                    "original": f"raw record {i} user={'alice' if i % 3 == 0 else 'bob'}",
                },
                "source": {"ip": f"10.0.{i % 2}.{i % 5}", "port": 1000 + i},
                "destination": {"ip": "2001:db8::1" if i % 10 == 0 else "192.0.2.10", "port": 22},
                "user": {"name": "alice" if i % 3 == 0 else "bob"},
                "winlog": {"event_data": {"Logon Type": str(i % 4)}},
                "tags": ["t1", "t2"] if i % 5 == 0 else ["t1"],
            }
        )
    return events


def ids(events) -> set[str]:
    return {e["event"]["id"] for e in events}


@pytest.fixture
def loaded(stores: Stores) -> Stores:
    stores.events.write(make_events(300))
    stores.refresh()
    return stores


def test_write_then_count_and_get(loaded: Stores) -> None:
    assert loaded.events.count() == 300
    got = loaded.events.get(["ev-00007", "ev-00123", "missing"])
    assert ids(got) == {"ev-00007", "ev-00123"}
    assert got[0]["event"]["ingested"]  # the store stamps ingest time


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Match("user.name", "alice"), lambda i: i % 3 == 0),
        (Match("user.name", "ALICE", case_insensitive=True), lambda i: i % 3 == 0),
        (Match("event.category", "authentication"), lambda i: i % 2 == 1),
        (Match("tags", "t2"), lambda i: i % 5 == 0),
        (Match("source.port", 1010), lambda i: i == 10),
        (Match("winlog.event_data.Logon Type", "3"), lambda i: i % 4 == 3),
        (Wildcard("event.action", "logon-*"), lambda i: i % 4 == 1),
        (Range("source.port", gte=1100, lt=1110), lambda i: 100 <= i < 110),
        (Cidr("source.ip", "10.0.1.0/24"), lambda i: i % 2 == 1),
        (Cidr("destination.ip", "2001:db8::/32"), lambda i: i % 10 == 0),
        (Exists("tags"), lambda i: True),
        (Not(Match("user.name", "alice")), lambda i: i % 3 != 0),
        (And((Match("user.name", "bob"), Match("source.ip", "10.0.1.1"))), lambda i: i % 3 and i % 2 and i % 5 == 1),
        (Or((Match("source.port", 1001), Match("source.port", 1002))), lambda i: i in (1, 2)),
        (Text("USER=ALICE"), lambda i: i % 3 == 0),
    ],
)
def test_query_semantics(loaded: Stores, query, expected) -> None:
    want = {f"ev-{i:05d}" for i in range(300) if expected(i)}
    assert ids(loaded.events.search(query)) == want
    assert loaded.events.count(query) == len(want)


def test_time_window_is_half_open(loaded: Stores) -> None:
    since, until = DAY + timedelta(minutes=70), DAY + timedelta(minutes=140)
    got = list(loaded.events.search(window=Window(since, until)))
    assert ids(got) == {f"ev-{i:05d}" for i in range(10, 20)}  # 70 min is event 10, 140 min is event 20
    assert loaded.events.count(window=Window(since, until)) == 10


def test_search_order_and_limit(loaded: Stores) -> None:
    newest = list(loaded.events.search(limit=3, newest_first=True))
    assert [e["event"]["id"] for e in newest] == ["ev-00299", "ev-00298", "ev-00297"]
    oldest = list(loaded.events.search(limit=2))
    assert [e["event"]["id"] for e in oldest] == ["ev-00000", "ev-00001"]


def test_top_counts_list_values(loaded: Stores) -> None:
    assert loaded.events.top("user.name") == [("bob", 200), ("alice", 100)]
    assert dict(loaded.events.top("event.category")) == {"network": 300, "authentication": 150}
    assert (
        loaded.events.top("source.ip", Match("user.name", "alice"), size=1)[0][1] == 10
    )  # ten addresses share 100 events


def test_histogram_by_day_and_split(loaded: Stores) -> None:
    buckets = loaded.events.histogram(timedelta(days=1), split="user.name")
    per_day: dict[datetime, int] = {}
    for start, _, n in buckets:
        per_day[start] = per_day.get(start, 0) + n
    assert sum(per_day.values()) == 300
    assert min(per_day) == DAY
    assert per_day[DAY] == 206  # 24 h / 7 min → events 0..205 fall on the first day


def test_read_since_follows_ingest_order_not_event_time(stores: Stores) -> None:
    first = make_events(50)
    late = make_events(5, start=DAY - timedelta(days=3))  # older @timestamp, ingested later
    for e in late:
        e["event"]["id"] = "late-" + e["event"]["id"]
    stores.events.write(first)
    stores.refresh()
    batches = list(stores.events.read_since(None))
    assert sum(len(b.events) for b in batches) == 50
    cursor = batches[-1].cursor
    stores.events.write(late)
    stores.refresh()
    again = list(stores.events.read_since(cursor))
    assert ids(e for b in again for e in b.events) == ids(late)
    assert list(stores.events.read_since(again[-1].cursor)) == [] or all(
        not b.events for b in stores.events.read_since(again[-1].cursor)
    )


def test_read_since_within_a_time_window_keeps_ingest_order(stores: Stores) -> None:
    first = make_events(30, start=DAY, step=timedelta(hours=1))  # 30 hours: two days
    late = make_events(6, start=DAY + timedelta(hours=2), step=timedelta(hours=1))  # ingested later, inside
    for e in late:
        e["event"]["id"] = "late-" + e["event"]["id"]
    stores.events.write(first)
    stores.events.write(late)
    stores.refresh()
    window = Window(DAY + timedelta(hours=3), DAY + timedelta(hours=25))

    read = [e for b in stores.events.read_since(None, batch_size=10, window=window) for e in b.events]

    inside = [e for e in first if window.since <= ecs.parse_ts(e["@timestamp"]) < window.until]
    later = [e for e in late if window.since <= ecs.parse_ts(e["@timestamp"]) < window.until]
    assert len(inside) == 22 and len(later) == 5
    assert ids(read[: len(inside)]) == ids(inside)  # the first write comes first
    assert ids(read[len(inside) :]) == ids(later)


def test_checkpoints_commit_with_the_batch(stores: Stores) -> None:
    stores.events.write(make_events(3), [Checkpoint(key="file-a", position=120, name="/var/log/a")])
    saved = stores.cases.checkpoint("file-a")
    assert saved is not None and saved.position == 120 and saved.name == "/var/log/a"
    assert stores.cases.checkpoint("file-b") is None


def test_prune_deletes_whole_old_days(stores: Stores) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    old = make_events(40, start=now - timedelta(days=100), step=timedelta(hours=1))
    recent = make_events(40, start=now - timedelta(days=1), step=timedelta(minutes=1))
    for e in recent:
        e["event"]["id"] = "new-" + e["event"]["id"]
    stores.events.write(old + recent)
    stores.refresh()
    assert stores.events.count() == 80
    result = stores.events.prune(timedelta(days=90))
    stores.refresh()
    assert result["events_deleted"] == 40
    assert stores.events.count() == 40
    remaining = list(stores.events.search())
    assert min(e["@timestamp"] for e in remaining) >= (now - timedelta(days=2)).isoformat()[:10]


def test_info_reports_counts_and_range(loaded: Stores) -> None:
    info = loaded.events.info()
    assert info["events"] == 300
    assert info["first_event"].startswith("2026-11-20T00:00:00")
    assert info["last_event"].startswith((DAY + 299 * timedelta(minutes=7)).isoformat()[:16])
