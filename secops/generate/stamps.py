"""Timestamp text in the shapes devices write, built from a per-minute cache (this is the hot path).

Formatting a time from scratch costs more than the rest of a log line, and
records come in time order, so the date and hour:minute parts are built once
per minute and the seconds appended from a table.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import NamedTuple

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SECONDS = tuple(f"{n:02d}" for n in range(60))
_MILLIS = tuple(f".{n:03d}" for n in range(1000))


class Minute(NamedTuple):
    date: str
    """``2026-11-25``"""
    hm: str
    """``21:40:``"""
    bsd: str
    """``Nov 25 21:40:`` (RFC 3164: day padded with a space)"""
    cisco: str
    """``Nov 25 2026 21:40:`` (Cisco ``logging timestamp`` with year)"""
    slashed: str
    """``2026/11/25 21:40:`` (PAN-OS)"""


@lru_cache(maxsize=2048)
def minute(number: int) -> Minute:
    tm = time.gmtime(number * 60)
    date = f"{tm.tm_year:04d}-{tm.tm_mon:02d}-{tm.tm_mday:02d}"
    hm = f"{tm.tm_hour:02d}:{tm.tm_min:02d}:"
    month = _MONTHS[tm.tm_mon - 1]
    return Minute(
        date,
        hm,
        f"{month} {tm.tm_mday:2d} {hm}",
        f"{month} {tm.tm_mday:02d} {tm.tm_year} {hm}",
        f"{tm.tm_year:04d}/{tm.tm_mon:02d}/{tm.tm_mday:02d} {hm}",
    )


def split(t: float) -> tuple[Minute, str]:
    """The minute's parts and the two-digit second of a moment."""
    whole = int(t)
    return minute(whole // 60), _SECONDS[whole % 60]


def bsd(t: float) -> str:
    """``Nov 25 21:40:52``"""
    m, s = split(t)
    return m.bsd + s


def date_clock(t: float) -> str:
    """``2026-11-25 21:40:52``"""
    m, s = split(t)
    return f"{m.date} {m.hm}{s}"


def iso_z(t: float) -> str:
    """``2026-11-25T21:40:52Z``"""
    m, s = split(t)
    return f"{m.date}T{m.hm}{s}Z"


def iso_micro(t: float) -> str:
    """``2026-11-25T21:40:52.123456+00:00`` as rsyslog's RFC 3339 file format writes it."""
    m, s = split(t)
    return f"{m.date}T{m.hm}{s}.{int((t % 1) * 1e6):06d}+00:00"


def iso_milli_z(t: float) -> str:
    """``2026-11-25T21:40:52.123Z``"""
    whole = int(t)
    m = minute(whole // 60)
    return f"{m.date}T{m.hm}{_SECONDS[whole % 60]}{_MILLIS[int((t - whole) * 1000)]}Z"


def space_milli(t: float) -> str:
    """``2026-11-25 21:40:52.123`` (Sysmon's ``UtcTime``)"""
    whole = int(t)
    m = minute(whole // 60)
    return f"{m.date} {m.hm}{_SECONDS[whole % 60]}{_MILLIS[int((t - whole) * 1000)]}"
