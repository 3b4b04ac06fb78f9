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

The header is split in ``collectors/native/src/syslog_header.rs``; the times are converted here.

References: RFC 3164 §4.1, RFC 5424 §6, RFC 5425 (TLS transport).
"""

from __future__ import annotations

from dataclasses import dataclass

import secops_native

from collectors.syslog_time import AMBIGUOUS_ZONES, DEFAULT_CLOCK, HEADER_ZONES, SyslogClock
from secops.registry import ParseContext

secops_native.set_header_zones([*HEADER_ZONES, *AMBIGUOUS_ZONES])
_split = secops_native.syslog_header


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
    message, priority, time, hostname, app, procid, msgid, structured, version, sequence = _split(line)
    if time is not None:
        time = header_timestamp(time, ctx, clock or DEFAULT_CLOCK)
    return SyslogHeader(message, priority, time, hostname, app, procid, msgid, structured, version, sequence)


HeaderTime = tuple[str | None, ...] | str | list[tuple[str | None, ...] | str]
"""A header time as the native split gives it (``secops_native.syslog_header`` and the firewall parsers)."""


MINUTES = DEFAULT_CLOCK.minutes
"""The minute cache the native parsers are given with the context: that of ``header_timestamp``'s clock."""


def header_timestamp(time: HeaderTime | None, ctx: ParseContext, clock: SyslogClock = DEFAULT_CLOCK) -> str | None:
    """The ECS time of a header time as the native split gives it, None for none.

    The time itself, when the native parser found its minute in the clock's
    cache (the caller gave it ``clock.minutes`` with ``ctx``); a BSD or ISO
    time's parts, or an unusual stamp alone in a tuple (``SyslogClock.parts``);
    or a list of those when a relay's header and the device's each carry a
    time: each is read in turn (a bad one raises, whichever header it is in)
    and the device's, the last, is the header's.
    """
    if time is None or type(time) is str:
        return time
    if type(time) is tuple:
        return clock.parts(time, ctx)
    stamp = None
    for one in time:
        stamp = header_timestamp(one, ctx, clock)
    return stamp


def parse_structured_data(text: str) -> tuple[dict[str, dict[str, str]] | None, int]:
    """RFC 5424 SD-ELEMENTs at the start of ``text`` and how many characters they took.

    Returns ``(None, 0)`` when the brackets hold something else (Check Point's
    ``key:"value";`` lists), so the caller keeps them as message text. Values
    are read leniently: an unescaped ``]`` inside a quoted value, curly quotes,
    and one bad parameter does not lose the others.
    """
    return secops_native.structured_data(text)
