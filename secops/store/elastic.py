"""The Elasticsearch backend: ``ElasticEventStore`` and ``ElasticCaseStore``.

The pieces live beside this module: ``elastic_client`` (connection, TLS,
secrets), ``elastic_layout`` (index names, templates, setup, retention),
``elastic_bulk`` and ``elastic_spool`` (lossless writes), ``elastic_query``
(query trees as DSL), ``elastic_events`` and ``elastic_cases`` (the stores).
"""

from __future__ import annotations

from secops.store.elastic_cases import ElasticCaseStore
from secops.store.elastic_events import ElasticEventStore

__all__ = ["ElasticCaseStore", "ElasticEventStore"]
