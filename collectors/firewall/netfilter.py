"""Linux netfilter packet logs (iptables/nftables ``LOG`` target, Ubiquiti EdgeOS/UniFi, Proxmox).

Sample::

    <161>Oct 10 07:25:12 gw kernel: [wan-lan-default-D]IN=eth0 OUT= MAC=90:10:20:76:8d:20:90:10:65:29:b6:2a:08:00
    SRC=67.43.156.15 DST=10.4.0.5 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=TCP SPT=38842 DPT=443
    WINDOW=2853 RES=0x00 ACK URGP=0

The kernel writes the rule's log prefix, then ``KEY=value`` pairs and bare
flags (``DF``, ``SYN``…); keys after ``PROTO`` belong to that protocol (a UDP
``LEN`` is not the IP ``LEN``). ICMP errors quote the offending packet in
brackets; that part is kept as text. The verdict comes from the prefix:
Ubiquiti's ``[ruleset-rule-A|D|R]`` (``event.action`` accept, drop, reject)
or the word holding DROP, DENY, REJECT, ACCEPT… (``event.action`` is that
word in lower case, ``DROP_INPUT`` → ``drop_input``). ECS mapping follows
Elastic's ``iptables`` integration; the rest goes under ``iptables.*``.

Reference: Linux ``net/netfilter/nf_log_syslog.c``; Elastic ``iptables`` integration fields.
"""

from __future__ import annotations

import re
import string
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import DEFAULT_CLOCK, MONTHS
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "iptables.log"

_UBIQUITI = re.compile(r"\[([^\]\s\[]+)-(default|\d+)-([ADR])\]")
_START = re.compile(r"IN=[^\s=]* OUT=")
"""Where the kernel's fields start: ``IN=`` and ``OUT=`` always come together, even right after a prefix
written without its trailing space (``--log-prefix "DROP"`` gives ``DROPIN=eth0 OUT=``)."""
_START_ALONE = re.compile(r"(?:^|[\s\]:])((?:IN|OUT)=)")
_UPTIME = re.compile(r"\[\s*\d+\.\d+\]\s*")
_CTIME = re.compile(r"\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2} +\d{1,2}) (\d\d?:\d\d:\d\d) (\d{4})\]\s*")
"""``dmesg -T``'s wall-clock stamp, in the place of the uptime."""
_VERDICT = re.compile(r"\b\w*?(?:(DROP|DENY|REJECT|BLOCK)|(ACCEPT|ALLOW|PASS))\w*", re.IGNORECASE)
"""The prefix word that carries the verdict (``DROP_INPUT``, ``[UFW BLOCK]``'s ``BLOCK``); tried from word starts
only, so a long word costs one pass, not one per character."""
_APACHE_TIME = re.compile(r"(\d\d)/(\w{3})/(\d{4}):(\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)")
_UBIQUITI_ACTION = {"A": ("allowed", "accept"), "D": ("denied", "drop"), "R": ("denied", "reject")}
_IP_KEYS = {"LEN": "length", "TOS": "tos", "PREC": "precedence_bits", "TTL": "ttl", "ID": "id", "TC": "tc"}
_IP_KEYS |= {"HOPLIMIT": "hop_limit", "FLOWLBL": "flow_label", "MARK": "mark", "UID": "uid", "GID": "gid"}
_PACKET_KEYS = frozenset(("UID", "GID", "MARK"))
"""Written after the protocol's fields (the socket's owner, the packet mark), yet about the packet."""
_PROTO_NAMES = {"icmpv6": "ipv6-icmp"}
_FRAGMENT_FLAGS = frozenset(("DF", "MF", "CE"))
_BLOCKS = {"ipv6-icmp": "icmp"}
"""The ``iptables.*`` object a protocol's fields go to, where it is not the transport's name (Elastic's)."""


@register
class NetfilterParser(LineParser):
    """Kernel ``LOG`` lines of iptables and nftables."""

    name = "netfilter"
    dataset = DATASET
    priority = 40

    def sniff_line(self, line: str) -> bool:
        return "SRC=" in line and " DST=" in line and ("IN=" in line or "OUT=" in line)

    def parse(self, line: str, ctx: ParseContext) -> Event:
        found = _START.search(line)
        if found is not None:
            at = found.start()
        else:
            found = _START_ALONE.search(line)
            if found is None or "SRC=" not in line:
                raise ParseError("no IN=/OUT= and SRC= fields: not a netfilter log line")
            at = found.start(1)
        header = parse_header(line[:at], ctx)
        prefix = _UPTIME.sub("", header.message).strip()
        wall = _CTIME.match(prefix) if header.timestamp is None and prefix[:1] == "[" else None
        if wall is not None:
            prefix = prefix[wall.end() :]
        if not prefix and header.app and header.app != "kernel":
            prefix = header.app
        fields, flags, proto_fields, quoted = _fields(line[at:])
        src, dst = fields.get("SRC"), fields.get("DST")
        proto = fields.get("PROTO", "")
        transport = _PROTO_NAMES.get(proto.lower()) or net.transport(proto)
        source, destination = net.endpoint(src, proto_fields.pop("SPT", None)), net.endpoint(dst, None)
        dport = net.port(proto_fields.pop("DPT", None))
        if dport is not None:
            destination["port"] = dport
        iptables: dict[str, Any] = {k2: _number(fields[k]) for k, k2 in _IP_KEYS.items() if k in fields}
        event_fields: dict[str, Any] = {"kind": "event", "category": ["network"], "type": ["connection"]}
        event_fields.update(dataset=DATASET, module="iptables")
        event: Event = {"event": event_fields, "source": source, "destination": destination}
        verdict, action = _verdict(prefix, event, iptables)
        if verdict:
            event_fields["type"] = [verdict, "connection"]
            event_fields["action"] = action
        stamp = header.timestamp or _dmesg_time(wall, ctx) or _apache_time(header.message, ctx)
        if stamp:
            event["@timestamp"] = stamp
        if header.hostname:
            event["host"] = {"hostname": header.hostname}
        network: dict[str, Any] = {"type": "ipv6" if ":" in (src or "") else "ipv4"}
        if transport:
            network["transport"] = transport
        event["network"] = network
        observer: dict[str, Any] = {"type": "firewall"}
        if fields.get("IN"):
            observer["ingress"] = {"interface": {"name": fields["IN"]}}
            iptables["input_device"] = fields["IN"]
        if fields.get("OUT"):
            observer["egress"] = {"interface": {"name": fields["OUT"]}}
            iptables["output_device"] = fields["OUT"]
        if header.hostname:
            observer["name"] = header.hostname
        ubiquiti = iptables.get("ubiquiti")
        if ubiquiti is not None and "input_zone" in ubiquiti:
            observer.setdefault("ingress", {})["zone"] = ubiquiti["input_zone"]
            observer.setdefault("egress", {})["zone"] = ubiquiti["output_zone"]
        event["observer"] = observer
        _mac(fields.get("MAC"), source, destination, iptables)
        fragment = [flag for flag in flags if flag in _FRAGMENT_FLAGS]
        if fragment:
            iptables["fragment_flags"] = fragment
        if proto_fields or (transport == "tcp" and flags):
            block: dict[str, Any] = {k.lower(): v for k, v in proto_fields.items()}
            if transport == "tcp":
                block["flags"] = [flag for flag in flags if flag not in _FRAGMENT_FLAGS]
            iptables[_BLOCKS.get(transport, transport) or "protocol"] = block
        if quoted:
            iptables["quoted_packet"] = quoted
        if prefix:
            iptables["log_prefix"] = prefix
        net.add_related_ips(event, src, dst)
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        event["iptables"] = iptables
        return event


def _fields(text: str) -> tuple[dict[str, str], list[str], dict[str, str], str]:
    quoted = ""
    cut = text.find(" [")
    if cut >= 0:
        text, quoted = text[:cut], text[cut + 1 :].strip()
    fields: dict[str, str] = {}
    flags: list[str] = []
    proto_fields: dict[str, str] = {}
    after_proto = False
    for token in text.split():
        key, sep, value = token.partition("=")
        if not sep:
            flags.append(token)
        elif after_proto and key not in _PACKET_KEYS:
            proto_fields.setdefault(key, value)
        else:
            fields.setdefault(key, value)
            after_proto = key == "PROTO"
    return fields, flags, proto_fields, quoted


def _number(value: str) -> int | str:
    return int(value) if value.isdecimal() else value


def _verdict(prefix: str, event: Event, iptables: dict[str, Any]) -> tuple[str | None, str | None]:
    """``event.type``'s verdict and ``event.action``: Ubiquiti's letter, or the prefix's verdict word lower-cased."""
    if not prefix:
        return None, None
    found = _UBIQUITI.search(prefix)
    if found is not None:
        rule_set, rule_id, letter = found.groups()
        event["rule"] = {"name": rule_set, "id": rule_id}
        ubiquiti = iptables["ubiquiti"] = {"rule_set": rule_set, "rule_number": rule_id}
        source_zone, dash, destination_zone = rule_set.partition("-")
        if dash and destination_zone:  # a zone policy (wan-lan); WAN_IN and LAN_LOCAL name an interface's rules
            ubiquiti.update(input_zone=source_zone, output_zone=destination_zone)
        return _UBIQUITI_ACTION[letter]
    word = _VERDICT.search(prefix)
    if word is None:
        return None, None
    return "denied" if word.group(1) else "allowed", word.group(0).lower()


def _mac(value: str | None, source: dict[str, Any], destination: dict[str, Any], iptables: dict[str, Any]) -> None:
    if not value:
        return
    octets = value.split(":")
    if len(octets) >= 14:
        destination["mac"] = "-".join(octets[0:6]).upper()
        source["mac"] = "-".join(octets[6:12]).upper()
        ether_type = octets[12] + octets[13]
        if len(ether_type) == 4 and all(c in string.hexdigits for c in ether_type):
            iptables["ether_type"] = int(ether_type, 16)


def _dmesg_time(found: re.Match[str] | None, ctx: ParseContext) -> str | None:
    if found is None:
        return None
    day, clock, year = found.groups()
    try:
        return DEFAULT_CLOCK.bsd(f"{day} {year} {clock}", None, ctx)
    except (ParseError, KeyError):
        return None


def _apache_time(text: str, ctx: ParseContext) -> str | None:
    """Proxmox writes ``20/Jun/2022:13:09:14 +0200`` before the fields."""
    found = _APACHE_TIME.search(text)
    if found is None:
        return None
    day, month, year, clock, hours, minutes = found.groups()
    number = MONTHS.get(month)
    if number is None:
        return None
    return DEFAULT_CLOCK.iso(f"{year}-{number:02d}-{day}T{clock}{hours}:{minutes}", ctx)
