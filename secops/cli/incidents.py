"""``secops incidents``: group alerts into incidents and follow them through the NIST SP 800-61 lifecycle."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from secops import ecs, escape
from secops.cases import incidents as ops
from secops.cases.grouping import group_alerts
from secops.cases.models import AlertStatus, Entities, Incident, IncidentState
from secops.cases.timeline import timeline as build_timeline
from secops.cli import incidents_breach
from secops.cli.alerts import render_alerts
from secops.cli.context import state
from secops.cli.output import emit, key_values
from secops.errors import UsageError
from secops.store.base import AlertFilter, IncidentFilter
from secops.timespec import parse_duration, parse_moment
from secops.types import OutputFormat, Severity

app = typer.Typer(help="Group alerts into incidents and follow them through their lifecycle.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
IncidentArg = Annotated[str, typer.Argument(help="Incident id, e.g. INC-3.")]
AlertsArg = Annotated[list[str], typer.Argument(help="Alert ids.")]

COLUMNS = [
    (k, k)
    for k in ("id", "state", "severity", "title", "assignee", "alerts", "hosts", "users", "first_seen", "last_seen")
]


def incident_row(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "state": incident.state.value + (f" (merged into {incident.merged_into})" if incident.merged_into else ""),
        "severity": incident.severity.value,
        "title": incident.title,
        "assignee": incident.assignee,
        "alerts": len(incident.alert_ids),
        "hosts": incident.entities.hosts + [h for h in incident.affected.hosts if h not in incident.entities.hosts],
        "users": incident.entities.users + [u for u in incident.affected.users if u not in incident.entities.users],
        "first_seen": ecs.format_ts(incident.first_seen) if incident.first_seen else None,
        "last_seen": ecs.format_ts(incident.last_seen) if incident.last_seen else None,
    }


def _print(incident: Incident, fmt: OutputFormat) -> None:
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        key_values(incident.model_dump(mode="json"), fmt)
    else:
        emit([incident_row(incident)], fmt, COLUMNS)


@app.command("list")
def list_incidents(
    ctx: typer.Context,
    state_: Annotated[
        list[IncidentState] | None, typer.Option("--state", help="Lifecycle state(s); default: all but closed.")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Closed incidents too.")] = False,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Assigned to this analyst.")] = None,
    severity: Annotated[Severity | None, typer.Option("--severity", help="At least this severity.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    page: Annotated[int, typer.Option("--page", min=1)] = 1,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Incidents, newest first."""
    states = tuple(state_ or ()) or (
        () if everything else tuple(s for s in IncidentState if s is not IncidentState.CLOSED)
    )
    flt = IncidentFilter(states=states, assignee=assignee, min_severity=severity)
    found = state(ctx).cases.incidents(flt, limit=limit, offset=(page - 1) * limit)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit([i.model_dump(mode="json") for i in found], fmt, COLUMNS)
    else:
        emit([incident_row(i) for i in found], fmt, COLUMNS)


@app.command("show")
def show(ctx: typer.Context, incident_id: IncidentArg, fmt: FormatOpt = OutputFormat.TABLE) -> None:
    """An incident: summary, alerts, notes, tasks, evidence (with its integrity now)."""
    app_state = state(ctx)
    incident = ops.load(app_state.cases, incident_id)
    alerts = ops.members(app_state.cases, incident_id)
    integrity = ops.check_evidence(app_state.events, incident) if incident.evidence else {}
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        data = incident.model_dump(mode="json") | {
            "alerts": [a.model_dump(mode="json") for a in alerts],
            "evidence_check": integrity,
        }
        key_values(data, fmt)
        return
    pairs: dict[str, Any] = {
        "id": incident.id,
        "title": incident.title,
        "state": incident.state.value,
        "severity": incident.severity.value,
        "assignee": incident.assignee,
        "created": ecs.format_ts(incident.created),
        "updated": ecs.format_ts(incident.updated),
        "first seen": ecs.format_ts(incident.first_seen) if incident.first_seen else None,
        "last seen": ecs.format_ts(incident.last_seen) if incident.last_seen else None,
        "merged into": incident.merged_into,
        **{f"{kind} (from alerts)": v for kind, v in incident.entities.model_dump().items() if v},
        **{f"{kind} (recorded affected)": v for kind, v in incident.affected.model_dump().items() if v},
    }
    for n, note in enumerate(incident.notes, 1):
        pairs[f"note {n}"] = f"{ecs.format_ts(note.timestamp)} {note.author}: {note.text}"
    for task in incident.tasks:
        pairs[f"task {task.id}"] = f"[{'x' if task.done else ' '}] {task.text}" + (
            f" ({task.owner})" if task.owner else ""
        )
    for item in incident.evidence:
        pairs[f"evidence {item.event_id}"] = (
            f"sha256 {item.sha256} ({integrity.get(item.event_id, '?')}), by {item.added_by}"
        )
    key_values(pairs, fmt, title=f"incident {incident.id}")
    if fmt is OutputFormat.TABLE:
        sys.stdout.write("\n")
    if fmt is not OutputFormat.CSV:
        render_alerts(alerts, fmt, title="alerts")


@app.command("create")
def create(
    ctx: typer.Context,
    alert_ids: Annotated[list[str] | None, typer.Argument(help="Alerts to put in it.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Default: from the alerts.")] = None,
    severity: Annotated[Severity | None, typer.Option("--severity", help="Default: the highest alert's.")] = None,
    assignee: Annotated[str | None, typer.Option("--assignee")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Open an incident by hand (alerts already in another incident move over)."""
    app_state = state(ctx)
    if not alert_ids and not title:
        raise UsageError("give alert ids, a --title, or both")
    made = ops.create(
        app_state.cases, alert_ids or [], actor=app_state.actor, title=title, severity=severity, assignee=assignee
    )
    _print(made, fmt)


@app.command("add")
def add(
    ctx: typer.Context, incident_id: IncidentArg, alert_ids: AlertsArg, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Put alerts into an incident."""
    app_state = state(ctx)
    _print(ops.add(app_state.cases, incident_id, alert_ids, actor=app_state.actor), fmt)


@app.command("remove")
def remove(
    ctx: typer.Context, incident_id: IncidentArg, alert_ids: AlertsArg, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Take alerts out of an incident (they go back to the queue)."""
    app_state = state(ctx)
    _print(ops.remove(app_state.cases, incident_id, alert_ids, actor=app_state.actor), fmt)


@app.command("merge")
def merge(
    ctx: typer.Context,
    incident_id: Annotated[str, typer.Argument(help="The incident that stays.")],
    others: Annotated[list[str], typer.Argument(help="Incidents folded into it (they are closed).")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Merge incidents: alerts, notes, tasks and evidence move to the first one."""
    app_state = state(ctx)
    _print(ops.merge(app_state.cases, incident_id, others, actor=app_state.actor), fmt)


@app.command("split")
def split(
    ctx: typer.Context,
    incident_id: IncidentArg,
    alert_ids: AlertsArg,
    title: Annotated[str | None, typer.Option("--title", help="Title of the new incident.")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Move some alerts of an incident into a new incident."""
    app_state = state(ctx)
    _print(ops.split(app_state.cases, incident_id, alert_ids, actor=app_state.actor, title=title), fmt)


@app.command("status")
def status(
    ctx: typer.Context,
    incident_id: IncidentArg,
    new_state: Annotated[
        IncidentState, typer.Argument(help="new, analysis, containment, eradication, recovery or closed.")
    ],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Move an incident through its lifecycle."""
    app_state = state(ctx)
    _print(ops.set_state(app_state.cases, incident_id, new_state, actor=app_state.actor), fmt)
    if new_state is IncidentState.CLOSED:
        still = app_state.cases.count_alerts(
            AlertFilter(status=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED), incident_id=incident_id)
        )
        if still:
            print(
                f"secops: warning: {incident_id} is closed with {still} alert(s) still open; close them with "
                f"'secops alerts close --incident {incident_id} --reason …'",
                file=sys.stderr,
            )


@app.command("assign")
def assign(
    ctx: typer.Context,
    incident_id: IncidentArg,
    assignee: Annotated[str, typer.Argument(help="The analyst; an empty string unassigns.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Give an incident to an analyst."""
    app_state = state(ctx)
    _print(ops.assign(app_state.cases, incident_id, assignee, actor=app_state.actor), fmt)


@app.command("note")
def note(
    ctx: typer.Context,
    incident_id: IncidentArg,
    text: Annotated[str, typer.Argument(help="The note.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add a note (signed with your name and the time)."""
    app_state = state(ctx)
    _print(ops.note(app_state.cases, incident_id, text, actor=app_state.actor), fmt)


@app.command("task")
def task(
    ctx: typer.Context,
    incident_id: IncidentArg,
    text: Annotated[str | None, typer.Argument(help="A new task.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Who does it.")] = None,
    done: Annotated[int | None, typer.Option("--done", help="Mark task N done.")] = None,
    undone: Annotated[int | None, typer.Option("--undone", help="Mark task N not done.")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Add a task, or mark one done (--done N) or not (--undone N)."""
    app_state = state(ctx)
    actor = app_state.actor
    if sum(x is not None for x in (text, done, undone)) != 1:
        raise UsageError("give either a task text, --done N or --undone N")
    if text is not None:
        incident = ops.add_task(app_state.cases, incident_id, text, actor=actor, owner=owner)
    else:
        number = done if done is not None else undone
        assert number is not None
        incident = ops.finish_task(app_state.cases, incident_id, number, actor=actor, done=done is not None)
    rows = [{"task": t.id, "done": t.done, "text": t.text, "owner": t.owner} for t in incident.tasks]
    emit(rows, fmt, [(k, k) for k in ("task", "done", "text", "owner")])


@app.command("edit")
def edit(
    ctx: typer.Context,
    incident_id: IncidentArg,
    title: Annotated[str | None, typer.Option("--title")] = None,
    severity: Annotated[Severity | None, typer.Option("--severity")] = None,
    host: Annotated[list[str] | None, typer.Option("--host", help="Record an affected host (repeatable).")] = None,
    user: Annotated[list[str] | None, typer.Option("--user", help="Record an affected account (repeatable).")] = None,
    ip: Annotated[list[str] | None, typer.Option("--ip", help="Record an affected address (repeatable).")] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Change title or severity; record affected assets and accounts."""
    app_state = state(ctx)
    affected = Entities(hosts=host or [], users=user or [], ips=ip or []) if (host or user or ip) else None
    changed = ops.edit(
        app_state.cases, incident_id, actor=app_state.actor, title=title, severity=severity, affected=affected
    )
    _print(changed, fmt)


@app.command("evidence")
def evidence(
    ctx: typer.Context,
    incident_id: IncidentArg,
    event_ids: Annotated[list[str], typer.Argument(help="Ids of stored events to keep as evidence.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Keep stored events as evidence, each with the sha256 of its stored form."""
    app_state = state(ctx)
    added = ops.add_evidence(app_state.cases, app_state.events, incident_id, event_ids, actor=app_state.actor)
    emit(
        [e.model_dump(mode="json") for e in added],
        fmt,
        [("event", "event_id"), ("sha256", "sha256"), ("by", "added_by")],
    )


@app.command("group")
def group(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option("--since", help="Only alerts from this time (24h, 7d, a date).")] = None,
    window: Annotated[str | None, typer.Option("--window", help="Override [incidents] window, e.g. 2h.")] = None,
    min_alerts: Annotated[
        int | None, typer.Option("--min-alerts", min=1, help="Override [incidents] min_alerts.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be grouped; change nothing.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Group open alerts that share hosts, users or IPs in time into incidents (new or existing)."""
    app_state = state(ctx)
    settings = app_state.config.incidents
    update: dict[str, Any] = {}
    if window:
        parse_duration(window)
        update["window"] = window
    if min_alerts:
        update["min_alerts"] = min_alerts
    result = group_alerts(
        app_state.cases,
        settings.model_copy(update=update),
        actor=app_state.actor,
        since=parse_moment(since) if since else None,
        dry_run=dry_run,
    )
    rows = [
        {"incident": i.id, "change": "created", "alerts": len(i.alert_ids), "title": i.title} for i in result.created
    ]
    rows += [{"incident": k, "change": "extended", "alerts": n, "title": ""} for k, n in result.extended.items()]
    emit(rows, fmt, [(k, k) for k in ("incident", "change", "alerts", "title")])
    if fmt is OutputFormat.TABLE:
        print(f"secops: {result.left_alone} alert(s) linked to too few others, left in the queue", file=sys.stderr)
        if result.common:
            listed = ", ".join(f"{escape.one_line(k)} ({n})" for k, n in result.common.items())
            print(f"secops: too common to link alerts (over {settings.common_after}): {listed}", file=sys.stderr)


@app.command("timeline")
def timeline(
    ctx: typer.Context,
    incident_id: IncidentArg,
    around: Annotated[
        str,
        typer.Option("--around", help="Events this long before the first alert and after the last event alerted on."),
    ] = "1h",
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="At most this many events (alerts are all shown).")
    ] = 1000,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The incident's alerts and the events of its hosts, users and IPs, in time order."""
    app_state = state(ctx)
    incident = ops.load(app_state.cases, incident_id)
    rows = build_timeline(app_state.cases, app_state.events, incident, around=parse_duration(around), limit=limit)
    if sum(row["kind"] == "event" for row in rows) >= limit:
        print(f"secops: only the first {limit:,} events are shown (--limit for more)", file=sys.stderr)
    columns = [
        (k, k)
        for k in (
            "@timestamp",
            "kind",
            "severity",
            "summary",
            "host",
            "user",
            "source",
            "destination",
            "dataset",
            "id",
            "alert",
        )
    ]
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit(rows, fmt, columns)
    else:
        emit(rows, fmt, columns, title=f"timeline of {incident.id}")


# The breach-facts commands (``set``, ``breach``, ``edit-breach``, ``action``, ``notified``) belong here too.
incidents_breach.register(app)
