"""What the console can be asked, independent of HTTP: dashboards, panel data, triage actions.

Store access is serialised by one lock: the SQLite case store shares one
connection, and a local console gains nothing from running several queries
at once on a two-core machine. Panel results are kept for a few seconds, so
several screens on the same dashboard cost one evaluation; any triage action
drops them, so a queue never shows an alert that was just acknowledged.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from secops.cases import alerts as triage
from secops.dashboards.evaluate import evaluate, window_for
from secops.dashboards.model import Dashboard
from secops.errors import UsageError
from secops.store.base import CaseStore, EventStore
from secops.timespec import parse_duration

RANGES = ("1h", "6h", "24h", "7d", "30d")
CACHE_SECONDS = 5.0
MAX_IDS = 500


@dataclass
class Console:
    dashboards: list[Dashboard]
    events: EventStore
    cases: CaseStore
    analyst: str
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cache: dict[tuple[str, str, str], tuple[float, dict[str, Any]]] = field(default_factory=dict)

    def dashboard(self, dashboard_id: str) -> Dashboard:
        for dashboard in self.dashboards:
            if dashboard.id == dashboard_id:
                return dashboard
        raise UsageError(f"no dashboard {dashboard_id!r}")

    def session(self, csrf: str) -> dict[str, Any]:
        """What the page needs to draw itself: who acts, the CSRF token, every dashboard and panel."""
        return {
            "analyst": self.analyst,
            "csrf": csrf,
            "ranges": list(RANGES),
            "dashboards": [d.model_dump(mode="json") for d in self.dashboards],
        }

    def panel(self, dashboard_id: str, panel_id: str, range_text: str | None) -> dict[str, Any]:
        dashboard = self.dashboard(dashboard_id)
        panel = dashboard.panel(panel_id)
        chosen = range_text or dashboard.range
        if chosen not in RANGES and chosen != dashboard.range:
            raise UsageError(f"range is one of {', '.join(RANGES)}")
        parse_duration(chosen)
        key = (dashboard_id, panel_id, chosen)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached and now - cached[0] < CACHE_SECONDS:
                return cached[1]
            data = evaluate(panel, self.events, self.cases, window_for(chosen)).as_json()
            self._cache[key] = (time.monotonic(), data)
            return data

    def _ids(self, body: dict[str, Any]) -> list[str]:
        ids = body.get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise UsageError("ids: a non-empty list of alert ids")
        if len(ids) > MAX_IDS:
            raise UsageError(f"ids: at most {MAX_IDS} at once")
        return ids

    def acknowledge(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = self._ids(body)
        with self._lock:
            changed = triage.acknowledge(self.cases, triage.selected_ids(self.cases, ids, None), actor=self.analyst)
            self._cache.clear()
        return {"changed": changed}

    def assign(self, body: dict[str, Any]) -> dict[str, Any]:
        ids = self._ids(body)
        assignee = body.get("assignee")
        if assignee is not None and (not isinstance(assignee, str) or len(assignee) > 200):
            raise UsageError("assignee: a name (or null to unassign)")
        with self._lock:
            changed = triage.assign(
                self.cases, triage.selected_ids(self.cases, ids, None), (assignee or "").strip() or None,
                actor=self.analyst,
            )  # fmt: skip
            self._cache.clear()
        return {"changed": changed}

    def alert(self, alert_id: str) -> dict[str, Any]:
        with self._lock:
            return triage.detail(self.cases, self.events, alert_id, max_events=50).as_json()
