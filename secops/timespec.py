"""Durations and moments as people type them: ``90d``, ``5m``, ``2026-11-01``, ``2026-11-01T12:00Z``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator

from secops.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
MAX_DURATION = timedelta(days=36_525)
"""A century: longer is a typo, and moments that far back or ahead leave the calendar ``datetime`` knows."""


def parse_duration(text: str) -> timedelta:
    """``30s``, ``5m``, ``24h``, ``90d``, ``2w`` → timedelta."""
    match = _DURATION.match(text)
    if not match:
        raise UsageError(f"not a duration: {text!r} (use e.g. 30s, 5m, 24h, 90d, 2w)")
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds > MAX_DURATION.total_seconds():
        raise UsageError(f"duration too long: {text!r} (at most {MAX_DURATION.days}d)")
    return timedelta(seconds=seconds)


def checked_duration(text: str) -> str:
    """``text`` unchanged when it is a duration; otherwise the ``ValueError`` pydantic reports."""
    try:
        parse_duration(text)
    except UsageError as exc:
        raise ValueError(exc.message) from None
    return text


Duration = Annotated[str, AfterValidator(checked_duration)]
"""A settings field holding a duration as typed (``1h``), checked when the settings are read."""


def parse_moment(text: str, *, now: datetime | None = None) -> datetime:
    """A duration back from now (``24h``) or an ISO date/time (UTC unless it says otherwise)."""
    if _DURATION.match(text):
        return (now or datetime.now(UTC)) - parse_duration(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"not a time: {text!r} (use e.g. 24h, 2026-11-01, 2026-11-01T12:00Z)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
