"""Security logon and session events mapped as Winlogbeat lays them out (events written here)."""

from __future__ import annotations

from pathlib import Path

from endpoint_support import failed, run

SECURITY_GUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}"


def security_xml(event_id: int, data: dict[str, str], keywords: str = "0x8020000000000000") -> str:
    """One Security event as ``wevtutil qe Security /f:xml`` writes it."""
    fields = "".join(f'<Data Name="{name}">{value}</Data>' for name, value in data.items())
    return (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        f'<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{SECURITY_GUID}"/>'
        f"<EventID>{event_id}</EventID><Version>0</Version><Level>0</Level><Task>12545</Task><Opcode>0</Opcode>"
        f'<Keywords>{keywords}</Keywords><TimeCreated SystemTime="2024-05-14T17:02:44.0917263Z"/>'
        '<EventRecordID>88120</EventRecordID><Correlation/><Execution ProcessID="684" ThreadID="9120"/>'
        "<Channel>Security</Channel><Computer>WS042.corp.example.com</Computer><Security/></System>"
        f"<EventData>{fields}</EventData></Event>"
    )


def parse_one(tmp_path: Path, xml: str) -> dict:
    path = tmp_path / "security.xml"
    path.write_text(xml + "\r\n", encoding="utf-8")
    events, _ = run([path], fmt="winlog-xml")
    assert len(events) == 1 and not failed(events[0])
    return events[0]


def test_user_initiated_logoff_names_the_user_logging_off(tmp_path: Path) -> None:
    # 4647 carries only Target* fields: the account logging off is user.*, as for 4634.
    event = parse_one(
        tmp_path,
        security_xml(
            4647,
            {
                "TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1013",
                "TargetUserName": "jdoe",
                "TargetDomainName": "CORP",
                "TargetLogonId": "0x8dcdc",
            },
        ),
    )
    assert event["event"]["action"] == "logged-out"
    assert event["user"] == {"id": "S-1-5-21-3623811015-3361044348-30300820-1013", "name": "jdoe", "domain": "CORP"}
    assert event["winlog"]["logon"] == {"id": "0x8dcdc"}


def test_rdp_session_events_name_the_client(tmp_path: Path) -> None:
    event = parse_one(
        tmp_path,
        security_xml(
            4778,
            {
                "AccountName": "jdoe",
                "AccountDomain": "CORP",
                "LogonID": "0x8dcdc",
                "SessionName": "RDP-Tcp#3",
                "ClientName": "LAPTOP-77",
                "ClientAddress": "198.51.100.23",
            },
        ),
    )
    assert event["event"]["action"] == "session-reconnected"
    assert event["user"] == {"name": "jdoe", "domain": "CORP"}
    assert event["source"] == {"ip": "198.51.100.23", "domain": "LAPTOP-77"}
    assert event["winlog"]["logon"] == {"id": "0x8dcdc"}
    assert event["related"]["ip"] == ["198.51.100.23"]


def test_filtering_platform_connection_names_process_and_transport(tmp_path: Path) -> None:
    # 5156 writes its pid in decimal as ProcessID, the protocol as a number, the direction as %%1459x.
    event = parse_one(
        tmp_path,
        security_xml(
            5156,
            {
                "ProcessID": "1234",
                "Application": "\\device\\harddiskvolume3\\windows\\system32\\svchost.exe",
                "Direction": "%%14593",
                "SourceAddress": "10.20.30.40",
                "SourcePort": "51234",
                "DestAddress": "203.0.113.9",
                "DestPort": "443",
                "Protocol": "6",
                "FilterRTID": "70183",
                "LayerName": "%%14611",
                "LayerRTID": "48",
                "RemoteUserID": "S-1-0-0",
                "RemoteMachineID": "S-1-0-0",
            },
        ),
    )
    assert event["process"]["pid"] == 1234
    assert event["process"]["name"] == "svchost.exe"
    assert event["network"] == {"iana_number": "6", "transport": "tcp", "direction": "egress"}
    assert (event["source"]["port"], event["destination"]["ip"]) == (51234, "203.0.113.9")


def test_failed_logon_of_a_locked_out_account_has_a_readable_reason(tmp_path: Path) -> None:
    event = parse_one(
        tmp_path,
        security_xml(
            4625,
            {
                "SubjectUserSid": "S-1-5-18",
                "SubjectUserName": "WS042$",
                "SubjectDomainName": "CORP",
                "SubjectLogonId": "0x3e7",
                "TargetUserSid": "S-1-0-0",
                "TargetUserName": "jdoe",
                "TargetDomainName": "CORP",
                "Status": "0xc0000234",
                "FailureReason": "%%2307",
                "SubStatus": "0x0",
                "LogonType": "2",
                "LogonProcessName": "User32 ",
                "AuthenticationPackageName": "Negotiate",
                "WorkstationName": "WS042",
                "ProcessId": "0x2b8",
                "ProcessName": "C:\\Windows\\System32\\svchost.exe",
                "IpAddress": "127.0.0.1",
                "IpPort": "0",
            },
            keywords="0x8010000000000000",
        ),
    )
    assert event["event"]["outcome"] == "failure"
    failure = event["winlog"]["logon"]["failure"]
    assert failure["reason"] == "Account locked out."
    assert failure["status"] == "account locked out"
    assert event["winlog"]["event_data"]["FailureReason"] == "%%2307"  # the raw id stays for Sigma rules


def test_denied_remote_desktop_logon_names_the_client_address(tmp_path: Path) -> None:
    event = parse_one(
        tmp_path,
        security_xml(
            4825,
            {
                "AccountName": "contractor7",
                "AccountDomain": "CORP",
                "LogonID": "0x1c2a3f",
                "ClientAddress": "198.51.100.61",
            },
            keywords="0x8010000000000000",
        ),
    )
    assert event["event"]["outcome"] == "failure"
    assert event["user"] == {"name": "contractor7", "domain": "CORP"}
    assert event["source"] == {"ip": "198.51.100.61"}
    assert event["winlog"]["logon"] == {"id": "0x1c2a3f"}
