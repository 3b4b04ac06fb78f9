"""Acceptance: follow a file while it grows and is rotated twice, SIGKILL the collector twice; every line once.

The collector is the real ``secops collect file --follow`` in its own process
on a real embedded store. A writer appends unique lines at a steady pace and
rotates like logrotate does: first by renaming (``app.log`` → ``app.log.1``),
then by compressing the previous file (``app.log.1`` → ``app.log.2.gz``) and
renaming again. The collector is killed with SIGKILL at two random moments
and restarted each time; at the end it is stopped with SIGTERM and the store
must hold each written line exactly once.
"""

from __future__ import annotations

import gzip
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from secops.config import Config
from secops.store import open_event_store

LINES = 24_000
PACE = 1_500  # lines per second


def line(i: int) -> str:
    return f"<166>Nov 24 2026 10:00:00 fw1 : %ASA-7-111009: User 'u{i:07d}' executed cmd: show running-config"


def writer(logs: Path, done: threading.Event) -> None:
    log = logs / "app.log"
    fh = log.open("a")
    rotations = {LINES // 3: "rename", 2 * LINES // 3: "compress"}
    started = time.monotonic()
    for i in range(LINES):
        fh.write(line(i) + "\n")
        if i % 200 == 0:
            fh.flush()
            ahead = i / PACE - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        kind = rotations.get(i)
        if kind == "compress":
            with (logs / "app.log.1").open("rb") as src, gzip.open(logs / "app.log.2.gz", "wb") as dst:
                dst.write(src.read())
            (logs / "app.log.1").unlink()
        if kind is not None:
            fh.flush()
            log.rename(logs / "app.log.1")
            fh.write(line(-1)[:0])  # the writer keeps its handle a moment, as daemons do before reopening
            fh.close()
            fh = log.open("a")
    fh.close()
    done.set()


def start_collector(data_dir: Path, logs: Path, config: Path, run: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "secops", "--config", str(config), "--data-dir", str(data_dir)]
    command += ["collect", "file", str(logs / "app.log*"), "--follow", "--batch-size", "700"]
    with (data_dir.parent / f"collector-{run}.err").open("wb") as err:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)


@pytest.mark.slow
def test_every_line_exactly_once_through_two_rotations_and_two_sigkills(tmp_path: Path) -> None:
    data_dir, logs = tmp_path / "data", tmp_path / "logs"
    data_dir.mkdir()
    logs.mkdir()
    config = tmp_path / "secops.toml"
    config.write_text('timezone = "UTC"\n[syslog]\nflush_interval = 0.5\n')
    rng = random.Random(os.environ.get("SECOPS_TEST_SEED", str(time.time_ns())))
    done = threading.Event()
    thread = threading.Thread(target=writer, args=(logs, done), daemon=True)
    thread.start()
    collector = start_collector(data_dir, logs, config, 0)
    events = open_event_store(Config(), data_dir)
    kills: list[tuple[int, int]] = []
    for run in (1, 2):
        before = events.count()
        deadline = time.monotonic() + 60
        while events.count() <= before and time.monotonic() < deadline:  # the collector is storing
            time.sleep(0.1)
        time.sleep(rng.uniform(0.0, 1.5))
        collector.send_signal(signal.SIGKILL)
        collector.wait()
        kills.append((before, events.count()))
        collector = start_collector(data_dir, logs, config, run)
    thread.join(timeout=120)
    assert done.is_set(), "the writer did not finish"
    try:
        deadline = time.monotonic() + 120
        while events.count() < LINES and time.monotonic() < deadline:
            time.sleep(0.5)
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=60)
        assert collector.returncode == 0, (tmp_path / "collector-2.err").read_text(errors="replace")
        assert all(after > before for before, after in kills), f"a collector was killed before storing: {kills}"
        assert events.count() == LINES, f"killed at {kills}: {events.count()} of {LINES} lines stored"
        top = events.top("user.name", size=1)
        assert top[0][1] == 1, f"killed at {kills}: {top[0][0]} stored {top[0][1]} times"
        assert len(events.top("user.name", size=LINES + 1)) == LINES
    finally:
        events.close()
        if collector.poll() is None:
            collector.kill()
            collector.wait()
