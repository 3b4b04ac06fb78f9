"""Edges of the Sigma specification where the engine's three paths once disagreed, or the spec was misread.

Every detection case runs on the three paths of the native engine: per event
with the prefilter (``match``), without it (``match_all``) and per batch
(``match_batch``); they must agree, and agree with what the spec asks.
"""

from __future__ import annotations

import pytest

HEAD = """
title: t
id: 11111111-1111-4111-8111-111111111111
taxonomy: ecs
logsource: {product: test}
detection:
"""


def three_paths(detector, detection: str, events: list[dict]) -> list[bool]:
    """Whether each event matches the rule; the three paths must say the same."""
    det = detector(HEAD + detection)
    assert det.ruleset.problems == [], det.ruleset.problems
    engine = det.engine
    per_event = [bool(engine.match(e)) for e in events]
    unfiltered = [bool(engine.match_all(e)) for e in events]
    batch_rows = {row for row, _ in engine.match_batch(events)}
    batch = [row in batch_rows for row in range(len(events))]
    assert per_event == unfiltered, "the prefilter hides a match (or invents one)"
    assert per_event == batch, "the batch evaluator disagrees with the per-event one"
    return per_event


# -- fieldref ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("modifiers", "expected"),
    [
        ("fieldref|contains", [True, True, True, True, False]),
        ("fieldref|startswith", [False, True, False, True, False]),
        ("fieldref|endswith", [False, False, True, True, False]),
        ("fieldref", [False, False, False, True, False]),
    ],
)
def test_fieldref_relates_the_two_fields_as_its_modifier_says(detector, modifiers: str, expected: list[bool]) -> None:
    events = [
        {"f": "xxabcxx", "g": "abc"},
        {"f": "ABCxx", "g": "abc"},
        {"f": ["no", "xxAbc"], "g": "abc"},
        {"f": "abc", "g": "ABC"},
        {"f": "xxabxcxx", "g": "abc"},
    ]
    assert three_paths(detector, f"  s: {{f|{modifiers}: g}}\n  condition: s", events) == expected
