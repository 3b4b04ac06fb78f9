"""Zone names and Cisco prefixes around a BSD syslog time.

Cisco devices with ``clock timezone`` and ``service timestamps ... show-timezone`` write the zone's name
after the time (``Mar 14 2026 08:15:00 EST:``); IOS marks a clock it does not trust with ``*`` or ``.``
and, with its message counter, ``logging origin-id`` or ``service sequence-numbers``, writes numbers and
a host before the time (``<189>52: 000051: *Mar  1 00:01:05.123:``). The zone's offset applies instead of
the configured zone, and neither the zone nor the prefix is taken for the host.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collectors.syslog_header import SyslogHeader, parse_header
from collectors.syslog_time import SyslogClock
from secops import ecs
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import LineParser, ParseContext, get_parser

NEW_YORK = ParseContext(timezone=ZoneInfo("America/New_York"), year=2026)
"""A configured zone that none of the written zones below equals, so that using it shows."""


def header(line: str, ctx: ParseContext = NEW_YORK) -> SyslogHeader:
    return parse_header(line, ctx, clock=SyslogClock())


@pytest.mark.parametrize(
    ("line", "timestamp", "host", "app", "message"),
    [
        ("<166>Mar 14 2026 08:15:00 EST: %ASA-6-302013: Built", "2026-03-14T13:15:00.000Z", None, "%ASA-6-302013",
         "Built"),
        ("<166>Jul 14 2026 08:15:00 EDT fw01 : %ASA-6-302013: Built", "2026-07-14T12:15:00.000Z", "fw01", None,
         ": %ASA-6-302013: Built"),
        ("<189>*Mar  1 2026 00:00:00.123 UTC: %SYS-5-CONFIG_I: Configured from console", "2026-03-01T00:00:00.123Z",
         None, "%SYS-5-CONFIG_I", "Configured from console"),
        ("<187>.Nov 27 2026 10:00:00.250 CET: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down",
         "2026-11-27T09:00:00.250Z", None, "%LINK-3-UPDOWN", "Interface Gi0/1, changed state to down"),
        ("<166>Jul 27 2026 10:00:00 CEST gw-fra1 : %ASA-6-1", "2026-07-27T08:00:00.000Z", "gw-fra1", None,
         ": %ASA-6-1"),
        ("Dec  1 2026 23:30:00 PST: %ASA-4-1: x", "2026-12-02T07:30:00.000Z", None, "%ASA-4-1", "x"),
        ("Jun  1 2026 12:00:00 PDT: %ASA-4-1: x", "2026-06-01T19:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 06:00:00 CST: %ASA-4-1: x", "2026-01-10T12:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 06:00:00 MST: %ASA-4-1: x", "2026-01-10T13:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 06:00:00 AKST: %ASA-4-1: x", "2026-01-10T15:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 06:00:00 HST: %ASA-4-1: x", "2026-01-10T16:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jul 10 2026 06:00:00 BST: %ASA-4-1: x", "2026-07-10T05:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jul 10 2026 06:00:00 EEST: %ASA-4-1: x", "2026-07-10T03:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 06:00:00 WET: %ASA-4-1: x", "2026-01-10T06:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 09:00:00 JST: %ASA-4-1: x", "2026-01-10T00:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 09:00:00 AEDT: %ASA-4-1: x", "2026-01-09T22:00:00.000Z", None, "%ASA-4-1", "x"),
        ("Jan 10 2026 09:00:00 GMT: %ASA-4-1: x", "2026-01-10T09:00:00.000Z", None, "%ASA-4-1", "x"),
        # IST is India, Ireland or Israel: not guessed, the configured zone (New York, EDT in July) decides
        ("<166>Jul 14 2026 08:15:00 IST: %ASA-6-1: x", "2026-07-14T12:15:00.000Z", None, "%ASA-6-1", "x"),
        # a host whose name begins like a zone is a host, and the time keeps the configured zone
        ("<134>Jul  3 2026 19:10:30 Zeus app: x", "2026-07-03T23:10:30.000Z", "Zeus", "app", "x"),
        ("<134>Jul  3 2026 19:10:30 GMTgw app: x", "2026-07-03T23:10:30.000Z", "GMTgw", "app", "x"),
        ("<134>Jul  3 2026 19:10:30 ESTATE-1 app: x", "2026-07-03T23:10:30.000Z", "ESTATE-1", "app", "x"),
        # no zone at all: the configured one
        ("<134>Jul  3 2026 19:10:30 fw01 app: x", "2026-07-03T23:10:30.000Z", "fw01", "app", "x"),
    ],
)  # fmt: skip
def test_a_zone_name_after_the_time_sets_its_offset_and_is_not_the_host(
    line: str, timestamp: str, host: str | None, app: str | None, message: str
) -> None:
    found = header(line)
    assert (found.timestamp, found.hostname, found.app, found.message) == (timestamp, host, app, message)


@pytest.mark.parametrize(
    ("line", "timestamp", "host", "sequence", "app", "message"),
    [
        ("<166>1234: fw01: Mar 14 2026 08:15:00.123 UTC: %ASA-6-302013: Built", "2026-03-14T08:15:00.123Z", "fw01",
         1234, "%ASA-6-302013", "Built"),
        ("<189>52: *Mar  1 2026 00:01:05.123: %SYS-5-CONFIG_I: Configured", "2026-03-01T05:01:05.123Z", None, 52,
         "%SYS-5-CONFIG_I", "Configured"),
        # the message counter, then the device's ``service sequence-numbers`` number, which is kept
        ("<189>52: 000051: *Mar  1 2026 00:01:05.123 EST: %SYS-5-CONFIG_I: Configured", "2026-03-01T05:01:05.123Z",
         None, 51, "%SYS-5-CONFIG_I", "Configured"),
        ("<189>310: core-sw2: 000307: .Nov 27 2026 10:00:00 UTC: %SYS-5-CONFIG_I: Configured",
         "2026-11-27T10:00:00.000Z", "core-sw2", 307, "%SYS-5-CONFIG_I", "Configured"),
        ("<189>*Mar  1 2026 00:01:05: %SYS-5-CONFIG_I: Configured", "2026-03-01T05:01:05.000Z", None, None,
         "%SYS-5-CONFIG_I", "Configured"),
        # numbers before something that is not a time stay in the message
        ("<13>1234: fw01: not a time", None, None, None, None, "1234: fw01: not a time"),
        ("<13>42: *** restarting", None, None, None, None, "42: *** restarting"),
    ],
)  # fmt: skip
def test_a_cisco_counter_and_host_before_the_time(
    line: str, timestamp: str | None, host: str | None, sequence: int | None, app: str | None, message: str
) -> None:
    found = header(line)
    assert (found.timestamp, found.hostname, found.sequence, found.app, found.message) == (
        timestamp,
        host,
        sequence,
        app,
        message,
    )
    assert found.priority == int(line[1 : line.index(">")])


def test_rfc5424_is_read_as_before() -> None:
    found = header('<14>1 2026-03-14T08:15:00.5-05:00 EST RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636 a="1"] m')
    assert (found.timestamp, found.hostname, found.app, found.msgid, found.structured, found.message) == (
        "2026-03-14T13:15:00.500Z",
        "EST",
        "RT_FLOW",
        "RT_FLOW_SESSION_CREATE",
        {"junos@2636": {"a": "1"}},
        "m",
    )


BUILT = (
    "%ASA-6-302013: Built outbound TCP connection 4412 for outside:203.0.113.80/443 (203.0.113.80/443) "
    "to inside:10.20.0.15/51544 (198.51.100.7/51544)"
)
DENY = '%ASA-4-106023: Deny tcp src outside:192.0.2.44/41122 dst inside:10.20.0.9/22 by access-group "outside_in"'


@pytest.mark.parametrize(
    ("before", "timestamp", "host"),
    [
        ("<166>Mar 14 2026 08:15:00 EST: ", "2026-03-14T13:15:00.000Z", None),
        ("<166>Mar 14 2026 08:15:00 EDT asa-bos1 : ", "2026-03-14T12:15:00.000Z", "asa-bos1"),
        ("<166>1234: fw01: Mar 14 2026 08:15:00.123 UTC: ", "2026-03-14T08:15:00.123Z", "fw01"),
        ("<166>77: *Mar 14 2026 08:15:00.500 CET: ", "2026-03-14T07:15:00.500Z", None),
    ],
)
@pytest.mark.parametrize("message", [BUILT, DENY])
def test_cisco_asa_gets_the_time_host_and_message(before: str, timestamp: str, host: str | None, message: str) -> None:
    parser = get_parser("cisco-asa")
    assert isinstance(parser, LineParser)
    event = ecs.flatten(parser.parse(before + message, NEW_YORK))
    assert event["@timestamp"] == timestamp
    assert event.get("observer.hostname") == host
    assert event["message"] == message.split(": ", 1)[1]
    assert event["source.ip"] in ("10.20.0.15", "192.0.2.44")


def test_cisco_asa_file_through_the_pipeline(tmp_path: Path) -> None:
    log = tmp_path / "asa.log"
    log.write_text(
        f"<166>Mar 14 2026 08:15:00 EST: {BUILT}\n<166>1234: fw01: Mar 14 2026 08:15:01.250 UTC: {DENY}\n",
        encoding="utf-8",
    )
    for fmt in ("cisco-asa", "auto"):
        stats = Stats()
        events = [ecs.flatten(e) for e in parse_files(expand([log]), fmt, NEW_YORK, stats)]
        assert stats.failures == 0
        assert [(e["@timestamp"], e.get("observer.hostname"), e["event.code"]) for e in events] == [
            ("2026-03-14T13:15:00.000Z", None, "302013"),
            ("2026-03-14T08:15:01.250Z", "fw01", "106023"),
        ]
