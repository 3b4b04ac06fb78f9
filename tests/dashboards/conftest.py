"""The store-suite fixture, so each evaluation test runs on the embedded store and on Elasticsearch."""

from tests.store.conftest import stores  # noqa: F401 - a fixture, used by name
