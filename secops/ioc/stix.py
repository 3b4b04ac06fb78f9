"""STIX 2.1 bundles: ``indicator`` objects whose STIX pattern compares an IP, domain, URL or file hash.

A pattern such as ``[ipv4-addr:value = '203.0.113.7'] OR [domain-name:value
= 'evil.example']`` gives one indicator per compared value. Patterns are
parsed with ``stix2-patterns`` (OASIS's own parser). Where a pattern joins
comparisons with AND (a hash *and* a file name), each supported value is
still used on its own, which matches more, never less; the import reports how
many patterns were widened that way. Revoked indicators and other pattern
languages are skipped. Reference: STIX 2.1, section 9 (patterning).
"""

from __future__ import annotations

from typing import Any

from stix2patterns.pattern import ParseException, Pattern

from secops.ioc.model import IndicatorType, make
from secops.ioc.readers import ReadResult, parse_time

PATHS: dict[tuple[str, str], IndicatorType] = {
    ("ipv4-addr", "value"): IndicatorType.IP,
    ("ipv6-addr", "value"): IndicatorType.IP,
    ("domain-name", "value"): IndicatorType.DOMAIN,
    ("url", "value"): IndicatorType.URL,
    ("file", "hashes.MD5"): IndicatorType.MD5,
    ("file", "hashes.SHA-1"): IndicatorType.SHA1,
    ("file", "hashes.SHA-256"): IndicatorType.SHA256,
}


def _literal(text: str) -> str:
    """A STIX string literal's content: quotes off, ``\\'`` and ``\\\\`` unescaped."""
    inner = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text
    return inner.replace("\\'", "'").replace("\\\\", "\\")


def read_bundle(data: Any, source: str, result: ReadResult) -> None:
    objects = data.get("objects") if isinstance(data, dict) else None
    if not isinstance(objects, list):
        result.problems.append(f"{source}: not a STIX bundle (no 'objects' list)")
        return
    widened = 0
    for number, obj in enumerate(objects, 1):
        if not isinstance(obj, dict) or obj.get("type") != "indicator":
            continue
        where = f"{source}: object {number} ({obj.get('id', 'no id')})"
        if obj.get("revoked") or obj.get("pattern_type", "stix") != "stix":
            result.skipped += 1
            continue
        try:
            inspected = Pattern(str(obj.get("pattern", ""))).inspect()
        except (ParseException, TypeError, ValueError) as exc:
            result.problems.append(f"{where}: cannot parse pattern: {str(exc).splitlines()[0]}")
            continue
        found = 0
        for object_type, comparisons in inspected.comparisons.items():
            for path, op, value in comparisons:
                kind = PATHS.get((object_type, ".".join(str(p) for p in path)))
                if kind is None or op not in ("=", "ISSUBSET"):
                    continue
                if op == "ISSUBSET" and kind is IndicatorType.IP:
                    kind = IndicatorType.NETWORK
                try:
                    result.indicators.append(
                        make(
                            kind,
                            _literal(value),
                            source,
                            description=obj.get("description") or obj.get("name"),
                            tags=[str(t) for t in (obj.get("indicator_types") or []) + (obj.get("labels") or [])],
                            references=[
                                str(r["url"])
                                for r in obj.get("external_references") or []
                                if isinstance(r, dict) and r.get("url")
                            ],
                            expires=parse_time(obj.get("valid_until")),
                        )
                    )
                    found += 1
                except ValueError as exc:
                    result.problems.append(f"{where}: {exc}")
        if found == 0:
            result.skipped += 1
        elif " AND " in str(obj.get("pattern", "")).upper():
            widened += 1
    if widened:
        result.problems.append(f"{source}: {widened} pattern(s) with AND were widened to their single values")
