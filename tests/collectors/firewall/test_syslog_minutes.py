"""The clock's minute cache, which the native parsers read and fill: a time comes back whole only for its own
setting, and a minute the native side makes is the one Python makes."""

from __future__ import annotations

import random
import re
from datetime import UTC, timedelta, timezone
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


ASA = "<166>{} fw : %ASA-6-302016: Teardown UDP connection 1 for o:10.0.0.1/5 to i:10.0.0.2/6 duration 0:00:01 bytes 1"
PFSENSE = "<134>1 {} pf filterlog 1 - - 71,,,1,em0,match,pass,in,4,0x0,,128,1,0,none,17,udp,112,10.0.0.1,9.9.9.9,1,53,9"
ZONES = (
    UTC, timezone(timedelta(hours=5, minutes=45)), timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), timezone(timedelta(seconds=30)),
    ZoneInfo("America/New_York"),
)  # fmt: skip
"""Fixed zones, whose minutes are made natively; one with seconds and a named zone, which Python makes."""


def _random_stamp(rnd: random.Random) -> tuple[str, str]:
    """A header line's template and a BSD or ISO stamp for it, now and then an impossible one."""
    year, month, day = rnd.choice([rnd.randrange(0, 10000), rnd.randrange(2020, 2030)]), rnd.randrange(0, 14), 0
    day, hour, minute = rnd.randrange(0, 33), rnd.randrange(0, 25), rnd.randrange(0, 61)
    second = f"{rnd.randrange(0, 60):02d}" + rnd.choice(["", ".5", ".123456"])
    if rnd.random() < 0.5:
        name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month % 12]
        written_year = rnd.choice(["", f"{year:04d} "])
        day_text = rnd.choice([f"{day:2d}", f"{day:02d}"])
        return ASA, f"{name} {day_text} {written_year}{hour:02d}:{minute:02d}:{second}"
    sign, hours = rnd.choice("+-"), rnd.randrange(0, 26)
    offset = rnd.choice(["", "Z", "z", f"{sign}{hours:02d}:{minute % 60:02d}", f"{sign}{hours:02d}{minute % 60:02d}"])
    return PFSENSE, f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second}{offset}"


def _python(stamp: str, ctx: ParseContext) -> str | tuple[type, str]:
    clock = SyslogClock()
    try:
        return clock.iso(stamp, ctx) if "-" in stamp[:5] else clock.bsd(stamp, None, ctx)
    except Exception as exc:  # noqa: BLE001  (the error is compared)
        return type(exc), str(exc)


def _native(line: str, ctx: ParseContext, clock: SyslogClock) -> object:
    reader = secops_native.cisco_asa if line.startswith("<166>") else secops_native.pfsense
    _, time, _ = reader(line, ctx, clock.minutes)
    try:
        return time if time is None or type(time) is str else header_timestamp(time, ctx, SyslogClock())
    except Exception as exc:  # noqa: BLE001
        return type(exc), str(exc)


def test_minutes_made_natively_are_the_ones_python_makes() -> None:
    """A minute new to the cache is made in Rust for a fixed zone (or an ISO offset), else in Python: the
    time is the same either way, for possible and impossible dates, written and inferred years."""
    rnd = random.Random(7)
    made_here = by_python = 0
    for _ in range(4000):
        template, stamp = _random_stamp(rnd)
        ctx = ParseContext(timezone=rnd.choice(ZONES), year=rnd.choice([None, None, 2024, 2023, 1, 9999]))
        clock = SyslogClock()
        _, first, _ = (secops_native.cisco_asa if template is ASA else secops_native.pfsense)(
            template.format(stamp), ctx, clock.minutes
        )
        if first is None:
            continue  # not read as a time by this header: nothing to compare
        made_here += type(first) is str
        by_python += type(first) is tuple
        assert _native(template.format(stamp), ctx, SyslogClock()) == _python(stamp, ctx), (stamp, ctx)
        # The same minute again, from the cache the first call filled (another second).
        again = re.sub(r"(\d\d:\d\d:)\d\d", r"\g<1>07", stamp, count=1)
        assert _native(template.format(again), ctx, clock) == _python(again, ctx), (again, ctx)
    assert made_here > 1000
    assert by_python > 300
