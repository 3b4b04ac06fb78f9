"""Syslog headers, shared by every collector whose records travel over syslog.

Two header families exist, and devices bend both:

RFC 3164 (BSD)::

    <134>Jul  3 19:10:30 fw01 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,...
    Sep 29 2022 15:00:15 hosty : %FTD-6-602303: IPSEC: ...          (Cisco: year, " : ")
    May  5 17:51:17: %ASA-4-313005: ...                              (no host)
    Mar 14 2026 08:15:00 EST: %ASA-6-302013: ...                     (Cisco: a zone name after the time)
    52: 000051: *Mar  1 00:01:05.123: %SYS-5-CONFIG_I: ...           (Cisco: counter, sequence number, * unsynced)
    2021-03-12T14:10:18Z host kernel: [...] IN=eth0 ...              (rsyslog ISO stamp)
    Nov 27 10:00:05 relay01 <134>Nov 27 10:00:00 fw01 app: ...        (a relay's header first)

RFC 5424::

    <14>1 2019-11-14T09:37:51.184+01:00 SRX-GW1 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636 a="1"] msg

A 3164 timestamp has neither year nor zone: the zone is ``ParseContext.timezone``
and the year ``ParseContext.year`` or, when unset, the latest year that does not
put the moment more than a day into the future (a December line read in
January belongs to last year). Structured data is read leniently: vendors
emit curly quotes and unescaped brackets, and one bad parameter must not lose
the others. A bracketed block that is not RFC 5424 structured data (Check
Point's ``[action:"Accept"; ...]``) stays in the message for the vendor parser.

Only the header is interpreted here; the message belongs to the vendor parser.
This module registers no parser.

References: RFC 3164 §4.1, RFC 5424 §6, RFC 5425 (TLS transport).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from itertools import repeat

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
_AMBIGUOUS_ZONES = frozenset(["IST"])
"""Zone names a syslog header may write that fix no offset: IST is India (+05:30), Irish Summer Time
(+01:00) or Israel (+02:00). Such a name is read as the zone, not as the host, and the time is left in
the context's zone: the one configured for the source is the only reliable answer. (``device_timestamp``
still reads IST as India.)"""
_HEADER_ZONES: dict[str, tzinfo] = {"UTC": UTC, "GMT": UTC, "Z": UTC} | {
    name: timezone(timedelta(minutes=minutes))
    for name, minutes in ZONE_ABBREVIATIONS.items()
    if name not in _AMBIGUOUS_ZONES
}
"""Fixed offsets of the zone names a syslog header writes after its time (Cisco's ``clock timezone`` and
``show-timezone``): ``Mar 14 2026 08:15:00 EST: %ASA-...``. CST is US Central, as in the table above: a
device set to ``clock timezone CST 8`` (China) is read 14 hours off, and should log in UTC or without the name."""


def _by_first_letter(names: list[str]) -> str:
    """``A(?:KST|EST)|B(?:ST)|…``: a regex alternation in which only the branch of the right first letter is
    tried (``re`` skips a branch whose leading literal differs), where a flat one tries every name."""
    branches: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        branches.setdefault(name[0], []).append(name[1:])
    return "|".join(first + (f"(?:{'|'.join(rests)})" if any(rests) else "") for first, rests in branches.items())


_ZONE_NAME = _by_first_letter([*_HEADER_ZONES, *_AMBIGUOUS_ZONES])

_MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_IPV6_HOST = r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*:[0-9A-Fa-f.]*[0-9A-Fa-f]"
"""A host written as an IPv6 address (a relay's ``%fromhost-ip%``): two colons at least, ending in a hex digit."""
# One match reads a whole RFC 3164 header: priority, either timestamp form (split into the parts the
# per-minute cache needs), then the first of tag / host + tag / host that fits, in that order. The
# possessive ``++`` stops a word from being retried one character shorter: none of them can end early.
# A zone name after a BSD time (Cisco's ``show-timezone``) counts when it is the whole word (``Zeus`` is
# a host); ``(?:…|)`` rather than ``(?:…)?`` around it, as ``re`` repeats a group holding a lookahead
# slowly. What Cisco writes before the time is read by ``_CISCO_PREFIX``, off this common path.
_BSD = re.compile(
    r"(?:<(\d{1,3})>)?:?\s*"
    rf"(?:(({_MONTH} +\d{{1,2}} +(?:\d{{4}} +)?\d{{1,2}}:\d\d):(\d\d)(?:\.(\d{{1,9}}))?)"
    rf"(?: ({_ZONE_NAME})(?![^\s:])|)"
    r"|((\d{4}-\d\d-\d\d)[T ](\d\d:\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?))?"
    r":? ?()"
    r"(?:([^\s\[\]:]++)(?:\[([^\]\s]*)\])?:(?: |$)"
    rf"|([^\s:]++|{_IPV6_HOST}) +([^\s\[\]:]++)(?:\[([^\]\s]*)\])?:(?: |$)"
    rf"|([^\s:\[]++|{_IPV6_HOST}) +)?"
)
_BSD_STAMP_END = 13
_CISCO_PREFIX = re.compile(r"(?:(\d{1,10}): +(?:(?!\d{1,10}:)([^\s:]++): +)?(?:(\d{1,10}): +)?)?[*.]?")
"""What Cisco devices write before a BSD time, each part with a colon: a message counter, a host
(``logging origin-id``) and a ``service sequence-numbers`` number; then ``*`` (clock not synchronised)
or ``.`` (synchronised, but in doubt): ``<189>52: 000051: *Mar  1 00:01:05.123: %SYS-5-CONFIG_I: ...``."""
_CISCO_PREFIX_FIRST = frozenset("0123456789*.")
_5424 = re.compile(
    r"<(\d{1,3})>(\d{1,2}) "
    r"(?:((\d{4}-\d\d-\d\d)T(\d\d:\d\d):([0-5]\d)(?:\.(\d{1,9}))?(Z|z|[+-]\d\d:?\d\d)?)|(\S+)) "
    r"(\S+) (\S+) (\S+) (\S+) ?"
)
_SD_ID = re.compile(r'\[([^\s\]"=:;]+)(?= |\])')
_SD_PARAM = re.compile(r'([^\s="\]]+)="([^"\\]*(?:\\.[^"\\]*)*)"')
_SD_ESCAPE = re.compile(r"\\([\"\\\]])")
_ISO_OFFSET = re.compile(r"([+-])-?(\d{1,2}):?(\d\d)$")


@dataclass(slots=True)
class SyslogHeader:
    """What a syslog header says; ``message`` is everything after it."""

    message: str
    priority: int | None = None
    timestamp: str | None = None
    """ECS ``@timestamp`` (UTC, RFC 3339), or None when the header has no time."""
    hostname: str | None = None
    app: str | None = None
    procid: str | None = None
    msgid: str | None = None
    structured: dict[str, dict[str, str]] | None = None
    version: int | None = None
    sequence: int | None = None
    """The device's message number written before a BSD time (Cisco: ``<166>1234: fw01: Mar 14 ...``)."""

    def log_fields(self) -> dict[str, object]:
        """``log.syslog.*`` as Elastic's integrations fill them."""
        syslog: dict[str, object] = {}
        if self.priority is not None:
            syslog["priority"] = self.priority
            syslog["facility"] = {"code": self.priority >> 3}
            syslog["severity"] = {"code": self.priority & 7}
        if self.hostname:
            syslog["hostname"] = self.hostname
        if self.app:
            syslog["appname"] = self.app
        if self.procid:
            syslog["procid"] = self.procid
        if self.msgid:
            syslog["msgid"] = self.msgid
        if self.version is not None:
            syslog["version"] = str(self.version)
        if self.structured:
            syslog["structured_data"] = self.structured
        return syslog


def parse_header(line: str, ctx: ParseContext, *, clock: SyslogClock | None = None) -> SyslogHeader:
    """Split a syslog line into header fields and message; tolerant of vendor variants.

    A line without any header yields just ``message``: many devices log to
    files or forward without one, and the vendor parser decides what it needs.
    A relay that writes its own header before the device's (``<pri>``, time
    and host, then the received line with its ``<pri>``, time or host) leaves
    two: the device's values win, the relay's fill what the device left out
    (a device that names no host is known by the address the relay wrote).
    """
    return _parse(line, ctx, clock or DEFAULT_CLOCK, _RELAYS)


_RELAYS = 2
"""Relay headers read before the device's: two hops at most, so a line of repeated headers is no deep recursion."""


def _parse(line: str, ctx: ParseContext, clock: SyslogClock, relays: int) -> SyslogHeader:
    if line.startswith("<"):
        found = _5424.match(line)
        if found is not None:
            header = _rfc5424(line, found, ctx, clock)
            if relays and header.app is None and header.message[:1] in _RELAYED_FIRST:
                return _relayed(header, ctx, clock, relays)
            return header
    found = _BSD.match(line)
    if found is None:  # pragma: no cover - every part of the pattern is optional
        return SyslogHeader(line)
    pri, bsd, minute, second, fraction, zone, iso, date, iso_minute, iso_second, iso_fraction, offset, _, *tags = (
        found.groups()
    )
    priority = int(pri) if pri else None
    if bsd:
        timestamp = clock.bsd_parts(bsd, minute, second, fraction, zone, ctx)
    elif iso:
        timestamp = clock.iso_parts(iso, date, iso_minute, iso_second, iso_fraction, offset, ctx)
    elif line.startswith("\ufeff"):  # a byte order mark before the header: the first line of some files
        return _parse(line.lstrip("\ufeff"), ctx, clock, relays)
    else:
        at = found.end(_BSD_STAMP_END)
        if line[at : at + 1] in _CISCO_PREFIX_FIRST:
            return _cisco_prefixed(line, at, priority, ctx, clock, relays)
        return SyslogHeader(line[at:], priority)
    app, procid, host, app2, procid2, host_only = tags
    if app is not None:
        return SyslogHeader(line[found.end() :], priority, timestamp, None, app, procid)
    if app2 is not None:
        return SyslogHeader(line[found.end() :], priority, timestamp, host, app2, procid2)
    header = (
        SyslogHeader(line[found.end() :], priority, timestamp, host_only)
        if host_only is not None
        else SyslogHeader(line[found.end(_BSD_STAMP_END) :], priority, timestamp)
    )
    if relays and header.message[:1] in _RELAYED_FIRST:
        return _relayed(header, ctx, clock, relays)
    return header


def _cisco_prefixed(
    line: str, at: int, priority: int | None, ctx: ParseContext, clock: SyslogClock, relays: int
) -> SyslogHeader:
    """The header when a Cisco prefix (``_CISCO_PREFIX``) at ``at`` stands before a BSD time; else no time.

    The last number is the device's own (``service sequence-numbers`` after the message counter); the
    prefix's host stands in when none follows the time.
    """
    found = _CISCO_PREFIX.match(line, at)  # always matches, if only the empty string
    rest = line[found.end() :]
    if _BSD_TIME.match(rest) is None:
        return SyslogHeader(line[at:], priority)
    header = _parse(rest, ctx, clock, relays)
    if header.priority is None:
        header.priority = priority
    counter, host, number = found.groups()
    if counter is not None:
        header.sequence = int(number or counter)
    if not header.hostname:
        header.hostname = host
    return header


_BSD_TIME = re.compile(rf"{_MONTH} +\d{{1,2}} +(?:\d{{4}} +)?\d{{1,2}}:\d\d:\d\d")
_RELAYED_FIRST = frozenset("<123JFMASOND")
_RELAYED = re.compile(
    rf"<\d{{1,3}}>|\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d:\d\d|{_MONTH} +\d{{1,2}} +(?:\d{{4}} +)?\d{{1,2}}:\d\d:\d\d"
)
"""The start of a second header: a priority, or a timestamp in either form."""


def _relayed(relay: SyslogHeader, ctx: ParseContext, clock: SyslogClock, relays: int) -> SyslogHeader:
    """The device's header after a relay's, the relay's values filling the gaps; ``relay`` when there is none."""
    if _RELAYED.match(relay.message) is None:
        return relay
    device = _parse(relay.message, ctx, clock, relays - 1)
    if device.timestamp is None:
        device.timestamp = relay.timestamp
    if device.priority is None:
        device.priority = relay.priority
    if not device.hostname:
        device.hostname = relay.hostname
    if device.structured is None:
        device.structured = relay.structured
    return device


def _rfc5424(line: str, found: re.Match[str], ctx: ParseContext, clock: SyslogClock) -> SyslogHeader:
    pri, version, iso, date, minute, second, fraction, offset, stamp, host, app, procid, msgid = found.groups()
    if iso:
        timestamp = clock.iso_parts(iso, date, minute, second, fraction, offset, ctx)
    else:
        timestamp = None if stamp == "-" else clock.iso(stamp, ctx)
    header = SyslogHeader(
        "",
        int(pri),
        timestamp,
        None if host == "-" else host,
        None if app == "-" else app,
        None if procid == "-" else procid,
        None if msgid == "-" else msgid,
        version=int(version),
    )
    rest = line[found.end() :]
    if rest.startswith("- ") or rest == "-":
        rest = rest[2:]
    elif rest.startswith("["):
        structured, used = parse_structured_data(rest)
        if structured is not None:
            header.structured = structured
            rest = rest[used:].lstrip(" ")
    header.message = rest.removeprefix("\ufeff")
    return header


def parse_structured_data(text: str) -> tuple[dict[str, dict[str, str]] | None, int]:
    """RFC 5424 SD-ELEMENTs at the start of ``text`` and how many characters they took.

    Returns ``(None, 0)`` when the brackets hold something else (Check Point's
    ``key:"value";`` lists), so the caller keeps them as message text.
    """
    elements: dict[str, dict[str, str]] = {}
    pos = 0
    while pos < len(text) and text[pos] == "[":
        if _SD_ID.match(text, pos) is None:
            break
        end = _element_end(text, pos)
        if end < 0:
            break
        sd_id, _, params = text[pos + 1 : end].partition(" ")
        elements[sd_id] = _params(params)
        pos = end + 1
    return (elements or None), pos


def _element_end(text: str, pos: int) -> int:
    """Where the SD-ELEMENT opened at ``pos`` closes, or -1.

    RFC 5424 §6.3.3 wants ``]`` escaped inside a value, so the first bare
    ``]`` would close the element; devices also write it unescaped
    (``policy-name="p [1]"``). A ``]`` right after a value's closing quote
    and before the next element, a space or the end closes it; another one
    closes it when an even number of quotes precede it (it is not inside a
    value). When quotes do not pair up, the first bare ``]`` is taken.
    """
    first = -1
    quotes, counted = 0, pos  # quotes before ``counted``, kept as the scan goes on: one pass, however many "]"
    end = text.find("]", pos)
    while end > 0:
        if text[end - 1] == '"' and text[end + 1 : end + 2] in ("", " ", "["):
            return end
        if text[end - 1] != "\\":
            if first < 0:
                first = end
            quotes += text.count('"', counted, end) - text.count('\\"', counted, end)
            counted = end
            if not quotes % 2:
                return end
        end = text.find("]", end + 1)
    return first


def _params(text: str) -> dict[str, str]:
    """``name="value"`` pairs; a plain split when nothing is escaped, the full grammar otherwise."""
    if "\\" not in text and '"" ' not in text:
        # One C-level pass for the common shape: every item is `name="value` with a bare name.
        names, seps, values = zip(*map(str.partition, text.split('" '), repeat('="')), strict=True)
        joined = "".join(names)
        if all(seps) and "=" not in joined and joined.split() == [joined]:
            out = dict(zip(names, values, strict=True))
            last = values[-1]
            if last.endswith('"'):
                out[names[-1]] = last[:-1]
            return out
    if "\\" not in text:
        out = {}
        for item in text.split('" '):
            name, sep, value = item.partition('="')
            if not sep or " " in name.strip() or "=" in name:
                break
            out[name.strip()] = value[:-1] if value.endswith('"') else value
        else:
            return out
    return {k: _unescape(v) for k, v in _SD_PARAM.findall(text)}


def _unescape(value: str) -> str:
    return _SD_ESCAPE.sub(r"\1", value) if "\\" in value else value


_CACHE_SIZE = 65536
_CACHE_SECONDS = 600.0


class SyslogClock:
    """Header timestamps → ECS ``@timestamp`` strings, cached per minute and setting.

    Building and formatting datetimes dominates header cost, and a log's lines
    share their minute: the UTC form of each minute (zone, DST and inferred
    year applied) is computed once, seconds and fractions are appended as
    written (every zone's offset is whole minutes). The cache belongs to one
    zone and year setting and is dropped every few minutes so an inferred
    year follows the calendar in long-running listeners.
    """

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._zone: object = None
        self._year: int | None = None
        self._since = 0.0

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
        prefix = self._cache.get(key)
        if prefix is None or ctx.timezone is not self._zone or ctx.year != self._year:
            prefix = self._lookup(key, ctx)
            if prefix is None:
                moment = _bsd_datetime(minute + ":00", zone, ctx, written=stamp)
                prefix = self._cache[key] = ecs.format_ts(moment)[:17]
        return prefix + second + (_fraction(fraction) if fraction else ".000Z")

    def iso(self, stamp: str, ctx: ParseContext) -> str:
        """RFC 3339 / ISO 8601, with the context's zone when the stamp has none."""
        parts = _ISO_PARTS.match(stamp)
        if parts is None:
            found = self._lookup(stamp, ctx)  # unusual shapes: cached whole
            if found is None:
                found = self._cache[stamp] = ecs.format_ts(iso_datetime(stamp, ctx))
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
        prefix = self._cache.get(key)
        if prefix is None or ctx.timezone is not self._zone or ctx.year != self._year:
            prefix = self._lookup(key, ctx)
            if prefix is None:
                moment = iso_datetime(f"{date}T{minute}:00{offset or ''}", ctx, written=stamp)
                prefix = self._cache[key] = ecs.format_ts(moment)[:17]
        return prefix + second + (_fraction(fraction) if fraction else ".000Z")

    def _lookup(self, key: str, ctx: ParseContext) -> str | None:
        found = self._cache.get(key)
        if found is not None and ctx.timezone is self._zone and ctx.year == self._year:
            return found
        moment = time.monotonic()
        if (
            ctx.timezone is not self._zone
            or ctx.year != self._year
            or len(self._cache) >= _CACHE_SIZE
            or moment - self._since > _CACHE_SECONDS
        ):
            self._cache.clear()
            self._zone, self._year, self._since = ctx.timezone, ctx.year, moment
        return None


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
    tz = ctx.timezone if zone is None else _HEADER_ZONES.get(zone, ctx.timezone)  # IST: the context's zone
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
    r"(?: +(?:(UTC|GMT|Z)|(?:GMT|UTC)?([+-]\d\d?):?(\d\d)|([A-Z]{2,5})))?$"
)


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
        if value.isdecimal() or (value.count(".") == 1 and value.replace(".", "", 1).isdecimal()):
            number = float(value) if "." in value else int(value)
            seconds = number / 1000 if number > 100_000_000_000 else number
            return ecs.format_ts(datetime.fromtimestamp(seconds, UTC))
        found = _DEVICE_TIME.match(value)
        if found is not None:
            stamp, utc, hours, minutes, name = found.groups()
            if hours is None and name is not None:
                offset = ZONE_ABBREVIATIONS.get(name)
                if offset is None:
                    return clock.bsd(stamp, None, ctx)
            elif hours is None:
                return clock.bsd(stamp, utc, ctx)
            else:
                offset = int(hours[1:]) * 60 + int(minutes)
                offset = -offset if hours[0] == "-" else offset
            return ecs.format_ts(_bsd_datetime(stamp, "UTC", ctx) - timedelta(minutes=offset))
        if len(value) >= 19 and value[4] == "-" and value[7] == "-":
            return clock.iso(value, ctx)
    except (ParseError, ValueError, OverflowError, OSError):
        return None
    return None
