"""A time in a hunt covers what it names: ``@timestamp:2026-11-20`` is that day, as in Kibana and on Elasticsearch."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from secops.errors import UsageError
from secops.store.embedded import EmbeddedEventStore
from tests.triage.conftest import Cli
from tests.triage.factory import T0, event


@pytest.fixture
def spread(data_dir: Path) -> Path:
    """100 events 20 minutes apart from 2026-11-20T12:00:00Z (to 2026-11-21T21:00), odd ones 30 s later."""
    events = EmbeddedEventStore(data_dir)
    events.write([event(n, at=T0 + timedelta(minutes=20 * n, seconds=30 * (n % 2))) for n in range(100)])
    events.close()
    return data_dir


def ids(cli: Cli, query: str) -> set[int]:
    found = cli("hunt", query, "--limit", "1000", "--format", "json").json()
    return {int(e["event"]["id"][3:]) for e in found}


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ("@timestamp:2026-11-20", set(range(36))),  # 12:00 to 23:40 on the 20th
        ('@timestamp:"2026-11-20T13"', {3, 4, 5}),  # 13:00:30, 13:20, 13:40:30
        ('@timestamp:"2026-11-20T13:00"', {3}),  # 13:00:30 lies within that minute
        ('@timestamp:"2026-11-20T13:00:30Z"', {3}),
        ("@timestamp:[2026-11-21 TO 2026-11-21]", set(range(36, 100))),
        ('@timestamp:[* TO "2026-11-20T13:00"]', set(range(4))),  # inclusive: to the end of that minute
        ('@timestamp:<"2026-11-20T13:00"', set(range(3))),
        ("@timestamp:>2026-11-20", set(range(36, 100))),  # after that day, not after its midnight
        ("@timestamp:>=2026-11-21", set(range(36, 100))),
        ("@timestamp:{2026-11-20 TO 2026-11-22}", set(range(36, 100))),
    ],
)
def test_a_written_time_covers_its_precision(cli: Cli, spread, query: str, wanted: set[int]) -> None:
    assert ids(cli, query) == wanted


def test_a_time_that_is_not_one_is_a_usage_error_naming_the_field(cli: Cli, spread) -> None:
    ran = cli("hunt", "@timestamp:yesterday", expect=None)
    assert isinstance(ran.exception, UsageError)
    assert "@timestamp" in str(ran.exception) and "not a time" in str(ran.exception)
