"""Sigma value semantics: a plan's value spec (see ``plan``) as a test on one event value.

pySigma resolves the modifiers into typed values and ``plan`` turns those into
specs: ``contains``/``startswith``/``endswith`` become string specs;
``base64``, ``base64offset``, ``wide``/``utf16*`` and ``windash`` become plain
strings or alternatives; ``cased`` the ``c*`` string specs; ``re`` with its
``i``/``m``/``s`` flags a regex spec; ``cidr``, ``gt``/``gte``/``lt``/``lte``,
``neq``, the time parts and ``expand`` their own specs; ``all`` shapes the
condition tree. This module gives each spec its match semantics, shared by the
per-event and the batch evaluators:

- strings match case-insensitively unless cased; ``*`` and ``?`` are wildcards;
- numbers and booleans match their own kind or their text form;
- regexes search (not anchored) with RE2, a linear-time engine, because rule
  regexes meet attacker-controlled text;
- a list in the event matches when any element matches (Elasticsearch's
  semantics for arrays) — the callers apply the test to each element.
"""

from __future__ import annotations

import ipaddress
import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import re2

from secops.detect.event_text import gate_literal

ValueTest = Callable[[Any], bool]
"""A test on one scalar event value (never a list)."""

RE2_OPTIONS = re2.Options()
RE2_OPTIONS.log_errors = False
STRING_KINDS = frozenset(["eq", "prefix", "suffix", "contains"])
"""Case-insensitive string specs: the fast paths both evaluators treat specially."""


def text(value: Any) -> str | None:
    """The text form a string pattern is matched against; None for objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


_NUMERAL = re.compile(r"[ \t\n\r\f\v]*([+-]?[0-9]+)(\.[0-9]+)?[ \t\n\r\f\v]*")
"""Numeric text: a plain decimal numeral, as Elasticsearch's coercion reads one into a numeric field.

Surrounding whitespace and leading zeros are taken; what ``float`` takes beyond
that (``4.624e3``, ``4_624``, ``infinity``, ``nan``, non-ASCII digits) is text.
"""


def number(value: Any) -> float | None:
    """A numeric event value, from a number or a decimal numeral (``_NUMERAL``); booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        if value.isdigit() and value.isascii() and len(value) <= 19:  # most numeric text: no regex needed
            return int(value)
        found = _NUMERAL.fullmatch(value)
        if found is None:
            return None
        whole, fraction = found.groups()
        if fraction or len(whole) > 19:  # longer: Python's int() of long text is slow, and capped
            return float(whole + (fraction or ""))
        return int(whole)
    return None


def regex(pattern: str, flags: str) -> Any:
    """A compiled RE2 regex (``plan`` has already refused the ones RE2 cannot run)."""
    return re2.compile(f"(?{flags}){pattern}" if flags else pattern, RE2_OPTIONS)


def text_test(spec: list[Any]) -> Callable[[str], bool]:
    """A string spec as a test on text (the caller does not lowercase)."""
    kind, lit = spec[0], spec[1]
    if kind == "eq":
        return lambda t: t.lower() == lit
    if kind == "prefix":
        return lambda t: t.lower().startswith(lit)
    if kind == "suffix":
        return lambda t: t.lower().endswith(lit)
    if kind == "contains":
        return lambda t: lit in t.lower()
    if kind == "ceq":
        return lambda t: t == lit
    if kind == "cprefix":
        return lambda t: t.startswith(lit)
    if kind == "csuffix":
        return lambda t: t.endswith(lit)
    if kind == "ccontains":
        return lambda t: lit in t
    if kind == "glob":
        fullmatch = regex(lit, "").fullmatch
        return lambda t: fullmatch(t) is not None
    raise ValueError(f"not a string spec: {kind}")


def value_test(spec: list[Any]) -> ValueTest:
    """Any value spec except the field-level ones (null, exists, fieldref)."""
    kind = spec[0]
    if kind in ("re", "num", "bool", "cidr", "cmp", "tpart"):
        return _TYPED[kind](spec)
    on_text = text_test(spec)

    def test(v: Any) -> bool:
        t = text(v)
        return t is not None and on_text(t)

    return test


def _regex_test(spec: list[Any]) -> ValueTest:
    search = regex(spec[1], spec[2]).search

    def test(v: Any) -> bool:
        t = text(v)
        return t is not None and search(t) is not None

    return test


def _number_test(spec: list[Any]) -> ValueTest:
    want = spec[1]

    def test(v: Any) -> bool:
        n = number(v)
        return n is not None and n == want

    return test


def _bool_test(spec: list[Any]) -> ValueTest:
    want = spec[1]
    word = "true" if want else "false"

    def test(v: Any) -> bool:
        if isinstance(v, bool):
            return v is want
        return isinstance(v, str) and v.strip().lower() == word

    return test


COMPARE: dict[str, Callable[[float, float], bool]] = {
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "neq": operator.ne,
}


def _compare_test(spec: list[Any]) -> ValueTest:
    op, bound = COMPARE[spec[1]], spec[2]

    def test(v: Any) -> bool:
        n = number(v)
        return n is not None and op(n, bound)

    return test


def _cidr_test(spec: list[Any]) -> ValueTest:
    network = ipaddress.ip_network(spec[1], strict=False)
    lo, hi, version = int(network.network_address), int(network.broadcast_address), network.version

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            ip = ipaddress.ip_address(v.strip().split("%", 1)[0])
        except ValueError:
            return False
        if ip.version != version:
            mapped = getattr(ip, "ipv4_mapped", None)
            if mapped is None or version != 4:
                return False
            ip = mapped
        return lo <= int(ip) <= hi

    return test


_PARTS: dict[str, Callable[[datetime], int]] = {
    "minute": lambda d: d.minute,
    "hour": lambda d: d.hour,
    "day": lambda d: d.day,
    "week": lambda d: d.isocalendar().week,
    "month": lambda d: d.month,
    "year": lambda d: d.year,
}


def _timestamp_part_test(spec: list[Any]) -> ValueTest:
    """``minute``/``hour``/… modifiers: a part of an RFC 3339 timestamp (no zone conversion, per the spec)."""
    part, want = _PARTS[spec[1]], spec[2]

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            moment = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            return False
        return part(moment) == want

    return test


_TYPED: dict[str, Callable[[list[Any]], ValueTest]] = {
    "re": _regex_test,
    "num": _number_test,
    "bool": _bool_test,
    "cidr": _cidr_test,
    "cmp": _compare_test,
    "tpart": _timestamp_part_test,
}


def spec_literal(spec: list[Any]) -> str:
    """The longest literal any value matching the spec must contain ("" when none is known)."""
    kind = spec[0]
    if kind in STRING_KINDS:  # lowercased as the test lowercases the value
        return str(spec[1])
    if kind in ("ceq", "cprefix", "csuffix", "ccontains"):  # the gates lowercase it alone, as no text might
        return gate_literal([str(spec[1])], caseless=False)
    if kind == "glob":
        return str(spec[2])
    if kind == "re":
        return str(spec[3])
    return ""
