"""Triage over the store interface, on every backend: grouping, incident operations, timelines, hunts, IOC matching.

These run the library functions the commands call, so both backends give the
commands the same behaviour.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from secops.cases import alerts as triage
from secops.cases import incidents as ops
from secops.cases.grouping import group_alerts
from secops.cases.models import AlertStatus, CloseReason, IncidentState
from secops.cases.suppress import Suppressor
from secops.cases.timeline import timeline
from secops.config import IncidentsConfig
from secops.errors import UsageError
from secops.hunt import parse
from secops.ioc.match import IngestHook, import_indicators, match_stored
from secops.ioc.model import IndicatorType, make
from secops.store.base import AlertFilter, Window
from tests.store.conftest import Stores
from tests.triage.factory import T0, alert, event


def ids(found) -> set[str]:
    return {e["event"]["id"] for e in found}


def test_grouping_links_shared_entities_within_the_window(stores: Stores) -> None:
    cases = stores.cases
    cases.add_alerts(
        [
            alert(0, hosts=("ws-01",), users=("bob",)),
            alert(30, hosts=("ws-02",), users=("bob",)),  # same user 30 min later: joins
            alert(50, hosts=("ws-02",), rule="b"),  # same host as the previous: joins through the chain
            alert(400, hosts=("ws-01",)),  # same host, hours later: outside the 1 h window
            alert(401, hosts=("db-01",), users=("SYSTEM",)),
            alert(402, hosts=("db-02",), users=("system",)),  # only an ignored value in common
        ]
    )
    result = group_alerts(cases, IncidentsConfig(window="1h"), actor="dana")
    assert [len(i.alert_ids) for i in result.created] == [3]
    assert result.left_alone == 3
    incident = result.created[0]
    assert incident.id == "INC-1" and set(incident.entities.hosts) == {"ws-01", "ws-02"}
    assert incident.first_seen == T0 and incident.last_seen == T0 + timedelta(minutes=50)
    assert cases.count_alerts(AlertFilter(ungrouped=True)) == 3
    # A later alert about the incident's host joins the existing incident rather than making a new one.
    cases.add_alerts([alert(80, hosts=("ws-02",)), alert(81, hosts=("ws-02",), rule="c")])
    again = group_alerts(cases, IncidentsConfig(window="1h"), actor="dana")
    assert again.created == [] and again.extended == {"INC-1": 2}
    assert len(cases.get_incident("INC-1").alert_ids) == 5
    entry = [e for e in cases.audit_entries() if e.action == "incident.add"][-1]
    assert entry.actor == "dana" and len(entry.after["alert_ids"]) == 5


def test_grouping_measures_an_alert_to_its_last_matched_event(stores: Stores) -> None:
    """A spray that ran from 12:00 to 12:50 links to lateral movement at 13:40, though its alert says 12:00."""
    cases = stores.cases
    cases.add_alerts(
        [
            alert(0, ips=("10.30.10.27",), hosts=("dc-01",), last_event_at=T0 + timedelta(minutes=50)),
            alert(100, ips=("10.30.10.27",), hosts=("file-01",), rule="lateral"),
            alert(300, ips=("10.30.10.27",), hosts=("file-02",), rule="late"),
        ]
    )
    created = group_alerts(cases, IncidentsConfig(window="1h"), actor="dana").created
    assert [len(i.alert_ids) for i in created] == [2]
    assert created[0].last_seen == T0 + timedelta(minutes=100)


def test_a_value_on_too_many_alerts_links_none_of_them(stores: Stores) -> None:
    """Every host asking 8.8.8.8 within minutes of each other is background, not one story."""
    cases = stores.cases
    noisy = [alert(n, hosts=(f"ws-{n:02d}",), ips=(f"10.0.0.{n}", "8.8.8.8"), rule="dns") for n in range(6)]
    story = [alert(20, hosts=("db-01",), rule="spray"), alert(25, hosts=("db-01",), rule="lateral")]
    cases.add_alerts(noisy + story)
    result = group_alerts(cases, IncidentsConfig(window="1h", common_after=5), actor="dana")
    assert [sorted(cases.get_alert(a).rule.id for a in i.alert_ids) for i in result.created] == [["lateral", "spray"]]
    assert result.common == {"ips:8.8.8.8": 6} and result.left_alone == 6
    # At the default threshold the same six alerts are one incident through the resolver.
    cases.add_alerts([alert(n, hosts=(f"pc-{n:02d}",), ips=("9.9.9.9",), rule="dns2") for n in range(200, 206)])
    again = group_alerts(cases, IncidentsConfig(window="1h"), actor="dana")
    assert sorted(len(i.alert_ids) for i in again.created) == [6, 6] and again.common == {}


def test_incident_lifecycle_operations(stores: Stores) -> None:
    cases = stores.cases
    stored = cases.add_alerts([alert(n, hosts=(f"h{n}",)) for n in range(5)])
    a = [s.id for s in stored]
    one = ops.create(cases, a[:3], actor="dana", title="Brute force on h0")
    two = ops.create(cases, a[3:4], actor="dana")
    assert one.severity.value == "high" and two.title == "Rule rule-a on h3"
    ops.add(cases, one.id, [a[3], a[4]], actor="dana")  # a[3] leaves INC-2
    assert cases.get_incident(two.id).alert_ids == []
    assert set(cases.get_incident(one.id).alert_ids) == set(a)
    ops.remove(cases, one.id, [a[4]], actor="dana")
    assert cases.get_alert(a[4]).incident_id is None
    with pytest.raises(UsageError, match="not in INC-1"):
        ops.remove(cases, one.id, [a[4]], actor="dana")
    ops.set_state(cases, one.id, IncidentState.CONTAINMENT, actor="lee")
    ops.assign(cases, one.id, "lee", actor="lee")
    ops.note(cases, one.id, "blocked 203.0.113.7 at the edge", actor="lee")
    ops.add_task(cases, one.id, "reset bob's password", actor="lee", owner="helpdesk")
    ops.finish_task(cases, one.id, 1, actor="lee")
    new = ops.split(cases, one.id, [a[0]], actor="lee", title="separate")
    assert new.alert_ids == [a[0]] and cases.get_alert(a[0]).incident_id == new.id
    merged = ops.merge(cases, one.id, [new.id], actor="lee")
    assert set(merged.alert_ids) == {a[0], a[1], a[2], a[3]}
    gone = cases.get_incident(new.id)
    assert gone.state is IncidentState.CLOSED and gone.merged_into == one.id and gone.alert_ids == []
    final = cases.get_incident(one.id)
    assert final.state is IncidentState.CONTAINMENT and final.assignee == "lee"
    assert final.tasks[0].done and final.tasks[0].owner == "helpdesk"
    assert any("blocked 203.0.113.7" in n.text for n in final.notes)
    assert any(f"[from {new.id}] split from {one.id}" == n.text for n in final.notes)
    actions = [e.action for e in cases.audit_entries() if e.target == f"incident:{one.id}"]
    assert actions[:2] == ["incident.create", "incident.add"]
    assert {"incident.state", "incident.assign", "incident.note", "incident.task", "incident.task.done"} <= set(actions)
    assert "incident.merge" in actions


def test_evidence_hashes_and_timeline(stores: Stores) -> None:
    stores.events.write(
        [event(n, host__name="ws-01" if n % 2 else "ws-09") for n in range(0, 200)]
        + [event(1000, user__name="carol", host__name="ws-77", at=T0 + timedelta(minutes=30))]
    )
    stores.refresh()
    cases = stores.cases
    cases.add_alerts([alert(20, events=("ev-00021",), hosts=("ws-01",)), alert(40, hosts=("ws-01",), users=("carol",))])
    incident = ops.create(cases, [a.id for a in cases.alerts()], actor="dana")
    added = ops.add_evidence(cases, stores.events, incident.id, ["ev-00021", "ev-00021"], actor="dana")
    assert len(added) == 1 and len(added[0].sha256) == 64
    assert ops.check_evidence(stores.events, cases.get_incident(incident.id)) == {"ev-00021": "intact"}
    with pytest.raises(UsageError, match="no stored event"):
        ops.add_evidence(cases, stores.events, incident.id, ["nope"], actor="dana")
    rows = timeline(cases, stores.events, cases.get_incident(incident.id), around=timedelta(minutes=10))
    kinds = [r["kind"] for r in rows]
    assert kinds.count("alert") == 2
    events = [r for r in rows if r["kind"] == "event"]
    # ws-01 events (odd n) from minute 10 to 50, and carol's event on another host.
    expected = {f"ev-{n:05d}" for n in range(10, 51) if n % 2} | {"ev-01000"}
    assert {r["id"] for r in events} == expected
    assert [r["alert"] for r in events if r["id"] == "ev-00021"] == [cases.alerts()[-1].id]
    stamps = [r["@timestamp"] for r in rows]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user.name:carol", lambda n: n == 1000),
        ("host.name:ws-0* AND NOT host.name:ws-09", lambda n: n % 2 == 1 and n < 1000),
        ("source.ip:10.0.0.0/30", lambda n: n % 250 < 4),
        ("source.ip:[10.0.0.10 TO 10.0.0.20]", lambda n: 10 <= n % 250 <= 20),
        ("log.offset:[800 TO 1600}", lambda n: 10 <= n < 20),
        ("log.offset:>=15900", lambda n: n >= 199),
        ('"port 22 ssh2 #7"', lambda n: n in (7, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79)),
        ("_exists_:process.name OR user.name:(carol OR dave)", lambda n: n == 1000),
        ("event.outcome:failure -host.name:ws-09 -user.name:carol", lambda n: n % 2 == 1 and n < 1000),
        ('@timestamp:["2026-11-20T12:00:00Z" TO "2026-11-20T12:05:00Z"}', lambda n: n < 5),
    ],
)
def test_hunt_queries_mean_the_same_on_every_backend(stores: Stores, text: str, expected) -> None:
    stores.events.write(
        [event(n, host__name="ws-01" if n % 2 else "ws-09") for n in range(0, 200)]
        + [event(1000, user__name="carol", host__name="ws-77", at=T0 + timedelta(minutes=30))]
    )
    stores.refresh()
    hunt = parse(text)
    found = ids(stores.events.search(hunt.query, Window()))
    wanted = {f"ev-{n:05d}" for n in [*range(200), 1000] if expected(n)}
    assert found == wanted
    assert stores.events.count(hunt.query) == len(wanted)


def test_a_hunt_nesting_past_the_limit_is_refused_and_one_within_it_runs_on_every_backend(stores: Stores) -> None:
    with pytest.raises(UsageError, match="nests deeper than"):
        parse("(" * 3000 + "user.name:carol" + ")" * 3000)  # once a RecursionError out of the CLI
    stores.events.write([event(n) for n in range(3)] + [event(1000, user__name="carol", host__name="ws-77")])
    stores.refresh()
    nested = parse("(" * 60 + "user.name:carol AND (host.name:ws-77 OR host.name:ws-78)" + ")" * 60)
    assert ids(stores.events.search(nested.query, Window())) == {"ev-01000"}


def test_ioc_match_retroactive_and_at_ingest_agree(stores: Stores) -> None:
    cases = stores.cases
    indicators = [
        make(IndicatorType.IP, "10.0.0.7", "feed"),
        make(IndicatorType.NETWORK, "10.0.0.96/30", "feed"),
        make(IndicatorType.DOMAIN, "evil.example", "feed"),
        make(IndicatorType.SHA256, "ab" * 32, "feed"),
    ]
    import_indicators(cases, indicators, actor="dana", source="feed")
    batch = [event(n) for n in range(20)] + [
        event(500, source__ip="10.0.0.98"),
        event(501, source__ip="192.0.2.1", destination__domain="cdn.EVIL.example"),
        event(502, source__ip="192.0.2.2", file__hash__sha256="AB" * 32),
        event(503, source__ip="192.0.2.3", destination__domain="notevil.example"),
    ]
    stores.events.write(batch)
    stores.refresh()
    retro = match_stored(cases, stores.events, Window(T0 - timedelta(days=1)), dry_run=True)
    hits = {(a.details["ioc"]["value"], a.events[0].id) for a in retro.alerts}
    assert hits == {
        ("10.0.0.7", "ev-00007"),
        ("10.0.0.96/30", "ev-00500"),
        ("evil.example", "ev-00501"),
        ("ab" * 32, "ev-00502"),
    }
    assert all(a.rule.source == "ioc" for a in retro.alerts)
    hook = IngestHook(cases)
    hook(batch)
    assert hook.stored == 4
    stored = {(a.details["ioc"]["value"], a.events[0].id) for a in cases.alerts()}
    assert stored == hits
    again = match_stored(cases, stores.events, Window(T0 - timedelta(days=1)))
    assert again.new_alerts == 0  # the same alerts: dedup keys agree between the two paths


def test_suppression_from_an_alert_silences_the_rule_on_its_host(stores: Stores) -> None:
    cases = stores.cases
    stored = cases.add_alerts([alert(1, hosts=("scanner-01",), users=("svc",)), alert(2, hosts=("ws-01",))])
    made = triage.suppress(
        cases, stored[0].id, actor="dana", reason="vulnerability scanner", kinds=["hosts"], expires=None
    )
    closed = cases.get_alert(stored[0].id)
    assert closed.status is AlertStatus.CLOSED and closed.close_reason is CloseReason.BENIGN
    assert closed.details["suppression"] == made.id
    suppressor = Suppressor.from_store(cases)
    assert suppressor.match("rule-a", event(9, host__name="SCANNER-01")) is not None
    assert suppressor.match("rule-a", event(9, host__name="ws-01")) is None
    assert suppressor.match("rule-b", event(9, host__name="scanner-01")) is None
    assert suppressor.match_alert(alert(3, hosts=("scanner-01",))) is not None
    assert suppressor.match_alert(stored[1]) is None


def test_bulk_actions_by_filter(stores: Stores) -> None:
    cases = stores.cases
    cases.add_alerts([alert(n, hosts=("ws-01" if n < 7 else "ws-02",)) for n in range(10)])
    chosen = triage.selected_ids(cases, [], AlertFilter(host="ws-01"))
    assert len(chosen) == 7
    assert triage.close(cases, chosen, CloseReason.FALSE_POSITIVE, actor="dana") == 7
    assert triage.close(cases, chosen, CloseReason.FALSE_POSITIVE, actor="dana") == 0  # nothing left to change
    assert cases.count_alerts(AlertFilter(status=(AlertStatus.CLOSED,))) == 7
    rest = triage.selected_ids(cases, [], AlertFilter(status=(AlertStatus.OPEN,)))
    assert triage.acknowledge(cases, rest, actor="lee") == 3
    assert {a.assignee for a in cases.alerts(AlertFilter(host="ws-02"))} == {"lee"}
    assert len([e for e in cases.audit_entries() if e.action == "alert.close"]) == 7
