"""pfSense and OPNsense packet-filter logs (``filterlog``), over RFC 3164 or RFC 5424 syslog.

Sample::

    <134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,
    10.170.12.50,175.16.199.1,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS;nop;wscale

The record is positional CSV: rule, sub-rule, anchor, tracker, interface,
reason, action, direction, IP version; then the IPv4 header (TOS, ECN, TTL,
id, offset, flags, protocol id and name, length, addresses) or the IPv6 one
(class, flow label, hop limit, protocol name and id, length, addresses); then
the protocol's own fields (ports and TCP flags, ICMP type and what that type
carries, CARP…). A row cut short keeps the fields it has. ECS mapping follows
Elastic's ``pfsense`` integration, which keeps the raw ``in``/``out`` as
``network.direction`` and counts the logged packet's IP length as
``network.bytes``; the rest goes to ``pfsense.*`` under Elastic's names
(``pfsense.tcp.flags``, ``pfsense.icmp.seq``…).

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
_IPV4 = ("tos", "ecn", "ttl", "id", "offset", "flags")
_IPV6 = ("class", "flow_label", "hop_limit")
_PACKET = {"4": ("proto_id", "proto", "length", "src", "dst"), "6": ("proto", "proto_id", "length", "src", "dst")}
# Field names as Elastic's pfsense integration has them (pfsense.tcp.flags, .length, .window…)
_TCP = ("source_port", "destination_port", "length", "flags", "sequence", "ack", "window", "urg", "options")
_UDP = ("source_port", "destination_port", "length")
_CARP = ("type", "ttl", "vhid", "version", "advskew", "advbase")
_ICMP: dict[str, tuple[str, ...]] = {
    "request": ("id", "seq"), "reply": ("id", "seq"), "tstamp": ("id", "seq"),
    "tstampreply": ("id", "seq", "otime", "rtime", "ttime"),
    "unreachproto": ("destination", "unreachable"), "unreachport": ("destination", "unreachable", "port"),
    "needfrag": ("destination", "mtu"), "redirect": ("redirect",), "paramprob": ("parameter",),
}  # fmt: skip
"""What follows each ICMP type word; other types (unreach, timexceed…) carry a description."""
_NUMERIC_ICMP = frozenset(("id", "seq", "otime", "rtime", "ttime", "mtu", "port"))


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
                "provider": "filterlog",
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
        vlan = interface.rpartition(".")[2] if "." in interface else ""
        if vlan.isdecimal():  # igb1.12: VLAN 12 on igb1
            event["observer"]["ingress"]["vlan"] = {"id": vlan}
        if version not in _PACKET:
            raise ParseError(f"filterlog record of IP version {version!r}")
        # A row cut short (a datagram truncated on its way) keeps the fields it has.
        names = _IPV4 if version == "4" else _IPV6
        ip = dict(zip(names, rest, strict=False))
        packet = dict(zip(_PACKET[version], rest[len(names) :], strict=False))
        proto, proto_id, length = packet.get("proto", ""), packet.get("proto_id", ""), packet.get("length", "")
        src, dst = packet.get("src"), packet.get("dst")
        tail = rest[len(names) + len(_PACKET[version]) :]
        pf["ip"] = {k: v for k, v in ip.items() if v}
        proto = proto.lower()
        network = event["network"]
        if proto:
            network["transport"] = proto
        if proto_id:
            network["iana_number"] = proto_id
        if length.isdecimal():  # the packet's IP length (IPv6: payload length), Elastic's network.bytes
            network["bytes"] = int(length)
        elif length:
            pf["ip"]["length"] = length
        source, destination = net.endpoint(src), net.endpoint(dst)
        _protocol(proto, tail, source, destination, pf)
        net.attach(event, source=source, destination=destination)
        net.add_related_ips(event, src, dst)
        net.attach(event, process=header.process_fields())
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        event["pfsense"] = pf
        return event


def _number(value: str) -> int | str:
    return int(value) if value.isdecimal() else value


def _protocol(proto: str, tail: list[str], source: dict[str, Any], destination: dict[str, Any], pf: Event) -> None:
    if proto in ("tcp", "udp"):
        fields = dict(zip(_TCP if proto == "tcp" else _UDP, tail, strict=False))
        sport, dport = net.port(fields.pop("source_port", None)), net.port(fields.pop("destination_port", None))
        if sport is not None:
            source["port"] = sport
        if dport is not None:
            destination["port"] = dport
        block: dict[str, Any] = {k: v for k, v in fields.items() if v}
        if "options" in block:
            block["options"] = block["options"].split(";")
        if block:
            pf[proto] = block
    elif proto in ("icmp", "ipv6-icmp", "icmpv6"):
        icmp = _icmp([value for value in tail if value] if proto != "icmp" else tail)
        if icmp:
            pf["icmp"] = icmp
    elif proto == "carp" and len(tail) >= 6:
        pf["carp"] = {k: _number(v) for k, v in zip(_CARP, tail, strict=False) if v}
    elif any(tail):
        pf[proto or "payload"] = {"data": ",".join(tail)}


def _icmp(tail: list[str]) -> dict[str, Any]:
    """The ICMP part: a type word, then what filterlog writes for that type (its raw-filter-format page)."""
    if not tail or not tail[0]:
        return {}
    kind, values = tail[0], tail[1:]
    icmp: dict[str, Any] = {"type": kind}
    names = _ICMP.get(kind)
    if names is None:
        if any(values):
            icmp["description"] = ",".join(values)
        return icmp
    for name, value in zip(names, values, strict=False):
        if not value:
            continue
        if name == "destination":
            icmp["destination"] = {"ip": value} if net.ip(value) else {"address": value}
        else:
            icmp[name] = _number(value) if name in _NUMERIC_ICMP else value
    return icmp
