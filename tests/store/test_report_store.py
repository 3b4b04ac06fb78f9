"""Reports over the store interface, on every backend: breach facts through the audited update, the evidence
export with custody and redaction, and the SOC summary's figures from the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.cases import alerts as triage
from secops.cases import incidents as ops
from secops.cases.models import IncidentState
from secops.report import breach_edit, evidence, summary
from secops.report.breach_model import Notification
from tests.store.conftest import Stores
from tests.triage.factory import T0, alert, event


def test_breach_facts_evidence_and_summary(stores: Stores) -> None:
    stores.events.write([event(1, source__ip="198.51.100.9", user__name="carol"), event(2, user__name="carol")])
    stores.refresh()
    cases = stores.cases
    made = cases.add_alerts([alert(1, users=("carol",), ips=("198.51.100.9",), events=("ev-00001", "ev-00002"))])
    incident = ops.create(cases, [made[0].id], actor="dana", title="carol's account")
    breach_edit.set_fields(
        cases, incident.id, ["aware_at=2026-11-20T12:00Z", "individuals.total=12"], actor="dana", zone=UTC
    )
    sent = Notification(regime="gdpr", recipient="DPA", sent_at=datetime(2026, 11, 21, tzinfo=UTC), reference_no="R-1")
    breach_edit.record_notification(cases, incident.id, sent, actor="lee")
    stored = cases.get_incident(incident.id)
    assert stored.breach["individuals"] == {"total": 12} and stored.breach["notifications"][0]["recorded_by"] == "lee"
    trail = [e for e in cases.audit_entries() if e.target == f"incident:{incident.id}"]
    assert [e.action for e in trail] == ["incident.create", "incident.breach", "incident.notified"]
    assert trail[1].before["breach"] == {} and trail[1].after["breach"]["aware_at"] == "2026-11-20T12:00:00Z"

    ops.add_evidence(cases, stores.events, incident.id, ["ev-00001"], actor="dana")
    export = evidence.collect(cases, stores.events, ops.load(cases, incident.id))
    assert {e["event_id"]: e["integrity"] for e in export.events} == {
        "ev-00001": "intact",
        "ev-00002": "not kept as evidence",
    }
    assert export.audit_check["ok"] and export.audit[-1]["action"] == "incident.evidence"
    redacted = evidence.to_json(evidence.redact(export, {evidence.Kind.USERS, evidence.Kind.IPS}, b"k")).decode()
    assert "carol" not in redacted.lower() and "198.51.100.9" not in redacted and "user-" in redacted

    triage.acknowledge(cases, [made[0].id], actor="dana")
    ops.set_state(cases, incident.id, IncidentState.CLOSED, actor="dana")
    now = datetime.now(UTC)
    data = summary.collect(cases, since=T0 - timedelta(days=1), until=now, where=UTC)
    assert data.totals["alerts"] == 1 and data.totals["acknowledged"] == 1 and data.totals["incidents_closed"] == 1
    assert data.data["top_rules"] == [{"rule": "Rule rule-a", "count": 1}]
