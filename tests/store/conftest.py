"""One store suite, every backend: each test here runs against each implementation.

``STORES`` maps a backend name to a factory building an (EventStore, CaseStore)
pair over fresh, empty storage. The Elasticsearch backend registers itself
here too, so the same assertions hold for both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from secops.store.base import CaseStore, EventStore
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB


@dataclass
class Stores:
    events: EventStore
    cases: CaseStore
    name: str

    def refresh(self) -> None:
        """Make every write visible to searches (a no-op where writes are visible at once)."""
        hook = getattr(self.events, "refresh", None)
        if hook:
            hook()


Factory = Callable[[pytest.FixtureRequest, Path], Stores]


def embedded(request: pytest.FixtureRequest, path: Path) -> Stores:
    return Stores(EmbeddedEventStore(path), SqliteCaseStore(path / STATE_DB), "embedded")


def elasticsearch(request: pytest.FixtureRequest, path: Path) -> Stores:
    """The real node from tests/es_node.py, under a prefix of this test's own; detection lag off."""

    from secops.store.elastic import ElasticCaseStore, ElasticEventStore
    from tests.es_node import store_client

    url = request.getfixturevalue("es_url")
    prefix = request.getfixturevalue("es_prefix")
    events = ElasticEventStore(store_client(url), path, prefix=prefix, read_lag=0)
    cases = ElasticCaseStore(store_client(url), path, prefix=prefix)
    return Stores(events, cases, "elasticsearch")


STORES: dict[str, Factory] = {"embedded": embedded, "elasticsearch": elasticsearch}


@pytest.fixture(params=sorted(STORES))
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    pair = STORES[request.param](request, tmp_path / "data")
    yield pair
    pair.events.close()
    pair.cases.close()
