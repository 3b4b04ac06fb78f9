"""pySigma's Lucene output as query DSL with Sigma's semantics.

pySigma's Elasticsearch backend writes Lucene query strings. Run as a
``query_string`` they would compare keyword fields case-sensitively, read
``/regex/`` as anchored Lucene regular expressions, and fail on typed fields;
Sigma means none of that. So the backend's string is parsed (luqum) and each
leaf rebuilt as a term, wildcard, regexp, range or exists query that is
case-insensitive like Sigma, unanchored like Sigma's ``re``, and aware of the
field's mapped type. Whatever has no faithful equivalent raises
``UnsupportedQuery``, and the caller evaluates that rule natively instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from luqum.exceptions import ParseError
from luqum.parser import parser
from luqum.tree import (
    AndOperation,
    FieldGroup,
    From,
    Group,
    Item,
    Not,
    OrOperation,
    Phrase,
    Prohibit,
    Regex,
    SearchField,
    To,
    UnknownOperation,
    Word,
)

from secops.store.elastic_query import STRING, UnsupportedQuery, exact
from secops.store.elastic_query import match_value as typed_match

WILDCARDS = frozenset("*?")
_LUCENE_ONLY = re.compile(r"(?<!\\)([@&~<>#\"])")
"""Characters Lucene's regex syntax reserves that RE2 treats as literals."""
_UNSUPPORTED_RE = re.compile(r"\\[bBAzZxupPQE]|\(\?(?!:)|(?<![\\\[])\^|(?<!\\)\$")
"""Inside a pattern (anchors at its ends removed): escapes, groups and anchors Lucene has no form for."""


def lucene_to_dsl(text: str, types: Mapping[str, str]) -> dict[str, Any]:
    """The DSL for one pySigma Lucene query."""
    try:
        tree = parser.parse(text)
    except (ParseError, TypeError, ValueError) as exc:
        raise UnsupportedQuery(f"cannot parse the backend's query: {exc}") from None
    return _node(tree, None, types)


def _node(node: Item, field: str | None, types: Mapping[str, str]) -> dict[str, Any]:
    if isinstance(node, AndOperation):
        return {"bool": {"filter": [_node(c, field, types) for c in node.children]}}
    if isinstance(node, OrOperation | UnknownOperation):
        return {"bool": {"should": [_node(c, field, types) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, Not | Prohibit):
        return {"bool": {"must_not": [_node(node.children[0], field, types)]}}
    if isinstance(node, Group | FieldGroup):
        return _node(node.children[0], field, types)
    if isinstance(node, SearchField):
        if node.name == "_exists_":
            return {"exists": {"field": _unescape(str(node.expr))}}
        return _node(node.expr, node.name, types)
    if field is None:
        raise UnsupportedQuery("a value without a field (Sigma keywords) is evaluated natively")
    kind = types.get(exact(field))
    if isinstance(node, From | To):
        bound = _number(str(node.children[0]))
        op = ("gte" if node.include else "gt") if isinstance(node, From) else ("lte" if node.include else "lt")
        return {"range": {field: {op: bound}}}
    if isinstance(node, Regex):
        return _regexp(field, str(node.value)[1:-1], kind)
    if isinstance(node, Phrase):
        return typed_match(field, _unescape(str(node.value)[1:-1]), True, kind)
    if isinstance(node, Word):
        return _word(field, str(node.value), kind)
    raise UnsupportedQuery(f"query element {type(node).__name__} is not translated")


def _word(field: str, raw: str, kind: str | None) -> dict[str, Any]:
    pattern, has_wildcard = _pattern(raw)
    if not has_wildcard:
        value = _unescape(raw)
        if "/" in value and kind == "ip":
            return {"term": {field: value}}  # CIDR
        return typed_match(field, value, True, kind)
    if kind is not None and kind not in STRING:
        raise UnsupportedQuery(f"wildcard on {field} (mapped as {kind})")
    return {"wildcard": {exact(field): {"value": pattern, "case_insensitive": True}}}


def _pattern(raw: str) -> tuple[str, bool]:
    """A Lucene word as an Elasticsearch wildcard pattern, and whether it has wildcards at all."""
    out: list[str] = []
    wild = False
    chars = iter(raw)
    for char in chars:
        if char == "\\":
            literal = next(chars, "\\")
            out.append("\\" + literal if literal in "*?\\" else literal)
        elif char in WILDCARDS:
            wild = True
            out.append(char)
        else:
            out.append(char)
    return "".join(out), wild


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


def _number(text: str) -> float | int:
    try:
        number = float(_unescape(text))
    except ValueError:
        raise UnsupportedQuery(f"comparison with a non-number {text!r}") from None
    return int(number) if number.is_integer() else number


def _regexp(field: str, pattern: str, kind: str | None) -> dict[str, Any]:
    """Sigma's unanchored RE2 search as an anchored Lucene ``regexp`` over the whole value."""
    if kind is not None and kind not in STRING:
        raise UnsupportedQuery(f"regular expression on {field} (mapped as {kind})")
    insensitive = pattern.startswith("(?i)")
    body = pattern[4:] if insensitive else pattern
    lead = body.startswith("^")
    trail = body.endswith("$") and not body.endswith("\\$")
    core = body[1 if lead else 0 : len(body) - 1 if trail else len(body)]
    if _UNSUPPORTED_RE.search(core) or ((lead or trail) and re.search(r"(?<!\\)\|", core)):
        raise UnsupportedQuery(f"regular expression {pattern!r} uses syntax Lucene lacks")
    core = _LUCENE_ONLY.sub(r"\\\1", core.replace("(?:", "("))
    body = ("" if lead else ".*") + f"({core})" + ("" if trail else ".*")
    spec: dict[str, Any] = {"value": body, "flags": "NONE"}
    if insensitive:
        spec["case_insensitive"] = True
    return {"regexp": {exact(field): spec}}
