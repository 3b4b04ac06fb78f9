"""``secops yara scan``: YARA rules over files and directories, hits as alerts."""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cases.models import Alert
from secops.cases.suppress import Suppressor
from secops.cli.context import AppState, state
from secops.cli.output import Column, emit, write_ndjson
from secops.detect.yara import RulePack, load_pack, pack_paths
from secops.detect.yara_alerts import file_alerts
from secops.detect.yara_files import Status
from secops.detect.yara_scan import DEFAULT_TIMEOUT, FileResult, Scanner, ScanOptions
from secops.errors import InputError, RuleError, UsageError
from secops.types import OutputFormat, Severity

app = typer.Typer(help="Scan files and directories with YARA rules.", no_args_is_help=True)

COLUMNS: list[Column] = [
    ("severity", "severity"),
    ("rule", "rule.name"),
    ("file", "details.file.path"),
    ("size", "details.file.size"),
    ("sha256", "details.file.hash.sha256"),
    ("strings", "matched"),
]
QUIET_STATUSES = (Status.OK, Status.SYMLINK, Status.SPECIAL)
"""Results found in a tree are only counted in the summary unless ``--show-skipped``; the others, and
any path named on the command line that is not scanned, are listed on stderr."""
_SIZE = re.compile(r"^(\d+)\s*([kmg]?)i?b?$", re.IGNORECASE)


@app.command("scan")
def scan(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Files and directories (scanned recursively).")],
    rules: Annotated[
        list[Path] | None,
        typer.Option("--rules", "-r", help="YARA rule file or folder (repeatable; default: $SECOPS_RULES, config)."),
    ] = None,
    no_bundled: Annotated[bool, typer.Option("--no-bundled", help="Leave out the project's own rules.")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.TABLE,
    store: Annotated[bool, typer.Option("--store", help="Save the alerts in the case store.")] = False,
    max_size: Annotated[str, typer.Option("--max-size", help="Skip larger files (e.g. 64M, 1G).")] = "64M",
    timeout: Annotated[
        int, typer.Option("--timeout", help="Seconds per file before giving up on it.")
    ] = DEFAULT_TIMEOUT,
    threads: Annotated[int, typer.Option("--threads", "-p", help="Scanning threads (default: one per core).")] = 0,
    follow_symlinks: Annotated[
        bool, typer.Option("--follow-symlinks", help="Follow symlinks that point out of the scanned trees.")
    ] = False,
    show_skipped: Annotated[
        bool, typer.Option("--show-skipped", help="List every skipped path (symlinks, devices, FIFOs, sockets).")
    ] = False,
    fail_on: Annotated[
        Severity | None, typer.Option("--fail-on", help="Exit 1 when an alert has at least this severity.")
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Compile the rules afresh, ignoring the cache.")] = False,
) -> None:
    """Scan files with YARA rules (recursive, parallel, each file read once) and print the hits as alerts."""
    app_state = state(ctx)
    for path in paths:  # a mistyped evidence path must not look like a clean scan
        if not os.path.lexists(path):
            raise InputError("no such file or directory", where=str(path))
    roots = {os.path.abspath(p) for p in paths}
    pack = _load(app_state, rules, no_bundled=no_bundled, no_cache=no_cache)
    options = ScanOptions(
        max_size=parse_size(max_size),
        timeout=timeout,
        threads=threads or ScanOptions().threads,
        follow_symlinks=follow_symlinks,
    )
    assert pack.rules is not None
    scanner = Scanner(pack.rules, options)
    counts: Counter[str] = Counter()
    scanned_bytes = 0
    alerts: list[Alert] = []
    started = time.monotonic()

    for result in scanner.scan(paths):
        counts[result.status] += 1
        if result.scanned:
            scanned_bytes += result.size or 0
        _report(result, show_skipped or result.path in roots)
        found = file_alerts(result)
        alerts.extend(found)
        if fmt is OutputFormat.NDJSON:
            write_ndjson(a.model_dump(mode="json") for a in found)
    alerts.sort(key=lambda a: (a.details["file"]["path"], a.rule.name))
    if fmt is not OutputFormat.NDJSON:
        emit([_row(a, fmt) for a in alerts], fmt, COLUMNS, title="YARA hits")
    if store and alerts:
        kept = Suppressor.from_store(app_state.cases).keep(alerts)
        new = app_state.cases.add_alerts(kept) if kept else []
        print(
            f"secops: stored {len(new):,} new of {len(alerts):,} alerts ({len(alerts) - len(kept):,} suppressed)",
            file=sys.stderr,
        )
    _summary(counts, scanned_bytes, len(alerts), time.monotonic() - started)
    if fail_on is not None and any(a.severity.rank >= fail_on.rank for a in alerts):
        raise typer.Exit(1)


def parse_size(text: str) -> int:
    """``64M``, ``1G``, ``500k`` or plain bytes."""
    found = _SIZE.match(text.strip())
    if not found:
        raise UsageError(f"not a size: {text!r} (try 64M or 1G)", where="--max-size")
    return int(found[1]) * 1024 ** " kmg".index((found[2] or " ").lower())


def _load(app_state: AppState, given: list[Path] | None, *, no_bundled: bool, no_cache: bool) -> RulePack:
    for path in given or ():  # a mistyped rule path must not leave a scan with the bundled rules alone
        if not os.path.lexists(path):
            raise InputError("no such file or directory", where=f"--rules {path}")
    paths = pack_paths(app_state.config.rules, given or (), bundled=not no_bundled)
    if not paths:
        raise UsageError("no YARA rules: give --rules PATH or drop --no-bundled")
    pack = load_pack(paths, cache_dir=None if no_cache else app_state.data_dir / "cache" / "yara")
    for problem in pack.problems:
        where = f"{problem.path}:{problem.line}" if problem.line else problem.path
        print(f"secops: {problem.severity}: {escape.one_line(f'{where}: {problem.message}')}", file=sys.stderr)
    if pack.rules is None:
        raise RuleError("no YARA rule file compiled", where=", ".join(str(p) for p in paths))
    return pack


def _report(result: FileResult, show_skipped: bool) -> None:
    for _, rule, string in result.too_many_matches:
        line = f"{result.path}: warning: {string} of rule {rule} matched too often to count; the rule may be wrong"
        print(f"secops: yara: {escape.one_line(line)}", file=sys.stderr)
    if result.status is Status.OK or (result.status in QUIET_STATUSES and not show_skipped):
        return
    line = f"{result.path}: {result.status}: {result.message}"
    print(f"secops: yara: {escape.one_line(line)}", file=sys.stderr)


def _row(alert: Alert, fmt: OutputFormat) -> dict[str, object]:
    row = alert.model_dump(mode="json")
    if fmt in (OutputFormat.TABLE, OutputFormat.CSV):
        found = alert.details["yara"]["strings"]
        row["matched"] = ", ".join(f"{s['identifier']}@{s['offset']}" for s in found[:5]) + (
            f" (+{len(found) - 5})" if len(found) > 5 else ""
        )
    return row


def _summary(counts: Counter[str], scanned: int, alerts: int, seconds: float) -> None:
    done = counts[Status.OK] + counts[Status.CHANGED]
    rest = ", ".join(f"{n:,} {status}" for status, n in sorted(counts.items()) if status != Status.OK)
    print(
        f"secops: yara: {done:,} files scanned ({scanned / 1e6:,.1f} MB) in {seconds:.1f}s, {alerts:,} alerts"
        + (f"; {rest}" if rest else ""),
        file=sys.stderr,
    )
