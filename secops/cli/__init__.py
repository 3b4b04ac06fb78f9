"""The ``secops`` command line, assembled in one place from one module per command group."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cli import (
    alerts,
    audit,
    collect,
    config,
    dashboard,
    demo,
    detect,
    es,
    generate,
    hunt,
    incidents,
    incidents_breach,
    ioc,
    parse,
    pending,
    report,
    rules,
    store,
    yara,
)
from secops.cli.context import AppState
from secops.errors import SecopsError

app = typer.Typer(
    name="secops",
    help="Security operations for agency networks: collect, detect, triage, report.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="Configuration file (default: $SECOPS_CONFIG, ./secops.toml, XDG).")
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data directory (default: $SECOPS_DATA_DIR, config, XDG).")
    ] = None,
    analyst: Annotated[
        str | None, typer.Option("--analyst", help="Name recorded in the audit log (default: the OS user).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details to stderr.")] = False,
) -> None:
    """Security operations for agency networks: collect, detect, triage, report."""
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, format="%(levelname)s %(message)s")
    ctx.obj = AppState(config_file, data_dir, analyst)
    ctx.call_on_close(ctx.obj.close)


app.command("parse")(parse.parse)
app.add_typer(collect.app, name="collect")
app.add_typer(store.app, name="store")
app.add_typer(config.app, name="config")
app.command("generate")(generate.generate)
app.command("demo")(demo.demo)
app.add_typer(yara.app, name="yara")
app.add_typer(detect.app, name="detect")
app.add_typer(rules.app, name="rules")
app.add_typer(es.app, name="es")
app.add_typer(alerts.app, name="alerts")
app.add_typer(incidents.app, name="incidents")
incidents_breach.register(incidents.app)
app.command("hunt")(hunt.hunt)
app.add_typer(ioc.app, name="ioc")
app.add_typer(audit.app, name="audit")
app.add_typer(report.app, name="report")
app.command("dashboard")(dashboard.dashboard)
app.add_typer(dashboard.app, name="dashboards")
pending.register(app)


def main() -> None:
    """Console entry point: library errors become one line and exit 2; Typer handles usage errors."""
    try:
        app()
    except SecopsError as exc:
        print(f"secops: error: {escape.one_line(str(exc))}", file=sys.stderr)
        sys.exit(exc.exit_code)
