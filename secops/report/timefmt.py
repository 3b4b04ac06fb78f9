"""Times as reports show them: UTC inside, the reader's local time with its zone outside."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from secops.errors import UsageError


def zone(name: str | None) -> tzinfo:
    """An IANA zone by name (``UTC`` when none is given)."""
    if not name or name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(f"unknown time zone {name!r}", where="--timezone") from exc


def offset_text(moment: datetime) -> str:
    offset = moment.utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def local(moment: datetime, where: tzinfo) -> str:
    """``2026-03-07 23:30 EST (UTC-05:00)``; in UTC just ``2026-03-08 04:30 UTC``."""
    if where is UTC:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    shown = moment.astimezone(where)
    return f"{shown.strftime('%Y-%m-%d %H:%M')} {shown.tzname()} ({offset_text(shown)})"


def both(moment: datetime, where: tzinfo) -> str:
    """Local time with its zone, and UTC beside it when the zone is not UTC."""
    if where is UTC:
        return local(moment, where)
    return f"{local(moment, where)} = {local(moment, UTC)}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
