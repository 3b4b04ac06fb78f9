"""An analyst's exception (``alerts suppress``) holds in Sigma detection: scheduled runs and ``collect --detect``."""

from __future__ import annotations

from secops.cases import alerts as triage
from secops.cases.suppress import LiveSuppressor
from secops.detect.jobs import IngestDetection, run_once
from secops.store.cases_sqlite import SqliteCaseStore
from tests.detect.conftest import events


def on_hosts(start: int, count: int) -> list[dict]:
    """``events`` with the first half on host h1 and the second half on h2 (markers every third)."""
    out = events(start, count)
    for event in out[count // 2 :]:
        event["host"]["name"] = "h2"
    return out


def suppress_host(cases: SqliteCaseStore, host: str) -> None:
    alert = next(a for a in cases.alerts() if a.entities.hosts == [host])
    triage.suppress(cases, alert.id, actor="analyst", reason="our own test host", kinds=["hosts"], expires=None)


def hosts_of_new(cases: SqliteCaseStore, before: set[str]) -> list[str]:
    return sorted(h for a in cases.alerts() if a.id not in before for h in a.entities.hosts)


def test_a_scheduled_run_stores_no_alert_a_suppression_covers(stores) -> None:
    ev, cases, rules, data = stores
    ev.write(on_hosts(0, 12))
    first = run_once(ev, cases, [rules], data)
    assert (first.new_alerts, first.suppressed) == (4, 0)
    suppress_host(cases, "h2")
    before = {a.id for a in cases.alerts()}

    ev.write(on_hosts(12, 12))  # markers 12, 15 on h1; 18, 21 on h2
    second = run_once(ev, cases, [rules], data)
    assert (second.alerts, second.new_alerts, second.suppressed) == (4, 2, 2)
    assert hosts_of_new(cases, before) == ["h1", "h1"]


def test_ingest_time_detection_honours_suppressions_too(stores) -> None:
    ev, cases, rules, data = stores
    ev.write(on_hosts(0, 12))
    run_once(ev, cases, [rules], data)
    suppress_host(cases, "h1")
    before = {a.id for a in cases.alerts()}

    hook = IngestDetection(cases, [rules])
    hook(on_hosts(12, 12))
    result = hook.finish()
    assert (result.new_alerts, result.suppressed) == (2, 2)
    assert hosts_of_new(cases, before) == ["h2", "h2"]


def test_a_long_running_hook_sees_a_new_suppression_after_its_refresh(stores) -> None:
    ev, cases, rules, data = stores
    ev.write(on_hosts(0, 12))
    run_once(ev, cases, [rules], data)
    slow, eager = LiveSuppressor(cases, every=3600), LiveSuppressor(cases, every=0)
    assert not slow.current() and not eager.current()
    suppress_host(cases, "h2")
    assert not slow.current()  # read less often than every hour: still the old set
    assert eager.current()
    alert = next(a for a in cases.alerts() if a.entities.hosts == ["h1"])
    assert eager.current().match_alert(alert) is None
