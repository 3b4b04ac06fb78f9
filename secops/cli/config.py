"""``secops config``: show the effective configuration (secrets redacted), write a starting file."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from secops.cli.context import state
from secops.cli.output import STDOUT, write_file
from secops.config import config_template
from secops.errors import UsageError

app = typer.Typer(help="Show or create the configuration.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """The effective configuration after file and SECOPS_* overrides; secrets shown as ****."""
    app_state = state(ctx)
    shown = app_state.config.redacted()
    shown["data_dir"] = str(app_state.data_dir_path)
    shown["config_file"] = str(app_state.config.source) if app_state.config.source else None
    sys.stdout.buffer.write(orjson.dumps(shown, option=orjson.OPT_INDENT_2) + b"\n")


@app.command("init")
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the file.")] = Path("secops.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starting configuration, readable by its owner only (it is where secrets may end up)."""
    template = config_template().encode("utf-8")
    if path == STDOUT:
        write_file(path, template)
        return
    if path.exists() and not force:
        raise UsageError("file exists; use --force to overwrite", where=str(path))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)  # a file overwritten (--force) keeps its mode through O_TRUNC
            fh.write(template)
    except OSError as exc:
        raise UsageError(f"cannot write here: {exc.strerror or exc}", where=str(path)) from None
    print(f"wrote {path}", file=sys.stderr)
