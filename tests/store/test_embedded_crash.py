"""SIGKILL mid-ingest, then ingest again: no corrupt segment, no duplicate, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from secops.store.catalog import Catalog
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB

LINES = 200_000


def auth_log(path: Path) -> None:
    with path.open("w") as fh:
        for i in range(LINES):
            fh.write(
                f"Nov 20 10:{i // 3600 % 60:02d}:{i % 60:02d} host{i % 7} sshd[{1000 + i}]: "
                f"Failed password for user{i % 50} from 10.1.{i % 200}.{i % 250} port {1024 + i % 60000} ssh2\n"
            )


def collect(data: Path, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "secops",
            "--data-dir",
            str(data),
            "collect",
            "file",
            str(log),
            "--format",
            "linux-auth",
            "--batch-size",
            "5000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def committed_batches(data: Path) -> int:
    if not (data / STATE_DB).exists():
        return 0
    catalog = Catalog(data / STATE_DB)
    try:
        return catalog.conn.execute("SELECT count(*) FROM batches WHERE state='committed'").fetchone()[0]
    finally:
        catalog.close()


def test_sigkill_mid_ingest_then_rerun(tmp_path: Path) -> None:
    log, data = tmp_path / "auth.log", tmp_path / "data"
    auth_log(log)
    for kill_after in (3, 12):  # two kills at different depths
        proc = collect(data, log)
        deadline = time.monotonic() + 120
        while committed_batches(data) < kill_after and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        assert proc.poll() is None, "ingest finished before it could be killed; make the input larger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
    final = collect(data, log)
    _, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()

    store = EmbeddedEventStore(data)
    info = store.info()  # checks every live segment's footer: no corrupt segment
    assert info["events"] == LINES
    ids = [e["event"]["id"] for e in store.search()]
    assert len(ids) == LINES and len(set(ids)) == LINES
    offsets = sorted(e["log"]["offset"] for e in store.search())
    assert offsets[0] == 0 and len(set(offsets)) == LINES
    # What the killed writers left half-done was swept: every file on disk is a live segment.
    on_disk = {str(p.relative_to(data / "events")) for p in (data / "events").rglob("*") if p.is_file()}
    assert on_disk == {s.path for s in store.catalog.live()}
