"""Pieces the input tests share: a real log line made unique, the stores of a data directory, what they hold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from secops.config import Config
from secops.store import open_case_store, open_event_store
from secops.store.base import CaseStore, EventStore


def asa_line(i: int, tag: str = "t") -> str:
    """A real Cisco ASA line whose user name makes it unique (user.name is a promoted store column); no newline."""
    return f"<166>Nov 24 2026 10:00:00 fw1 : %ASA-7-111009: User '{tag}{i:07d}' executed cmd: show running-config"


@pytest.fixture
def stores(data_dir: Path) -> Iterator[tuple[EventStore, CaseStore]]:
    events, cases = open_event_store(Config(), data_dir), open_case_store(Config(), data_dir)
    yield events, cases
    events.close()
    cases.close()


def stored_users(events: EventStore) -> dict[str, int]:
    """How many stored events name each user."""
    return dict(events.top("user.name", size=10_000_000))
