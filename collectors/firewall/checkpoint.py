"""Check Point Log Exporter syslog (R80.x/R81.x), in its two syslog layouts.

Samples::

    <134>1 2023-03-01T07:58:40Z gw-0b8ccd CheckPoint 16700 - [action:"Accept"; ifdir:"inbound";
    ifname:"eth1"; origin:"192.168.178.40"; dst:"10.0.0.1"; proto:"1"; rule_name:"Log all";
    product:"VPN-1 & FireWall-1"; src:"10.0.0.2"]

    <85>1 2023-01-13T10:10:16-05:00 172.16.2.9 CP-GW - Log [Fields@1.3.6.1.4.1.2620 src="81.2.69.192"
    dst="81.2.69.142" proto="6" xlatesrc="81.2.69.144" rule_name="internal" ProductName="VPN-1 & FireWall-1" svc="443"]

The first (``key:"value";`` in brackets) is Log Exporter's ``syslog`` format,
the second real RFC 5424 structured data. A key may repeat (one value per
matched rule layer); repeated keys become lists. ECS mapping follows Elastic's
``checkpoint`` integration: connection fields and counters, NAT (``xlate*``,
where 0.0.0.0 means none), interface direction, the logging gateway
(``origin``, and ``originsicname``'s CN as ``observer.hostname``),
SmartConsole audit logs (administrator, login/logout), threat blades; every
field not mapped stays under ``checkpoint.*``.

Reference: Check Point "Log Exporter" and "Log Fields Description" (sk144192).
"""

from __future__ import annotations

import re
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import epoch_timestamp
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "checkpoint.firewall"

_PAIR = re.compile(r'([\w\-.@]+):"([^"\\]*(?:\\.[^"\\]*)*)"')
_ESCAPE = re.compile(r"\\(.)")
_SD_ID = "Fields@1.3.6.1.4.1.2620"
_ALLOW = frozenset(("accept", "allow", "inline", "encrypt", "decrypt", "key install"))
_DENY = frozenset(("drop", "reject", "block", "prevent", "deny"))
_MALWARE_PRODUCTS = frozenset(("Anti Malware", "Anti-Virus", "Anti-Bot", "Threat Extraction"))
_IDS_PRODUCTS = frozenset(("SmartDefense", "IPS", "Core Protections"))
_LOGIN = {"log in": "start", "login": "start", "log out": "end", "logout": "end"}
_LOGIN_ACTION = {"start": "logged-in", "end": "logged-out"}
_COUNTERS = (
    ("source", "bytes", ("sent_bytes", "client_outbound_bytes")),
    ("destination", "bytes", ("received_bytes", "server_outbound_bytes")),
    ("source", "packets", ("client_outbound_packets",)),
    ("destination", "packets", ("server_outbound_packets",)),
    ("network", "bytes", ("bytes",)),  # the connection's totals, both directions
    ("network", "packets", ("packets",)),
)
"""(ECS object, field, the keys that may hold it, first found wins)."""
_MAPPED = frozenset(
    [
        "src",
        "dst",
        "s_port",
        "service",
        "svc",
        "sport_svc",
        "proto",
        "xlatesrc",
        "xlatedst",
        "xlatesport",
        "xlatedport",
        "xlatesport_svc",
        "xlatedport_svc",
        "ifdir",
        "ifname",
        "rule_name",
        "product",
        "ProductName",
        "user",
        "administrator",
        "client_ip",
        "action",
        "sent_bytes",
        "received_bytes",
        "client_outbound_bytes",
        "server_outbound_bytes",
        "client_outbound_packets",
        "server_outbound_packets",
        "bytes",
        "packets",
        "duration",
        "origin",
        "time",
    ]
)


@register
class CheckpointParser(LineParser):
    """Check Point firewall, threat-prevention and SmartConsole audit logs."""

    name = "checkpoint"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return _SD_ID in line or ('origin:"' in line and ('loguid:"' in line or 'product:"' in line))

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        rec = _fields(header, line)
        if not rec:
            raise ParseError("no Check Point fields")
        event_fields: dict[str, Any] = {"kind": "event", "category": ["network"], "type": []}
        event_fields.update(dataset=DATASET, module="checkpoint")
        event: Event = {"event": event_fields}
        stamp = header.timestamp
        if header.version is None:  # a BSD header has neither year nor zone: the gateway's UTC epoch has both
            stamp = _epoch(rec.get("time")) or stamp
        if stamp:
            event["@timestamp"] = stamp
        origin = net.ip(_first(rec.get("origin")))
        _connection(event, rec, origin)
        _classify(event, rec)
        seconds = _integer(rec.get("duration", ""))
        if seconds is not None:  # ``elapsed`` is kept as written, as Elastic does
            event_fields["duration"] = seconds * 1_000_000_000
        observer: dict[str, Any] = {"vendor": "Checkpoint", "type": "firewall"}
        product = _first(rec.get("product") or rec.get("ProductName"))
        if product:
            observer["product"] = product
        if header.hostname:
            observer["name"] = header.hostname
        if origin:
            observer["ip"] = origin
        hostname = _common_name(rec.get("originsicname"))
        if hostname:
            observer["hostname"] = hostname
        if "ifname" in rec:
            side = "egress" if _first(rec.get("ifdir")) == "outbound" else "ingress"
            observer[side] = {"interface": {"name": _first(rec["ifname"])}}
        event["observer"] = observer
        rule = rec.get("rule_name") or rec.get("objectname")
        if rule:
            event["rule"] = {"name": rule}
        user = _first(rec.get("user")) or _first(rec.get("administrator"))
        if user:
            event["user"] = {"name": user if rec.get("user") else user.lower()}
        _content(event, rec)
        event["checkpoint"] = {k: v for k, v in rec.items() if k not in _MAPPED}
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        return event


def _fields(header: Any, line: str) -> dict[str, Any]:
    """The record's fields from either layout; empty values dropped, repeated keys as lists."""
    if header.structured and _SD_ID in header.structured:
        return {k: v for k, v in header.structured[_SD_ID].items() if v != ""}
    text = header.message
    start = text.find("[")
    if start < 0:
        return {}
    out: dict[str, Any] = {}
    for key, value in _pairs(text, start):
        if value == "":
            continue
        if key in out:
            previous = out[key]
            out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out


def _pairs(text: str, start: int) -> list[tuple[str, str]]:
    """``key:"value";`` pairs: a plain split when nothing is escaped, the full grammar otherwise."""
    if "\\" in text:
        return [(k, _ESCAPE.sub(r"\1", v) if "\\" in v else v) for k, v in _PAIR.findall(text, start)]
    body = text[start + 1 : text.rfind("]")].rstrip("; ")  # some exporters end with '";]' or '"; ]'
    pairs = []
    for item in body.split('"; '):
        key, sep, value = item.partition(':"')
        if sep:
            pairs.append((key.strip(), value[:-1] if value.endswith('"') else value))
    return pairs


_CONTENT = (
    ("resource", ("url", "original")),
    ("http_host", ("url", "domain")),
    ("method", ("http", "request", "method")),
    ("user_agent", ("user_agent", "original")),
    ("web_client_type", ("user_agent", "name")),
    ("src_user_name", ("source", "user", "name")),
    ("dst_user_name", ("destination", "user", "name")),
    ("src_machine_name", ("source", "domain")),
    ("dst_machine_name", ("destination", "domain")),
    ("service_id", ("network", "application")),
    ("layer_name", ("network", "name")),
    ("inzone", ("observer", "ingress", "zone")),
    ("outzone", ("observer", "egress", "zone")),
    ("rule_uid", ("rule", "uuid")),
    ("malware_action", ("rule", "description")),
    ("file_name", ("file", "name")),
    ("file_type", ("file", "type")),
    ("file_md5", ("file", "hash", "md5")),
    ("file_sha1", ("file", "hash", "sha1")),
    ("file_sha256", ("file", "hash", "sha256")),
)
"""Check Point fields whose value is an ECS field as written, as Elastic's integration maps them;
they also stay under ``checkpoint.*``."""
_CONTENT_PLAN = tuple((key, path[:-1], path[-1]) for key, path in _CONTENT)


def _content(event: Event, rec: dict[str, Any]) -> None:
    """The URL, user agent, users, machines, zones, rule and file a record names, and its severity."""
    for key, head, last in _CONTENT_PLAN:
        if key in rec:
            value = rec[key]  # never empty: _fields drops empty values
            if value.__class__ is list:
                value = value[0]
            target = event
            for part in head:
                target = target.setdefault(part, {})
            target[last] = value
    if "severity" in rec:
        severity = _integer(rec["severity"])
        if severity is not None:
            event["event"]["severity"] = severity
    if "user" in event or "src_user_name" in rec or "dst_user_name" in rec:
        names = (event.get("user", {}).get("name"), _first(rec.get("src_user_name")), _first(rec.get("dst_user_name")))
        ecs.extend_related(event, "user", names)


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _integer(value: Any) -> int | None:
    """A counter (the first one if the key repeats) as an integer, or None."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return int(value) if value.isdecimal() else None


def _common_name(value: Any) -> str | None:
    """The gateway's name from its SIC name: ``CN=gw1,O=mgmt..x7f`` → ``gw1``."""
    value = _first(value)
    if not value or value[:3].lower() != "cn=":
        return None
    return value[3:].partition(",")[0] or None


def _epoch(value: Any) -> str | None:
    """ECS time of an epoch in seconds (``time``), or None when it is not one."""
    value = _first(value)
    if not value or not value.isdecimal() or len(value) > 11:
        return None
    return epoch_timestamp(int(value))


def _connection(event: Event, rec: dict[str, Any], origin: str | None) -> None:
    src = _first(rec.get("src")) or _first(rec.get("client_ip"))
    dst = _first(rec.get("dst"))
    source = net.endpoint(src, _first(rec.get("s_port")) or _first(rec.get("sport_svc")))
    destination = net.endpoint(dst, _first(rec.get("service")) or _first(rec.get("svc")))
    translated: list[str | None] = []
    for side, prefix in ((source, "xlatesrc"), (destination, "xlatedst")):
        address = net.nat_ip(_first(rec.get(prefix)))  # 0.0.0.0 is Check Point's "no translation"
        if address:
            side["nat"] = {"ip": address}
        translated.append(address)
    for side, key in ((source, "xlatesport"), (destination, "xlatedport")):
        number = net.port(_first(rec.get(key)) or _first(rec.get(key + "_svc")))
        if number and "nat" in side:
            side["nat"]["port"] = number
    network: dict[str, Any] = {}
    parts = {"source": source, "destination": destination, "network": network}
    for part, field, keys in _COUNTERS:
        for key in keys:
            value = rec.get(key)
            if value is not None:
                count = _integer(value)
                if count is not None:
                    parts[part][field] = count
                    break
    net.attach(event, source=source, destination=destination)
    proto = _first(rec.get("proto"))
    if proto:
        network["iana_number"] = proto
        network["transport"] = net.transport(proto)
    direction = _first(rec.get("ifdir"))
    if direction:
        network["direction"] = direction
    net.attach(event, network=network)
    net.add_related_ips(event, src, translated[0], dst, translated[1], origin)  # Elastic's order


def _classify(event: Event, rec: dict[str, Any]) -> None:
    ev = event["event"]
    written = _first(rec.get("action"))
    if written:
        ev["action"] = written  # as Check Point writes it ("Accept"), as Elastic keeps it
    action = (written or "").lower()
    operation = (_first(rec.get("operation")) or "").lower()
    product = _first(rec.get("product")) or ""
    if operation in _LOGIN:
        ev["category"], ev["type"] = ["authentication"], [_LOGIN[operation]]
        ev["action"] = _LOGIN_ACTION[_LOGIN[operation]]
        ev["outcome"] = "success"
        return
    if "malware_action" in rec or product in _MALWARE_PRODUCTS:
        ev["category"].append("malware")
        ev["kind"] = "alert"
    elif product in _IDS_PRODUCTS or "attack" in rec:
        ev["category"].append("intrusion_detection")
        ev["kind"] = "alert"
    verdict = action or (_first(rec.get("rule_action")) or "").lower()
    if verdict in _ALLOW and ("rule_name" in rec or "src" in rec):
        ev["type"] = ["allowed", "connection"]
    elif verdict in _DENY:
        ev["type"] = ["denied", "connection"]
    status = (_first(rec.get("audit_status")) or _first(rec.get("operation_results")) or "").lower()
    if status:
        ev["outcome"] = "success" if status.startswith("succe") else "failure"
    elif action:
        ev["outcome"] = "success"
    if not ev["type"]:
        ev["type"] = ["info"]
