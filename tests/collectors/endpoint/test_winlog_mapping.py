"""Windows → ECS mapping cases written here, needing no shared samples."""

from __future__ import annotations

from pathlib import Path

from endpoint_support import failed, run

LOG_CLEARED = (
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
    '<Provider Name="Microsoft-Windows-Eventlog" Guid="{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}"/>'
    "<EventID>1102</EventID><Version>0</Version><Level>4</Level><Keywords>0x4020000000000000</Keywords>"
    '<TimeCreated SystemTime="2024-03-01T10:00:00Z"/><EventRecordID>7</EventRecordID>'
    "<Channel>Security</Channel><Computer>dc1.corp.example</Computer></System>"
    '<UserData><LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">'
    "<SubjectUserSid>S-1-5-21-1-2-3-500</SubjectUserSid><SubjectUserName>mallory</SubjectUserName>"
    "<SubjectDomainName>CORP</SubjectDomainName><SubjectLogonId>0x3e7</SubjectLogonId>"
    "</LogFileCleared></UserData></Event>"
)


def test_who_cleared_the_security_log_comes_from_user_data(tmp_path: Path) -> None:
    # 1102 has no EventData: the account that cleared the log is only in UserData.
    path = tmp_path / "cleared.xml"
    path.write_text(LOG_CLEARED + "\r\n", encoding="utf-8")
    events, _ = run([path])
    assert len(events) == 1 and not failed(events[0])
    event = events[0]
    assert event["event"]["action"] == "audit-log-cleared"
    assert event["user"] == {"id": "S-1-5-21-1-2-3-500", "name": "mallory", "domain": "CORP"}
    assert event["winlog"]["logon"]["id"] == "0x3e7"
