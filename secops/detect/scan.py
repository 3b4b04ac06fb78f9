"""Offline scans: Sigma rules over evidence files, no store at all.

Files are parsed by the same collectors as ``secops parse`` (``auto`` picks
the format per file or line), the events go through one ``Detector`` in
batches (``detector.BATCH``), and the alerts come back for printing. Events
are streamed: memory holds one batch and the alerts, not the evidence.
Compiled rules are cached (``cache``; without a data directory, in the XDG
cache directory).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from secops.cases.models import Alert
from secops.config import DetectConfig
from secops.detect.cache import default_dir
from secops.detect.detector import Detector
from secops.detect.rules import Problem
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.types import Severity


@dataclass
class ScanResult:
    alerts: list[Alert]
    stats: Stats
    problems: list[Problem] = field(default_factory=list)
    rules: int = 0
    events: int = 0

    def worst(self) -> Severity | None:
        return max((a.severity for a in self.alerts), key=lambda s: s.rank, default=None)


def scan(
    paths: Iterable[str | Path],
    rule_paths: Iterable[str | Path],
    *,
    fmt: str = "auto",
    ctx: ParseContext | None = None,
    config: DetectConfig | None = None,
    cache_dir: Path | None = None,
) -> ScanResult:
    """Parse the evidence, run every rule over it, return the alerts (rules cached in ``cache_dir``)."""
    detector = Detector.load(rule_paths, config, cache_dir or default_dir())
    return scan_with(detector, paths, fmt=fmt, ctx=ctx)


def scan_with(
    detector: Detector, paths: Iterable[str | Path], *, fmt: str = "auto", ctx: ParseContext | None = None
) -> ScanResult:
    """The same with rules already compiled (many scans, one compilation)."""
    stats = Stats()
    events = parse_files(expand(list(paths)), fmt, ctx or ParseContext(), stats)
    alerts = detector.run(events)
    return ScanResult(alerts, stats, detector.problems, len(detector.rules), detector.events)
