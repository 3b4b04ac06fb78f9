"""Helpers for the Elasticsearch backend's own tests (the shared store suite lives in tests/store)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from secops.store.elastic import ElasticEventStore
from tests.es_node import store_client


def make_event(i: int, *, day: str = "2026-11-20", dataset: str = "cisco_asa.log") -> dict:
    """A small firewall-like ECS event with a deterministic id."""
    return {
        "@timestamp": f"{day}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z",
        "event": {"id": f"e{i:08d}", "dataset": dataset, "module": dataset.split(".")[0], "kind": "event"},
        "source": {"ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}", "port": 1024 + i % 60000},
        "destination": {"ip": "192.0.2.10", "port": 443},
        "network": {"transport": "tcp"},
        "message": f"connection {i} built",
    }


@pytest.fixture
def es_client(es_url: str) -> Iterator[Elasticsearch]:
    client = Elasticsearch(es_url)
    yield client
    client.close()


@pytest.fixture
def event_store(es_url: str, es_prefix: str, data_dir: Path) -> Iterator[ElasticEventStore]:
    store = ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix, read_lag=0)
    yield store
    store.close()
