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
from typing import Any

from collectors.endpoint import linux_auth_messages as msgs
from collectors.syslog_time import SyslogClock
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


@register
class LinuxAuthParser(LineParser):
    """Syslog lines of sshd, sudo, su, shadow-utils, logind and cron (``auth.log``/``secure``)."""

    name = "linux-auth"
    dataset = DATASET
    priority = 200  # generic syslog: after every vendor-specific format

    def __init__(self) -> None:
        self._clock = SyslogClock()

    def _timestamp(self, stamp: str, ctx: ParseContext) -> str:
        return self._clock.iso(stamp, ctx) if stamp[0].isdecimal() else self._clock.bsd(stamp, None, ctx)

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
            "@timestamp": self._timestamp(stamp, ctx),
            "event": {"kind": "event", "category": [], "type": [], "dataset": DATASET, "module": "system"},
            "host": {"hostname": host, "name": host},
            "message": message,
        }
        if program is not None:
            process: dict[str, Any] = {"name": program}
            if pid is not None and pid.isdecimal():
                process["pid"] = int(pid)
            event["process"] = process
        if pri is not None:
            code = int(pri)
            syslog = {"priority": code, "facility": {"code": code >> 3}, "severity": {"code": code & 7}}
            event["log"] = {"syslog": syslog}
        if program is not None:
            msgs.interpret(event, program, pam_module, message)
        return event
