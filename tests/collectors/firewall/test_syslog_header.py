"""The shared syslog header: RFC 3164 variants, year and zone inference, RFC 5424 structured data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from collectors.syslog_header import parse_header, parse_structured_data
from collectors.syslog_time import SyslogClock, device_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext

UTC_2024 = ParseContext(year=2024)


@pytest.mark.parametrize(
    ("line", "timestamp", "host", "app", "pid", "message"),
    [
        ("<134>Jul  3 19:10:30 fw filterlog[72237]: 146,,,", "2024-07-03T19:10:30.000Z", "fw", "filterlog", "72237",
         "146,,,"),
        ("<134>Jul  3 19:10:30 filterlog[72237]: 146,,,", "2024-07-03T19:10:30.000Z", None, "filterlog", "72237",
         "146,,,"),
        ("Sep 29 2022 15:00:15 hosty : %FTD-6-1", "2022-09-29T15:00:15.000Z", "hosty", None, None, ": %FTD-6-1"),
        ("<188>May  5 17:51:17: %ASA-4-313005: x", "2024-05-05T17:51:17.000Z", None, "%ASA-4-313005", None, "x"),
        ("2021-03-12T14:10:18Z gw kernel: [x]IN=eth0", "2021-03-12T14:10:18.000Z", "gw", "kernel", None, "[x]IN=eth0"),
        ("Jan  3 13:45:36 192.168.5.1 id=firewall sn=1", "2024-01-03T13:45:36.000Z", "192.168.5.1", None, None,
         "id=firewall sn=1"),
        ("Oct 11 22:14:15.123 mymachine su: 'su root' failed", "2024-10-11T22:14:15.123Z", "mymachine", "su", None,
         "'su root' failed"),
        ("id=firewall sn=1 time=x", None, None, None, None, "id=firewall sn=1 time=x"),
    ],
)  # fmt: skip
def test_rfc3164_variants(
    line: str, timestamp: str | None, host: str | None, app: str | None, pid: str | None, message: str
) -> None:
    header = parse_header(line, UTC_2024, clock=SyslogClock())
    assert (header.timestamp, header.hostname, header.app, header.procid, header.message) == (
        timestamp,
        host,
        app,
        pid,
        message,
    )


def test_priority_splits_into_facility_and_severity() -> None:
    header = parse_header("<165>Aug 24 05:34:00 host app: hi", UTC_2024)
    assert header.log_fields()["facility"] == {"code": 20}
    assert header.log_fields()["severity"] == {"code": 5}


def test_zone_of_the_context_applies_to_3164_and_utc_names_override_it() -> None:
    ctx = ParseContext(timezone=ZoneInfo("America/New_York"), year=2024)
    assert parse_header("Jul  3 19:10:30 h a: m", ctx, clock=SyslogClock()).timestamp == "2024-07-03T23:10:30.000Z"
    assert parse_header(":Feb 26 11:26:52 UTC: %FTD-6-1: m", ctx, clock=SyslogClock()).timestamp == (
        "2024-02-26T11:26:52.000Z"
    )


def test_year_is_inferred_so_that_lines_are_not_in_the_future() -> None:
    now = datetime.now(UTC)
    ahead = now + timedelta(days=40)  # a month ahead: must be last year's
    stamp = ahead.strftime("%b %d %H:%M:%S")
    header = parse_header(f"{stamp} host app: x", ParseContext(), clock=SyslogClock())
    assert header.timestamp is not None
    assert header.timestamp.startswith(str(ahead.year - 1))
    today = now.strftime("%b %d %H:%M:%S")
    same = parse_header(f"{today} host app: x", ParseContext(), clock=SyslogClock())
    assert same.timestamp is not None and same.timestamp.startswith(str(now.year))


def test_impossible_dates_raise() -> None:
    with pytest.raises(ParseError):
        parse_header("Feb 30 10:00:00 host app: x", UTC_2024, clock=SyslogClock())


@pytest.mark.parametrize(
    "line",
    ["<134>Feb 30 14:07:59 fw app: x", "<134>1 2026-02-30T14:07:59Z fw app - - - x", "2026-02-30 14:07:59 fw app: x"],
)
def test_a_bad_date_is_reported_as_written(line: str) -> None:
    # The clock caches by minute; its error once showed the minute with the seconds zeroed.
    stamp = line.split(" fw ")[0].removeprefix("<134>").removeprefix("1 ")
    with pytest.raises(ParseError) as raised:
        parse_header(line, UTC_2024, clock=SyslogClock())
    assert repr(stamp) in str(raised.value)


def test_rfc5424_with_structured_data_escapes_and_several_elements() -> None:
    line = (
        '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" '
        'eventSource="Application" text="a \\"quoted\\" \\] bracket"][examplePriority@32473 class="high"] '
        "\ufeffAn app event"
    )
    header = parse_header(line, UTC_2024)
    assert header.version == 1
    assert (header.hostname, header.app, header.procid, header.msgid) == (
        "mymachine.example.com",
        "evntslog",
        None,
        "ID47",
    )
    assert header.structured == {
        "exampleSDID@32473": {"iut": "3", "eventSource": "Application", "text": 'a "quoted" ] bracket'},
        "examplePriority@32473": {"class": "high"},
    }
    assert header.message == "An app event"
    assert header.timestamp == "2003-10-11T22:14:15.003Z"


def test_rfc5424_offsets_nil_values_and_lenient_parameters() -> None:
    header = parse_header('<14>1 2019-11-14T09:37:51.184+01:00 - - - - [junos@2636 a="1" b=”curly” c="3"]', UTC_2024)
    assert header.timestamp == "2019-11-14T08:37:51.184Z"
    assert header.hostname is None and header.app is None
    assert header.structured == {"junos@2636": {"a": "1", "c": "3"}}


def test_brackets_that_are_not_structured_data_stay_in_the_message() -> None:
    text = '[action:"Accept"; flags:"1"]'
    assert parse_structured_data(text) == (None, 0)
    header = parse_header(f"<134>1 2022-07-16T18:51:20Z fw1 CheckPoint 15190 - {text}", UTC_2024)
    assert header.structured is None and header.message == text


def test_check_point_style_offset_is_understood() -> None:
    header = parse_header("<85>1 2023-01-13T10:10:16--5:00 host app - Log - m", UTC_2024)
    assert header.timestamp == "2023-01-13T15:10:16.000Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1587230269052", "2020-04-18T17:17:49.052Z"),
        ("1587230269", "2020-04-18T17:17:49.000Z"),
        ("87676191169615", "4748-05-07T17:32:49.615Z"),  # exact: a float path wrote .615005
        ("100000000000", "5138-11-16T09:46:40.000Z"),  # seconds up to here, milliseconds above
        ("1587230269.5", "2020-04-18T17:17:49.500Z"),
        ("1" * 20, None),  # a year past 9999
        ("Jan 12 2023 10:10:10", "2023-01-12T10:10:10.000Z"),
        ("2023-01-12T10:10:10+02:00", "2023-01-12T08:10:10.000Z"),
        ("not a time", None),
    ],
)
def test_device_timestamps(value: str, expected: str | None) -> None:
    assert device_timestamp(value, UTC_2024, clock=SyslogClock()) == expected
