"""Helpers for the endpoint collector tests: run the real pipeline on real files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext


def run(paths: Iterable[Path | str], fmt: str = "auto", ctx: ParseContext | None = None) -> tuple[list[dict], Stats]:
    """Every event the pipeline makes of ``paths``, and its stats."""
    stats = Stats()
    events = list(parse_files(expand([str(p) for p in paths]), fmt, ctx or ParseContext(), stats))
    return events, stats


def content(event: dict[str, Any]) -> dict[str, Any]:
    """An event without what depends on the container (envelope, file path, offsets)."""
    copy = {k: v for k, v in event.items() if k not in ("ecs", "log")}
    copy["event"] = {k: v for k, v in event["event"].items() if k not in ("original", "ingested", "id")}
    log = {k: v for k, v in event.get("log", {}).items() if k not in ("file", "offset")}
    if log:
        copy["log"] = log
    return copy


def failed(event: dict[str, Any]) -> bool:
    return "_parse_failure" in event.get("tags", ())
