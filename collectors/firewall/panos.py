"""Palo Alto Networks PAN-OS syslog (CSV over syslog): every log type the firewall forwards.

Sample::

    Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,
    192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,
    trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,...,tcp,allow,7734,1758,5976,36,...

Fields are positional and named by the PAN-OS "Syslog Field Descriptions"
(PAN-OS 8.1–11.x; newer releases append fields, which are ignored): TRAFFIC,
THREAT and DECRYPTION share the session columns; SYSTEM, CONFIG,
GLOBALPROTECT, USERID, HIPMATCH and AUTH have their own. A THREAT's
``Name(ID)`` is split, its URL or file name and severity land in ECS. Times in
the CSV carry no zone: they are in ``ParseContext.timezone``. A NAT address
of 0.0.0.0 (with port 0) means the session was not translated. ECS mapping
follows Elastic's ``panw.panos`` integration; the rest lands in
``panw.panos.*``.

Reference: https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions
"""

from __future__ import annotations

import csv
import re
from contextlib import suppress
from typing import Any

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import DEFAULT_CLOCK
from secops import ecs
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
    "vsys_name", "device_name", "action_source", "src_uuid", "dst_uuid", "tunnelid", "monitortag",
    "parent_session_id", "parent_start_time", "tunnel", "assoc_id", "chunks", "chunks_sent", "chunks_received",
    "rule_uuid",
)  # fmt: skip
_THREAT = (
    "misc", "threatid", "category", "severity", "direction", "seqno", "actionflags", "srcloc", "dstloc",
    "future_use4", "contenttype", "pcap_id", "filedigest", "cloud", "url_idx", "user_agent", "filetype",
    "xff", "referer", "sender", "subject", "recipient", "reportid", "dg_hier_level_1", "dg_hier_level_2",
    "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name", "future_use5", "src_uuid", "dst_uuid",
    "http_method", "tunnelid", "monitortag", "parent_session_id", "parent_start_time", "tunnel",
    "thr_category", "contentver", "future_use6", "assoc_id", "ppid", "http_headers", "url_category_list",
    "rule_uuid",
)  # fmt: skip
_DECRYPTION = (
    "tunnel", "future_use4", "future_use5", "src_uuid", "dst_uuid", "rule_uuid", "hs_stage_c2f", "hs_stage_f2s",
    "tls_version", "tls_keyxchg", "tls_enc", "tls_auth", "policy_name", "ec_curve", "err_index", "root_status",
    "chain_status", "proxy_type", "cert_serial", "fingerprint", "notbefore", "notafter", "cert_ver", "cert_size",
    "cn_len", "issuer_len", "rootcn_len", "sni_len", "cert_flags", "cn", "issuer_cn", "root_cn", "sni", "error",
)  # fmt: skip
_DEVICE = ("dg_hier_level_1", "dg_hier_level_2", "dg_hier_level_3", "dg_hier_level_4", "vsys_name", "device_name")
_SYSTEM = (
    "vsys", "eventid", "object", "future_use3", "future_use4", "module", "severity", "description",
    "seqno", "actionflags", *_DEVICE,
)  # fmt: skip
_CONFIG = (
    "host", "vsys", "cmd", "admin", "client", "result", "path", "before_change_detail", "after_change_detail",
    "seqno", "actionflags", *_DEVICE, "dg_id", "comment",
)  # fmt: skip
_CONFIG_OLD = (
    "host", "vsys", "cmd", "admin", "client", "result", "path", "seqno", "actionflags", *_DEVICE,
    "before_change_detail", "after_change_detail",
)  # fmt: skip
"""PAN-OS 8.x and earlier: the change details come last, after the device name."""
_GLOBALPROTECT = (
    "vsys", "eventid", "stage", "auth_method", "tunnel_type", "srcuser", "srcregion", "machinename",
    "public_ip", "public_ipv6", "private_ip", "private_ipv6", "hostid", "client_serial", "client_ver",
    "client_os", "client_os_ver", "repeatcnt", "reason", "error", "description", "status", "location",
    "login_duration", "connect_method", "error_code", "portal", "seqno", "actionflags", "high_res_timestamp",
    "selection_type", "response_time", "priority", "attempted_gateways", "gateway", *_DEVICE,
)  # fmt: skip
_USERID = (
    "vsys", "src", "srcuser", "datasourcename", "eventid", "repeatcnt", "timeout", "sport", "dport",
    "datasource", "datasourcetype", "seqno", "actionflags", *_DEVICE, "vsys_id", "factortype",
    "factorcompletiontime", "factorno", "ugflags", "userbysource",
)  # fmt: skip
_HIPMATCH = (
    "srcuser", "vsys", "machinename", "os", "src", "matchname", "repeatcnt", "matchtype", "future_use3",
    "future_use4", "seqno", "actionflags", *_DEVICE, "vsys_id", "srcipv6", "hostid",
)  # fmt: skip
_AUTH = (
    "vsys", "ip", "user", "normalize_user", "object", "authpolicy", "repeatcnt", "authid", "vendor",
    "logprofile", "serverprofile", "desc", "clienttype", "event", "factorno", "seqno", "actionflags",
    *_DEVICE, "vsys_id", "authproto",
)  # fmt: skip
FIELDS: dict[str, tuple[str, ...]] = {
    "TRAFFIC": (*_COMMON, *_SESSION, *_TRAFFIC),
    "THREAT": (*_COMMON, *_SESSION, *_THREAT),
    "DECRYPTION": (*_COMMON, *_SESSION, *_DECRYPTION),
    "TUNNEL": (*_COMMON, *_SESSION),  # tunnel inspection, GTP and SCTP logs open with the session columns
    "GTP": (*_COMMON, *_SESSION),
    "SCTP": (*_COMMON, *_SESSION),
    "SYSTEM": (*_COMMON, *_SYSTEM),
    "CONFIG": (*_COMMON, *_CONFIG),
    "GLOBALPROTECT": (*_COMMON, *_GLOBALPROTECT),
    "USERID": (*_COMMON, *_USERID),
    "HIPMATCH": (*_COMMON, *_HIPMATCH),
    "AUTH": (*_COMMON, *_AUTH),
}
_SNIFF = re.compile(r"(?:^|\s)1,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,[A-Z][A-Z-]+,")
"""Any log type: one this module has no layout for (IPTAG, CORRELATION...) still gets time and device."""
_START = re.compile(r"(?:^|\s)1,(?=\d{4}/)")
_DENIED = frozenset(("deny", "drop", "drop-icmp", "reset-client", "reset-server", "reset-both", "block-url", "block"))
_THREAT_DIRECTION = {"client-to-server": "outbound", "server-to-client": "inbound"}
_SEVERITY = {"critical": 1, "high": 2, "medium": 3, "low": 4, "informational": 5}
"""PAN-OS severity names → ``event.severity`` (1 the most severe), as Elastic's integration numbers them."""
_THREAT_NAME = re.compile(r"(.*?)\s*\((\d+)\)$")
_FILE_SUBTYPES = frozenset(("file", "virus", "wildfire", "wildfire-virus"))
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
    """PAN-OS syslog in CSV form, every log type."""

    name = "panos"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "1,20" in line and _SNIFF.search(line) is not None  # "1," then the receive time's year

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        text = header.message
        found = _START.search(text)
        start = found.end() - 2 if found is not None else text.find("1,")
        if start < 0:
            raise ParseError("no PAN-OS CSV record after the syslog header")
        values = _split(text[start:])
        if len(values) < 7:
            raise ParseError("PAN-OS record with fewer than 7 fields")
        kind = values[3]
        names = FIELDS.get(kind, _COMMON)
        if kind == "CONFIG" and len(values) > 15 and values[14].isdecimal() and values[15].startswith("0x"):
            names = (*_COMMON, *_CONFIG_OLD)
        record = {name: value for name, value in zip(names, values, strict=False) if value != ""}
        event = _HANDLERS.get(kind, _system)(record, kind)
        stamp = record.get("generated_time") or record.get("receive_time")
        if stamp:
            event["@timestamp"] = DEFAULT_CLOCK.iso(stamp.replace("/", "-"), ctx)
        elif header.timestamp:
            event["@timestamp"] = header.timestamp
        if "start" in record and kind == "TRAFFIC":
            with suppress(ParseError):  # when the session began; a bad value costs this field only
                event["event"]["start"] = DEFAULT_CLOCK.iso(record["start"].replace("/", "-"), ctx)
        observer: dict[str, Any] = event.setdefault("observer", {})
        observer.update(vendor="Palo Alto Networks", product="PAN-OS", type="firewall")
        if "serial" in record:
            observer["serial_number"] = record["serial"]
        hostname = record.get("device_name") or header.hostname
        if hostname:
            observer["hostname"] = hostname
        if header.priority is not None:
            event.setdefault("log", {})["syslog"] = header.log_fields()
        extra = {k: v for k, v in record.items() if k not in _NOT_VENDOR}
        if extra:
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
    if kind == "THREAT":
        _threat(event, record)
    elif kind == "DECRYPTION":
        _decryption(event, record)
    return _observer_io(event)


def _threat(event: Event, record: dict[str, str]) -> None:
    """What the THREAT columns say in ECS: the signature, its severity, and the URL or file it was about."""
    threat = record.get("threatid")
    if threat:
        event["threat"] = {"indicator": {"description": threat}}
        found = _THREAT_NAME.match(threat)  # "Name(12345)"; URL logs write only "(9999)"
        name, number = found.groups() if found else (threat, "")
        vendor: dict[str, Any] = {"name": name} if name else {}
        if number:
            vendor["id"] = number
        if vendor:
            event["panw"] = {"panos": {"threat": vendor}}
    _severity(event, record)
    resource = record.get("misc")
    if resource:
        subtype = record.get("subtype")
        if subtype == "url":
            event["url"] = {"original": resource}
        elif subtype in _FILE_SUBTYPES:
            event["file"] = {"name": resource}
    http: dict[str, Any] = {}
    if "http_method" in record:
        http["method"] = record["http_method"]
    if "referer" in record:
        http["referrer"] = record["referer"]
    if http:
        event["http"] = {"request": http}
    if "user_agent" in record:
        event["user_agent"] = {"original": record["user_agent"]}


def _decryption(event: Event, record: dict[str, str]) -> None:
    tls: dict[str, Any] = {}
    version = record.get("tls_version", "")
    if version[:3].upper() == "TLS" and version[3:]:
        tls["version_protocol"], tls["version"] = "tls", version[3:].lstrip("v")
    if "sni" in record:
        tls["client"] = {"server_name": record["sni"]}
    x509 = {k: {"common_name": record[n]} for k, n in (("subject", "cn"), ("issuer", "issuer_cn")) if n in record}
    if x509:
        tls["server"] = {"x509": x509}
    if tls:
        event["tls"] = tls


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


def _base(category: str, types: list[str], action: str | None = None) -> Event:
    event: Event = {"event": {"kind": "event", "category": [category], "type": types}}
    event["event"].update(dataset=DATASET, module="panw")
    if action:
        event["event"]["action"] = action
    return event


def _user(event: Event, user: str | None, address: str | None = None) -> None:
    """The user a record names and the address it came from, in ``user``, ``source`` and ``related``."""
    source = net.endpoint(address)
    if user:
        event["user"] = {"name": user}
        source["user"] = {"name": user}
        ecs.extend_related(event, "user", (user,))
    if source:
        event["source"] = source
    net.add_related_ips(event, address)


def _system(record: dict[str, str], kind: str) -> Event:
    event = _base("host", ["info"], record.get("eventid"))
    if "description" in record:
        event["message"] = record["description"]
    _severity(event, record)
    return event


def _severity(event: Event, record: dict[str, str]) -> None:
    """The record's severity name as ``log.level``, and as ``event.severity`` where PAN-OS ranks it."""
    severity = record.get("severity")
    if severity:
        event["log"] = {"level": severity}
        if severity in _SEVERITY:
            event["event"]["severity"] = _SEVERITY[severity]


def _config(record: dict[str, str], kind: str) -> Event:
    """An administrator's configuration command: who, from where, which command, on what, with what result."""
    event = _base("configuration", ["change"], record.get("cmd"))
    result = record.get("result", "").lower()
    if result:
        event["event"]["outcome"] = "success" if result in ("succeeded", "submitted") else "failure"
    _user(event, record.get("admin"), record.get("host"))
    return event


def _globalprotect(record: dict[str, str], kind: str) -> Event:
    """A GlobalProtect portal or gateway event: the user, the client's public address, the stage's result."""
    eventid = record.get("eventid", "")
    if "logout" in eventid:
        event = _base("authentication", ["end"], eventid)
    elif eventid.endswith("auth") or "login" in eventid:
        event = _base("authentication", ["start"], eventid)
    elif eventid.endswith("connected"):
        event = _base("network", ["connection", "start"], eventid)
    else:
        event = _base("network", ["info"], eventid or None)
    status = record.get("status", "").lower()
    if status in ("success", "failure"):
        event["event"]["outcome"] = status
    public = net.nat_ip(record.get("public_ip")) or net.nat_ip(record.get("public_ipv6"))
    _user(event, record.get("srcuser"), public)
    net.add_related_ips(event, net.nat_ip(record.get("private_ip")), net.nat_ip(record.get("private_ipv6")))
    if "description" in record:
        event["message"] = record["description"]
    return event


def _userid(record: dict[str, str], kind: str) -> Event:
    """A User-ID mapping: which user the firewall now ties to which address, and what told it."""
    subtype = record.get("subtype", "")
    types = {"login": ["start"], "logout": ["end"]}.get(subtype)
    event = _base("authentication", types, subtype) if types else _base("iam", ["info"], subtype or None)
    _user(event, record.get("srcuser"), record.get("src"))
    port = net.port(record.get("sport"))
    if port and "source" in event:  # 0: the mapping came without a port
        event["source"]["port"] = port
    return event


def _hipmatch(record: dict[str, str], kind: str) -> Event:
    """A GlobalProtect host-information match: which object or profile a user's machine matched."""
    event = _base("host", ["info"])
    _user(event, record.get("srcuser"), net.ip(record.get("src")) or net.ip(record.get("srcipv6")))
    if "matchname" in record:
        event["rule"] = {"name": record["matchname"]}
    return event


def _auth(record: dict[str, str], kind: str) -> Event:
    """An Authentication Policy or captive-portal logon: the user, the address, the result."""
    said = record.get("event", "")
    event = _base("authentication", ["start"], said or None)
    if said:
        event["event"]["outcome"] = "failure" if "fail" in said.lower() else "success"
    _user(event, record.get("normalize_user") or record.get("user"), record.get("ip"))
    if "authpolicy" in record:
        event["rule"] = {"name": record["authpolicy"]}
    if "desc" in record:
        event["message"] = record["desc"]
    return event


_HANDLERS = {
    "TRAFFIC": _session,
    "THREAT": _session,
    "DECRYPTION": _session,
    "TUNNEL": _session,
    "GTP": _session,
    "SCTP": _session,
    "SYSTEM": _system,
    "CONFIG": _config,
    "GLOBALPROTECT": _globalprotect,
    "USERID": _userid,
    "HIPMATCH": _hipmatch,
    "AUTH": _auth,
}
