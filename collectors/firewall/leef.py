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
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import device_timestamp, parse_header
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
        v2 = version.startswith("2")
        fields = rest.split("|", 5 if v2 else 4)
        if len(fields) < 4:
            raise ParseError("LEEF header without vendor, product, version and event id")
        vendor, product, dev_version, event_id = fields[:4]
        delimiter = "\t"
        if v2:
            delimiter = _delimiter(fields[4]) if len(fields) > 4 else "^"
            body = fields[5] if len(fields) > 5 else ""
        else:
            body = fields[4] if len(fields) > 4 else ""
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


def _attributes(body: str, delimiter: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in body.split(delimiter):
        key, sep, value = item.partition("=")
        key = key.strip()
        if sep and key and key not in out:
            out[key] = value
    return out


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
