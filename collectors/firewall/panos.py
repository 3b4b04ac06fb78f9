"""Palo Alto Networks PAN-OS syslog: TRAFFIC, THREAT and SYSTEM logs (CSV over syslog).

Sample::

    Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,
    192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,
    trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,...,tcp,allow,7734,1758,5976,36,...

Fields are positional and named by the PAN-OS "Syslog Field Descriptions"
(PAN-OS 8.1–11.x; newer releases append fields, which are ignored). Times in
the CSV carry no zone: they are in ``ParseContext.timezone``. A NAT address
of 0.0.0.0 (with port 0) means the session was not translated. ECS mapping
follows Elastic's ``panw.panos`` integration; the rest lands in
``panw.panos.*``.

Reference: https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions
"""

from __future__ import annotations

import csv
import re
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import DEFAULT_CLOCK, parse_header
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "panw.panos"

_COMMON = ("future_use1", "receive_time", "serial", "type", "subtype", "future_use2", "generated_time")
_SESSION = (
    "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser", "app", "vsys", "from", "to",
    "inbound_if", "outbound_if", "logset", "future_use3", "sessionid", "repeatcnt", "sport", "dport",
    "natsport", "natdport", "flags", "proto", "action",
)  # fmt: skip
_TRAFFIC = (
    "bytes", "bytes_sent", "bytes_received", "packets", "start", "elapsed", "category", "future_use4",
    "seqno", "actionflags", "srcloc", "dstloc", "future_use5", "pkts_sent", "pkts_received",
    "session_end_reason", "dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4",
    "vsys_name", "device_name", "action_source",
)  # fmt: skip
_THREAT = (
    "misc", "threatid", "category", "severity", "direction", "seqno", "actionflags", "srcloc", "dstloc",
    "future_use4", "contenttype", "pcap_id", "filedigest", "cloud", "url_idx", "user_agent", "filetype",
    "xff", "referer", "sender", "subject", "recipient", "reportid", "dg_hier_level_1", "dg_hier_level_2",
    "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name",
)  # fmt: skip
_SYSTEM = (
    "vsys", "eventid", "object", "future_use3", "future_use4", "module", "severity", "description",
    "seqno", "actionflags", "dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4",
    "vsys_name", "device_name",
)  # fmt: skip
FIELDS: dict[str, tuple[str, ...]] = {
    "TRAFFIC": (*_COMMON, *_SESSION, *_TRAFFIC),
    "THREAT": (*_COMMON, *_SESSION, *_THREAT),
    "SYSTEM": (*_COMMON, *_SYSTEM),
}
_SNIFF = re.compile(r"(?:^|\s)1,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,(?:TRAFFIC|THREAT|SYSTEM|CONFIG|GLOBALPROTECT),")
_DENIED = frozenset(("deny", "drop", "drop-icmp", "reset-client", "reset-server", "reset-both", "block-url", "block"))
_THREAT_DIRECTION = {"client-to-server": "outbound", "server-to-client": "inbound"}
_FLOW_ACTION = {"start": "flow_started", "end": "flow_terminated", "deny": "flow_denied", "drop": "flow_dropped"}
"""TRAFFIC subtype → ``event.action``, Elastic's names; the rule's verdict stays in ``panw.panos.action``."""
_ECS_TAKEN = frozenset(
    (
        *_COMMON, "src", "dst", "natsrc", "natdst", "rule", "srcuser", "dstuser", "sport", "dport", "natsport",
        "natdport", "proto", "bytes", "bytes_sent", "bytes_received", "packets", "pkts_sent",
        "pkts_received", "device_name", "inbound_if", "outbound_if", "app", "description",
    )
)  # fmt: skip

_NOT_VENDOR = _ECS_TAKEN | {name for names in FIELDS.values() for name in names if name.startswith("future_use")}


@register
class PanosParser(LineParser):
    """PAN-OS TRAFFIC/THREAT/SYSTEM syslog in CSV form."""

    name = "panos"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return (",TRAFFIC," in line or ",THREAT," in line or ",SYSTEM," in line) and _SNIFF.search(line) is not None

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        text = header.message
        start = text.find("1,")
        if start < 0:
            raise ParseError("no PAN-OS CSV record after the syslog header")
        values = _split(text[start:])
        if len(values) < 7:
            raise ParseError("PAN-OS record with fewer than 7 fields")
        kind = values[3]
        names = FIELDS.get(kind)
        if names is None:
            names = _COMMON
        record = {name: value for name, value in zip(names, values, strict=False) if value != ""}
        event = _session(record, kind) if kind in ("TRAFFIC", "THREAT") else _system(record, kind)
        stamp = record.get("generated_time") or record.get("receive_time")
        if stamp:
            event["@timestamp"] = DEFAULT_CLOCK.iso(stamp.replace("/", "-"), ctx)
        elif header.timestamp:
            event["@timestamp"] = header.timestamp
        observer: dict[str, Any] = event.setdefault("observer", {})
        observer.update(vendor="Palo Alto Networks", product="PAN-OS", type="firewall")
        if "serial" in record:
            observer["serial_number"] = record["serial"]
        hostname = record.get("device_name") or header.hostname
        if hostname:
            observer["hostname"] = hostname
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        extra = {k: v for k, v in record.items() if k not in _NOT_VENDOR}
        event.setdefault("panw", {"panos": {}})["panos"].update(extra)
        return event


def _split(text: str) -> list[str]:
    if '"' not in text:
        return text.split(",")
    try:
        return next(csv.reader([text]))
    except csv.Error as exc:
        raise ParseError(f"bad CSV: {exc}") from exc


def _session(record: dict[str, str], kind: str) -> Event:
    action = record.get("action", "")
    subtype = record.get("subtype", "")
    denied = action in _DENIED
    types = ["denied" if denied else "allowed"]
    if subtype in ("start", "end"):
        types.append(subtype)
    elif subtype in ("deny", "drop") and not denied:  # an allow rule's session the device then denied
        types.append("denied")
    types.append("connection")
    flow = _FLOW_ACTION.get(subtype) if kind == "TRAFFIC" else None
    event_fields: dict[str, Any] = {
        "kind": "alert" if kind == "THREAT" else "event",
        "category": ["network", "intrusion_detection"] if kind == "THREAT" else ["network"],
        "type": types,
        "action": flow or action or None,
        "outcome": "failure" if denied else "success",
        "dataset": DATASET,
        "module": "panw",
    }
    if "elapsed" in record and record["elapsed"].isdecimal():
        event_fields["duration"] = int(record["elapsed"]) * 1_000_000_000
    source = net.endpoint(record.get("src"), record.get("sport"))
    destination = net.endpoint(record.get("dst"), record.get("dport"))
    source_nat = _nat(source, record.get("natsrc"), record.get("natsport"))
    destination_nat = _nat(destination, record.get("natdst"), record.get("natdport"))
    network: dict[str, Any] = {"type": "ipv6" if ":" in record.get("src", "") else "ipv4"}
    if "proto" in record:
        network["transport"] = net.transport(record["proto"])
    if "app" in record:
        network["application"] = record["app"]
    # A counter that is not a number (a line whose columns shifted) is left out, not fatal.
    if "bytes_sent" in record:
        _count(source, "bytes", record["bytes_sent"])
        _count(destination, "bytes", record.get("bytes_received", "0"))
    if "pkts_sent" in record:
        _count(source, "packets", record["pkts_sent"])
        _count(destination, "packets", record.get("pkts_received", "0"))
    _count(network, "bytes", record.get("bytes"))
    _count(network, "packets", record.get("packets"))
    if kind == "THREAT" and record.get("direction") in _THREAT_DIRECTION:
        network["direction"] = _THREAT_DIRECTION[record["direction"]]
    event: Event = {
        "event": {k: v for k, v in event_fields.items() if v is not None},
        "source": source,
        "destination": destination,
        "network": network,
    }
    if "rule" in record:
        event["rule"] = {"name": record["rule"]}
    if "srcuser" in record:
        event["user"] = {"name": record["srcuser"]}
        source["user"] = {"name": record["srcuser"]}
    if "dstuser" in record:
        destination["user"] = {"name": record["dstuser"]}
    ingress: dict[str, Any] = {"interface": {"name": record["inbound_if"]}} if "inbound_if" in record else {}
    egress: dict[str, Any] = {"interface": {"name": record["outbound_if"]}} if "outbound_if" in record else {}
    if "from" in record:
        ingress["zone"] = record["from"]
    if "to" in record:
        egress["zone"] = record["to"]
    if ingress or egress:
        event["_observer_io"] = (ingress, egress)
    net.add_related_ips(event, record.get("src"), record.get("dst"), source_nat, destination_nat)
    if kind == "THREAT" and "threatid" in record:
        event["threat"] = {"indicator": {"description": record["threatid"]}}
    return _observer_io(event)


def _observer_io(event: Event) -> Event:
    ingress, egress = event.pop("_observer_io", ({}, {}))
    if ingress or egress:
        io: dict[str, Any] = {}
        if ingress:
            io["ingress"] = ingress
        if egress:
            io["egress"] = egress
        event["observer"] = io
    return event


def _count(target: dict[str, Any], key: str, value: str | None) -> None:
    number = net.integer(value)
    if number is not None:
        target[key] = number


def _nat(side: dict[str, Any], address: str | None, port: str | None) -> str | None:
    """``side.nat`` unless PAN-OS wrote 0.0.0.0 (and port 0) for "not translated"; returns the address."""
    checked = net.nat_ip(address)
    if checked is None:
        return None
    nat: dict[str, Any] = {"ip": checked}
    number = net.port(port)
    if number is not None:
        nat["port"] = number  # 0 included: an ICMP session's translated "port"
    side["nat"] = nat
    return checked


def _system(record: dict[str, str], kind: str) -> Event:
    event: Event = {
        "event": {
            "kind": "event",
            "category": ["host"] if kind == "SYSTEM" else ["configuration"],
            "type": ["info"],
            "dataset": DATASET,
            "module": "panw",
        }
    }
    if "eventid" in record:
        event["event"]["action"] = record["eventid"]
    if "description" in record:
        event["message"] = record["description"]
    return event
