"""``report deadlines``: every open incident's clocks, soonest first.

An incident's regimes are those named in its breach record (``regimes``) or
given with ``--regime``; an open incident with none gets one row saying so,
so nothing open is silently left off the list. Neither is one whose stored
breach record cannot be read (a store written by an older version may hold a
value now refused): it gets a row with status ``invalid`` and the problem, and
the other incidents are listed as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from secops.cases.incidents import members
from secops.cases.models import IncidentState
from secops.errors import UsageError
from secops.report import deadlines as dl
from secops.report import regimes
from secops.report.facts import Facts
from secops.report.timefmt import both, iso
from secops.store.base import CaseStore, IncidentFilter

COLUMNS = [
    (k, k)
    for k in (
        "incident",
        "regime",
        "deadline",
        "recipient",
        "due",
        "status",
        "left",
        "counted_from",
        "needs",
        "due_utc",
    )
]
PAGE = 200


def open_incidents(cases: CaseStore) -> list[Any]:
    flt = IncidentFilter(states=tuple(s for s in IncidentState if s is not IncidentState.CLOSED))
    found, offset = [], 0
    while page := cases.incidents(flt, limit=PAGE, offset=offset):
        found.extend(page)
        offset += len(page)
    return found


def open_clocks(
    cases: CaseStore, only: Sequence[str], *, now: datetime, where: tzinfo, everything: bool = False
) -> list[dict[str, Any]]:
    wanted = {name: regimes.load(name) for name in only}  # a mistyped --regime is the caller's error
    rows: list[dict[str, Any]] = []
    for incident in open_incidents(cases):
        try:
            facts = Facts(incident, members(cases, incident.id))
            chosen = wanted or {name: regimes.load(name) for name in facts.breach.regimes}
            _ = facts.org_zone  # a bad zone is this incident's problem, found before its clocks
        except UsageError as exc:
            fix = "fix with secops incidents set or edit-breach"
            rows.append({"incident": incident.id, "status": "invalid", "needs": f"{exc.message} ({fix})"})
            continue
        if not chosen:
            rows.append(
                {
                    "incident": incident.id,
                    "status": "no regimes",
                    "needs": "regimes (secops incidents set ID regimes=…)",
                }
            )
            continue
        for regime in chosen.values():
            for clock in dl.evaluate(regime, facts, now):
                if clock.status == dl.Status.NOT_APPLICABLE and not everything:
                    continue
                rows.append(
                    {
                        "incident": incident.id,
                        "regime": clock.regime,
                        "deadline": clock.deadline.id,
                        "recipient": clock.deadline.recipient,
                        "due": both(clock.due_at, where) if clock.due_at else None,
                        "due_utc": iso(clock.due_at) if clock.due_at else None,
                        "status": clock.status + (" (provisional)" if clock.provisional and clock.trigger_at else ""),
                        "left": dl.describe(clock),
                        "seconds_left": int(clock.remaining.total_seconds()) if clock.remaining is not None else None,
                        "counted_from": clock.trigger_field,
                        "needs": ", ".join(clock.missing) or None,
                    }
                )
    rows.sort(key=lambda r: (r.get("due_utc") is None, r.get("due_utc") or "", r["incident"]))
    return rows
