"""YARA in the collection pipeline: scan the files that events name, as they are stored.

Two kinds of event name a file worth scanning:

- files the packet collector carved from traffic, stored under
  ``<data dir>/carve/<sha256[:2]>/<sha256>`` (its ``file.*`` events carry that
  path in ``file.path``), whatever host the traffic came from;
- endpoint file-creation events (``event.category`` holds ``file`` and
  ``event.type`` holds ``creation``) whose absolute ``file.path`` exists on this host,
  when the event's ``host.name``/``host.hostname`` is this host (or absent):
  an event from another machine names a file this collector cannot see.

``secops collect … --yara`` turns this on (the option name is ``YARA_OPTION``)::

    scanner, problems = collector_scanner(config.rules, data_dir)   # report problems, go on
    hook = YaraHook(scanner, cases, data_dir=data_dir)
    ingest_files(..., on_batch=hook)          # chain it with the Sigma hook when both are on

Each stored batch is then scanned and its hits are added to the case store
like Sigma alerts (same dedup rules: one alert per rule and file content).
"""

from __future__ import annotations

import os
import socket
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from secops import ecs
from secops.cases.models import Alert, utcnow
from secops.cases.suppress import LiveSuppressor
from secops.detect.rules import Problem
from secops.detect.yara import load_pack, pack_paths
from secops.detect.yara_alerts import file_alerts
from secops.detect.yara_files import Status
from secops.detect.yara_scan import Scanner
from secops.errors import RuleError
from secops.store.base import CaseStore

YARA_OPTION = "--yara"
CARVE_DIR = "carve"


def collector_scanner(rule_paths: Iterable[Path], data_dir: Path) -> tuple[Scanner, list[Problem]]:
    """The bundled rules plus the YARA files among the configured rule paths, compiled through the cache."""
    paths = pack_paths(rule_paths)
    pack = load_pack(paths, cache_dir=data_dir / "cache" / "yara")
    if pack.rules is None:
        raise RuleError("no YARA rule file compiled", where=", ".join(str(p) for p in paths) or "no rule paths")
    return Scanner(pack.rules), pack.problems


def event_file(event: Mapping[str, Any], *, data_dir: Path, hostname: str | None = None) -> str | None:
    """The local file an event asks to be scanned, or None."""
    path = ecs.get(event, "file.path")
    if not isinstance(path, str) or not path:
        return None
    carve_root = os.path.realpath(data_dir / CARVE_DIR) + os.sep
    if os.path.realpath(path).startswith(carve_root):
        return path if os.path.isfile(path) else None
    if not (_holds(event, "event.category", "file") and _holds(event, "event.type", "creation")):
        return None
    if not os.path.isabs(path):  # relative to a directory the event does not name, not to ours
        return None
    if not _same_host(event, hostname or socket.gethostname()):
        return None
    return path if os.path.isfile(path) else None


def scan_event_file(event: Mapping[str, Any], scanner: Scanner, *, data_dir: Path) -> list[Alert]:
    """Alerts for the file one event names (none when it names no local file or nothing hits)."""
    path = event_file(event, data_dir=data_dir)
    if path is None:
        return []
    return file_alerts(scanner.scan_file(path), event=event)


def scan_event_files(
    events: Iterable[Mapping[str, Any]], scanner: Scanner, *, data_dir: Path, tally: Counter[str] | None = None
) -> list[Alert]:
    """Alerts for every file a batch of events names; each file scanned once, in parallel.

    ``tally`` counts the files by how their scan went (``ok``, ``too_large``, ``timeout``…).
    """
    by_path: dict[str, Mapping[str, Any]] = {}
    hostname = socket.gethostname()
    for event in events:
        path = event_file(event, data_dir=data_dir, hostname=hostname)
        if path is not None:
            by_path.setdefault(os.path.abspath(path), event)
    if not by_path:
        return []
    when = utcnow()
    alerts: list[Alert] = []
    for result in scanner.scan(list(by_path)):
        if tally is not None:
            tally[str(result.status)] += 1
            tally["too_many_matches"] += bool(result.too_many_matches)
        alerts.extend(file_alerts(result, when=when, event=by_path.get(result.path)))
    return alerts


class YaraHook:
    """The ``on_batch`` hook of ``collect --yara``: scan what each batch names, store the alerts no suppression
    covers, and at the end say how many files were scanned and which could not be (too large, timed out…)."""

    def __init__(self, scanner: Scanner, cases: CaseStore, *, data_dir: Path) -> None:
        self.scanner, self.cases, self.data_dir = scanner, cases, data_dir
        self.suppressions = LiveSuppressor(cases)
        self.tally: Counter[str] = Counter()
        self.new_alerts = 0

    def __call__(self, batch: list[dict[str, Any]]) -> None:
        found = scan_event_files(batch, self.scanner, data_dir=self.data_dir, tally=self.tally)
        alerts = self.suppressions.current().keep(found)
        if alerts:
            self.new_alerts += len(self.cases.add_alerts(alerts))

    def finish(self) -> str:
        scanned = self.tally[str(Status.OK)] + self.tally[str(Status.CHANGED)]
        missed = {k: n for k, n in sorted(self.tally.items()) if n and k not in (Status.OK, Status.CHANGED)}
        line = f"{self.new_alerts} new YARA alerts from {scanned:,} files named by events"
        if missed:
            counts = ", ".join(f"{n:,} {kind.replace('_', ' ')}" for kind, n in missed.items())
            line += f"; not scanned or cut short: {counts}"
        return line


def _holds(event: Mapping[str, Any], field: str, value: str) -> bool:
    found = ecs.get(event, field)
    return value in found if isinstance(found, list) else found == value


def _same_host(event: Mapping[str, Any], hostname: str) -> bool:
    named = ecs.get(event, "host.name") or ecs.get(event, "host.hostname")
    if not named:
        return True
    short = {hostname.lower(), hostname.split(".")[0].lower()}
    return str(named).lower() in short or str(named).split(".")[0].lower() in short
