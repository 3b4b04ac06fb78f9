"""The CaseStore contract for triage, on every backend: counts, incidents, suppressions, indicators, raw audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secops.cases.audit import verify
from secops.cases.models import AlertStatus, Entities, Incident, IncidentState, Suppression
from secops.ioc.model import IndicatorType, make
from secops.store.base import AlertFilter, IncidentFilter
from secops.types import Severity
from tests.store.conftest import Stores
from tests.triage.factory import alert


def test_alert_counts_by_group(stores: Stores) -> None:
    cases = stores.cases
    cases.add_alerts(
        [
            alert(1, rule="a", hosts=("ws-01",), severity=Severity.HIGH),
            alert(2, rule="a", hosts=("ws-01", "ws-02"), severity=Severity.LOW, techniques=("T1021",)),
            alert(3, rule="b", hosts=("ws-02",), severity=Severity.HIGH),
        ]
    )
    assert cases.alert_counts(AlertFilter(), "rule") == [("Rule a", 2), ("Rule b", 1)]
    assert cases.alert_counts(AlertFilter(), "host") == [("ws-02", 2), ("ws-01", 2)] or cases.alert_counts(
        AlertFilter(), "host"
    ) == [("ws-01", 2), ("ws-02", 2)]
    assert cases.alert_counts(AlertFilter(), "severity") == [("high", 2), ("low", 1)]
    assert cases.alert_counts(AlertFilter(rule="b"), "technique") == [("T1110.003", 1)]
    assert cases.alert_counts(AlertFilter(), "incident") == [("", 3)]


def test_scan_alerts_streams_oldest_first(stores: Stores) -> None:
    stores.cases.add_alerts([alert(n, hosts=("ws-01" if n % 3 else "ws-02",)) for n in reversed(range(30))])
    scanned = list(stores.cases.scan_alerts(AlertFilter(host="ws-01")))
    assert [a.timestamp.minute for a in scanned] == [n for n in range(30) if n % 3]


def test_assignee_and_ungrouped_filters_and_bulk_update(stores: Stores) -> None:
    cases = stores.cases
    stored = cases.add_alerts([alert(n) for n in range(4)])
    cases.update_alerts(
        [a.model_copy(update={"assignee": "dana", "status": AlertStatus.ACKNOWLEDGED}) for a in stored[:3]],
        actor="dana",
        action="alert.assign",
    )
    assert cases.count_alerts(AlertFilter(assignee="dana")) == 3
    assert cases.alert_counts(AlertFilter(), "assignee") == [("dana", 3), ("", 1)]
    made = cases.create_incident(Incident(id="", title="t"), actor="dana", alerts=[stored[0]])
    assert cases.count_alerts(AlertFilter(ungrouped=True)) == 3
    assert cases.count_alerts(AlertFilter(incident_id=made.id)) == 1
    assert [e.action for e in cases.audit_entries()][:3] == ["alert.assign"] * 3


def test_incident_ids_membership_and_audit(stores: Stores) -> None:
    cases = stores.cases
    stored = cases.add_alerts([alert(n) for n in range(3)])
    first = cases.create_incident(Incident(id="ignored", title="first"), actor="dana", alerts=stored[:2])
    second = cases.create_incident(Incident(id="", title="second", severity=Severity.LOW), actor="lee")
    assert (first.id, second.id) == ("INC-1", "INC-2")
    assert first.alert_ids == [stored[0].id, stored[1].id]
    assert cases.get_alert(stored[0].id).incident_id == "INC-1"
    assert cases.get_incident("INC-9") is None
    assert [i.id for i in cases.incidents()] == ["INC-2", "INC-1"]
    moved = cases.get_alert(stored[1].id).model_copy(update={"incident_id": "INC-2"})
    changed = second.model_copy(
        update={"alert_ids": [stored[1].id], "state": IncidentState.CONTAINMENT, "assignee": "lee"}
    )
    cases.update_incident(changed, actor="lee", action="incident.add", alerts=[moved])
    again = cases.get_incident("INC-2")
    assert again.state is IncidentState.CONTAINMENT and again.alert_ids == [stored[1].id]
    assert cases.get_alert(stored[1].id).incident_id == "INC-2"
    assert cases.count_incidents(IncidentFilter(states=(IncidentState.CONTAINMENT,))) == 1
    assert cases.count_incidents(IncidentFilter(assignee="lee")) == 1
    assert cases.count_incidents(IncidentFilter(min_severity=Severity.MEDIUM)) == 1
    assert [i.id for i in cases.incidents(limit=1, offset=1)] == ["INC-1"]
    actions = [(e.action, e.target, e.actor) for e in cases.audit_entries()]
    assert ("incident.create", "incident:INC-1", "dana") in actions
    assert ("incident.add", "incident:INC-2", "lee") in actions
    assert ("alert.incident", f"alert:{stored[1].id}", "lee") in actions
    with pytest.raises(KeyError):
        cases.update_incident(Incident(id="INC-77", title="x"), actor="x", action="incident.edit")


def test_suppressions_expire_and_are_audited(stores: Stores) -> None:
    cases = stores.cases
    now = datetime.now(UTC)
    lasting = Suppression(
        id="sup-1", rule_id="r1", entities=Entities(hosts=["ws-01"]), reason="scanner", created_by="dana"
    )
    brief = Suppression(
        id="sup-2", rule_id="*", reason="maintenance", created_by="dana", expires=now + timedelta(hours=1)
    )
    cases.add_suppression(lasting, actor="dana")
    cases.add_suppression(brief, actor="dana")
    assert {s.id for s in cases.suppressions()} == {"sup-1", "sup-2"}
    assert {s.id for s in cases.active_suppressions(now)} == {"sup-1", "sup-2"}
    assert {s.id for s in cases.active_suppressions(now + timedelta(hours=2))} == {"sup-1"}
    assert cases.remove_suppression("sup-1", actor="lee") is True
    assert cases.remove_suppression("sup-1", actor="lee") is False
    assert [s.id for s in cases.suppressions()] == ["sup-2"]
    actions = [e.action for e in cases.audit_entries()]
    assert actions == ["suppression.add", "suppression.add", "suppression.remove"]


def test_indicators_replace_by_type_and_value(stores: Stores) -> None:
    cases = stores.cases
    first = [
        make(IndicatorType.IP, "203.0.113.7", "feed-a"),
        make(IndicatorType.DOMAIN, "Evil.Example.", "feed-a"),
        make(IndicatorType.SHA256, "A" * 64, "feed-a"),
    ]
    assert cases.add_indicators(first, actor="dana", source="feed-a") == 3
    again = [
        make(IndicatorType.DOMAIN, "evil.example", "feed-b", description="C2"),
        make(IndicatorType.URL, "http://evil.example/x", "feed-b"),
    ]
    assert cases.add_indicators(again, actor="dana", source="feed-b") == 1
    assert cases.count_indicators() == 4
    assert cases.count_indicators(IndicatorType.DOMAIN) == 1
    domain = cases.indicators(IndicatorType.DOMAIN)[0]
    assert (domain.value, domain.source, domain.description) == ("evil.example", "feed-b", "C2")
    assert [i.key for i in cases.indicators(limit=2, offset=1)] == ["ip:203.0.113.7", "sha256:" + "a" * 64]
    imports = [e for e in cases.audit_entries() if e.action == "ioc.import"]
    assert [e.after["new"] for e in imports] == [3, 1]


def test_audit_records_verify_on_an_untouched_log(stores: Stores) -> None:
    cases = stores.cases
    stored = cases.add_alerts([alert(1)])[0]
    cases.update_alert(stored.model_copy(update={"status": AlertStatus.CLOSED}), actor="dana", action="alert.close")
    cases.audit("dana", "note", "incident:INC-1", None, {"text": "naïve “quotes” \u202e and \x1b[2J"})
    records = list(cases.audit_records())
    assert [r.seq for r in records] == [1, 2]
    verdict = verify(records)
    assert verdict.ok and verdict.entries == 2 and verdict.head == records[-1].hash


def _tamper(stores: Stores, how: str) -> None:
    """Change the stored audit log behind the store's back, as someone with access to the data would."""
    if stores.name == "embedded":
        conn = stores.cases.conn  # type: ignore[attr-defined]
        if how == "edit":
            conn.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        elif how == "delete":
            conn.execute("DELETE FROM audit WHERE seq = 2")
        else:
            rows = {r[0]: r for r in conn.execute("SELECT * FROM audit WHERE seq IN (2, 3)")}
            for seq, other in ((2, 3), (3, 2)):
                conn.execute(
                    "UPDATE audit SET ts=?, actor=?, action=?, target=?, before=?, after=?, prev_hash=?, hash=? "
                    "WHERE seq=?",
                    (*tuple(rows[other])[1:], seq),
                )
        return
    client, index = stores.cases.client, stores.cases.audit_index  # type: ignore[attr-defined]
    if how == "edit":
        client.update(index=index, id="2", doc={"actor": "mallory"}, refresh=True)
    elif how == "delete":
        client.delete(index=index, id="2", refresh=True)
    else:
        two, three = (client.get(index=index, id=i)["_source"] for i in ("2", "3"))
        client.index(index=index, id="2", document={**three, "seq": 2}, refresh=True)
        client.index(index=index, id="3", document={**two, "seq": 3}, refresh=True)


@pytest.mark.parametrize(
    ("how", "expected"),
    [("edit", [(2, "edited")]), ("delete", [(2, "deleted")]), ("swap", [(2, "reordered"), (3, "reordered")])],
)
def test_audit_tampering_is_found_and_named(stores: Stores, how: str, expected: list[tuple[int, str]]) -> None:
    for n in range(4):
        stores.cases.audit("dana", f"step{n}", f"incident:INC-{n}", {"n": n}, {"n": n + 1})
    assert verify(stores.cases.audit_records()).ok
    _tamper(stores, how)
    verdict = verify(stores.cases.audit_records())
    assert not verdict.ok
    assert [(p.seq, p.kind) for p in verdict.problems] == expected
