"""Linux authentication logs (``/var/log/auth.log``, ``/var/log/secure``, journald exports).

One syslog line in, one ECS event out, mapped the way Elastic's System
integration maps its ``system.auth`` dataset: sshd logins and failures, sudo,
su, account and group changes, logind and cron sessions. Lines of any other
program still become valid events (host, process name and pid, message).

Headers understood::

    Nov 25 21:40:52 bastion sshd[4120]: Accepted publickey for alice from 10.1.2.3 port 51514 ssh2: ED25519 SHA256:x
    2026-11-25T21:40:52.123456+00:00 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/id
    <86>1 2026-11-25T21:40:52Z bastion sshd 4120 - - Invalid user admin from 203.0.113.9 port 40022

RFC 3164 timestamps carry no zone and no year: the zone comes from
``ParseContext.timezone``, the year from ``ParseContext.year`` or, when unset,
the current year unless that puts the line more than a day in the future (a
December line read in January is last year's).

Reference: OpenSSH ``auth.c``/``auth2.c`` log messages, sudo(8) log format,
shadow-utils and systemd-logind messages; field names from Elastic's System
integration (``system.auth.ssh.*``, ``system.auth.sudo.*``).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors.endpoint import linux_auth_messages as msgs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "system.auth"

_HEADER = re.compile(
    r"(?:<(\d{1,3})>)?(1 )?"
    r"([A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)"
    r" +(\S+) +(.*)",
    re.DOTALL,
)
_PROGRAM = re.compile(r"([^\s\[\]:()]+)(?:\(([\w-]+)\))?(?:\[(\d+)\])?: ?(.*)", re.DOTALL)
_RFC5424_REST = re.compile(r"(\S+) (\S+) \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?\ufeff?(.*)", re.DOTALL)

_AUTH_PROGRAMS = (
    "sshd|sudo|su|useradd|userdel|usermod|groupadd|groupdel|groupmod|gpasswd|passwd|chpasswd|chage"
    "|systemd-logind|CRON|crond|cron|login|polkitd|pkexec|gdm-password|unix_chkpwd|sshd-session"
)
_SNIFF = re.compile(
    r"(?:<\d{1,3}>)?(?:1 )?"
    r"(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S*) +\S+ +"
    rf"(?:{_AUTH_PROGRAMS})(?:\(pam_unix\))?(?:\[\d+\]: |: | (?:\d+|-) \S+ )"
)


_MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_CACHE_SIZE = 65536
_CACHE_SECONDS = 600.0
_FRACTION = re.compile(r"\d+")


class SyslogClock:
    """Header timestamp → ECS ``@timestamp``, cached: log lines share seconds and the work is on the hot path.

    The cache is tied to one zone and year setting, and is dropped every few
    minutes so the inferred year follows the calendar in long-running collectors.
    """

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._dates: set[str] = set()
        self._zone: object = None
        self._year: int | None = None
        self._since = 0.0

    def timestamp(self, stamp: str, ctx: ParseContext) -> str:
        fraction = ""
        if len(stamp) > 20 and stamp[19] == "." and (digits := _FRACTION.match(stamp, 20)):
            # Sub-second stamps are all different: cache the whole second, carry the fraction over.
            fraction = digits[0][:6].ljust(6, "0")
            fraction = fraction[:3] if fraction.endswith("000") else fraction
            stamp = stamp[:19] + stamp[digits.end() :]
        cache = self._cache
        found = cache.get(stamp)
        if found is None or ctx.timezone is not self._zone or ctx.year != self._year:
            found = self._fill(stamp, ctx)
        return f"{found}.{fraction or '000'}Z"

    def _fill(self, stamp: str, ctx: ParseContext) -> str:
        cache = self._cache
        moment = time.monotonic()
        if (
            ctx.timezone is not self._zone
            or ctx.year != self._year
            or len(cache) >= _CACHE_SIZE
            or moment - self._since > _CACHE_SECONDS
        ):
            cache.clear()
            self._zone, self._year, self._since = ctx.timezone, ctx.year, moment
        if len(stamp) in (20, 25) and stamp.endswith(("Z", "+00:00")) and stamp[0].isdigit():
            value = self._utc(stamp)  # already UTC: only check it, as rsyslog and journald mostly write
        else:
            value = self._convert(stamp, ctx).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        cache[stamp] = value
        return value

    def _utc(self, stamp: str) -> str:
        date, clock = stamp[:10], stamp[11:19]
        if date not in self._dates:
            try:
                datetime.fromisoformat(date)
            except ValueError as exc:
                raise ParseError(f"bad date in {stamp!r}") from exc
            self._dates.add(date)
        if not (clock[:2] < "24" and clock[3:5] < "60" and clock[6:8] < "61"):
            raise ParseError(f"bad time in {stamp!r}")
        return f"{date}T{clock}"

    @staticmethod
    def _convert(stamp: str, ctx: ParseContext) -> datetime:
        if stamp[0].isdigit():
            try:
                parsed = datetime.fromisoformat(stamp)
            except ValueError as exc:
                raise ParseError(f"bad timestamp {stamp!r}") from exc
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=ctx.timezone)
        month = _MONTHS.get(stamp[:3])
        if month is None:
            raise ParseError(f"bad month in {stamp!r}")
        day, hour, minute, second = int(stamp[4:6]), int(stamp[7:9]), int(stamp[10:12]), int(stamp[13:15])
        if ctx.year is not None:
            try:
                return datetime(ctx.year, month, day, hour, minute, second, tzinfo=ctx.timezone)
            except ValueError as exc:
                raise ParseError(f"bad date in {stamp!r} for year {ctx.year}") from exc
        return infer_year(month, day, hour, minute, second, ctx)


def infer_year(
    month: int, day: int, hour: int, minute: int, second: int, ctx: ParseContext, now: datetime | None = None
) -> datetime:
    """The latest year that does not put a year-less moment more than a day into the future."""
    now = now or datetime.now(ctx.timezone)
    limit = now + timedelta(days=1)
    for year in range(now.year, now.year - 8, -1):  # Feb 29 may need to go back to a leap year
        try:
            candidate = datetime(year, month, day, hour, minute, second, tzinfo=ctx.timezone)
        except ValueError:
            continue
        if candidate <= limit:
            return candidate
    raise ParseError(f"impossible date: month {month} day {day}")


@register
class LinuxAuthParser(LineParser):
    """Syslog lines of sshd, sudo, su, shadow-utils, logind and cron (``auth.log``/``secure``)."""

    name = "linux-auth"
    dataset = DATASET
    priority = 200  # generic syslog: after every vendor-specific format

    def __init__(self) -> None:
        self._clock = SyslogClock()

    def sniff_line(self, line: str) -> bool:
        return _SNIFF.match(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        head = _HEADER.match(line)
        if head is None:
            raise ParseError("not a syslog line (no timestamp and host)")
        pri, version, stamp, host, rest = head.groups()
        program: str | None = None
        pam_module: str | None = None
        pid: str | None = None
        if version:
            parts = _RFC5424_REST.match(rest)
            if parts is None:
                raise ParseError("RFC 5424 header without app, procid, msgid and structured data")
            app, procid, message = parts.groups()
            program = None if app == "-" else app
            pid = None if procid == "-" else procid
        else:
            found = _PROGRAM.match(rest)
            if found is None:
                message = rest
            else:
                program, pam_module, pid, message = found.groups()
        event: dict[str, Any] = {
            "@timestamp": self._clock.timestamp(stamp, ctx),
            "event": {"kind": "event", "category": [], "type": [], "dataset": DATASET, "module": "system"},
            "host": {"hostname": host, "name": host},
            "message": message,
        }
        if program is not None:
            process: dict[str, Any] = {"name": program}
            if pid is not None and pid.isdigit():
                process["pid"] = int(pid)
            event["process"] = process
        if pri is not None:
            code = int(pri)
            syslog = {"priority": code, "facility": {"code": code >> 3}, "severity": {"code": code & 7}}
            event["log"] = {"syslog": syslog}
        if program is not None:
            msgs.interpret(event, program, pam_module, message)
        return event
