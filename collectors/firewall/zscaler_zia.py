"""Zscaler Internet Access (ZIA) NSS firewall feed, one JSON object per line.

Sample::

    {"sourcetype":"zscalernss-fw","event":{"datetime":"Mon Mar 02 09:15:00 2026","user":"dan@corp.example",
    "deviceowner":"dan","devicehostname":"LT-042","csip":"10.8.1.20","csport":50211,"cdip":"198.51.100.44",
    "cdport":22,"ssip":"203.0.113.77","ssport":31002,"sdip":"198.51.100.44","sdport":22,"tsip":"192.0.2.9",
    "tunsport":4500,"tuntype":"IPSec","action":"Allow","dnat":"No","proto":"TCP","nwsvc":"SSH","nwapp":"ssh",
    "rulelabel":"Admin%20SSH","ipsrulelabel":"None","inbytes":5120,"outbytes":2048,"durationms":910}}

The NSS feed format is configured by the customer; the usual one wraps the
record as ``{"sourcetype": "zscalernss-fw", "event": {...}}`` and percent-encodes
string values (``TestLoc%20DB``). The bare ``event`` object is read too, and
so is a record relayed with a syslog header in front (kept in ``log.syslog``).
Addresses come in pairs: ``cs*`` is the client's connection (what the client
sent to), ``ss*``/``sd*`` the connection Zscaler opened on its behalf, ``ts*``
the tunnel the traffic arrived through. So ``ssip`` is the source NAT address,
and ``sdip`` the destination NAT address when it differs from ``cdip``.
``datetime`` has no zone: it is in the zone the feed was configured with
(``ParseContext.timezone``).

ECS mapping follows Elastic's ``zscaler_zia.firewall`` integration (which takes
``user.name`` from ``deviceowner`` and keeps both rule labels in ``rule.name``);
everything else stays under ``zscaler_zia.firewall.*``.

Reference: Zscaler Help "NSS Feed Output Format: Firewall Logs".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

import orjson

from collectors.firewall import net
from collectors.syslog_header import parse_header
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "zscaler_zia.firewall"

# Feed field → path under zscaler_zia.firewall, as Elastic's integration names them.
_VENDOR = {
    "department": "department", "locationname": "location.name", "ipcat": "ip_category", "dnat": "nat",
    "stateful": "stateful", "aggregate": "aggregate", "avgduration": "duration.avg",
    "durationms": "duration.milliseconds", "numsessions": "session.count", "threatcat": "threat.category",
    "threatname": "threat.name", "tsip": "tunnel.ip", "tunsport": "tunnel.port", "tuntype": "tunnel.type",
    "cdip": "client.destination.ip", "cdport": "client.destination.port", "ssip": "server.source.ip",
    "ssport": "server.source.port", "sdip": "server.destination.ip", "sdport": "server.destination.port",
    "srcip_country": "source.country", "dnatrulelabel": "dnat_rule.name",
}  # fmt: skip
_MAPPED = frozenset(
    ("datetime", "epochtime", "user", "deviceowner", "devicehostname", "csip", "csport", "action", "proto",
     "nwsvc", "nwapp", "rulelabel", "ipsrulelabel", "inbytes", "outbytes", "duration", "destcountry")
)  # fmt: skip


@register
class ZscalerZiaParser(LineParser):
    """ZIA cloud firewall sessions from an NSS feed."""

    name = "zscaler-zia"
    dataset = DATASET
    priority = 25
    sniff_tokens = ('"zscalernss-fw"', '"csip"')

    def sniff_line(self, line: str) -> bool:
        if "{" not in line:
            return False
        return '"zscalernss-fw"' in line or ('"csip"' in line and '"cdip"' in line and '"datetime"' in line)

    def parse(self, line: str, ctx: ParseContext) -> Event:
        start = line.find("{")
        if start < 0:
            raise ParseError("no JSON object: not a ZIA NSS record")
        try:
            record = orjson.loads(line[start:])
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"not JSON: {exc}") from exc
        if isinstance(record, dict) and isinstance(record.get("event"), dict):
            record = record["event"]
        if not isinstance(record, dict) or "csip" not in record:
            raise ParseError("no ZIA firewall event (csip) in this JSON")
        header = parse_header(line[:start], ctx) if line[:start].strip() else None
        rec = {k: _value(v) for k, v in record.items() if isinstance(k, str)}
        action = _text(rec.get("action"))
        event_fields: dict[str, Any] = {"kind": "event", "category": ["network"], "type": ["info"]}
        event_fields.update(dataset=DATASET, module="zscaler_zia")
        if action:
            event_fields["action"] = action.lower()
            event_fields["outcome"] = "success"
        millis = net.integer(_text(rec.get("durationms")))
        if millis is not None:
            event_fields["duration"] = millis * 1_000_000
        event: Event = {"event": event_fields}
        stamp = _timestamp(rec, ctx) or (header.timestamp if header else None)
        if stamp:
            event["@timestamp"] = stamp
        if header is not None:
            event["log"] = {"syslog": header.log_fields()}
        _endpoints(event, rec)
        _identity(event, rec)
        rules = [_text(rec[key]) for key in ("rulelabel", "ipsrulelabel") if _text(rec.get(key))]
        if rules:
            event["rule"] = {"name": rules[0] if len(rules) == 1 else rules}
        kept = {k: v for k, v in rec.items() if k not in _MAPPED and v is not None and v != ""}
        vendor: dict[str, Any] = {}
        for key, path in _VENDOR.items():
            if key in kept:
                ecs.put(vendor, path, kept.pop(key))
        for key, value in kept.items():
            vendor.setdefault(key, value)  # fields this module does not know keep their feed names
        event["zscaler_zia"] = {"firewall": vendor}
        return event


def _value(value: Any) -> Any:
    """Strings are percent-decoded; numbers stay numbers; nested values are not part of the format."""
    if isinstance(value, str):
        return unquote(value) if "%" in value else value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _timestamp(rec: dict[str, Any], ctx: ParseContext) -> str | None:
    epoch = net.integer(_text(rec.get("epochtime")))
    stamp = _text(rec.get("datetime"))
    if stamp:
        try:
            local = datetime.strptime(stamp.strip(), "%a %b %d %H:%M:%S %Y")
        except ValueError as exc:
            raise ParseError(f"bad datetime {stamp!r}") from exc
        return ecs.format_ts(local.replace(tzinfo=ctx.timezone))
    if epoch is not None:
        try:
            return ecs.format_ts(datetime.fromtimestamp(epoch, ctx.timezone))
        except (OverflowError, OSError, ValueError) as exc:
            raise ParseError(f"bad epochtime {epoch}") from exc
    return None


def _endpoints(event: Event, rec: dict[str, Any]) -> None:
    client = _text(rec.get("cdip"))
    source = net.endpoint(_text(rec.get("csip")), _text(rec.get("csport")))
    destination = net.endpoint(client, _text(rec.get("cdport")))
    for side, address, port in ((source, "ssip", "ssport"), (destination, "sdip", "sdport")):
        checked = net.nat_ip(_text(rec.get(address)))  # 0.0.0.0: nothing translated
        if checked is None or (side is destination and checked == client and rec.get("dnat") != "Yes"):
            continue
        side["nat"] = {"ip": checked}
        number = net.port(_text(rec.get(port)))
        if number is not None:
            side["nat"]["port"] = number
    for side, key in ((source, "outbytes"), (destination, "inbytes")):
        count = net.integer(_text(rec.get(key)))
        if count is not None:
            side["bytes"] = count
    country = _text(rec.get("destcountry"))
    if country and country not in ("None", "Other"):
        destination["geo"] = {"country_name": country}
    net.attach(event, source=source, destination=destination)
    network: dict[str, Any] = {}
    for field, key in (("transport", "proto"), ("protocol", "nwsvc"), ("application", "nwapp")):
        value = _text(rec.get(key))
        if value and value != "None":
            network[field] = value.lower()
    found = net.direction(source.get("ip"), destination.get("ip"))
    if found:
        network["direction"] = found
    net.attach(event, network=network)
    translated = (net.nat_ip(_text(rec.get(key))) for key in ("ssip", "sdip", "tsip"))
    net.add_related_ips(event, source.get("ip"), client, *translated)


def _identity(event: Event, rec: dict[str, Any]) -> None:
    """The user (an email address in ZIA) and the device they used."""
    user, owner = _text(rec.get("user")), _text(rec.get("deviceowner"))
    found: dict[str, Any] = {}
    if user and "@" in user:
        found["email"] = user
    name = owner or user
    if name:
        found["name"] = name
    if found:
        event["user"] = found
        if name:
            event.setdefault("related", {})["user"] = [name]
    host = _text(rec.get("devicehostname"))
    if host:
        event["host"] = {"hostname": host}
