"""Windows → ECS mapping cases written here, needing no shared samples."""

from __future__ import annotations

from pathlib import Path

import pytest
import secops_native
from endpoint_support import failed, run

from collectors.endpoint import winlog_ecs

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


def _event(provider: str, guid: str, channel: str, event_id: int, data: dict[str, str]) -> str:
    fields = "".join(f'<Data Name="{name}">{value}</Data>' for name, value in data.items())
    return (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        f'<Provider Name="{provider}" Guid="{guid}"/><EventID>{event_id}</EventID><Version>5</Version>'
        "<Level>4</Level><Keywords>0x8020000000000000</Keywords>"
        '<TimeCreated SystemTime="2024-03-01T10:00:00Z"/><EventRecordID>9</EventRecordID>'
        f"<Channel>{channel}</Channel><Computer>ws7.corp.example</Computer></System>"
        f"<EventData>{fields}</EventData></Event>"
    )


def test_related_fields_name_every_address_account_and_hash(tmp_path: Path) -> None:
    explicit_logon = _event(
        "Microsoft-Windows-Security-Auditing",
        "{54849625-5478-4994-A5BA-3E3B0328C30D}",
        "Security",
        4648,
        {
            "SubjectUserName": "alice",
            "SubjectDomainName": "CORP",
            "TargetUserName": "Administrator",
            "TargetDomainName": "CORP",
            "IpAddress": "10.1.2.3",
            "IpPort": "445",
        },
    )
    process = _event(
        "Microsoft-Windows-Sysmon",
        "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
        "Microsoft-Windows-Sysmon/Operational",
        1,
        {
            "Image": "C:\\Windows\\System32\\cmd.exe",
            "CommandLine": "cmd.exe /c whoami",
            "User": "CORP\\bob",
            "Hashes": "SHA1=AAAA,MD5=BBBB,IMPHASH=CCCC",
        },
    )
    path = tmp_path / "events.xml"
    path.write_text(explicit_logon + "\r\n" + process + "\r\n", encoding="utf-8")
    events, _ = run([path])
    assert [failed(e) for e in events] == [False, False]
    assert events[0]["related"] == {"ip": ["10.1.2.3"], "user": ["alice", "Administrator"]}
    assert events[1]["related"] == {"user": ["bob"], "hash": ["aaaa", "bbbb", "cccc"]}


def test_a_table_naming_an_unknown_converter_is_refused_when_the_mapping_loads() -> None:
    # The tables are data; a misspelt converter kind must stop the load, not map nothing silently.
    rows = winlog_ecs.spec_rows()
    family, eid, category, types, action, layers = rows[0]
    broken = [(family, eid, category, types, action, (*layers, (("Image", "process", "exe_path"),))), *rows[1:]]
    args = (
        winlog_ecs.FAMILIES,
        winlog_ecs.t.DATASETS,
        winlog_ecs.t.DEFAULT_DATASET,
        winlog_ecs.t.LEVELS,
        winlog_ecs.t.OPCODES,
        list(winlog_ecs.t.KEYWORD_BITS),
    )
    tables, channels = winlog_ecs.MAPPER_TABLES, list(winlog_ecs.t.KNOWN_CHANNELS)
    with pytest.raises(ValueError, match="exe_path"):
        secops_native.WinlogMapper(broken, *args, tables, channels, winlog_ecs.system_time)
    assert secops_native.WinlogMapper(rows, *args, tables, channels, winlog_ecs.system_time) is not None
