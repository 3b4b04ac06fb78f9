"""``windows-firewall``: the Windows Defender Firewall packet log (``pfirewall.log``), mapped to ECS.

The log is W3C extended format. ``#`` directives come first and configure
the reader: ``#Version``, ``#Software: Microsoft Windows Firewall``,
``#Time Format: Local`` and ``#Fields``, which names the space-separated
columns of every record (Windows 10 and later append ``pid``). ``-`` marks
an empty value. Sample (written for this docstring)::

    #Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin
             icmptype icmpcode info path pid    (one line in the file)
    2026-03-02 14:07:31 DROP TCP 198.51.100.23 192.168.1.20 51712 3389 52 S 1907040117 0 64240 - - - RECEIVE 4

Because the columns come from the header, this is a stream parser. Times
are local to the machine that wrote the log (``ParseContext.timezone``)
unless the header says ``UTC``. Actions are ``ALLOW``, ``DROP`` and
``INFO-EVENTS-LOST`` (Windows XP also wrote ``OPEN``, ``CLOSE`` and
``OPEN-INBOUND``); ``path`` (``SEND``/``RECEIVE``/``FORWARD``) gives the
direction. Every record line yields one event; a record that does not fit
the header is kept as a ``_parse_failure`` event and reading goes on.
``Parsed.position`` is the index of the non-blank line, headers included,
so resuming skips exactly what was read. Fields ECS lacks go under
``windows_firewall.*``.

Reference: Microsoft Learn, "Configure Windows Firewall logging" and
"Windows Firewall with Advanced Security log file format" (pfirewall.log).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC
from pathlib import Path
from typing import Any

from collectors.firewall import net
from collectors.syslog_time import DEFAULT_CLOCK
from secops import ecs
from secops.errors import ParseError
from secops.inputs import iter_lines
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

DATASET = "windows_firewall.log"

DEFAULT_FIELDS = (
    "date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port", "dst-port", "size",
    "tcpflags", "tcpsyn", "tcpack", "tcpwin", "icmptype", "icmpcode", "info", "path",
)  # fmt: skip
"""The columns Windows has written since XP SP2, for records that come before any ``#Fields`` line."""

_DATE = re.compile(r"\d{4}-\d\d-\d\d")
_TIME = re.compile(r"\d\d:\d\d:\d\d(?:\.\d{1,9})?")
_FIRST_RECORD = re.compile(
    rb"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?:ALLOW|DROP|OPEN|OPEN-INBOUND|CLOSE|INFO-EVENTS-LOST) (?:\S+ ){4}"
)
_TYPES = {
    "ALLOW": ["connection", "allowed"],
    "DROP": ["connection", "denied"],
    "OPEN": ["connection", "start", "allowed"],
    "OPEN-INBOUND": ["connection", "start", "allowed"],
    "CLOSE": ["connection", "end"],
}
_OUTCOME = {"ALLOW": "success", "DROP": "failure", "OPEN": "success", "OPEN-INBOUND": "success", "CLOSE": "success"}
_DIRECTION = {"SEND": "egress", "RECEIVE": "ingress"}
_INTEGERS = {"tcpsyn": ("tcp", "syn"), "tcpack": ("tcp", "ack"), "tcpwin": ("tcp", "window")}
_INTEGERS |= {"icmptype": ("icmp", "type"), "icmpcode": ("icmp", "code")}
_MAPPED = {"date", "time", "action", "protocol", "src-ip", "dst-ip", "src-port", "dst-port", "size", "pid", "path"}
_MAPPED |= {"tcpflags", "info"} | set(_INTEGERS)


class Header:
    """What the ``#`` directives set: the column names and whether times are UTC."""

    def __init__(self) -> None:
        self.fields: list[str] = list(DEFAULT_FIELDS)
        self.utc = False

    def directive(self, line: str) -> None:
        name, _, value = line[1:].partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "fields" and value:
            self.fields = value.split()
        elif name == "time format":
            self.utc = value.upper() == "UTC"


@register
class WindowsFirewallParser(StreamParser):
    """Windows Defender Firewall ``pfirewall.log`` (W3C header and space-separated records)."""

    name = "windows-firewall"
    dataset = DATASET
    priority = 25

    def sniff_file(self, head: bytes, path: Path | None) -> bool:
        text = head[:4096].removeprefix(b"\xef\xbb\xbf")
        if b"#Software: Microsoft Windows Firewall" in text:
            return True
        if text.startswith(b"#") and b"#Fields: date time action protocol src-ip dst-ip " in text:
            return True
        return _FIRST_RECORD.match(text) is not None

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        header = Header()
        with source.open() as fh:
            for position, line in enumerate(iter_lines(fh)):
                text = line.text.removeprefix("\ufeff") if position == 0 else line.text
                if text.startswith("#"):
                    header.directive(text)
                    continue
                if line.truncated:
                    failure = ecs.parse_failure(text, "windows-firewall: record too long, cut", dataset=DATASET)
                    yield Parsed(failure, text, position)
                    continue
                yield Parsed(_event(text, header, ctx), text, position)


def _event(line: str, header: Header, ctx: ParseContext) -> Event:
    try:
        return record_event(line.split(), header, ctx)
    # A hostile or damaged record may fail in any way; it is kept as a failure event and reading goes on.
    except Exception as exc:  # noqa: BLE001
        return ecs.parse_failure(line, f"windows-firewall: {type(exc).__name__}: {exc}", dataset=DATASET)


def record_event(values: list[str], header: Header, ctx: ParseContext) -> Event:
    """One record's values, read against the header's columns, as an ECS event."""
    if len(values) != len(header.fields):
        raise ParseError(f"{len(values)} values for the {len(header.fields)} columns of the #Fields header")
    row = {name: value for name, value in zip(header.fields, values, strict=True) if value != "-"}
    action = row.get("action", "").upper()
    event_fields: dict[str, Any] = {"kind": "event", "category": ["network"], "type": _TYPES.get(action, ["info"])}
    event_fields.update(dataset=DATASET, module="windows_firewall")
    if action:
        event_fields["action"] = action.lower()
    if action in _OUTCOME:
        event_fields["outcome"] = _OUTCOME[action]
    event: Event = {
        "@timestamp": _timestamp(row.get("date"), row.get("time"), header, ctx),
        "event": event_fields,
        "observer": {"vendor": "Microsoft", "product": "Windows Firewall", "type": "firewall"},
    }
    vendor: dict[str, Any] = {}
    src, dst = row.get("src-ip"), row.get("dst-ip")
    source, destination = net.endpoint(src, row.get("src-port")), net.endpoint(dst, row.get("dst-port"))
    net.attach(event, source=source, destination=destination)
    network = _network(row.get("protocol"), src or dst)
    path = row.get("path", "").upper()
    direction = _DIRECTION.get(path) or (net.direction(src, dst) if path == "FORWARD" else None)
    if direction:
        network["direction"] = direction
    size = net.integer(row.get("size"))
    if size is not None:
        network["bytes"] = size
    net.attach(event, network=network)
    pid = net.integer(row.get("pid"))
    if pid is not None:
        event["process"] = {"pid": pid}
    if path:
        vendor["path"] = path
    if row.get("tcpflags"):
        vendor.setdefault("tcp", {})["flags"] = row["tcpflags"]
    for name, (group, key) in _INTEGERS.items():
        number = net.integer(row.get(name))
        if number is not None:
            vendor.setdefault(group, {})[key] = number
    if "info" in row:
        vendor["info"] = row["info"]
        if action == "INFO-EVENTS-LOST" and row["info"].isdecimal():
            vendor["events_lost"] = int(row["info"])
    for name, value in row.items():
        if name not in _MAPPED:
            vendor[name.replace("-", "_").lower()] = value
    net.add_related_ips(event, src, dst)
    if vendor:
        event["windows_firewall"] = vendor
    return event


def _timestamp(date: str | None, clock: str | None, header: Header, ctx: ParseContext) -> str:
    if not date or not clock or _DATE.fullmatch(date) is None or _TIME.fullmatch(clock) is None:
        raise ParseError(f"bad date or time {date!r} {clock!r}")
    return DEFAULT_CLOCK.iso(f"{date}T{clock}", replace(ctx, timezone=UTC) if header.utc else ctx)


def _network(protocol: str | None, address: str | None) -> dict[str, Any]:
    network: dict[str, Any] = {}
    if address and net.ip(address):
        network["type"] = "ipv6" if ":" in address else "ipv4"
    if not protocol:
        return network
    name = net.transport(protocol)
    if name == "icmpv6":
        name = "ipv6-icmp"
    if name:
        network["transport"] = name
    number = protocol if protocol.isdecimal() else net.PROTOCOL_NUMBERS.get(protocol.lower())
    if number is not None:
        network["iana_number"] = number
    return network
