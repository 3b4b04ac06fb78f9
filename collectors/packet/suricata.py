"""``suricata-eve``: Suricata's EVE JSON, one record per line, mapped to ECS.

Sample::

    {"timestamp":"2018-07-05T15:07:20.910626-0400","flow_id":904992230150281,"event_type":"alert",
     "src_ip":"192.168.86.85","src_port":55641,"dest_ip":"192.168.156.70","dest_port":443,"proto":"TCP",
     "alert":{"action":"allowed","signature_id":2024833,"signature":"ET POLICY ...","severity":1}}

Mapped the way Elastic's Suricata integration does: endpoints, transport,
Community ID and ``app_proto`` for every record; ``rule.*`` and
``event.severity`` for alerts; counters and times for flows; ``dns.*``,
``http.*``/``url.*``, ``tls.*`` and ``file.*`` for their records; the record
itself stays under ``suricata.eve.*``. Ports are numbers even where EVE
quotes them; an address keeps Suricata's spelling (fully expanded IPv6, as
Elastic's integration keeps it) but in lowercase, and an IPv4-mapped one is
its IPv4 address, as Elasticsearch's ``ip`` field reads it.
Reference: https://docs.suricata.io/en/latest/output/eve/eve-json-format.html
"""

from __future__ import annotations

import ipaddress
from typing import Any

import orjson

from collectors.packet.netevent import RELATED
from collectors.packet.suricata_map import MAPPERS, timestamp
from secops import ecs
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

TOP_LEVEL = ("timestamp", "src_ip", "src_port", "dest_ip", "dest_port", "proto", "community_id")


@register
class SuricataEveParser(LineParser):
    """Suricata EVE JSON lines."""

    name = "suricata-eve"
    dataset = "suricata.eve"
    priority = 30
    sniff_tokens = ('"event_type"',)

    def sniff_line(self, line: str) -> bool:
        text = line.lstrip()
        return text.startswith("{") and '"event_type"' in text and '"timestamp"' in text

    def parse(self, line: str, ctx: ParseContext) -> Event:
        record = orjson.loads(line)
        if not isinstance(record, dict) or "event_type" not in record:
            raise ValueError("not an EVE record (no event_type)")
        kind = str(record["event_type"])
        event: Event = {
            "@timestamp": timestamp(record["timestamp"]),
            "event": {"kind": "event", "category": ["network"], "type": ["protocol"], "dataset": "suricata.eve",
                      "module": "suricata"},
        }  # fmt: skip
        _endpoints(event, record)
        mapper = MAPPERS.get(kind)
        if mapper is not None:
            mapper(event, record)
        event["suricata"] = {"eve": {k: v for k, v in record.items() if k not in TOP_LEVEL}}
        RELATED.fill(event)
        return event


def _endpoints(event: Event, r: dict[str, Any]) -> None:
    for side, prefix in (("source", "src"), ("destination", "dest")):
        if f"{prefix}_ip" in r:
            event[side] = {"ip": _address(r[f"{prefix}_ip"])}
            ecs.put_if(event, f"{side}.port", _port(r.get(f"{prefix}_port")))
    if "proto" in r:
        ecs.put(event, "network.transport", str(r["proto"]).lower())
    ecs.put_if(event, "network.community_id", r.get("community_id"))
    ecs.put_if(event, "network.protocol", r.get("app_proto") if r.get("app_proto") != "failed" else None)
    if r.get("vlan"):
        ecs.put(event, "network.vlan.id", str(r["vlan"][0]))
    ecs.put_if(event, "observer.ingress.interface.name", r.get("in_iface"))


def _address(value: Any) -> Any:
    """``2001:DB8::3`` as ``2001:db8::3``, ``::ffff:10.0.0.7`` as ``10.0.0.7``; what is no address stays as written."""
    text = str(value)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return value
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return text.lower()


def _port(value: Any) -> int | None:
    """A port as a number (EVE may quote it, ``"2000"``); None for what is no port at all."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= 65535 else None
