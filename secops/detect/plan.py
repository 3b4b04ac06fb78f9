"""A processed Sigma rule reduced to a plan: its condition as plain data.

pySigma parses the rule and its pipeline maps fields and adds logsource
conditions (the expensive part); what the evaluators need from the result is
small and fits in JSON, so it can be cached between runs (see ``cache``) and
both evaluators (per event in ``compile``, per batch in ``batch``) are built
from the same plan. Every value is validated here: a regex outside RE2's
linear-time subset or a placeholder without values raises ``RuleError`` at
planning time, never at evaluation.

A node is a list whose first item names it::

    ["and", [node, ...]]    ["or", [node, ...]]    ["not", node]
    ["field", name, [spec, ...], from_logsource]   values OR-ed on one field
    ["kw", [spec, ...]]                            keywords: any value of the event

A value spec (what one event value is tested against)::

    ["eq"|"prefix"|"suffix"|"contains", literal]     case-insensitive, literal lowercased
    ["ceq"|"cprefix"|"csuffix"|"ccontains", literal] cased
    ["glob", re2 source, longest literal, cased]     other wildcards, anchored
    ["re", pattern, flags, needed literal]           unanchored RE2 search, flags from i/m/s
    ["num", n]  ["bool", b]  ["cidr", network]  ["cmp", op, n]  ["tpart", part, n]
    ["null"]  ["exists", b]  ["fieldref", other field, startswith, endswith]

Values of one field under an OR are merged into one ``field`` node, as the
per-event compiler and the batch evaluator both want them.
"""

from __future__ import annotations

import re
import re._constants as sre_constants  # Python's own regex parser, used read-only
import re._parser as sre_parse  # to find the literals a regex needs
import warnings
from collections.abc import Iterator
from typing import Any

import re2
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.exceptions import SigmaError
from sigma.rule import SigmaRule
from sigma.types import (
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SpecialChars,
)

from secops.detect.event_text import gate_literal
from secops.detect.modifiers import RE2_OPTIONS
from secops.errors import RuleError

Plan = list[Any]
Spec = list[Any]
SPECIALS = frozenset(["null", "exists", "fieldref"])
"""Specs that test the field as a whole rather than each of its values."""


def plan_rule(rule: SigmaRule) -> Plan:
    """The rule's condition(s) as one node (several conditions are OR-ed, as Sigma says)."""
    try:
        trees = [cond.parsed for cond in rule.detection.parsed_condition]
    except SigmaError as exc:
        raise RuleError(f"condition cannot be parsed: {exc}") from exc
    nodes = [_node(tree) for tree in trees if tree is not None]
    if not nodes:
        raise RuleError("rule has no condition")
    return nodes[0] if len(nodes) == 1 else ["or", nodes]


def _node(item: Any) -> Plan:
    if isinstance(item, ConditionAND):
        return ["and", [_node(a) for a in item.args]]
    if isinstance(item, ConditionOR):
        return _or_items(item.args)
    if isinstance(item, ConditionNOT):
        return ["not", _node(item.args[0])]
    if isinstance(item, ConditionFieldEqualsValueExpression):
        return ["field", item.field, _specs([item.value]), _from_pipeline(item)]
    if isinstance(item, ConditionValueExpression):
        return ["kw", _keyword_specs(item.value)]
    raise RuleError(f"unsupported condition element {type(item).__name__}")


def _or_items(args: list[Any]) -> Plan:
    """OR of items; values tested on the same field become one node."""
    by_field: dict[str, list[Any]] = {}
    added: dict[str, bool] = {}
    others: list[Plan] = []
    for arg in args:
        if isinstance(arg, ConditionFieldEqualsValueExpression):
            by_field.setdefault(arg.field, []).append(arg.value)
            added[arg.field] = added.get(arg.field, True) and _from_pipeline(arg)
        else:
            others.append(_node(arg))
    nodes: list[Plan] = [["field", name, _specs(values), added[name]] for name, values in by_field.items()]
    nodes += others
    return nodes[0] if len(nodes) == 1 else ["or", nodes]


def _from_pipeline(item: Any) -> bool:
    """Whether a condition element comes from a detection a pipeline added (pySigma names them ``_cond_*``)."""
    node = getattr(item, "parent", None)
    for _ in range(8):
        if node is None:
            return False
        identifier = getattr(node, "identifier", None)
        if isinstance(identifier, str):
            return identifier.startswith("_cond_")
        node = getattr(node, "parent", None)
    return False


def _expand(values: list[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, SigmaExpansion):
            yield from _expand(value.values)
        else:
            yield value


def _specs(values: list[Any]) -> list[Spec]:
    out: list[Spec] = []
    for value in _expand(values):
        if isinstance(value, SigmaString):
            out.append(string_spec(value))
        elif isinstance(value, SigmaNull):
            out.append(["null"])
        elif isinstance(value, SigmaExists):
            out.append(["exists", bool(value.exists)])
        elif isinstance(value, SigmaFieldReference):
            out.append(["fieldref", value.field, bool(value.starts_with), bool(value.ends_with)])
        else:
            out.append(value_spec(value))
    return out


def _keyword_specs(value: Any) -> list[Spec]:
    """A value without a field: a substring of any value of the event, as Elasticsearch does."""
    out: list[Spec] = []
    for item in _expand([value]):
        if isinstance(item, SigmaString):
            wrapped = item
            if not (item.s and item.s[0] is SpecialChars.WILDCARD_MULTI):
                wrapped = SigmaString("*") + wrapped
            if not (item.s and item.s[-1] is SpecialChars.WILDCARD_MULTI):
                wrapped = wrapped + SigmaString("*")
            out.append(string_spec(wrapped))
        elif isinstance(item, SigmaNumber):
            out.append(string_spec(SigmaString(f"*{item.number}*")))
        else:
            out.append(value_spec(item))
    return out


def string_spec(value: SigmaString) -> Spec:
    """A Sigma string with wildcards as the fastest spec that is exact for it."""
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
    prefix = "c" if cased else ""
    star = SpecialChars.WILDCARD_MULTI
    if all(isinstance(p, str) for p in parts):
        return [prefix + "eq", "".join(p for p in parts if isinstance(p, str))]
    if len(parts) == 2 and parts[0] is star and isinstance(parts[1], str):
        return [prefix + "suffix", parts[1]]
    if len(parts) == 2 and parts[1] is star and isinstance(parts[0], str):
        return [prefix + "prefix", parts[0]]
    if len(parts) == 3 and parts[0] is star and parts[2] is star and isinstance(parts[1], str):
        return [prefix + "contains", parts[1]]
    out = []
    for part in parts:
        if part is star:
            out.append(".*")
        elif part is SpecialChars.WILDCARD_SINGLE:
            out.append(".")
        else:
            out.append(re2.escape(part))
    longest = gate_literal((p for p in parts if isinstance(p, str)), caseless=not cased)
    return ["glob", ("(?s)" if cased else "(?si)") + "".join(out), longest, cased]


def value_spec(value: Any) -> Spec:
    """Specs of the typed values pySigma's modifiers produce."""
    if isinstance(value, SigmaTimestampPart):
        return ["tpart", value.timestamp_part.name.lower(), value.number]
    if isinstance(value, SigmaNumber):
        return ["num", value.number]
    if isinstance(value, SigmaBool):
        return ["bool", bool(value.boolean)]
    if isinstance(value, SigmaRegularExpression):
        return regex_spec(value)
    if isinstance(value, SigmaCIDRExpression):
        return ["cidr", str(value.network)]
    if isinstance(value, SigmaCompareExpression):
        return ["cmp", value.op.name.lower(), value.number.number]
    raise RuleError(f"value type {type(value).__name__} cannot be evaluated natively")


def regex_spec(value: SigmaRegularExpression) -> Spec:
    """A ``re`` value; refused here when RE2 (linear time) cannot run it."""
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
        re2.compile(f"(?{flags}){pattern}" if flags else pattern, RE2_OPTIONS)
    except re2.error as exc:
        raise RuleError(f"regular expression {pattern!r} is outside the linear-time subset: {exc}") from exc
    return ["re", pattern, flags, regex_literal(pattern, flags)]


READ_OTHERWISE_BY_RE2 = ("[:", "{,")
"""Text RE2 reads otherwise than Python's parser, which finds a regex's literals.

``[[:digit:]]x`` is a POSIX class then ``x`` for RE2, but a set holding ``[``,
``:``, ``d`` … then the literal ``]x`` for Python; ``a{,3}`` is literal text
for RE2 and a repeat for Python. A pattern holding either gets no literal.
"""


def regex_literal(pattern: str, flags: str = "") -> str:
    """The longest run of plain characters every match of the regex must contain ("" if none).

    Only top-level, mandatory literals count: anything under an alternation or an
    optional repeat is skipped, so the run is a necessary condition for a match.
    Python's parser finds them, so a pattern it may read otherwise than RE2
    (``READ_OTHERWISE_BY_RE2``) has none. A caseless regex (flag ``i`` or a
    leading ``(?i)``) keeps only what the gates can find (``gate_literal``).
    """
    if any(syntax in pattern for syntax in READ_OTHERWISE_BY_RE2):
        return ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "possible nested set": Python's advice on its own syntax
            parsed = sre_parse.parse(pattern)
    except (re.error, OverflowError, RecursionError):
        return ""
    runs, run = [], []
    for op, arg in parsed:
        if op is sre_constants.LITERAL:
            run.append(chr(arg))
        else:
            runs.append("".join(run))
            run = []
    runs.append("".join(run))
    caseless = "i" in flags or bool(parsed.state.flags & sre_constants.SRE_FLAG_IGNORECASE)
    return gate_literal(runs, caseless)
