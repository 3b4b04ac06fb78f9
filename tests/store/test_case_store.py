"""The CaseStore contract, on every backend: alerts, watermarks, audit chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.cases.models import Alert, AlertStatus, Entities, MatchedEvent, RuleRef
from secops.store.base import AlertFilter, Window
from secops.types import Severity
from tests.store.conftest import Stores

T0 = datetime(2026, 11, 20, 12, tzinfo=UTC)


def alert(
    n: int,
    *,
    key: str | None = None,
    severity: Severity = Severity.HIGH,
    host: str = "ws-01",
    events: tuple[str, ...] = ("e1",),
) -> Alert:
    dedup = key or f"rule-{n % 3}|{host}|{n}"
    return Alert(
        id=Alert.make_id(dedup),
        dedup_key=dedup,
        timestamp=T0 + timedelta(minutes=n),
        rule=RuleRef(id=f"rule-{n % 3}", name=f"Rule number {n % 3}", author="secops", level=severity),
        severity=severity,
        techniques=["T1110.003"] if n % 2 else ["T1021"],
        tactics=["credential-access"] if n % 2 else ["lateral-movement"],
        events=[MatchedEvent(id=e) for e in events],
        entities=Entities(hosts=[host], users=["bob"], ips=[f"10.0.0.{n % 4}"]),
    )


def test_add_alerts_dedups_by_key_and_merges_events(stores: Stores) -> None:
    first = stores.cases.add_alerts([alert(1, key="k", events=("e1",))])
    assert len(first) == 1
    again = stores.cases.add_alerts([alert(1, key="k", events=("e1", "e2"))])
    assert again == []
    stored = stores.cases.get_alert(Alert.make_id("k"))
    assert stored is not None
    assert [e.id for e in stored.events] == ["e1", "e2"]
    assert stores.cases.count_alerts() == 1


def test_alert_filters_sort_and_paging(stores: Stores) -> None:
    stores.cases.add_alerts(
        [
            alert(n, host="ws-01" if n < 6 else "srv-02", severity=Severity.LOW if n % 3 == 0 else Severity.HIGH)
            for n in range(10)
        ]
    )
    assert stores.cases.count_alerts() == 10
    assert stores.cases.count_alerts(AlertFilter(host="srv-02")) == 4
    assert stores.cases.count_alerts(AlertFilter(technique="T1110.003")) == 5
    assert stores.cases.count_alerts(AlertFilter(tactic="lateral-movement", host="ws-01")) == 3
    assert stores.cases.count_alerts(AlertFilter(min_severity=Severity.HIGH)) == 6
    assert stores.cases.count_alerts(AlertFilter(ip="10.0.0.3")) == 2
    # Names without case, as entities compare them; a technique with its sub-techniques, not its prefix.
    assert stores.cases.count_alerts(AlertFilter(host="SRV-02")) == 4
    assert stores.cases.count_alerts(AlertFilter(user="Bob")) == 10
    assert stores.cases.count_alerts(AlertFilter(technique="T1110")) == 5
    assert stores.cases.count_alerts(AlertFilter(technique="T111")) == 0
    assert stores.cases.count_alerts(AlertFilter(technique="T1021")) == 5
    window = Window(T0 + timedelta(minutes=2), T0 + timedelta(minutes=5))
    assert stores.cases.count_alerts(AlertFilter(window=window)) == 3
    page1 = stores.cases.alerts(limit=4)
    page2 = stores.cases.alerts(limit=4, offset=4)
    assert [a.timestamp for a in page1] == sorted((a.timestamp for a in page1), reverse=True)
    assert not {a.id for a in page1} & {a.id for a in page2}
    by_severity = stores.cases.alerts(sort="severity")
    assert by_severity[0].severity is Severity.HIGH and by_severity[-1].severity is Severity.LOW


def test_update_alert_is_audited_with_a_chain(stores: Stores) -> None:
    stored = stores.cases.add_alerts([alert(1)])[0]
    changed = stored.model_copy(update={"status": AlertStatus.ACKNOWLEDGED, "assignee": "dana"})
    stores.cases.update_alert(changed, actor="dana", action="alert.ack")
    assert stores.cases.get_alert(stored.id).status is AlertStatus.ACKNOWLEDGED
    assert stores.cases.count_alerts(AlertFilter(status=(AlertStatus.OPEN,))) == 0
    stores.cases.audit("dana", "note", "incident:1", None, {"text": "hello"})
    entries = list(stores.cases.audit_entries())
    assert [e.action for e in entries] == ["alert.ack", "note"]
    assert entries[0].before["status"] == "open" and entries[0].after["status"] == "acknowledged"
    assert entries[1].prev_hash == entries[0].hash != entries[1].hash


def test_watermarks_round_trip(stores: Stores) -> None:
    assert stores.cases.watermark("detect") is None
    stores.cases.set_watermark("detect", "41")
    stores.cases.set_watermark("detect", "42")
    assert stores.cases.watermark("detect") == "42"
