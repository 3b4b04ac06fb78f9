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
``cisco_ftd`` integrations: endpoints, NAT (``mapped_*`` as written; in
``*.nat`` only the address or port that differs from the real one, since
ASA repeats an untranslated pair), interfaces, users, ACL names, bytes and
durations; leftovers under ``cisco.asa.*`` or ``cisco.ftd.*``. Elastic's
FTD integration types rule messages as ``info`` without an outcome; FTD
lines do the same here.

Reference: Cisco ASA Series Syslog Messages; Cisco Secure Firewall Threat Defense Syslog Messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from collectors.firewall import net
from collectors.firewall.cisco_asa_messages import MESSAGES, Message
from collectors.syslog_header import parse_header
from secops import ecs
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
_PLACEHOLDER = re.compile(r"\{(\w+)([*+?]?)\}")
_PAYLOAD = re.compile(r"(\w+) src (\S+?)/(\d+) dst (\S+?)/(\d+)")
_TOKENS = re.compile(r"[\s()<>\[\],;/=\"']+")
"""What separates an address from its neighbours in free text: ``(10.0.0.1)``, ``<ip>``, ``ip/port``."""
_SESSION_DURATION = re.compile(r"(?:(\d+)d\s*)?(\d+)h:(\d+)m:(\d+)s")
_FIREPOWER = re.compile(r", (?=[A-Za-z][\w-]*(?: [A-Za-z][\w-]*){0,3}: )")
"""Where one ``Key: value`` of a Firepower event ends: at ", " before the next key. Values hold commas
(a user agent's ``(KHTML, like Gecko)``, a URL's query), and a few keys hold spaces (``Prefilter Policy``)."""
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
        if name == "_":
            out.append(r"\S+")
        elif name in ("src", "dst"):
            out.append(_ENDPOINT.format(p=name))
        elif name in ("src_nat", "dst_nat"):
            out.append(_MAPPED.format(p=name[:3]))
        elif mode == "*":
            out.append(f"(?P<{name}>.*?)")
        elif mode == "+":
            out.append(f"(?P<{name}>.+)")
        elif mode == "?":
            out.append(f"(?: +(?P<{name}>.+))?")
        else:
            out.append(f"(?P<{name}>{_TYPED.get(name, _WORD)})")
        pos = found.end()
    out.append(_literal(pattern[pos:]))
    return re.compile("".join(out))


def _literal(text: str) -> str:
    return " +".join(re.escape(part) for part in text.split(" ")).replace(" + +", " +")


_SIDE = ("ip", "port", "if", "user", "nat_ip", "nat_port", "nat_user")
FIELDS = (*(f"src_{n}" for n in _SIDE), *(f"dst_{n}" for n in _SIDE))
FIELDS += ("direction", "transport", "rule", "user", "verdict", "bytes", "duration")
"""The names ``_apply`` maps to ECS, in the order it unpacks them (the source side first)."""
_DIRECTION = FIELDS.index("direction")


class Plan(NamedTuple):
    """One table pattern, ready to read: every name of ``FIELDS`` exists in it (unset when absent)."""

    regex: re.Pattern[str]
    spec: tuple[str, ...]
    """``FIELDS`` then the pattern's own names, for one ``Match.group(*spec)`` call."""
    extras: tuple[str, ...]
    extras_swapped: tuple[str, ...]


def _plan(pattern: str) -> Plan:
    regex = compile_pattern(pattern)
    extras = tuple(name for name in regex.groupindex if name not in _TAKEN)
    missing = "".join(f"(?P<{name}>(?!))?" for name in FIELDS if name not in regex.groupindex)
    if missing:  # never-matching optional groups: the match is unchanged, the names read as None
        regex = re.compile(regex.pattern + missing)
    return Plan(regex, (*FIELDS, *extras), extras, tuple(_swap_name(name) for name in extras))


def _swap_name(name: str) -> str:
    if name.startswith("src_"):
        return "dst_" + name[4:]
    if name.startswith("dst_"):
        return "src_" + name[4:]
    return name


COMPILED: dict[str, tuple[Message, tuple[Plan, ...]]] = {
    msgid: (message, tuple(_plan(p) for p in message.patterns)) for msgid, message in MESSAGES.items()
}
_KINDS = {namespace: (f"cisco_{namespace}.log", f"cisco_{namespace}") for namespace in ("asa", "ftd")}


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
        dataset, module = _KINDS[namespace]
        observer = {"vendor": "Cisco", "product": namespace, "type": "firewall"}
        log: dict[str, Any] = {"level": _LEVELS[severity]}
        event: Event = {
            "event": {
                "kind": "event",
                "category": [],
                "type": ["info"],
                "code": msgid,
                "severity": severity,
                "dataset": dataset,
                "module": module,
            },
            "log": log,
            "observer": observer,
            "message": text,
        }
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        if header.sequence is not None:  # ``service sequence-numbers``: gaps show lost messages
            event["event"]["sequence"] = header.sequence
        hostname = _hostname(header.hostname, header.app, header.message)
        if hostname:
            observer["hostname"] = hostname
            event["host"] = {"hostname": hostname}
        if header.priority is not None:
            log["syslog"] = header.log_fields()
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
        _addresses_only(event, text)
        return
    message, plans = found
    ev = event["event"]
    ev["action"] = message.action
    if ftd and message.action == "firewall-rule":
        ev["category"], ev["type"] = ["network"], ["info"]  # how Elastic's cisco_ftd integration types them
    else:
        ev["category"], ev["type"] = list(message.category), list(message.type) or ["info"]
        if message.outcome:
            ev["outcome"] = message.outcome
    for plan in plans:
        match = plan.regex.match(text)
        if match is not None:
            values = match.group(*plan.spec)
            direction = values[_DIRECTION]
            if message.swap and direction and direction.lower() == "outbound":
                # Written from the firewall's side: the "for" endpoint is the destination.
                _apply(event, vendor, values[7:14] + values[:7] + values[14:], plan.extras_swapped)
            else:
                _apply(event, vendor, values, plan.extras)
            return
    _addresses_only(event, text)


def _addresses_only(event: Event, text: str) -> None:
    """A message with no known shape still names its addresses in ``related.ip``: an indicator
    sweep or a hunt for an address finds it, though which side each address is stays unknown."""
    found = []
    for token in _TOKENS.split(text):
        token = token.strip(".:")
        if "." in token or ":" in token:
            # As it stands, after an interface (``outside:10.0.0.1``), or before a port (``10.0.0.1:53``).
            for candidate in (token, token.partition(":")[2], token.rpartition(":")[0]):
                if net.ip(candidate) is not None:
                    found.append(candidate)
                    break
    net.add_related_ips(event, *found)


def _side(
    endpoint: dict[str, Any],
    vendor: dict[str, Any],
    side: str,
    nat_ip: str | None,
    nat_port: str | None,
    user: str | None,
) -> None:
    """NAT address, port and user of one side, under the vendor's own names as written and in ECS
    where they say something: ASA writes the mapped pair even when nothing was translated, and a
    ``nat`` address or port equal to the real one is left out (as Elastic's pipeline does)."""
    ip = net.ip(nat_ip)
    if ip:
        vendor[f"mapped_{side}_ip"] = ip
        if ip != endpoint.get("ip"):
            endpoint["nat"] = {"ip": ip}
    port = net.port(nat_port or None)
    if port is not None:
        vendor[f"mapped_{side}_port"] = port
        if port != endpoint.get("port"):
            endpoint.setdefault("nat", {})["port"] = port
    if user:
        endpoint["user"] = {"name": user.rsplit("\\", 1)[-1]}
        vendor[f"{side}_username"] = user


def _apply(event: Event, vendor: dict[str, Any], values: tuple[str | None, ...], extras: tuple[str, ...]) -> None:
    """Map one message's values (``FIELDS`` order, then ``extras``' values) to ECS; empty means absent."""
    (
        src_ip, src_port, src_if, src_user, src_nat_ip, src_nat_port, src_nat_user,
        dst_ip, dst_port, dst_if, dst_user, dst_nat_ip, dst_nat_port, dst_nat_user,
        direction, transport, rule, user, verdict, count, duration,
    ) = values[:21]  # fmt: skip
    source = net.endpoint(src_ip, src_port or None)
    destination = net.endpoint(dst_ip, dst_port or None)
    _side(source, vendor, "source", src_nat_ip, src_nat_port, src_user or src_nat_user)
    _side(destination, vendor, "destination", dst_nat_ip, dst_nat_port, dst_user or dst_nat_user)
    net.attach(event, source=source, destination=destination)
    observer = event["observer"]
    if src_if:
        observer["ingress"] = {"interface": {"name": src_if}}
        vendor["source_interface"] = src_if
    if dst_if:
        observer["egress"] = {"interface": {"name": dst_if}}
        vendor["destination_interface"] = dst_if
    network: dict[str, Any] = {}
    direction = direction.lower() if direction else ""
    if direction in ("inbound", "outbound"):
        network["direction"] = direction
    transport = net.transport(transport)
    if transport:
        network["transport"] = transport
        number = net.PROTOCOL_NUMBERS.get(transport)
        if number:
            network["iana_number"] = number
    if count and count.isdecimal():
        network["bytes"] = int(count)
    net.attach(event, network=network)
    if rule:
        event["rule"] = {"name": rule}
        vendor["rule_name"] = rule
    if user:
        event["user"] = {"name": user}
    if verdict:
        allowed = verdict.lower().startswith(("permit", "allow", "est-allow"))
        said = "allowed" if allowed else "denied"
        event["event"]["type"] = [said if t in ("allowed", "denied") else t for t in event["event"]["type"]]
    if duration:
        seconds = _duration(duration)
        if seconds is not None:
            event["event"]["duration"] = seconds * 1_000_000_000
    for key, value in zip(extras, values[21:], strict=False):
        if not value:
            continue
        if key == "reason":
            event["event"]["reason"] = value.strip()
        else:
            vendor[key] = int(value) if key in ("icmp_type", "icmp_code") and value.isdecimal() else value
    net.add_related_ips(event, src_ip, dst_ip, src_nat_ip, dst_nat_ip)


def _duration(value: str) -> int | None:
    """Seconds of ``h:mm:ss`` (connections) or ``[Nd ]Hh:MMm:SSs`` (VPN sessions, 113019)."""
    parts = value.split(":")
    if not all(p.isdecimal() for p in parts) or len(parts) > 3:
        found = _SESSION_DURATION.fullmatch(value)
        if found is None:
            return None
        days, hours, minutes, seconds = (int(n or 0) for n in found.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
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
    net.add_related_ips(event, src, dst)


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


_UTC_SECOND = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_FIREPOWER_ECS = (
    ("URL", "url.original"),
    ("UserAgent", "user_agent.original"),
    ("DNSQuery", "dns.question.name"),
    ("FileName", "file.name"),
    ("FileSHA256", "file.hash.sha256"),
    ("HTTPReferer", "http.request.referrer"),
)
"""Firepower keys whose value is an ECS field as written (a digest in lowercase, as ECS keeps them)."""
_FIREPOWER_COUNTERS = (
    ("InitiatorBytes", "source", "bytes"),
    ("ResponderBytes", "destination", "bytes"),
    ("InitiatorPackets", "source", "packets"),
    ("ResponderPackets", "destination", "packets"),
)


def _firepower_pairs(text: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in _FIREPOWER.split(text):
        key, sep, value = item.partition(": ")
        value = value.strip()
        if sep and value and key not in pairs:
            pairs[key.strip()] = value
    return pairs


def _firepower_ecs(event: Event, pairs: dict[str, str]) -> None:
    """The counters, zones, first-packet time and content names a connection or file event reports."""
    for key, side, counter in _FIREPOWER_COUNTERS:
        if pairs.get(key, "").isdecimal() and side in event:
            event[side][counter] = int(pairs[key])
    network = event.get("network")
    if network is not None:
        for field in ("bytes", "packets"):
            counts = [event[side].get(field) for side in ("source", "destination") if side in event]
            if len(counts) == 2 and None not in counts:
                network[field] = counts[0] + counts[1]
        if "ApplicationProtocol" in pairs:
            network["protocol"] = pairs["ApplicationProtocol"].lower()
    observer = event["observer"]
    for key, side in (("IngressZone", "ingress"), ("EgressZone", "egress")):
        if key in pairs:
            observer.setdefault(side, {})["zone"] = pairs[key]
    first = pairs.get("FirstPacketSecond", "")
    if _UTC_SECOND.fullmatch(first):
        event["event"]["start"] = first[:-1] + ".000Z"
    for key, field in _FIREPOWER_ECS:
        if key in pairs:
            ecs.put(event, field, pairs[key].lower() if key == "FileSHA256" else pairs[key])


def _firepower(msgid: str) -> Callable[[Event, str, dict[str, Any]], None]:
    category, types, action = _FIREPOWER_KINDS[msgid]

    def read(event: Event, text: str, vendor: dict[str, Any]) -> None:
        pairs = _firepower_pairs(text)
        ev = event["event"]
        ev["category"], ev["type"], ev["action"] = list(category), list(types), action
        verdict = pairs.get("AccessControlRuleAction", "").lower()
        if verdict:
            ev["type"].append("denied" if verdict.startswith(("block", "deny", "drop")) else "allowed")
            ev["outcome"] = "success"
        g = {name: pairs[key] for key, name in _FIREPOWER_FIELDS.items() if key in pairs}
        if g.get("user", "").lower() in ("no authentication required", "not found", "unknown"):
            g.pop("user")
        for side in ("src", "dst"):  # an unspecified address (and port 0) is "not translated"
            if f"{side}_nat_ip" in g and net.nat_ip(g[f"{side}_nat_ip"]) is None:
                del g[f"{side}_nat_ip"]
                g.pop(f"{side}_nat_port", None)
        _apply(event, vendor, tuple(g.get(name) for name in FIELDS), ())
        _firepower_ecs(event, pairs)
        for key, value in pairs.items():
            if key not in _FIREPOWER_FIELDS:
                vendor[key.lower().replace(" ", "_")] = value

    return read


_SPECIAL: dict[str, Callable[[Event, str, dict[str, Any]], None]] = {
    "313005": _icmp_error,
    **{msgid: _firepower(msgid) for msgid in _FIREPOWER_KINDS},
}
