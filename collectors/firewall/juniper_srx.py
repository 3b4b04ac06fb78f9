"""Juniper SRX security logs: structured syslog (RFC 5424, ``sd-syslog``) and the plain-text RT_FLOW lines.

Samples::

    <14>1 2019-04-13T14:33:06.576Z cixi RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.26
    reason="TCP RST" source-address="192.168.2.164" source-port="53232" destination-address="172.16.1.19"
    destination-port="445" nat-source-address="192.168.2.164" protocol-id="6" policy-name="35"
    bytes-from-client="4274" bytes-from-server="1575" ...]
    <14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.9/4444->203.0.113.5/22
    0x0 junos-ssh 6(0) deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No policy deny

The MSGID names the event (``RT_FLOW_SESSION_CREATE``, ``RT_IDS_...``,
``WEBFILTER_URL_BLOCKED``…), the ``junos@`` structured-data element holds its
fields; event-mode logging writes the same element after an RFC 3164 header
and the message id. Without structured data, the session create, close and
deny lines are read by position (the layout of Junos 10 to 21: connection
tags and NAT rule types came and went) into the same fields. ECS mapping
follows Elastic's ``juniper_srx`` integration, zones and interfaces included;
remaining fields go to ``juniper.srx.*`` with dashes turned into underscores.

Reference: Junos OS System Log Messages Reference (RT_FLOW, RT_IDS, RT_UTM, RT_AAMW, RT_SECINTEL).
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import SyslogHeader, parse_header, parse_structured_data
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "juniper_srx.log"

IDS = ["network", "intrusion_detection"]
# MSGID (without the _LS logical-system suffix) → (event.action, categories, types)
MESSAGES: dict[str, tuple[str, list[str], list[str]]] = {
    "RT_FLOW_SESSION_CREATE": ("flow_started", ["network"], ["start", "allowed", "connection"]),
    "RT_FLOW_SESSION_CLOSE": ("flow_close", ["network"], ["end", "allowed", "connection"]),
    "RT_FLOW_SESSION_DENY": ("flow_deny", ["network"], ["denied", "connection"]),
    # AppTrack reports the same sessions: Elastic names its create/close/route update as the flow's.
    "APPTRACK_SESSION_CREATE": ("flow_started", ["network"], ["start", "allowed", "connection"]),
    "APPTRACK_SESSION_CLOSE": ("flow_close", ["network"], ["end", "allowed", "connection"]),
    "APPTRACK_SESSION_VOL_UPDATE": ("apptrack_session_vol_update", ["network"], ["info", "allowed", "connection"]),
    "APPTRACK_SESSION_ROUTE_UPDATE": ("flow_started", ["network"], ["start", "allowed", "connection"]),
    "RT_SCREEN_TCP": ("tcp_screen", IDS, ["info", "denied", "connection"]),
    "RT_SCREEN_UDP": ("udp_screen", IDS, ["info", "denied", "connection"]),
    "RT_SCREEN_ICMP": ("icmp_screen", IDS, ["info", "denied", "connection"]),
    "RT_SCREEN_IP": ("ip_screen", IDS, ["info", "denied", "connection"]),
    "RT_IDP_ATTACK_LOG_EVENT": ("security_threat", IDS, ["info", "denied", "connection"]),
    "IDP_ATTACK_LOG_EVENT": ("security_threat", IDS, ["info", "denied", "connection"]),
    "IDP_APPDDOS_APP_STATE_EVENT": ("application_ddos", IDS, ["info", "connection"]),
    "AV_VIRUS_DETECTED_MT": ("virus_detected", ["malware"], ["info"]),
    "ANTISPAM_SPAM_DETECTED_MT": ("spam_detected", ["email"], ["info"]),
    "CONTENT_FILTERING_BLOCKED_MT": ("content_blocked", ["network"], ["info", "denied", "connection"]),
    "WEBFILTER_URL_PERMITTED": ("web_filter", ["network"], ["info", "allowed", "connection"]),
    "WEBFILTER_URL_BLOCKED": ("web_filter", ["network"], ["info", "denied", "connection"]),
    "AAMW_ACTION_LOG": ("malware_action", ["malware"], ["info"]),
    "AAMW_HOST_INFECTED_EVENT_LOG": ("malware_infected", ["malware"], ["info"]),
    "AAMW_MALWARE_EVENT_LOG": ("malware_detected", ["malware"], ["info"]),
    "SECINTEL_ACTION_LOG": ("secintel_action", ["malware"], ["info"]),
}
_ECS_KEYS = frozenset(
    [
        "source-address",
        "source-port",
        "destination-address",
        "destination-port",
        "nat-source-address",
        "nat-source-port",
        "nat-destination-address",
        "nat-destination-port",
        "protocol-id",
        "policy-name",
        "bytes-from-client",
        "bytes-from-server",
        "packets-from-client",
        "packets-from-server",
        "username",
        "elapsed-time",
        "source-zone-name",
        "destination-zone-name",
        "packet-incoming-interface",
        "source-interface-name",
        "interface-name",
        "destination-interface-name",
    ]
)
_ABSENT = frozenset(("N/A", "None", "UNKNOWN", ""))


@register
class JuniperSrxParser(LineParser):
    """Junos RT_FLOW, APPTRACK, IDP, UTM, AAMW and SecIntel structured syslog."""

    name = "juniper-srx"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "[junos@" in line or ("RT_FLOW" in line and _PLAIN.search(line) is not None)

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        element, msgid = _element(header)
        base = msgid.removesuffix("_LS")
        action, category, types = MESSAGES.get(base, (base.lower() or "unknown", ["network"], ["info"]))
        event: Event = {
            "event": {
                "kind": "alert" if "intrusion_detection" in category or "malware" in category else "event",
                "category": list(category),
                "type": list(types),
                "action": action,
                "outcome": "success",
                "code": msgid,
                "dataset": DATASET,
                "module": "juniper_srx",
            },
            "observer": {"vendor": "Juniper", "product": "SRX", "type": "firewall"},
        }
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        if header.hostname:
            event["observer"]["name"] = header.hostname
        _flow(event, element)
        srx = {key.replace("-", "_"): value for key, value in element.items() if key not in _ECS_KEYS}
        srx["tag"] = msgid
        if header.app:
            srx["process"] = header.app
        event["juniper"] = {"srx": srx}
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        return event


def _element(header: SyslogHeader) -> tuple[dict[str, str], str]:
    """The ``junos@`` fields and the message id, from RFC 5424 structured data or the message."""
    if header.structured:
        element = next((v for k, v in header.structured.items() if k.startswith("junos@")), None)
        if element is not None:
            return element, header.msgid or ""
    text = header.message
    at = text.find("[junos@")
    if at >= 0:  # event mode: "RT_FLOW: RT_FLOW_SESSION_CREATE [junos@...]" after an RFC 3164 header
        structured, _ = parse_structured_data(text[at:])
        element = next((v for k, v in (structured or {}).items() if k.startswith("junos@")), None)
        if element is not None:
            words = text[:at].split()
            return element, words[-1].rstrip(":") if words else header.msgid or ""
    found = _PLAIN.search(text)
    if found is None:
        raise ParseError("no junos@ structured data and no RT_FLOW session text")
    verb = found.group(1)
    tag = _PLAIN_TAG.search(text, 0, found.start())
    msgid = tag.group(0) if tag is not None else header.msgid or f"RT_FLOW_SESSION_{_VERB_TAGS[verb]}"
    return _plain(verb, text[found.end() :]), msgid


_VERB_TAGS = {"created": "CREATE", "closed": "CLOSE", "denied": "DENY"}


_PLAIN = re.compile(r"session (created|closed|denied) ")
"""An RT_FLOW session line without structured data: its verb; the tag (and an LSYS name) come before."""
_PLAIN_TAG = re.compile(r"RT_FLOW_SESSION_(?:CREATE|CLOSE|DENY)(?:_LS)?")
_TUPLE = r"(?P<{0}a>[^\s/]+)/(?P<{0}p>\d+)->(?P<{1}a>[^\s/]+)/(?P<{1}p>\d+)(?: 0x[0-9a-fA-F]+)?"
_RULES = (  # Junos 12.1X44 added rule types ("source rule r1 N/A N/A"), older ones write two names
    r"(?:(?P<snt>(?:source|static|destination) rule|N/A|None) (?P<snr>\S+) "
    r"(?P<dnt>(?:source|static|destination) rule|N/A|None) (?P<dnr>\S+)|(?P<snr2>\S+) (?P<dnr2>\S+))"
)
_APP_USER_IFACE = r"(?: (?P<app>\S+) (?P<napp>\S+) (?P<user>[^\s(]*)\((?P<roles>[^)]*)\)(?: (?P<iface>\S+))?)?"
_VERBS = {
    "created": re.compile(
        _TUPLE.format("s", "d") + r" (?P<svc>\S+) " + _TUPLE.format("ns", "nd") + " " + _RULES
        + r" (?P<proto>\d+) (?P<policy>\S+) (?P<szone>\S+) (?P<dzone>\S+) (?P<sid>\d+)"
        r" (?P<user>[^\s(]*)\((?P<roles>[^)]*)\)(?: (?P<iface>\S+)(?: (?P<app>\S+) (?P<napp>\S+) (?P<enc>\S+))?)?"
    ),
    "closed": re.compile(
        r"(?P<reason>[^:]+): " + _TUPLE.format("s", "d") + r" (?P<svc>\S+) " + _TUPLE.format("ns", "nd") + " "
        + _RULES + r" (?P<proto>\d+) (?P<policy>\S+) (?P<szone>\S+) (?P<dzone>\S+) (?P<sid>\d+)"
        r" (?P<pc>\d+)\((?P<bc>\d+)\) (?P<ps>\d+)\((?P<bs>\d+)\) (?P<elapsed>\d+)" + _APP_USER_IFACE
    ),
    "denied": re.compile(
        _TUPLE.format("s", "d") + r" (?P<svc>\S+) (?P<proto>\d+)\((?P<icmp>\d+)\)"
        r" (?P<policy>\S+) (?P<szone>\S+) (?P<dzone>\S+)" + _APP_USER_IFACE
    ),
}  # fmt: skip
"""Each verb's fields by position, up to the interface and the application; later releases append more."""
_PLAIN_FIELDS = {
    "sa": "source-address", "sp": "source-port", "da": "destination-address", "dp": "destination-port",
    "nsa": "nat-source-address", "nsp": "nat-source-port", "nda": "nat-destination-address",
    "ndp": "nat-destination-port", "svc": "service-name", "snt": "src-nat-rule-type", "snr": "src-nat-rule-name",
    "snr2": "src-nat-rule-name", "dnt": "dst-nat-rule-type", "dnr": "dst-nat-rule-name",
    "dnr2": "dst-nat-rule-name", "proto": "protocol-id", "policy": "policy-name", "szone": "source-zone-name",
    "dzone": "destination-zone-name", "sid": "session-id-32", "user": "username", "roles": "roles",
    "iface": "packet-incoming-interface", "reason": "reason", "pc": "packets-from-client",
    "bc": "bytes-from-client", "ps": "packets-from-server", "bs": "bytes-from-server", "elapsed": "elapsed-time",
    "app": "application", "napp": "nested-application", "enc": "encrypted", "icmp": "icmp-type",
}  # fmt: skip


def _plain(verb: str, text: str) -> dict[str, str]:
    """The fields of a plain-text session line (after its verb) under their structured-data names."""
    found = _VERBS[verb].match(text)
    if found is None:
        raise ParseError(f"RT_FLOW session {verb} line in a layout not known")
    # what later releases append (application categories, risk, VRF groups…) stays in event.original
    return {_PLAIN_FIELDS[group]: value for group, value in found.groupdict().items() if value is not None}


_IO = (
    ("ingress", "source-zone-name", ("packet-incoming-interface", "source-interface-name", "interface-name")),
    ("egress", "destination-zone-name", ("destination-interface-name",)),
)
"""``observer.ingress``/``egress``: the zone, and the first interface field a log writes."""


def _given(value: str | None) -> str | None:
    return None if value in _ABSENT else value


def _flow(event: Event, f: dict[str, str]) -> None:
    source = net.endpoint(f.get("source-address"), f.get("source-port"))
    destination = net.endpoint(f.get("destination-address"), f.get("destination-port"))
    for side, prefix in ((source, "nat-source-"), (destination, "nat-destination-")):
        nat: dict[str, Any] = {}
        written = f.get(prefix + "address")
        address = net.nat_ip(written)  # IDP and screen logs write 0.0.0.0 and port 0 for "no translation"
        if address is not None:
            nat["ip"] = address
        number = net.port(f.get(prefix + "port"))
        if number is not None and (address is not None or written not in net.UNSPECIFIED or number):
            nat["port"] = number
        if nat:
            side["nat"] = nat
    network: dict[str, Any] = {}
    for field in ("bytes", "packets"):
        client, server = net.integer(f.get(f"{field}-from-client")), net.integer(f.get(f"{field}-from-server"))
        if client is not None:
            source[field] = client
        if server is not None:
            destination[field] = server
        if client is not None and server is not None:
            network[field] = client + server
    net.attach(event, source=source, destination=destination)
    proto = f.get("protocol-id")
    if proto:
        network.update(iana_number=proto, transport=net.transport(proto))
    net.attach(event, network=network)
    if f.get("policy-name", "") not in _ABSENT:
        event["rule"] = {"name": f["policy-name"]}
    if f.get("username", "") not in _ABSENT:
        event["user"] = {"name": f["username"]}
        source["user"] = {"name": f["username"]}
    elapsed = net.integer(f.get("elapsed-time"))
    if elapsed is not None:
        event["event"]["duration"] = elapsed * 1_000_000_000
    for side, zone_key, interface_keys in _IO:
        interface = next((f[key] for key in interface_keys if f.get(key)), None)
        found = net.io_side(_given(interface), _given(f.get(zone_key)))
        if found:
            event["observer"][side] = found
    net.add_related_ips(
        event,
        f.get("source-address"),
        f.get("destination-address"),
        net.nat_ip(f.get("nat-source-address")),
        net.nat_ip(f.get("nat-destination-address")),
    )
