"""Deadline arithmetic: from a regime's trigger and offset to a due time, a status and the time left.

All arithmetic is on aware datetimes; the results are UTC. Offsets in hours
are elapsed time (72 h is 72 h whatever the clocks do). Calendar days, months
and business days are counted in the organisation's zone
(``reporting_org.timezone``, UTC when unset) and keep the wall-clock time of
the trigger, so "60 calendar days" across a DST change ends at the same local
time, one hour more or less of elapsed time. ``year_end+60d`` counts from the
end of 31 December of the trigger's year (HIPAA's log of small breaches).

A missing trigger does not hide a deadline: the first recorded fallback moment
is used and the clock is marked provisional ("the clock may already be
running"), and the trigger is listed as missing whether or not there is a
fallback (compliance.md §7.2). A deadline whose conditions cannot be decided
yet is ``undetermined`` and names what is missing, even when it has no time
to count from either.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from secops.report.breach_model import Notification
from secops.report.facts import Facts
from secops.report.regimes import OFFSET, Deadline, Regime


class Status:
    OPEN = "open"
    OVERDUE = "overdue"
    MET = "met"
    LATE = "met late"
    NO_LIMIT = "no fixed limit"
    NOT_APPLICABLE = "not applicable"
    UNDETERMINED = "undetermined"
    WAITING = "waiting for trigger"


@dataclass(slots=True)
class Clock:
    """One deadline of one regime, evaluated at ``now``."""

    regime: str
    deadline: Deadline
    status: str
    trigger_field: str | None = None
    trigger_at: datetime | None = None
    provisional: bool = False
    due_at: datetime | None = None
    remaining: timedelta | None = None
    """Time left (negative when overdue); for ``no fixed limit``, the time elapsed since the trigger (negative)."""
    met: Notification | None = None
    missing: list[str] = field(default_factory=list)
    """Fields whose absence leaves this clock provisional or undetermined, or that a late filing needs."""


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _aware(wall: datetime, zone: tzinfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due(trigger: datetime, offset: str, zone: tzinfo, holidays: frozenset[date] = frozenset()) -> datetime | None:
    """The due time (UTC) of ``offset`` counted from ``trigger``; None for ``none``."""
    match = OFFSET.match(offset)
    if match is None:
        raise ValueError(f"not an offset: {offset!r}")
    if offset == "none":
        return None
    if match.group("ye"):
        year_end = datetime(trigger.astimezone(zone).year + 1, 1, 1)
        return _aware(year_end + timedelta(days=int(match.group("ye"))), zone)
    n, unit = int(match.group("n")), match.group("unit")
    if unit == "h":
        return trigger.astimezone(UTC) + timedelta(hours=n)
    wall = _wall(trigger, zone)
    if unit == "d":
        return _aware(wall + timedelta(days=n), zone)
    if unit == "mo":
        return _aware(datetime.combine(add_months(wall.date(), n), wall.time()), zone)
    day, left = wall.date(), n
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return _aware(datetime.combine(day, wall.time()), zone)


def _holds(value: Any, op: str, expected: Any) -> bool:
    if op == "set":
        return value not in (None, [], {}, "")
    if op == "==":
        return bool(value == expected)
    if op == "!=":
        return bool(value != expected)
    if op == "in":
        return bool(value in expected)
    ordering = {">=": value >= expected, ">": value > expected, "<=": value <= expected, "<": value < expected}
    return bool(ordering[op])


def _check(cond: tuple[Any, ...], facts: Facts) -> bool | None:
    """Whether one condition holds; None when its value is not recorded (``set`` is then simply false)."""
    path, op = cond[0], cond[1]
    expected = cond[2] if len(cond) > 2 else None
    value = facts.value(path)
    if value is None and op != "set":
        return None
    return _holds(value, op, expected)


def applies(deadline: Deadline, facts: Facts) -> tuple[bool | None, list[str]]:
    """True, False, or None (undetermined) with the paths that would decide it.

    Every ``when`` condition must hold and, if there are any, one ``when_any``
    condition: one false ``when`` or every ``when_any`` false rules it out,
    one true ``when_any`` suffices whatever the others' values.
    """
    unknown: list[str] = []
    for cond in deadline.when:
        held = _check(cond, facts)
        if held is False:
            return False, []
        if held is None:
            unknown.append(cond[0])
    if deadline.when_any:
        results = [(cond[0], _check(cond, facts)) for cond in deadline.when_any]
        if not any(held for _, held in results):
            undecided = [path for path, held in results if held is None]
            if not undecided:
                return False, []
            unknown.extend(p for p in undecided if p not in unknown)
    return (None, unknown) if unknown else (True, [])


def _after(deadline: Deadline, earlier: Clock, facts: Facts, now: datetime) -> bool | None:
    """Whether ``deadline``'s trigger comes after the due time of ``earlier`` (None: cannot tell yet).

    A trigger not recorded has not come: once the earlier due time has passed,
    it is after it; until then it may still come in time.
    """
    if earlier.status == Status.NOT_APPLICABLE:
        return False
    moment = facts.value(deadline.trigger)
    if isinstance(moment, datetime):
        return earlier.due_at is not None and moment > earlier.due_at
    return True if earlier.due_at is not None and now >= earlier.due_at else None


def _trigger(regime: Regime, deadline: Deadline, facts: Facts) -> tuple[str | None, datetime | None, bool]:
    if deadline.trigger.startswith("notified:"):
        which = deadline.trigger.split(":", 1)[1]
        sent = [
            n.sent_at
            for n in facts.breach.notifications
            if n.regime == regime_key(regime) and which in (n.deadline, n.stage)
        ]
        return deadline.trigger, (min(sent) if sent else None), False
    moment = facts.value(deadline.trigger)
    if isinstance(moment, datetime):
        return deadline.trigger, moment, False
    for name in deadline.fallback:
        moment = facts.value(name)
        if isinstance(moment, datetime):
            return name, moment, True
    return None, None, True


def regime_key(regime: Regime) -> str:
    return f"us-state:{regime.state}" if regime.state else regime.id


def _met(regime: Regime, deadline: Deadline, facts: Facts) -> Notification | None:
    wanted = (deadline.met_by_recipient or "").lower()
    sent = [
        n
        for n in facts.breach.notifications
        if n.regime == regime_key(regime)
        and (
            n.deadline == deadline.id
            or (n.deadline is None and n.stage == deadline.stage and wanted in n.recipient.lower())
        )
    ]
    return min(sent, key=lambda n: n.sent_at) if sent else None


def _given(path: str, sent: Notification | None, facts: Facts) -> bool:
    """Whether a late filing's required field is given: by the notification that met the deadline, or the incident."""
    if sent is not None and getattr(sent, path, None) not in (None, ""):
        return True
    return facts.value(path) not in (None, "")


def evaluate(regime: Regime, facts: Facts, now: datetime) -> list[Clock]:
    """Every deadline of a regime for one incident, at ``now``."""
    zone = facts.org_zone
    holidays = frozenset(regime.holidays)
    clocks: list[Clock] = []
    for deadline in regime.deadlines:
        key = regime_key(regime)
        applicable, deciding = applies(deadline, facts)
        if applicable is not False and deadline.after_due_of is not None:
            earlier = next(c for c in clocks if c.deadline.id == deadline.after_due_of)
            after = _after(deadline, earlier, facts, now)
            applicable = False if after is False else (applicable if after else None)
        if applicable is False:
            clocks.append(Clock(key, deadline, Status.NOT_APPLICABLE))
            continue
        name, start, provisional = _trigger(regime, deadline, facts)
        clock = Clock(key, deadline, Status.UNDETERMINED, name, start, provisional, missing=list(deciding))
        if provisional:  # a trigger fact not recorded is always asked for, counted from a fallback or not
            clock.missing.insert(0, deadline.trigger)
        clock.met = _met(regime, deadline, facts)
        if start is None:
            waiting = applicable and (deadline.trigger.startswith("notified:") or not deadline.fallback)
            clock.status = Status.WAITING if waiting else Status.UNDETERMINED
            clocks.append(clock)
            continue
        clock.due_at = due(start, deadline.offset, zone, holidays)
        if clock.due_at is None:
            clock.remaining = start - (clock.met.sent_at if clock.met else now)
            clock.status = Status.MET if clock.met else Status.NO_LIMIT
        elif clock.met is not None:
            clock.remaining = clock.due_at - clock.met.sent_at
            clock.status = Status.MET if clock.remaining >= timedelta(0) else Status.LATE
        else:
            clock.remaining = clock.due_at - now
            clock.status = Status.OPEN if clock.remaining >= timedelta(0) else Status.OVERDUE
        if applicable is None:
            clock.status = Status.UNDETERMINED
        late = clock.status in (Status.LATE, Status.OVERDUE)
        if late and deadline.late_requires and not _given(deadline.late_requires, clock.met, facts):
            clock.missing.append(deadline.late_requires)
        clocks.append(clock)
    return clocks


def human(delta: timedelta) -> str:
    """``2 d 3 h 05 min`` for a duration (sign dropped)."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h {minutes:02d} min"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def describe(clock: Clock) -> str:
    """One line saying where a clock stands."""
    r = clock.remaining
    if clock.status == Status.OPEN and r is not None:
        return f"{human(r)} left"
    if clock.status == Status.OVERDUE and r is not None:
        return f"overdue by {human(r)}"
    if clock.status == Status.MET and clock.met is not None:
        return "met" + (f", {human(r)} before the deadline" if r is not None and clock.due_at else "")
    if clock.status == Status.LATE and r is not None:
        return f"met late, {human(r)} after the deadline"
    if clock.status == Status.NO_LIMIT and r is not None:
        return f"no fixed limit; {human(r)} elapsed"
    if clock.status == Status.WAITING:
        trigger = clock.deadline.trigger
        if trigger.startswith("notified:"):
            return f"starts when the {trigger.split(':', 1)[1]} submission is sent"
        return f"starts at {trigger} (not recorded yet)"
    if clock.status == Status.UNDETERMINED:
        return "undetermined: needs " + ", ".join(clock.missing or [clock.deadline.trigger])
    return clock.status
