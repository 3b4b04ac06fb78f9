"""``secops dashboard`` (the local web console) and ``secops dashboards`` (list, check, export-kibana)."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import state
from secops.cli.output import emit, write_file
from secops.dashboards import kibana
from secops.dashboards.loader import default_dir, load, load_dir
from secops.errors import UsageError
from secops.types import OutputFormat
from secops.web.console import Console
from secops.web.security import is_loopback, new_token, url_host
from secops.web.server import ConsoleServer

app = typer.Typer(help="Dashboard definitions: list, check, export to Kibana.", no_args_is_help=True)

DirOpt = Annotated[
    Path | None, typer.Option("--dir", help="Folder of dashboard files (default: config, then the project's own).")
]


def _folder(ctx: typer.Context, given: Path | None) -> Path:
    return given or state(ctx).config.dashboard.dashboards or default_dir()


def dashboard(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option("--port", min=0, max=65535, help="Port (default 8765; 0: any).")] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow a non-loopback --host (the console is then on the network).")
    ] = False,
    folder: DirOpt = None,
) -> None:
    """Serve the local web console: dashboards, the alert queue with ack/assign, the ATT&CK matrix."""
    app_state = state(ctx)
    settings = app_state.config.dashboard
    chosen_host = host or settings.host
    chosen_port = settings.port if port is None else port
    local = is_loopback(chosen_host)
    if not local and not allow_remote:
        raise UsageError(
            f"refusing to serve on {chosen_host}, which is not a loopback address; pass --allow-remote to mean it",
            where="--host",
        )
    if not local:
        print(
            f"secops dashboard: WARNING: serving on {chosen_host}: anyone who can reach it and has the token sees "
            "and triages your alerts, over plain HTTP",
            file=sys.stderr,
        )
    configured = settings.secret()
    token = configured or new_token()
    console = Console(load(_folder(ctx, folder)), app_state.events, app_state.cases, app_state.actor)
    try:
        server = ConsoleServer((chosen_host, chosen_port), console, token, remote=not local)
    except OSError as exc:
        raise UsageError(f"cannot listen: {exc.strerror or exc}", where=f"{chosen_host}:{chosen_port}") from exc
    url = f"http://{url_host(chosen_host)}:{server.port}/"
    if configured:
        print(f"secops dashboard: serving {url} (token from the configuration)", flush=True)
    else:
        print(f"secops dashboard: serving {url}?token={token}", flush=True)
    print(f"secops dashboard: acting as {escape.one_line(app_state.actor)}; Ctrl-C stops", file=sys.stderr)

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever(poll_interval=0.25)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command("list")
def list_dashboards(
    ctx: typer.Context,
    folder: DirOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """The dashboards and their panels."""
    rows = [
        {
            "dashboard": d.id,
            "panel": p.id,
            "title": p.title,
            "source": p.source,
            "aggregation": p.aggregation.kind,
            "chart": p.chart,
            "query": p.query,
        }
        for d in load(_folder(ctx, folder))
        for p in d.panels
    ]
    columns = [(c, c) for c in ("dashboard", "panel", "title", "source", "aggregation", "chart", "query")]
    emit(rows, fmt, columns)


@app.command("check")
def check(ctx: typer.Context, folder: DirOpt = None) -> None:
    """Validate every dashboard file; each problem as file:line: message. Exit 2 when there is any."""
    dashboards, problems = load_dir(_folder(ctx, folder))
    for problem in problems:
        print(escape.one_line(str(problem)))
    panels = sum(len(d.panels) for d in dashboards)
    print(f"{len(dashboards)} dashboards, {panels} panels, {len(problems)} problems", file=sys.stderr)
    if problems:
        raise typer.Exit(2)


@app.command("export-kibana")
def export_kibana(
    ctx: typer.Context,
    folder: DirOpt = None,
    prefix: Annotated[
        str | None, typer.Option("--prefix", help="Index prefix (default: the configured es.index_prefix).")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Kibana saved objects (data views, Lens panels, saved searches, dashboards) as NDJSON."""
    data = kibana.ndjson(load(_folder(ctx, folder)), prefix or state(ctx).config.es.index_prefix)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_file(output, data)
        lines = data.count(b"\n")
        print(f"secops dashboards: wrote {lines} objects to {output}", file=sys.stderr)
