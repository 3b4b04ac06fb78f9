"""``secops report``: breach filings per regime, every open incident's clocks, evidence exports, SOC summaries."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from secops import escape
from secops.cases.incidents import load, members
from secops.cli.context import state
from secops.cli.output import STDOUT, emit, write_file
from secops.errors import UsageError
from secops.report import breach as breach_report
from secops.report import clocks, evidence, regimes, render_html, render_md, render_pdf, stix, summary
from secops.report.timefmt import zone
from secops.timespec import parse_moment
from secops.types import OutputFormat

app = typer.Typer(help="Breach notifications, deadlines, evidence exports and SOC summaries.", no_args_is_help=True)


class BreachFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"
    MD = "md"
    JSON = "json"
    STIX = "stix"


class SummaryFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"
    MD = "md"
    JSON = "json"


class EvidenceFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


IncidentArg = Annotated[str, typer.Argument(help="Incident id, e.g. INC-3.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")]
ZoneOpt = Annotated[
    str | None, typer.Option("--timezone", help="Show times in this zone (IANA name; default: the config's).")
]


def write(data: bytes | str, output: Path | None, *, binary: bool = False) -> None:
    """To a file, or to stdout (a PDF is never written to a terminal)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if binary and output in (None, STDOUT) and sys.stdout.isatty():
        raise UsageError("a PDF is not written to a terminal: give --output FILE or redirect stdout")
    write_file(output or STDOUT, payload)


@app.command("breach")
def breach(
    ctx: typer.Context,
    incident_id: IncidentArg,
    regime: Annotated[str, typer.Option("--regime", help="cisa-federal, omb-m-17-12, gdpr, nis2, hipaa, us-state:XX.")],
    fmt: Annotated[BreachFormat, typer.Option("--format", help="pdf, html, md, json or stix.")] = BreachFormat.MD,
    timezone: ZoneOpt = None,
    output: OutputOpt = None,
) -> None:
    """A regime's filing for an incident: required sections, deadlines with time left, what is still missing."""
    app_state = state(ctx)
    incident = load(app_state.cases, incident_id)
    alerts = members(app_state.cases, incident_id)
    if fmt is BreachFormat.STIX:
        bundle = stix.bundle(app_state.events, incident, alerts)
        write(bundle.serialize(pretty=True) + "\n", output)
        return
    zone_name = timezone or app_state.config.timezone
    report = breach_report.build(
        incident, alerts, regimes.load(regime), now=datetime.now(UTC), where=zone(zone_name), zone_name=zone_name
    )
    if fmt is BreachFormat.JSON:
        write(
            escape.inert_json(orjson.dumps(report.model_dump(mode="json"), option=orjson.OPT_INDENT_2)) + b"\n", output
        )
    elif fmt is BreachFormat.MD:
        write(render_md.breach(report), output)
    elif fmt is BreachFormat.HTML:
        write(render_html.breach(report), output)
    else:
        write(render_pdf.breach(report), output, binary=True)


@app.command("deadlines")
def deadlines(
    ctx: typer.Context,
    regime: Annotated[
        list[str] | None, typer.Option("--regime", help="Only these regimes (default: each incident's own).")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Also deadlines that do not apply.")] = False,
    timezone: ZoneOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="Output format.")] = OutputFormat.TABLE,
) -> None:
    """Every open incident's clocks: due time, time left or overdue, soonest first."""
    app_state = state(ctx)
    zone_name = timezone or app_state.config.timezone
    rows = clocks.open_clocks(
        app_state.cases, regime or [], now=datetime.now(UTC), where=zone(zone_name), everything=everything
    )
    emit(rows, fmt, clocks.COLUMNS)
    invalid = [row["incident"] for row in rows if row.get("status") == "invalid"]
    if invalid:  # their clocks are not shown: a deadline may be running unseen
        print(f"secops: warning: no clocks for {', '.join(invalid)}: the breach record is refused", file=sys.stderr)


@app.command("evidence")
def evidence_export(
    ctx: typer.Context,
    incident_id: IncidentArg,
    fmt: Annotated[EvidenceFormat, typer.Option("--format", help="csv or json.")] = EvidenceFormat.JSON,
    redact: Annotated[
        list[evidence.Kind] | None,
        typer.Option("--redact", help="Pseudonymise these identifiers (repeatable): users, emails, ips, hosts."),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="HMAC key (owner-only file) for stable pseudonyms; default: $SECOPS_REDACTION_KEY or a one-off key.",
        ),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """The incident's alerts, events (with hashes) and audit trail, optionally with personal data pseudonymised."""
    app_state = state(ctx)
    incident = load(app_state.cases, incident_id)
    bundle = evidence.collect(app_state.cases, app_state.events, incident)
    if redact:
        bundle = evidence.redact(bundle, set(redact), evidence.redaction_key(key_file))
    write(evidence.to_csv(bundle) if fmt is EvidenceFormat.CSV else escape.inert_json(evidence.to_json(bundle)), output)


@app.command("summary")
def summary_report(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help="From this time (30d, 2026-11-01 …).")] = "30d",
    fmt: Annotated[SummaryFormat, typer.Option("--format", help="pdf, html, md or json.")] = SummaryFormat.HTML,
    timezone: ZoneOpt = None,
    output: OutputOpt = None,
) -> None:
    """A SOC summary: alerts per day by severity, top rules, time to acknowledge and close, tactics, incidents."""
    app_state = state(ctx)
    zone_name = timezone or app_state.config.timezone
    now = datetime.now(UTC)
    start = parse_moment(since, now=now)
    if start >= now:
        raise UsageError(f"{since} is not in the past: the summary covers from then until now", where="--since")
    data = summary.collect(app_state.cases, since=start, until=now, where=zone(zone_name))
    if fmt is SummaryFormat.JSON:
        write(escape.inert_json(orjson.dumps(data.as_json(), option=orjson.OPT_INDENT_2)) + b"\n", output)
    elif fmt is SummaryFormat.MD:
        write(summary.markdown(data), output)
    elif fmt is SummaryFormat.HTML:
        write(summary.html(data), output)
    else:
        write(summary.pdf(data), output, binary=True)
