"""``mikrotik``: MikroTik RouterOS logs sent over syslog, firewall packet logs and logins mapped to ECS.

RouterOS writes each message as its topic list (``firewall,info``,
``system,error,critical``…), then the text. A firewall rule with
``action=log`` (or ``log=yes``) writes the rule's log prefix, the chain, the
interfaces and what it knows of the packet. Sample (written for this
docstring)::

    <134>Mar  2 14:07:31 gw1 firewall,info drop-wan forward: in:ether1 out:bridge, connection-state:new
    src-mac 4c:5e:0c:11:22:33, proto TCP (SYN), 203.0.113.9:51515->192.168.88.10:3389,
    NAT 203.0.113.9:51515->(198.51.100.1:3389->192.168.88.10:3389), len 60

NAT shows the tracked translation: ``(a->b)->c`` for source NAT (``b`` is
the translated source), ``a->(b->c)`` for destination NAT (``c`` is the
translated destination). ICMP carries ``(type T, code C)`` and no ports;
IPv6 endpoints are ``[addr]:port`` or bare. Logins (``login failure for
user U from A via S``, ``user U logged in from A via S``) become
authentication events; other topics keep their text. The syslog header in
front (RFC 3164, RFC 5424, or an ISO stamp and host from a relay) gives time
and host. The verdict is not in the line: it is read from the log prefix
(``drop``, ``reject``, ``accept``…) when the prefix says so.

Reference: MikroTik RouterOS manual, "IP/Firewall/Filter" (``log``,
``log-prefix``) and "System/Log" (topics, remote logging).
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "mikrotik.log"

_SEVERITIES = "debug|info|warning|error|critical"
_TOPIC_LIST = rf"(?:[a-z][a-z0-9-]{{0,30}},){{1,6}}(?:{_SEVERITIES})(?:,[a-z][a-z0-9-]{{0,30}}){{0,4}}"
_TOPICS = re.compile(rf"(?:^|(?<=[\s>]))({_TOPIC_LIST}) ")
_SNIFF = re.compile(
    r"(?:<\d{1,3}>(?:1 )?)?"
    r"(?:(?:[A-Z][a-z]{2} +\d{1,2} +(?:\d{4} +)?\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)\S{0,16} +)?"
    rf"(?:[^\s,]{{0,63}}[^\s,:] +)?(?:- +){{0,4}}{_TOPIC_LIST} "
)
_SEVERITY = re.compile(rf",(?:{_SEVERITIES})[ ,]")
"""A topic list always has a severity after a comma: a cheap test that spares most lines the full pattern."""
_CHAIN = re.compile(r"([^\s:]{1,64}): in:(.{0,64}?) out:(.{0,64}?), ")
_ENDPOINT = r"\[[0-9A-Fa-f:.]{2,45}(?:%[\w.-]{1,32})?\](?::\d{1,5})?|[0-9A-Fa-f.:]{2,60}"
_PAIR = re.compile(rf"({_ENDPOINT})->({_ENDPOINT})")
_NAT_SIDE = rf"(?:\(({_ENDPOINT})->({_ENDPOINT})\)|({_ENDPOINT}))"
_NAT = re.compile(rf"NAT {_NAT_SIDE}->{_NAT_SIDE}")
_PROTO = re.compile(r"proto ([\w.-]{1,24})(?: \(([^)]{0,80})\))?")
_STATE = re.compile(r"connection-state:([\w,-]{1,64})")
_MAC = re.compile(r"src-mac ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})")
_LEN = re.compile(r"len (\d{1,6})\s*$")
_ICMP = re.compile(r"type (\d{1,3}), code (\d{1,3})")
_VERDICT = re.compile(
    r"(?<![a-z])(?:(drop|reject|deny|denied|block|tarpit)|(accept|allow|pass))(?:ed|ped)?(?![a-z])", re.IGNORECASE
)
_LOGIN_FAILED = re.compile(r"login failure for user (.{1,128}?)(?: from (\S{1,64}))?(?: via (\S{1,32}))?$")
_LOGGED = re.compile(r"user (.{1,128}?) logged (in|out)(?: from (\S{1,64}))?(?: via (\S{1,32}))?$")
_CHAIN_DIRECTION = {"input": "ingress", "output": "egress", "prerouting": "ingress", "postrouting": "egress"}
_PROTO_NAMES = {"icmpv6": "ipv6-icmp", "ipv6-icmp": "ipv6-icmp"}


@register
class MikrotikParser(LineParser):
    """MikroTik RouterOS syslog: firewall packet logs, logins, other topics."""

    name = "mikrotik"
    dataset = DATASET
    priority = 35
    sniff_tokens = (*(f",{severity}" for severity in _SEVERITIES.split("|")), " in:")

    def sniff_line(self, line: str) -> bool:
        if "," not in line:
            return False
        if _SEVERITY.search(line, 0, 400) is not None and _SNIFF.match(line) is not None:
            return True
        return " in:" in line and ", proto " in line and "->" in line and _CHAIN.search(line, 0, 400) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        topics = _TOPICS.search(line, 0, 400)
        chain = _CHAIN.search(line, topics.end() if topics else 0)
        if topics is None and chain is None:
            raise ParseError("no RouterOS topics and no firewall chain: not a MikroTik log line")
        cut = topics.start(1) if topics else chain.start() if chain else 0
        header = parse_header(line[:cut], ctx)
        body = line[topics.end() :] if topics else ""
        event_fields: dict[str, Any] = {"kind": "event", "dataset": DATASET, "module": "mikrotik"}
        event: Event = {"event": event_fields, "observer": {"vendor": "MikroTik", "product": "RouterOS"}}
        vendor: dict[str, Any] = {}
        if topics:
            names = topics.group(1).split(",")
            vendor["topics"] = names
            level = next((name for name in names if name in _SEVERITIES.split("|")), None)
            if level:
                event["log"] = {"level": level}
        if chain is not None:
            prefix = line[topics.end() : chain.start()] if topics else header.message
            _firewall(line[chain.start() :], chain, prefix.strip().rstrip(":").strip(), event, vendor)
        elif not _login(body, event, vendor):
            event["message"] = body
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        if header.hostname:
            if net.ip(header.hostname):
                event["observer"]["ip"] = [header.hostname]
            else:
                event["observer"]["hostname"] = header.hostname
        if header.priority is not None:
            event.setdefault("log", {})["syslog"] = header.log_fields()
        if vendor:
            event["mikrotik"] = vendor
        return event


def _firewall(text: str, chain: re.Match[str], prefix: str, event: Event, vendor: dict[str, Any]) -> None:
    """The packet part: ``chain: in:X out:Y, [connection-state:S] [src-mac M], proto P (…), a->b, [NAT …,] len N``."""
    name, inbound, outbound = chain.groups()
    rest = text[chain.end() - chain.start() :]
    event["event"].update(category=["network"], type=["connection"])
    event["observer"]["type"] = "firewall"
    vendor["chain"] = name
    for side, value in (("ingress", inbound), ("egress", outbound)):
        value = value.strip()
        if value and not value.startswith("("):  # "(unknown 0)", "(none)": no interface
            event["observer"][side] = {"interface": {"name": value}}
    if prefix:
        event["rule"] = {"name": prefix}
        verdict = _VERDICT.search(prefix)
        if verdict is not None:
            denied = verdict.group(1) is not None
            event["event"]["action"] = (verdict.group(1) or verdict.group(2)).lower()
            event["event"]["type"] = ["connection", "denied" if denied else "allowed"]
            event["event"]["outcome"] = "failure" if denied else "success"
    state = _STATE.search(rest)
    if state is not None:
        vendor["connection_state"] = state.group(1).rstrip(",")
        if vendor["connection_state"] == "new":
            event["event"]["type"].append("start")
    source: dict[str, Any] = {}
    destination: dict[str, Any] = {}
    network: dict[str, Any] = {}
    found = _MAC.search(rest)
    if found is not None:
        source["mac"] = net.mac(found.group(1))
    proto = _PROTO.search(rest)
    after = 0
    if proto is not None:
        after = proto.end()
        _protocol(proto.group(1), proto.group(2), network, vendor)
    pair = _PAIR.search(rest, after)
    src = dst = None
    if pair is not None:
        src, sport = _endpoint(pair.group(1))
        dst, dport = _endpoint(pair.group(2))
        source.update(net.endpoint(src, sport))
        destination.update(net.endpoint(dst, dport))
        nat = _NAT.search(rest, pair.end())
        if nat is not None:
            _nat(nat, source, destination)
    length = _LEN.search(rest)
    if length is not None:
        network["bytes"] = int(length.group(1))
    if src and net.ip(src):
        network["type"] = "ipv6" if ":" in src else "ipv4"
    direction = _CHAIN_DIRECTION.get(name) or net.direction(net.ip(src), net.ip(dst))
    if direction:
        network["direction"] = direction
    net.attach(event, source=source, destination=destination, network=network)
    net.RELATED_ENDPOINTS.fill(event)


def _protocol(name: str, detail: str | None, network: dict[str, Any], vendor: dict[str, Any]) -> None:
    lower = name.lower()
    transport = _PROTO_NAMES.get(lower) or net.transport(lower)
    if transport:
        network["transport"] = transport
    number = name if name.isdecimal() else net.PROTOCOL_NUMBERS.get(transport or "")
    if number is not None:
        network["iana_number"] = number
    if not detail:
        return
    icmp = _ICMP.fullmatch(detail.strip())
    if icmp is not None:
        vendor["icmp"] = {"type": int(icmp.group(1)), "code": int(icmp.group(2))}
    elif transport == "tcp":
        vendor["tcp_flags"] = [flag.strip() for flag in detail.split(",") if flag.strip()]


def _endpoint(text: str) -> tuple[str, str | None]:
    """``[v6]:port``, ``[v6]``, ``v4:port``, ``v4`` or a bare IPv6 address → (address, port)."""
    if text.startswith("["):
        address, _, tail = text[1:].partition("]")
        return address, tail[1:] if tail.startswith(":") else None
    if text.count(":") == 1:
        address, _, port = text.partition(":")
        return address, port
    return text, None


def _nat(found: re.Match[str], source: dict[str, Any], destination: dict[str, Any]) -> None:
    """Translated addresses: the parenthesised pair on the left is source NAT, on the right destination NAT."""
    _, snat_to, _, _, dnat_to, _ = found.groups()
    for translated, side in ((snat_to, source), (dnat_to, destination)):
        if translated:
            address, port = _endpoint(translated)
            nat = net.endpoint(net.ip(address), port)
            nat.pop("address", None)
            if nat:
                side["nat"] = nat


def _login(body: str, event: Event, vendor: dict[str, Any]) -> bool:
    """``login failure for user …`` and ``user … logged in/out …`` as authentication events."""
    text = body.strip()
    failed = _LOGIN_FAILED.search(text)
    if failed is not None:
        user, address, via = failed.groups()
        action, types, outcome = "login-failed", ["start"], "failure"
    else:
        logged = _LOGGED.search(text)
        if logged is None:
            return False
        user, what, address, via = logged.groups()
        action, types, outcome = f"logged-{what}", ["start" if what == "in" else "end"], "success"
    event["event"].update(category=["authentication"], type=types, action=action, outcome=outcome)
    event["user"] = {"name": user}
    event["message"] = text
    if address:
        event["source"] = net.endpoint(address)
        if net.ip(address):
            event["related"] = {"ip": [address], "user": [user]}
    else:
        event["related"] = {"user": [user]}
    if via:
        vendor["login"] = {"via": via}
    return True
