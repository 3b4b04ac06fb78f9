"""Windows events as Winlogbeat 8 writes them (NDJSON, no ingest pipeline): ``winlog.*`` and ``event_data``.

``{"@timestamp":"2026-11-25T21:40:52.123Z","agent":{"type":"winlogbeat",...},"event":{"code":"4624",
"provider":"Microsoft-Windows-Security-Auditing","action":"Logon","outcome":"success",...},"winlog":{
"channel":"Security","event_id":"4624","event_data":{"TargetUserName":"jsmith","LogonType":"3",...}}}``

Security 4624/4625/4672/4688/4720/4732, System 7045 and Sysmon 1/3/11/13/22.
``message`` carries the first line of the rendered text, not the whole description.
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache
from typing import Any

import orjson

from secops.generate.network import DOMAIN, Host
from secops.generate.stamps import iso_milli_z, space_milli

FORMAT = "winlog-json"

SECURITY = ("Security", "Microsoft-Windows-Security-Auditing", "{54849625-5478-4994-a5ba-3e3b0328c30d}")
SYSMON = ("Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}")
SYSTEM = ("System", "Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}")

_TASKS = {
    4624: ("Logon", "An account was successfully logged on."),
    4625: ("Logon", "An account failed to log on."),
    4672: ("Special Logon", "Special privileges assigned to new logon."),
    4688: ("Process Creation", "A new process has been created."),
    4720: ("User Account Management", "A user account was created."),
    4732: ("Security Group Management", "A member was added to a security-enabled local group."),
    7045: ("None", "A service was installed in the system."),
    1: ("Process Create (rule: ProcessCreate)", "Process Create:"),
    3: ("Network connection detected (rule: NetworkConnect)", "Network connection detected:"),
    11: ("File created (rule: FileCreate)", "File created:"),
    13: ("Registry value set (rule: RegistryEvent)", "Registry value set:"),
    22: ("Dns query (rule: DnsQuery)", "Dns query:"),
}
_OS = {
    "workstation": ("Windows 11 Enterprise", "10.0.22631.4460"),
    "server": ("Windows Server 2022 Standard", "10.0.20348.2849"),
}


def record(
    t: float,
    host: Host,
    source: tuple[str, str, str],
    code: int,
    data: dict[str, Any],
    *,
    outcome: str | None = None,
) -> str:
    """One Winlogbeat document as a JSON line.

    The parts that only depend on the host and the event code are serialised
    once (``_fixed``); per record only the times, ids and ``event_data`` are.
    """
    head, event_head, winlog_head, winlog_tail = _fixed(host, source, code, outcome)
    return (
        f'{{"@timestamp":"{iso_milli_z(t)}",{head}{event_head}"created":"{iso_milli_z(t + 1.5)}"}},'
        f'"message":"{_TASKS[code][1]}",{winlog_head}"record_id":{int(t * 8) % 4_000_000_000},'
        f'"process":{{"pid":{4 if source is SECURITY else 3120},"thread":{{"id":{7000 + int(t) % 900}}}}},'
        f'{winlog_tail}"event_data":{orjson.dumps(data).decode()}}}}}'
    )


@lru_cache(maxsize=8192)
def _fixed(host: Host, source: tuple[str, str, str], code: int, outcome: str | None) -> tuple[str, str, str, str]:
    channel, provider, guid = source
    task = _TASKS[code][0]
    os_name, kernel = _OS["workstation" if host.role == "workstation" else "server"]

    def members(value: dict[str, Any]) -> str:
        return orjson.dumps(value).decode()[1:-1] + ","

    head = members(
        {
            "agent": {"type": "winlogbeat", "version": "8.15.3", "name": host.name},
            "ecs": {"version": "8.0.0"},
            "host": {
                "name": host.fqdn,
                "hostname": host.name,
                "ip": [host.ip],
                "os": {
                    "family": "windows",
                    "platform": "windows",
                    "type": "windows",
                    "name": os_name,
                    "kernel": kernel,
                },
            },
            "log": {"level": "information"},
        }
    )
    event = {"code": str(code), "kind": "event", "provider": provider, "action": task}
    if outcome:
        event["outcome"] = outcome
    event_head = '"event":{' + members(event)
    winlog_head = '"winlog":{' + members(
        {
            "channel": channel,
            "computer_name": host.fqdn,
            "event_id": str(code),
            "provider_name": provider,
            "provider_guid": guid,
        }
    )
    tail: dict[str, Any] = {"task": task, "opcode": "Info", "api": "wineventlog"}
    if outcome:
        tail["keywords"] = ["Audit Success" if outcome == "success" else "Audit Failure"]
    if source is SYSMON:
        tail["user"] = {"identifier": "S-1-5-18", "domain": "NT AUTHORITY", "name": "SYSTEM", "type": "User"}
    return head, event_head, winlog_head, members(tail)


def logon_id(seed: int) -> str:
    return f"0x{0x100000 + seed % 0xEFFFFF:x}"


def logon(
    t: float,
    host: Host,
    user: str,
    sid: str,
    logon_type: int,
    ip: str,
    port: int,
    workstation: str,
    lid: str,
    package: str = "Kerberos",
) -> str:
    data = _logon_template(host, logon_type, package, user.startswith("adm_")).copy()
    data["TargetUserSid"] = sid
    data["TargetUserName"] = user
    data["TargetLogonId"] = lid
    data["WorkstationName"] = workstation
    data["IpAddress"] = ip
    data["IpPort"] = str(port)
    return record(t, host, SECURITY, 4624, data, outcome="success")


@lru_cache(maxsize=4096)
def _logon_template(host: Host, logon_type: int, package: str, elevated: bool) -> dict[str, str]:
    """The 4624 fields fixed by host, logon type and package, in Windows' order; copied per event."""
    process = ("C:\\Windows\\System32\\svchost.exe", "0x3a4") if logon_type in (2, 10, 11) else ("-", "0x0")
    interactive = logon_type in (2, 10, 11)
    return {
        "SubjectUserSid": "S-1-5-18" if logon_type != 3 else "S-1-0-0",
        "SubjectUserName": f"{host.name}$" if logon_type != 3 else "-",
        "SubjectDomainName": DOMAIN if logon_type != 3 else "-",
        "SubjectLogonId": "0x3e7" if logon_type != 3 else "0x0",
        "TargetUserSid": "",
        "TargetUserName": "",
        "TargetDomainName": DOMAIN,
        "TargetLogonId": "",
        "LogonType": str(logon_type),
        "LogonProcessName": "NtLmSsp " if package == "NTLM" else ("User32 " if interactive else "Kerberos"),
        "AuthenticationPackageName": package if logon_type != 2 else "Negotiate",
        "WorkstationName": "",
        "LogonGuid": "{00000000-0000-0000-0000-000000000000}",
        "TransmittedServices": "-",
        "LmPackageName": "NTLM V2" if package == "NTLM" else "-",
        "KeyLength": "128" if package == "NTLM" else "0",
        "ProcessId": process[1],
        "ProcessName": process[0],
        "IpAddress": "",
        "IpPort": "",
        "ImpersonationLevel": "%%1833",
        "RestrictedAdminMode": "-",
        "VirtualAccount": "%%1843",
        "ElevatedToken": "%%1842" if elevated else "%%1843",
    }


def failed_logon(
    t: float, host: Host, user: str, logon_type: int, ip: str, port: int, workstation: str, exists: bool
) -> str:
    return record(
        t,
        host,
        SECURITY,
        4625,
        {
            "SubjectUserSid": "S-1-0-0",
            "SubjectUserName": "-",
            "SubjectDomainName": "-",
            "SubjectLogonId": "0x0",
            "TargetUserSid": "S-1-0-0",
            "TargetUserName": user,
            "TargetDomainName": DOMAIN,
            "Status": "0xc000006d",
            "FailureReason": "%%2313",
            "SubStatus": "0xc000006a" if exists else "0xc0000064",
            "LogonType": str(logon_type),
            "LogonProcessName": "NtLmSsp ",
            "AuthenticationPackageName": "NTLM",
            "WorkstationName": workstation,
            "TransmittedServices": "-",
            "LmPackageName": "-",
            "KeyLength": "0",
            "ProcessId": "0x0",
            "ProcessName": "-",
            "IpAddress": ip,
            "IpPort": str(port),
        },
        outcome="failure",
    )


def special_privileges(t: float, host: Host, user: str, sid: str, lid: str) -> str:
    privileges = (
        "SeSecurityPrivilege\n\t\t\tSeBackupPrivilege\n\t\t\tSeRestorePrivilege\n\t\t\tSeTakeOwnershipPrivilege"
        "\n\t\t\tSeDebugPrivilege\n\t\t\tSeSystemEnvironmentPrivilege\n\t\t\tSeLoadDriverPrivilege"
        "\n\t\t\tSeImpersonatePrivilege\n\t\t\tSeDelegateSessionUserImpersonatePrivilege"
    )
    return record(
        t,
        host,
        SECURITY,
        4672,
        {
            "SubjectUserSid": sid,
            "SubjectUserName": user,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": lid,
            "PrivilegeList": privileges,
        },
        outcome="success",
    )


def process_created(
    t: float, host: Host, user: str, sid: str, lid: str, image: str, command: str, parent: str, pid: int, ppid: int
) -> str:
    return record(
        t,
        host,
        SECURITY,
        4688,
        {
            "SubjectUserSid": sid,
            "SubjectUserName": user,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": lid,
            "NewProcessId": f"0x{pid:x}",
            "NewProcessName": image,
            "TokenElevationType": "%%1938",
            "ProcessId": f"0x{ppid:x}",
            "CommandLine": command,
            "TargetUserSid": "S-1-0-0",
            "TargetUserName": "-",
            "TargetDomainName": "-",
            "TargetLogonId": "0x0",
            "ParentProcessName": parent,
            "MandatoryLabel": "S-1-16-8192",
        },
        outcome="success",
    )


def user_created(t: float, host: Host, actor: str, actor_sid: str, user: str, sid: str) -> str:
    return record(
        t,
        host,
        SECURITY,
        4720,
        {
            "TargetUserName": user,
            "TargetDomainName": DOMAIN,
            "TargetSid": sid,
            "SubjectUserSid": actor_sid,
            "SubjectUserName": actor,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": logon_id(int(t)),
            "PrivilegeList": "-",
            "SamAccountName": user,
            "DisplayName": "%%1793",
            "UserPrincipalName": "-",
            "HomeDirectory": "%%1793",
            "HomePath": "%%1793",
            "ScriptPath": "%%1793",
            "ProfilePath": "%%1793",
            "UserWorkstations": "%%1793",
            "PasswordLastSet": "%%1794",
            "AccountExpires": "%%1794",
            "PrimaryGroupId": "513",
            "AllowedToDelegateTo": "-",
            "OldUacValue": "0x0",
            "NewUacValue": "0x15",
            "UserAccountControl": "\n\t\t%%2080\n\t\t%%2082\n\t\t%%2084",
            "UserParameters": "%%1793",
            "SidHistory": "-",
            "LogonHours": "%%1797",
        },
        outcome="success",
    )


def member_added(t: float, host: Host, actor: str, actor_sid: str, member_sid: str, group: str, group_sid: str) -> str:
    return record(
        t,
        host,
        SECURITY,
        4732,
        {
            "MemberName": "-",
            "MemberSid": member_sid,
            "TargetUserName": group,
            "TargetDomainName": "Builtin",
            "TargetSid": group_sid,
            "SubjectUserSid": actor_sid,
            "SubjectUserName": actor,
            "SubjectDomainName": DOMAIN,
            "SubjectLogonId": logon_id(int(t)),
            "PrivilegeList": "-",
        },
        outcome="success",
    )


def service_installed(t: float, host: Host, name: str, image: str) -> str:
    return record(
        t,
        host,
        SYSTEM,
        7045,
        {
            "ServiceName": name,
            "ImagePath": image,
            "ServiceType": "user mode service",
            "StartType": "demand start",
            "AccountName": "LocalSystem",
        },
    )


def _guid(host: Host, pid: int) -> str:
    return f"{{{zlib.crc32(host.name.encode()):08x}-6a1c-6744-{pid & 0xFFFF:04x}-000000002400}}"


@lru_cache(maxsize=1024)
def _image_hash(image: str) -> str:
    """A stable stand-in for the file's hash: the same image always hashes the same."""
    return "SHA256=" + hashlib.sha256(image.lower().encode()).hexdigest().upper()


def sysmon_process(
    t: float,
    host: Host,
    user: str,
    image: str,
    command: str,
    parent: str,
    parent_command: str,
    pid: int,
    ppid: int,
    integrity: str = "Medium",
) -> str:
    name = image.rsplit("\\", 1)[-1]
    return record(
        t,
        host,
        SYSMON,
        1,
        {
            "RuleName": "-",
            "UtcTime": space_milli(t),
            "ProcessGuid": _guid(host, pid),
            "ProcessId": str(pid),
            "Image": image,
            "FileVersion": "10.0.22621.1",
            "Description": name,
            "Product": "Microsoft® Windows® Operating System",
            "Company": "Microsoft Corporation",
            "OriginalFileName": name,
            "CommandLine": command,
            "CurrentDirectory": "C:\\Windows\\system32\\",
            "User": user,
            "LogonGuid": "{b9c1a7e2-6a1c-6744-f1a3-0b0000000000}",
            "LogonId": "0xba3f1",
            "TerminalSessionId": "1" if host.role == "workstation" else "0",
            "IntegrityLevel": integrity,
            "Hashes": _image_hash(image),
            "ParentProcessGuid": _guid(host, ppid),
            "ParentProcessId": str(ppid),
            "ParentImage": parent,
            "ParentCommandLine": parent_command,
            "ParentUser": user,
        },
    )


def sysmon_network(
    t: float,
    host: Host,
    user: str,
    image: str,
    pid: int,
    proto: str,
    src: str,
    sport: int,
    dst: str,
    dport: int,
    dst_name: str = "",
) -> str:
    return record(
        t,
        host,
        SYSMON,
        3,
        {
            "RuleName": "-",
            "UtcTime": space_milli(t),
            "ProcessGuid": _guid(host, pid),
            "ProcessId": str(pid),
            "Image": image,
            "User": user,
            "Protocol": proto,
            "Initiated": "true",
            "SourceIsIpv6": "false",
            "SourceIp": src,
            "SourceHostname": host.fqdn,
            "SourcePort": str(sport),
            "SourcePortName": "-",
            "DestinationIsIpv6": "false",
            "DestinationIp": dst,
            "DestinationHostname": dst_name or "-",
            "DestinationPort": str(dport),
            "DestinationPortName": {443: "https", 80: "http", 445: "microsoft-ds"}.get(dport, "-"),
        },
    )


def sysmon_file(t: float, host: Host, user: str, image: str, pid: int, target: str) -> str:
    stamp = space_milli(t)
    return record(
        t,
        host,
        SYSMON,
        11,
        {
            "RuleName": "-",
            "UtcTime": stamp,
            "ProcessGuid": _guid(host, pid),
            "ProcessId": str(pid),
            "Image": image,
            "TargetFilename": target,
            "CreationUtcTime": stamp,
            "User": user,
        },
    )


def sysmon_registry(t: float, host: Host, user: str, image: str, pid: int, key: str, details: str) -> str:
    return record(
        t,
        host,
        SYSMON,
        13,
        {
            "RuleName": "-",
            "EventType": "SetValue",
            "UtcTime": space_milli(t),
            "ProcessGuid": _guid(host, pid),
            "ProcessId": str(pid),
            "Image": image,
            "TargetObject": key,
            "Details": details,
            "User": user,
        },
    )


def sysmon_dns(t: float, host: Host, user: str, image: str, pid: int, query: str, answers: list[str]) -> str:
    results = ";".join(f"::ffff:{a}" for a in answers) + ";" if answers else "-"
    return record(
        t,
        host,
        SYSMON,
        22,
        {
            "RuleName": "-",
            "UtcTime": space_milli(t),
            "ProcessGuid": _guid(host, pid),
            "ProcessId": str(pid),
            "QueryName": query,
            "QueryStatus": "0",
            "QueryResults": results,
            "Image": image,
            "User": user,
        },
    )
