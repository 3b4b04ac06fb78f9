"""Edges of the Sigma specification where the engine's three paths once disagreed, or the spec was misread.

Every detection case runs on the three paths of the native engine: per event
with the prefilter (``match``), without it (``match_all``) and per batch
(``match_batch``); they must agree, and agree with what the spec asks.
"""

from __future__ import annotations

import random
import sys

import orjson
import pytest
import re2

from secops.detect.detector import Detector
from secops.detect.event_text import gate_literal, gate_text
from secops.detect.modifiers import RE2_OPTIONS, number
from secops.detect.plan import regex_literal
from tests.detect.test_correlations import corr, ev
from tests.detect.test_modifiers import HEAD

CORRELATION = "44444444-4444-4444-8444-444444444444"


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


# -- regex literals: what Python's parser may misread ---------------------------------------


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # pySigma compiles it with Python's re
def test_posix_classes_read_as_re2_reads_them(detector) -> None:
    # Python's parser reads [[:digit:]] as a set holding '[' ':' 'd' ... then the literal ']xyz'.
    assert regex_literal("[[:digit:]]xyz") == ""
    events = [{"f": "1xyz"}, {"f": "]xyz"}, {"f": "axyz"}]
    assert three_paths(detector, "  s: {f|re: '[[:digit:]]xyz'}\n  condition: s", events) == [True, False, False]
    negated = [{"f": "a1xyz"}, {"f": "abxyz"}]
    assert three_paths(detector, "  s: {f|re: 'a[[:^alpha:]]xyz'}\n  condition: s", negated) == [True, False]


def test_a_repeat_without_lower_bound_is_literal_text_for_re2(detector) -> None:
    assert regex_literal("ab{,3}cd") == ""
    events = [{"f": "xab{,3}cdx"}, {"f": "abbcd"}]
    assert three_paths(detector, "  s: {f|re: 'ab{,3}cd'}\n  condition: s", events) == [True, False]


def test_regex_literals_are_found_where_nothing_is_in_doubt() -> None:
    assert regex_literal(r"\\cmd\.exe /c") == "\\cmd.exe /c"
    assert regex_literal("abc+de") == "ab"
    assert regex_literal("a|bcd") == ""
    assert regex_literal("(?i)kernel32") == "kernel32"
    assert regex_literal("powershell", "i") == "powershell"  # RE2 folds s with ſ: gate_text spells ſ as s too


TOKENS = [
    *"abskxSK[]:^-.*+?{},1()| \n\\\u017f\u212a\u03a3\u03c3$",
    *[r"\d", r"\.", r"\[", r"\x41", r"\z", "[[:digit:]]", "[[:alpha:]]", "[[.a.]]", "[]a]", "[^a]"],
    *["(?i)", "(?s)", "(?:", "(?i:", "{2}", "{,2}", "{1,}"],
]
TEXT = "absxkSKX[]:^-.{},12\u017f\u212a\u03a3\u03c3\u03c2 \n0A"


def test_the_gates_find_the_regex_literal_in_every_match() -> None:
    """A small fuzz: random patterns RE2 takes, random texts; a match without the literal is a lost alert."""
    rng = random.Random(7)
    checked = 0
    for _ in range(20_000):
        pattern = "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 6)))
        flags = rng.choice(["", "", "i"])
        try:
            compiled = re2.compile(f"(?{flags}){pattern}" if flags else pattern, RE2_OPTIONS)
        except re2.error:
            continue
        literal = regex_literal(pattern, flags).lower()
        if not literal:
            continue
        for _ in range(10):
            text = "".join(rng.choice(TEXT) for _ in range(rng.randint(0, 8)))
            text = text[:3] + pattern.replace("\\", "") + text[3:] if rng.random() < 0.5 else text
            if compiled.search(text) is not None:
                checked += 1
                assert literal in gate_text(text.lower()), (pattern, flags, literal, text)
    assert checked > 1_000


# -- case folding: RE2's (?i) against the gates' lowercasing -----------------------------------


def test_re2_folds_only_s_and_k_of_ascii_beyond_ascii() -> None:
    """What ``event_text`` relies on (``_CUT_CASELESS``, ``gate_text``), over every code point."""
    beyond = "".join(chr(c) for c in range(0x80, sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    folded = {m.group() for m in re2.finditer("(?i)[a-z]", beyond)}
    assert folded == {"\u017f", "\u212a"}  # ſ (s) and the Kelvin sign (k)
    assert "\u212a".lower() == "k" and "\u017f".lower() != "s"


def test_gate_literal_cuts_where_lowercasing_could_differ() -> None:
    assert gate_literal(["class"], caseless=True) == "class"
    assert gate_literal(["\u0391\u0392\u03a3\u0393"], caseless=False) == "\u0391\u0392"
    assert gate_literal(["abcd", "xyz\u00e9uvwxy"], caseless=True) == "uvwxy"
    assert gate_literal(["abcd", "xyz\u00e9uvwxy"], caseless=False) == "xyz\u00e9uvwxy"


def test_the_gates_spell_long_s_also_as_s() -> None:
    assert gate_text('{"f":"cla\u017f\u017f"}') == '{"f":"cla\u017f\u017f"}\n{"f":"class"}'
    assert gate_text('{"f":"class"}') == '{"f":"class"}'


@pytest.mark.parametrize(
    ("detection", "event"),
    [
        ("  s: {f|re|i: 'class'}\n  condition: s", {"f": "cla\u017f\u017f"}),
        ("  s: {f|re: '(?i)class'}\n  condition: s", {"f": "CLA\u017f\u017f"}),
        ("  s: {f: 'class*x?'}\n  condition: s", {"f": "cla\u017f\u017f xy"}),
        ("  kw: ['class*x?']\n  condition: kw", {"f": "cla\u017f\u017f xy"}),
        ("  s: {f|re|i: 'kelvin'}\n  condition: s", {"f": "\u212aelvin"}),
        ("  s: {f|re: '\u0391\u0392\u03a3'}\n  condition: s", {"f": "\u0391\u0392\u03a3\u0391"}),
        ("  s: {f|cased|contains: '\u0391\u0392\u03a3'}\n  condition: s", {"f": "\u0391\u0392\u03a3\u0391"}),
    ],
)
def test_what_re2_matches_the_gates_let_through(detector, detection: str, event: dict) -> None:
    assert three_paths(detector, detection, [event, {"f": "unrelated"}]) == [True, False]


# -- numbers ------------------------------------------------------------------------------


def test_numeric_text_is_a_plain_decimal_numeral() -> None:
    assert [number(v) for v in ["4624", " 4624\n", "04624", "-3.5", "+7"]] == [4624, 4624, 4624, -3.5, 7]
    rejected = ["4.624e3", "4_624", "inf", "-Infinity", "nan", "0x10", ".5", "5.", "\uff14\uff16", "\u00a04624", ""]
    assert [number(v) for v in rejected] == [None] * len(rejected)
    assert number("9007199254740993") == 9007199254740993  # exact, not rounded through a float
    assert number("1" * 5000) == float("inf")  # long text costs no quadratic int()


def test_a_number_matches_decimal_text_only(detector) -> None:
    values = ["4624", " 4624 ", "04624", "4624.0", "4.624e3", "4_624", "\uff14\uff16\uff12\uff14", 4624]
    expected = [True, True, True, True, False, False, False, True]
    assert three_paths(detector, "  s: {f: 4624}\n  condition: s", [{"f": v} for v in values]) == expected


def test_comparisons_ignore_infinity_nan_and_underscores(detector) -> None:
    values = ["infinity", "inf", "nan", "1_000", "1e3", "6", "6.5", 6]
    expected = [False, False, False, False, False, True, True, True]
    assert three_paths(detector, "  s: {f|gt: 5}\n  condition: s", [{"f": v} for v in values]) == expected
    assert three_paths(detector, "  s: {f|lt: 5}\n  condition: s", [{"f": "-inf"}, {"f": "-1"}]) == [False, True]


# -- value_count over several fields ---------------------------------------------------------

TWO_FIELDS = corr(
    "  type: value_count\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 10s\n"
    "  condition: {field: [user.name, host.name], gte: 2}\n"
)


def fired_both_ways(detector, rule: str, events: list[dict]) -> int:
    """Firings of the correlation, with matches found per batch and per event (they must agree)."""
    det = detector(rule)
    assert det.ruleset.problems == [], det.ruleset.problems
    batch = [a for a in det.run(events) if a.rule.id == CORRELATION]
    single = det.fresh()
    for event in events:
        single.process(event)
    assert len([a for a in single.finish() if a.rule.id == CORRELATION]) == len(batch)
    return len(batch)


def test_value_count_fields_are_linked_by_and(detector) -> None:
    # The spec: "When you use multiple values in `field` they are linked by an **AND**."
    one_host = [ev(0, user="a", host={"name": "h1"}), ev(1, user="b", host={"name": "h1"})]
    assert fired_both_ways(detector, TWO_FIELDS, one_host) == 0
    two_hosts = [ev(0, user="a", host={"name": "h1"}), ev(1, user="b", host={"name": "h2"})]
    assert fired_both_ways(detector, TWO_FIELDS, two_hosts) == 1
    one_user = [ev(0, user="a", host={"name": "h1"}), ev(1, user="a", host={"name": "h2"})]
    assert fired_both_ways(detector, TWO_FIELDS, one_user) == 0


def test_value_count_fields_and_a_falling_condition(detector) -> None:
    rule = TWO_FIELDS.replace("gte: 2", "lt: 2")
    first = ev(0, user="a", host={"name": "h1"})
    assert fired_both_ways(detector, rule, [first, ev(1, user="a", host={"name": "h1"})]) == 1
    # Each field must have fewer than two values: one user on two hosts does not do.
    assert fired_both_ways(detector, rule, [first, ev(1, user="a", host={"name": "h2"})]) == 0


@pytest.mark.parametrize(("second_host", "fires"), [("h2", True), ("h1", False)])
def test_value_count_fields_survive_the_cache_and_a_carried_window(tmp_path, second_host: str, fires: bool) -> None:
    path = tmp_path / "corr.yml"
    path.write_text(TWO_FIELDS, "utf-8")
    Detector.load([path], cache_dir=tmp_path / "cache")
    cached = Detector.load([path], cache_dir=tmp_path / "cache")
    assert cached.compiled.cache == "hit"
    first = cached.fresh()
    first.process_batch([ev(0, user="a", host={"name": "h1"})])
    first.checkpoint()
    state = orjson.loads(orjson.dumps(first.correlation_state()))
    second = cached.fresh()
    second.resume(state)
    second.process_batch([ev(5, user="b", host={"name": second_host})])
    assert [a.rule.id for a in second.finish()] == ([CORRELATION] if fires else [])


def test_several_fields_elsewhere_are_refused_by_name(detector) -> None:
    rule = corr(
        "  type: value_sum\n  rules: [failed]\n  group-by: [source.ip]\n  timespan: 10s\n"
        "  condition: {field: [source.bytes, destination.bytes], gte: 2}\n"
    )
    [problem] = [str(p) for p in detector(rule).ruleset.problems]
    assert "value_sum" in problem and "source.bytes, destination.bytes" in problem
