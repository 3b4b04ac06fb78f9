"""``secops collect pcap``: capture files, or live capture from an interface, into the store.

Live capture runs Wireshark's ``dumpcap`` (the capture tool that needs the
privilege, not this process) writing a ring buffer of pcapng files under
``<data dir>/spool/pcap/<interface>/``: each file is closed at a size and
the oldest are deleted beyond a count, so the spool stays bounded. Every
closed file is ingested like any capture (checkpointed, so a restart does not
store it twice); the file being written is ingested when capture stops.
Flows that span two files are reported once per file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from secops.cli.collect_hooks import DetectOption, YaraOption, batch_hooks
from secops.cli.context import AppState, state
from secops.cli.parse import TimezoneOption, report_stats
from secops.errors import UsageError
from secops.ingest import BatchHook, IngestResult, ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.registry import ParseContext

PRIVILEGE_WORDS = ("permission", "not permitted", "access denied", "superuser")


def collect_pcap(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Capture files or directories.")] = None,
    interface: Annotated[str | None, typer.Option("--interface", "-i", help="Live capture interface.")] = None,
    bpf: Annotated[str | None, typer.Option("--bpf", help="Capture filter (BPF syntax), e.g. 'port 53'.")] = None,
    rotate_mb: Annotated[int, typer.Option(help="Close a capture file at this size (MB).")] = 64,
    rotate_files: Annotated[int, typer.Option(help="Keep at most this many capture files in the spool.")] = 8,
    duration: Annotated[float | None, typer.Option(help="Stop live capture after this many seconds.")] = None,
    carve: Annotated[bool, typer.Option(help="Keep HTTP bodies in <data dir>/carve for YARA.")] = True,
    carve_max_file_mb: Annotated[int, typer.Option(help="Largest payload kept (MB).")] = 32,
    carve_max_total_mb: Annotated[int, typer.Option(help="Carve directory size cap (MB); oldest go first.")] = 1024,
    timezone: TimezoneOption = None,
    detect: DetectOption = False,
    yara: YaraOption = False,
) -> None:
    """Ingest capture files, or capture live from an interface (needs capture privilege)."""
    app = state(ctx)
    if bool(paths) == bool(interface):
        raise UsageError("give capture files or --interface, not both and not neither")
    options: dict[str, str] = {}
    if carve:
        options = {
            "carve_dir": str(app.data_dir / "carve"),
            "carve_max_file": str(carve_max_file_mb << 20),
            "carve_max_total": str(carve_max_total_mb << 20),
        }
    base = app.parse_context(timezone)
    parse_ctx = ParseContext(timezone=base.timezone, year=base.year, options=options)
    stats = Stats()
    hooks = batch_hooks(app, detect=detect, yara=yara)
    if paths:
        result = _ingest(app, list(paths), parse_ctx, stats, hooks)
    else:
        assert interface is not None
        spool = app.data_dir / "spool" / "pcap" / re.sub(r"[^A-Za-z0-9_.-]", "_", interface)
        result = live(app, interface, bpf, spool, rotate_mb, rotate_files, duration, parse_ctx, stats, hooks)
    report_stats(stats)
    for line in hooks.finish():
        print(f"secops: {line}", file=sys.stderr)
    print(f"secops: stored {result.stored:,} of {result.read:,} events read", file=sys.stderr)


def _ingest(app: AppState, paths: list[Path], ctx: ParseContext, stats: Stats, hooks: BatchHook) -> IngestResult:
    return ingest_files(
        expand(list(paths)),
        "pcap",
        ctx,
        app.events,
        app.cases,
        stats,
        batch_size=app.config.batch_size,
        on_batch=hooks,
    )


def dumpcap_command(interface: str, bpf: str | None, spool: Path, rotate_mb: int, rotate_files: int) -> list[str]:
    """The ring-buffer capture command."""
    tool = shutil.which("dumpcap")
    if tool is None:
        raise UsageError("live capture needs Wireshark's dumpcap (Debian package wireshark-common or tshark)")
    cmd = [tool, "-q", "-i", interface, "-w", str(spool / "capture.pcapng")]
    cmd += ["-b", f"filesize:{max(1, rotate_mb) * 1000}", "-b", f"files:{max(2, rotate_files)}"]
    if bpf:
        cmd += ["-f", bpf]
    return cmd


def live(
    app: AppState,
    interface: str,
    bpf: str | None,
    spool: Path,
    rotate_mb: int,
    rotate_files: int,
    duration: float | None,
    ctx: ParseContext,
    stats: Stats,
    hooks: BatchHook,
) -> IngestResult:
    """Capture until stopped (Ctrl-C, or ``duration``), ingesting each closed file."""
    spool.mkdir(parents=True, exist_ok=True)
    cmd = dumpcap_command(interface, bpf, spool, rotate_mb, rotate_files)
    total = IngestResult()
    done: set[Path] = set()
    stop_at = time.monotonic() + duration if duration else None
    with subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as proc:
        try:
            while proc.poll() is None and (stop_at is None or time.monotonic() < stop_at):
                time.sleep(0.5)
                _add(total, _ingest_closed(app, spool, ctx, stats, hooks, done, keep_last=True))
        except KeyboardInterrupt:
            pass
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait(timeout=30)
        error = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, -15, 143) and not _captures(spool):
        raise UsageError(_explain(interface, error))
    _add(total, _ingest_closed(app, spool, ctx, stats, hooks, done, keep_last=False))
    return total


def _explain(interface: str, error: str) -> str:
    said = " ".join(error.split())[:300]
    if any(word in error.lower() for word in PRIVILEGE_WORDS):
        return (
            f"no permission to capture on {interface!r}: run as root, or give dumpcap the capture capabilities "
            f"(setcap cap_net_raw,cap_net_admin=eip $(command -v dumpcap)); dumpcap said: {said}"
        )
    return f"capture on {interface!r} failed: dumpcap said: {said or 'nothing'}"


def _captures(spool: Path) -> list[Path]:
    return sorted(spool.glob("capture_*.pcapng"))


def _ingest_closed(
    app: AppState, spool: Path, ctx: ParseContext, stats: Stats, hooks: BatchHook, done: set[Path], *, keep_last: bool
) -> IngestResult:
    """Ingest the ring files this run has not ingested yet (all but the one being written, unless stopping)."""
    files = _captures(spool)
    if keep_last:
        files = files[:-1]
    files = [f for f in files if f not in done]
    if not files:
        return IngestResult()
    done.update(files)
    return _ingest(app, files, ctx, stats, hooks)


def _add(total: IngestResult, part: IngestResult) -> None:
    total.read += part.read
    total.stored += part.stored
    total.batches += part.batches
