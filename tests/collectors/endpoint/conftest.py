"""Fixtures for the endpoint collector tests: where the shared samples are."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def evtx_dir(shared_data: Path) -> Path:
    return shared_data / "endpoint" / "evtx"


@pytest.fixture(scope="session")
def evtx_files(evtx_dir: Path) -> list[Path]:
    files = sorted(evtx_dir.rglob("*.evtx"))
    assert len(files) > 300, "the shared EVTX samples are incomplete"
    return files
