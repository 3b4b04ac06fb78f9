"""Barracuda CloudGen Firewall activity log records as JSON, bare or behind a syslog header.

Sample::

    <134>Mar  2 09:15:00 cgf-edge act: {"version":1,"timestamp":1772442900,"action":"Block","duration":0,
    "src_iface":"port2","src_ip":"10.30.0.9","src_port":55123,"dst_iface":"port1","dst_ip":"198.51.100.71",
    "dst_port":3389,"fw_rule":"BLOCK-RDP-OUT","ip_proto":6,"user":"erin","fwd_bytes":60,"rev_bytes":0}

The firewall streams one record per session event (``action``: ``Start``,
``End``, ``Block``, ``Deny``, ``Drop``…) with the time in epoch seconds and
the duration in milliseconds. ``fwd_*`` counts what the source sent,
``rev_*`` the answer; ``src_ip_nat``/``dst_ip_nat`` are the translated
addresses. Older exports name the counters ``sent``/``received`` and the
protocol ``proto``: both are read.

ECS mapping follows Elastic's ``barracuda_cloudgen_firewall.log`` integration,
which names the product by its log-stream identifier, ``ngfw``; the rest stays
under ``barracuda_cloudgen_firewall.log.*``.

Reference: Barracuda CloudGen Firewall documentation, "Log Streaming" and "Firewall Activity Log" fields.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import orjson

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import DEFAULT_CLOCK
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "barracuda_cloudgen_firewall.log"

_SNIFF = re.compile(r'"(?:src_iface|fw_rule|fwd_bytes|app_rule)"\s*:')
_TYPES = {
    "start": ["connection", "start"],
    "end": ["end"],
    "allow": ["connection", "allowed"],
    "block": ["connection", "denied"],
    "deny": ["connection", "denied"],
    "drop": ["connection", "denied"],
    "remove": ["connection", "end"],
    "fail": ["connection", "info"],
}
_MAPPED = frozenset(
    ("version", "timestamp", "action", "duration", "src_iface", "dst_iface", "src_ip", "src_port", "dst_ip",
     "dst_port", "src_mac", "dst_mac", "fw_rule", "src_ip_nat", "dst_ip_nat", "src_port_nat", "dst_port_nat",
     "fwd_bytes", "rev_bytes", "sent", "received", "fwd_packets", "rev_packets", "ip_proto", "proto", "user")
)  # fmt: skip


@register
class BarracudaCloudgenParser(LineParser):
    """CloudGen Firewall session records (the ``ngfw-act`` log stream)."""

    name = "barracuda-cloudgen"
    dataset = DATASET
    priority = 25
    sniff_tokens = ('"src_ip"',)

    def sniff_line(self, line: str) -> bool:
        start = line.find("{")
        return start >= 0 and '"src_ip"' in line and '"timestamp"' in line and _SNIFF.search(line, start) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        start = line.find("{")
        if start < 0:
            raise ParseError("no JSON object: not a Barracuda CloudGen record")
        try:
            rec = orjson.loads(line[start:])
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"not JSON: {exc}") from exc
        if not isinstance(rec, dict) or not ("src_ip" in rec or "dst_ip" in rec):
            raise ParseError("no src_ip/dst_ip: not a Barracuda CloudGen record")
        header = parse_header(line[:start], ctx) if start else None
        action = _text(rec.get("action"))
        types = _TYPES.get((action or "").lower(), ["connection", "info"])
        event_fields: dict[str, Any] = {"kind": "event", "category": ["network"], "type": list(types)}
        event_fields.update(dataset=DATASET, module="barracuda_cloudgen_firewall")
        if action:
            event_fields["action"] = action
            event_fields["outcome"] = "failure" if action.lower() == "fail" else "success"
        millis = net.integer(_text(rec.get("duration")))
        if millis is not None:
            event_fields["duration"] = millis * 1_000_000
        event: Event = {"event": event_fields}
        stamp = _timestamp(rec.get("timestamp"), ctx) or (header.timestamp if header else None)
        if stamp:
            event["@timestamp"] = stamp
        _endpoints(event, rec)
        observer: dict[str, Any] = {"vendor": "Barracuda", "product": "ngfw", "type": "firewall"}
        if header and header.hostname:
            observer["hostname"] = header.hostname
        for side, key in (("ingress", "src_iface"), ("egress", "dst_iface")):
            interface = _text(rec.get(key))
            if interface:
                observer[side] = {"interface": {"name": interface}}
        event["observer"] = observer
        rule = _text(rec.get("fw_rule"))
        if rule:
            event["rule"] = {"name": rule}
        user = _text(rec.get("user"))
        if user:
            event["user"] = {"name": user}
            event.setdefault("related", {})["user"] = [user]
        vendor = {k: v for k, v in rec.items() if k not in _MAPPED and v is not None and v != "" and v != []}
        event["barracuda_cloudgen_firewall"] = {"log": vendor}
        return event


def _text(value: Any) -> str | None:
    """A scalar JSON value as text; objects and lists are not values of these fields."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    return value if isinstance(value, str) else str(value)


def _timestamp(value: Any, ctx: ParseContext) -> str | None:
    """Epoch seconds (milliseconds when that large), or an ISO 8601 string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 100_000_000_000 else value
        try:
            return ecs.format_ts(datetime.fromtimestamp(seconds, UTC))
        except (OverflowError, OSError, ValueError) as exc:
            raise ParseError(f"bad timestamp {value!r}") from exc
    if isinstance(value, str) and value.isdecimal():
        return _timestamp(int(value), ctx)
    if isinstance(value, str) and value:
        return DEFAULT_CLOCK.iso(value, ctx)
    raise ParseError(f"bad timestamp {value!r}")


def _endpoints(event: Event, rec: dict[str, Any]) -> None:
    src, dst = _text(rec.get("src_ip")), _text(rec.get("dst_ip"))
    source, destination = net.endpoint(src, _text(rec.get("src_port"))), net.endpoint(dst, _text(rec.get("dst_port")))
    for side, prefix in ((source, "src"), (destination, "dst")):
        nat_ip = net.ip(_text(rec.get(prefix + "_ip_nat")))
        if nat_ip is not None:
            side["nat"] = {"ip": nat_ip}
            nat_port = net.port(_text(rec.get(prefix + "_port_nat")))
            if nat_port is not None:
                side["nat"]["port"] = nat_port
        address = net.mac(_text(rec.get(prefix + "_mac")))
        if address:
            side["mac"] = address
    for side, direction in ((source, ("fwd", "sent")), (destination, ("rev", "received"))):
        count = net.integer(_text(rec.get(f"{direction[0]}_bytes", rec.get(direction[1]))))
        if count is not None:
            side["bytes"] = count
        packets = net.integer(_text(rec.get(f"{direction[0]}_packets")))
        if packets is not None:
            side["packets"] = packets
    net.attach(event, source=source, destination=destination)
    network: dict[str, Any] = {}
    proto = _text(rec.get("ip_proto", rec.get("proto")))
    if proto:
        if proto.isdecimal():
            network["iana_number"] = proto
        network["transport"] = net.transport(proto)
    address = source.get("ip") or destination.get("ip")
    if address:
        network["type"] = "ipv6" if ":" in address else "ipv4"
    found = net.direction(source.get("ip"), destination.get("ip"))
    if found:
        network["direction"] = found
    event["network"] = network
    net.RELATED_ENDPOINTS.fill(event)
