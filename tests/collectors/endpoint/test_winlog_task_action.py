"""``event.action`` falls back to the event's task name, as Winlogbeat sets it (events written here)."""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import failed, run

VIEWER_EXPORT = (
    '<?xml version="1.0" encoding="utf-8"?>\r\n<Events>'
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
    '<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>'
    "<EventID>4663</EventID><Version>1</Version><Level>0</Level><Task>12800</Task><Opcode>0</Opcode>"
    '<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime="2024-05-14T09:12:03.5521907Z"/>'
    '<EventRecordID>90344</EventRecordID><Correlation/><Execution ProcessID="4" ThreadID="5120"/>'
    "<Channel>Security</Channel><Computer>FS01.corp.example.com</Computer><Security/></System>"
    '<EventData><Data Name="SubjectUserSid">S-1-5-21-1-2-3-1013</Data><Data Name="SubjectUserName">jdoe</Data>'
    '<Data Name="SubjectDomainName">CORP</Data><Data Name="SubjectLogonId">0x8dcdc</Data>'
    '<Data Name="ObjectServer">Security</Data><Data Name="ObjectType">File</Data>'
    '<Data Name="ObjectName">D:\\Finance\\payroll.xlsx</Data><Data Name="HandleId">0x1e4</Data>'
    '<Data Name="AccessList">%%4417\r\n\t\t\t\t</Data><Data Name="AccessMask">0x2</Data>'
    '<Data Name="ProcessId">0x1f54</Data><Data Name="ProcessName">C:\\Windows\\explorer.exe</Data>'
    '<Data Name="ResourceAttributes">S:AI</Data></EventData>'
    '<RenderingInfo Culture="en-US"><Message>An attempt was made to access an object.</Message>'
    "<Level>Information</Level><Task>File System</Task><Opcode>Info</Opcode><Channel>Security</Channel>"
    "<Provider>Microsoft Windows security auditing.</Provider><Keywords><Keyword>Audit Success</Keyword></Keywords>"
    "</RenderingInfo></Event></Events>\r\n"
)


def test_event_viewer_export_action_is_the_task_name(tmp_path: Path) -> None:
    path = tmp_path / "viewer.xml"
    path.write_text(VIEWER_EXPORT, encoding="utf-8")
    events, _ = run([path], fmt="winlog-xml")
    assert len(events) == 1 and not failed(events[0])
    assert events[0]["event"]["action"] == "File System"
    assert events[0]["message"] == "An attempt was made to access an object."


def test_winlogbeat_document_keeps_its_task_action_and_modules_still_win(tmp_path: Path) -> None:
    defender = {
        "@timestamp": "2024-05-14T08:31:12.450Z",
        "winlog": {
            "channel": "Microsoft-Windows-Windows Defender/Operational",
            "provider_name": "Microsoft-Windows-Windows Defender",
            "event_id": "1116",
            "task": "Malware detection",
            "computer_name": "WS042.corp.example.com",
            "event_data": {"Threat Name": "HackTool:Win32/Mimikatz!pz", "Severity Name": "Severe"},
        },
    }
    logon = {
        "@timestamp": "2024-05-14T08:31:12.450Z",
        "winlog": {
            "channel": "Security",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "event_id": "4624",
            "task": "Logon",
            "event_data": {"TargetUserName": "jdoe", "LogonType": "3"},
        },
    }
    path = tmp_path / "winlogbeat.ndjson"
    path.write_bytes(orjson.dumps(defender) + b"\n" + orjson.dumps(logon) + b"\n")
    events, _ = run([path], fmt="winlog-json")
    assert [e["event"].get("action") for e in events] == ["Malware detection", "logged-in"]
