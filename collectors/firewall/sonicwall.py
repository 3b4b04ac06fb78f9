"""SonicWall SonicOS syslog ("enhanced" ``key=value`` format).

Sample::

    <134>id=firewall sn=0017C5000000 time="2022-02-22 18:24:30 UTC" fw=10.0.0.2 pri=6 c=262144 m=98
    msg="Connection Opened" src=10.0.0.3:52379:X0 natSrc=10.0.0.2:48245 dst=216.160.83.61:443:X1
    natDst=216.160.83.61:443 usr="alice" proto=tcp/https sent=52 n=123456789

Addresses are ``ip:port:interface[:name]`` (IPv6 ones in ``srcV6``/``dstV6``);
``time`` is local unless it says ``UTC``. The message id ``m`` names the
event: the table below classifies the common ones, other messages are
classified from their text. ECS mapping follows Elastic's
``sonicwall_firewall`` integration; the rest goes to ``sonicwall.firewall.*``.

Reference: SonicOS Log Events Reference Guide (event ids), SonicWall KB "Syslog field descriptions".
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import kv, net
from collectors.syslog_header import parse_header
from collectors.syslog_time import DEFAULT_CLOCK
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "sonicwall_firewall.log"

NET = ["network"]
AUTH = ["authentication"]
IDS = ["intrusion_detection"]
MALWARE = ["malware"]
Class = tuple[str, list[str], list[str], str]
"""(event.action, categories, types, outcome)."""
# Like Elastic's pipeline, event.action names what happened (connection-start, packet-dropped…), the same
# for every message that means it; event.code (m=) and message keep which message it was.
CONNECTION_START: Class = ("connection-start", NET, ["connection", "start"], "success")
CONNECTION_END: Class = ("connection-end", NET, ["connection", "end"], "success")
CONNECTION_INFO: Class = ("connection-info", NET, ["connection", "info"], "success")
CONNECTION_DENIED: Class = ("connection-denied", NET, ["connection", "denied"], "success")
CONNECTION_ALLOWED: Class = ("connection-allowed", NET, ["connection", "allowed"], "success")
PACKET_DROPPED: Class = ("packet-dropped", NET, ["denied"], "success")
PACKET_ALLOWED: Class = ("packet-allowed", NET, ["allowed"], "success")
LOGIN_SUCCESS: Class = ("login-success", AUTH, ["start"], "success")
LOGIN_FAILURE: Class = ("login-failure", AUTH, ["start", "info"], "failure")
LOGOUT: Class = ("logout", AUTH, ["end"], "success")
ATTACK_DETECTED: Class = ("attack-detected", IDS, ["info"], "success")
ATTACK_PREVENTED: Class = ("attack-prevented", IDS, ["denied"], "success")
MALWARE_DETECTED: Class = ("malware-detected", MALWARE, ["info"], "success")
MALWARE_PREVENTED: Class = ("malware-prevented", MALWARE, ["denied"], "success")
# Message id (m=) → its class. Ids 14, 30, 38, 98, 537, 608 and 1197 are in Elastic's test vectors.
MESSAGES: dict[str, Class] = {
    "14": CONNECTION_DENIED,  # web site access denied
    "16": CONNECTION_ALLOWED,  # web site access allowed
    "24": LOGIN_SUCCESS,  # administrator login allowed
    "29": LOGIN_SUCCESS,
    "30": LOGIN_FAILURE,  # administrator login denied
    "31": LOGIN_FAILURE,  # user login failed
    "35": LOGIN_FAILURE,  # user login denied
    "36": PACKET_DROPPED,  # TCP
    "37": PACKET_DROPPED,  # UDP
    "38": PACKET_DROPPED,  # ICMP
    "41": PACKET_DROPPED,  # unknown protocol
    "82": ATTACK_DETECTED,  # port scan
    "98": CONNECTION_START,
    "173": PACKET_DROPPED,
    "199": LOGOUT,  # administrator
    "200": LOGOUT,  # user
    "537": CONNECTION_END,
    "597": PACKET_ALLOWED,  # ICMP
    "598": PACKET_ALLOWED,
    "602": PACKET_DROPPED,
    "608": ATTACK_DETECTED,  # IPS detection
    "609": ATTACK_PREVENTED,  # IPS prevention
    "794": MALWARE_DETECTED,  # anti-spyware detection
    "795": MALWARE_PREVENTED,  # anti-spyware prevention
    "809": MALWARE_DETECTED,  # gateway anti-virus
    "1080": LOGIN_SUCCESS,  # SSL VPN
    "1153": CONNECTION_INFO,  # SSL VPN traffic
    "1154": ATTACK_DETECTED,  # application control detection
    "1155": ATTACK_PREVENTED,  # application control prevention
    "1197": CONNECTION_INFO,  # NAT mapping
    "1235": CONNECTION_START,  # VPN tunnel up
    "1236": CONNECTION_END,  # VPN tunnel down
}
_SNIFF = re.compile(r"\bid=\S+\s+sn=\S+\s+time=\"")
_LEVELS = {"0": "emergency", "1": "alert", "2": "critical", "3": "error", "4": "warning", "5": "notice", "6": "info"}
_LEVELS["7"] = "debug"
"""``pri=`` (the syslog severity SonicOS gives the message) → ``log.level`` as Elastic names it."""
_METHODS = {"1": "GET", "2": "POST", "3": "HEAD"}
"""``op=``: the HTTP method of a content-filter entry."""
_DENIED_TEXT = re.compile(r"\b(?:dropped|denied|blocked|rejected|discarded)\b", re.IGNORECASE)
_TAKEN = frozenset(
    [
        "time",
        "src",
        "dst",
        "srcV6",
        "dstV6",
        "natSrc",
        "natDst",
        "proto",
        "sent",
        "rcvd",
        "spkt",
        "rpkt",
        "usr",
        "msg",
        "m",
        "srcMac",
        "dstMac",
        "srcZone",
        "dstZone",
    ]
)


@register
class SonicwallParser(LineParser):
    """SonicOS firewall, VPN, IPS and content-filter events."""

    name = "sonicwall"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "sn=" in line and _SNIFF.search(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        found = _SNIFF.search(line)
        if found is None:
            raise ParseError("no id= sn= time= fields: not a SonicWall record")
        header = parse_header(line[: found.start()], ctx)
        rec = kv.pairs(line[found.start() :])
        message_id = rec.get("m", "")
        text = rec.get("msg", "")
        action, category, types, outcome = _classify(message_id, text)
        event_fields: dict[str, Any] = {"kind": "alert" if category == IDS else "event"}
        if category:
            event_fields.update(category=list(category), type=list(types), outcome=outcome)
        if action:
            event_fields["action"] = action
        if message_id:
            event_fields["code"] = message_id
        event_fields.update(dataset=DATASET, module="sonicwall_firewall")
        priority = rec.get("pri", "")
        if priority in _LEVELS:
            event_fields["severity"] = int(priority)
        sequence = net.integer(rec.get("n"))
        if sequence is not None:
            event_fields["sequence"] = sequence
        event: Event = {"event": event_fields}
        stamp = _timestamp(rec.get("time"), ctx) or header.timestamp
        if stamp:
            event["@timestamp"] = stamp
        if text:
            event["message"] = text
        if priority in _LEVELS:
            event["log"] = {"level": _LEVELS[priority]}
        observer: dict[str, Any] = {"vendor": "SonicWall", "product": "SonicOS", "type": "firewall"}
        observer.update(_endpoints(event, rec))
        if rec.get("id"):
            observer["name"] = rec["id"]  # the firewall name SonicOS is configured with
        if "sn" in rec:
            observer["serial_number"] = rec["sn"]
        if net.ip(rec.get("fw")):
            observer["ip"] = [rec["fw"]]
        event["observer"] = observer
        user = rec.get("usr")
        if user:
            event["user"] = {"name": user}
            event.setdefault("related", {})["user"] = [user]
        if "rule" in rec:
            event["rule"] = {"name": rec["rule"]}
        _web(event, rec)
        event["sonicwall"] = {"firewall": {k: v for k, v in rec.items() if k not in _TAKEN}}
        return event


def _classify(message_id: str, text: str) -> tuple[str | None, list[str], list[str], str]:
    known = MESSAGES.get(message_id)
    if known is not None:
        return known
    if _DENIED_TEXT.search(text):
        return None, NET, ["denied"], "success"
    return None, [], [], ""


def _timestamp(value: str | None, ctx: ParseContext) -> str | None:
    """``time=``, local unless it says UTC; None when it is no time (the header's is used then)."""
    if not value:
        return None
    value = value.strip()
    try:
        if value.endswith(" UTC"):
            return DEFAULT_CLOCK.iso(value[:-4] + "Z", ctx)
        return DEFAULT_CLOCK.iso(value.replace("/", "-", 2), ctx)
    except ParseError:
        return None


def _web(event: Event, rec: dict[str, str]) -> None:
    """``url.*`` from a web request's host (``dstname``) and path (``arg``), ``http.request.method`` from ``op``."""
    host, path = rec.get("dstname"), rec.get("arg")
    if host and path is not None:
        url: dict[str, Any] = {"domain": host, "path": path}
        scheme = rec.get("proto", "").rpartition("/")[2]
        if scheme in ("http", "https"):
            url["scheme"] = scheme
            url["full"] = f"{scheme}://{host}{path}"
        event["url"] = url
    method = _METHODS.get(rec.get("op", ""))
    if method is not None and "url" in event:
        event["http"] = {"request": {"method": method}}


def _address(value: str | None) -> tuple[str | None, str | None, str | None, str | None]:
    """``ip:port:iface:name`` with any part empty or missing."""
    if not value:
        return None, None, None, None
    parts = value.split(":")
    if len(parts) > 4:  # an IPv6 address, alone or with the rest after it
        if net.ip(value):
            return value, None, None, None
        for end in range(len(parts) - 1, max(len(parts) - 4, 1), -1):
            address = ":".join(parts[:end])
            if parts[end].isdecimal() and net.ip(address):
                rest = [*parts[end:], "", ""]
                return address, rest[0], rest[1] or None, rest[2] or None
        return None, None, None, None
    parts += [""] * (4 - len(parts))
    return tuple(p or None for p in parts)  # type: ignore[return-value]


_SIDES = (
    ("source", "src", "srcV6", "natSrc", "srcMac", "srcZone", "ingress"),
    ("destination", "dst", "dstV6", "natDst", "dstMac", "dstZone", "egress"),
)


def _endpoints(event: Event, rec: dict[str, str]) -> dict[str, Any]:
    """Fill source/destination/network; returns the observer's ingress/egress interfaces."""
    sides: dict[str, dict[str, Any]] = {}
    io: dict[str, Any] = {}
    addresses: list[str | None] = []
    for side, key, v6, nat_key, mac_key, zone_key, io_key in _SIDES:
        address, port, interface, name = _address(rec.get(key))
        address = rec.get(v6) or address
        found = net.endpoint(address, port)
        if name:
            found["domain"] = name
        nat_address, nat_port, _, _ = _address(rec.get(nat_key))
        nat: dict[str, Any] = {}
        if net.ip(nat_address):
            nat["ip"] = nat_address
        if net.port(nat_port) is not None:
            nat["port"] = net.port(nat_port)
        if nat:
            found["nat"] = nat
        mac = rec.get(mac_key)
        if mac and net.mac(mac):
            found["mac"] = net.mac(mac)
        direction = net.io_side(interface, rec.get(zone_key))
        if direction:
            io[io_key] = direction
        addresses += [address, nat_address]
        sides[side] = found
    source, destination = sides["source"], sides["destination"]
    network: dict[str, Any] = {}
    for field, sent, received in (("bytes", "sent", "rcvd"), ("packets", "spkt", "rpkt")):
        total = None
        for target, key in ((source, sent), (destination, received)):
            count = net.integer(rec.get(key))
            if count is not None:
                target[field] = count
                total = count + (total or 0)
        if total is not None:  # what was counted: a connection that just opened reports only sent=
            network[field] = total
    net.attach(event, source=source, destination=destination)
    proto = rec.get("proto")
    if proto:
        name, _, service = proto.partition("/")
        service = service.rpartition("/")[2]  # some releases repeat the transport: tcp/tcp/5900
        network["transport"] = net.transport(name)
        if service and not service.isdecimal() and service != name:
            network["protocol"] = service
    net.attach(event, network=network)
    net.add_related_ips(event, *addresses, rec.get("fw"))  # the firewall itself, as Elastic lists it
    return io
