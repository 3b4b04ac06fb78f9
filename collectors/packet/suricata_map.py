"""ECS mapping of Suricata EVE records by ``event_type``, following Elastic's Suricata integration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from collectors.packet.zeek_map import url_parts
from secops import ecs
from secops.types import Event

TLS_VERSIONS = {"SSLv2": ("ssl", "2.0"), "SSLv3": ("ssl", "3.0"), "TLSv1": ("tls", "1.0"), "TLS 1.0": ("tls", "1.0"),
                "TLS 1.1": ("tls", "1.1"), "TLS 1.2": ("tls", "1.2"), "TLS 1.3": ("tls", "1.3")}  # fmt: skip
SEVERITY = {1: "high", 2: "medium", 3: "low"}


def timestamp(value: str) -> str:
    """EVE's ``2018-07-05T15:07:20.910626-0400`` as ECS UTC text."""
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdecimal():
        text = f"{text[:-2]}:{text[-2:]}"
    return ecs.format_ts(ecs.parse_ts(text.replace("Z", "+00:00")))


def _alert(event: Event, r: dict[str, Any]) -> None:
    alert = r.get("alert") or {}
    action = alert.get("action", "allowed")
    event["event"].update(
        kind="alert", category=["network", "intrusion_detection"], type=["allowed" if action == "allowed" else "denied"]
    )
    ecs.put_if(event, "rule.id", str(alert["signature_id"]) if "signature_id" in alert else None)
    ecs.put_if(event, "rule.name", alert.get("signature"))
    ecs.put_if(event, "rule.category", alert.get("category"))
    ecs.put_if(event, "message", alert.get("signature"))
    if "severity" in alert:
        ecs.put(event, "event.severity", alert["severity"])
    for kind in ("tls", "http", "dns"):
        if kind in r:
            MAPPERS[kind](event, r, keep_type=True)
    if isinstance(r.get("flow"), dict):
        _counters(event, r["flow"])


def _counters(event: Event, flow: dict[str, Any]) -> None:
    for side, direction in (("source", "toserver"), ("destination", "toclient")):
        if f"pkts_{direction}" in flow:
            ecs.put(event, f"{side}.packets", flow[f"pkts_{direction}"])
        if f"bytes_{direction}" in flow:
            ecs.put(event, f"{side}.bytes", flow[f"bytes_{direction}"])
    if "pkts_toserver" in flow and "pkts_toclient" in flow:
        ecs.put(event, "network.packets", flow["pkts_toserver"] + flow["pkts_toclient"])
    if "bytes_toserver" in flow and "bytes_toclient" in flow:
        ecs.put(event, "network.bytes", flow["bytes_toserver"] + flow["bytes_toclient"])
    if "start" in flow:
        ecs.put(event, "event.start", timestamp(flow["start"]))
    if "end" in flow:
        ecs.put(event, "event.end", timestamp(flow["end"]))
        if "start" in flow:
            delta = _parse(flow["end"]) - _parse(flow["start"])
            ecs.put(event, "event.duration", int(delta.total_seconds() * 1e9))


def _parse(value: str) -> datetime:
    return ecs.parse_ts(timestamp(value).replace("Z", "+00:00"))


def _flow(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    event["event"]["type"] = ["connection", "end"]
    _counters(event, r.get("flow") or {})
    reason = (r.get("flow") or {}).get("reason")
    ecs.put_if(event, "event.reason", reason)


def _dns(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    dns_in = _alert_dns(r.get("dns") or {})
    dns: dict[str, Any] = {}
    if "type" in dns_in:
        dns["type"] = "answer" if dns_in["type"] in ("answer", "response") else "query"
    if "id" in dns_in:
        dns["id"] = str(dns_in["id"])
    query = dns_in
    if dns_in.get("queries"):
        query = dns_in["queries"][0]
        dns.setdefault("type", "query")
    name, rtype = query.get("rrname"), query.get("rrtype")
    if name is not None:
        dns["question"] = {"name": name}
        if rtype:
            dns["question"]["type"] = rtype
    ecs.put_if(dns, "response_code", dns_in.get("rcode"))
    dns["header_flags"] = [flag.upper() for flag in ("aa", "tc", "rd", "ra", "z") if dns_in.get(flag) is True]
    answers = _answers(dns_in)
    if answers:
        dns["answers"] = answers
        resolved = [a["data"] for a in answers if a.get("type") in ("A", "AAAA") and "data" in a]
        if resolved:
            dns["resolved_ip"] = resolved
    event["dns"] = dns
    if not keep_type:
        event["event"]["type"] = ["protocol"]


def _alert_dns(dns_in: dict[str, Any]) -> dict[str, Any]:
    """An alert's DNS transaction as Suricata 6 and 7 write it, ``{"query": [{...}], "answer": {...}}``,
    as one record; a dns event's record (and an alert's from Suricata 8) as it is."""
    queries, answer = dns_in.get("query"), dns_in.get("answer")
    query = queries[0] if isinstance(queries, list) and queries and isinstance(queries[0], dict) else None
    if query is None and not isinstance(answer, dict):
        return dns_in
    return {**(query or {}), **(answer if isinstance(answer, dict) else {})}


def _answers(dns_in: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers of a v1 record (one per event), or of a v2/v3 one: its ``answers`` list, or its
    ``grouped`` object when only that format is on (by default Suricata writes both, the same answers twice)."""
    found: list[dict[str, Any]] = []
    if dns_in.get("type") == "answer" and "rdata" in dns_in:
        found.append({"name": dns_in.get("rrname"), "type": dns_in.get("rrtype"), "ttl": dns_in.get("ttl"),
                      "data": dns_in["rdata"]})  # fmt: skip
    for answer in dns_in.get("answers") or []:
        found.append({"name": answer.get("rrname"), "type": answer.get("rrtype"), "ttl": answer.get("ttl"),
                      "data": answer.get("rdata")})  # fmt: skip
    grouped = dns_in.get("grouped") if not found else None
    for rtype, values in (grouped if isinstance(grouped, dict) else {}).items():
        found.extend({"type": rtype, "data": v if isinstance(v, str) else str(v)} for v in values)
    return [{k: v for k, v in a.items() if v is not None} for a in found]


def _http(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    http_in = r.get("http") or {}
    if not keep_type:
        event["event"]["category"] = ["network", "web"]
        event["event"]["type"] = ["access", "protocol"]
    ecs.put_if(event, "http.request.method", http_in.get("http_method"))
    ecs.put_if(event, "http.request.referrer", http_in.get("http_refer"))
    ecs.put_if(event, "http.response.mime_type", http_in.get("http_content_type"))
    ecs.put_if(event, "user_agent.original", http_in.get("http_user_agent"))
    ecs.put_if(event, "url.original", http_in.get("url"))
    if isinstance(http_in.get("url"), str):
        url_parts(event, http_in["url"])
    ecs.put_if(event, "url.domain", http_in.get("hostname"))
    ecs.put_if(event, "url.port", http_in.get("http_port"))
    if str(http_in.get("protocol", "")).startswith("HTTP/"):
        ecs.put(event, "http.version", http_in["protocol"][5:])
    elif isinstance(http_in.get("version"), str):
        ecs.put(event, "http.version", http_in["version"])  # HTTP/2: "2"
    if "status" in http_in:
        status = int(http_in["status"])
        ecs.put(event, "http.response.status_code", status)
        if not keep_type:
            ecs.put(event, "event.outcome", "failure" if status >= 400 else "success")
    if "length" in http_in:
        ecs.put(event, "http.response.body.bytes", http_in["length"])


def _tls(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    tls_in = r.get("tls") or {}
    if str(tls_in.get("version")) in TLS_VERSIONS:
        protocol, version = TLS_VERSIONS[tls_in["version"]]
        ecs.put(event, "tls.version_protocol", protocol)
        ecs.put(event, "tls.version", version)
    ecs.put_if(event, "tls.client.server_name", tls_in.get("sni"))
    ecs.put_if(event, "destination.domain", tls_in.get("sni"))
    ecs.put_if(event, "tls.server.subject", tls_in.get("subject"))
    ecs.put_if(event, "tls.server.issuer", tls_in.get("issuerdn"))
    if tls_in.get("serial"):
        ecs.put(event, "tls.server.x509.serial_number", tls_in["serial"].replace(":", ""))
    if tls_in.get("fingerprint"):
        ecs.put(event, "tls.server.hash.sha1", tls_in["fingerprint"].replace(":", "").upper())
    for key, target in (("notbefore", "tls.server.not_before"), ("notafter", "tls.server.not_after")):
        if tls_in.get(key):
            ecs.put(event, target, timestamp(tls_in[key] + "Z"))
    ecs.put_if(event, "tls.client.ja3", (tls_in.get("ja3") or {}).get("hash"))
    ecs.put_if(event, "tls.server.ja3s", (tls_in.get("ja3s") or {}).get("hash"))
    if "session_resumed" in tls_in:
        ecs.put(event, "tls.resumed", bool(tls_in["session_resumed"]))
    alpn = tls_in.get("server_alpns") or []
    ecs.put_if(event, "tls.next_protocol", alpn[0] if alpn else None)


def _fileinfo(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    info = r.get("fileinfo") or {}
    event["event"]["category"] = ["file"]
    event["event"]["type"] = ["info"]
    ecs.put_if(event, "file.name", info.get("filename"))
    if "size" in info:
        ecs.put(event, "file.size", info["size"])
    for algo in ("md5", "sha1", "sha256"):
        ecs.put_if(event, f"file.hash.{algo}", info.get(algo))
    if "http" in r:
        _http(event, r, keep_type=True)


def _anomaly(event: Event, r: dict[str, Any], keep_type: bool = False) -> None:
    anomaly = r.get("anomaly") or {}
    event["event"]["type"] = ["info"]
    ecs.put_if(event, "message", anomaly.get("event"))
    ecs.put_if(event, "event.reason", anomaly.get("type"))


MAPPERS: dict[str, Callable[..., None]] = {
    "alert": _alert,
    "flow": _flow,
    "dns": _dns,
    "http": _http,
    "tls": _tls,
    "fileinfo": _fileinfo,
    "anomaly": _anomaly,
}
