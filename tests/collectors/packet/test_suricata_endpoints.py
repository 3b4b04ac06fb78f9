"""``suricata-eve`` endpoints: ports as numbers, addresses in lowercase and IPv4-mapped ones as IPv4."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext


def _parse(tmp_path: Path, **endpoints: object) -> dict:
    record = {"timestamp": "2026-11-20T10:00:00.000000+0000", "event_type": "flow", "proto": "TCP", **endpoints}
    log = tmp_path / "eve.json"
    log.write_bytes(orjson.dumps(record) + b"\n")
    stats = Stats()
    (event,) = parse_files(expand([log]), "suricata-eve", ParseContext(), stats)
    assert stats.failures == 0
    return event


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("2001:DB8::3", "2001:db8::3"),
        ("FE80:0000:0000:0000:FADA:0CFF:FEDC:87F1", "fe80:0000:0000:0000:fada:0cff:fedc:87f1"),  # Suricata's own form
        ("::ffff:10.0.0.7", "10.0.0.7"),  # Elasticsearch's ip field holds it as the IPv4 address
        ("::FFFF:a00:7", "10.0.0.7"),
        ("10.0.0.8", "10.0.0.8"),
        ("010.000.000.009", "010.000.000.009"),  # no address to Elasticsearch either: kept as written
    ],
)
def test_addresses_are_stored_as_elasticsearch_reads_them(tmp_path: Path, written: str, stored: str) -> None:
    event = _parse(tmp_path, src_ip=written, src_port=1600, dest_ip=written, dest_port=22)
    assert event["source"]["ip"] == event["destination"]["ip"] == stored
    assert event["related"]["ip"] == [stored]


def test_ports_are_numbers(tmp_path: Path) -> None:
    event = _parse(tmp_path, src_ip="10.0.0.8", src_port="2000", dest_ip="10.0.0.9", dest_port=53)
    assert event["source"] == {"ip": "10.0.0.8", "port": 2000}
    assert event["destination"] == {"ip": "10.0.0.9", "port": 53}
    odd = _parse(tmp_path, src_ip="10.0.0.8", src_port="ssh", dest_ip="10.0.0.9", dest_port=70000)
    assert odd["source"] == {"ip": "10.0.0.8"} and odd["destination"] == {"ip": "10.0.0.9"}
    assert odd["event"]["original"]  # the record as received keeps what was dropped
