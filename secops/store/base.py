"""The storage interface: ``EventStore`` for events, ``CaseStore`` for everything else.

Two implementations exist: the embedded store (Parquet + DuckDB, SQLite) and
Elasticsearch. Commands and the library only ever see these two classes; the
same test suite runs over both.

Times are aware ``datetime`` objects in UTC; queries are ``secops.query`` trees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal

from secops.cases.models import (
    Alert,
    AlertStatus,
    AuditEntry,
    Checkpoint,
    Incident,
    IncidentState,
    Suppression,
)
from secops.ioc.model import Indicator, IndicatorType
from secops.query import Query
from secops.types import EcsField, Event, Severity


@dataclass(frozen=True, slots=True)
class Window:
    """A half-open time range on ``@timestamp``: ``since <= t < until``; either end may be open."""

    since: datetime | None = None
    until: datetime | None = None


@dataclass(slots=True)
class IngestBatch:
    """Events read in ingest order, and the cursor that resumes after them."""

    events: list[Event]
    cursor: str


@dataclass(frozen=True, slots=True)
class AlertFilter:
    """Selection of alerts; empty fields select everything."""

    status: tuple[AlertStatus, ...] = ()
    min_severity: Severity | None = None
    rule: str | None = None
    host: str | None = None
    user: str | None = None
    ip: str | None = None
    technique: str | None = None
    tactic: str | None = None
    incident_id: str | None = None
    window: Window = field(default_factory=Window)
    assignee: str | None = None
    ungrouped: bool = False
    """Only alerts that belong to no incident."""


AlertGroup = Literal["rule", "severity", "status", "host", "user", "ip", "technique", "tactic", "incident", "assignee"]
"""What ``alert_counts`` can count alerts by."""


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Selection of incidents; empty fields select everything."""

    states: tuple[IncidentState, ...] = ()
    assignee: str | None = None
    min_severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """An audit entry exactly as stored (JSON text as hashed), for ``audit verify`` to recompute the chain."""

    seq: int
    ts: str
    actor: str
    action: str
    target: str
    before: str | None
    after: str | None
    prev_hash: str
    hash: str


class EventStore(ABC):
    """Where events live. Writes are durable when ``write`` returns."""

    parse_ahead: ClassVar[bool] = False
    """Whether ingest should parse the next batch while a write is under way.

    Worth it where a write mostly waits on another process (a cluster taking a
    bulk request); where a write is Python work, a second thread only contends
    for the GIL and is slower. Such a store is also given small first batches,
    so the other process is not left waiting for a whole batch to be parsed.
    """

    in_flight: int = 1
    """Batches ingest keeps submitted and not yet waited for, beyond the one it fills.

    More than one where the store sends several requests at once, so the
    other process always has the next one while the client reads an answer.
    """

    @abstractmethod
    def write(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> int:
        """Store a batch and, with it, the checkpoints of the sources it came from.

        The store sets ``event.ingested``. Checkpoints are committed only after
        the events are durable (atomically with them where the backend can), so
        a crash never skips data, and deterministic ``event.id`` keeps a replay
        from duplicating. Returns the number of events newly stored.
        """

    def submit(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> Callable[[], int]:
        """Start storing a batch; the returned call waits until ``write`` would have returned, and gives its count.

        The returned call also waits for every batch submitted before, so a
        checkpoint never runs ahead of an earlier batch, whatever order the
        calls are made in. A store whose write waits on another process sends
        in the background, so the caller can prepare the next batch meanwhile;
        here the write is done at once.
        """
        stored = self.write(events, checkpoints)
        return lambda: stored

    @abstractmethod
    def search(
        self,
        query: Query | None = None,
        window: Window = Window(),
        *,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Event]:
        """Matching events in ``@timestamp`` order."""

    @abstractmethod
    def count(self, query: Query | None = None, window: Window = Window()) -> int:
        """How many events match."""

    @abstractmethod
    def top(
        self, field: EcsField, query: Query | None = None, window: Window = Window(), *, size: int = 10
    ) -> list[tuple[Any, int]]:
        """The most frequent values of a field among matching events, with counts."""

    @abstractmethod
    def histogram(
        self,
        interval: timedelta,
        query: Query | None = None,
        window: Window = Window(),
        *,
        split: EcsField | None = None,
    ) -> list[tuple[datetime, Any, int]]:
        """Counts per time bucket (and per value of ``split``): ``(bucket start, value, count)``."""

    @abstractmethod
    def get(self, ids: Sequence[str]) -> list[Event]:
        """Events by ``event.id``; unknown ids are left out."""

    @abstractmethod
    def read_since(
        self, cursor: str | None, *, batch_size: int = 50_000, window: Window = Window()
    ) -> Iterator[IngestBatch]:
        """Everything stored after ``cursor``, in ingest order, for scheduled detection.

        Events that arrive late (old ``@timestamp``) are still after the cursor,
        so they are neither missed nor read twice. ``window`` keeps only events
        whose ``@timestamp`` is in it (backfill); a batch may then be empty.
        """

    @abstractmethod
    def info(self) -> dict[str, Any]:
        """Sizes and ranges for ``secops store info`` / ``secops es status``."""

    @abstractmethod
    def prune(self, older_than: timedelta) -> dict[str, Any]:
        """Delete whole partitions/indices older than the given age."""

    @abstractmethod
    def compact(self) -> dict[str, Any]:
        """Merge small partitions/segments where the backend benefits."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections and handles."""


class CaseStore(ABC):
    """Alerts, the audit log, checkpoints and watermarks (incidents build on this)."""

    # -- checkpoints and watermarks -------------------------------------------------
    @abstractmethod
    def checkpoint(self, key: str) -> Checkpoint | None:
        """The stored position of a source, by fingerprint."""

    @abstractmethod
    def save_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Record source positions (used when they are not committed with events)."""

    @abstractmethod
    def watermark(self, name: str) -> str | None:
        """The cursor a job has reached."""

    @abstractmethod
    def set_watermark(self, name: str, cursor: str) -> None:
        """Advance a job's cursor; call only after its results are stored."""

    # -- alerts ---------------------------------------------------------------------
    @abstractmethod
    def add_alerts(self, alerts: Sequence[Alert]) -> list[Alert]:
        """Store alerts; an alert whose dedup key exists already is merged, not repeated.

        Returns the alerts that were new.
        """

    @abstractmethod
    def alerts(
        self,
        flt: AlertFilter = AlertFilter(),
        *,
        limit: int | None = None,
        offset: int = 0,
        sort: Literal["time", "severity"] = "time",
        newest_first: bool = True,
    ) -> list[Alert]:
        """Alerts matching a filter, sorted and paged."""

    @abstractmethod
    def count_alerts(self, flt: AlertFilter = AlertFilter()) -> int:
        """How many alerts match."""

    @abstractmethod
    def get_alert(self, alert_id: str) -> Alert | None:
        """One alert by id."""

    @abstractmethod
    def update_alert(self, alert: Alert, *, actor: str, action: str) -> None:
        """Replace an alert's state and record the change in the audit log."""

    def scan_alerts(self, flt: AlertFilter = AlertFilter()) -> Iterator[Alert]:
        """Every matching alert, oldest first, streamed (for bulk actions and grouping over large queues)."""
        offset = 0
        while page := self.alerts(flt, limit=1_000, offset=offset, newest_first=False):
            yield from page
            offset += len(page)

    def update_alerts(self, alerts: Sequence[Alert], *, actor: str, action: str) -> None:
        """Several ``update_alert`` calls; backends that can do them in one transaction do."""
        for alert in alerts:
            self.update_alert(alert, actor=actor, action=action)

    @abstractmethod
    def alert_counts(self, flt: AlertFilter, by: AlertGroup, *, size: int = 50) -> list[tuple[str, int]]:
        """How many matching alerts fall in each group (most first); a multi-valued field counts each value."""

    # -- incidents ------------------------------------------------------------------
    @abstractmethod
    def create_incident(self, incident: Incident, *, actor: str, alerts: Sequence[Alert] = ()) -> Incident:
        """Store a new incident under the next ``INC-<n>`` id (the id given is ignored).

        ``alerts`` are the alerts it takes, already pointing at nothing; the store
        sets their ``incident_id``. Every change is audited.
        """

    @abstractmethod
    def get_incident(self, incident_id: str) -> Incident | None:
        """One incident by id."""

    @abstractmethod
    def incidents(
        self, flt: IncidentFilter = IncidentFilter(), *, limit: int | None = None, offset: int = 0
    ) -> list[Incident]:
        """Incidents matching a filter, newest first."""

    @abstractmethod
    def count_incidents(self, flt: IncidentFilter = IncidentFilter()) -> int:
        """How many incidents match."""

    @abstractmethod
    def update_incident(self, incident: Incident, *, actor: str, action: str, alerts: Sequence[Alert] = ()) -> None:
        """Replace an incident (and the alerts whose membership changed with it), audited."""

    # -- suppressions ---------------------------------------------------------------
    @abstractmethod
    def add_suppression(self, suppression: Suppression, *, actor: str) -> None:
        """Store an exception for the detection engine, audited."""

    @abstractmethod
    def suppressions(self) -> list[Suppression]:
        """Every suppression, expired ones included, newest first."""

    @abstractmethod
    def remove_suppression(self, suppression_id: str, *, actor: str) -> bool:
        """Delete a suppression (audited); False when there was none."""

    def active_suppressions(self, now: datetime) -> list[Suppression]:
        """The suppressions in force at ``now``: what the detection engine must honour."""
        return [s for s in self.suppressions() if s.active(now)]

    # -- indicators of compromise ---------------------------------------------------
    @abstractmethod
    def add_indicators(self, indicators: Sequence[Indicator], *, actor: str, source: str) -> int:
        """Store indicators (a known type and value is replaced); audited as one import. Returns how many were new."""

    @abstractmethod
    def indicators(
        self, kind: IndicatorType | None = None, *, limit: int | None = None, offset: int = 0
    ) -> list[Indicator]:
        """Indicators, by type then value."""

    @abstractmethod
    def count_indicators(self, kind: IndicatorType | None = None) -> int:
        """How many indicators are stored."""

    # -- audit log --------------------------------------------------------------------
    @abstractmethod
    def audit(
        self, actor: str, action: str, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> AuditEntry:
        """Append one entry to the hash-chained audit log."""

    @abstractmethod
    def audit_entries(self) -> Iterator[AuditEntry]:
        """The audit log in order."""

    @abstractmethod
    def audit_records(self) -> Iterator[AuditRecord]:
        """The audit log in ``seq`` order exactly as stored, for verification."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections and handles."""
