"""The clock's minute cache, which the native parsers read: a time comes back whole only for its own setting."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
import secops_native

from collectors.syslog_header import header_timestamp
from collectors.syslog_time import SyslogClock
from secops.errors import ParseError
from secops.registry import ParseContext

LINE = "<166>Nov 02 2026 06:58:{second} fw : %ASA-6-302016: Teardown UDP connection 1 for o:10.0.0.1/5 to i:10.0.0.2/6"


def test_a_known_minute_comes_back_whole_and_as_python_converts_it() -> None:
    clock, ctx = SyslogClock(), ParseContext(timezone=ZoneInfo("America/New_York"))
    _, first, _ = secops_native.cisco_asa(LINE.format(second="01"), ctx, clock.minutes)
    assert type(first) is tuple  # a minute not seen yet: its parts, for Python
    assert header_timestamp(first, ctx, clock) == "2026-11-02T11:58:01.000Z"
    _, second, _ = secops_native.cisco_asa(LINE.format(second="02.5"), ctx, clock.minutes)
    assert second == "2026-11-02T11:58:02.500Z"


def test_a_minute_is_kept_for_one_zone_and_year_only() -> None:
    clock = SyslogClock()
    utc, same, eastern = ParseContext(), ParseContext(), ParseContext(timezone=ZoneInfo("America/New_York"))
    clock.minutes.put(utc, "Nov 02 2026 06:58", "2026-11-02T06:58:")
    assert clock.minutes.get(same, "Nov 02 2026 06:58") == "2026-11-02T06:58:"  # equal setting, other object
    assert clock.minutes.get(eastern, "Nov 02 2026 06:58") is None
    assert clock.minutes.get(ParseContext(year=2026), "Nov 02 2026 06:58") is None
    _, time, _ = secops_native.cisco_asa(LINE.format(second="03"), eastern, clock.minutes)
    assert type(time) is tuple
    assert header_timestamp(time, eastern, clock) == "2026-11-02T11:58:03.000Z"
    assert clock.minutes.get(utc, "Nov 02 2026 06:58") is None  # the other setting's minutes are gone


def test_a_stamp_with_undecodable_bytes_is_refused_for_what_it_is() -> None:
    clock, ctx = SyslogClock(), ParseContext()
    assert clock.minutes.get(ctx, "2026-11-02T06:58\udcff") is None
    with pytest.raises(ParseError, match="bad timestamp"):
        clock.iso("2026-11-02T06:58:01\udcff", ctx)
