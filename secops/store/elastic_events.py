"""``EventStore`` on Elasticsearch: daily indices per dataset family, bulk in, DSL out.

Writes go through ``BulkWriter`` (``create`` by ``event.id``, retries, dead
letters) and fall back to the disk ``Spool`` while the cluster is
unreachable. Several bulk requests are in flight at once (``bulk_requests``),
so the cluster has the next one while the client reads an answer and sends.
File checkpoints are committed to the local SQLite state database once the
batch, and every one before it, is in Elasticsearch *or* in the spool: they
name files on this machine, and they must be committable while the cluster is
down.

``read_since`` — the rule scheduled detection relies on
-------------------------------------------------------
Documents are read in ``(event.ingested, event.id)`` order, strictly after the
cursor and strictly before *now − read_lag*, paging with ``search_after``.
Every send stamps ``event.ingested`` immediately before the request, so a
document becomes searchable at most one request timeout plus one refresh
interval after its stamp (a timed-out request is resent with ``index``,
which re-stamps the same ``_id``). With ``read_lag`` above that bound plus the
clock skew between writers, every document with a stamp below the upper
bound is already visible when a run reads, and no later document can get a
stamp below it: nothing is missed, and the cursor guarantees nothing is read
twice. Late events (old ``@timestamp``) are stamped when stored, so they are
simply after the cursor. The one exception is a resend after a timeout whose
first copy was already read: that event is read again (at least once, never
lost), and alert dedup keys absorb it.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from elasticsearch import Elasticsearch

from secops import ecs
from secops.cases.models import Alert, Checkpoint
from secops.config import BULK_REQUESTS, Config, EsConfig
from secops.errors import BackendUnavailable, StoreError
from secops.query import Query
from secops.store import elastic_layout as layout
from secops.store.base import EventStore, IngestBatch, Window
from secops.store.catalog import CHECKPOINT_SCHEMA, upsert_checkpoints
from secops.store.elastic_bulk import DEFAULT_POLICY, BulkResult, BulkWriter, DeadLetters, Prepared, RetryPolicy
from secops.store.elastic_client import Secrets, call, connect
from secops.store.elastic_query import exact, field_types, to_dsl, with_time
from secops.store.elastic_spool import Spool
from secops.store.sqlite import STATE_DB, write_txn
from secops.store.sqlite import connect as sqlite_connect
from secops.types import EcsField, Event

if TYPE_CHECKING:
    from secops.detect.detector import Detector

log = logging.getLogger(__name__)

PAGE = 5_000
SPREAD_INDICES = 10_000
"""Indices ``spread`` counts at most: past this many, the count only needs to be large."""
TYPES_TTL = 30.0
"""Seconds the mapped field types are reused before they are read again (new fields appear with new data)."""
PROBE_SECONDS = 5.0
"""While the cluster is down, batches go straight to the spool; a send is tried again after this long."""
SWITCH_INTERVAL = 0.0005
"""Seconds a thread waits for the GIL before asking for it, while the sender runs. After each socket
call the sender waits up to this long for a parsing thread; the cluster idles meanwhile. Measured,
node on its own core: 0.80-0.84 of the raw rate at Python's 5 ms, 0.83-0.89 at 0.5 ms."""
DEAD_LETTER_FILE = "es-dead-letter.ndjson"
SPOOL_DIR = "es-spool"
T = TypeVar("T")


class ElasticEventStore(EventStore):
    """Events in ``<prefix>-events-<family>-YYYY.MM.DD`` indices."""

    parse_ahead = True  # a bulk request waits on the cluster: parse the next batch meanwhile

    def __init__(
        self,
        client: Elasticsearch,
        data_dir: Path,
        *,
        prefix: str = "secops",
        secrets: Secrets | None = None,
        timeout: float = 60.0,
        read_lag: float = 90.0,
        refresh: bool = False,
        policy: RetryPolicy = DEFAULT_POLICY,
        bulk_requests: int = BULK_REQUESTS,
    ) -> None:
        self.client = client
        self.data_dir = data_dir
        self.prefix = prefix
        self.secrets = secrets or Secrets(())
        self.read_lag = read_lag
        self.timeout = timeout
        self.dead_letters = DeadLetters(data_dir / DEAD_LETTER_FILE)
        self.spool = Spool(data_dir / SPOOL_DIR)
        self.writer = BulkWriter(
            client, self.secrets, self.dead_letters, timeout=timeout, policy=policy, refresh=refresh
        )
        self.pattern = layout.events_pattern(prefix)
        self.in_flight = bulk_requests
        self._ready = False
        self._ready_lock = threading.Lock()
        self._down_until = 0.0
        self._touched: set[str] = set()
        self._state: sqlite3.Connection | None = None
        self._types: tuple[float, dict[str, str]] = (0.0, {})
        self._pool: ThreadPoolExecutor | None = None
        self._sent: list[Future[int]] = []

    @classmethod
    def from_config(cls, config: Config, data_dir: Path) -> ElasticEventStore:
        es: EsConfig = config.es
        client, secrets = connect(es)
        return cls(
            client,
            data_dir,
            prefix=es.index_prefix,
            secrets=secrets,
            timeout=es.timeout,
            read_lag=es.read_lag,
            bulk_requests=es.bulk_requests,
        )

    def _call(self, where: str, fn: Callable[[], T]) -> T:
        return call(fn, self.secrets, where)

    # -- writing ----------------------------------------------------------------------
    def write(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> int:
        return self.submit(events, checkpoints)()

    def submit(self, events: Sequence[Event], checkpoints: Sequence[Checkpoint] = ()) -> Callable[[], int]:
        """Serialise the batch here, send it from a sender thread; checkpoints commit in the waiting thread.

        ``in_flight`` threads send, taking batches in submission order, so the
        cluster gets the next request while the client serialises, sends and
        reads answers. Requests may finish out of order: waiting for a batch
        waits for every earlier one too, and raises an earlier one's error (a
        failed batch is kept for that: no later checkpoint may pass it).
        """
        earlier = [f for f in self._sent if not f.done() or f.exception() is not None]
        sent = self._sender().submit(self._deliver_or_spool, self._prepare(events)) if events else None
        self._sent = [*earlier, sent] if sent else earlier

        def done() -> int:
            for before in earlier:
                before.result()
            stored = sent.result() if sent else 0
            if checkpoints:
                with write_txn(self._state_db()) as conn:
                    upsert_checkpoints(conn, checkpoints)
            return stored

        return done

    def _sender(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.in_flight, thread_name_prefix="secops-bulk")
            _senders.enter()
        return self._pool

    def _prepare(self, events: Iterable[Event]) -> Prepared:
        prefix = self.prefix
        prepared = self.writer.prepare((layout.event_index(prefix, e), e) for e in events)
        self._touched.update({index for index, _ in prepared.items})
        return prepared

    def _deliver_or_spool(self, prepared: Prepared) -> int:
        if time.monotonic() < self._down_until:
            return self._spool(prepared)
        try:
            self.replay_spool()
            created = self._send(prepared).created
            self._types = (0.0, {})  # new fields may have been mapped
            return created
        except BackendUnavailable as exc:
            log.warning("%s; spooling %d events under %s", exc, len(prepared.items), self.spool.directory)
            self._down_until = time.monotonic() + PROBE_SECONDS
            return self._spool(prepared)

    def _spool(self, prepared: Prepared) -> int:
        """Keep the batch on disk, stamped now (a replay stamps it again when it is sent)."""
        stamp = ecs.now_ts()
        events = [event for _, event in prepared.items]
        for event in events:
            event["event"]["ingested"] = stamp
        self.spool.append(events)
        return len(events)

    def _send(self, prepared: Prepared) -> BulkResult:
        self._ensure_ready()
        return self.writer.send(prepared)

    def replay_spool(self) -> int:
        """Deliver what the spool holds; raises ``BackendUnavailable`` if the cluster is still away."""
        if not self.spool:
            return 0
        sent = self.spool.replay(lambda events: self._send(self._prepare(events)))
        if sent:
            log.info("replayed %d spooled events into Elasticsearch", sent)
        return sent

    def _ensure_ready(self) -> None:
        with self._ready_lock:  # the senders' first batches arrive together
            if not self._ready:
                if not self._call("index template", lambda: layout.has_template(self.client, self.prefix)):
                    self._call("es setup", lambda: layout.setup(self.client, self.prefix))
                self._ready = True

    def _state_db(self) -> sqlite3.Connection:
        if self._state is None:
            self._state = sqlite_connect(self.data_dir / STATE_DB)
            self._state.executescript(CHECKPOINT_SCHEMA)
        return self._state

    def refresh(self) -> None:
        """Make everything written so far searchable now (instead of within the refresh interval)."""
        self._call("refresh", lambda: self.client.indices.refresh(index=self.pattern, allow_no_indices=True))

    # -- reading ----------------------------------------------------------------------
    def field_types(self) -> dict[str, str]:
        """Mapped type of every event field, refreshed every ``TYPES_TTL`` seconds."""
        read_at, types = self._types
        if time.monotonic() - read_at > TYPES_TTL:
            types = self._call("field types", lambda: field_types(self.client, self.pattern))
            self._types = (time.monotonic(), types)
        return types

    def dsl(self, query: Query | None, window: Window = Window()) -> dict[str, Any]:
        """A query tree and a ``@timestamp`` window as query DSL for this cluster's mapping."""
        return with_time(to_dsl(query, self.field_types()), "@timestamp", window.since, window.until)

    def _search(self, where: str, **body: Any) -> dict[str, Any]:
        return self._call(
            where,
            lambda: dict(
                self.client.search(index=self.pattern, ignore_unavailable=True, allow_no_indices=True, **body).body
            ),
        )

    def msearch(self, searches: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches in one request (header, body, header, body, …); one answer each."""
        slow = self.client.options(request_timeout=max(self.timeout, 600.0))
        found = self._call("msearch", lambda: slow.msearch(searches=searches))
        return list(found["responses"])

    def search(
        self,
        query: Query | None = None,
        window: Window = Window(),
        *,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Event]:
        dsl = self.dsl(query, window)
        order = "desc" if newest_first else "asc"
        sort = [
            {"@timestamp": {"order": order, "unmapped_type": "date"}},
            {"event.id": {"order": order, "unmapped_type": "keyword"}},
        ]
        remaining = limit
        after: list[Any] | None = None
        while remaining is None or remaining > 0:
            size = PAGE if remaining is None else min(PAGE, remaining)
            extra = {"search_after": after} if after else {}
            hits = self._search("search", query=dsl, sort=sort, size=size, track_total_hits=False, **extra)
            page = hits["hits"]["hits"]
            for hit in page:
                yield hit["_source"]
            if remaining is not None:
                remaining -= len(page)
            if len(page) < size:
                return
            after = page[-1]["sort"]

    def detect_pushdown(self, detector: Detector, cursor: str | None) -> tuple[list[Alert], str | None, int]:
        """Scheduled detection in the cluster (the hook ``secops.detect.jobs.run_once`` calls)."""
        from secops.store.elastic_detect import detect
        from secops.store.elastic_plans import cached_plan

        return detect(self, detector, cursor, cached_plan(self, detector))

    def detect_window(self, detector: Detector, window: Window) -> tuple[list[Alert], int]:
        """Backfill detection in the cluster (the hook ``secops.detect.jobs.backfill`` calls)."""
        from secops.store.elastic_detect import detect_window
        from secops.store.elastic_plans import cached_plan

        return detect_window(self, detector, window, cached_plan(self, detector))

    def count(self, query: Query | None = None, window: Window = Window()) -> int:
        return self.count_dsl(self.dsl(query, window))

    def count_dsl(self, dsl: dict[str, Any]) -> int:
        found = self._call(
            "count",
            lambda: self.client.count(index=self.pattern, query=dsl, ignore_unavailable=True, allow_no_indices=True),
        )
        return int(found["count"])

    def spread(self, dsl: dict[str, Any]) -> tuple[int, int]:
        """How many events match, and how many event indices hold them (one request)."""
        aggs = {"indices": {"terms": {"field": "_index", "size": SPREAD_INDICES}}}
        found = self._search("count", query=dsl, aggs=aggs, size=0, track_total_hits=True)
        return int(found["hits"]["total"]["value"]), len(found["aggregations"]["indices"]["buckets"])

    def top(
        self, field: EcsField, query: Query | None = None, window: Window = Window(), *, size: int = 10
    ) -> list[tuple[Any, int]]:
        dsl = self.dsl(query, window)
        aggs = {"top": {"terms": {"field": exact(field), "size": size}}}
        found = self._search("top", query=dsl, aggs=aggs, size=0, track_total_hits=False)
        return [(_key(b), int(b["doc_count"])) for b in found.get("aggregations", {}).get("top", {}).get("buckets", [])]

    def histogram(
        self,
        interval: timedelta,
        query: Query | None = None,
        window: Window = Window(),
        *,
        split: EcsField | None = None,
    ) -> list[tuple[datetime, Any, int]]:
        dsl = self.dsl(query, window)
        millis = max(1, int(interval.total_seconds() * 1000))
        hist: dict[str, Any] = {
            "date_histogram": {"field": "@timestamp", "fixed_interval": f"{millis}ms", "min_doc_count": 1}
        }
        if split:
            hist["aggs"] = {"split": {"terms": {"field": exact(split), "size": 1000}}}
        found = self._search("histogram", query=dsl, aggs={"hist": hist}, size=0, track_total_hits=False)
        rows: list[tuple[datetime, Any, int]] = []
        for bucket in found.get("aggregations", {}).get("hist", {}).get("buckets", []):
            start = datetime.fromtimestamp(bucket["key"] / 1000, UTC)
            if split:
                rows.extend((start, _key(b), int(b["doc_count"])) for b in bucket["split"]["buckets"])
            else:
                rows.append((start, None, int(bucket["doc_count"])))
        return rows

    def get(self, ids: Sequence[str]) -> list[Event]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, Event] = {}
        for start in range(0, len(wanted), PAGE):
            chunk = wanted[start : start + PAGE]
            hits = self._search("get", query={"ids": {"values": chunk}}, size=len(chunk), track_total_hits=False)
            for hit in hits["hits"]["hits"]:
                found[hit["_id"]] = hit["_source"]
        return [found[i] for i in wanted if i in found]

    def read_since(
        self, cursor: str | None, *, batch_size: int = 50_000, window: Window = Window()
    ) -> Iterator[IngestBatch]:
        batch: list[Event] = []
        last: list[Any] = []
        dsl = {"bool": {"filter": [self.ingest_window(cursor, self.read_upper()), self.dsl(None, window)]}}
        for event, sort in self.scan_ingested(dsl):
            batch.append(event)
            last = sort
            if len(batch) >= batch_size:
                yield IngestBatch(batch, encode_cursor(last))
                batch = []
        if batch:
            yield IngestBatch(batch, encode_cursor(last))

    def read_upper(self) -> int:
        """The exclusive upper bound of a scheduled read, in epoch milliseconds: now minus the lag."""
        return int((time.time() - self.read_lag) * 1000)

    @staticmethod
    def ingest_window(cursor: str | None, upper: int) -> dict[str, Any]:
        """Events stored after ``cursor`` (by ``event.ingested``, then ``event.id``) and before ``upper``."""
        clauses: list[dict[str, Any]] = [{"range": {"event.ingested": {"lt": upper, "format": "epoch_millis"}}}]
        after = _decode_cursor(cursor)
        if after is not None:
            millis, event_id = after
            same_ms = {"range": {"event.ingested": {"gte": millis, "lte": millis, "format": "epoch_millis"}}}
            clauses.append(
                {
                    "bool": {
                        "should": [
                            {"range": {"event.ingested": {"gt": millis, "format": "epoch_millis"}}},
                            {"bool": {"filter": [same_ms, {"range": {"event.id": {"gt": event_id}}}]}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            )
        return {"bool": {"filter": clauses}}

    def scan_ingested(
        self, dsl: dict[str, Any], *, newest_first: bool = False, page_size: int = PAGE * 2
    ) -> Iterator[tuple[Event, list[Any]]]:
        """Matching events in ingest order, each with its sort key (``encode_cursor`` makes it a cursor)."""
        order = "desc" if newest_first else "asc"
        sort = [{"event.ingested": {"order": order, "unmapped_type": "date"}}, {"event.id": {"order": order}}]
        after: list[Any] | None = None
        while True:
            extra = {"search_after": after} if after else {}
            hits = self._search("read", query=dsl, sort=sort, size=page_size, track_total_hits=False, **extra)
            page = hits["hits"]["hits"]
            for hit in page:
                yield hit["_source"], hit["sort"]
            if len(page) < page_size:
                return
            after = page[-1]["sort"]

    def window_end(self, cursor: str | None, upper: int) -> str | None:
        """The cursor after the last event of a window, or None when the window is empty."""
        newest = next(self.scan_ingested(self.ingest_window(cursor, upper), newest_first=True, page_size=1), None)
        return encode_cursor(newest[1]) if newest else None

    # -- housekeeping -----------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        stats = self._call(
            "info",
            lambda: self.client.indices.stats(index=self.pattern, metric="docs,store", expand_wildcards="open"),
        )
        indices = stats.get("indices", {})
        aggs = {
            "first": {"min": {"field": "@timestamp"}},
            "last": {"max": {"field": "@timestamp"}},
            "ingested": {"max": {"field": "event.ingested"}},
        }
        found = self._search("info", size=0, aggs=aggs, track_total_hits=False)["aggregations"] if indices else {}
        return {
            "backend": "elasticsearch",
            "index_pattern": self.pattern,
            "indices": len(indices),
            "events": sum(i["primaries"]["docs"]["count"] for i in indices.values()),
            "bytes": sum(i["total"]["store"]["size_in_bytes"] for i in indices.values()),
            "first_event": found.get("first", {}).get("value_as_string"),
            "last_event": found.get("last", {}).get("value_as_string"),
            "last_ingested": found.get("ingested", {}).get("value_as_string"),
            "spooled_events": self.spool.pending_events(),
            "dead_letters": self.dead_letters.count(),
            "dead_letter_file": str(self.dead_letters.path),
        }

    def prune(self, older_than: timedelta) -> dict[str, Any]:
        return self._call("prune", lambda: layout.prune(self.client, self.prefix, older_than))

    def compact(self) -> dict[str, Any]:
        """Force-merge the indices of past days (no longer written) to one segment each."""
        today = datetime.now(UTC).date()
        names = self._call("compact", lambda: list(self.client.indices.get(index=self.pattern, allow_no_indices=True)))
        done = sorted(n for n in names if (day := layout.index_day(self.prefix, n)) is not None and day < today)
        for name in done:
            self._call(name, lambda n=name: self.client.indices.forcemerge(index=n, max_num_segments=1))  # type: ignore[misc]
        return {"merged_indices": len(done), "skipped_current": len(names) - len(done)}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()  # batches submitted and never waited for are still sent
            self._pool = None
            self._sent = []
            _senders.leave()
        try:
            if self.spool and time.monotonic() >= self._down_until:
                self.replay_spool()
            for touched in layout.index_lists(sorted(self._touched)):
                self._call(
                    "refresh",
                    lambda names=touched: self.client.indices.refresh(  # type: ignore[misc]
                        index=names, ignore_unavailable=True, allow_no_indices=True
                    ),
                )
        except BackendUnavailable as exc:
            log.warning("%s; %d events stay spooled for the next run", exc, self.spool.pending_events())
        finally:
            self._touched.clear()
            if self._state is not None:
                self._state.close()
                self._state = None
            self.client.close()


class _Senders:
    """Lowers the GIL switch interval while any store's sender runs, and puts it back after the last."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.saved = sys.getswitchinterval()

    def enter(self) -> None:
        with self.lock:
            if self.running == 0:
                self.saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self.saved, SWITCH_INTERVAL))
            self.running += 1

    def leave(self) -> None:
        with self.lock:
            self.running -= 1
            if self.running == 0:
                sys.setswitchinterval(self.saved)


_senders = _Senders()


def _key(bucket: dict[str, Any]) -> Any:
    """A terms bucket's value as the event holds it (dates and booleans come back as strings)."""
    text = bucket.get("key_as_string")
    if text in ("true", "false") and bucket["key"] in (0, 1):
        return text == "true"
    return text if text is not None else bucket["key"]


def encode_cursor(sort_values: list[Any]) -> str:
    """An opaque ingest cursor from a ``(event.ingested, event.id)`` sort key."""
    return f"es1:{int(sort_values[0])}:{sort_values[1]}"


def _decode_cursor(cursor: str | None) -> tuple[int, str] | None:
    if not cursor:
        return None
    try:
        tag, millis, event_id = cursor.split(":", 2)
        if tag != "es1":
            raise ValueError(tag)
        return int(millis), event_id
    except ValueError:
        raise StoreError(f"not an Elasticsearch ingest cursor: {cursor!r}", where="read_since") from None
