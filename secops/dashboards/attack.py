"""The ATT&CK matrix of the console: tactics as columns, techniques as cells, counted from alerts.

Tactic and technique names are ATT&CK facts kept in ``attack.toml``; the
counts come from the technique ids alerts carry (their rules' tags). A
technique that the file does not list still shows, under the tactics of an
alert that names it, with its id as its name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from secops.store.base import AlertFilter, CaseStore

UNKNOWN_TACTIC = ("", "unknown", "Unknown tactic")


@dataclass(frozen=True, slots=True)
class Attack:
    tactics: list[tuple[str, str, str]]
    """(id, short name, name) in matrix order."""
    techniques: dict[str, tuple[str, tuple[str, ...]]]
    """Technique id → (name, tactic short names)."""


@cache
def attack() -> Attack:
    data = tomllib.loads((resources.files("secops.dashboards") / "attack.toml").read_text("utf-8"))
    tactics = [(t[0], t[1], t[2]) for t in data["tactics"]]
    techniques = {tid: (spec[0], tuple(spec[1:])) for tid, spec in data["techniques"].items()}
    return Attack(tactics, techniques)


def matrix(cases: CaseStore, flt: AlertFilter) -> list[dict[str, Any]]:
    """One row per (tactic, technique) cell, in matrix order: the listed techniques plus every one alerts name."""
    known = attack()
    counts = dict(cases.alert_counts(flt, "technique", size=10_000))
    cells: dict[str, list[tuple[str, str]]] = {short: [] for _, short, _ in known.tactics}
    for tid, (name, tactics) in known.techniques.items():
        for tactic in tactics:
            cells.setdefault(tactic, []).append((tid, name))
    for tid in counts:
        if tid in known.techniques:
            continue
        sample = cases.alerts(AlertFilter(technique=tid, window=flt.window), limit=1)
        seen = (sample[0].tactics if sample else []) or [UNKNOWN_TACTIC[1]]
        for tactic in seen:
            cells.setdefault(tactic, []).append((tid, tid))
    names = {short: name for _, short, name in known.tactics}
    names[UNKNOWN_TACTIC[1]] = UNKNOWN_TACTIC[2]
    rows = []
    for tactic, techniques in cells.items():
        for tid, name in sorted(techniques):
            rows.append(
                {
                    "tactic": tactic,
                    "tactic_name": names.get(tactic, tactic),
                    "technique": tid,
                    "name": name,
                    "count": counts.get(tid, 0),
                }
            )
    return rows
