"""Syslog and device times → ECS ``@timestamp``, shared by the header parser and vendor parsers.

A 3164 timestamp has neither year nor zone: the zone is ``ParseContext.timezone``
and the year ``ParseContext.year`` or, when unset, the latest year that does not
put the moment more than a day into the future (a December line read in
January belongs to last year). Zone names written after a time (``EST``,
``CET``) have fixed offsets here. ``SyslogClock`` caches each minute's UTC form,
as a log's lines share their minute.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

import secops_native

from secops import ecs
from secops.errors import ParseError
from secops.registry import ParseContext

MONTHS = {
    m: i for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)
}

ZONE_ABBREVIATIONS: dict[str, int] = {
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360, "PST": -480, "PDT": -420,
    "AKST": -540, "AKDT": -480, "HST": -600, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
    "MET": 60, "MEST": 120, "EET": 120, "EEST": 180, "MSK": 180, "IST": 330, "SGT": 480, "HKT": 480,
    "AWST": 480, "JST": 540, "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720,
    "NZDT": 780,
}  # fmt: skip
"""Zone abbreviations in device times → minutes east of UTC, in their common reading (CST is US Central,
IST India, BST British Summer Time); one this table lacks leaves the time in the context's zone."""
AMBIGUOUS_ZONES = frozenset(["IST"])
"""Zone names a syslog header may write that fix no offset: IST is India (+05:30), Irish Summer Time
(+01:00) or Israel (+02:00). Such a name is read as the zone, not as the host, and the time is left in
the context's zone: the one configured for the source is the only reliable answer. (``device_timestamp``
still reads IST as India.)"""
HEADER_ZONES: dict[str, tzinfo] = {
    "UTC": UTC,
    "GMT": UTC,
    "Z": UTC,
    **{
        name: timezone(timedelta(minutes=minutes))
        for name, minutes in ZONE_ABBREVIATIONS.items()
        if name not in AMBIGUOUS_ZONES
    },
}
"""Fixed offsets of the zone names a syslog header writes after its time (Cisco's ``clock timezone`` and
``show-timezone``): ``Mar 14 2026 08:15:00 EST: %ASA-...``. CST is US Central, as in the table above: a
device set to ``clock timezone CST 8`` (China) is read 14 hours off, and should log in UTC or without the name."""

_ISO_OFFSET = re.compile(r"([+-])-?(\d{1,2}):?(\d\d)$")

_EPOCH_DIGITS = 14
"""Up to here a decimal epoch value is read by ``epoch_timestamp`` (milliseconds up to the year 5138); longer
ones take the ``datetime`` path, which refuses years past 9999."""
_MILLIS_ABOVE = 100_000_000_000
"""An epoch value above this counts milliseconds (as seconds it would be past the year 5138)."""


class SyslogClock:
    """Header timestamps → ECS ``@timestamp`` strings, cached per minute and setting.

    Building and formatting datetimes dominates header cost, and a log's lines
    share their minute: the UTC form of each minute (zone, DST and inferred
    year applied) is computed once, seconds and fractions are appended as
    written (every zone's offset is whole minutes). The cache (``minutes``,
    native) belongs to one zone and year setting and starts afresh every few
    minutes so an inferred year follows the calendar in long-running
    listeners. The native parsers are given it with the context: a time whose
    minute it holds comes back whole, and only the others come here.
    """

    def __init__(self) -> None:
        self.minutes = secops_native.Minutes()

    def parts(self, time: tuple[Any, ...], ctx: ParseContext) -> str:
        """A time as ``secops_native`` splits it: ``(key, seconds, *parts)``, parts as ``bsd_parts`` or
        ``iso_parts`` take them, or ``(stamp,)`` for ``iso`` to read whole.

        ``key`` names the minute as this cache does and ``seconds`` ends the
        time as ``ecs.format_ts`` writes it (both None when the second is not a
        clock second): a minute already seen costs one lookup.
        """
        if len(time) == 1:
            return self.iso(time[0], ctx)
        key = time[0]
        if key is not None:
            prefix = self.minutes.get(ctx, key)
            if prefix is not None:
                return prefix + time[1]
        if len(time) == 7:
            _, _, stamp, minute, second, fraction, zone = time
            return self.bsd_parts(stamp, minute, second, fraction, zone, ctx)
        _, _, stamp, date, minute, second, fraction, offset = time
        return self.iso_parts(stamp, date, minute, second, fraction, offset, ctx)

    def bsd(self, stamp: str, zone: str | None, ctx: ParseContext) -> str:
        """``Mmm dd [yyyy] hh:mm:ss[.fff]``; ``zone`` is the zone name written after it (UTC, EST…), if any."""
        parts = _BSD_PARTS.match(stamp)
        if parts is None:
            return ecs.format_ts(_bsd_datetime(stamp, zone, ctx))  # raises a ParseError with the reason
        minute, second, fraction = parts.groups()
        return self.bsd_parts(stamp, minute, second, fraction, zone, ctx)

    def bsd_parts(
        self, stamp: str, minute: str, second: str, fraction: str | None, zone: str | None, ctx: ParseContext
    ) -> str:
        """``bsd`` for a stamp a pattern has already split: ``minute`` is ``Mmm dd [yyyy] hh:mm``."""
        if second[0] not in "012345":
            return self.bsd(stamp, zone, ctx)  # not a clock second: the general path says why
        key = minute if zone is None else minute + zone
        prefix = self.minutes.get(ctx, key)
        if prefix is None:
            prefix = ecs.format_ts(_bsd_datetime(minute + ":00", zone, ctx, written=stamp))[:17]
            self.minutes.put(ctx, key, prefix)
        return prefix + second + (_fraction(fraction) if fraction else ".000Z")

    def iso(self, stamp: str, ctx: ParseContext) -> str:
        """RFC 3339 / ISO 8601, with the context's zone when the stamp has none."""
        parts = _ISO_PARTS.match(stamp)
        if parts is None:
            found = self.minutes.get(ctx, stamp)  # unusual shapes: cached whole
            if found is None:
                found = ecs.format_ts(iso_datetime(stamp, ctx))
                self.minutes.put(ctx, stamp, found)
            return found
        date, minute, second, fraction, offset = parts.groups()
        return self.iso_parts(stamp, date, minute, second, fraction, offset, ctx)

    def iso_parts(
        self,
        stamp: str,
        date: str,
        minute: str,
        second: str,
        fraction: str | None,
        offset: str | None,
        ctx: ParseContext,
    ) -> str:
        """``iso`` for a stamp a pattern has already split: ``date`` ``YYYY-MM-DD``, ``minute`` ``hh:mm``."""
        if second[0] not in "012345":
            return self.iso(stamp, ctx)  # not a clock second: the general path says why
        key = f"{date}T{minute}{offset}" if offset else f"{date}T{minute}"
        prefix = self.minutes.get(ctx, key)
        if prefix is None:
            prefix = ecs.format_ts(iso_datetime(f"{date}T{minute}:00{offset or ''}", ctx, written=stamp))[:17]
            self.minutes.put(ctx, key, prefix)
        return prefix + second + (_fraction(fraction) if fraction else ".000Z")


_BSD_PARTS = re.compile(r"([A-Z][a-z]{2} +\d{1,2} +(?:\d{4} +)?\d{1,2}:\d\d):([0-5]\d)(?:\.(\d{1,9}))?$")
_ISO_PARTS = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d):([0-5]\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?$")


def _fraction(digits: str | None) -> str:
    """Seconds' fraction as ``ecs.format_ts`` writes it: milliseconds, or microseconds when finer."""
    if not digits:
        return ".000Z"
    micro = (digits + "00000")[:6]
    return f".{micro[:3]}Z" if micro.endswith("000") else f".{micro}Z"


DEFAULT_CLOCK = SyslogClock()


def iso_datetime(stamp: str, ctx: ParseContext, *, written: str | None = None) -> datetime:
    """An ISO 8601 timestamp as an aware datetime; zone-less stamps take the context's zone.

    Tolerates ``2023-01-13T10:10:16--5:00`` (a doubled sign and one-digit hour
    seen from Check Point) and nanosecond fractions. ``written`` is the stamp as
    the record gave it, for the error, when ``stamp`` is a part rebuilt from it.
    """
    text = stamp.replace(" ", "T", 1)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    else:
        offset = _ISO_OFFSET.search(text)
        if offset is not None and offset.start() > 16:
            sign, hours, minutes = offset.groups()
            text = f"{text[: offset.start()]}{sign}{int(hours):02d}:{minutes}"
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        if digits > 6:
            text = head + "." + tail[:6] + tail[digits:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ParseError(f"bad timestamp {written or stamp!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=ctx.timezone)


def _bsd_datetime(stamp: str, zone: str | None, ctx: ParseContext, *, written: str | None = None) -> datetime:
    parts = stamp.split()
    month = MONTHS[parts[0]]
    day = int(parts[1])
    year = int(parts[2]) if len(parts) == 4 else None
    clock = parts[-1]
    hms, _, fraction = clock.partition(".")
    hour, minute, second = (int(x) for x in hms.split(":"))
    micro = int((fraction + "000000")[:6]) if fraction else 0
    tz = ctx.timezone if zone is None else HEADER_ZONES.get(zone, ctx.timezone)  # IST: the context's zone
    if year is None:
        year = ctx.year
    if year is not None:
        try:
            return datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        except ValueError as exc:
            raise ParseError(f"bad date {written or stamp!r}") from exc
    return infer_year(month, day, hour, minute, second, micro, tz)


def infer_year(
    month: int, day: int, hour: int, minute: int, second: int, micro: int, tz: tzinfo, now: datetime | None = None
) -> datetime:
    """The latest year that does not put a year-less moment more than a day into the future."""
    now = now or datetime.now(tz)
    limit = now + timedelta(days=1)
    for year in range(now.year, now.year - 8, -1):  # Feb 29 may need a leap year
        try:
            candidate = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate
    raise ParseError(f"impossible date: month {month} day {day}")


_DEVICE_TIME = re.compile(
    r"((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} +(?:\d{4} +)?\d{1,2}:\d\d:\d\d(?:\.\d{1,9})?)"
    r"(?: +(UTC|GMT|Z|(?:GMT|UTC)?[+-]\d\d?:?\d\d|[A-Z]{2,5}))?$"
)
_ZONE_OFFSET = re.compile(r"(?:GMT|UTC)?([+-])(\d\d?):?(\d\d)$")


def zone_minutes(written: str) -> int | None:
    """Minutes east of UTC that a zone written after a device time names, or None when it names none.

    UTC, GMT and Z; an offset, bare or after GMT/UTC or a name (``+0100``,
    ``GMT+01:00``, ``PST-08:00``); a common abbreviation (``ZONE_ABBREVIATIONS``).
    """
    if written in ("Z", "UTC", "GMT"):
        return 0
    found = _ZONE_OFFSET.search(written)
    if found is not None:
        sign, hours, minutes = found.groups()
        total = int(hours) * 60 + int(minutes)
        return -total if sign == "-" else total
    return ZONE_ABBREVIATIONS.get(written)


def epoch_timestamp(seconds: int, millis: int = 0) -> str:
    """ECS time of whole epoch seconds (UTC) and milliseconds; records in a row share the minute's text."""
    minute, second = divmod(seconds, 60)
    return f"{_epoch_minute(minute)}{second:02d}.{millis:03d}Z"


@lru_cache(maxsize=1 << 12)
def _epoch_minute(minute: int) -> str:
    """``YYYY-MM-DDTHH:MM:`` of a minute since the epoch (UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:", time.gmtime(minute * 60))


def device_timestamp(value: str, ctx: ParseContext, *, clock: SyslogClock | None = None) -> str | None:
    """A device time field (CEF ``rt``, LEEF ``devTime``…) as ECS ``@timestamp``, or None.

    Accepts epoch milliseconds or seconds (with a fraction or not), ISO 8601,
    and the syslog-like ``Mmm dd [yyyy] hh:mm:ss[.fff] [zone]`` that ArcSight
    and QRadar document, the zone written as UTC/GMT/Z, as an offset
    (``+0100``, ``GMT+01:00``) or as a common abbreviation (``CET``, ``PDT``).
    A value that is not a time, or not a possible one, is None: the record
    keeps its other fields and the caller its fallback time.
    """
    clock = clock or DEFAULT_CLOCK
    value = value.strip()
    try:
        if value.isdecimal() and len(value) <= _EPOCH_DIGITS:  # whole seconds or milliseconds, as most send
            whole = int(value)
            return epoch_timestamp(*(divmod(whole, 1000) if whole > _MILLIS_ABOVE else (whole, 0)))
        if value.isdecimal() or (value.count(".") == 1 and value.replace(".", "", 1).isdecimal()):
            number = float(value) if "." in value else int(value)
            seconds = number / 1000 if number > _MILLIS_ABOVE else number
            return ecs.format_ts(datetime.fromtimestamp(seconds, UTC))
        found = _DEVICE_TIME.match(value)
        if found is not None:
            stamp, zone = found.groups()
            if zone in ("UTC", "GMT", "Z"):
                return clock.bsd(stamp, zone, ctx)
            offset = zone_minutes(zone) if zone else None
            if offset is None:  # no zone, or one this table does not know: the context's
                return clock.bsd(stamp, None, ctx)
            return ecs.format_ts(_bsd_datetime(stamp, "UTC", ctx) - timedelta(minutes=offset))
        if len(value) >= 19 and value[4] == "-" and value[7] == "-":
            return clock.iso(value, ctx)
    except (ParseError, ValueError, OverflowError, OSError):
        return None
    return None
