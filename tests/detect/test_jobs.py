"""Scheduled detection over the embedded store: ingest order, the lock, and crashes.

Real store, real processes: overlapping ``secops detect run`` invocations and a
SIGKILL in the middle of a run must neither lose nor duplicate an alert.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from secops.detect.jobs import WATERMARK, job_lock, run_once
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.sqlite import STATE_DB
from tests.detect.conftest import events


def marked(cases: SqliteCaseStore) -> list[str]:
    return sorted(e.id for a in cases.alerts() for e in a.events)


def test_runs_follow_ingest_order_and_pick_up_what_arrived_later(stores) -> None:
    ev, cases, rules, data = stores
    ev.write(events(0, 30))
    first = run_once(ev, cases, [rules], data)
    assert (first.events, first.new_alerts) == (30, 10)
    again = run_once(ev, cases, [rules], data)
    assert (again.events, again.new_alerts) == (0, 0)
    ev.write(events(30, 6))
    late = run_once(ev, cases, [rules], data)
    assert (late.events, late.new_alerts) == (6, 2)
    assert marked(cases) == sorted(f"ev-{i}" for i in range(0, 36, 3))


def test_lock_refuses_an_overlapping_run(stores) -> None:
    ev, cases, rules, data = stores
    ev.write(events(0, 3))
    env = {**os.environ, "SECOPS_DATA_DIR": str(data)}
    with job_lock(data):
        done = subprocess.run(
            [sys.executable, "-m", "secops", "detect", "run", "--rules", str(rules), "--no-bundled"],
            capture_output=True,
            text=True,
            env=env,
        )
    assert done.returncode == 2 and "another detection run" in done.stderr
    assert cases.alerts() == []


def cli_run(rules: Path, data: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "SECOPS_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "secops", "detect", "run", "--rules", str(rules), "--no-bundled", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_overlapping_runs_give_each_alert_once(stores) -> None:
    ev, cases, rules, data = stores
    for start in range(0, 30_000, 10_000):
        ev.write(events(start, 10_000))
    a = cli_run(rules, data, "--wait", "120", "--batch-size", "2000")
    b = cli_run(rules, data, "--wait", "120", "--batch-size", "2000")
    (_, err_a), (_, err_b) = a.communicate(timeout=300), b.communicate(timeout=300)
    assert a.returncode == 0 and b.returncode == 0, (err_a, err_b)
    ids = marked(cases)
    assert ids == sorted(f"ev-{i}" for i in range(0, 30_000, 3))
    assert len(cases.alerts()) == 10_000


def watermark(data: Path) -> str | None:
    with sqlite3.connect(data / STATE_DB) as db:
        try:
            row = db.execute("select cursor from watermarks where name = ?", (WATERMARK,)).fetchone()
        except sqlite3.OperationalError:
            return None
    return row[0] if row else None


@pytest.mark.slow
def test_sigkill_mid_run_loses_and_duplicates_nothing(stores) -> None:
    ev, cases, rules, data = stores
    for start in range(0, 60_000, 10_000):
        ev.write(events(start, 10_000))
    victim = cli_run(rules, data, "--batch-size", "1000")
    deadline = time.monotonic() + 120
    while watermark(data) is None and time.monotonic() < deadline and victim.poll() is None:
        time.sleep(0.01)
    assert victim.poll() is None, "the run finished before it could be killed"
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert watermark(data) is not None
    survivor = cli_run(rules, data)
    _, err = survivor.communicate(timeout=300)
    assert survivor.returncode == 0, err
    assert marked(cases) == sorted(f"ev-{i}" for i in range(0, 60_000, 3))
    assert len(cases.alerts()) == 20_000


SSH_RULE = """
title: Failed SSH password
id: 77777777-7777-4777-8777-777777777777
taxonomy: ecs
logsource: {product: linux, service: auth}
detection:
  s: {event.outcome: failure, event.action: ssh_login}
  condition: s
level: low
"""


def test_collect_with_detect_stores_alerts_and_a_later_run_adds_none(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yml").write_text(SSH_RULE, "utf-8")
    lines = []
    for i in range(9):
        what = (
            f"Failed password for alice from 198.51.100.{i} port 4{i}22 ssh2"
            if i % 3 == 0
            else (f"Accepted password for bob from 10.0.0.{i} port 5{i}22 ssh2")
        )
        lines.append(f"Mar  2 10:00:0{i} web01 sshd[10{i}]: {what}\n")
    log = tmp_path / "auth.log"
    log.write_text("".join(lines), "utf-8")
    data = tmp_path / "data"
    env = {**os.environ, "SECOPS_DATA_DIR": str(data), "SECOPS_RULES": str(rules)}
    secops = [sys.executable, "-m", "secops"]
    done = subprocess.run([*secops, "collect", "file", str(log), "--detect"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert "3 new Sigma alerts" in done.stderr, done.stderr
    cases = SqliteCaseStore(data / STATE_DB)
    try:
        assert len(cases.alerts()) == 3
        again = subprocess.run([*secops, "detect", "run"], capture_output=True, text=True, env=env)
        assert again.returncode == 0 and "0 new alerts" in again.stderr, again.stderr
        assert len(cases.alerts()) == 3
    finally:
        cases.close()
