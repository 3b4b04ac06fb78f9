"""Sigma values, after pySigma applied their modifiers, turned into tests on one event value.

pySigma resolves the modifiers into typed values: ``contains``/``startswith``/
``endswith`` become wildcards in a ``SigmaString``; ``base64``, ``base64offset``,
``wide``/``utf16*`` and ``windash`` become plain strings or a ``SigmaExpansion``
of alternatives; ``cased`` a ``SigmaCasedString``; ``re`` with its ``i``/``m``/``s``
flags a ``SigmaRegularExpression``; ``cidr``, ``gt``/``gte``/``lt``/``lte``,
``fieldref``, ``exists``, the time parts and ``expand`` their own types; ``all``
and ``neq`` shape the condition tree. This module gives each value type its
match semantics:

- strings match case-insensitively unless cased; ``*`` and ``?`` are wildcards;
- numbers and booleans match their own kind or their text form;
- regexes search (not anchored) with RE2, a linear-time engine, because rule
  regexes meet attacker-controlled text;
- a list in the event matches when any element matches (Elasticsearch's
  semantics for arrays).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import re2

try:  # Python's own regex parser, used read-only to find literals a regex needs
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
    TimestampPart,
)

from secops.errors import RuleError

ValueTest = Callable[[Any], bool]
"""A test on one scalar event value (never a list)."""

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False


def text(value: Any) -> str | None:
    """The text form a string pattern is matched against; None for objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return None


def number(value: Any) -> float | None:
    """A numeric event value, from a number or numeric text; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class StringPattern:
    """A Sigma string reduced to the fastest test that is exact for it."""

    kind: str
    """``eq``, ``prefix``, ``suffix``, ``contains`` (one literal) or ``glob`` (anything else)."""
    literal: str
    """The literal for eq/prefix/suffix/contains (lowercased unless cased)."""
    cased: bool
    longest: str
    """The longest literal run any match must contain, for prefiltering."""
    test: Callable[[str], bool]
    """Test on the event value's text (the caller does not lowercase)."""


def string_pattern(value: SigmaString) -> StringPattern:
    """Compile a Sigma string with wildcards; placeholders left by pipelines cannot be evaluated."""
    cased = isinstance(value, SigmaCasedString)
    parts: list[str | SpecialChars] = []
    for part in value.s:
        if isinstance(part, Placeholder):
            raise RuleError(f"placeholder %{part.name}% has no values (define it under [detect] placeholders)")
        if isinstance(part, str) and parts and isinstance(parts[-1], str):
            parts[-1] += part
        else:
            parts.append(part)
    if not cased:
        parts = [p.lower() if isinstance(p, str) else p for p in parts]
    runs = [p for p in parts if isinstance(p, str)]
    longest = max(runs, key=len, default="")
    star = SpecialChars.WILDCARD_MULTI
    if all(isinstance(p, str) for p in parts):
        lit = "".join(runs)
        return StringPattern("eq", lit, cased, lit, _eq(lit, cased))
    if len(parts) == 2 and parts[0] is star and isinstance(parts[1], str):
        return StringPattern("suffix", parts[1], cased, longest, _suffix(parts[1], cased))
    if len(parts) == 2 and parts[1] is star and isinstance(parts[0], str):
        return StringPattern("prefix", parts[0], cased, longest, _prefix(parts[0], cased))
    if len(parts) == 3 and parts[0] is star and parts[2] is star and isinstance(parts[1], str):
        return StringPattern("contains", parts[1], cased, longest, _contains(parts[1], cased))
    return StringPattern("glob", longest, cased, longest, _glob(parts, cased))


def _eq(lit: str, cased: bool) -> Callable[[str], bool]:
    return (lambda t: t == lit) if cased else (lambda t: t.lower() == lit)


def _prefix(lit: str, cased: bool) -> Callable[[str], bool]:
    return (lambda t: t.startswith(lit)) if cased else (lambda t: t.lower().startswith(lit))


def _suffix(lit: str, cased: bool) -> Callable[[str], bool]:
    return (lambda t: t.endswith(lit)) if cased else (lambda t: t.lower().endswith(lit))


def _contains(lit: str, cased: bool) -> Callable[[str], bool]:
    return (lambda t: lit in t) if cased else (lambda t: lit in t.lower())


def _glob(parts: list[str | SpecialChars], cased: bool) -> Callable[[str], bool]:
    """Wildcards through RE2 (anchored at both ends, dot matches newlines)."""
    out = []
    for part in parts:
        if part is SpecialChars.WILDCARD_MULTI:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        else:
            out.append(re2.escape(part))
    flags = "(?s)" if cased else "(?si)"
    compiled = re2.compile(flags + "".join(out), _RE2_OPTIONS)
    return lambda t: compiled.fullmatch(t) is not None


def regex_literal(value: SigmaRegularExpression) -> str:
    """The longest run of plain characters every match of the regex must contain ("" if none).

    Only top-level, mandatory literals count: anything under an alternation or an
    optional repeat is skipped, so the run is a necessary condition for a match.
    """
    try:
        parsed = sre_parse.parse(str(value.regexp))
    except (re.error, OverflowError, RecursionError):
        return ""
    best, run = "", []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
            continue
        if len(run) > len(best):
            best = "".join(run)
        run = []
    if len(run) > len(best):
        best = "".join(run)
    return best


def regex_test(value: SigmaRegularExpression) -> ValueTest:
    """A ``re`` value: unanchored search with RE2; flags from the ``i``/``m``/``s`` modifiers."""
    flags = "".join(
        letter
        for flag, letter in (
            (SigmaRegularExpressionFlag.IGNORECASE, "i"),
            (SigmaRegularExpressionFlag.MULTILINE, "m"),
            (SigmaRegularExpressionFlag.DOTALL, "s"),
        )
        if flag in value.flags
    )
    pattern = str(value.regexp)
    try:
        compiled = re2.compile(f"(?{flags}){pattern}" if flags else pattern, _RE2_OPTIONS)
    except re2.error as exc:
        raise RuleError(f"regular expression {pattern!r} is outside the linear-time subset: {exc}") from exc
    search = compiled.search

    def test(v: Any) -> bool:
        t = text(v)
        return t is not None and search(t) is not None

    return test


def number_test(value: SigmaNumber) -> ValueTest:
    want = value.number

    def test(v: Any) -> bool:
        n = number(v)
        return n is not None and n == want

    return test


def bool_test(value: SigmaBool) -> ValueTest:
    want = value.boolean
    word = "true" if want else "false"

    def test(v: Any) -> bool:
        if isinstance(v, bool):
            return v is want
        return isinstance(v, str) and v.strip().lower() == word

    return test


_COMPARE: dict[CompareOperators, Callable[[float, float], bool]] = {
    CompareOperators.LT: lambda a, b: a < b,
    CompareOperators.LTE: lambda a, b: a <= b,
    CompareOperators.GT: lambda a, b: a > b,
    CompareOperators.GTE: lambda a, b: a >= b,
    CompareOperators.NEQ: lambda a, b: a != b,
}


def compare_test(value: SigmaCompareExpression) -> ValueTest:
    op = _COMPARE[value.op]
    bound = value.number.number

    def test(v: Any) -> bool:
        n = number(v)
        return n is not None and op(n, bound)

    return test


def cidr_test(value: SigmaCIDRExpression) -> ValueTest:
    network = value.network
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


_PARTS: dict[TimestampPart, Callable[[datetime], int]] = {
    TimestampPart.MINUTE: lambda d: d.minute,
    TimestampPart.HOUR: lambda d: d.hour,
    TimestampPart.DAY: lambda d: d.day,
    TimestampPart.WEEK: lambda d: d.isocalendar().week,
    TimestampPart.MONTH: lambda d: d.month,
    TimestampPart.YEAR: lambda d: d.year,
}


def timestamp_part_test(value: SigmaTimestampPart) -> ValueTest:
    """``minute``/``hour``/… modifiers: a part of an RFC 3339 timestamp (no zone conversion, per the spec)."""
    part = _PARTS[value.timestamp_part]
    want = value.number

    def test(v: Any) -> bool:
        if not isinstance(v, str):
            return False
        try:
            moment = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            return False
        return part(moment) == want

    return test
