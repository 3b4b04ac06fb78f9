"""YARA hits as alerts, beside the Sigma ones.

One alert per (rule, file content): the dedup key is the rule's id (its
``meta: id``, else its name) and the file's sha256, so the same bytes found
again (another scan, another path, a second carve of the same download) merge
into the alert that exists, while two rules that share a name in two files
(each file is its own namespace) stay two alerts. The rule
is named with its metadata (author, description, references, level, ATT&CK
techniques where the rule states them); the file with its path, size and
hashes under ``details.file`` in ECS shape; the matched strings with their
identifiers, offsets and a short excerpt escaped to printable ASCII (file
content is hostile: it is never shown raw).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import yara

from secops import ecs
from secops.cases.models import Alert, Entities, MatchedEvent, RuleRef, utcnow
from secops.detect.yara_scan import FileResult, path_text
from secops.types import Severity

EXCERPT_BYTES = 32
MAX_INSTANCES = 20
"""Matched string instances kept per alert; the total is still counted."""

_TECHNIQUE = re.compile(r"\bT\d{4}(?:\.\d{3})?\b", re.IGNORECASE)
_LEVELS = {s.value: s for s in Severity} | {"info": Severity.INFORMATIONAL, "moderate": Severity.MEDIUM}


def file_alerts(
    result: FileResult, *, when: datetime | None = None, event: Mapping[str, Any] | None = None
) -> list[Alert]:
    """The alerts of one scanned file; ``event`` is the ECS event that named the file, if any.

    The alert's time is the event's ``@timestamp`` when there is an event, else the scan time."""
    if not result.matches:
        return []
    moment = when or utcnow()
    path = path_text(result.path)
    file_facts: dict[str, Any] = {"path": path, "size": result.size, "hash": dict(result.hashes)}
    if result.status != "ok":
        file_facts["scan_status"] = str(result.status)
    matched, hosts = [], []
    if event is not None:
        event_id, stamp = ecs.get(event, "event.id"), ecs.get(event, "@timestamp")
        if event_id:
            matched.append(MatchedEvent(id=str(event_id), timestamp=stamp))
        if isinstance(stamp, str):
            with contextlib.suppress(ValueError):  # an unparsable time leaves the scan time
                moment = ecs.parse_ts(stamp)
        host = ecs.get(event, "host.name") or ecs.get(event, "host.hostname")
        hosts = [str(host)] if host else []
    return [
        _alert(match, result, file_facts, moment, matched, Entities(files=[path], hosts=hosts))
        for match in result.matches
    ]


def _alert(
    match: yara.Match,
    result: FileResult,
    file_facts: dict[str, Any],
    moment: datetime,
    events: list[MatchedEvent],
    entities: Entities,
) -> Alert:
    rule = rule_ref(match)
    key = f"yara|{rule.id}|{result.hashes.get('sha256', result.path)}"
    return Alert(
        id=Alert.make_id(key),
        dedup_key=key,
        timestamp=moment,
        rule=rule,
        severity=rule.level,
        techniques=_techniques(all_meta(match), match.tags),
        events=events,
        entities=entities,
        details={
            "file": file_facts,
            "yara": {"namespace": match.namespace, **strings_of(match), **_capped(match, result)},
        },
    )


def rule_ref(match: yara.Match) -> RuleRef:
    """The rule an alert names, from the rule's identifier, tags and metadata."""
    every = all_meta(match)
    meta = {key: values[0] for key, values in every.items()}
    return RuleRef(
        id=str(meta.get("id") or match.rule),
        name=match.rule,
        author=_text(meta.get("author")),
        level=level_of(meta),
        description=_text(meta.get("description")),
        references=[
            ref
            for key in ("reference", "references", "url")
            for value in every.get(key, [])
            for ref in str(value).split()
            if ref
        ],
        tags=list(match.tags),
        source="yara",
        path=match.namespace,
    )


def level_of(meta: Mapping[str, Any]) -> Severity:
    """Severity from ``level``/``severity`` words or a 0–100 ``score``/``severity``; medium by default."""
    for key in ("level", "severity", "score"):
        value = meta.get(key)
        if isinstance(value, str) and value.strip().lower() in _LEVELS:
            return _LEVELS[value.strip().lower()]
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdecimal():
            number = int(value)
        if number is not None:
            return _score_level(number)
    return Severity.MEDIUM


def _score_level(score: int) -> Severity:
    for floor, severity in ((90, Severity.CRITICAL), (70, Severity.HIGH), (40, Severity.MEDIUM), (20, Severity.LOW)):
        if score >= floor:
            return severity
    return Severity.INFORMATIONAL


def strings_of(match: yara.Match) -> dict[str, Any]:
    """Matched string identifiers with offsets and escaped excerpts, at most ``MAX_INSTANCES``."""
    found: list[dict[str, Any]] = []
    total = 0
    for string in match.strings:
        for instance in string.instances:
            total += 1
            if len(found) < MAX_INSTANCES:
                found.append(
                    {
                        "identifier": string.identifier,
                        "offset": instance.offset,
                        "length": instance.matched_length,
                        "excerpt": excerpt(instance.matched_data),
                    }
                )
    return {"strings": found, "string_matches": total}


def _capped(match: yara.Match, result: FileResult) -> dict[str, list[str]]:
    """The rule's strings that libyara stopped recording at its limit (its result may be wrong)."""
    found = [s for ns, rule, s in result.too_many_matches if ns == match.namespace and rule == match.rule]
    return {"too_many_matches": found} if found else {}


def excerpt(data: bytes, limit: int = EXCERPT_BYTES) -> str:
    """Printable ASCII as is, backslash doubled, every other byte as ``\\xNN``; cut with ``...``."""
    shown = "".join(
        chr(b) if 0x20 <= b < 0x7F and b != 0x5C else ("\\\\" if b == 0x5C else f"\\x{b:02x}") for b in data[:limit]
    )
    return shown + ("..." if len(data) > limit else "")


def all_meta(match: yara.Match) -> dict[str, list[Any]]:
    """Every value of each metadata key, in rule order: rules repeat keys (two ``reference`` lines),
    which the scanner keeps by matching with ``allow_duplicate_metadata``."""
    return {key: value if isinstance(value, list) else [value] for key, value in match.meta.items()}


def _techniques(meta: Mapping[str, list[Any]], tags: list[str]) -> list[str]:
    keys = ("mitre_attack", "attack", "technique", "mitre")
    texts = [str(value) for key in keys for value in meta.get(key, [])] + list(tags)
    return sorted({t.upper() for text in texts for t in _TECHNIQUE.findall(text)})


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
