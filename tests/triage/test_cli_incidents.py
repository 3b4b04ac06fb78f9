"""``secops incidents``: automatic grouping, manual create/add/remove/merge/split, lifecycle, notes, tasks,
evidence and the timeline."""

from __future__ import annotations

import csv
import io

import pytest

from secops.store.embedded import EmbeddedEventStore
from tests.triage.conftest import Cli
from tests.triage.factory import event
from tests.triage.test_cli_alerts import A1, A3, A5, B2, B4, C100


def test_group_then_work_an_incident_through_its_lifecycle(cli: Cli, loaded) -> None:
    grouped = cli("incidents", "group", "--format", "json", analyst="dana").json()
    # ws-01/bob (3 alerts) and ws-09 (2 alerts) within an hour; srv-7 alone stays in the queue.
    assert sorted((g["change"], g["alerts"]) for g in grouped) == [("created", 2), ("created", 3)]
    listed = cli("incidents", "list", "--format", "json").json()
    assert [(i["id"], len(i["alert_ids"])) for i in listed] == [("INC-2", 2), ("INC-1", 3)]
    assert listed[1]["entities"]["hosts"] == ["ws-01"] and listed[1]["entities"]["users"] == ["bob"]
    assert cli("alerts", "list", "--ungrouped", "--format", "json").json()[0]["id"] == C100
    cli("incidents", "status", "INC-1", "analysis", analyst="dana")
    cli("incidents", "assign", "INC-1", "lee", analyst="dana")
    cli("incidents", "note", "INC-1", "bob confirms he did not log in", analyst="lee")
    tasks = cli("incidents", "task", "INC-1", "reset bob's password", "--owner", "helpdesk", "--format", "json").json()
    assert tasks == [{"task": 1, "done": False, "text": "reset bob's password", "owner": "helpdesk"}]
    assert cli("incidents", "task", "INC-1", "--done", "1", "--format", "json").json()[0]["done"] is True
    cli("incidents", "edit", "INC-1", "--severity", "critical", "--host", "fs-02", "--title", "Bob's account")
    evidence = cli("incidents", "evidence", "INC-1", "ev-00003", "--format", "json", analyst="lee").json()
    assert [e["event_id"] for e in evidence] == ["ev-00003"] and len(evidence[0]["sha256"]) == 64
    cli("incidents", "status", "INC-1", "containment", analyst="lee")
    shown = cli("incidents", "show", "INC-1", "--format", "json").json()
    assert shown["state"] == "containment" and shown["severity"] == "critical" and shown["assignee"] == "lee"
    assert shown["title"] == "Bob's account" and shown["affected"]["hosts"] == ["fs-02"]
    assert shown["notes"][0]["author"] == "lee" and shown["tasks"][0]["done"]
    assert shown["evidence_check"] == {"ev-00003": "intact"}
    assert {a["id"] for a in shown["alerts"]} == {A1, A3, A5}
    table = cli("incidents", "show", "INC-1").text
    assert "bob confirms he did not log in" in table and "intact" in table and "[x] reset bob's password" in table
    assert cli("incidents", "list", "--state", "containment", "--format", "json").json()[0]["id"] == "INC-1"
    cli("incidents", "status", "INC-1", "closed")
    assert [i["id"] for i in cli("incidents", "list", "--format", "json").json()] == ["INC-2"]
    assert [i["id"] for i in cli("incidents", "list", "--all", "--format", "json").json()] == ["INC-2", "INC-1"]
    trail = [e["action"] for e in cli("audit", "log", "--target", "INC-1", "--format", "json").json()]
    assert trail[0] == "incident.create" and trail.count("incident.state") == 3 and "incident.evidence" in trail


def test_create_add_remove_split_merge(cli: Cli, loaded) -> None:
    made = cli("incidents", "create", A1, A3, "--title", "manual", "--format", "json").json()
    assert made["id"] == "INC-1" and made["alert_ids"] == [A1, A3]
    cli("incidents", "add", "INC-1", B2, B4)
    cli("incidents", "remove", "INC-1", A3)
    assert cli("alerts", "show", A3, "--format", "json").json()["alert"]["incident_id"] is None
    split = cli("incidents", "split", "INC-1", B2, B4, "--title", "lateral movement", "--format", "json").json()
    assert split["id"] == "INC-2" and split["title"] == "lateral movement" and set(split["alert_ids"]) == {B2, B4}
    assert cli("incidents", "show", "INC-1", "--format", "json").json()["alert_ids"] == [A1]
    other = cli("incidents", "create", A5, "--format", "json").json()
    assert other["title"] == "Rule rule-a on ws-01"
    merged = cli("incidents", "merge", "INC-1", "INC-2", other["id"], "--format", "json").json()
    assert set(merged["alert_ids"]) == {A1, B2, B4, A5}
    gone = cli("incidents", "show", "INC-2", "--format", "json").json()
    assert gone["state"] == "closed" and gone["merged_into"] == "INC-1"
    assert cli("incidents", "merge", "INC-1", "INC-1", expect=None).code != 0
    assert "no such incident" in str(cli("incidents", "add", "INC-9", A1, expect=None).exception)
    assert "no such alert" in str(cli("incidents", "add", "INC-1", "nope", expect=None).exception)


def test_timeline_merges_alerts_and_events_in_time_order(cli: Cli, loaded) -> None:
    cli("incidents", "create", A1, A3, A5)
    rows = cli("incidents", "timeline", "INC-1", "--around", "5m", "--format", "json").json()
    # Alerts at minutes 1, 3, 5 about ws-01 and bob: every event of ws-01 or bob from 11:56 up to 12:10
    # (bob is on ws-09's events too; the window is half-open).
    events = [r for r in rows if r["kind"] == "event"]
    assert {r["id"] for r in events} == {f"ev-{n:05d}" for n in range(0, 10)}
    assert [r["id"] for r in rows if r["kind"] == "alert"] == [A1, A3, A5]
    assert [r["@timestamp"] for r in rows] == sorted(r["@timestamp"] for r in rows)
    assert {r["id"]: r["alert"] for r in events if r["alert"]} == {"ev-00001": A1, "ev-00003": A3, "ev-00005": A5}
    assert events[0]["doc"]["event"]["original"].startswith("Failed password")
    table = list(
        csv.reader(io.StringIO(cli("incidents", "timeline", "INC-1", "--around", "5m", "--format", "csv").text))
    )
    assert table[0][:4] == [
        "'@timestamp",
        "kind",
        "severity",
        "summary",
    ]  # a spreadsheet would read @ as a formula and len(table) == len(rows) + 1
    limited = [
        r
        for r in cli("incidents", "timeline", "INC-1", "--limit", "3", "--format", "json").json()
        if r["kind"] == "event"
    ]
    assert len(limited) == 3


RULE = """title: Failed SSH login on ws-01
id: 5d0c2a51-7a5e-4f0e-9d57-2b7d3c1f0a11
status: test
logsource: {product: linux, service: auth}
detection:
  failed: {host.name: ws-01, event.outcome: failure}
  condition: failed
level: high
"""


@pytest.mark.parametrize("auto", [True, False])
def test_detect_run_groups_new_alerts_unless_told_not_to(cli: Cli, data_dir, tmp_path, auto: bool) -> None:
    """``[incidents] auto`` (on by default) groups what a run found; off, the alerts wait in the queue."""
    events = EmbeddedEventStore(data_dir)
    events.write([event(n, host__name="ws-01" if n % 2 else "ws-09") for n in range(12)])
    events.close()
    rule = tmp_path / "rule.yml"
    rule.write_text(RULE)
    config = tmp_path / "secops.toml"
    config.write_text(f"[incidents]\nauto = {str(auto).lower()}\n")
    ran = cli("--config", str(config), "detect", "run", "--rules", str(rule), "--no-bundled")
    assert "6 new alerts" in ran.err
    incidents = cli("incidents", "list", "--format", "json").json()
    if auto:
        assert [len(i["alert_ids"]) for i in incidents] == [6] and "1 new incidents" in ran.err
    else:
        assert incidents == [] and "incidents" not in ran.err


def test_an_incident_without_breach_facts_gives_a_template_that_loads_back(cli: Cli, loaded, tmp_path) -> None:
    cli("incidents", "group")
    blank = cli("incidents", "breach", "INC-1", "--format", "toml").text
    assert "edit-breach INC-1" in blank and "# [individuals]" in blank
    assert "# gdpr_risk =  # one of none, risk, high" in blank
    assert all(line.startswith("#") or not line for line in blank.splitlines())  # loads as nothing until edited
    filled = (
        blank.replace("# regimes =  # list of text", 'regimes = ["gdpr"]')
        .replace("# gdpr_risk =  # one of none, risk, high", 'gdpr_risk = "high"')
        .replace("# [individuals]\n# total =  # number", "[individuals]\ntotal = 40")
    )
    form = tmp_path / "breach.toml"
    form.write_text(filled)
    cli("incidents", "edit-breach", "INC-1", "--file", str(form))
    facts = cli("incidents", "breach", "INC-1", "--format", "json").json()
    assert facts["regimes"] == ["gdpr"] and facts["gdpr_risk"] == "high" and facts["individuals"]["total"] == 40
    assert "template" not in cli("incidents", "breach", "INC-1").err
