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
