"""Juniper SRX structured syslog (``set system syslog ... structured-data``), RFC 5424.

Sample::

    <14>1 2019-04-13T14:33:06.576Z cixi RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.26
    reason="TCP RST" source-address="192.168.2.164" source-port="53232" destination-address="172.16.1.19"
    destination-port="445" nat-source-address="192.168.2.164" protocol-id="6" policy-name="35"
    bytes-from-client="4274" bytes-from-server="1575" ...]

The MSGID names the event (``RT_FLOW_SESSION_CREATE``, ``RT_IDS_...``,
``WEBFILTER_URL_BLOCKED``…), the ``junos@`` structured-data element holds its
fields. ECS mapping follows Elastic's ``juniper_srx`` integration; remaining
fields go to ``juniper.srx.*`` with dashes turned into underscores.

Reference: Junos OS System Log Messages Reference (RT_FLOW, RT_IDS, RT_UTM, RT_AAMW, RT_SECINTEL).
"""

from __future__ import annotations

from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
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
        return "[junos@" in line

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        if not header.structured:
            raise ParseError("no junos@ structured data")
        element = next((v for k, v in header.structured.items() if k.startswith("junos@")), None)
        if element is None:
            raise ParseError("no junos@ structured data")
        msgid = header.msgid or ""
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


def _flow(event: Event, f: dict[str, str]) -> None:
    source = net.endpoint(f.get("source-address"), f.get("source-port"))
    destination = net.endpoint(f.get("destination-address"), f.get("destination-port"))
    for side, prefix in ((source, "nat-source-"), (destination, "nat-destination-")):
        nat: dict[str, Any] = {}
        address = net.ip(f.get(prefix + "address"))
        if address is not None:
            nat["ip"] = address
        number = net.port(f.get(prefix + "port"))
        if number is not None:
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
    net.add_related_ips(
        event,
        f.get("source-address"),
        f.get("destination-address"),
        f.get("nat-source-address"),
        f.get("nat-destination-address"),
    )
