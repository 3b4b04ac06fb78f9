"""Sysmon events mapped as Winlogbeat's sysmon processing lays them out (events written here)."""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import failed, run

SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
TASKS = {1: "Process Create (rule: ProcessCreate)", 24: "Clipboard changed (rule: ClipboardChange)"}


def nxlog_sysmon(event_id: int, data: dict[str, str]) -> bytes:
    """One Sysmon record as NXLog's im_msvistalog writes it with to_json() (EventData flattened)."""
    record = {
        "Category": TASKS[event_id],
        "EventTime": "2024-05-14 10:31:12",
        "Hostname": "WS042.corp.example.com",
        "Keywords": -9223372036854775808,
        "EventType": "INFO",
        "SeverityValue": 2,
        "Severity": "INFO",
        "EventID": event_id,
        "SourceName": "Microsoft-Windows-Sysmon",
        "ProviderGuid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
        "Version": 5,
        "Task": event_id,
        "OpcodeValue": 0,
        "RecordNumber": 90211,
        "ExecutionProcessID": 3120,
        "ThreadID": 4388,
        "Channel": SYSMON_CHANNEL,
        "Domain": "NT AUTHORITY",
        "AccountName": "SYSTEM",
        "UserID": "S-1-5-18",
        "AccountType": "User",
        "Opcode": "Info",
        **data,
        "EventReceivedTime": "2024-05-14 10:31:13",
        "SourceModuleName": "in_sysmon",
        "SourceModuleType": "im_msvistalog",
    }
    return orjson.dumps(record)


def parse_lines(tmp_path: Path, *lines: bytes) -> list[dict]:
    path = tmp_path / "nxlog.json"
    path.write_bytes(b"\n".join(lines) + b"\n")
    events, _ = run([path], fmt="winlog-json")
    assert len(events) == len(lines) and not any(failed(e) for e in events)
    return events


PROCESS = {
    "RuleName": "technique_id=T1059.001,technique_name=PowerShell",
    "UtcTime": "2024-05-14 08:31:12.449",
    "ProcessGuid": "{3f1c2a9e-3f70-6643-8c01-000000001a00}",
    "ProcessId": "8020",
    "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "CommandLine": "powershell.exe -nop",
    "User": "CORP\\jdoe",
}


def test_hashes_give_ecs_digests_and_nothing_else(tmp_path: Path) -> None:
    # Spaces after the commas are tolerated; an algorithm ECS has no field for makes no field.
    (event,) = parse_lines(
        tmp_path,
        nxlog_sysmon(
            1,
            {
                **PROCESS,
                "Hashes": "SHA1=1B3B40FBC889FD4C645CC12C85D0805AC36BA254, MD5=04029E121A0CFA5991749937DD22A1D9,"
                "IMPHASH=7C955A0ABC747F57CCC4324480737EF7,CRC.32=1A2B3C4D,",
            },
        ),
    )
    assert event["process"]["hash"] == {
        "sha1": "1b3b40fbc889fd4c645cc12c85d0805ac36ba254",
        "md5": "04029e121a0cfa5991749937dd22a1d9",
    }
    assert event["process"]["pe"] == {"imphash": "7c955a0abc747f57ccc4324480737ef7"}


def test_clipboard_event_without_hashes_makes_no_empty_file_object(tmp_path: Path) -> None:
    (event,) = parse_lines(tmp_path, nxlog_sysmon(24, {**PROCESS, "Session": "1", "ClientInfo": "-", "Hashes": "-"}))
    assert "file" not in event
