"""Plain syslog lines of any program (``/var/log/messages``, ``/var/log/syslog``, a relay's files).

Mapped the way Elastic's System integration maps its ``system.syslog``
dataset: the time, host, program and pid from the header, the rest as
``message``, and ``log.syslog.*``. Under ``--format auto`` this is the last
format tried: a line a vendor or auth parser recognises goes there, and only
a line with a whole header (a time and a host, then the message) comes here,
so that fragments and garbage are still kept as parse failures. The program
tag is optional: the syslog daemon's own lines (``last message repeated 3
times``, ``syslogd 1.4.1: restart.``) have none.

Headers understood are those of ``collectors.syslog_header``::

    Jun 14 15:16:01 combo ftpd[29504]: connection from 24.54.76.216 at Fri Jun 17 07:07:00 2005
    2026-11-25T21:40:52.123456+00:00 web01 nginx: worker process 4120 exited on signal 9
    <30>1 2026-11-25T21:40:52Z web01 systemd 1 - - Started Daily apt upgrade and clean activities.
"""

from __future__ import annotations

import re
from typing import Any

from collectors.syslog_header import parse_header
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "system.syslog"

_SNIFF = re.compile(
    r"(?:<\d{1,3}>)?"
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d(?: \d{4})? \d\d:\d\d:\d\d(?:\.\d+)?"
    r"|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) +[^\s:\[\]]+ +\S"
    r"|<\d{1,3}>1 \d{4}-\d\d-\d\dT\S+ \S+ \S+ \S+ \S+ "
)


@register
class LinuxSyslogParser(LineParser):
    """Syslog lines of any program, when no other format claims them."""

    name = "syslog"
    dataset = DATASET
    priority = 250
    fallback = True  # its headers are also those of sshd, sudo, Cisco, PAN-OS … lines

    def sniff_line(self, line: str) -> bool:
        return _SNIFF.match(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        if header.timestamp is None or header.hostname is None:
            raise ParseError("not a syslog line (no timestamp and host)")
        event: dict[str, Any] = {
            "@timestamp": header.timestamp,
            "event": {"kind": "event", "category": [], "type": [], "dataset": DATASET, "module": "system"},
            "host": {"hostname": header.hostname, "name": header.hostname},
            "message": header.message,
        }
        process = header.process_fields()
        if process:
            event["process"] = process
        syslog = header.log_fields()
        if syslog:
            event["log"] = {"syslog": syslog}
        return event
