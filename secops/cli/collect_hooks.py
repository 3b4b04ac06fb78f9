"""What runs on each stored batch while collecting: IOC matching always, Sigma and YARA on request.

Hooks run after the batch is durable, so a crash never loses events to a
hook; their alerts carry dedup keys, so a replayed batch does not double them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import AppState
from secops.ingest import BatchHook
from secops.types import Event

DetectOption = Annotated[
    bool, typer.Option("--detect", help="Run the Sigma rules on each stored batch (alerts to the case store).")
]
YaraOption = Annotated[
    bool, typer.Option("--yara", help="YARA-scan files that events name (carved payloads, files created here).")
]


@dataclass
class BatchHooks:
    """Every hook of a collection run, called in order on each stored batch."""

    hooks: list[BatchHook] = field(default_factory=list)
    closers: list[Callable[[], str]] = field(default_factory=list)

    def __call__(self, batch: list[Event]) -> None:
        for hook in self.hooks:
            hook(batch)

    def finish(self) -> list[str]:
        """Flush what the hooks hold (correlation windows) and say what they found."""
        return [close() for close in self.closers]


def batch_hooks(app: AppState, *, detect: bool, yara: bool) -> BatchHooks:
    """The hooks for this run: indicators are matched whenever any are loaded."""
    from secops.ioc.match import IngestHook

    hooks = BatchHooks([IngestHook(app.cases)])
    if detect:
        from secops.cli.detect import auto_group, rule_paths
        from secops.detect.jobs import IngestDetection

        detection = IngestDetection(app.cases, rule_paths(app, None, False), app.config.detect)
        hooks.hooks.append(detection)

        def detected() -> str:
            found = detection.finish()
            grouped = auto_group(app, found.new_alerts)
            return f"{found.new_alerts} new Sigma alerts from {found.events:,} events{grouped}"

        hooks.closers.append(detected)
    if yara:
        from secops.detect.yara_pipeline import YaraHook, collector_scanner

        scanner, problems = collector_scanner(app.config.rules, app.data_dir)
        for problem in problems:
            print(f"secops: warning: {escape.one_line(str(problem))}", file=sys.stderr)
        scanning = YaraHook(scanner, app.cases, data_dir=app.data_dir)
        hooks.hooks.append(scanning)
        hooks.closers.append(scanning.finish)
    return hooks
