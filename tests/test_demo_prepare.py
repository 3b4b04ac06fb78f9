"""Where the demo may write: an empty directory or an empty store, never somebody's data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secops.demo import MARKER, prepare
from secops.errors import UsageError
from secops.store.embedded import EmbeddedEventStore


def _store_info(data_dir: Path) -> None:
    """What a newcomer may type before the demo; it leaves an empty store behind."""
    env = {**os.environ, "SECOPS_DATA_DIR": str(data_dir)}
    subprocess.run([sys.executable, "-m", "secops", "store", "info"], env=env, check=True, capture_output=True)


def test_an_empty_store_left_by_a_read_command_is_taken(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _store_info(root)
    assert any(root.iterdir())  # the read command did create files
    prepare(root)
    assert (root / MARKER).exists()


def test_stored_events_are_never_replaced(tmp_path: Path) -> None:
    root = tmp_path / "data"
    store = EmbeddedEventStore(root)
    store.write([{"@timestamp": "2026-11-25T10:00:00Z", "event": {"id": "a", "kind": "event"}}])
    store.close()
    with pytest.raises(UsageError, match="did not make"):
        prepare(root)
    assert not (root / MARKER).exists()


def test_a_stray_file_is_somebody_s_data(tmp_path: Path) -> None:
    root = tmp_path / "data"
    _store_info(root)
    (root / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="did not make"):
        prepare(root)
