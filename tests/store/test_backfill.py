"""``detect backfill``: rules over stored events by event time, on every backend, beside scheduled runs.

Three days of process events, a marker rule and a correlation over it. A
backfill of the middle day alerts on exactly that day's markers and fires the
correlation once; it leaves the scheduled job's watermark alone, so the next
scheduled run still reads everything and adds only the other days' alerts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from secops.detect.jobs import WATERMARK, backfill, run_once
from secops.store import elastic_detect
from secops.store.base import Window
from secops.store.embedded import EmbeddedEventStore
from secops.timespec import parse_moment
from tests.store.conftest import Stores

MARKER = "77777777-7777-4777-8777-777777777771"
BURST = "77777777-7777-4777-8777-777777777772"
RULES = f"""\
title: Marked process
id: {MARKER}
name: marked
taxonomy: ecs
logsource: {{product: test}}
detection:
    s: {{process.command_line|contains: 'evil-marker'}}
    condition: s
level: high
---
title: Marked processes in a burst
id: {BURST}
correlation:
    type: event_count
    rules: [marked]
    generate: true
    group-by: [host.name]
    timespan: 1h
    condition: {{gte: 3}}
level: critical
"""
DAYS = ("2026-03-01", "2026-03-02", "2026-03-03")


def _events() -> list[dict]:
    """Ten events a day, a minute apart, on one host per day; every third is marked."""
    out = []
    for number in range(30):
        day, minute = DAYS[number // 10], number % 10
        command = f"run evil-marker {number}" if number % 3 == 0 else f"run job {number}"
        out.append(
            {
                "@timestamp": f"{day}T10:{minute:02d}:00.000Z",
                "event": {"id": f"bf-{number:02d}", "kind": "event", "category": ["process"], "dataset": "t.t"},
                "process": {"command_line": command},
                "host": {"name": f"host-{day}"},
            }
        )
    return out


def _marked(stores: Stores, rule: str) -> set[str]:
    return {e.id for a in stores.cases.alerts() if a.rule.id == rule for e in a.events}


def test_backfill_alerts_on_its_window_and_leaves_scheduled_runs_alone(
    stores: Stores, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On Elasticsearch, make the cluster answer the rules (the read-once path has its own test).
    monkeypatch.setattr(elastic_detect, "SCAN_PER_SEARCH", 0)
    rules = tmp_path / "rules.yml"
    rules.write_text(RULES)
    events = _events()
    stores.events.write(events)
    stores.refresh()
    data = tmp_path / "data"

    window = Window(parse_moment("2026-03-02"), parse_moment("2026-03-03"))
    filled = backfill(stores.events, stores.cases, [rules], data, window)

    assert filled.problems == []
    assert filled.events == 10
    assert _marked(stores, MARKER) == {"bf-12", "bf-15", "bf-18"}
    bursts = [a for a in stores.cases.alerts() if a.rule.id == BURST]
    assert len(bursts) == 1 and {e.id for e in bursts[0].events} == {"bf-12", "bf-15", "bf-18"}
    assert stores.cases.watermark(WATERMARK) is None

    again = backfill(stores.events, stores.cases, [rules], data, window)
    assert again.new_alerts == 0 and again.alerts == filled.alerts

    scheduled = run_once(stores.events, stores.cases, [rules], data)
    assert scheduled.events == 30
    every_marker = {e["event"]["id"] for e in events if "evil-marker" in e["process"]["command_line"]}
    assert _marked(stores, MARKER) == every_marker
    per_event = [a for a in stores.cases.alerts() if a.rule.id == MARKER]
    assert len(per_event) == len(every_marker)  # the backfilled ones merged, not doubled


def test_backfill_command(tmp_path: Path) -> None:
    rules, data = tmp_path / "rules.yml", tmp_path / "data"
    rules.write_text(RULES)
    store = EmbeddedEventStore(data)
    store.write(_events())
    store.close()
    env = {**os.environ, "SECOPS_DATA_DIR": str(data)}
    command = [sys.executable, "-m", "secops", "detect", "backfill", "--rules", str(rules), "--no-bundled"]

    done = subprocess.run(
        [*command, "--since", "2026-03-02", "--until", "2026-03-03"], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "10 events, 4 new alerts" in done.stderr  # three marked processes and their burst

    backwards = subprocess.run(
        [*command, "--since", "2026-03-03", "--until", "2026-03-02"], capture_output=True, text=True, env=env
    )
    assert backwards.returncode == 2 and "--until must be after --since" in backwards.stderr
