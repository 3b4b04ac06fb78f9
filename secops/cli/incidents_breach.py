"""``secops incidents set | breach | edit-breach | action | notified``: the breach facts that reports read.

These commands join the triage engineer's ``incidents`` group (registered in
``secops/cli/__init__.py``); they live here so the triage commands and the
regulatory ones change independently. Every change goes through the case
store's audited ``update_incident``.
"""

from __future__ import annotations

import hashlib
import sys
from datetime import UTC, datetime
from enum import Enum, StrEnum
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import orjson
import tomli_w
import typer
from pydantic import BaseModel

from secops import escape
from secops.cases.incidents import load
from secops.cli.context import state
from secops.cli.output import emit
from secops.errors import InputError, UsageError
from secops.report import breach_edit, regimes
from secops.report.breach_model import Action, Breach, Notification, read, stored
from secops.report.timefmt import zone
from secops.report.vocab import ActionKind, Stage
from secops.types import OutputFormat

IncidentArg = Annotated[str, typer.Argument(help="Incident id, e.g. INC-3.")]
ZoneOpt = Annotated[
    str | None, typer.Option("--timezone", help="Zone for times written without one (default: the config's).")
]


class BreachFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    TOML = "toml"


FormatOpt = Annotated[BreachFormat, typer.Option("--format", help="table, json or toml (to edit and load back).")]


def _flat(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        return [pair for key, value in data.items() for pair in _flat(value, f"{prefix}{key}.")]
    return [(prefix[:-1], data)]


def show_breach(data: dict[str, Any], fmt: BreachFormat) -> None:
    if fmt is BreachFormat.JSON:
        sys.stdout.buffer.write(escape.inert_json(orjson.dumps(data, option=orjson.OPT_INDENT_2)) + b"\n")
    elif fmt is BreachFormat.TOML:
        sys.stdout.write(tomli_w.dumps(data))
    else:
        rows = [{"field": k, "value": v} for k, v in _flat(data)]
        emit(rows, OutputFormat.TABLE, [("field", "field"), ("value", "value")])
    sys.stdout.flush()


def set_fields(
    ctx: typer.Context,
    incident_id: IncidentArg,
    assignments: Annotated[
        list[str], typer.Argument(help="key=value, key+=value, key-=value (dotted keys, e.g. individuals.total=1200).")
    ],
    timezone: ZoneOpt = None,
    fmt: FormatOpt = BreachFormat.TABLE,
) -> None:
    """Set breach facts (awareness times, counts, impact, contacts …) that the reports read."""
    app = state(ctx)
    where = zone(timezone or app.config.timezone)
    changed = breach_edit.set_fields(app.cases, incident_id, assignments, actor=app.actor, zone=where)
    show_breach(changed.breach, fmt)


def breach(ctx: typer.Context, incident_id: IncidentArg, fmt: FormatOpt = BreachFormat.TABLE) -> None:
    """Show an incident's breach facts (``--format toml`` gives a file to edit and load with edit-breach)."""
    incident = load(state(ctx).cases, incident_id)
    facts = stored(read(incident.breach, where=incident.id)) if incident.breach else {}
    if not facts and fmt is BreachFormat.TOML:
        sys.stdout.write(template(incident.id))
        return
    if not facts and fmt is BreachFormat.TABLE:
        print(f"secops: {incident.id} has no breach facts yet (--format toml gives a template)", file=sys.stderr)
    show_breach(facts, fmt)


def template(incident_id: str) -> str:
    """Every breach field, commented out with what it holds: a compliance officer starts from a blank form."""
    lines = [
        f"# Breach facts for {incident_id}: none recorded yet. Uncomment what you know, then load this file with",
        f"#   secops incidents edit-breach {incident_id} --file FILE",
        '# Values are TOML: "text" in quotes, [lists], true or false; times as "2026-11-20T14:00Z".',
    ]
    nested: list[str] = []
    for name, info in Breach.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            nested += [
                "",
                f"# [{name}]",
                *(f"# {key} =  # {_kind(field.annotation)}" for key, field in model.model_fields.items()),
            ]
        else:
            lines.append(f"# {name} =  # {_kind(model)}")
    return "\n".join([*lines, *nested]) + "\n"


def _kind(annotation: Any) -> str:
    """What a field takes, in words: its choices for a vocabulary, 'time' for a moment, and so on."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    origin = get_origin(annotation)
    if origin is list:
        return f"list of {_kind(args[0])}"
    if origin is dict:
        return f"table of {_kind(args[1])}"
    if args and origin is not Annotated:
        return _kind(args[0]) if len(args) == 1 else " or ".join(_kind(a) for a in args)
    if origin is Annotated:
        return _kind(args[0])
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of " + ", ".join(str(member.value) for member in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table: " + ", ".join(annotation.model_fields)
    return {datetime: "time", bool: "true or false", int: "number", str: "text"}.get(annotation, str(annotation))


def edit_breach(
    ctx: typer.Context,
    incident_id: IncidentArg,
    file: Annotated[Path, typer.Option("--file", help="A TOML or JSON file of breach fields.")],
    replace: Annotated[bool, typer.Option("--replace", help="Replace the record instead of merging into it.")] = False,
    fmt: FormatOpt = BreachFormat.TABLE,
) -> None:
    """Load breach facts from a file (merged into what is recorded, or replacing it)."""
    app = state(ctx)
    changed = breach_edit.edit_from_file(app.cases, incident_id, file, actor=app.actor, replace=replace)
    show_breach(changed.breach, fmt)


def _moment(text: str | None, timezone: str) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"not a time: {text!r}", where="--at/--sent-at") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=zone(timezone))


def action(
    ctx: typer.Context,
    incident_id: IncidentArg,
    text: Annotated[str, typer.Argument(help="What was done.")],
    kind: Annotated[ActionKind, typer.Option("--kind", help="containment, eradication, recovery, mitigation …")],
    at: Annotated[str | None, typer.Option("--at", help="When (default: now).")] = None,
    timezone: ZoneOpt = None,
    fmt: FormatOpt = BreachFormat.TABLE,
) -> None:
    """Record a response action (containment measures, mitigation …) in the breach record."""
    app = state(ctx)
    entry = Action(ts=_moment(at, timezone or app.config.timezone), kind=kind, description=text, actor=app.actor)
    value = orjson.dumps(entry.model_dump(mode="json", exclude_none=True)).decode()
    changed = breach_edit.set_fields(app.cases, incident_id, [f"actions+={value}"], actor=app.actor, zone=UTC)
    show_breach(changed.breach, fmt)


def notified(
    ctx: typer.Context,
    incident_id: IncidentArg,
    regime: Annotated[str, typer.Option("--regime", help="gdpr, nis2, hipaa, us-state:CA …")],
    recipient: Annotated[str, typer.Option("--recipient", help="Who received it (e.g. CISA, DPC Ireland).")],
    stage: Annotated[Stage, typer.Option("--stage", help="initial, early-warning, update, final …")] = Stage.INITIAL,
    deadline: Annotated[str | None, typer.Option("--deadline", help="The regime deadline id it answers.")] = None,
    sent_at: Annotated[str | None, typer.Option("--sent-at", help="When it was sent (default: now).")] = None,
    reference: Annotated[str | None, typer.Option("--reference", help="Reference number the recipient gave.")] = None,
    method: Annotated[str | None, typer.Option("--method", help="portal, e-mail, mail …")] = None,
    payload: Annotated[Path | None, typer.Option("--file", help="The document sent: its sha256 is recorded.")] = None,
    delay_reason: Annotated[str | None, typer.Option("--delay-reason", help="Why it was late, if it was.")] = None,
    timezone: ZoneOpt = None,
    fmt: FormatOpt = BreachFormat.TABLE,
) -> None:
    """Record a notification made: recipient, time, stage, reference number and the sha256 of what was sent."""
    app = state(ctx)
    known = regimes.load(regime)
    key = f"us-state:{known.state}" if known.state else known.id
    if deadline is not None and deadline not in {d.id for d in known.deadlines}:
        raise UsageError(f"{key} has no deadline {deadline!r}: {', '.join(d.id for d in known.deadlines)}")
    digest = None
    if payload is not None:
        try:
            digest = hashlib.sha256(payload.read_bytes()).hexdigest()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", where=str(payload)) from exc
    entry = Notification(
        regime=key,
        recipient=recipient,
        stage=stage,
        deadline=deadline,
        sent_at=_moment(sent_at, timezone or app.config.timezone),
        method=method,
        reference_no=reference,
        payload_format=payload.suffix.lstrip(".").lower() or None if payload else None,
        payload_sha256=digest,
        delay_reason=delay_reason,
    )
    changed = breach_edit.record_notification(app.cases, incident_id, entry, actor=app.actor)
    show_breach(changed.breach, fmt)


def register(group: typer.Typer) -> None:
    """Add these commands to the ``incidents`` group."""
    group.command("set")(set_fields)
    group.command("breach")(breach)
    group.command("edit-breach")(edit_breach)
    group.command("action")(action)
    group.command("notified")(notified)
