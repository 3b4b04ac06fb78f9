"""Correlation rules and Sigma filters around their edges: thresholds, timespans, groups, order."""

from __future__ import annotations

BASE = """
title: failed
id: 22222222-2222-4222-8222-222222222222
name: failed
taxonomy: ecs
logsource: {product: test}
detection:
  s: {event.outcome: failure}
  condition: s
---
title: ok
id: 33333333-3333-4333-8333-333333333333
name: ok
taxonomy: ecs
logsource: {product: test}
detection:
  s: {event.outcome: success}
  condition: s
---
"""


def ev(second: float, outcome: str = "failure", ip: str = "10.0.0.1", user: str = "u", **extra) -> dict:
    minute, sec = divmod(second, 60)
    event = {
        "@timestamp": f"2026-01-01T10:{int(minute):02d}:{sec:06.3f}Z",
        "event": {"outcome": outcome, "id": f"e{second}-{outcome}-{ip}-{user}"},
        "source": {"ip": ip},
        "user": {"name": user},
    }
    event.update(extra)
    return event


def corr(body: str) -> str:
    return BASE + "title: c\nid: 44444444-4444-4444-8444-444444444444\nlevel: high\ncorrelation:\n" + body


def fired(detector, rule: str, events: list[dict]) -> list:
    det = detector(rule)
    assert det.ruleset.problems == []
    return [a for a in det.run(events) if a.rule.id == "44444444-4444-4444-8444-444444444444"]


COUNT = corr(
    "  type: event_count\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 10s\n  condition: {gte: 3}\n"
)


def test_event_count_threshold(detector) -> None:
    assert len(fired(detector, COUNT, [ev(0), ev(1), ev(2)])) == 1
    assert fired(detector, COUNT, [ev(0), ev(1)]) == []


def test_event_count_timespan_edges_are_inclusive(detector) -> None:
    assert len(fired(detector, COUNT, [ev(0), ev(5), ev(10)])) == 1
    assert fired(detector, COUNT, [ev(0), ev(5), ev(10.001)]) == []


def test_event_count_groups_apart_and_alert_carries_group(detector) -> None:
    assert fired(detector, COUNT, [ev(0), ev(1, ip="10.0.0.2"), ev(2)]) == []
    [alert] = fired(detector, COUNT, [ev(0), ev(1), ev(2), ev(3, ip="10.0.0.2")])
    assert alert.details["group"] == {"source.ip": "10.0.0.1"} and len(alert.events) == 3
    assert alert.severity == "high"


def test_event_count_order_of_input_does_not_matter(detector) -> None:
    assert len(fired(detector, COUNT, [ev(2), ev(0), ev(1)])) == 1


def test_event_count_fires_again_for_a_new_window(detector) -> None:
    events = [ev(0), ev(1), ev(2), ev(30), ev(31), ev(32)]
    assert len(fired(detector, COUNT, events)) == 2


def test_event_count_less_than(detector) -> None:
    rule = corr(
        "  type: event_count\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 10s\n  condition: {lt: 2}\n"
    )
    assert len(fired(detector, rule, [ev(0), ev(30)])) == 2
    assert fired(detector, rule, [ev(0), ev(1)]) == []


def test_value_count_counts_distinct_values(detector) -> None:
    rule = corr(
        "  type: value_count\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 1m\n"
        "  condition: {field: user.name, gte: 3}\n"
    )
    assert len(fired(detector, rule, [ev(0, user="a"), ev(1, user="b"), ev(2, user="c")])) == 1
    assert fired(detector, rule, [ev(0, user="a"), ev(1, user="a"), ev(2, user="b")]) == []


def test_temporal_any_order_within_timespan(detector) -> None:
    rule = corr("  type: temporal\n  rules: [failed, ok]\n  group-by: [source.ip]\n  timespan: 10s\n")
    assert len(fired(detector, rule, [ev(0, "success"), ev(5, "failure")])) == 1
    assert fired(detector, rule, [ev(0, "success"), ev(11, "failure")]) == []
    assert fired(detector, rule, [ev(0, "success"), ev(5, "failure", ip="10.0.0.9")]) == []


def test_temporal_ordered_requires_the_order(detector) -> None:
    rule = corr("  type: temporal_ordered\n  rules: [failed, ok]\n  group-by: [source.ip]\n  timespan: 10s\n")
    assert len(fired(detector, rule, [ev(0, "failure"), ev(5, "success")])) == 1
    assert fired(detector, rule, [ev(0, "success"), ev(5, "failure")]) == []


def test_aliases_group_different_fields(detector) -> None:
    rule = corr(
        "  type: temporal\n  rules: [failed, ok]\n  group-by: [peer]\n  timespan: 10s\n"
        "  aliases:\n    peer:\n      failed: source.ip\n      ok: destination.ip\n"
    )
    good = [ev(0, "failure", ip="10.1.1.1"), ev(1, "success", ip="10.9.9.9", destination={"ip": "10.1.1.1"})]
    bad = [ev(0, "failure", ip="10.1.1.1"), ev(1, "success", ip="10.1.1.1", destination={"ip": "10.2.2.2"})]
    assert len(fired(detector, rule, good)) == 1
    assert fired(detector, rule, bad) == []


def test_value_sum_avg_percentile(detector) -> None:
    def with_bytes(sec: int, n: int) -> dict:
        return ev(sec, source={"ip": "10.0.0.1", "bytes": n})

    total = corr(
        "  type: value_sum\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 1m\n"
        "  condition: {field: source.bytes, gt: 100}\n"
    )
    assert len(fired(detector, total, [with_bytes(0, 60), with_bytes(1, 41)])) == 1
    assert fired(detector, total, [with_bytes(0, 60), with_bytes(1, 40)]) == []
    avg = corr(
        "  type: value_avg\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 1m\n"
        "  condition: {field: source.bytes, gte: 50}\n"
    )
    assert len(fired(detector, avg, [with_bytes(0, 40), with_bytes(1, 60)])) == 1
    assert fired(detector, avg, [with_bytes(0, 40), with_bytes(1, 59)]) == []
    rare = corr(
        "  type: value_percentile\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 1m\n"
        "  condition: {field: user.name, lte: 10}\n"
    )
    many = [ev(i, user="common") for i in range(19)]
    assert len(fired(detector, rare, [*many, ev(30, user="rare")])) == 1
    assert fired(detector, rare, [*many, ev(30, user="common")]) == []


def test_chained_correlation(detector) -> None:
    rule = (
        BASE + "title: many\nid: 55555555-5555-4555-8555-555555555555\nname: many\ncorrelation:\n"
        "  type: event_count\n  rules: [failed]\n  group-by: [user.name]\n  timespan: 1m\n  condition: {gte: 3}\n---\n"
        "title: c\nid: 44444444-4444-4444-8444-444444444444\ncorrelation:\n"
        "  type: temporal_ordered\n  rules: [many, ok]\n  group-by: [user.name]\n  timespan: 5m\n"
    )
    assert len(fired(detector, rule, [ev(0), ev(1), ev(2), ev(100, "success")])) == 1
    assert fired(detector, rule, [ev(0), ev(1), ev(100, "success")]) == []
    assert fired(detector, rule, [ev(0), ev(1), ev(2), ev(100, "success", user="other")]) == []


def test_global_filter_removes_matches_of_its_rules(detector) -> None:
    # pySigma (the reference implementation) ANDs the filter condition onto the rule's: an
    # exclusion is written "not selection".
    text = BASE + (
        "title: f\nlogsource: {product: test}\nfilter:\n  rules: [failed]\n"
        "  selection: {user.name|startswith: svc_}\n  condition: not selection\n"
    )
    det = detector(text)
    assert det.ruleset.problems == [] and len(det.ruleset.filters) == 1
    alerts = det.run([ev(0, user="svc_backup"), ev(1, user="alice"), ev(2, "success", user="svc_backup")])
    assert sorted((a.rule.name, a.entities.users[0]) for a in alerts) == [("failed", "alice"), ("ok", "svc_backup")]
