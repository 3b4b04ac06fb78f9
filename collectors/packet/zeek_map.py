"""ECS mapping of Zeek log records, following Elastic's Zeek integration.

Every record keeps its own fields under ``zeek.<log>.*`` (``conn`` becomes
``zeek.connection``, as Elastic names it) and gains the ECS fields analysts
search on: endpoints from ``id.*``, ``zeek.session_id`` from ``uid``, and per
log type the ``network.*``, ``dns.*``, ``http.*``/``url.*``, ``tls.*``,
``file.*``, ``x509.*`` and ``rule.*`` fields.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from collectors.firewall import net
from collectors.packet.netevent import RELATED
from secops import ecs
from secops.types import Event

DATASET_NAMES = {"conn": "connection"}
ENDPOINTS = ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")
TLS_VERSIONS = {"SSLv2": ("ssl", "2.0"), "SSLv3": ("ssl", "3.0"), "TLSv10": ("tls", "1.0"), "TLSv11": ("tls", "1.1"),
                "TLSv12": ("tls", "1.2"), "TLSv13": ("tls", "1.3"), "DTLSv10": ("dtls", "1.0"),
                "DTLSv12": ("dtls", "1.2"), "DTLSv13": ("dtls", "1.3")}  # fmt: skip
SIGNATURES = (
    ("conn_state", "conn"),
    ("query", "dns"),
    ("call_id", "sip"),
    ("method", "http"),
    ("request_type", "kerberos"),
    ("client_initial_dcid", "quic"),
    ("cipher", "ssl"),
    ("server_name", "ssl"),
    ("seen_bytes", "files"),
    ("note", "notice"),
    ("notice", "weird"),
    ("certificate.version", "x509"),
    ("reply_code", "ftp"),
    ("share_type", "smb_mapping"),
    ("times.modified", "smb_files"),
    ("analyzer_kind", "analyzer"),
    ("msg_types", "dhcp"),
    ("auth_attempts", "ssh"),
    ("mailfrom", "smtp"),
    ("helo", "smtp"),
    ("security_protocol", "rdp"),
    ("server_nb_computer_name", "ntlm"),
    ("tunnel_type", "tunnel"),
    ("trans_id", "dns"),
    ("status_code", "http"),
    ("fuid", "files"),
    ("addl", "weird"),
)
"""A field only one log type writes, the busiest logs first; a shared field comes after the rarer
logs that have it too: ``method`` and ``status_code`` (sip), ``cipher`` (kerberos), ``server_name``
(quic), ``fuid`` (notice, ftp, smb_files)."""
KNOWN_LOGS = frozenset({
    "analyzer", "broker", "capture_loss", "cluster", "config", "conn", "dce_rpc", "dhcp", "dnp3", "dns", "dpd",
    "files", "ftp", "http", "intel", "irc", "kerberos", "known_certs", "known_hosts", "known_modbus",
    "known_services", "ldap", "ldap_search", "loaded_scripts", "modbus", "mqtt_connect", "mqtt_publish",
    "mqtt_subscribe", "mysql", "netcontrol", "notice", "notice_alarm", "ntlm", "ntp", "ocsp", "packet_filter", "pe",
    "quic", "radius", "rdp", "reporter", "rfb", "signatures", "sip", "smb_files", "smb_mapping", "smtp", "snmp",
    "socks", "software", "ssh", "ssl", "stats", "syslog", "traceroute", "tunnel", "unknown_protocols", "websocket",
    "weird", "weird_stats", "x509",
})  # fmt: skip
"""Zeek's standard log names: a file named after one (``conn.log``, ``ftp.04:00:00-05:00:00.log.gz``)
holds that log, as Elastic's integration reads it by path."""


def log_type(record: dict[str, Any], declared: str, from_name: str) -> str:
    """The log a record belongs to: its ``#path`` or ``_path``, the standard log its file is named
    after, what its fields tell, and at last the file's name."""
    if declared:
        return declared
    if from_name in KNOWN_LOGS:
        return from_name
    return infer_path(record) or from_name


def infer_path(record: dict[str, Any]) -> str:
    """The log type of a JSON record written without ``_path``, from the fields it has."""
    return next((path for field, path in SIGNATURES if field in record), "")


MILLIS_FROM = 100_000_000_000


def timestamp(value: Any) -> str:
    """``ts`` as Zeek's JSON writes it: epoch seconds (``JSON::TS_EPOCH``), whole milliseconds
    (``JSON::TS_MILLIS``, an integer past what seconds reach before the year 5000) or ISO 8601."""
    if isinstance(value, int | float):
        if isinstance(value, int) and abs(value) >= MILLIS_FROM:
            return ecs.format_ts(datetime.fromtimestamp(value / 1000, UTC))
        return ecs.format_ts(datetime.fromtimestamp(float(value), UTC))
    return ecs.format_ts(ecs.parse_ts(str(value).replace("Z", "+00:00")))


def map_record(path: str, record: dict[str, Any], odd: list[str] | None = None) -> Event:
    """One Zeek record as an ECS event; fields named in ``odd`` did not fit their type and stay text only."""
    odd = odd or []
    kept = {name: record.pop(name) for name in odd}
    name = DATASET_NAMES.get(path, path or "unknown")
    event: Event = {
        "event": {"kind": "event", "category": ["network"], "type": ["info"], "dataset": f"zeek.{name}",
                  "module": "zeek"},
    }  # fmt: skip
    if "ts" in record:
        try:
            event["@timestamp"] = timestamp(record["ts"])
        except (ValueError, OverflowError, OSError):
            kept["ts"] = record.pop("ts")
            odd.append("ts")
    if "id.orig_h" in record:
        event["source"] = {"ip": record["id.orig_h"]}
        event["destination"] = {"ip": record.get("id.resp_h")}
        if "id.orig_p" in record:
            event["source"]["port"] = int(record["id.orig_p"])
            event["destination"]["port"] = int(record["id.resp_p"])
    if "uid" in record:
        event["zeek"] = {"session_id": record["uid"]}
    if "community_id" in record:
        ecs.put(event, "network.community_id", record["community_id"])
    if "proto" in record:
        ecs.put(event, "network.transport", str(record["proto"]).lower())
    mapper = MAPPERS.get(path)
    if mapper is not None:
        mapper(event, record)
    rest = {k: v for k, v in record.items() if k not in ENDPOINTS and k not in ("ts", "uid", "community_id")}
    rest.update(kept)
    event.setdefault("zeek", {})[name] = rest
    if odd:
        event["tags"] = ["_zeek_value_not_of_its_type"]
        ecs.put(event, "zeek.unreadable_fields", sorted(set(odd)))
    RELATED.fill(event)
    return event


def _conn(event: Event, r: dict[str, Any]) -> None:
    event["event"]["type"] = ["connection", "end"]
    ecs.put_if(event, "network.protocol", r.get("service"))
    if "duration" in r:
        ecs.put(event, "event.duration", int(r["duration"] * 1e9))
    for side, prefix in (("source", "orig"), ("destination", "resp")):
        if f"{prefix}_ip_bytes" in r:
            ecs.put(event, f"{side}.bytes", r[f"{prefix}_ip_bytes"])
        if f"{prefix}_pkts" in r:
            ecs.put(event, f"{side}.packets", r[f"{prefix}_pkts"])
    if "orig_ip_bytes" in r and "resp_ip_bytes" in r:
        ecs.put(event, "network.bytes", r["orig_ip_bytes"] + r["resp_ip_bytes"])
    if "orig_pkts" in r and "resp_pkts" in r:
        ecs.put(event, "network.packets", r["orig_pkts"] + r["resp_pkts"])
    if "local_orig" in r and "local_resp" in r:
        ecs.put(event, "network.direction", _direction(r["local_orig"], r["local_resp"]))
    if "vlan" in r:
        ecs.put(event, "network.vlan.id", str(r["vlan"]))


def _direction(local_orig: bool, local_resp: bool) -> str:
    if local_orig and local_resp:
        return "internal"
    if local_orig:
        return "outbound"
    return "inbound" if local_resp else "external"


def _dns(event: Event, r: dict[str, Any]) -> None:
    event["event"]["type"] = ["connection", "protocol", "info"]
    ecs.put(event, "network.protocol", "dns")
    dns: dict[str, Any] = {"type": "answer" if "rcode" in r or r.get("answers") else "query"}
    if "trans_id" in r:
        dns["id"] = str(r["trans_id"])
    question = {k: v for k, v in (("name", r.get("query")), ("type", r.get("qtype_name")),
                                  ("class", r.get("qclass_name"))) if v is not None}  # fmt: skip
    if question:
        dns["question"] = question
    if "rcode_name" in r:
        dns["response_code"] = r["rcode_name"]
    if "opcode_name" in r:
        dns["op_code"] = r["opcode_name"]
    dns["header_flags"] = [flag for flag in ("AA", "TC", "RD", "RA") if r.get(flag)]
    answers = r.get("answers") or []
    ttls = r.get("TTLs") or []
    if answers:
        dns["answers"] = [
            {"data": a, **({"ttl": int(ttls[i])} if i < len(ttls) else {})} for i, a in enumerate(answers)
        ]
        resolved = [a for a in answers if net.ip(a)]
        if resolved:
            dns["resolved_ip"] = resolved
    event["dns"] = dns


def _http(event: Event, r: dict[str, Any]) -> None:
    event["event"]["category"] = ["network", "web"]
    event["event"]["type"] = ["connection", "protocol", "info"]
    ecs.put(event, "network.protocol", "http")
    ecs.put_if(event, "http.request.method", r.get("method"))
    ecs.put_if(event, "http.request.referrer", r.get("referrer"))
    ecs.put_if(event, "http.version", r.get("version"))
    ecs.put_if(event, "http.request.body.bytes", r.get("request_body_len"))
    ecs.put_if(event, "http.response.body.bytes", r.get("response_body_len"))
    ecs.put_if(event, "user_agent.original", r.get("user_agent"))
    ecs.put_if(event, "url.original", r.get("uri"))
    ecs.put_if(event, "url.domain", r.get("host"))
    ecs.put_if(event, "url.username", r.get("username"))
    if "status_code" in r:
        ecs.put(event, "http.response.status_code", r["status_code"])
        ecs.put(event, "event.outcome", "failure" if r["status_code"] >= 400 else "success")
    uri = r.get("uri")
    if isinstance(uri, str):
        url_parts(event, uri)
        if r.get("host") and uri.startswith("/"):
            port = event.get("destination", {}).get("port")
            netloc = r["host"] if port in (None, 80) else f"{r['host']}:{port}"
            ecs.put(event, "url.full", f"http://{netloc}{uri}")
        elif "url" in event and "scheme" in event["url"]:
            ecs.put(event, "url.full", uri)
    if r.get("resp_mime_types"):
        ecs.put(event, "http.response.mime_type", r["resp_mime_types"][0])


def url_parts(event: Event, target: str) -> None:
    """``url.path`` and ``url.query`` (and for an absolute target its ``url.scheme``) of an HTTP request
    target: ``/a/b?q=1``, a proxy's ``http://host/a?q=1``; a CONNECT's ``host:443`` has none."""
    if target.startswith("/"):
        path, _, query = target.partition("?")
    elif "://" in target:
        try:
            parts = urlsplit(target)
        except ValueError:
            return
        if not parts.scheme or not parts.netloc:
            return
        ecs.put(event, "url.scheme", parts.scheme.lower())
        path, query = parts.path, parts.query
    else:
        return
    path = path.partition("#")[0]
    if path:
        ecs.put(event, "url.path", path)
    if query:
        ecs.put(event, "url.query", query.partition("#")[0])


def _ssl(event: Event, r: dict[str, Any]) -> None:
    event["event"]["type"] = ["connection", "protocol"]
    ecs.put(event, "network.protocol", "tls")
    if r.get("version") in TLS_VERSIONS:
        protocol, version = TLS_VERSIONS[r["version"]]
        ecs.put(event, "tls.version_protocol", protocol)
        ecs.put(event, "tls.version", version)
    ecs.put_if(event, "tls.cipher", r.get("cipher"))
    ecs.put_if(event, "tls.curve", r.get("curve"))
    ecs.put_if(event, "tls.client.server_name", r.get("server_name"))
    ecs.put_if(event, "destination.domain", r.get("server_name"))
    ecs.put_if(event, "tls.next_protocol", r.get("next_protocol"))
    ecs.put_if(event, "tls.server.subject", r.get("subject"))
    ecs.put_if(event, "tls.server.issuer", r.get("issuer"))
    ecs.put_if(event, "tls.client.subject", r.get("client_subject"))
    ecs.put_if(event, "tls.client.issuer", r.get("client_issuer"))
    ecs.put_if(event, "tls.client.ja3", r.get("ja3"))
    ecs.put_if(event, "tls.server.ja3s", r.get("ja3s"))
    for flag in ("resumed", "established"):
        if flag in r:
            ecs.put(event, f"tls.{flag}", bool(r[flag]))


def _files(event: Event, r: dict[str, Any]) -> None:
    event["event"]["category"] = ["file"]
    for algo in ("md5", "sha1", "sha256"):
        ecs.put_if(event, f"file.hash.{algo}", r.get(algo))
    ecs.put_if(event, "file.mime_type", r.get("mime_type"))
    ecs.put_if(event, "file.name", r.get("filename"))
    size = r.get("total_bytes", r.get("seen_bytes"))
    if size is not None:
        ecs.put(event, "file.size", size)
    if "source" not in event and r.get("tx_hosts"):
        event["source"] = {"ip": r["tx_hosts"][0]}
        if r.get("rx_hosts"):
            event["destination"] = {"ip": r["rx_hosts"][0]}
    if isinstance(r.get("source"), str):
        ecs.put(event, "network.protocol", r["source"].lower())


def _notice(event: Event, r: dict[str, Any]) -> None:
    event["event"]["kind"] = "alert"
    event["event"]["category"] = ["intrusion_detection"]
    ecs.put_if(event, "rule.name", r.get("note"))
    ecs.put_if(event, "rule.description", r.get("msg"))
    ecs.put_if(event, "message", r.get("msg"))
    if "source" not in event and r.get("src"):
        event["source"] = {"ip": r["src"]}
    if "destination" not in event and r.get("dst"):
        event["destination"] = {"ip": r["dst"]}
    if "p" in r and "destination" in event:
        event["destination"].setdefault("port", int(r["p"]))
    ecs.put_if(event, "file.mime_type", r.get("file_mime_type"))


def _x509(event: Event, r: dict[str, Any]) -> None:
    event["event"]["category"] = ["file"]
    x509: dict[str, Any] = {}
    for key, target in (("certificate.version", "version_number"), ("certificate.serial", "serial_number"),
                        ("certificate.key_alg", "public_key_algorithm"), ("certificate.sig_alg", "signature_algorithm"),
                        ("certificate.key_length", "public_key_size"), ("certificate.curve", "public_key_curve"),
                        ("certificate.exponent", "public_key_exponent")):  # fmt: skip
        if r.get(key) not in (None, ""):
            x509[target] = str(r[key]) if target == "version_number" else r[key]
    for key, target in (("certificate.not_valid_before", "not_before"), ("certificate.not_valid_after", "not_after")):
        if key in r:
            x509[target] = timestamp(r[key])
    for key, target in (("certificate.subject", "subject"), ("certificate.issuer", "issuer")):
        if r.get(key):
            x509[target] = _dn(r[key])
    if r.get("san.dns"):
        x509["alternative_names"] = r["san.dns"]
    event["x509"] = x509
    ecs.put_if(event, "file.hash.sha256", r.get("fingerprint") if len(str(r.get("fingerprint", ""))) == 64 else None)


DN_KEYS = {"CN": "common_name", "O": "organization", "OU": "organizational_unit", "C": "country", "L": "locality",
           "ST": "state_or_province"}  # fmt: skip


def _dn(text: str) -> dict[str, Any]:
    """A distinguished name into ECS x509 parts (``CN=a,O=b`` with ``\\,`` escapes)."""
    out: dict[str, Any] = {"distinguished_name": text}
    parts, current, escaped = [], "", False
    for ch in text:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ",":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    for part in parts:
        key, sep, value = part.strip().partition("=")
        if sep and key in DN_KEYS:
            out.setdefault(DN_KEYS[key], []).append(value)
    return out


def _weird(event: Event, r: dict[str, Any]) -> None:
    event["event"]["kind"] = "alert"
    ecs.put_if(event, "rule.name", r.get("name"))
    ecs.put_if(event, "message", r.get("name"))


def _dhcp(event: Event, r: dict[str, Any]) -> None:
    """dhcp.log has no connection id: the client and server addresses are its endpoints."""
    event["event"]["type"] = ["protocol", "info"]
    ecs.put(event, "network.protocol", "dhcp")
    ecs.put(event, "network.transport", "udp")
    client = r.get("client_addr") or r.get("assigned_addr") or r.get("requested_addr")
    if "source" not in event and isinstance(client, str):
        event["source"] = {"ip": client}
    if "destination" not in event and isinstance(r.get("server_addr"), str):
        event["destination"] = {"ip": r["server_addr"]}
    mac = net.mac(r["mac"]) if isinstance(r.get("mac"), str) else None
    if mac is not None:
        ecs.put(event, "source.mac", mac)
    ecs.put_if(event, "source.domain", r.get("host_name") if isinstance(r.get("host_name"), str) else None)


MAPPERS: dict[str, Callable[[Event, dict[str, Any]], None]] = {
    "conn": _conn,
    "dns": _dns,
    "http": _http,
    "ssl": _ssl,
    "files": _files,
    "notice": _notice,
    "x509": _x509,
    "weird": _weird,
    "dhcp": _dhcp,
}
