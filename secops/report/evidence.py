"""Evidence export: an incident's alerts, events (with hashes) and audit trail, optionally pseudonymised.

Chain of custody. Each event carries the sha256 of its stored form
(``secops.cases.incidents.evidence_hash``) computed now, the sha256 recorded
when it was kept as evidence (if it was), and the verdict (intact, changed,
missing). The audit trail is every audit entry about the incident and its
alerts, with their chain hashes, and the verdict of re-checking the whole
chain at export time, with its head hash.

Redaction rule. ``--redact users,emails,ips,hosts`` replaces each identifier
of those kinds, wherever it occurs in the export (structured fields, raw log
lines, notes, the audit trail), by a pseudonym ``<kind>-<10 hex>`` = the first
40 bits of HMAC-SHA256(key, kind + ":" + canonical value). Keyed HMAC rather
than a plain hash because user names and IPs are few enough to be found by
hashing guesses; pseudonyms rather than blanks because an investigator needs
to see that the same person or host recurs. The same key gives the same
pseudonym across exports (``--key-file`` or ``$SECOPS_REDACTION_KEY``); with
neither, a fresh random key makes this export unlinkable to any other. Only
the key holder can check a guess. Identifiers are gathered from the ECS
fields that name users and hosts and from the incident's entities; e-mail
addresses and IP addresses are also found by pattern in free text. Hashes of
events are of the stored originals, so they verify against the store, not
against the redacted text.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import ipaddress
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from secops import ecs, escape
from secops.cases.audit import verify
from secops.cases.incidents import evidence_hash, members
from secops.cases.models import Incident
from secops.config import read_secret_file
from secops.store.base import CaseStore, EventStore
from secops.types import Event

CHUNK = 1000


class Kind(StrEnum):
    USERS = "users"
    EMAILS = "emails"
    IPS = "ips"
    HOSTS = "hosts"


USER_FIELDS = (
    "user.name",
    "user.target.name",
    "user.effective.name",
    "user.changes.name",
    "source.user.name",
    "destination.user.name",
    "related.user",
    "process.user.name",
    "winlog.event_data.TargetUserName",
    "winlog.event_data.SubjectUserName",
    "winlog.user.name",
)
HOST_FIELDS = (
    "host.name",
    "host.hostname",
    "related.hosts",
    "observer.hostname",
    "source.domain",
    "destination.domain",
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.]*\d)")
IPV6 = re.compile(r"(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Fa-f:])")


@dataclass
class Export:
    incident: dict[str, Any]
    alerts: list[dict[str, Any]]
    events: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    audit_check: dict[str, Any]
    exported_at: str
    redaction: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "exported_at": self.exported_at,
            "redaction": self.redaction or None,
            "incident": self.incident,
            "alerts": self.alerts,
            "events": self.events,
            "audit": self.audit,
            "audit_check": self.audit_check,
        }


def _events(events: EventStore, ids: list[str]) -> Iterator[Event]:
    for start in range(0, len(ids), CHUNK):
        yield from events.get(ids[start : start + CHUNK])


def collect(cases: CaseStore, events: EventStore, incident: Incident) -> Export:
    """Everything about the incident that a recipient needs to check its evidence."""
    alerts = members(cases, incident.id)
    recorded = {e.event_id: e.sha256 for e in incident.evidence}
    ids = list(dict.fromkeys([*recorded, *(m.id for a in alerts for m in a.events)]))
    rows, found = [], set()
    for event in _events(events, ids):
        event_id = str(ecs.get(event, "event.id"))
        found.add(event_id)
        digest = evidence_hash(event)
        expected = recorded.get(event_id)
        integrity = "not kept as evidence" if expected is None else "intact" if expected == digest else "changed"
        rows.append(
            {
                "event_id": event_id,
                "sha256": digest,
                "recorded_sha256": expected,
                "integrity": integrity,
                "event": event,
            }
        )
    rows += [
        {"event_id": i, "sha256": None, "recorded_sha256": recorded.get(i), "integrity": "missing", "event": None}
        for i in ids
        if i not in found
    ]
    targets = {f"incident:{incident.id}", *(f"alert:{a.id}" for a in alerts)}
    trail = [e.model_dump(mode="json") for e in cases.audit_entries() if e.target in targets]
    verdict = verify(cases.audit_records())
    return Export(
        incident=incident.model_dump(mode="json"),
        alerts=[a.model_dump(mode="json") for a in alerts],
        events=rows,
        audit=trail,
        audit_check={
            "ok": verdict.ok,
            "entries": verdict.entries,
            "head": verdict.head,
            "problems": [p.message for p in verdict.problems],
        },
        exported_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"),
    )


def redaction_key(key_file: Path | None) -> bytes:
    """The HMAC key: an owner-only file, ``$SECOPS_REDACTION_KEY``, or a fresh random one."""
    if key_file is not None:
        return read_secret_file(key_file).encode()
    env = os.environ.get("SECOPS_REDACTION_KEY")
    return env.encode() if env else secrets.token_bytes(32)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if isinstance(v, str | int) and str(v).strip() and str(v) not in ("-", "?")]


def identifiers(export: Export, kinds: set[Kind]) -> dict[str, tuple[Kind, str]]:
    """Every identifier of the chosen kinds in the export: text as found → (kind, canonical value)."""
    found: dict[str, tuple[Kind, str]] = {}
    docs = [export.incident, *export.alerts]
    entity_sets = [d.get(part) or {} for d in docs for part in ("entities", "affected")]
    fields = {Kind.USERS: USER_FIELDS, Kind.HOSTS: HOST_FIELDS}
    entity_key = {Kind.USERS: "users", Kind.HOSTS: "hosts", Kind.IPS: "ips"}
    for kind in kinds & {Kind.USERS, Kind.HOSTS, Kind.IPS}:
        for entities in entity_sets:
            for value in entities.get(entity_key[kind]) or []:
                found.setdefault(str(value), (kind, str(value).lower()))
        for row in export.events:
            for path in fields.get(kind, ()):
                for value in _values(ecs.get(row["event"] or {}, path)):
                    found.setdefault(value, (kind, value.lower()))
                    if kind is Kind.USERS and "\\" in value:
                        bare = value.rsplit("\\", 1)[1]
                        found.setdefault(bare, (kind, bare.lower()))
    texts = list(_strings(export.as_json()))
    for text in texts:
        if Kind.EMAILS in kinds:
            for match in EMAIL.findall(text):
                found[match] = (Kind.EMAILS, match.lower())
        if Kind.IPS in kinds:
            for match in [*IPV4.findall(text), *IPV6.findall(text)]:
                try:
                    address = ipaddress.ip_address(match)
                except ValueError:
                    continue
                if not address.is_unspecified:
                    found.setdefault(match, (Kind.IPS, str(address)))
    return found


def pseudonym(key: bytes, kind: Kind, canonical: str) -> str:
    digest = hmac.new(key, f"{kind.value}:{canonical}".encode(), hashlib.sha256).hexdigest()
    return f"{kind.value[:-1]}-{digest[:10]}"


def redact(export: Export, kinds: set[Kind], key: bytes) -> Export:
    """The export with every identifier of the chosen kinds replaced by its keyed pseudonym."""
    found = identifiers(export, kinds)
    if not found:
        return export
    tokens = {text.lower(): pseudonym(key, kind, canonical) for text, (kind, canonical) in found.items()}
    alternatives = "|".join(re.escape(t) for t in sorted(found, key=len, reverse=True))
    pattern = re.compile(rf"(?<![A-Za-z0-9_])(?:{alternatives})(?![A-Za-z0-9_])", re.IGNORECASE)

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(lambda m: tokens.get(m.group().lower(), m.group()), value)
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [scrub(v) for v in value]
        return value

    key_id = hmac.new(key, b"secops redaction key id", hashlib.sha256).hexdigest()[:12]
    return Export(
        incident=scrub(export.incident),
        alerts=scrub(export.alerts),
        events=scrub(export.events),
        audit=scrub(export.audit),
        audit_check=export.audit_check,
        exported_at=export.exported_at,
        redaction={
            "rule": "HMAC-SHA256(key, kind:value), first 40 bits, as <kind>-<hex>",
            "kinds": sorted(k.value for k in kinds),
            "identifiers_replaced": len(found),
            "key_id": key_id,
            "note": "event hashes are of the stored originals",
        },
    )


def to_json(export: Export) -> bytes:
    """JSON bytes (the CLI makes terminal-active characters inert before writing)."""
    return orjson.dumps(export.as_json(), option=orjson.OPT_INDENT_2) + b"\n"


COLUMNS = ("record", "id", "timestamp", "sha256", "recorded_sha256", "integrity", "actor", "action", "document")


def to_csv(export: Export) -> str:
    """One CSV: alerts, events and audit entries, each with its hashes and the whole record as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows: list[tuple[Any, ...]] = []
    for a in export.alerts:
        rows.append(("alert", a["id"], a["timestamp"], None, None, None, None, a["rule"]["name"], a))
    for e in export.events:
        stamp = ecs.get(e["event"] or {}, "@timestamp")
        rows.append(
            ("event", e["event_id"], stamp, e["sha256"], e["recorded_sha256"], e["integrity"], None, None, e["event"])
        )
    for entry in export.audit:
        rows.append(
            (
                "audit",
                entry["seq"],
                entry["timestamp"],
                entry["hash"],
                entry["prev_hash"],
                None,
                entry["actor"],
                entry["action"],
                entry,
            )
        )
    rows.append(
        (
            "audit-check",
            None,
            export.exported_at,
            export.audit_check["head"],
            None,
            "intact" if export.audit_check["ok"] else "NOT intact",
            None,
            None,
            export.audit_check,
        )
    )
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    """Records stay exact JSON (bidi and C1 characters as ``\\u`` escapes); other text shows them as escapes."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return escape.csv_cell(escape.inert_json(orjson.dumps(value)).decode())
    return escape.csv_cell(escape.terminal(str(value)))
