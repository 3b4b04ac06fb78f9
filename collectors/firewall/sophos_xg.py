"""Sophos XG / SFOS firewall syslog: ``key=value`` records with quoted values.

Sample::

    <30>device="SFW" date=2026-03-02 time=09:15:00 timezone="CET" device_name="XG230" device_id=S4000X1
    log_id=010101600001 log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" status="Allow"
    priority=Information duration=12 fw_rule_id=7 policy_type=1 user_name="carol" src_ip=10.20.0.4
    dst_ip=198.51.100.30 protocol="TCP" src_port=51000 dst_port=443 sent_bytes=900 recv_bytes=4200
    tran_src_ip=203.0.113.5 tran_src_port=51000 srczonetype="LAN" dstzonetype="WAN" connevent="Stop"

``log_id`` is twelve digits: type, component, subtype (two each), priority
(one) and the message number (five, ``event.code``). ``date``/``time`` are
local to the device and ``timezone`` names the zone by abbreviation. An
abbreviation is resolved when the configured zone (``ParseContext.timezone``)
uses it at that moment, or when it has one meaning in the tz database; the
ambiguous ones (IST is India, Ireland and Israel; CST the US and China) and
unknown ones fall back to the configured zone. SFOS 19 writes
``timestamp="2022-06-22T09:40:16+0530"`` instead, and renames a few fields
(``bytes_sent``, ``src_trans_ip``, ``src_zone_type``…): both spellings are read.

ECS mapping follows Elastic's ``sophos.xg`` integration: the subtype is
``event.action``, zone types give ``network.direction``, ``tran_*`` fields are
NAT. The rest stays under ``sophos.xg.*``.

Reference: Sophos Firewall "Log file guide" (SFOS 17.5–19 syslog field descriptions).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from collectors.firewall import kv, net
from collectors.syslog_header import parse_header
from collectors.syslog_time import DEFAULT_CLOCK
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "sophos.xg"

_SNIFF = re.compile(r"\blog_id=\"?\d{12}\b")
_FIRST_PAIR = re.compile(r"(?:^|(?<=[\s>]))[A-Za-z_][\w.\-]*=")
_NUMERIC_ZONE = re.compile(r"([+-])(\d\d):?(\d\d)?$")
# Abbreviations with one meaning in the tz database → minutes east of UTC.
_ZONES = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "MET": 60, "MEST": 120,
    "EET": 120, "EEST": 180, "MSK": 180, "SAST": 120, "CAT": 120, "EAT": 180, "WAT": 60, "PKT": 300,
    "NPT": 345, "WIB": 420, "WITA": 480, "WIT": 540, "SGT": 480, "HKT": 480, "AWST": 480, "JST": 540,
    "KST": 540, "ACST": 570, "ACDT": 630, "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780, "HST": -600,
    "AKST": -540, "AKDT": -480, "PDT": -420, "MST": -420, "MDT": -360, "EST": -300, "EDT": -240,
    "NST": -210, "NDT": -150,
}  # fmt: skip
_LEVELS = {
    "emergency": (0, "emergency"), "alert": (1, "alert"), "critical": (2, "critical"), "error": (3, "error"),
    "warning": (4, "warning"), "notification": (5, "notification"), "information": (6, "informational"),
    "debug": (7, "debug"),
}  # fmt: skip
_INTERNAL_ZONES = frozenset(("LAN", "DMZ", "LOCAL", "VPN", "WIFI"))
_ALERT_COMPONENTS = frozenset(("heartbeat", "dos attack", "invalid traffic", "fragmented traffic", "anomaly"))
_DENIED = frozenset(("denied", "deny", "drop", "dropped", "block", "blocked", "reject", "quarantine"))
_ALLOWED = frozenset(("allowed", "allow", "accept", "permit", "detect", "alert", "clean"))
_FAILED = frozenset(("failed", "failure", "fail", "unsuccessful", "error"))
_SUCCEEDED = frozenset(("successful", "success"))
# Canonical name → the SFOS 19 spelling of the same field.
_ALIASES = {
    "sent_bytes": "bytes_sent", "recv_bytes": "bytes_received", "sent_pkts": "packets_sent",
    "recv_pkts": "packets_received", "tran_src_ip": "src_trans_ip", "tran_src_port": "src_trans_port",
    "tran_dst_ip": "dst_trans_ip", "tran_dst_port": "dst_trans_port", "device_id": "device_serial_id",
    "priority": "severity", "user_gp": "user_group", "srczonetype": "src_zone_type", "srczone": "src_zone",
    "dstzonetype": "dst_zone_type", "dstzone": "dst_zone", "connevent": "con_event", "user_name": "user",
}  # fmt: skip
_MAPPED = frozenset(
    (*_ALIASES, *_ALIASES.values(), "date", "time", "timestamp", "src_ip", "dst_ip", "src_port", "dst_port",
     "protocol", "src_mac", "dst_mac", "in_interface", "out_interface", "fw_rule_name", "url", "http_status",
     "user_agent", "referer", "message", "reason", "signature_id", "signature_msg", "classification", "fw_rule_id",
     "policy_type", "duration", "application")
)  # fmt: skip


@register
class SophosXgParser(LineParser):
    """Sophos XG / SFOS firewall, web, IPS, anti-virus and event logs."""

    name = "sophos-xg"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("log_type=",)

    def sniff_line(self, line: str) -> bool:
        return "log_type=" in line and "log_id=" in line and _SNIFF.search(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        first = _FIRST_PAIR.search(line)
        if first is None:
            raise ParseError("no key=value fields: not a Sophos XG record")
        rec = {k: v for k, v in kv.pairs(line[first.start() :], spaced=True).items() if v}
        if "log_type" not in rec and "log_id" not in rec:
            raise ParseError("no log_type or log_id: not a Sophos XG record")
        for old, new in _ALIASES.items():
            if old not in rec and new in rec:
                rec[old] = rec[new]
        header = parse_header(line[: first.start()], ctx) if first.start() else None
        event: Event = {"event": _classify(rec)}
        stamp = _timestamp(rec, ctx) or (header.timestamp if header else None)
        if stamp:
            event["@timestamp"] = stamp
        seconds = net.integer(rec.get("duration"))
        if seconds is not None:
            event["event"]["duration"] = seconds * 1_000_000_000
        level = _LEVELS.get(rec.get("priority", "").lower())
        if level:
            event["event"]["severity"] = level[0]
            event["log"] = {"level": level[1]}
        _endpoints(event, rec)
        _observer(event, rec, header.hostname if header else None)
        _details(event, rec)
        event["sophos"] = {"xg": {k: v for k, v in rec.items() if k not in _MAPPED}}
        return event


def _classify(rec: dict[str, str]) -> dict[str, Any]:
    """``event.*`` from the log type, component, subtype and status."""
    kind = rec.get("log_type", "").lower()
    component = rec.get("log_component", "").lower()
    subtype = rec.get("log_subtype", "").lower()
    status = rec.get("status", "").lower()
    verdict = "denied" if subtype in _DENIED or status in _DENIED else None
    if verdict is None and (subtype in _ALLOWED or status in _ALLOWED):
        verdict = "allowed"
    out: dict[str, Any] = {"kind": "event", "dataset": DATASET, "module": "sophos"}
    category, types = ["network"], [verdict] if verdict else ["info"]
    if kind == "firewall":
        types = [*types, "connection"] if verdict else ["connection"]
        event_name = rec.get("connevent", "").lower()
        if event_name in ("start", "stop"):
            types.insert(0, "start" if event_name == "start" else "end")
        if verdict == "denied" and component in _ALERT_COMPONENTS:
            out["kind"], category = "alert", ["intrusion_detection", "network"]
    elif kind in ("ips", "atp", "idp"):
        out["kind"], category = "alert", ["intrusion_detection", "network"]
    elif kind in ("anti-virus", "antivirus", "sandstorm", "zero-day protection"):
        out["kind"], category = "alert", ["malware"]
    elif kind == "anti-spam":
        category = ["email"]
    elif kind in ("content filtering", "waf"):
        category = ["network"] if component == "application" else ["web"]
    elif kind == "system health":
        out["kind"], category, types = "metric", ["host"], ["info"]
    elif kind == "event":
        category, types = _event_log(component, subtype, rec.get("message", "").lower())
    if subtype:
        out["action"] = subtype
    out["category"], out["type"] = category, types
    if status in _FAILED:
        out["outcome"] = "failure"
    elif status in _SUCCEEDED or verdict:
        out["outcome"] = "success"
    log_id = rec.get("log_id", "")
    if len(log_id) == 12 and log_id.isdecimal():
        out["code"] = log_id[7:]
    return out


def _event_log(component: str, subtype: str, message: str) -> tuple[list[str], list[str]]:
    """Event logs: authentication, administration, VPN tunnels and the appliance itself."""
    if "authentication" in component or subtype == "authentication" or "captive portal" in component:
        ending = "logged out" in message or "logout" in message
        return ["authentication"], ["end" if ending else "start"]
    if subtype == "admin" or component in ("gui", "cli", "console", "admin"):
        changed = any(word in message for word in ("changed", "added", "deleted", "updated", "created"))
        return (["configuration"], ["change"]) if changed else (["authentication"], ["info"])
    if "vpn" in component or "ipsec" in component:
        return ["network"], ["connection"]
    return ["host"], ["info"]


def _timestamp(rec: dict[str, str], ctx: ParseContext) -> str | None:
    if "timestamp" in rec:
        return DEFAULT_CLOCK.iso(rec["timestamp"], ctx)
    if "date" not in rec or "time" not in rec:
        return None
    try:
        local = datetime.fromisoformat(f"{rec['date']}T{rec['time']}")
    except ValueError as exc:
        raise ParseError(f"bad date/time {rec['date']!r} {rec['time']!r}") from exc
    if local.tzinfo is not None:
        raise ParseError(f"bad time {rec['time']!r}")
    return ecs.format_ts(local.replace(tzinfo=_zone(rec.get("timezone"), local, ctx)))


def _zone(name: str | None, local: datetime, ctx: ParseContext) -> tzinfo:
    """The zone an abbreviation names, or the configured zone when it is ambiguous or unknown."""
    if not name:
        return ctx.timezone
    if local.replace(tzinfo=ctx.timezone).tzname() == name:
        return ctx.timezone
    minutes = _ZONES.get(name.upper())
    numeric = _NUMERIC_ZONE.match(name)
    if minutes is None and numeric is not None:
        sign, hours, mins = numeric.groups()
        minutes = (int(hours) * 60 + int(mins or 0)) * (-1 if sign == "-" else 1)
    if minutes is None or abs(minutes) >= 24 * 60:
        return ctx.timezone
    return timezone(timedelta(minutes=minutes))


def _endpoints(event: Event, rec: dict[str, str]) -> None:
    src, dst = rec.get("src_ip"), rec.get("dst_ip")
    source, destination = net.endpoint(src, rec.get("src_port")), net.endpoint(dst, rec.get("dst_port"))
    for side, prefix, key in ((source, "tran_src", "src_mac"), (destination, "tran_dst", "dst_mac")):
        nat: dict[str, Any] = {}
        if net.ip(rec.get(prefix + "_ip")):
            nat["ip"] = rec[prefix + "_ip"]
        nat_port = net.port(rec.get(prefix + "_port"))
        if nat_port is not None:
            nat["port"] = nat_port
        if nat:
            side["nat"] = nat
        address = net.mac(rec.get(key))
        if address:
            side["mac"] = address
    totals: dict[str, int] = {}
    for side, suffix in ((source, "sent"), (destination, "recv")):
        for unit, key in (("bytes", f"{suffix}_bytes"), ("packets", f"{suffix}_pkts")):
            count = net.integer(rec.get(key))
            if count is not None:
                side[unit] = count
                totals[unit] = totals.get(unit, 0) + count
    user = rec.get("user_name")
    if user:
        source["user"] = {"name": user}
        if rec.get("user_gp"):
            source["user"]["group"] = {"name": rec["user_gp"]}
        event["user"] = {"name": user}
        event["related"] = {"user": [user]}
    net.attach(event, source=source, destination=destination)
    network: dict[str, Any] = dict(totals)
    transport = net.transport(rec.get("protocol"))
    if transport:
        network["transport"] = transport
    if rec.get("application"):
        network["protocol"] = rec["application"].lower()
    found = _direction(rec.get("srczonetype"), rec.get("dstzonetype")) or net.direction(
        source.get("ip"), destination.get("ip")
    )
    if found:
        network["direction"] = found
    net.attach(event, network=network)
    net.add_related_ips(event, src, dst, rec.get("tran_src_ip"), rec.get("tran_dst_ip"))


def _direction(source_zone: str | None, destination_zone: str | None) -> str | None:
    """``network.direction`` from the zone types SFOS names (WAN is outside, the rest inside)."""
    if not source_zone or not destination_zone:
        return None
    inside, outside = source_zone.upper() in _INTERNAL_ZONES, destination_zone.upper() in _INTERNAL_ZONES
    return {(True, True): "internal", (True, False): "outbound", (False, True): "inbound"}.get(
        (inside, outside), "external"
    )


def _observer(event: Event, rec: dict[str, str], hostname: str | None) -> None:
    observer: dict[str, Any] = {"vendor": "Sophos", "product": "XG", "type": "firewall"}
    if rec.get("device_id"):
        observer["serial_number"] = rec["device_id"]
    if hostname:
        observer["hostname"] = hostname
    for side, interface, zone in (("ingress", "in_interface", "srczone"), ("egress", "out_interface", "dstzone")):
        found = net.io_side(rec.get(interface), rec.get(zone))
        if found:
            observer[side] = found
    event["observer"] = observer


def _details(event: Event, rec: dict[str, str]) -> None:
    """Rules, web requests and free text, where the log type has them."""
    rule = {
        "id": rec.get("signature_id") or rec.get("fw_rule_id"),
        "name": rec.get("signature_msg") or rec.get("fw_rule_name"),
        "category": rec.get("classification"),
        "ruleset": rec.get("policy_type"),
    }
    rule = {k: v for k, v in rule.items() if v}
    if rule:
        event["rule"] = rule
    if rec.get("url"):
        event["url"] = {"original": rec["url"]}
    status = net.integer(rec.get("http_status"))
    if status is not None:
        event["http"] = {"response": {"status_code": status}}
    if rec.get("referer"):
        event.setdefault("http", {})["request"] = {"referrer": rec["referer"]}
    if rec.get("user_agent"):
        event["user_agent"] = {"original": rec["user_agent"]}
    if rec.get("message"):
        event["message"] = rec["message"]
    if rec.get("reason"):
        event["event"]["reason"] = rec["reason"]
