"""Zeek logs (TSV and JSON) and Suricata EVE from the shared data: zero failures, fields equal their sources."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from packet_support import PARSERS

from secops import ecs
from secops.inputs import MAX_RECORD_BYTES, expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext

pytestmark = [pytest.mark.shared_data]
assert PARSERS

ENDPOINTS = {"id.orig_h": "source.ip", "id.orig_p": "source.port", "id.resp_h": "destination.ip",
             "id.resp_p": "destination.port", "uid": "zeek.session_id"}  # fmt: skip
ZEEK_FIELDS = {
    "connection": {"proto": "network.transport", "service": "network.protocol", "orig_pkts": "source.packets",
                   "resp_pkts": "destination.packets", "orig_ip_bytes": "source.bytes",
                   "resp_ip_bytes": "destination.bytes"},
    "dns": {"query": "dns.question.name", "qtype_name": "dns.question.type", "rcode_name": "dns.response_code"},
    "http": {"method": "http.request.method", "host": "url.domain", "uri": "url.original",
             "user_agent": "user_agent.original", "status_code": "http.response.status_code",
             "request_body_len": "http.request.body.bytes", "response_body_len": "http.response.body.bytes"},
    "ssl": {"server_name": "tls.client.server_name", "cipher": "tls.cipher", "curve": "tls.curve"},
    "files": {"mime_type": "file.mime_type", "md5": "file.hash.md5", "sha1": "file.hash.sha1",
              "filename": "file.name"},
    "x509": {"certificate.serial": "x509.serial_number", "certificate.key_alg": "x509.public_key_algorithm",
             "certificate.sig_alg": "x509.signature_algorithm"},
    "weird": {"name": "rule.name"},
}  # fmt: skip


def zeek_logs(shared: Path) -> list[Path]:
    return sorted(
        [*(shared / "packet/zeek-baseline-logs").rglob("*.log"), *(shared / "packet/logs/zeek").rglob("*.log")]
    )


def source_records(path: Path) -> list[dict]:
    """The log's records read independently of the parser: JSON lines, or TSV against its own header."""
    lines = [ln for ln in path.read_text("utf-8", "backslashreplace").splitlines() if ln.strip()]
    if lines and lines[0].startswith("{"):
        return [orjson.loads(ln) for ln in lines]
    fields = next((ln.split("\t")[1:] for ln in lines if ln.startswith("#fields")), None)
    rows = [ln for ln in lines if not ln.startswith("#")]
    if fields is None and rows:
        fields, rows = rows[0].split("\t"), rows[1:]
    return [dict(zip(fields, row.split("\t"), strict=True)) for row in rows]


def same(source: object, ours: object) -> bool:
    if isinstance(source, str) and not isinstance(ours, str):
        return (source in ("-", "(empty)") and ours is None) or str(ours) == source or _num(source) == ours
    return source == ours


def _num(text: str) -> float | int | None:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return None


def test_zeek_logs_parse_and_map(shared_data: Path) -> None:
    logs = zeek_logs(shared_data)
    stats = Stats()
    checked = events = 0
    for path in logs:
        ours = list(parse_files(expand([path]), "zeek", ParseContext(), stats))
        records = source_records(path)
        assert len(ours) == len(records), path
        events += len(ours)
        for event, record in zip(ours, records, strict=True):
            name = ecs.get(event, "event.dataset").split(".", 1)[1]
            for field, target in {**ENDPOINTS, **ZEEK_FIELDS.get(name, {})}.items():
                value = record.get(field)
                if value in (None, "-", "(empty)"):
                    continue
                assert same(value, ecs.get(event, target)), (path, field, value, ecs.get(event, target))
                checked += 1
            assert ecs.get(event, f"zeek.{name}") is not None
    print(f"\nzeek logs: {len(logs)} files, {events} events, {checked} mapped values equal their source")
    assert stats.failures == 0, stats.warnings[:5]
    assert events > 3000 and checked > 10000


def test_zeek_types_and_timestamps(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    log.write_text(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tduration\tlocal_orig\ttunnel_parents\n"
        "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tinterval\tbool\tset[string]\n"
        "1300475167.096535\tCx\t10.0.0.1\t5353\t10.0.0.2\t53\tudp\t0.5\tT\t(empty)\n"
        "1300475168.5\tCy\t10.0.0.1\t5354\t10.0.0.2\t53\tudp\t-\tF\ta,b\n"
    )
    events = list(parse_files(expand([log]), "auto", ParseContext(), Stats()))
    assert [e["@timestamp"] for e in events] == ["2011-03-18T19:06:07.096535Z", "2011-03-18T19:06:08.500Z"]
    assert events[0]["event"]["duration"] == 500_000_000
    assert events[0]["related"] == {"ip": ["10.0.0.1", "10.0.0.2"]}
    assert events[0]["zeek"]["connection"]["tunnel_parents"] == []
    assert events[1]["zeek"]["connection"]["tunnel_parents"] == ["a", "b"]
    assert "duration" not in events[1]["event"]


def test_zeek_overlong_record_is_cut_kept_and_reading_goes_on(tmp_path: Path) -> None:
    log = tmp_path / "conn.log"
    header = "#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\n"
    good = "1300475167.0\tC{}\t10.0.0.1\t5353\t10.0.0.2\t53\tudp\n"
    huge = "1300475167.5\tChuge\t" + "x" * (MAX_RECORD_BYTES + 10) + "\n"
    log.write_text(header + good.format(1) + huge + good.format(2))
    events = list(parse_files(expand([log]), "zeek", ParseContext(), Stats()))
    assert [e["zeek"]["session_id"] for e in events if "zeek" in e] == ["C1", "C2"]
    [failure] = [e for e in events if e.get("tags") == ["_parse_failure"]]
    assert "too long" in failure["error"]["message"]
    assert failure["event"]["original"].startswith("1300475167.5\tChuge\txxx")
    assert len(failure["event"]["original"]) <= MAX_RECORD_BYTES


def test_zeek_notice_json(tmp_path: Path) -> None:
    """A notice.log line as Zeek writes it with LogAscii::use_json (fields from the Zeek docs)."""
    line = {"ts": 1600000000.25, "uid": "CAbc", "id.orig_h": "10.1.1.1", "id.orig_p": 4444, "id.resp_h": "10.2.2.2",
            "id.resp_p": 22, "proto": "tcp", "note": "SSH::Password_Guessing", "msg": "10.1.1.1 guessed 30 passwords",
            "src": "10.1.1.1", "actions": ["Notice::ACTION_LOG"], "suppress_for": 3600.0}  # fmt: skip
    log = tmp_path / "notice.log"
    log.write_bytes(orjson.dumps(line) + b"\n")
    (event,) = parse_files(expand([log]), "zeek", ParseContext(), Stats())
    assert event["event"]["kind"] == "alert" and event["event"]["dataset"] == "zeek.notice"
    assert event["rule"]["name"] == "SSH::Password_Guessing"
    assert event["message"] == line["msg"]
    assert event["source"] == {"ip": "10.1.1.1", "port": 4444}


EVE_FIELDS = {
    "src_ip": "source.ip", "src_port": "source.port", "dest_ip": "destination.ip", "dest_port": "destination.port",
    "alert.signature_id": "rule.id", "alert.signature": "rule.name", "alert.category": "rule.category",
    "alert.severity": "event.severity", "dns.rrname": "dns.question.name", "dns.rcode": "dns.response_code",
    "dns.id": "dns.id", "http.hostname": "url.domain", "http.url": "url.original",
    "http.http_user_agent": "user_agent.original", "http.http_method": "http.request.method",
    "http.status": "http.response.status_code", "http.length": "http.response.body.bytes", "tls.sni":
    "tls.client.server_name", "tls.ja3.hash": "tls.client.ja3", "tls.ja3s.hash": "tls.server.ja3s",
    "tls.subject": "tls.server.subject", "tls.issuerdn": "tls.server.issuer", "flow.pkts_toserver": "source.packets",
    "flow.pkts_toclient": "destination.packets", "flow.bytes_toserver": "source.bytes",
    "flow.bytes_toclient": "destination.bytes", "fileinfo.filename": "file.name", "fileinfo.size": "file.size",
    "fileinfo.md5": "file.hash.md5", "fileinfo.sha256": "file.hash.sha256", "anomaly.event": "message",
}  # fmt: skip


def test_suricata_eve_parses_and_maps(shared_data: Path) -> None:
    path = shared_data / "packet/logs/suricata/eve/test-eve-small.log"
    stats = Stats()
    events = list(parse_files(expand([path]), "auto", ParseContext(), stats))
    records = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    assert stats.failures == 0 and len(events) == len(records)
    checked = 0
    for event, record in zip(events, records, strict=True):
        assert event["event"]["dataset"] == "suricata.eve"
        flat = ecs.flatten(record)
        for field, target in EVE_FIELDS.items():
            if field in flat and flat[field] not in ({}, None):
                assert str(ecs.get(event, target)) == str(flat[field]), (field, target)
                checked += 1
        kind = record["event_type"]
        assert event["suricata"]["eve"]["event_type"] == kind
        if kind == "alert":
            assert event["event"]["kind"] == "alert"
    assert checked >= 40
    flow = next(e for e in events if e["suricata"]["eve"]["event_type"] == "flow")
    assert flow["@timestamp"] == "2018-07-05T19:51:54.001329Z"
    assert flow["event"]["start"] == "2018-07-05T19:51:23.453468Z"


def test_suricata_anomaly_and_bad_line(tmp_path: Path) -> None:
    anomaly = {
        "timestamp": "2021-01-01T00:00:00.000001+0000",
        "event_type": "anomaly",
        "src_ip": "10.0.0.1",
        "dest_ip": "10.0.0.2",
        "proto": "UDP",
        "anomaly": {"type": "decode", "event": "ipv4.trunc_pkt"},
    }
    log = tmp_path / "eve.json"
    log.write_bytes(orjson.dumps(anomaly) + b"\n" + b'{"timestamp": "2021-01-01T00:00:00Z", "event_type": 5, broken\n')
    stats = Stats()
    first, second = parse_files(expand([log]), "suricata-eve", ParseContext(), stats)
    assert first["message"] == "ipv4.trunc_pkt" and first["event"]["reason"] == "decode"
    assert "_parse_failure" in second["tags"] and stats.failures == 1


def test_related_ip_names_the_endpoints_and_the_addresses_an_answer_gave(tmp_path: Path) -> None:
    answer = {
        "timestamp": "2024-01-01T00:00:00.000000+0000",
        "event_type": "dns",
        "src_ip": "10.0.0.53",
        "src_port": 53,
        "dest_ip": "10.0.0.9",
        "dest_port": 40000,
        "proto": "UDP",
        "dns": {
            "version": 2,
            "type": "answer",
            "id": 1,
            "rrname": "bad.example",
            "rrtype": "A",
            "rcode": "NOERROR",
            "answers": [
                {"rrname": "bad.example", "rrtype": "A", "ttl": 60, "rdata": "203.0.113.66"},
                {"rrname": "bad.example", "rrtype": "A", "ttl": 60, "rdata": "10.0.0.9"},
            ],
        },
    }
    log = tmp_path / "eve.json"
    log.write_bytes(orjson.dumps(answer) + b"\n")
    (event,) = parse_files(expand([log]), "suricata-eve", ParseContext(), Stats())
    assert event["dns"]["resolved_ip"] == ["203.0.113.66", "10.0.0.9"]
    assert event["related"] == {"ip": ["10.0.0.53", "10.0.0.9", "203.0.113.66"]}  # an indicator sweep meets it
