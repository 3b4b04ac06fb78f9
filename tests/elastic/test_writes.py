"""Bulk writes: created once, rejections dead-lettered with the reason, a down cluster spooled."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from secops.cases.models import Checkpoint
from secops.errors import StoreError
from secops.store.elastic import ElasticCaseStore, ElasticEventStore
from secops.store.elastic_bulk import STAMP_SLOT, Prepared, RetryPolicy
from secops.store.elastic_events import DEAD_LETTER_FILE, SPOOL_DIR, SWITCH_INTERVAL
from tests.elastic.conftest import make_event
from tests.es_node import free_port, store_client


def test_rewrite_never_duplicates(event_store: ElasticEventStore) -> None:
    events = [make_event(i) for i in range(500)]
    assert event_store.write(events) == 500
    assert event_store.write([make_event(i) for i in range(500)]) == 0
    event_store.refresh()
    assert event_store.count() == 500


def test_each_event_is_stored_with_the_stamp_it_holds(event_store: ElasticEventStore, es_client) -> None:
    """The stamp goes into the request body and into the events the caller keeps (the batch hooks read them)."""
    events = [make_event(i) for i in range(300)]
    events[5]["message"] = f"a line that names the stamp field: ingested {'0' * len(STAMP_SLOT)}"
    assert event_store.write(events[:100]) == 100
    assert event_store.write(events[100:]) == 200
    event_store.refresh()
    hits = es_client.search(index=f"{event_store.prefix}-events-*", size=300)["hits"]["hits"]
    stored = {hit["_id"]: hit["_source"] for hit in hits}
    assert len(stored) == 300
    assert all(stored[e["event"]["id"]] == e for e in events)  # the whole document, the stamp included
    stamps = {e["event"]["ingested"] for e in events}
    assert len(stamps) <= 2 and STAMP_SLOT not in stamps  # one per request
    assert all(stamp.endswith("Z") and len(stamp) == len("2026-01-01T00:00:00.000Z") for stamp in stamps)


def test_a_submitted_batch_commits_its_checkpoint_only_when_waited_for(
    event_store: ElasticEventStore, es_url: str, es_prefix: str, data_dir: Path
) -> None:
    cases = ElasticCaseStore(store_client(es_url), data_dir, prefix=es_prefix)
    first = event_store.submit([make_event(i) for i in range(400)], [Checkpoint(key="src", position=400, name="f")])
    upto_700 = [Checkpoint(key="src", position=700, name="f")]
    second = event_store.submit([make_event(i) for i in range(400, 700)], upto_700)
    assert cases.checkpoint("src") is None  # both may be in flight: neither has moved the checkpoint
    assert first() == 400
    assert cases.checkpoint("src").position == 400
    assert second() == 300
    assert cases.checkpoint("src").position == 700
    event_store.refresh()
    assert event_store.count() == 700
    cases.close()


def test_waiting_for_a_batch_waits_for_every_earlier_one(
    event_store: ElasticEventStore, es_url: str, es_prefix: str, data_dir: Path
) -> None:
    """Requests in flight together end in either order; a later batch's checkpoint never passes an earlier batch."""
    assert event_store.in_flight >= 2
    cases = ElasticCaseStore(store_client(es_url), data_dir, prefix=es_prefix)
    large = event_store.submit([make_event(i) for i in range(20_000)], [Checkpoint(key="big", position=1, name="b")])
    upto_10 = [Checkpoint(key="src", position=10, name="f")]
    small = event_store.submit([make_event(i) for i in range(20_000, 20_010)], upto_10)
    assert small() == 10  # its request is answered long before the large one's; the wait takes both
    assert cases.checkpoint("src").position == 10
    event_store.refresh()
    assert event_store.count() == 20_010
    assert cases.checkpoint("big") is None  # each batch's own checkpoint still waits for its own wait
    assert large() == 20_000
    assert cases.checkpoint("big").position == 1
    cases.close()


_REFUSED_ID = make_event(0)["event"]["id"]


class _RefusesFirstEvent(ElasticEventStore):
    """Fails the batch holding event 0 as a refused request would, before sending it."""

    def _deliver_or_spool(self, prepared: Prepared) -> int:
        if any(event["event"]["id"] == _REFUSED_ID for _, event in prepared.items):
            raise StoreError("request refused", where="bulk")
        return super()._deliver_or_spool(prepared)


def test_a_failed_batch_fails_every_later_wait(es_url: str, es_prefix: str, data_dir: Path) -> None:
    """Its events are neither stored nor spooled: no checkpoint after it may be committed, whatever the order."""
    store = _RefusesFirstEvent(store_client(es_url), data_dir, prefix=es_prefix, read_lag=0)
    cases = ElasticCaseStore(store_client(es_url), data_dir, prefix=es_prefix)
    first = store.submit([make_event(0)], [Checkpoint(key="src", position=1, name="f")])
    second = store.submit([make_event(1)], [Checkpoint(key="src", position=2, name="f")])
    with pytest.raises(StoreError, match="request refused"):
        second()
    with pytest.raises(StoreError, match="request refused"):
        first()
    third = store.submit([make_event(2)], [Checkpoint(key="src", position=3, name="f")])  # after the failure ended
    with pytest.raises(StoreError, match="request refused"):
        third()
    assert cases.checkpoint("src") is None
    store.close()  # waits for the senders
    reader = ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix, read_lag=0)
    reader.refresh()
    assert reader.count() == 2  # the later batches themselves were sent
    reader.close()
    cases.close()


def test_mapping_rejections_go_to_the_dead_letter_file(event_store: ElasticEventStore, data_dir: Path) -> None:
    events = [make_event(i) for i in range(100)]
    events[7]["source"]["port"] = "not-a-port"  # long field
    events[42]["source"]["ip"] = "999.1.1.1"  # ip field
    assert event_store.write(events) == 98
    event_store.refresh()
    assert event_store.count() == 98
    rows = [orjson.loads(line) for line in (data_dir / DEAD_LETTER_FILE).read_bytes().splitlines()]
    assert {r["id"] for r in rows} == {"e00000007", "e00000042"}
    by_id = {r["id"]: r for r in rows}
    assert "source.port" in by_id["e00000007"]["reason"] and by_id["e00000007"]["status"] == 400
    assert "source.ip" in by_id["e00000042"]["reason"]
    assert by_id["e00000042"]["event"]["source"]["ip"] == "999.1.1.1"  # the record is kept whole


def test_unreachable_cluster_spools_then_replays_without_duplicates(
    es_url: str, es_prefix: str, data_dir: Path
) -> None:
    dead_url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    fast = RetryPolicy(unreachable_attempts=2, first_delay=0.01)
    down = ElasticEventStore(store_client(dead_url), data_dir, prefix=es_prefix, policy=fast)
    checkpoint = Checkpoint(key="src", position=4096, name="/var/log/fw")
    assert down.write([make_event(i) for i in range(300)], [checkpoint]) == 300
    assert down.write([make_event(i) for i in range(200, 400)]) == 200  # overlaps the first batch
    down.close()
    assert len(list((data_dir / SPOOL_DIR).glob("*.ndjson"))) == 2
    cases = ElasticCaseStore(store_client(es_url), data_dir, prefix=es_prefix)
    assert cases.checkpoint("src").position == 4096  # durable in the spool, so the checkpoint moved
    cases.close()

    up = ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix, read_lag=0)
    assert up.replay_spool() == 500
    up.refresh()
    assert up.count() == 400
    assert list((data_dir / SPOOL_DIR).glob("*.ndjson")) == []
    up.close()


def test_read_since_neither_misses_nor_rereads(event_store: ElasticEventStore) -> None:
    seen: list[str] = []
    cursor = None
    for round_ in range(4):
        event_store.write([make_event(round_ * 1000 + i, day=f"2026-0{round_ + 1}-01") for i in range(700)])
        event_store.refresh()
        for batch in event_store.read_since(cursor, batch_size=300):
            seen.extend(e["event"]["id"] for e in batch.events)
            cursor = batch.cursor
    assert len(seen) == 2800 and len(set(seen)) == 2800


def test_read_lag_holds_back_fresh_documents(es_url: str, es_prefix: str, data_dir: Path) -> None:
    store = ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix, read_lag=3600)
    store.write([make_event(i) for i in range(10)])
    store.refresh()
    assert list(store.read_since(None)) == []
    store.close()


def test_the_switch_interval_is_put_back_after_the_last_sender(es_url: str, es_prefix: str, data_dir: Path) -> None:
    before = sys.getswitchinterval()
    first, second = (ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix) for _ in range(2))
    first.write([make_event(1)])
    second.write([make_event(2)])
    first.close()
    assert sys.getswitchinterval() == min(before, SWITCH_INTERVAL)  # the second store still sends
    second.close()
    assert sys.getswitchinterval() == before


def test_events_over_many_days_close_cleanly(event_store: ElasticEventStore, es_client) -> None:
    """Evidence spanning years lands in hundreds of daily indices: refreshing them all must not fail.

    One comma-separated list of 200 index names is longer than the 4,096-byte
    request line Elasticsearch accepts.
    """
    days = [f"{2000 + n // 365}-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}" for n in range(0, 2000, 10)]
    events = [make_event(i, day=day) for i, day in enumerate(days)]
    assert len(set(days)) == 200
    assert event_store.write(events) == 200
    event_store.close()  # refreshes every index it wrote to
    touched = es_client.indices.get(index=f"{event_store.prefix}-events-*")
    assert len(touched) == 200
    assert es_client.count(index=f"{event_store.prefix}-events-*")["count"] == 200
