"""The long-running collectors: ``secops collect syslog`` and ``secops collect file --follow``.

Both run until SIGINT or SIGTERM, then store everything they have read
before exiting 0; SIGKILL loses nothing either (the spool and checkpoints
make the next run resume exactly). Bound addresses are announced on stderr
(``secops: listening on tcp://127.0.0.1:40123``) so scripts can use port 0.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path
from typing import Annotated

import typer

from collectors.syslog.listen import TlsSettings, parse_address
from collectors.syslog.service import SyslogService
from collectors.tail import Follower
from secops.cli.collect_hooks import BatchHooks, DetectOption, YaraOption, batch_hooks
from secops.cli.context import AppState, state
from secops.cli.parse import FormatOption, TimezoneOption, report_stats
from secops.config import SyslogConfig, read_secret_file
from secops.errors import ConfigError, UsageError
from secops.ingest import SOURCE_LOCKS, SourceLocks
from secops.pipeline import Stats


class _Stop:
    """Set by SIGINT/SIGTERM; the loops poll it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, self._handle)

    def _handle(self, number: int, frame: object) -> None:
        self.event.set()

    def __call__(self) -> bool:
        return self.event.is_set()


def syslog(
    ctx: typer.Context,
    listen: Annotated[
        list[str] | None,
        typer.Option(
            "--listen", "-l", metavar="URL", help="udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT (repeatable)."
        ),
    ] = None,
    fmt: FormatOption = "auto",
    timezone: TimezoneOption = None,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Events per stored batch.")] = None,
    detect: DetectOption = False,
    yara: YaraOption = False,
) -> None:
    """Receive syslog on UDP, TCP (octet-counted or line framed) and TLS; spool, parse and store it."""
    app = state(ctx)
    config = app.config.syslog
    addresses = [parse_address(a) for a in (listen or config.listen)]
    if not addresses:
        raise UsageError("nothing to listen on: give --listen or set [syslog] listen", where="secops collect syslog")
    stats = Stats()
    hooks = batch_hooks(app, detect=detect, yara=yara)
    service = SyslogService(
        addresses,
        app.data_dir,
        fmt,
        app.parse_context(timezone),
        app.events,
        app.cases,
        stats,
        tls=_tls(config) if any(a.transport == "tls" for a in addresses) else None,
        max_message=config.max_message_bytes,
        batch_size=batch_size or app.config.batch_size,
        flush_interval=config.flush_interval,
        fsync_interval=config.fsync_interval,
        segment_bytes=config.spool_segment_bytes,
        on_batch=hooks,
    )
    for address in service.bound:
        print(f"secops: listening on {address}", file=sys.stderr, flush=True)
    result = service.run(_Stop())
    report_stats(stats)
    for line in hooks.finish():
        print(f"secops: {line}", file=sys.stderr)
    print(
        f"secops: received {service.received:,} messages, stored {result.stored:,} events",
        file=sys.stderr,
    )


def _tls(config: SyslogConfig) -> TlsSettings:
    if config.tls_cert is None or config.tls_key is None:
        raise ConfigError("a tls:// listener needs [syslog] tls_cert and tls_key", where="configuration")
    read_secret_file(config.tls_key)  # refuses a private key others can read
    return TlsSettings(
        cert=config.tls_cert,
        key=config.tls_key,
        password=config.key_password(),
        client_ca=config.tls_client_ca,
        require_client_cert=config.tls_require_client_cert,
    )


def follow(
    app: AppState, paths: list[Path], fmt: str, timezone: str | None, batch_size: int | None, hooks: BatchHooks
) -> None:
    """``collect file --follow``: tail files (and their rotations) until stopped."""
    stats = Stats()
    follower = Follower(
        [str(p) for p in paths],
        fmt,
        app.parse_context(timezone),
        app.events,
        app.cases,
        stats,
        batch_size=batch_size or app.config.batch_size,
        flush_interval=app.config.syslog.flush_interval,
        on_batch=hooks,
        locks=SourceLocks(app.data_dir / SOURCE_LOCKS),
    )
    stop = _Stop()
    print(f"secops: following {', '.join(str(p) for p in paths)}", file=sys.stderr, flush=True)
    started = time.monotonic()
    result = follower.run(stop)
    report_stats(stats)
    for line in hooks.finish():
        print(f"secops: {line}", file=sys.stderr)
    if follower.postponed:
        waiting = ", ".join(sorted(follower.postponed))
        print(f"secops: not yet identified (shorter than 1 KiB, may still grow): {waiting}", file=sys.stderr)
    print(
        f"secops: stored {result.stored:,} events from {stats.files} files in {time.monotonic() - started:.0f}s",
        file=sys.stderr,
    )
