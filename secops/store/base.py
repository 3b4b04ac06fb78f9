"""The storage interface: ``EventStore`` for events, ``CaseStore`` for everything else.

Two implementations exist: the embedded store (Parquet + DuckDB, SQLite) and
Elasticsearch. Commands and the library only ever see these two classes; the
same test suite runs over both.

Times are aware ``datetime`` objects in UTC; queries are ``secops.query`` trees.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from secops.cases.models import Alert, AlertStatus, AuditEntry, Checkpoint
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


class EventStore(ABC):
    """Where events live. Writes are durable when ``write`` returns."""

    @abstractmethod
    def write(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> int:
        """Store a batch and, with it, the checkpoints of the sources it came from.

        The store sets ``event.ingested``. Checkpoints are committed only after
        the events are durable (atomically with them where the backend can), so
        a crash never skips data, and deterministic ``event.id`` keeps a replay
        from duplicating. Returns the number of events newly stored.
        """

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
    def read_since(self, cursor: str | None, *, batch_size: int = 50_000) -> Iterator[IngestBatch]:
        """Everything stored after ``cursor``, in ingest order, for scheduled detection.

        Events that arrive late (old ``@timestamp``) are still after the cursor,
        so they are neither missed nor read twice.
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

    # -- audit log --------------------------------------------------------------------
    @abstractmethod
    def audit(
        self, actor: str, action: str, target: str, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> AuditEntry:
        """Append one entry to the hash-chained audit log."""

    @abstractmethod
    def audit_entries(self) -> Iterator[AuditEntry]:
        """The audit log in order."""

    def close(self) -> None:  # noqa: B027 - optional for backends without resources
        """Release connections and handles."""
