"""Scheduled detection over the store: by ingest order, one run at a time, nothing lost or doubled.

A run takes an exclusive lock (a ``flock`` on ``detect.lock`` in the data
directory), reads everything stored after the job's watermark with
``EventStore.read_since``, evaluates each batch at once (``batch``), and for
each batch stores the alerts first, then the open correlation windows
(``state``), and only then advances the watermark. A run killed at any point
therefore re-reads at most the batch in flight, and the alerts of that batch
come back with the same dedup keys, which the case store merges: nothing is
lost, nothing is duplicated. Events ingested during a run are after its last
cursor and belong to the next run. Correlation windows carry over from run to
run, so one that spans two runs fires once.

Compiled rules come from ``<data dir>/cache/sigma`` when the rule files and
pipelines are unchanged (``cache``).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from secops.cases.models import Alert
from secops.cases.suppress import LiveSuppressor, Suppressor
from secops.config import DetectConfig
from secops.detect.detector import Detector
from secops.detect.rules import Problem
from secops.detect.state import CarriedState
from secops.errors import LockHeld
from secops.store.base import CaseStore, EventStore, Window

WATERMARK = "detect.sigma"
LOCK_FILE = "detect.lock"


@dataclass
class RunResult:
    events: int = 0
    batches: int = 0
    alerts: int = 0
    new_alerts: int = 0
    suppressed: int = 0
    """Alerts an analyst's suppression covers: built, not stored."""
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    cache: str = "off"
    """How the compiled rules were obtained (see ``CompiledSet.cache``)."""
    startup: float = 0.0
    """Seconds spent loading or compiling rules."""


def rule_cache(data_dir: Path) -> Path:
    return data_dir / "cache" / "sigma"


@contextmanager
def job_lock(data_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the detection lock, waiting up to ``wait`` seconds for a run in progress."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockHeld("another detection run is in progress", where=str(path)) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def run_once(
    events: EventStore,
    cases: CaseStore,
    rule_paths: Iterable[str | Path],
    data_dir: Path,
    *,
    config: DetectConfig | None = None,
    wait: float = 0.0,
    batch_size: int = 50_000,
) -> RunResult:
    """One detection run from the watermark to the end of what is stored now."""
    started = time.monotonic()
    result = RunResult()
    with job_lock(data_dir, wait):
        # Hook for the Elasticsearch store: rules run in the cluster, only their matches come back.
        pushdown = getattr(events, "detect_pushdown", None)
        detector = Detector.load(rule_paths, config, rule_cache(data_dir))
        result.problems, result.cache = detector.problems, detector.compiled.cache
        result.startup = time.monotonic() - started
        cursor = cases.watermark(WATERMARK)
        suppressor = Suppressor.from_store(cases)
        carried = CarriedState(data_dir)
        detector.resume(carried.load(cursor))
        if pushdown is not None:
            alerts, last, result.events = pushdown(detector, cursor)
            _store(cases, alerts, result, suppressor)
            if last is not None and last != cursor:
                _step(detector, cases, carried, last, result, suppressor)
        for batch in () if pushdown is not None else events.read_since(cursor, batch_size=batch_size):
            detector.process_batch(batch.events)
            result.events += len(batch.events)
            result.batches += 1
            _step(detector, cases, carried, batch.cursor, result, suppressor)
    result.seconds = time.monotonic() - started
    return result


def backfill(
    events: EventStore,
    cases: CaseStore,
    rule_paths: Iterable[str | Path],
    data_dir: Path,
    window: Window,
    *,
    config: DetectConfig | None = None,
    batch_size: int = 50_000,
) -> RunResult:
    """The rules over the stored events whose ``@timestamp`` falls in ``window``, in ingest order.

    For a rule added today, over what was stored before it. Events come in the
    order a scheduled run reads them, in bounded batches, and the alerts carry
    the dedup keys it builds, so an event both flag is one alert; the scheduled
    job's watermark and open correlation windows are not touched.
    """
    started = time.monotonic()
    result = RunResult()
    pushdown = getattr(events, "detect_window", None)
    detector = Detector.load(rule_paths, config, rule_cache(data_dir))
    result.problems, result.cache = detector.problems, detector.compiled.cache
    result.startup = time.monotonic() - started
    suppressor = Suppressor.from_store(cases)
    if pushdown is not None:
        alerts, result.events = pushdown(detector, window)
        _store(cases, alerts, result, suppressor)
    else:
        for batch in events.read_since(None, batch_size=batch_size, window=window):
            if batch.events:
                detector.process_batch(batch.events)
                result.events += len(batch.events)
                result.batches += 1
                _store(cases, detector.take(), result, suppressor)
    _store(cases, detector.finish(), result, suppressor)
    result.seconds = time.monotonic() - started
    return result


def _step(
    detector: Detector, cases: CaseStore, carried: CarriedState, cursor: str, result: RunResult, suppressor: Suppressor
) -> None:
    """Alerts stored, then the open windows, then the watermark: the order a crash cannot break."""
    _store(cases, detector.checkpoint(), result, suppressor)
    carried.commit(cursor, detector.correlation_state())
    cases.set_watermark(WATERMARK, cursor)


def _store(cases: CaseStore, alerts: list[Alert], result: RunResult, suppressor: Suppressor) -> None:
    """Store the alerts no suppression covers (``alerts suppress`` exceptions, judged on rule and entities)."""
    kept = suppressor.keep(alerts)
    result.alerts += len(alerts)
    result.suppressed += len(alerts) - len(kept)
    if kept:
        result.new_alerts += len(cases.add_alerts(kept))


class IngestDetection:
    """``collect --detect``: evaluate each stored batch at once and store its alerts.

    The batch is already durable when the hook runs; a later ``detect run``
    over the same events builds the same dedup keys, so nothing is doubled.
    """

    def __init__(
        self,
        cases: CaseStore,
        rule_paths: Iterable[str | Path],
        config: DetectConfig | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.cases = cases
        self.detector = Detector.load(rule_paths, config, cache_dir)
        self.result = RunResult(problems=self.detector.problems, cache=self.detector.compiled.cache)
        self.suppressions = LiveSuppressor(cases)

    def __call__(self, batch: list) -> None:
        self.detector.process_batch(batch)
        self.result.events += len(batch)
        _store(self.cases, self.detector.take(), self.result, self.suppressions.current())

    def finish(self) -> RunResult:
        _store(self.cases, self.detector.finish(), self.result, self.suppressions.current())
        return self.result
