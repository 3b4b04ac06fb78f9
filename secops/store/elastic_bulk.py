"""Lossless bulk writes: ``_id`` = ``event.id``, ``create`` only, retries, dead letters.

A batch is serialised into its request body once (``prepare``), ahead of
the request, with a slot in place of ``event.ingested``. Each attempt writes
the stamp into the slots just before it is sent, so the stamp is at most one
request timeout older than the moment the document becomes searchable (the
bound ``read_since`` relies on). A slot is a random token of this process:
log content cannot hold it. Per document:

- 201 created; 409 already there (a retry or a re-ingest) — both done;
- 429 and 5xx — retried with exponential backoff;
- any other rejection (a field of the wrong type, a malformed value) — written
  to the dead-letter file with Elasticsearch's reason, and the rest goes on.

A whole request that fails to connect, or answers 429/5xx, is retried too;
when the budget runs out ``BackendUnavailable`` tells the store to spool. A
request that timed out may still have been applied: its documents are resent
with ``index`` instead of ``create``, which overwrites the same ``_id`` with a
fresh stamp (never a second copy), so a late-visible document is not missed.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

import orjson
from elastic_transport import ConnectionTimeout, TransportError
from elasticsearch import ApiError, Elasticsearch

from secops import ecs
from secops.errors import BackendUnavailable
from secops.files import owner_only
from secops.store.elastic_client import Secrets, translate
from secops.types import Event

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason,items.*.error.caused_by"
STAMP_SLOT = token_hex(12)
"""Stands for ``event.ingested`` in serialised documents until a request fills it."""
_SLOT = STAMP_SLOT.encode()
_CREATE, _INDEX = b'{"create":', b'{"index":'

Item = tuple[str, Event]
"""An event and the index it goes to."""


@dataclass(slots=True)
class Body:
    """Events serialised into one request body, cut where each one's stamp goes."""

    pieces: list[bytes]

    @classmethod
    def of(cls, items: Iterable[Item], overwrite: bool = False) -> Body:
        op = _INDEX if overwrite else _CREATE
        pieces: list[bytes] = []
        piece: list[bytes] = []
        dumps = orjson.dumps
        for index, event in items:
            meta = event["event"]
            meta["ingested"] = STAMP_SLOT
            before, after = dumps(event).split(_SLOT, 1)
            piece += (op, dumps({"_index": index, "_id": meta["id"]}), b"}\n", before)
            pieces.append(b"".join(piece))
            piece = [after, b"\n"]
        pieces.append(b"".join(piece))
        return cls(pieces)

    def stamp(self, stamp: str) -> bytes:
        """The body with ``stamp`` where each event's goes.

        One join around the stamps instead of 5,000 slice assignments into one
        buffer: this runs between an answer and the next request, while the
        cluster waits.
        """
        return stamp.encode().join(self.pieces)


@dataclass(slots=True)
class Prepared:
    """A batch serialised for its first request; a retry of some of it serialises those again."""

    items: list[Item]
    body: Body


@dataclass(slots=True)
class BulkResult:
    created: int = 0
    existing: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying: a down cluster gives up fast (the spool takes over), a busy one gets time."""

    unreachable_attempts: int = 3
    busy_seconds: float = 120.0
    first_delay: float = 0.25
    max_delay: float = 8.0


DEFAULT_POLICY = RetryPolicy()


class DeadLetters:
    """Rejected documents with their reason, one JSON object a line, in the data directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()  # several senders may reject documents at once

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, owner_only(self.path, append=True) as fh:
            fh.write(b"".join(orjson.dumps(r, default=str) + b"\n" for r in rows))
            fh.flush()
            os.fsync(fh.fileno())

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open("rb") as fh:
            return sum(1 for _ in fh)


class BulkWriter:
    """Sends events to their indices until each is stored, known, or dead-lettered."""

    def __init__(
        self,
        client: Elasticsearch,
        secrets: Secrets,
        dead_letters: DeadLetters,
        *,
        timeout: float,
        policy: RetryPolicy = DEFAULT_POLICY,
        refresh: bool = False,
    ) -> None:
        self.client = client.options(request_timeout=timeout)
        self.secrets = secrets
        self.dead_letters = dead_letters
        self.policy = policy
        self.refresh = "wait_for" if refresh else None

    @staticmethod
    def prepare(items: Iterable[Item]) -> Prepared:
        """Serialise a batch once, for its first request (a whole-request retry sends it again)."""
        batch = list(items)
        return Prepared(batch, Body.of(batch))

    def send(self, prepared: Prepared) -> BulkResult:
        """Store a prepared batch; raises ``BackendUnavailable`` with none of it lost to the caller."""
        result = BulkResult()
        pending = prepared.items
        body: Body | None = prepared.body
        overwrite = False
        unreachable = 0
        delay = self.policy.first_delay
        busy_deadline = time.monotonic() + self.policy.busy_seconds
        while pending:
            try:
                body = body or Body.of(pending, overwrite)
                response = self._post(pending, body)
            except (ApiError, TransportError) as exc:
                status = getattr(exc, "status_code", None)
                if isinstance(exc, ApiError) and status not in RETRY_STATUS:
                    raise translate(exc, self.secrets, "bulk") from None
                if isinstance(exc, ConnectionTimeout) and not overwrite:
                    overwrite, body = True, None
                if isinstance(exc, ApiError):
                    if time.monotonic() > busy_deadline:
                        raise translate(exc, self.secrets, "bulk") from None
                else:
                    unreachable += 1
                    if unreachable >= self.policy.unreachable_attempts:
                        raise translate(exc, self.secrets, "bulk") from None
                delay = self._sleep(delay)
                continue
            unreachable = 0
            pending = self._settle(pending, response, result, overwrite)
            body = None
            if pending:
                if time.monotonic() > busy_deadline:
                    raise BackendUnavailable(f"{len(pending)} documents still refused after retries", where="bulk")
                delay = self._sleep(delay)
        return result

    def _sleep(self, delay: float) -> float:
        time.sleep(delay)
        return min(delay * 2, self.policy.max_delay)

    def _post(self, items: Sequence[Item], body: Body) -> dict[str, Any]:
        now = datetime.now(UTC)
        stamp = ecs.format_ts(now.replace(microsecond=now.microsecond // 1000 * 1000))
        for _, event in items:  # the caller's events hold what is stored (the batch hooks read them)
            event["event"]["ingested"] = stamp
        data = body.stamp(stamp)
        response = self.client.bulk(operations=data, filter_path=FILTER, refresh=self.refresh)  # type: ignore[arg-type]
        return dict(response.body)

    def _settle(self, items: list[Item], response: dict[str, Any], result: BulkResult, overwrite: bool) -> list[Item]:
        """Count what was stored, dead-letter what was refused, return what to retry."""
        outcomes = response.get("items", [])
        if not response.get("errors"):
            if not overwrite:  # a ``create`` succeeds only by creating
                result.created += len(outcomes)
                return []
            for outcome in outcomes:  # ``index`` answers 200 where the timed-out request's copy was
                if next(iter(outcome.values()))["status"] == 201:
                    result.created += 1
                else:
                    result.existing += 1
            return []
        retry: list[Item] = []
        dead: list[dict[str, Any]] = []
        for item, outcome in zip(items, outcomes, strict=True):
            detail = next(iter(outcome.values()))
            status = detail["status"]
            if status == 201:
                result.created += 1
            elif status in (200, 409):
                result.existing += 1
            elif status in RETRY_STATUS:
                retry.append(item)
            else:
                dead.append(self._dead_row(item, status, detail.get("error", {})))
        if dead:
            self.dead_letters.write(dead)
            result.rejected += len(dead)
            log.warning("%d documents rejected by Elasticsearch, kept in %s", len(dead), self.dead_letters.path)
        return retry

    @staticmethod
    def _dead_row(item: Item, status: int, error: dict[str, Any]) -> dict[str, Any]:
        index, event = item
        reason = f"{error.get('type', 'error')}: {error.get('reason', '')}"
        cause = error.get("caused_by")
        if isinstance(cause, dict):
            reason += f" (caused by {cause.get('type', '')}: {cause.get('reason', '')})"
        return {
            "time": ecs.now_ts(),
            "index": index,
            "id": event["event"]["id"],
            "status": status,
            "reason": reason,
            "event": event,
        }
