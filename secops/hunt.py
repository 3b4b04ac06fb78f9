"""Hunt queries: Lucene/Kibana-style query strings, parsed by luqum, turned into ``secops.query`` trees.

Supported, as in Kibana's Lucene mode::

    user.name:alice AND event.outcome:failure        fields, AND / OR / NOT, && / ||, ( ), -x, +x
    host.name:ws-*   process.name:power?hell.exe     wildcards (* and ?)
    destination.port:[1 TO 1023]  bytes:{0 TO *}     ranges, inclusive [ ] or exclusive { }
    source.bytes:>=1000  @timestamp:<2026-11-02       comparisons
    @timestamp:2026-11-02  @timestamp:"2026-11-02T10"  a time covers what it names (that day, that hour)
    source.ip:10.0.0.0/8   destination.ip:"2001:db8::/32"   CIDR on IP fields
    _exists_:user.name   user.name:*                 presence
    "failed password"   mimikatz   Fail*password      free text in the raw record

Terms written side by side without an operator must *all* match (a
``query_string`` with ``default_operator: AND``; Lucene's default would OR
them), and that implicit AND binds like an explicit one, tighter than OR:
``a b OR c`` is ``(a AND b) OR c``, and ``a OR b c`` is ``a OR (b AND c)``.
Lowercase ``and``/``or``/``not`` between terms are refused rather than
searched as words (Lucene would search them, a silent trap); quote one to
search it. Matching on a field is exact and case-sensitive, as on an
Elasticsearch keyword field; free text is a case-insensitive substring.
Wildcards and escapes mean the same in free text as in a field value:
``Fail?d`` is a pattern, ``password\\*`` the literal text ``password*``, and a
phrase takes ``\\"`` and ``\\\\`` as a quote and a backslash. Regular
expressions, fuzzy and proximity searches are refused: they would run on
attacker-controlled text, and the store backends cannot give them the same
meaning.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from luqum.exceptions import ParseError as LuqumParseError
from luqum.parser import parser
from luqum.tree import (
    AndOperation,
    Boost,
    FieldGroup,
    From,
    Fuzzy,
    Group,
    Item,
    Not,
    OrOperation,
    Phrase,
    Plus,
    Prohibit,
    Proximity,
    Range,
    Regex,
    SearchField,
    To,
    UnknownOperation,
    Word,
)

from secops import ecs, query
from secops.errors import UsageError
from secops.timespec import parse_duration, parse_moment

WILDCARDS = "*?"
SYMBOLS = {"&&": "AND", "||": "OR"}
"""Lucene's other spelling of the operators; luqum reads them as words."""
OPERATOR_WORDS = frozenset({"and", "or", "not"})
FREE_TEXT_FIELDS = ("event.original", "message")
"""Where free text is looked for (as ``query.Text`` does): a free-text pattern is a wildcard on each."""
MAX_DEPTH = 200
"""Levels a query tree may nest: parsing, conversion and every backend walk it recursively."""
DATE_FIELDS = {name for name, kind in ecs.ecs_fields().items() if kind in ("date", "date_nanos")}
IP_FIELDS = {name for name, kind in ecs.ecs_fields().items() if kind == "ip"}


@dataclass(slots=True)
class Hunt:
    """A parsed hunt: the query tree (None = everything) and warnings about it (unknown fields)."""

    query: query.Query | None
    warnings: list[str] = field(default_factory=list)


def parse(text: str) -> Hunt:
    """Parse a hunt query string; a syntax error is a ``UsageError`` saying where."""
    stripped = text.strip()
    if stripped in ("", "*", "*:*"):
        return Hunt(None)
    try:
        tree = parser.parse(stripped)
    except (LuqumParseError, ValueError) as exc:
        raise UsageError(f"cannot parse the query: {exc}", where="QUERY") from None
    except RecursionError:  # the parser itself gave up: deeper than any limit
        tree = None
    if tree is None or _depth(tree) > MAX_DEPTH:
        raise UsageError(f"the query nests deeper than {MAX_DEPTH} levels", where="QUERY")
    hunt = Hunt(None)
    hunt.query = _convert(tree, None, hunt)
    return hunt


def _depth(tree: Item) -> int:
    """How deep the tree nests, found without recursion (every later step walks it recursively)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node.children)
    return deepest


def _unescape(text: str) -> tuple[str, bool]:
    """Lucene escapes removed; whether an unescaped wildcard is present (escaped ones stay literal)."""
    out: list[str] = []
    wild = False
    literal_wild = False
    chars = iter(text)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            literal_wild |= nxt in WILDCARDS
            out.append(nxt)
        else:
            wild |= char in WILDCARDS
            out.append(char)
    if wild and literal_wild:
        raise UsageError(f"a pattern cannot mix wildcards and escaped * or ?: {text!r}", where="QUERY")
    return "".join(out), wild


def _phrase(raw: str) -> str:
    """A quoted phrase's text: ``\\"`` and ``\\\\`` read as a quote and a backslash, wildcards literal."""
    return re.sub(r'\\([\\"])', r"\1", raw[1:-1])


def _free_text(raw: str) -> query.Query:
    """A free-text word: a substring, or with wildcards inside it a pattern over the raw record and message."""
    value, wild = _unescape(raw)
    if not wild:
        return query.Text(value)
    inner = value.strip("*")
    if not any(char in WILDCARDS for char in inner):
        return query.Text(inner)  # *x* is a substring anyway
    pattern = f"*{inner}*"
    return query.Or(tuple(query.Wildcard(name, pattern, case_insensitive=True) for name in FREE_TEXT_FIELDS))


def _field_value(name: str, raw: str, *, phrase: bool) -> query.Query:
    if phrase:
        value, wild = _phrase(raw), False
    else:
        if raw == "*":
            return query.Exists(name)
        value, wild = _unescape(raw)
    if wild:
        return query.Wildcard(name, value)
    if name in DATE_FIELDS:
        return _date_range(name, value, value, True, True)
    if (name in IP_FIELDS or name.endswith(".ip")) and "/" in value:
        try:
            return query.Cidr(name, str(ipaddress.ip_network(value, strict=False)))
        except ValueError:
            raise UsageError(f"not a network: {value!r} for {name}", where="QUERY") from None
    return query.Match(name, value)


def _bound_text(item: Item) -> str | None:
    """A range bound as written (None for ``*``, no bound)."""
    raw = item.value if isinstance(item, Word | Phrase) else str(item)
    text = raw[1:-1] if isinstance(item, Phrase) else _unescape(raw)[0]
    return None if text == "*" else text


def _bound(name: str, item: Item) -> object:
    text = _bound_text(item)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _is_ip_field(name: str) -> bool:
    return name in IP_FIELDS or name.endswith(".ip")


def _ip_range(name: str, low: object, high: object, include_low: bool, include_high: bool) -> query.Query:
    """An address range as the CIDR blocks that cover it exactly, so it means the same on every backend.

    (Compared as text, ``10.0.0.109`` would lie between ``10.0.0.10`` and ``10.0.0.20``.)
    """
    try:
        first = ipaddress.ip_address(str(low)) if low is not None else None
        last = ipaddress.ip_address(str(high)) if high is not None else None
    except ValueError:
        raise UsageError(f"an address range on {name} needs IP addresses: {low} TO {high}", where="QUERY") from None
    version = (first or last or ipaddress.IPv4Address(0)).version
    bits = 32 if version == 4 else 128
    lowest = int(first) if first is not None else 0
    highest = int(last) if last is not None else (1 << bits) - 1
    if first is not None and last is not None and first.version != last.version:
        raise UsageError(f"an address range cannot mix IPv4 and IPv6: {low} TO {high}", where="QUERY")
    lowest += 0 if include_low or first is None else 1
    highest -= 0 if include_high or last is None else 1
    if lowest > highest:
        return query.Or(())
    kind = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    blocks = [query.Cidr(name, str(net)) for net in ipaddress.summarize_address_range(kind(lowest), kind(highest))]
    return blocks[0] if len(blocks) == 1 else query.Or(tuple(blocks))


def _moment(text: str) -> datetime:
    lowered = text.lower()
    if lowered == "now":
        return parse_moment("0s")
    if lowered.startswith("now-"):
        return parse_moment(lowered[4:])
    return parse_moment(text)


def _is_duration(text: str) -> bool:
    try:
        parse_duration(text)
    except UsageError:
        return False
    return True


_CLOCK = re.compile(r"[Tt ](\d{2})(:?\d{2})?(:?\d{2})?(?:[.,](\d+))?")


def _span(name: str, text: str) -> tuple[datetime, datetime]:
    """When a written time begins and the first moment after it, to the precision written.

    ``2026-11-27`` is that whole day and ``2026-11-27T10:30`` that minute, as Elasticsearch
    reads a date it compares with; ``now-1h`` or a duration is one instant (end = start).
    """
    try:
        start = _moment(text)
    except UsageError as exc:
        raise UsageError(f"{name}: {exc.message}", where="QUERY") from None
    if text.strip().lower().startswith("now") or _is_duration(text):
        return start, start
    clock = _CLOCK.search(text)
    if clock is None:
        return start, start + timedelta(days=1)
    _, minutes, seconds, fraction = clock.groups()
    if minutes is None:
        return start, start + timedelta(hours=1)
    if seconds is None:
        return start, start + timedelta(minutes=1)
    if fraction is None:
        return start, start + timedelta(seconds=1)
    return start, start + timedelta(microseconds=max(1, 10 ** (6 - min(len(fraction), 6))))


def _date_range(name: str, low: str | None, high: str | None, include_low: bool, include_high: bool) -> query.Query:
    """A time range whose bounds cover what they name: ``[2026-11-20 TO 2026-11-21]`` ends after the 21st.

    Written bounds are rounded as Elasticsearch rounds them: an inclusive upper bound or an
    exclusive lower bound takes the end of the span written, the others its start.
    """
    bounds: dict[str, datetime] = {}
    if low is not None:
        start, end = _span(name, low)
        if include_low:
            bounds["gte"] = start
        elif end > start:
            bounds["gte"] = end
        else:
            bounds["gt"] = start
    if high is not None:
        start, end = _span(name, high)
        if not include_high:
            bounds["lt"] = start
        elif end > start:
            bounds["lt"] = end
        else:
            bounds["lte"] = start
    return query.Range(name, **bounds)


def _convert(node: Item, name: str | None, hunt: Hunt) -> query.Query:
    match node:
        case SearchField():
            if name is not None:
                raise UsageError(f"a field inside a field group: {node}", where="QUERY")
            if node.name == "_exists_":
                return query.Exists(_unescape(str(node.expr))[0])
            if not ecs.is_known_field(node.name):
                hunt.warnings.append(f"{node.name} is not an ECS field or a known vendor field")
            return _convert(node.expr, node.name, hunt)
        case Word():
            if node.value in SYMBOLS:
                raise UsageError(f"{node.value} needs a query on each side", where="QUERY")
            if name is None:
                return _free_text(node.value)
            return _field_value(name, node.value, phrase=False)
        case Phrase():
            if name is None:
                return query.Text(_phrase(node.value))
            return _field_value(name, node.value, phrase=True)
        case Range():
            if name is None:
                raise UsageError(f"a range needs a field: {node}", where="QUERY")
            if name in DATE_FIELDS:
                return _date_range(
                    name, _bound_text(node.low), _bound_text(node.high), node.include_low, node.include_high
                )
            low, high = _bound(name, node.low), _bound(name, node.high)
            if _is_ip_field(name):
                return _ip_range(name, low, high, node.include_low, node.include_high)
            return query.Range(
                name,
                gte=low if node.include_low else None,
                gt=None if node.include_low else low,
                lte=high if node.include_high else None,
                lt=None if node.include_high else high,
            )
        case From():
            if name is None:
                raise UsageError(f"a comparison needs a field: {node}", where="QUERY")
            if name in DATE_FIELDS:
                return _date_range(name, _bound_text(node.a), None, node.include, True)
            value = _bound(name, node.a)
            if _is_ip_field(name):
                return _ip_range(name, value, None, node.include, True)
            return query.Range(name, gte=value) if node.include else query.Range(name, gt=value)
        case To():
            if name is None:
                raise UsageError(f"a comparison needs a field: {node}", where="QUERY")
            if name in DATE_FIELDS:
                return _date_range(name, None, _bound_text(node.a), True, node.include)
            value = _bound(name, node.a)
            if _is_ip_field(name):
                return _ip_range(name, None, value, True, node.include)
            return query.Range(name, lte=value) if node.include else query.Range(name, lt=value)
        case AndOperation() | OrOperation() | UnknownOperation():
            return _boolean(node, name, hunt)
        case Not() | Prohibit():
            return query.Not(_convert(node.a, name, hunt))
        case Plus():
            return _convert(node.a, name, hunt)
        case Group() | FieldGroup():
            return _convert(node.expr, name, hunt)
        case Boost():
            return _convert(node.expr, name, hunt)
        case Regex():
            raise UsageError("regular expressions are not supported in hunts; use wildcards (* ?)", where="QUERY")
        case Fuzzy() | Proximity():
            raise UsageError(f"fuzzy and proximity searches are not supported: {node}", where="QUERY")
    raise UsageError(f"unsupported query syntax: {node}", where="QUERY")


_BOOLEAN = (AndOperation, OrOperation, UnknownOperation)


def _boolean(node: Item, name: str | None, hunt: Hunt) -> query.Query:
    """A run of AND, OR, implicit and symbolic operators, with AND (however written) binding tighter than OR.

    luqum gives side-by-side terms the lowest precedence (``a b OR c`` parses as
    ``a AND (b OR c)``) and reads ``||`` and ``&&`` as words; so the run is read back in the
    order written and regrouped: OR separates groups whose operands must all match.
    """
    groups: list[list[query.Query]] = [[]]
    operator: str | None = None  # the explicit operator since the last operand, as written
    for token in _in_order(node):
        if token is None:
            continue  # side by side: AND, unless an explicit operator stands between
        if isinstance(token, Word) and token.value in SYMBOLS:
            token = token.value
        if isinstance(token, str):
            if operator is not None or not groups[-1]:
                raise UsageError(f"{token} needs a query on each side: {node}", where="QUERY")
            operator = token
            continue
        if isinstance(token, Word) and token.value.lower() in OPERATOR_WORDS:
            word = token.value
            raise UsageError(
                f"{word!r} would be searched as a word, not read as an operator: write {word.upper()}, "
                f'or "{word}" to search the word',
                where="QUERY",
            )
        if SYMBOLS.get(operator or "", operator) == "OR":
            groups.append([])
        operator = None
        groups[-1].append(_convert(token, name, hunt))
    if operator is not None:
        raise UsageError(f"{operator} needs a query on each side: {node}", where="QUERY")
    ands = [group[0] if len(group) == 1 else query.And(tuple(group)) for group in groups]
    return ands[0] if len(ands) == 1 else query.Or(tuple(ands))


def _in_order(node: Item) -> list[Item | str | None]:
    """Operands and operators ("AND", "OR", None for side by side) of nested operations, as written."""
    operator = "AND" if isinstance(node, AndOperation) else "OR" if isinstance(node, OrOperation) else None
    tokens: list[Item | str | None] = []
    for index, child in enumerate(node.children):
        if index:
            tokens.append(operator)
        tokens.extend(_in_order(child) if isinstance(child, _BOOLEAN) else [child])
    return tokens
