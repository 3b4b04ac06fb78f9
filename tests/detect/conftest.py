"""Helpers for engine tests: rules written inline, evaluated by the real engine; a store for job tests."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from secops.config import DetectConfig
from secops.detect.detector import Detector
from secops.detect.rules import load_rules
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB


@pytest.fixture
def detector(tmp_path: Path) -> Callable[..., Detector]:
    """Build a detector from YAML text (one or several documents)."""

    def build(text: str, config: DetectConfig | None = None) -> Detector:
        path = tmp_path / f"rule{len(list(tmp_path.iterdir()))}.yml"
        path.write_text(textwrap.dedent(text), "utf-8")
        return Detector(load_rules([path]), config)

    return build


RULE = """
title: Marked event
id: 66666666-6666-4666-8666-666666666666
taxonomy: ecs
logsource: {product: test}
detection:
  s: {process.command_line|contains: 'evil-marker'}
  condition: s
level: high
"""


def events(start: int, count: int, every: int = 3) -> list[dict]:
    """Process events ``ev-<i>`` on host h1; every ``every``-th one carries the marker ``RULE`` matches."""
    out = []
    for i in range(start, start + count):
        cmd = f"run evil-marker {i}" if i % every == 0 else f"run job {i}"
        out.append(
            {
                "@timestamp": f"2026-02-01T00:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                "event": {
                    "id": f"ev-{i}",
                    "kind": "event",
                    "category": ["process"],
                    "type": ["start"],
                    "dataset": "t.t",
                },
                "process": {"command_line": cmd},
                "host": {"name": "h1"},
            }
        )
    return out


@pytest.fixture
def stores(tmp_path: Path):
    """An embedded store, its case store, a rules folder holding ``RULE``, and the data directory."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yml").write_text(RULE, "utf-8")
    data = tmp_path / "data"
    data.mkdir()
    ev, cases = EmbeddedEventStore(data), SqliteCaseStore(data / STATE_DB)
    yield ev, cases, rules, data
    ev.close()
    cases.close()
