"""Growing correlation windows found in one pass agree with the definition, searched exhaustively.

The definition (what the engine promised before the pass was linear): from
each start, the smallest window within the timespan that holds fires and is
used up; a start from which none holds is dropped; with a clock, the first
start whose timespan reaches past it waits for a later run.
"""

from __future__ import annotations

import random

import pytest

from secops.cases.models import RuleRef
from secops.detect.correlate import CorrelationPlan, Hit, _holds, _measure, evaluate


def plan(kind: str, op: str, count: float, *, refs: int = 1, fields: int = 1) -> CorrelationPlan:
    return CorrelationPlan(
        id="c",
        type=kind,
        op=op,
        count=count,
        span=10.0,
        group_by=["host"],
        refs=[["rule", n] for n in range(refs)],
        ref_ids=[f"r{n}" for n in range(refs)],
        fields=[[["host.name"], "user.name"] for _ in range(refs)],
        ref=RuleRef(id="c", name="c"),
        more_values=[["source.ip"] * (fields - 1) for _ in range(refs)] if fields > 1 else None,
    )


def exhaustive(p: CorrelationPlan, series: list[Hit], clock: float | None) -> tuple[list[list[Hit]], int]:
    holds = _holds(p, _measure(p))
    out, i = [], 0
    while i < len(series):
        limit = series[i].time + p.span
        ends = [j for j in range(i + 1, len(series) + 1) if series[j - 1].time <= limit]
        fired = next((j for j in ends if holds(series[i:j])), None)
        if fired is not None:
            out.append(series[i:fired])
            i = fired
        elif clock is not None and limit >= clock:
            return out, i
        else:
            i += 1
    return out, len(series)


def random_series(rng: random.Random, p: CorrelationPlan, size: int) -> list[Hit]:
    moment, hits = 0.0, []
    width = 1 + len(p.more_values[0]) if p.more_values else 1
    for _ in range(size):
        moment += rng.choice([0.0, 0.5, 1.0, 2.0, 7.0, 12.0])
        values = [rng.choice([None, "a", "b", "c", "d", "e", "3", "11"]) for _ in range(width)]
        value = values if width > 1 else values[0]
        if p.type == "value_sum":
            value = rng.choice([None, 0, 1, 2.5, 7, "4", "x"])
        hits.append(Hit(moment, rng.randrange(len(p.refs)), ("h",), value, [{"n": len(hits)}]))
    return hits


CASES = [
    ("event_count", "gte", 4, 1, 1),
    ("event_count", "gt", 2, 1, 1),
    ("value_count", "gte", 3, 1, 1),
    ("value_count", "gt", 3, 1, 2),
    ("temporal", "gte", 3, 3, 1),
    ("temporal_ordered", "gte", 3, 3, 1),
    ("value_sum", "gt", 9, 1, 1),
]


@pytest.mark.parametrize(("kind", "op", "count", "refs", "fields"), CASES)
def test_one_pass_finds_the_windows_the_definition_does(kind: str, op: str, count: int, refs: int, fields: int) -> None:
    rng = random.Random(f"{kind}-{op}-{fields}")
    p = plan(kind, op, count, refs=refs, fields=fields)
    fired = 0
    for _ in range(300):
        series = random_series(rng, p, rng.randrange(1, 40))
        for clock in (None, series[-1].time, series[len(series) // 2].time):
            firings, rest = evaluate(p, list(series), clock)
            windows, open_from = exhaustive(p, series, clock)
            assert [[e["n"] for e in f.events] for f in firings] == [[h.events[0]["n"] for h in w] for w in windows]
            assert rest == series[open_from:]
            fired += len(firings)
    assert fired > 50  # the cases do fire: the comparison is not between two empty lists
