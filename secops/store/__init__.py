"""Choosing the configured backend: embedded (default) or Elasticsearch."""

from __future__ import annotations

from pathlib import Path

from secops.config import Config
from secops.store.base import CaseStore, EventStore
from secops.store.sqlite import STATE_DB


def open_event_store(config: Config, data_dir: Path) -> EventStore:
    """The event store the configuration names."""
    if config.store == "elasticsearch":
        from secops.store.elastic import ElasticEventStore

        return ElasticEventStore.from_config(config, data_dir)
    from secops.store.embedded import EmbeddedEventStore

    return EmbeddedEventStore(data_dir)


def open_case_store(config: Config, data_dir: Path) -> CaseStore:
    """The case store the configuration names."""
    if config.store == "elasticsearch":
        from secops.store.elastic import ElasticCaseStore

        return ElasticCaseStore.from_config(config, data_dir)
    from secops.store.cases_sqlite import SqliteCaseStore

    return SqliteCaseStore(data_dir / STATE_DB)
