"""``secops alerts``: the triage queue — list, show, acknowledge, assign, close, reopen, suppress.

Actions take alert ids, or select alerts with the same filter options as
``list`` (bulk actions); an action with neither refuses to run unless
``--all`` says so. Every change is audited under ``--analyst`` (or the OS user).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer

from secops import ecs
from secops.cases import alerts as triage
from secops.cases.entities import ENTITY_FIELDS
from secops.cases.models import Alert, AlertStatus, CloseReason
from secops.cli.context import state
from secops.cli.output import Column, emit, key_values
from secops.errors import UsageError
from secops.store.base import AlertFilter, AlertGroup, Window
from secops.timespec import parse_duration, parse_moment
from secops.types import OutputFormat, Severity

app = typer.Typer(help="Triage alerts.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]
IdsArg = Annotated[list[str] | None, typer.Argument(help="Alert ids (or select with the filter options).")]
StatusOpt = Annotated[
    list[str] | None,
    typer.Option("--status", help="open, acknowledged, closed or all; repeatable. Default: open and acknowledged."),
]
SeverityOpt = Annotated[Severity | None, typer.Option("--severity", help="At least this severity.")]
RuleOpt = Annotated[str | None, typer.Option("--rule", help="Rule id, or part of the rule name.")]
HostOpt = Annotated[str | None, typer.Option("--host", help="Alerts about this host.")]
UserOpt = Annotated[str | None, typer.Option("--user", help="Alerts about this user.")]
IpOpt = Annotated[str | None, typer.Option("--ip", help="Alerts about this IP address.")]
TechniqueOpt = Annotated[str | None, typer.Option("--technique", help="ATT&CK technique id, e.g. T1110.003.")]
TacticOpt = Annotated[str | None, typer.Option("--tactic", help="ATT&CK tactic, e.g. credential-access.")]
IncidentOpt = Annotated[str | None, typer.Option("--incident", help="Alerts of this incident.")]
AssigneeOpt = Annotated[str | None, typer.Option("--assignee", help="Alerts assigned to this analyst.")]
UngroupedOpt = Annotated[bool, typer.Option("--ungrouped", help="Only alerts in no incident.")]
SinceOpt = Annotated[str | None, typer.Option("--since", help="From this time: 24h, 7d, 2026-11-01 …")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Up to this time (exclusive).")]
AllOpt = Annotated[bool, typer.Option("--all", help="Act on every alert the (possibly empty) filter selects.")]

SORTS: dict[str, Literal["time", "severity"]] = {"time": "time", "severity": "severity"}
COLUMNS: list[Column] = [
    ("id", "id"),
    ("time", "time"),
    ("severity", "severity"),
    ("status", "status"),
    ("rule", "rule"),
    ("author", "author"),
    ("host", "host"),
    ("user", "user"),
    ("ip", "ip"),
    ("technique", "technique"),
    ("assignee", "assignee"),
    ("incident", "incident"),
    ("events", "events"),
]
CSV_COLUMNS: list[Column] = [*COLUMNS[:5], ("rule id", "rule_id"), *COLUMNS[5:], ("event ids", "event_ids")]
"""An export names the rule by id and every matched event too (DESIGN: alerts name both in every output)."""


def statuses(values: list[str] | None) -> tuple[AlertStatus, ...]:
    if not values:
        return (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
    chosen: list[AlertStatus] = []
    for value in values:
        for part in value.split(","):
            word = part.strip().lower()
            if word in ("all", "any"):
                return ()
            try:
                chosen.append(AlertStatus(word))
            except ValueError:
                raise UsageError(
                    f"unknown status {part!r} (open, acknowledged, closed, all)", where="--status"
                ) from None
    return tuple(dict.fromkeys(chosen))


def build_filter(
    status: list[str] | None = None,
    severity: Severity | None = None,
    rule: str | None = None,
    host: str | None = None,
    user: str | None = None,
    ip: str | None = None,
    technique: str | None = None,
    tactic: str | None = None,
    incident: str | None = None,
    assignee: str | None = None,
    ungrouped: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> AlertFilter:
    return AlertFilter(
        status=statuses(status),
        min_severity=severity,
        rule=rule,
        host=host,
        user=user,
        ip=ip,
        technique=technique.strip().upper() if technique else None,  # stored as ATT&CK writes them: T1110.003
        tactic="-".join(tactic.lower().replace("_", " ").split()) if tactic else None,  # and credential-access
        incident_id=incident,
        assignee=assignee,
        ungrouped=ungrouped,
        window=Window(parse_moment(since) if since else None, parse_moment(until) if until else None),
    )


def alert_row(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.id,
        "time": ecs.format_ts(alert.timestamp),
        "severity": alert.severity.value,
        "status": alert.status.value + (f" ({alert.close_reason.value})" if alert.close_reason else ""),
        "rule": alert.rule.name,
        "rule_id": alert.rule.id,
        "author": alert.rule.author,
        "host": alert.entities.hosts,
        "user": alert.entities.users,
        "ip": alert.entities.ips,
        "technique": alert.techniques,
        "assignee": alert.assignee,
        "incident": alert.incident_id,
        "events": int(alert.details.get("event_count", len(alert.events))),
        "event_ids": [e.id for e in alert.events],
    }


def render_alerts(alerts: list[Alert], fmt: OutputFormat, *, title: str | None = None) -> None:
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit([a.model_dump(mode="json") for a in alerts], fmt, COLUMNS)
    else:
        emit([alert_row(a) for a in alerts], fmt, CSV_COLUMNS if fmt is OutputFormat.CSV else COLUMNS, title=title)


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    rule: RuleOpt = None,
    host: HostOpt = None,
    user: UserOpt = None,
    ip: IpOpt = None,
    technique: TechniqueOpt = None,
    tactic: TacticOpt = None,
    incident: IncidentOpt = None,
    assignee: AssigneeOpt = None,
    ungrouped: UngroupedOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    sort: Annotated[str, typer.Option("--sort", help="time or severity.")] = "time",
    oldest_first: Annotated[bool, typer.Option("--oldest-first", help="Oldest (or least severe) first.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Alerts per page.")] = 50,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    group_by: Annotated[
        str | None,
        typer.Option(
            "--group-by",
            help="Count instead: rule, severity, status, host, user, ip, technique, tactic, incident or assignee.",
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The alert queue, newest first, a page at a time (or counts per group)."""
    cases = state(ctx).cases
    flt = build_filter(
        status, severity, rule, host, user, ip, technique, tactic, incident, assignee, ungrouped, since, until
    )
    if group_by is not None:
        if group_by not in AlertGroup.__args__:  # type: ignore[attr-defined]
            raise UsageError(f"cannot group by {group_by!r}", where="--group-by")
        counts = cases.alert_counts(flt, group_by, size=limit)  # type: ignore[arg-type]
        emit([{group_by: value, "count": n} for value, n in counts], fmt, [(group_by, group_by), ("count", "count")])
        return
    order = SORTS.get(sort)
    if order is None:
        raise UsageError(f"cannot sort by {sort!r} (time or severity)", where="--sort")
    found = cases.alerts(flt, limit=limit, offset=(page - 1) * limit, sort=order, newest_first=not oldest_first)
    render_alerts(found, fmt)
    if fmt is OutputFormat.TABLE and sys.stderr.isatty():
        total = cases.count_alerts(flt)
        first = (page - 1) * limit + 1 if found else 0
        more = f"; --page {page + 1} for more" if first + len(found) - 1 < total else ""
        print(f"alerts {first}-{first + len(found) - 1 if found else 0} of {total:,}{more}", file=sys.stderr)


def _show_table(detail: triage.AlertDetail, fmt: OutputFormat) -> None:
    alert = detail.alert
    pairs: dict[str, Any] = {
        "id": alert.id,
        "time": ecs.format_ts(alert.timestamp),
        "severity": alert.severity.value,
        "status": alert.status.value,
        "close reason": alert.close_reason.value if alert.close_reason else None,
        "assignee": alert.assignee,
        "incident": alert.incident_id,
        "rule": alert.rule.name,
        "rule id": alert.rule.id,
        "rule author": alert.rule.author,
        "rule source": alert.rule.source,
        "description": alert.rule.description,
        "references": alert.rule.references,
        "tactics": alert.tactics,
        "techniques": alert.techniques,
        **{kind: values for kind, values in alert.entities.model_dump().items() if values},
        "matched events": int(alert.details.get("event_count", len(alert.events))),
    }
    if alert.details:
        pairs["details"] = alert.details
    if fmt is OutputFormat.CSV:
        for event in detail.events:
            pairs[f"event {ecs.get(event, 'event.id')}"] = _event_line(event)
        for other in detail.related:
            pairs[f"related {other.id}"] = f"{ecs.format_ts(other.timestamp)} {other.severity.value} {other.rule.name}"
        key_values(pairs, fmt)
        return
    key_values(pairs, fmt, title=f"alert {alert.id}")
    event_rows = [
        {
            "id": ecs.get(e, "event.id"),
            "time": ecs.get(e, "@timestamp"),
            "dataset": ecs.get(e, "event.dataset"),
            "source": f"{ecs.get(e, 'log.file.path') or ''}:{ecs.get(e, 'log.offset') or ''}".strip(":"),
            "summary": _event_line(e),
        }
        for e in detail.events
    ]
    _spacer(fmt)
    emit(event_rows, fmt, [(k, k) for k in ("id", "time", "dataset", "source", "summary")], title="matched events")
    if detail.missing_events:
        print(f"secops: {len(detail.missing_events)} matched event(s) not in the store", file=sys.stderr)
    _spacer(fmt)
    emit([alert_row(r) for r in detail.related], fmt, COLUMNS, title="related alerts (same host, user or IP, ±24 h)")


def _spacer(fmt: OutputFormat) -> None:
    if fmt is OutputFormat.TABLE:
        sys.stdout.write("\n")


def _event_line(event: dict[str, Any]) -> str:
    for name in ("message", "event.original"):
        value = ecs.get(event, name)
        if value:
            return str(value)
    return str(ecs.get(event, "event.action") or "")


@app.command("show")
def show(
    ctx: typer.Context, alert_id: Annotated[str, typer.Argument(help="Alert id.")], fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """One alert: its rule, entities, matched events and related alerts."""
    app_state = state(ctx)
    detail = triage.detail(app_state.cases, app_state.events, alert_id)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        key_values(detail.as_json(), fmt)
        return
    _show_table(detail, fmt)


def _selection(ctx: typer.Context, ids: list[str] | None, everything: bool, *filters: Any) -> list[str]:
    """The alerts a bulk command acts on: named ids, or the filter options (status … until, in
    ``build_filter``'s order); with neither, ``--all`` must say that every alert is meant."""
    cases = state(ctx).cases
    filtered = any(v not in (None, False, [], ()) for v in filters)
    if ids:
        if filtered or everything:
            raise UsageError("name alerts by id or select them with filter options (or --all), not both")
        return triage.selected_ids(cases, ids, None)
    if not filtered and not everything:
        raise UsageError("name alerts by id, select them with filter options, or pass --all")
    status, severity, rule, host, user, ip, technique, tactic, incident, since, until = filters
    flt = build_filter(status, severity, rule, host, user, ip, technique, tactic, incident, None, False, since, until)
    return triage.selected_ids(cases, [], flt)


def _report(action: str, changed: int, selected: int, fmt: OutputFormat) -> None:
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        key_values({"action": action, "selected": selected, "changed": changed}, fmt)
    else:
        print(f"{action}: {changed} of {selected} selected alert(s) changed")


@app.command("ack")
def ack(
    ctx: typer.Context,
    ids: IdsArg = None,
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    rule: RuleOpt = None,
    host: HostOpt = None,
    user: UserOpt = None,
    ip: IpOpt = None,
    technique: TechniqueOpt = None,
    tactic: TacticOpt = None,
    incident: IncidentOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Acknowledge alerts (you take the unassigned ones)."""
    chosen = _selection(
        ctx, ids, everything, status, severity, rule, host, user, ip, technique, tactic, incident, since, until
    )
    app_state = state(ctx)
    _report("acknowledged", triage.acknowledge(app_state.cases, chosen, actor=app_state.actor), len(chosen), fmt)


@app.command("assign")
def assign(
    ctx: typer.Context,
    ids: IdsArg = None,
    to: Annotated[str, typer.Option("--to", help="The analyst; an empty string unassigns.")] = "",
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    rule: RuleOpt = None,
    host: HostOpt = None,
    user: UserOpt = None,
    ip: IpOpt = None,
    technique: TechniqueOpt = None,
    tactic: TacticOpt = None,
    incident: IncidentOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Assign alerts to an analyst."""
    chosen = _selection(
        ctx, ids, everything, status, severity, rule, host, user, ip, technique, tactic, incident, since, until
    )
    app_state = state(ctx)
    _report("assigned", triage.assign(app_state.cases, chosen, to, actor=app_state.actor), len(chosen), fmt)


@app.command("close")
def close(
    ctx: typer.Context,
    ids: IdsArg = None,
    reason: Annotated[
        CloseReason, typer.Option("--reason", help="Why: true_positive, false_positive or benign.")
    ] = ...,  # type: ignore[assignment]
    status: StatusOpt = None,
    severity: SeverityOpt = None,
    rule: RuleOpt = None,
    host: HostOpt = None,
    user: UserOpt = None,
    ip: IpOpt = None,
    technique: TechniqueOpt = None,
    tactic: TacticOpt = None,
    incident: IncidentOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    everything: AllOpt = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Close alerts with a reason."""
    chosen = _selection(
        ctx, ids, everything, status, severity, rule, host, user, ip, technique, tactic, incident, since, until
    )
    app_state = state(ctx)
    _report("closed", triage.close(app_state.cases, chosen, reason, actor=app_state.actor), len(chosen), fmt)


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    ids: Annotated[list[str], typer.Argument(help="Alert ids.")],
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Open closed or acknowledged alerts again."""
    app_state = state(ctx)
    chosen = triage.selected_ids(app_state.cases, ids, None)
    _report("reopened", triage.reopen(app_state.cases, chosen, actor=app_state.actor), len(chosen), fmt)


@app.command("suppress")
def suppress(
    ctx: typer.Context,
    alert_id: Annotated[str, typer.Argument(help="The alert to make an exception from.")],
    reason: Annotated[str, typer.Option("--reason", help="Why this is not a threat (recorded).")],
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="Entity kinds the exception is limited to, comma-separated: hosts, users, ips, "
            "processes, files. Default: the alert's hosts (else users, else IPs).",
        ),
    ] = None,
    for_: Annotated[str | None, typer.Option("--for", help="How long it holds, e.g. 7d (default 30d).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Until this moment instead (e.g. 2026-12-31).")] = None,
    permanent: Annotated[bool, typer.Option("--permanent", help="Never expires.")] = False,
    any_rule: Annotated[bool, typer.Option("--any-rule", help="Silence every rule on these entities.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Turn an alert into an exception the detection engine honours, and close the alert (benign)."""
    app_state = state(ctx)
    alert = app_state.cases.get_alert(alert_id)
    if alert is None:
        raise UsageError(f"no such alert: {alert_id}")
    if on is None:
        kinds = next(([k] for k in ("hosts", "users", "ips") if getattr(alert.entities, k)), [])
    else:
        kinds = [k.strip() for k in on.split(",") if k.strip()]
        unknown = [k for k in kinds if k not in ENTITY_FIELDS]
        if unknown:
            raise UsageError(f"unknown entity kind(s) {', '.join(unknown)} ({', '.join(ENTITY_FIELDS)})", where="--on")
    if any_rule and not any(getattr(alert.entities, k) for k in kinds):
        raise UsageError("--any-rule needs at least one entity, or it would silence everything", where="--on")
    if sum((for_ is not None, until is not None, permanent)) > 1:
        raise UsageError("give one of --for, --until or --permanent", where="--for")
    now = datetime.now(UTC)
    expires = None if permanent else parse_moment(until) if until else now + parse_duration(for_ or "30d")
    if expires is not None and expires <= now:
        raise UsageError("the exception would already have expired", where="--until" if until else "--for")
    made = triage.suppress(
        app_state.cases, alert_id, actor=app_state.actor, reason=reason, kinds=kinds, expires=expires, any_rule=any_rule
    )
    key_values(made.model_dump(mode="json"), fmt, title=f"suppression {made.id}")


@app.command("suppressions")
def suppressions(
    ctx: typer.Context,
    everything: Annotated[bool, typer.Option("--all", help="Include expired ones.")] = False,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """The exceptions in force (or all of them)."""
    now = datetime.now(UTC)
    found = state(ctx).cases.suppressions() if everything else state(ctx).cases.active_suppressions(now)
    if fmt in (OutputFormat.JSON, OutputFormat.NDJSON):
        emit([s.model_dump(mode="json") for s in found], fmt, [])
        return
    rows = [
        {
            "id": s.id,
            "rule": s.rule_name or s.rule_id,
            "on": "; ".join(f"{k}={', '.join(v)}" for k, v in s.entities.model_dump().items() if v) or "(everything)",
            "expires": ecs.format_ts(s.expires) if s.expires else "never",
            "active": s.active(now),
            "by": s.created_by,
            "reason": s.reason,
        }
        for s in found
    ]
    emit(rows, fmt, [(k, k) for k in ("id", "rule", "on", "expires", "active", "by", "reason")])


@app.command("unsuppress")
def unsuppress(ctx: typer.Context, suppression_id: Annotated[str, typer.Argument(help="Suppression id.")]) -> None:
    """Remove an exception (audited)."""
    app_state = state(ctx)
    if not app_state.cases.remove_suppression(suppression_id, actor=app_state.actor):
        raise UsageError(f"no such suppression: {suppression_id}")
    print(f"removed {suppression_id}")
