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

Header times become ECS timestamps in ``collectors.syslog_time``, which
also infers a 3164 time's missing year and zone. Structured data is read leniently: vendors
emit curly quotes and unescaped brackets, and one bad parameter must not lose
the others. A bracketed block that is not RFC 5424 structured data (Check
Point's ``[action:"Accept"; ...]``) stays in the message for the vendor parser.

Only the header is interpreted here; the message belongs to the vendor parser.
This module registers no parser.

References: RFC 3164 §4.1, RFC 5424 §6, RFC 5425 (TLS transport).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import repeat

from collectors.syslog_time import AMBIGUOUS_ZONES, DEFAULT_CLOCK, HEADER_ZONES, SyslogClock
from secops.registry import ParseContext


def _by_first_letter(names: list[str]) -> str:
    """``A(?:KST|EST)|B(?:ST)|…``: a regex alternation in which only the branch of the right first letter is
    tried (``re`` skips a branch whose leading literal differs), where a flat one tries every name."""
    branches: dict[str, list[str]] = {}
    for name in sorted(names, key=len, reverse=True):
        branches.setdefault(name[0], []).append(name[1:])
    return "|".join(first + (f"(?:{'|'.join(rests)})" if any(rests) else "") for first, rests in branches.items())


_ZONE_NAME = _by_first_letter([*HEADER_ZONES, *AMBIGUOUS_ZONES])

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

    def process_fields(self) -> dict[str, object]:
        """``process.name`` and ``process.pid`` from the tag (``sshd[4120]``), empty when there is none."""
        if not self.app:
            return {}
        process: dict[str, object] = {"name": self.app}
        if self.procid and self.procid.isdecimal():
            process["pid"] = int(self.procid)
        return process

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


_BSD_TIME_TEXT = rf"{_MONTH} +\d{{1,2}} +(?:\d{{4}} +)?\d{{1,2}}:\d\d:\d\d"
_BSD_TIME = re.compile(_BSD_TIME_TEXT)
_RELAYED_FIRST = frozenset("<123JFMASOND")
_RELAYED = re.compile(rf"<\d{{1,3}}>|\d{{4}}-\d\d-\d\d[T ]\d\d:\d\d:\d\d|{_BSD_TIME_TEXT}")
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
