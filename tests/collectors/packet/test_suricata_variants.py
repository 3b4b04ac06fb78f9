"""Suricata EVE records as Suricata's default configuration writes them, checked field by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from packet_support import PARSERS

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from secops.types import Event

assert PARSERS


def parse(tmp_path: Path, *records: dict[str, Any]) -> list[Event]:
    log = tmp_path / "eve.json"
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    stats = Stats()
    events = list(parse_files(expand([log]), "suricata-eve", ParseContext(), stats))
    assert stats.failures == 0, stats.warnings
    return events


def test_http_url_gives_url_path_and_query(tmp_path: Path) -> None:
    """Elastic's integration splits http.url into url.path and url.query; Sigma's c-uri-stem and
    c-uri-query search them."""
    record = {
        "timestamp": "2024-03-01T10:00:03.412345+0000", "flow_id": 1755498283460562, "in_iface": "eth0",
        "event_type": "http", "src_ip": "10.1.2.3", "src_port": 50412, "dest_ip": "198.51.100.7", "dest_port": 80,
        "proto": "TCP", "tx_id": 0,
        "http": {"hostname": "198.51.100.7", "url": "/cgi-bin/luci/;stok=/locale?form=country&operation=write",
                 "http_user_agent": "Go-http-client/1.1", "http_method": "POST", "protocol": "HTTP/1.1",
                 "status": 404, "length": 162},
    }  # fmt: skip
    (event,) = parse(tmp_path, record)
    assert event["url"]["path"] == "/cgi-bin/luci/;stok=/locale"
    assert event["url"]["query"] == "form=country&operation=write"
    assert event["url"]["original"] == record["http"]["url"]


def test_dns_answer_logged_in_both_default_formats_counts_each_answer_once(tmp_path: Path) -> None:
    """eve-log dns version 2 writes ``formats: [detailed, grouped]`` unless told otherwise."""
    detailed = [
        {"rrname": "cdn.example.com", "rrtype": "CNAME", "ttl": 300, "rdata": "edge.example.net"},
        {"rrname": "edge.example.net", "rrtype": "A", "ttl": 20, "rdata": "203.0.113.10"},
        {"rrname": "edge.example.net", "rrtype": "A", "ttl": 20, "rdata": "203.0.113.11"},
    ]
    both = {
        "timestamp": "2024-03-01T10:00:02.010433+0000", "flow_id": 1902445583412301, "in_iface": "eth0",
        "event_type": "dns", "src_ip": "10.0.0.53", "src_port": 53, "dest_ip": "10.1.2.3", "dest_port": 53211,
        "proto": "UDP",
        "dns": {"version": 2, "type": "answer", "id": 4711, "flags": "8180", "qr": True, "rd": True, "ra": True,
                "rrname": "cdn.example.com", "rrtype": "A", "rcode": "NOERROR", "answers": detailed,
                "grouped": {"CNAME": ["edge.example.net"], "A": ["203.0.113.10", "203.0.113.11"]}},
    }  # fmt: skip
    grouped_only = {**both, "dns": {k: v for k, v in both["dns"].items() if k != "answers"}}
    first, second = parse(tmp_path, both, grouped_only)
    assert first["dns"]["answers"] == [
        {"name": "cdn.example.com", "type": "CNAME", "ttl": 300, "data": "edge.example.net"},
        {"name": "edge.example.net", "type": "A", "ttl": 20, "data": "203.0.113.10"},
        {"name": "edge.example.net", "type": "A", "ttl": 20, "data": "203.0.113.11"},
    ]
    assert first["dns"]["resolved_ip"] == ["203.0.113.10", "203.0.113.11"]
    assert second["dns"]["answers"] == [
        {"type": "CNAME", "data": "edge.example.net"},
        {"type": "A", "data": "203.0.113.10"},
        {"type": "A", "data": "203.0.113.11"},
    ]
    assert second["dns"]["resolved_ip"] == ["203.0.113.10", "203.0.113.11"]


def test_alert_on_dns_names_the_question(tmp_path: Path) -> None:
    """Suricata 6 and 7 put an alert's DNS transaction as ``{"query": [...], "answer": {...}}``."""
    alert = {
        "timestamp": "2024-03-01T10:00:05.220871+0000", "flow_id": 1149025446285712, "in_iface": "eth0",
        "event_type": "alert", "src_ip": "10.1.2.3", "src_port": 61001, "dest_ip": "10.0.0.53", "dest_port": 53,
        "proto": "UDP", "tx_id": 0,
        "alert": {"action": "allowed", "gid": 1, "signature_id": 2027863, "rev": 4,
                  "signature": "ET INFO Observed DNS Query to .cloud TLD", "category": "Potentially Bad Traffic",
                  "severity": 2},
        "dns": {"query": [{"type": "query", "id": 51423, "rrname": "update.example.cloud", "rrtype": "A",
                           "tx_id": 0, "opcode": 0}]},
        "app_proto": "dns",
    }  # fmt: skip
    answered = {
        **alert,
        "dns": {
            **alert["dns"],
            "answer": {"version": 2, "type": "answer", "id": 51423, "flags": "8180", "qr": True, "rd": True,
                       "ra": True, "opcode": 0, "rrname": "update.example.cloud", "rrtype": "A", "rcode": "NOERROR",
                       "answers": [{"rrname": "update.example.cloud", "rrtype": "A", "ttl": 300,
                                    "rdata": "198.51.100.44"}]},
        },
    }  # fmt: skip
    query, answer = parse(tmp_path, alert, answered)
    assert query["dns"]["question"] == {"name": "update.example.cloud", "type": "A"}
    assert query["dns"]["type"] == "query" and query["dns"]["id"] == "51423"
    assert query["rule"]["id"] == "2027863" and query["event"]["kind"] == "alert"
    assert answer["dns"]["question"] == {"name": "update.example.cloud", "type": "A"}
    assert answer["dns"]["response_code"] == "NOERROR" and answer["dns"]["resolved_ip"] == ["198.51.100.44"]
    assert answer["dns"]["header_flags"] == ["RD", "RA"]


def test_http2_transaction_gives_its_version(tmp_path: Path) -> None:
    """Suricata logs an HTTP/2 transaction with ``"version": "2"`` and no HTTP/1 ``protocol`` line."""
    record = {
        "timestamp": "2024-03-01T10:00:06.731002+0000", "flow_id": 402910733521908, "in_iface": "eth0",
        "event_type": "http", "src_ip": "10.1.2.3", "src_port": 50733, "dest_ip": "198.51.100.20", "dest_port": 80,
        "proto": "TCP", "tx_id": 1,
        "http": {"hostname": "198.51.100.20", "url": "/data.bin", "http_user_agent": "curl/8.5.0",
                 "http_method": "GET", "status": 206, "length": 11, "version": "2",
                 "request_headers": [{"name": ":method", "value": "GET"}, {"name": ":path", "value": "/data.bin"}],
                 "response_headers": [{"name": ":status", "value": "206"}]},
    }  # fmt: skip
    (event,) = parse(tmp_path, record)
    assert event["http"]["version"] == "2"
    assert event["http"]["response"]["status_code"] == 206
