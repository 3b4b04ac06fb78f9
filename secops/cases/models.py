"""Alerts, checkpoints and audit entries: the records that cross the store boundary.

Validated with pydantic at the boundary (storage, JSON output); the hot path
of detection builds them once per alert, never per event.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from secops.types import Severity


def utcnow() -> datetime:
    return datetime.now(UTC)


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


class CloseReason(StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    BENIGN = "benign"


class RuleRef(BaseModel):
    """The rule an alert names; ``author`` is kept because the Sigma rule licence asks for it."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    author: str | None = None
    level: Severity = Severity.MEDIUM
    status: str | None = None
    description: str | None = None
    references: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    source: str = "sigma"
    """Which engine: ``sigma``, ``yara`` or ``ioc``."""
    path: str | None = None


class MatchedEvent(BaseModel):
    """One event behind an alert, with where it came from when it came from a file."""

    model_config = ConfigDict(extra="forbid")

    id: str
    timestamp: str | None = None
    file: str | None = None
    offset: int | None = None
    """Byte offset of the record in a text file."""
    record: int | None = None
    """Record number in a file without byte offsets (the EVTX record id)."""


class Entities(BaseModel):
    """Who and what an alert is about; incidents group alerts by these."""

    model_config = ConfigDict(extra="forbid")

    hosts: list[str] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)
    ips: list[str] = Field(default_factory=list)
    processes: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)

    def values(self) -> list[tuple[str, str]]:
        """(kind, value) pairs, for grouping and search."""
        return [(kind, v) for kind, vals in self.model_dump().items() for v in vals]


class Alert(BaseModel):
    """A detection: what fired, on which events, about whom."""

    model_config = ConfigDict(extra="forbid")

    id: str
    dedup_key: str
    timestamp: datetime
    """Time of the first matched event (or of the scan for file hits)."""
    created: datetime = Field(default_factory=utcnow)
    rule: RuleRef
    severity: Severity
    techniques: list[str] = Field(default_factory=list)
    tactics: list[str] = Field(default_factory=list)
    events: list[MatchedEvent] = Field(default_factory=list)
    entities: Entities = Field(default_factory=Entities)
    status: AlertStatus = AlertStatus.OPEN
    assignee: str | None = None
    close_reason: CloseReason | None = None
    incident_id: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    """Engine-specific facts: correlation group values, YARA strings, IOC matched."""

    @staticmethod
    def make_id(dedup_key: str) -> str:
        """Alert ids derive from the dedup key, so the same detection is the same alert."""
        return hashlib.blake2b(dedup_key.encode(), digest_size=10).hexdigest()


class Checkpoint(BaseModel):
    """How far a source has been durably stored: its fingerprint and a resume token."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    position: int
    name: str = ""
    updated: datetime = Field(default_factory=utcnow)


class AuditEntry(BaseModel):
    """One state change on the record: who, when, what, before and after, chained by hash."""

    model_config = ConfigDict(extra="forbid")

    seq: int
    timestamp: datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    prev_hash: str
    hash: str


class IncidentState(StrEnum):
    """Lifecycle after NIST SP 800-61: detection and analysis, containment, eradication, recovery."""

    NEW = "new"
    ANALYSIS = "analysis"
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    CLOSED = "closed"


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timestamp: datetime = Field(default_factory=utcnow)
    author: str
    text: str


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: int
    text: str
    owner: str | None = None
    done: bool = False


class Evidence(BaseModel):
    """An event kept as evidence: its id and the hash of its stored form (chain of custody)."""

    model_config = ConfigDict(extra="forbid")

    event_id: str
    sha256: str
    added: datetime = Field(default_factory=utcnow)
    added_by: str


class Incident(BaseModel):
    """Alerts grouped by shared entities (or by hand), followed through their lifecycle.

    Regime-specific breach facts (awareness time, affected people, impact
    categories …) live in ``breach``, a free-form mapping validated by the
    report layer, so the triage model does not change with every regulation.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    title: str
    state: IncidentState = IncidentState.NEW
    severity: Severity = Severity.MEDIUM
    assignee: str | None = None
    created: datetime = Field(default_factory=utcnow)
    updated: datetime = Field(default_factory=utcnow)
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    alert_ids: list[str] = Field(default_factory=list)
    entities: Entities = Field(default_factory=Entities)
    """The entities of the member alerts (recomputed as alerts join and leave)."""
    affected: Entities = Field(default_factory=Entities)
    """Assets and accounts the analyst recorded as affected beyond what the alerts name."""
    notes: list[Note] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    breach: dict[str, Any] = Field(default_factory=dict)
    merged_into: str | None = None
    """Set when this incident was merged into another; it is then closed and keeps its history."""


class Suppression(BaseModel):
    """An exception the detection engine honours: a rule (or ``*``, every rule) on given entities, until it expires.

    Each entity kind that lists values is a condition: the event must carry one
    of them (``hosts`` in ``host.name``, ``users`` in ``user.name``, ``ips`` in
    any IP field …, see ``secops.cases.suppress``); all conditions must hold.
    No entities at all silences the rule everywhere.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    rule_id: str
    rule_name: str | None = None
    entities: Entities = Field(default_factory=Entities)
    reason: str
    created: datetime = Field(default_factory=utcnow)
    created_by: str
    expires: datetime | None = None
    source_alert: str | None = None

    def active(self, now: datetime) -> bool:
        return self.expires is None or now < self.expires
