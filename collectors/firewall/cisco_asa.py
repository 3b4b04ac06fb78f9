"""Cisco ASA and Firepower Threat Defense (FTD) syslog.

Samples::

    <166>May  5 17:51:17 dev01: %ASA-6-302013: Built inbound TCP connection 1111 for outside:10.10.10.10/53500
    (81.2.69.144/53500) to inside:192.168.2.2/53500 (81.2.69.144/53500)
    <166>Sep 29 2022 15:00:15 hosty : %FTD-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0xF0079F5A) between
    192.168.0.139 and 192.168.0.38 (user= 192.168.0.38) has been created.
    <113>%FTD-1-430003: EventPriority: Low, DeviceUUID: 2d7..., SrcIP: 10.0.0.5, DstIP: 8.8.8.8, SrcPort: 5353, ...

Every message is ``%ASA-<severity>-<id>: <text>`` after an optional syslog
header (with or without host, with or without year). The text of each id is
described in ``cisco_asa_messages`` (a data table: patterns and ECS
classification). FTD's Firepower events (430001–430005) are ``Key: value``
lists and are read as such. Mapping follows Elastic's ``cisco_asa`` and
``cisco_ftd`` integrations: endpoints, NAT (``mapped_*``), interfaces,
users, ACL names, bytes and durations; leftovers under ``cisco.asa.*`` or
``cisco.ftd.*``. Elastic's FTD integration types rule messages as ``info``
without an outcome; FTD lines do the same here.

Reference: Cisco ASA Series Syslog Messages; Cisco Secure Firewall Threat Defense Syslog Messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from collectors.firewall import net
from collectors.firewall.cisco_asa_messages import MESSAGES, Message
from collectors.syslog_header import parse_header
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

_MARKER = re.compile(r"%(ASA|FTD|PIX|FWSM)[^-\s:]{0,16}-+(\d)-(\d{6}):? ?")
_LEVELS = ("emergencies", "alert", "critical", "error", "warning", "notification", "informational", "debugging")
_ENDPOINT = r"(?:(?P<{p}_if>[^\s:/()]+):)?(?P<{p}_ip>[^\s/(),]+)(?:/(?P<{p}_port>\d+))?(?:\((?P<{p}_user>[^)]*)\))?"
_MAPPED = r"\((?P<{p}_nat_ip>[^\s/()]+)(?:/(?P<{p}_nat_port>\d+))?\)(?:\((?P<{p}_nat_user>[^)]*)\))?"
_TYPED = {
    "src_ip": r"[^\s/(),]+",
    "dst_ip": r"[^\s/(),]+",
    "src_nat_ip": r"[^\s/(),]+",
    "src_port": r"\d+",
    "dst_port": r"\d+",
    "src_nat_port": r"\d+",
    "icmp_type": r"\d+",
    "icmp_code": r"\d+",
}
_WORD = r"\S+"
_PLACEHOLDER = re.compile(r"\{(\w+)([*+]?)\}")
_PAYLOAD = re.compile(r"(\w+) src (\S+?)/(\d+) dst (\S+?)/(\d+)")
_FIREPOWER = re.compile(r"(\w+): ([^,]*)(?:, |$)")
_TAKEN = frozenset(
    [
        "src_ip",
        "src_port",
        "src_if",
        "src_user",
        "dst_ip",
        "dst_port",
        "dst_if",
        "dst_user",
        "src_nat_ip",
        "src_nat_port",
        "dst_nat_ip",
        "dst_nat_port",
        "src_nat_user",
        "dst_nat_user",
        "direction",
        "transport",
        "rule",
        "user",
        "verdict",
        "bytes",
        "duration",
        "rest",
        "payload",
    ]
)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Turn the message table's pattern language into a regular expression."""
    out: list[str] = []
    pos = 0
    for found in _PLACEHOLDER.finditer(pattern):
        out.append(_literal(pattern[pos : found.start()]))
        name, mode = found.groups()
        if name in ("src", "dst"):
            out.append(_ENDPOINT.format(p=name))
        elif name in ("src_nat", "dst_nat"):
            out.append(_MAPPED.format(p=name[:3]))
        elif mode == "*":
            out.append(f"(?P<{name}>.*?)")
        elif mode == "+":
            out.append(f"(?P<{name}>.+)")
        else:
            out.append(f"(?P<{name}>{_TYPED.get(name, _WORD)})")
        pos = found.end()
    out.append(_literal(pattern[pos:]))
    return re.compile("".join(out))


def _literal(text: str) -> str:
    return " +".join(re.escape(part) for part in text.split(" ")).replace(" + +", " +")


COMPILED: dict[str, tuple[Message, tuple[re.Pattern[str], ...]]] = {
    msgid: (message, tuple(compile_pattern(p) for p in message.patterns)) for msgid, message in MESSAGES.items()
}


@register
class CiscoAsaParser(LineParser):
    """Cisco ASA, PIX and FTD ``%ASA-n-nnnnnn`` / ``%FTD-n-nnnnnn`` messages."""

    name = "cisco-asa"
    dataset = "cisco_asa.log"
    priority = 10

    def sniff_line(self, line: str) -> bool:
        at = line.find("%")
        return at >= 0 and _MARKER.search(line, at) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        marker = _MARKER.search(line)
        if marker is None:
            raise ParseError("no %ASA-n-nnnnnn or %FTD-n-nnnnnn message id")
        product, level, msgid = marker.groups()
        ftd = product == "FTD"
        namespace = "ftd" if ftd else "asa"
        header = parse_header(line[: marker.start()], ctx)
        text = line[marker.end() :].strip()
        severity = int(level)
        event: Event = {
            "event": {
                "kind": "event",
                "category": [],
                "type": ["info"],
                "code": msgid,
                "severity": severity,
                "dataset": f"cisco_{namespace}.log",
                "module": f"cisco_{namespace}",
            },
            "log": {"level": _LEVELS[severity]},
            "observer": {"vendor": "Cisco", "product": namespace, "type": "firewall"},
            "message": text,
        }
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        hostname = _hostname(header.hostname, header.app, header.message)
        if hostname:
            event["observer"]["hostname"] = hostname
            event["host"] = {"hostname": hostname}
        if header.priority is not None:
            event["log"]["syslog"] = header.log_fields()
        vendor: dict[str, Any] = {}
        special = _SPECIAL.get(msgid)
        if special is not None:
            special(event, text, vendor)
        else:
            _from_table(event, msgid, text, vendor, ftd)
        if vendor:
            event["cisco"] = {namespace: vendor}
        return event


def _hostname(hostname: str | None, app: str | None, rest: str) -> str | None:
    if hostname:
        return hostname
    if app and not app.startswith("%"):
        return app
    word = rest.strip().rstrip(":").strip()
    return word if word and " " not in word else None


def _from_table(event: Event, msgid: str, text: str, vendor: dict[str, Any], ftd: bool) -> None:
    found = COMPILED.get(msgid)
    if found is None:
        return
    message, patterns = found
    ev = event["event"]
    ev["action"] = message.action
    if ftd and message.action == "firewall-rule":
        ev["category"], ev["type"] = ["network"], ["info"]  # how Elastic's cisco_ftd integration types them
    else:
        ev["category"], ev["type"] = list(message.category), list(message.type) or ["info"]
        if message.outcome:
            ev["outcome"] = message.outcome
    for pattern in patterns:
        match = pattern.match(text)
        if match is not None:
            groups = {k: v for k, v in match.groupdict().items() if v}
            _apply(event, groups, vendor, message.swap)
            return


def _apply(event: Event, g: dict[str, str], vendor: dict[str, Any], swap: bool) -> None:
    direction = g.get("direction", "").lower()
    if swap and direction == "outbound":
        g = {_swap_name(k): v for k, v in g.items()}
    source = net.endpoint(g.get("src_ip"), g.get("src_port"))
    destination = net.endpoint(g.get("dst_ip"), g.get("dst_port"))
    for side, p in ((source, "src"), (destination, "dst")):
        nat_ip, nat_port = net.ip(g.get(f"{p}_nat_ip")), net.port(g.get(f"{p}_nat_port"))
        if nat_ip:
            side["nat"] = {"ip": nat_ip}
            vendor[f"mapped_{'source' if p == 'src' else 'destination'}_ip"] = nat_ip
        if nat_port is not None:
            side.setdefault("nat", {})["port"] = nat_port
            vendor[f"mapped_{'source' if p == 'src' else 'destination'}_port"] = nat_port
        user = g.get(f"{p}_user") or g.get(f"{p}_nat_user")
        if user:
            side["user"] = {"name": user.rsplit("\\", 1)[-1]}
            vendor[f"{'source' if p == 'src' else 'destination'}_username"] = user
    if source:
        event["source"] = source
    if destination:
        event["destination"] = destination
    observer = event["observer"]
    if "src_if" in g:
        observer["ingress"] = {"interface": {"name": g["src_if"]}}
        vendor["source_interface"] = g["src_if"]
    if "dst_if" in g:
        observer["egress"] = {"interface": {"name": g["dst_if"]}}
        vendor["destination_interface"] = g["dst_if"]
    network: dict[str, Any] = {}
    if direction in ("inbound", "outbound"):
        network["direction"] = direction
    transport = net.transport(g.get("transport"))
    if transport:
        network["transport"] = transport
        number = net.PROTOCOL_NUMBERS.get(transport)
        if number:
            network["iana_number"] = number
    if "bytes" in g and g["bytes"].isdigit():
        network["bytes"] = int(g["bytes"])
    if network:
        event["network"] = network
    if "rule" in g:
        event["rule"] = {"name": g["rule"]}
        vendor["rule_name"] = g["rule"]
    if "user" in g:
        event["user"] = {"name": g["user"]}
    verdict = g.get("verdict", "").lower()
    if verdict:
        allowed = verdict.startswith(("permit", "allow", "est-allow"))
        said = "allowed" if allowed else "denied"
        event["event"]["type"] = [said if t in ("allowed", "denied") else t for t in event["event"]["type"]]
    if "duration" in g:
        seconds = _duration(g["duration"])
        if seconds is not None:
            event["event"]["duration"] = seconds * 1_000_000_000
    for key, value in g.items():
        if key not in _TAKEN:
            vendor[key] = int(value) if key in ("icmp_type", "icmp_code") and value.isdigit() else value
    related = net.related_ips(g.get("src_ip"), g.get("dst_ip"), g.get("src_nat_ip"), g.get("dst_nat_ip"))
    if related:
        event["related"] = {"ip": related}


def _swap_name(name: str) -> str:
    if name.startswith("src_"):
        return "dst_" + name[4:]
    if name.startswith("dst_"):
        return "src_" + name[4:]
    return name


def _duration(value: str) -> int | None:
    parts = value.split(":")
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        return None
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + int(part)
    return seconds


def _icmp_error(event: Event, text: str, vendor: dict[str, Any]) -> None:
    """313005: the quoted original packet, when it has ports, names the real endpoints."""
    ftd = event["observer"]["product"] == "ftd"
    _from_table(event, "313005", text, vendor, ftd)
    at = text.find("Original IP payload:")
    if at < 0:
        return
    found = _PAYLOAD.search(text, at)
    if found is None:
        return
    _, src, sport, dst, dport = found.groups()
    event["source"] = net.endpoint(src, sport)
    event["destination"] = net.endpoint(dst, dport)
    related = net.related_ips(src, dst)
    if related:
        event["related"] = {"ip": related}


_FIREPOWER_KINDS = {
    "430001": (["intrusion_detection", "network"], ["info"], "intrusion-detected"),
    "430002": (["network"], ["connection", "start"], "connection-started"),
    "430003": (["network"], ["connection", "end"], "connection-finished"),
    "430004": (["file", "network"], ["info"], "file-detected"),
    "430005": (["malware", "file", "network"], ["info"], "malware-detected"),
}
_FIREPOWER_FIELDS = {
    "SrcIP": "src_ip",
    "DstIP": "dst_ip",
    "SrcPort": "src_port",
    "DstPort": "dst_port",
    "Protocol": "transport",
    "IngressInterface": "src_if",
    "EgressInterface": "dst_if",
    "AccessControlRuleName": "rule",
    "User": "user",
    "NAT_InitiatorAddr": "src_nat_ip",
    "NAT_InitiatorPort": "src_nat_port",
    "NAT_ResponderAddr": "dst_nat_ip",
    "NAT_ResponderPort": "dst_nat_port",
}


def _firepower(msgid: str) -> Callable[[Event, str, dict[str, Any]], None]:
    category, types, action = _FIREPOWER_KINDS[msgid]

    def read(event: Event, text: str, vendor: dict[str, Any]) -> None:
        pairs = {k: v for k, v in _FIREPOWER.findall(text) if v}
        ev = event["event"]
        ev["category"], ev["type"], ev["action"] = list(category), list(types), action
        verdict = pairs.get("AccessControlRuleAction", "").lower()
        if verdict:
            ev["type"].append("denied" if verdict.startswith(("block", "deny", "drop")) else "allowed")
            ev["outcome"] = "success"
        g = {name: pairs[key] for key, name in _FIREPOWER_FIELDS.items() if key in pairs}
        if g.get("user", "").lower() in ("no authentication required", "not found", "unknown"):
            g.pop("user")
        _apply(event, g, vendor, swap=False)
        for key, target in (("InitiatorBytes", "source"), ("ResponderBytes", "destination")):
            if pairs.get(key, "").isdigit() and target in event:
                event[target]["bytes"] = int(pairs[key])
        for key, value in pairs.items():
            if key not in _FIREPOWER_FIELDS:
                vendor[key.lower()] = value

    return read


_SPECIAL: dict[str, Callable[[Event, str, dict[str, Any]], None]] = {
    "313005": _icmp_error,
    **{msgid: _firepower(msgid) for msgid in _FIREPOWER_KINDS},
}
