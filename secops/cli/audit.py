"""``secops audit``: read the audit log and verify its hash chain."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from secops import ecs
from secops.cases.audit import verify as verify_chain
from secops.cli.context import state
from secops.cli.output import emit, key_values
from secops.timespec import parse_moment
from secops.types import OutputFormat

app = typer.Typer(help="Read and verify the tamper-evident audit log.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


@app.command("log")
def log(
    ctx: typer.Context,
    target: Annotated[
        str | None,
        typer.Option("--target", help="Only entries about this (e.g. alert:ID, incident:INC-3, or just INC-3)."),
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Only entries by this analyst.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action or its prefix (alert.close, incident.).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="From this time (24h, 2026-11-01 …).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the last N matching entries.")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Who changed what, when, with the state before and after (JSON formats carry both in full)."""
    start = parse_moment(since) if since else None
    rows = []
    for entry in state(ctx).cases.audit_entries():
        if target and entry.target != target and entry.target.split(":", 1)[-1] != target:
            continue
        if actor and entry.actor != actor:
            continue
        if action and not entry.action.startswith(action):
            continue
        if start and entry.timestamp < start:
            continue
        rows.append(entry)
    if limit:
        rows = rows[-limit:]
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit([e.model_dump(mode="json") for e in rows], fmt, [])
        return
    table = [
        {
            "seq": e.seq,
            "time": ecs.format_ts(e.timestamp),
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "change": _change(e.before, e.after),
            "hash": e.hash[:16],
        }
        for e in rows
    ]
    emit(table, fmt, [(k, k) for k in ("seq", "time", "actor", "action", "target", "change", "hash")])


def _change(before: dict | None, after: dict | None) -> str:
    """The top-level keys that changed, as ``key: old → new`` (short)."""
    if before is None:
        return "created" if after is not None else ""
    if after is None:
        return "deleted"
    parts = []
    for key in sorted(set(before) | set(after)):
        if key in ("updated",) or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        if isinstance(old, list | dict) or isinstance(new, list | dict):
            parts.append(key)
        else:
            parts.append(f"{key}: {old} → {new}")
    return "; ".join(parts)


@app.command("verify")
def verify(
    ctx: typer.Context,
    head: Annotated[
        str | None, typer.Option("--head", help="A head hash noted earlier: also catches a cut-off tail.")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Recompute the hash chain; exit 1 and name each edited, deleted or reordered entry."""
    verdict = verify_chain(state(ctx).cases.audit_records(), head=head)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        key_values(
            {
                "ok": verdict.ok,
                "entries": verdict.entries,
                "head": verdict.head,
                "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in verdict.problems],
            },
            fmt,
        )
    elif verdict.ok:
        print(f"audit log intact: {verdict.entries} entries, head {verdict.head}")
    else:
        for problem in verdict.problems:
            print(f"audit: {problem.message}")
        print(f"audit log NOT intact: {len(verdict.problems)} problem(s) in {verdict.entries} entries")
    if not verdict.ok:
        sys.stdout.flush()
        raise typer.Exit(1)
