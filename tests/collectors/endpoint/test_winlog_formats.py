"""``winlog-json`` and ``winlog-xml`` give the events ``evtx`` gives for the same records.

Exports are made here from the shared EVTX samples with the evtx library (its
XML rendering stands in for wevtutil's, its JSON lines for ``evtx_dump -o
jsonl``) and from our own events (Winlogbeat's document shape), then compared
record by record. OTRF's NXLog exports (MIT) are read from ../shared/data.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from endpoint_support import content, failed, run
from evtx import PyEvtxParser

from secops.registry import ParseContext

pytestmark = pytest.mark.shared_data

WINLOG_BASE = (
    "channel",
    "provider_name",
    "provider_guid",
    "event_id",
    "record_id",
    "computer_name",
    "process",
    "version",
    "opcode",
    "keywords",
    "user",
    "activity_id",
    "related_activity_id",
    "event_data",
    "user_data",
)


@pytest.fixture(scope="module")
def reference(evtx_files: list[Path]) -> list[dict]:
    events, stats = run(evtx_files, fmt="evtx")
    assert stats.failures == 0
    return [content(e) for e in events]


def _export_xml(evtx_files: list[Path], path: Path, encoding: str) -> None:
    with path.open("w", encoding=encoding) as out:
        out.write(f'<?xml version="1.0" encoding="{encoding}"?>\n<Events>\n')
        for source in evtx_files:
            for record in PyEvtxParser(str(source)).records():
                out.write(record["data"].split("?>", 1)[1].strip() + "\n")
        out.write("</Events>\n")


def test_xml_export_gives_the_same_events(evtx_files: list[Path], reference: list[dict], tmp_path: Path) -> None:
    export = tmp_path / "export.xml"
    _export_xml(evtx_files, export, "utf-8")
    events, stats = run([export])  # auto must pick winlog-xml
    assert stats.failures == 0
    assert len(events) == len(reference)
    for ours, expected in zip(events, reference, strict=True):
        assert content(ours) == expected, ours["winlog"].get("record_id")


def test_utf16_event_viewer_export_without_sniff_help(
    evtx_files: list[Path], reference: list[dict], tmp_path: Path
) -> None:
    export = tmp_path / "viewer.xml"
    _export_xml(evtx_files[:5], export, "utf-16")
    events, stats = run([export])
    assert stats.failures == 0
    assert [content(e) for e in events] == reference[: len(events)] and events


def test_evtx_dump_json_lines_give_the_same_events(
    evtx_files: list[Path], reference: list[dict], tmp_path: Path
) -> None:
    export = tmp_path / "dump.jsonl"
    with export.open("w") as out:
        for source in evtx_files:
            for record in PyEvtxParser(str(source)).records_json():
                out.write(record["data"] + "\n")
    events, stats = run([export])  # per-line auto must pick winlog-json
    assert stats.failures == 0
    assert [content(e) for e in events] == reference


def test_winlogbeat_documents_give_the_same_events(
    evtx_files: list[Path], reference: list[dict], tmp_path: Path
) -> None:
    """Winlogbeat ships ``winlog.*`` with ``@timestamp`` and ``log.level``; ECS is derived again from them."""
    export = tmp_path / "winlogbeat.ndjson"
    with export.open("wb") as out:
        for event in reference:
            doc = {"@timestamp": event.get("@timestamp"), "agent": {"type": "winlogbeat"}, "ecs": {"version": "8.0.0"}}
            doc["winlog"] = {k: v for k, v in event["winlog"].items() if k in WINLOG_BASE}
            if "log" in event:
                doc["log"] = event["log"]
            out.write(orjson.dumps(doc) + b"\n")
    events, stats = run([export], fmt="winlog-json")
    assert stats.failures == 0
    assert [content(e) for e in events] == reference


def test_wevtutil_output_without_root_and_with_a_broken_event(tmp_path: Path) -> None:
    event = (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>'
        "<EventID>4688</EventID><Version>2</Version><Level>0</Level><Keywords>0x8020000000000000</Keywords>"
        '<TimeCreated SystemTime="2024-03-01T10:00:00.1234567Z"/><EventRecordID>RID</EventRecordID>'
        "<Channel>Security</Channel><Computer>ws7.corp.example</Computer></System><EventData>"
        '<Data Name="SubjectUserName">alice</Data><Data Name="SubjectDomainName">CORP</Data>'
        '<Data Name="NewProcessId">0x1f4</Data><Data Name="NewProcessName">C:\\Windows\\System32\\cmd.exe</Data>'
        '<Data Name="ProcessId">0x10</Data><Data Name="CommandLine">cmd /c "echo a &amp; b"</Data>'
        '<Data Name="ParentProcessName">C:\\Windows\\explorer.exe</Data></EventData></Event>'
    )
    broken = event.replace("RID", "2").replace("</EventData>", "<EventData>")
    path = tmp_path / "wevtutil.xml"
    path.write_text(
        event.replace("RID", "1") + "\r\n" + broken + "\r\n" + event.replace("RID", "3") + "\r\n", encoding="utf-8"
    )
    events, _ = run([path])
    good = [e for e in events if not failed(e)]
    assert [e["winlog"]["record_id"] for e in good][:1] == ["1"] and good[-1]["winlog"]["record_id"] == "3"
    first = good[0]
    assert first["@timestamp"] == "2024-03-01T10:00:00.123456Z"
    assert first["process"]["command_line"] == 'cmd /c "echo a & b"'
    assert first["process"]["args"] == ["cmd", "/c", "echo a & b"]
    assert first["process"]["pid"] == 500 and first["process"]["parent"]["pid"] == 16
    assert first["process"]["parent"]["name"] == "explorer.exe"
    assert first["user"] == {"name": "alice", "domain": "CORP"}
    assert first["event"]["outcome"] == "success" and first["event"]["category"] == ["process"]


@pytest.fixture(scope="module")
def otrf_events(shared_data: Path) -> list[dict]:
    zips = sorted((shared_data / "endpoint" / "otrf" / "datasets").rglob("*.zip"))
    assert len(zips) == 5
    events, stats = run(zips)
    assert stats.failures == 0, stats.warnings[:3]
    return events


def test_otrf_nxlog_exports_parse_completely(otrf_events: list[dict], shared_data: Path) -> None:
    lines = 0
    for archive in (shared_data / "endpoint" / "otrf" / "datasets").rglob("*.zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                lines += sum(1 for line in zf.read(member).splitlines() if line.strip())
    assert len(otrf_events) == lines == 13770
    assert {e["event"]["dataset"] for e in otrf_events} >= {"windows.sysmon_operational", "system.security"}
    assert not any(e["winlog"]["channel"] == "security" for e in otrf_events), "channel spelling is normalised"


def test_otrf_sysmon_and_security_fields(otrf_events: list[dict]) -> None:
    seen = set()
    for event in otrf_events:
        data, code = event["winlog"].get("event_data", {}), event["event"]["code"]
        if event["winlog"]["provider_name"] == "Microsoft-Windows-Sysmon" and code == "1":
            assert event["process"]["executable"] == data["Image"]
            assert event["process"]["command_line"] == data["CommandLine"]
            assert event["process"]["parent"]["executable"] == data["ParentImage"]
            assert event["process"]["hash"]["sha256"] == data["Hashes"].split("SHA256=")[1].split(",")[0].lower()
            seen.add("sysmon1")
        elif event["winlog"]["provider_name"] == "Microsoft-Windows-Sysmon" and code == "12" and "EventType" in data:
            # NXLog's own EventType (INFO…) must not take the place of Sysmon's.
            assert data["EventType"] in ("CreateKey", "DeleteKey", "CreateValue", "DeleteValue")
            assert event["registry"]["path"] == data["TargetObject"]
            seen.add("sysmon12")
        elif code == "4624":
            assert event["user"]["name"] == data["TargetUserName"]
            assert event["winlog"]["logon"]["type"]
            seen.add("4624")
        elif code == "4103" and "Host Application = " in data.get("ContextInfo", ""):
            host_application = data["ContextInfo"].split("Host Application = ")[1].split("\n")[0]
            assert event["process"]["command_line"] == host_application
            seen.add("4103")
        elif code == "400":
            assert event["powershell"]["engine"]["new_state"] == "Available"
            seen.add("400")
    assert seen == {"sysmon1", "sysmon12", "4624", "4103", "400"}


def test_nxlog_local_time_follows_the_timezone_option(shared_data: Path) -> None:
    archive = next((shared_data / "endpoint" / "otrf" / "datasets").rglob("*dcsync*.zip"))
    utc, _ = run([archive])
    eastern, _ = run([archive], ctx=ParseContext(timezone=ZoneInfo("America/New_York")))
    assert utc[0]["@timestamp"] == "2020-08-05T02:09:26.000Z"
    assert eastern[0]["@timestamp"] == "2020-08-05T06:09:26.000Z"  # EDT: NXLog wrote local time


def test_a_winlogbeat_document_nested_or_flat(tmp_path: Path) -> None:
    """A Winlogbeat 8 document as Kibana exports it: Sysmon network connection, written here.

    Also with its names flat, and both as Elasticsearch hits (under ``_source``)."""
    doc = {
        "@timestamp": "2024-06-11T07:45:12.345Z",
        "agent": {"type": "winlogbeat", "version": "8.13.0"},
        "log": {"level": "information"},
        "message": "Network connection detected: …",
        "winlog": {
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "provider_name": "Microsoft-Windows-Sysmon",
            "provider_guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
            "event_id": "3",
            "record_id": 90210,
            "computer_name": "ws12.corp.example",
            "process": {"pid": 3340, "thread": {"id": 4120}},
            "user": {"identifier": "S-1-5-18", "name": "SYSTEM", "domain": "NT AUTHORITY", "type": "User"},
            "event_data": {
                "Image": "C:\\Users\\bob\\AppData\\Local\\Temp\\upd.exe",
                "User": "CORP\\bob",
                "Protocol": "tcp",
                "Initiated": "true",
                "SourceIsIpv6": "false",
                "SourceIp": "10.20.30.40",
                "SourcePort": "50123",
                "DestinationIp": "203.0.113.80",
                "DestinationHostname": "-",
                "DestinationPort": "443",
                "DestinationPortName": "https",
            },
        },
    }
    flat = {k: v for k, v in doc.items() if k != "winlog"} | {f"winlog.{k}": v for k, v in doc["winlog"].items()}
    path = tmp_path / "winlogbeat.ndjson"
    hits = [{"_index": ".ds-logs-winlogbeat", "_source": source} for source in (doc, flat)]
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in (doc, flat, *hits)))
    events, stats = run([path])
    assert stats.failures == 0 and len(events) == 4
    nested, dotted, *from_hits = events
    assert content(nested) == content(dotted) == content(from_hits[0]) == content(from_hits[1])
    assert nested["@timestamp"] == "2024-06-11T07:45:12.345Z" and nested["message"].startswith("Network")
    assert nested["event"]["code"] == "3" and nested["event"]["category"] == ["network"]
    assert nested["winlog"]["record_id"] == "90210" and nested["host"]["name"] == "ws12.corp.example"
    assert nested["process"] == {"executable": "C:\\Users\\bob\\AppData\\Local\\Temp\\upd.exe", "name": "upd.exe"}
    assert nested["user"] == {"domain": "CORP", "name": "bob"}
    assert nested["destination"] == {"ip": "203.0.113.80", "port": 443}
    assert nested["network"] == {"transport": "tcp", "direction": "egress", "type": "ipv4", "protocol": "https"}
    assert "domain" not in nested["destination"]  # "-" is no value


def test_sniffing_looks_at_keys_not_values() -> None:
    from collectors.endpoint.winlog_json import WinlogJsonParser

    sniff = WinlogJsonParser().sniff_line
    dump = '{"Event":{"System":{"EventID":1},"EventData":{"ParentImage":"C:\\\\Windows\\\\System32\\\\winlogon.exe"}}}'
    assert sniff(dump)
    assert sniff('{"@timestamp": "2024-01-01T00:00:00Z", "winlog": {"channel": "Security", "event_id": "4624"}}')
    assert not sniff('{"message": "\\"winlog\\" event_id channel", "EventIDs": 3}')
