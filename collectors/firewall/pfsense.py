"""pfSense and OPNsense packet-filter logs (``filterlog``), over RFC 3164 or RFC 5424 syslog.

Sample::

    <134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,
    10.170.12.50,175.16.199.1,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS;nop;wscale

The record is positional CSV: rule, sub-rule, anchor, tracker, interface,
reason, action, direction, IP version; then the IPv4 header (TOS, ECN, TTL,
id, offset, flags, protocol id and name, length, addresses) or the IPv6 one
(class, flow label, hop limit, protocol name and id, length, addresses); then
the protocol's own fields (ports and TCP flags, ICMP type and ids, CARP…).
ECS mapping follows Elastic's ``pfsense`` integration, which keeps the raw
``in``/``out`` as ``network.direction`` and counts the logged packet's IP
length as ``network.bytes``; the rest goes to ``pfsense.*``.

Reference: https://docs.netgate.com/pfsense/en/latest/monitoring/logs/raw-filter-format.html
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "pfsense.log"

_RECORD = re.compile(r"\d*,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,(?:block|pass|reject|match|scrub|nat|rdr|binat)\b")
_ACTION_TYPE = {"block": "denied", "reject": "denied", "pass": "allowed"}
_TCP = ("source_port", "destination_port", "data_length", "tcp_flags", "sequence", "ack", "window", "urg", "options")
_UDP = ("source_port", "destination_port", "data_length")


@register
class PfsenseParser(LineParser):
    """``filterlog`` lines of pfSense and OPNsense."""

    name = "pfsense"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "filterlog" in line

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        text = header.message
        if _RECORD.match(text) is None:
            at = text.find("filterlog")
            found = _RECORD.search(text, at if at >= 0 else 0)
            if found is None:
                raise ParseError("no filterlog record")
            text = text[found.start() :]
        values = text.split(",")
        if len(values) < 9:
            raise ParseError("filterlog record with fewer than 9 fields")
        rule, sub_rule, anchor, tracker, interface, reason, action, direction, version = values[:9]
        rest = values[9:]
        pf: dict[str, Any] = {}
        for key, value in (("rule_number", rule), ("sub_rule_number", sub_rule), ("anchor", anchor)):
            if value:
                pf[key] = value
        pf["reason"] = reason
        event: Event = {
            "event": {
                "kind": "event",
                "category": ["network"],
                "type": ["connection", _ACTION_TYPE.get(action, "info")],
                "action": action,
                "reason": reason,
                "dataset": DATASET,
                "module": "pfsense",
            },
            "observer": {"vendor": "netgate", "type": "firewall", "ingress": {"interface": {"name": interface}}},
            "network": {"direction": direction, "type": "ipv6" if version == "6" else "ipv4"},
        }
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        if header.hostname:
            event["observer"]["name"] = header.hostname
        if tracker:
            event["rule"] = {"id": tracker}
        if version == "4" and len(rest) >= 11:
            ip_fields = dict(zip(("tos", "ecn", "ttl", "id", "offset", "flags"), rest[:6], strict=True))
            proto_id, proto, length, src, dst = rest[6:11]
            tail = rest[11:]
        elif version == "6" and len(rest) >= 8:
            ip_fields = dict(zip(("class", "flow_label", "hop_limit"), rest[:3], strict=True))
            proto, proto_id, length, src, dst = rest[3:8]
            tail = rest[8:]
        else:
            raise ParseError(f"filterlog record of IP version {version!r} too short")
        pf["ip"] = {k: v for k, v in ip_fields.items() if v}
        event["network"]["transport"] = proto.lower()
        event["network"]["iana_number"] = proto_id
        if length.isdecimal():  # the packet's IP length (IPv6: payload length), Elastic's network.bytes
            event["network"]["bytes"] = int(length)
        elif length:
            pf["ip"]["length"] = length
        source, destination = net.endpoint(src), net.endpoint(dst)
        _protocol(proto.lower(), tail, source, destination, pf)
        event["source"], event["destination"] = source, destination
        net.add_related_ips(event, src, dst)
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        event["pfsense"] = pf
        return event


def _protocol(proto: str, tail: list[str], source: dict[str, Any], destination: dict[str, Any], pf: Event) -> None:
    if proto in ("tcp", "udp"):
        names = _TCP if proto == "tcp" else _UDP
        fields = dict(zip(names, tail, strict=False))
        sport, dport = net.port(fields.pop("source_port", None)), net.port(fields.pop("destination_port", None))
        if sport is not None:
            source["port"] = sport
        if dport is not None:
            destination["port"] = dport
        pf[proto] = {k: v for k, v in fields.items() if v}
    elif proto in ("icmp", "ipv6-icmp", "icmpv6") and tail:
        pf["icmp"] = {"type": tail[0], **({"id": tail[1]} if len(tail) > 1 and tail[1] else {})}
    elif tail:
        pf[proto or "payload"] = {"data": ",".join(tail)}
