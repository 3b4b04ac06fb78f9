"""Syslog headers as relays and devices write them beyond the textbook forms.

Each case is a line shape seen in the field: a relay (rsyslog, syslog-ng)
putting its own header before the device's, a relay naming the sender by an
IPv6 address, structured data whose values hold an unescaped ``]``, and
device time fields (CEF ``rt``, LEEF ``devTime``) with zones and values that
are not times at all.
"""

from __future__ import annotations

import time

import pytest

from collectors.syslog_header import SyslogHeader, parse_header
from collectors.syslog_time import SyslogClock, device_timestamp
from secops.registry import ParseContext

CTX = ParseContext(year=2026)


def header(line: str) -> SyslogHeader:
    return parse_header(line, CTX, clock=SyslogClock())


@pytest.mark.parametrize(
    ("line", "timestamp", "host", "app", "pid", "priority", "message"),
    [
        # rsyslog's default file template in front of what a device sent (its PRI stripped or kept)
        ("<13>Nov 27 10:00:05 relay01 Nov 27 10:00:00 fw01 filterlog[1234]: 69,,,", "2026-11-27T10:00:00.000Z",
         "fw01", "filterlog", "1234", 13, "69,,,"),
        ("<13>Nov 27 10:00:05 relay01 <134>Nov 27 10:00:00 fw01 filterlog[1234]: 69,,,", "2026-11-27T10:00:00.000Z",
         "fw01", "filterlog", "1234", 134, "69,,,"),
        # an ISO-stamped relay file, a device that names no host: the relay's field for the sender stays
        ("2026-11-27T10:00:05.5+01:00 10.0.0.1 Nov 27 2026 10:00:00: %ASA-6-302013: Built",
         "2026-11-27T10:00:00.000Z", "10.0.0.1", "%ASA-6-302013", None, None, "Built"),
        # RFC 5424 from the relay around an RFC 3164 line
        ("<14>1 2026-11-27T10:00:05Z relay01 - - - - Nov 27 10:00:00 gw kernel: [UFW BLOCK] IN=eth0",
         "2026-11-27T10:00:00.000Z", "gw", "kernel", None, 14, "[UFW BLOCK] IN=eth0"),
        # a relay that adds a header before a device line without a time keeps its time
        ("<13>Nov 27 10:00:05 relay01 <134>id=firewall sn=1", "2026-11-27T10:00:05.000Z", "relay01", None, None,
         134, "id=firewall sn=1"),
        # the sender written as an IPv6 address
        ("<134>Nov 27 10:00:00 2001:db8::1 filterlog[7]: 5,,,", "2026-11-27T10:00:00.000Z", "2001:db8::1",
         "filterlog", "7", 134, "5,,,"),
        ("Nov 27 10:00:00 fe80::20c:29ff:fe12:3456 id=firewall sn=1", "2026-11-27T10:00:00.000Z",
         "fe80::20c:29ff:fe12:3456", None, None, None, "id=firewall sn=1"),
        # a message that merely starts like a date is not a second header
        ("<134>Nov 27 10:00:00 host app: Nov 27 was the date", "2026-11-27T10:00:00.000Z", "host", "app", None,
         134, "Nov 27 was the date"),
    ],
)  # fmt: skip
def test_relayed_and_ipv6_headers(
    line: str, timestamp: str, host: str, app: str | None, pid: str | None, priority: int | None, message: str
) -> None:
    found = header(line)
    assert (found.timestamp, found.hostname, found.app, found.procid, found.priority, found.message) == (
        timestamp,
        host,
        app,
        pid,
        priority,
        message,
    )


def test_relayed_rfc5424_keeps_the_device_structured_data() -> None:
    found = header(
        "<13>Nov 27 10:00:05 relay01 <14>1 2026-11-27T10:00:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE "
        '[junos@2636.1.1.1.2.129 source-address="10.0.0.5" policy-name="allow-web"]'
    )
    assert (found.hostname, found.app, found.msgid, found.timestamp) == (
        "srx1",
        "RT_FLOW",
        "RT_FLOW_SESSION_CREATE",
        "2026-11-27T10:00:00.000Z",
    )
    assert found.structured == {"junos@2636.1.1.1.2.129": {"source-address": "10.0.0.5", "policy-name": "allow-web"}}


@pytest.mark.parametrize(
    ("sd", "expected", "rest"),
    [
        ('[ex@1 policy="p [1]" zone="trust"] msg', {"ex@1": {"policy": "p [1]", "zone": "trust"}}, "msg"),
        ('[ex@1 url="http://x/a]b"][ex@2 n="1"] msg', {"ex@1": {"url": "http://x/a]b"}, "ex@2": {"n": "1"}}, "msg"),
        ('[ex@1 a="x\\]y" b="2"] msg', {"ex@1": {"a": "x]y", "b": "2"}}, "msg"),
        ('[ex@1 a="x\\\\"][ex@2 b="y"] msg', {"ex@1": {"a": "x\\"}, "ex@2": {"b": "y"}}, "msg"),
    ],
)
def test_a_bracket_inside_a_value_does_not_end_the_element(sd: str, expected: dict, rest: str) -> None:
    found = header(f"<14>1 2026-11-27T10:00:00Z host app - - {sd}")
    assert (found.structured, found.message) == (expected, rest)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Nov 27 2026 10:00:00 GMT+01:00", "2026-11-27T09:00:00.000Z"),
        ("Nov 27 2026 10:00:00.250 +0100", "2026-11-27T09:00:00.250Z"),
        ("Nov 27 2026 10:00:00 -05:30", "2026-11-27T15:30:00.000Z"),
        ("Nov 27 2026 10:00:00.123 EST", "2026-11-27T15:00:00.123Z"),
        ("Jul 27 2026 10:00:00 CEST", "2026-07-27T08:00:00.000Z"),
        ("Nov 27 2026 10:00:00 UTC", "2026-11-27T10:00:00.000Z"),
        ("1795766400.5", "2026-11-27T08:00:00.500Z"),
        # not times: None, never an exception that loses the record
        ("99999999999999999999", None),
        ("Nov 31 2026 10:00:00", None),
        ("2026-13-45T10:00:00", None),
        ("Nov 27 2026 25:61:00", None),
    ],
)
def test_device_time_zones_and_impossible_values(value: str, expected: str | None) -> None:
    assert device_timestamp(value, CTX, clock=SyslogClock()) == expected


@pytest.mark.parametrize(
    "line",
    [
        "\ufeff<134>Nov 27 10:00:00 fw01 filterlog[7]: 5,,,",
        "\ufeffNov 27 10:00:00 fw01 filterlog[7]: 5,,,",
        "\ufeff<134>1 2026-11-27T10:00:00Z fw01 filterlog 7 - - 5,,,",
    ],
)
def test_a_byte_order_mark_before_the_header(line: str) -> None:
    # the first line of a file written with a BOM (Windows tools, some syslog servers' exports)
    found = header(line)
    assert (found.timestamp, found.hostname, found.app, found.message) == (
        "2026-11-27T10:00:00.000Z",
        "fw01",
        "filterlog",
        "5,,,",
    )


def test_a_message_that_starts_with_a_time_without_seconds_is_the_message() -> None:
    found = header("<134>Nov 27 10:00:00 fw01 May 5 12:00 maintenance window starts")
    assert (found.hostname, found.priority, found.message) == ("fw01", 134, "May 5 12:00 maintenance window starts")


def test_two_relays_before_the_device() -> None:
    found = header("<13>Nov 27 10:00:05 r2 <13>Nov 27 10:00:04 r1 <134>Nov 27 10:00:00 fw01 app[1]: msg")
    assert (found.timestamp, found.hostname, found.app, found.priority, found.message) == (
        "2026-11-27T10:00:00.000Z",
        "fw01",
        "app",
        134,
        "msg",
    )


@pytest.mark.parametrize(
    "line",
    [
        "Nov 27 10:00:00 h " * 3000 + "x",  # headers without end: read two relays deep, no deeper
        "<14>1 - h - - - " * 3000 + "x",
        "\ufeff" * 3000 + "Nov 27 10:00:00 h x",
        '<14>1 - - - - - [a@1 x="' + "]" * 100_000 + '"]',  # each "]" once, not the text before it again
        '<14>1 - - - - - [a@1 x="' + "a]" * 100_000,
    ],
)
def test_hostile_headers_cost_one_pass(line: str) -> None:
    started = time.perf_counter()
    found = header(line)
    assert time.perf_counter() - started < 1.0
    assert found.hostname in ("h", None)
