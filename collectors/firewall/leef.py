"""IBM QRadar Log Event Extended Format (LEEF 1.0 and 2.0), alone or after a syslog header.

Samples::

    LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81
    <13>Jan 18 11:07:53 host LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5

LEEF 1.0 separates attributes with tabs; LEEF 2.0 names its delimiter in a
sixth header field (a character, or ``x09``/``0x09`` as hex). Predefined
attributes map to ECS (addresses, ports, NAT pre/post, bytes, packets,
``usrName``, ``devTime`` with ``devTimeFormat``'s common shapes); all
attributes are kept under ``leef.attributes``. A syslog header's host is
``observer.hostname``; its time is ``@timestamp`` when there is no ``devTime``.

Reference: IBM QRadar "Log Event Extended Format (LEEF)" version 2 specification.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import MONTHS, device_timestamp, zone_minutes
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "leef.log"

ECS_FIELDS: dict[str, str] = {
    "src": "source.ip", "dst": "destination.ip", "srcPort": "source.port", "dstPort": "destination.port",
    "srcPostNAT": "source.nat.ip", "dstPostNAT": "destination.nat.ip", "srcPostNATPort": "source.nat.port",
    "dstPostNATPort": "destination.nat.port", "srcBytes": "source.bytes", "dstBytes": "destination.bytes",
    "srcPackets": "source.packets", "dstPackets": "destination.packets", "srcMAC": "source.mac",
    "dstMAC": "destination.mac", "usrName": "user.name", "identHostName": "host.name", "url": "url.original",
    "action": "event.action", "policy": "rule.name", "resource": "destination.domain",
}  # fmt: skip
_INTEGER = frozenset(("source.port", "destination.port", "source.nat.port", "destination.nat.port"))
_INTEGER |= {"source.bytes", "destination.bytes", "source.packets", "destination.packets"}
_IP = frozenset(("source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip"))
_HEX_DELIMITER = re.compile(r"(?:0?x)([0-9a-fA-F]{2,4})$")
_DENY = re.compile(r"deny|denied|drop|block|reject", re.IGNORECASE)
_ALLOW = re.compile(r"allow|accept|permit|pass", re.IGNORECASE)


@register
class LeefParser(LineParser):
    """LEEF from any vendor; attributes kept under ``leef.attributes``."""

    name = "leef"
    dataset = DATASET
    priority = 80  # generic: after the vendor formats

    def sniff_line(self, line: str) -> bool:
        return "LEEF:" in line and line.count("|") >= 5

    def parse(self, line: str, ctx: ParseContext) -> Event:
        at = line.find("LEEF:")
        if at < 0:
            raise ParseError("no LEEF: marker")
        version, _, rest = line[at + 5 :].partition("|")
        fields = rest.split("|", 4)
        if len(fields) < 4:
            raise ParseError("LEEF header without vendor, product, version and event id")
        vendor, product, dev_version, event_id = fields[:4]
        body = fields[4] if len(fields) > 4 else ""
        delimiter: str | None = "\t"
        if version.startswith("2"):
            declared, bar, after = body.partition("|")
            if bar and (len(declared) == 1 or _HEX_DELIMITER.match(declared)):
                delimiter, body = _delimiter(declared), after
            elif bar and not declared:  # an empty delimiter field: none declared
                delimiter, body = None, after
            else:  # the field left out: attributes follow the event id
                delimiter = None
        attributes = _attributes(body, delimiter)
        event: Event = {
            "event": {"kind": "event", "category": [], "type": ["info"], "code": event_id},
            "observer": {"vendor": vendor, "product": product, "version": dev_version},
            "leef": {"version": version, "event_id": event_id, "attributes": attributes},
        }
        for key, value in attributes.items():
            target = ECS_FIELDS.get(key)
            if target is not None:
                _put(event, target, value)
        _special(event, attributes, ctx)
        if at:  # a syslog header: its host is the device, whether or not devTime dates the record
            header = parse_header(line[:at], ctx)
            if header.timestamp and "@timestamp" not in event:
                event["@timestamp"] = header.timestamp
            if header.hostname:
                event["observer"]["hostname"] = header.hostname
        return event


def _delimiter(declared: str) -> str:
    if len(declared) == 1:
        return declared
    found = _HEX_DELIMITER.match(declared)
    if found is not None:
        return chr(int(found.group(1), 16))
    return "\t"


def _attributes(body: str, delimiter: str | None) -> dict[str, str]:
    """``key=value`` items; the delimiter guessed when none is declared or the declared one is not used.

    Devices bend the delimiter rule: PAN-OS and others write LEEF 1.0 with
    ``|`` or ``^`` instead of tabs, some LEEF 2.0 senders leave the delimiter
    field out. A body of several ``key=`` without the declared delimiter is
    split on the candidate that most often precedes a key, and only there,
    so values keep that character elsewhere.
    """
    if delimiter is None or (delimiter not in body and body.count("=") > 1):
        guessed = _guess_delimiter(body)
        items = guessed.split(body) if guessed is not None else [body]
    else:
        items = body.split(delimiter)
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if sep and key and key not in out:
            out[key] = value
    return out


_CANDIDATES = {c: re.compile(rf"{re.escape(c)}(?=[A-Za-z_][\w.\-]*=)") for c in ("\t", "|", "^", ";", ",", " ")}
"""Delimiters seen in the field, each as the split before a ``key=``; the earlier one wins a tie."""


def _guess_delimiter(body: str) -> re.Pattern[str] | None:
    best, count = None, 0
    for candidate in _CANDIDATES.values():
        found = len(candidate.findall(body))
        if found > count:
            best, count = candidate, found
    return best


_JAVA_TOKEN = re.compile(r"'([^']*)'|y+|M+|d+|H+|h+|k+|K+|m+|s+|S+|a+|E+|z+|Z+|X+|.", re.DOTALL)
_JAVA_PART = {
    "y": ("y", r"\d{4}|\d{2}"), "M": ("M", r"\d{1,2}"), "MMM": ("N", r"[A-Za-z]{3,9}\.?"),
    "d": ("d", r"\d{1,2}"), "H": ("H", r"\d{1,2}"), "k": ("H", r"\d{1,2}"), "h": ("h", r"\d{1,2}"),
    "K": ("h", r"\d{1,2}"), "m": ("m", r"\d{1,2}"), "s": ("s", r"\d{1,2}"), "S": ("S", r"\d{1,9}"),
    "a": ("a", r"[AaPp][Mm]"), "E": ("", r"[A-Za-z]{2,9}\.?"),
    "z": ("z", r"Z|[A-Za-z]{1,5}(?:[+-]\d\d?:?\d\d)?|[+-]\d\d:?\d\d"),
}  # fmt: skip
"""Pattern letter (``MMM`` for a month name, ``z`` for every zone letter) → (group, regex)."""
_MONTH_NUMBER = {name.lower(): number for name, number in MONTHS.items()}


@lru_cache(maxsize=64)
def _java_pattern(layout: str) -> re.Pattern[str] | None:
    """A Java ``SimpleDateFormat`` layout (``devTimeFormat``) as a regex with named parts, or None."""
    parts: list[str] = []
    seen: set[str] = set()
    for token in _JAVA_TOKEN.finditer(layout):
        text = token.group(0)
        if token.group(1) is not None:  # 'quoted text', '' a quote
            parts.append(re.escape(token.group(1) or "'"))
            continue
        letter = text[0]
        key = "MMM" if letter == "M" and len(text) >= 3 else "z" if letter in "zZX" else letter
        if key not in _JAVA_PART:
            if letter.isalpha():
                return None  # a field this reader does not know (week numbers, eras)
            parts.append(re.escape(text))
            continue
        group, regex = _JAVA_PART[key]
        if group in seen:
            return None
        if group:
            seen.add(group)
            regex = f"(?P<{group}>{regex})"
        parts.append(regex)
    if not ({"y", "d"} <= seen and seen & {"M", "N"}):
        return None
    return re.compile("".join(parts) + "$")


def _java_time(value: str, layout: str, ctx: ParseContext) -> str | None:
    """``devTime`` read with its ``devTimeFormat``; None when they do not fit together."""
    pattern = _java_pattern(layout)
    found = pattern.match(value.strip()) if pattern is not None else None
    if found is None:
        return None
    part = found.groupdict()
    year = int(part["y"])
    year += 2000 if year < 100 else 0
    month = int(part["M"]) if part.get("M") else _MONTH_NUMBER.get(part["N"][:3].lower())
    hour = int(part.get("H") or part.get("h") or 0)
    if part.get("a"):
        hour = hour % 12 + (12 if part["a"].lower() == "pm" else 0)
    micro = int((part.get("S") or "0").ljust(6, "0")[:6])
    minutes = zone_minutes(part["z"]) if part.get("z") else None
    zone = ctx.timezone if minutes is None else timezone(timedelta(minutes=minutes))
    try:
        moment = datetime(
            year, month or 0, int(part["d"]), hour, int(part.get("m") or 0), int(part.get("s") or 0), micro, zone
        )
    except ValueError:
        return None
    return ecs.format_ts(moment)


def _put(event: Event, target: str, value: str) -> None:
    if target in _INTEGER:
        number = net.integer(value)
        if number is not None:
            ecs.put(event, target, number)
    elif target in _IP:
        if net.ip(value):
            ecs.put(event, target, value)
    elif value:
        ecs.put(event, target, value)


def _special(event: Event, attributes: dict[str, str], ctx: ParseContext) -> None:
    proto = attributes.get("proto")
    if proto:
        ecs.put(event, "network.transport", net.transport(proto))
    severity = attributes.get("sev")
    if severity and severity.isdecimal():
        event["event"]["severity"] = int(severity)
    if "devTime" in attributes:
        stamp = device_timestamp(attributes["devTime"], ctx)
        if stamp is None and "devTimeFormat" in attributes:
            stamp = _java_time(attributes["devTime"], attributes["devTimeFormat"], ctx)
        if stamp:
            event["@timestamp"] = stamp
    if "cat" in attributes:
        event["event"]["reason"] = attributes["cat"]
    action = attributes.get("action", "")
    if "source" in event or "destination" in event:
        event["event"]["category"] = ["network"]
        verdict = "denied" if _DENY.search(action) else "allowed" if _ALLOW.search(action) else None
        event["event"]["type"] = ["connection", verdict] if verdict else ["connection"]
        src, dst = ecs.get(event, "source.ip"), ecs.get(event, "destination.ip")
        direction = net.direction(src, dst)
        if direction:
            ecs.put(event, "network.direction", direction)
        net.add_related_ips(event, src, dst, ecs.get(event, "source.nat.ip"), ecs.get(event, "destination.nat.ip"))
    user: Any = ecs.get(event, "user.name")
    if user:
        ecs.put(event, "source.user.name", user)
