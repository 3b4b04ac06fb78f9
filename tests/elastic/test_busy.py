"""A busy cluster (429, a tripped circuit breaker) is waited out, not reported as down."""

from __future__ import annotations

import threading

from elasticsearch import Elasticsearch

from secops.store.elastic import ElasticEventStore
from tests.elastic.conftest import make_event

TINY_BREAKER = {"indices.breaker.request.limit": "1b"}


def test_a_tripped_breaker_is_waited_out(event_store: ElasticEventStore, es_client: Elasticsearch) -> None:
    event_store.write([make_event(i) for i in range(30)])
    event_store.refresh()
    es_client.cluster.put_settings(transient=TINY_BREAKER)  # every aggregation now answers 429
    release = threading.Timer(1.5, lambda: es_client.cluster.put_settings(transient=dict.fromkeys(TINY_BREAKER)))
    release.start()
    try:
        assert event_store.top("destination.port") == [(443, 30)]
    finally:
        release.join()
        es_client.cluster.put_settings(transient=dict.fromkeys(TINY_BREAKER))
