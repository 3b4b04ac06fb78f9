"""An incident's timeline reaches past the last event its alerts matched, and says when it was cut short."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.sqlite import STATE_DB
from tests.triage.conftest import Cli
from tests.triage.factory import T0, alert


def test_the_window_runs_from_the_first_alert_to_after_the_last_event_it_matched(cli: Cli, loaded: Path) -> None:
    # A brute force on ws-01 that began at 12:01 and went on until 12:41 (ws-01's events are the odd minutes).
    brute = alert(7, rule="brute", at=T0 + timedelta(minutes=1), last_event_at=T0 + timedelta(minutes=41))
    cases = SqliteCaseStore(loaded / STATE_DB)
    cases.add_alerts([brute])
    cases.close()
    cli("incidents", "create", brute.id)
    rows = cli("incidents", "timeline", "INC-1", "--around", "5m", "--format", "json").json()
    minutes = sorted(int(r["id"][3:]) for r in rows if r["kind"] == "event")
    assert minutes == list(range(1, 46, 2))  # 11:56 up to 12:46, half-open


def test_a_timeline_cut_at_its_limit_says_so(cli: Cli, loaded: Path) -> None:
    cli("incidents", "group")
    cut = cli("incidents", "timeline", "INC-1", "--limit", "2")
    assert "only the first 2 events are shown" in cut.err
    whole = cli("incidents", "timeline", "INC-1", "--limit", "1000")
    assert "only the first" not in whole.err
