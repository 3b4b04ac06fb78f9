"""The fault test: the node goes away for 20 s in the middle of a 500,000-event ingest.

The store spools while the node is down and replays once it is back;
afterwards the indices must hold every event exactly once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from secops.errors import BackendUnavailable
from secops.ingest import Batcher, BatchHook
from secops.store.elastic import ElasticCaseStore, ElasticEventStore
from secops.store.elastic_events import SPOOL_DIR
from tests.elastic.conftest import make_event
from tests.es_node import EsNode, start_node, store_client

TOTAL = 500_000
BATCH = 5_000
DOWN_SECONDS = 20.0
# Minutes on a shared 2-core machine: 500,000 documents, two node starts, the outage itself.
pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow, pytest.mark.timeout(2400)]


def _bounce(node: EsNode, outage: dict[str, float]) -> None:
    node.stop()
    outage["stopped"] = time.monotonic()
    time.sleep(DOWN_SECONDS)
    outage["starting"] = time.monotonic()
    node.start()
    outage["healthy"] = time.monotonic()


def _watch(spool: Path, seen: list[int]) -> BatchHook:
    """A hook noting how many batches the spool holds each time a batch is durable."""
    return lambda _: seen.append(len(list(spool.glob("*.ndjson"))))


def test_node_stopped_for_20s_during_ingest_loses_and_duplicates_nothing(data_dir: Path) -> None:
    for node in start_node(heap="1g"):
        store = ElasticEventStore(store_client(node.url), data_dir, prefix="fault", read_lag=0)
        spool = data_dir / SPOOL_DIR
        outage: dict[str, float] = {}
        spooled = [0]
        bouncer = threading.Thread(target=_bounce, args=(node, outage))
        # Batches go the way ``collect`` sends them: two requests in flight while the next batch fills.
        batcher = Batcher(store, BATCH, on_batch=_watch(spool, spooled))
        for i in range(TOTAL):
            if i == TOTAL // 5:
                bouncer.start()
            # Four days, so every batch fans out over several daily indices.
            batcher.add(make_event(i, day=f"2026-10-{1 + i % 4:02d}"), "fault-source", i + 1, "fault.log")
        batcher.flush()
        bouncer.join(timeout=300)
        assert outage["starting"] - outage["stopped"] >= DOWN_SECONDS
        assert max(spooled) > 0, "the outage never reached the store: the test proved nothing"
        assert batcher.result.read == TOTAL
        cases = ElasticCaseStore(store_client(node.url), data_dir, prefix="fault")
        assert cases.checkpoint("fault-source").position == TOTAL  # every batch durable: in the node or spooled
        cases.close()

        deadline = time.monotonic() + 300
        while list(spool.glob("*.ndjson")) and time.monotonic() < deadline:
            try:
                store.replay_spool()
            except BackendUnavailable:  # the node may still be recovering its shards: try again
                time.sleep(2)
        assert list(spool.glob("*.ndjson")) == []
        store.refresh()
        assert store.count() == TOTAL

        client = Elasticsearch(node.url, request_timeout=120)
        seen: list[str] = []
        after = None
        while True:
            page = client.search(
                index="fault-events-*",
                size=10_000,
                sort=[{"event.id": "asc"}],
                source=False,
                track_total_hits=False,
                **({"search_after": after} if after else {}),
            )["hits"]["hits"]
            seen.extend(hit["_id"] for hit in page)
            if len(page) < 10_000:
                break
            after = page[-1]["sort"]
        client.close()
        assert len(seen) == TOTAL
        assert seen == [f"e{i:08d}" for i in range(TOTAL)]  # every event, each exactly once
        store.close()
