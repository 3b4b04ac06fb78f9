"""Security account and group management events, as Winlogbeat lays them out (events written here)."""

from __future__ import annotations

from pathlib import Path

from endpoint_support import failed, run
from test_winlog_security_logons import security_xml

ADMIN = {
    "SubjectUserSid": "S-1-5-21-1-2-3-500",
    "SubjectUserName": "Administrator",
    "SubjectDomainName": "CORP",
    "SubjectLogonId": "0x4a1f0",
}


def parse_all(tmp_path: Path, *records: str) -> list[dict]:
    path = tmp_path / "security.xml"
    path.write_text("<Events>" + "\r\n".join(records) + "</Events>\r\n", encoding="utf-8")
    events, _ = run([path], fmt="winlog-xml")
    assert len(events) == len(records) and not any(failed(e) for e in events)
    return events


def test_member_added_to_a_domain_group_is_the_target_user(tmp_path: Path) -> None:
    # Domain groups name the member by distinguished name; its CN is the user (an escaped comma kept).
    (event,) = parse_all(
        tmp_path,
        security_xml(
            4728,
            {
                "MemberName": "CN=Smith\\, John,OU=Staff,DC=corp,DC=example,DC=com",
                "MemberSid": "S-1-5-21-1-2-3-1120",
                "TargetUserName": "Domain Admins",
                "TargetDomainName": "CORP",
                "TargetSid": "S-1-5-21-1-2-3-512",
                **ADMIN,
                "PrivilegeList": "-",
            },
        ),
    )
    assert event["group"] == {"name": "Domain Admins", "domain": "CORP", "id": "S-1-5-21-1-2-3-512"}
    assert event["user"]["target"] == {"id": "S-1-5-21-1-2-3-1120", "name": "Smith, John"}
    assert event["user"]["name"] == "Administrator"
    assert event["related"]["user"] == ["Administrator", "Smith, John"]


def test_local_group_member_without_a_name_keeps_only_its_sid(tmp_path: Path) -> None:
    (event,) = parse_all(
        tmp_path,
        security_xml(
            4732,
            {
                "MemberName": "-",
                "MemberSid": "S-1-5-21-1-2-3-1120",
                "TargetUserName": "Administrators",
                "TargetDomainName": "Builtin",
                "TargetSid": "S-1-5-32-544",
                **ADMIN,
                "PrivilegeList": "-",
            },
        ),
    )
    assert event["user"]["target"] == {"id": "S-1-5-21-1-2-3-1120"}


def test_enumeration_events_are_categorised_and_name_the_caller(tmp_path: Path) -> None:
    caller = {"CallerProcessId": "0x1d8c", "CallerProcessName": "C:\\Windows\\System32\\net1.exe"}
    user_groups, group_members = parse_all(
        tmp_path,
        security_xml(
            4798,
            {
                "TargetUserName": "jsmith",
                "TargetDomainName": "WS042",
                "TargetSid": "S-1-5-21-9-8-7-1001",
                **ADMIN,
                **caller,
            },
        ),
        security_xml(
            4799,
            {
                "TargetUserName": "Administrators",
                "TargetDomainName": "Builtin",
                "TargetSid": "S-1-5-32-544",
                **ADMIN,
                **caller,
            },
        ),
    )
    assert user_groups["event"]["action"] == "group-membership-enumerated"
    assert (user_groups["event"]["category"], user_groups["event"]["type"]) == (["iam"], ["user", "info"])
    assert user_groups["user"]["target"] == {"name": "jsmith", "domain": "WS042", "id": "S-1-5-21-9-8-7-1001"}
    assert group_members["event"]["action"] == "user-member-enumerated"
    assert (group_members["event"]["category"], group_members["event"]["type"]) == (["iam"], ["group", "info"])
    assert group_members["group"] == {"name": "Administrators", "domain": "Builtin", "id": "S-1-5-32-544"}
    assert "target" not in group_members["user"]
    for event in (user_groups, group_members):
        assert event["process"] == {"pid": 7564, "executable": "C:\\Windows\\System32\\net1.exe", "name": "net1.exe"}


def test_computer_account_and_distribution_group_events_are_categorised(tmp_path: Path) -> None:
    computer, distribution = parse_all(
        tmp_path,
        security_xml(
            4741,
            {"TargetUserName": "NEWPC$", "TargetDomainName": "CORP", "TargetSid": "S-1-5-21-1-2-3-1201", **ADMIN},
        ),
        security_xml(
            4751,
            {
                "MemberName": "CN=Ana Diaz,OU=Staff,DC=corp,DC=example,DC=com",
                "MemberSid": "S-1-5-21-1-2-3-1177",
                "TargetUserName": "all-staff",
                "TargetDomainName": "CORP",
                "TargetSid": "S-1-5-21-1-2-3-1300",
                **ADMIN,
            },
        ),
    )
    assert computer["event"]["action"] == "added-computer-account"
    assert (computer["event"]["category"], computer["event"]["type"]) == (["iam"], ["creation", "admin"])
    assert computer["user"]["target"]["name"] == "NEWPC$"
    assert distribution["event"]["action"] == "added-member-to-distribution-group"
    assert (distribution["event"]["category"], distribution["event"]["type"]) == (["iam"], ["group", "change"])
    assert distribution["group"]["name"] == "all-staff"
    assert distribution["user"]["target"]["name"] == "Ana Diaz"


def test_renamed_account_names_its_old_and_new_name(tmp_path: Path) -> None:
    # 4781 has no TargetUserName: the account is OldTargetUserName, renamed to NewTargetUserName.
    (event,) = parse_all(
        tmp_path,
        security_xml(
            4781,
            {
                "OldTargetUserName": "ws-temp$",
                "NewTargetUserName": "DC02$",
                "TargetDomainName": "CORP",
                "TargetSid": "S-1-5-21-1-2-3-1296",
                **ADMIN,
                "PrivilegeList": "-",
            },
        ),
    )
    assert event["event"]["action"] == "renamed-user-account"
    assert event["user"]["target"] == {"name": "ws-temp$", "domain": "CORP", "id": "S-1-5-21-1-2-3-1296"}
    assert event["user"]["changes"] == {"name": "DC02$"}
    assert event["related"]["user"] == ["Administrator", "ws-temp$", "DC02$"]
