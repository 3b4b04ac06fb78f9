"""The ``linux-auth`` parser: hand-written lines with exact fields, and loghub's real sshd and Linux logs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collectors.syslog_time import infer_year
from secops import ecs
from secops.errors import ParseError
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext, get_parser

CTX = ParseContext(timezone=UTC, year=2026)

# Written for these tests: one line per message shape the parser claims to read.
CASES: list[tuple[str, dict[str, object]]] = [
    (
        "Nov 25 21:40:52 bastion sshd[4120]: Accepted publickey for alice from 10.1.2.3 port 51514 ssh2: "
        "ED25519 SHA256:q1w2e3r4t5",
        {
            "@timestamp": "2026-11-25T21:40:52.000Z",
            "event.category": ["authentication", "session"],
            "event.type": ["info"],
            "event.action": "ssh_login",
            "event.outcome": "success",
            "event.dataset": "system.auth",
            "event.module": "system",
            "event.kind": "event",
            "user.name": "alice",
            "source.ip": "10.1.2.3",
            "source.port": 51514,
            "host.hostname": "bastion",
            "process.name": "sshd",
            "process.pid": 4120,
            "system.auth.ssh.method": "publickey",
            "system.auth.ssh.event": "Accepted",
            "system.auth.ssh.signature": "ED25519 SHA256:q1w2e3r4t5",
        },
    ),
    (
        "Nov  3 04:01:09 web02 sshd[77]: Failed password for invalid user oracle from 198.51.100.23 port 40100 ssh2",
        {
            "@timestamp": "2026-11-03T04:01:09.000Z",
            "event.category": ["authentication"],
            "event.action": "ssh_login",
            "event.outcome": "failure",
            "user.name": "oracle",
            "source.ip": "198.51.100.23",
            "source.port": 40100,
            "system.auth.ssh.method": "password",
            "system.auth.ssh.event": "Failed",
            "system.auth.ssh.invalid_user": True,
        },
    ),
    (
        "2026-11-25T21:40:52.123456+01:00 db01 sshd[901]: Invalid user pi from 2001:db8::7 port 5022",
        {
            "@timestamp": "2026-11-25T20:40:52.123456Z",
            "event.action": "ssh_login",
            "event.outcome": "failure",
            "system.auth.ssh.event": "Invalid",
            "user.name": "pi",
            "source.ip": "2001:db8::7",
            "source.port": 5022,
            "host.hostname": "db01",
        },
    ),
    (
        "<38>1 2026-11-25T21:40:52Z db01 sshd 902 - - Connection closed by authenticating user root "
        "203.0.113.50 port 60222 [preauth]",
        {
            "@timestamp": "2026-11-25T21:40:52.000Z",
            "event.category": ["session"],
            "event.type": ["end"],
            "event.action": "ssh_connection_closed",
            "user.name": "root",
            "source.ip": "203.0.113.50",
            "source.port": 60222,
            "process.pid": 902,
            "log.syslog.priority": 38,
            "log.syslog.facility.code": 4,
            "log.syslog.severity.code": 6,
            "system.auth.ssh.preauth": True,
        },
    ),
    (
        "Nov 25 21:41:00 db01 sshd[903]: Disconnecting invalid user test 203.0.113.50 port 60223: "
        "Too many authentication failures [preauth]",
        {
            "event.action": "ssh_too_many_auth_failures",
            "event.outcome": "failure",
            "user.name": "test",
            "source.ip": "203.0.113.50",
            "source.port": 60223,
        },
    ),
    (
        "Nov 25 21:41:01 db01 sshd[904]: error: maximum authentication attempts exceeded for root from "
        "203.0.113.51 port 1022 ssh2 [preauth]",
        {"event.action": "ssh_too_many_auth_failures", "user.name": "root", "log.level": "error"},
    ),
    (
        "Nov 25 21:41:02 db01 sshd[905]: Received disconnect from 203.0.113.52 port 1023:11: Bye Bye [preauth]",
        {
            "event.action": "ssh_disconnected",
            "source.ip": "203.0.113.52",
            "source.port": 1023,
            "system.auth.ssh.disconnect_code": 11,
            "system.auth.ssh.disconnect_reason": "Bye Bye",
        },
    ),
    (
        "Nov 25 21:41:03 db01 sshd[906]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
        "tty=ssh ruser= rhost=203.0.113.53  user=admin",
        {
            "event.category": ["authentication"],
            "event.action": "pam_authentication_failure",
            "event.outcome": "failure",
            "user.name": "admin",
            "source.ip": "203.0.113.53",
            "system.auth.pam.service": "sshd",
        },
    ),
    (
        "Nov 25 21:41:04 db01 sshd[907]: Did not receive identification string from 203.0.113.54 port 4444",
        {"system.auth.ssh.dropped_ip": "203.0.113.54", "source.ip": "203.0.113.54", "source.port": 4444},
    ),
    (
        "Nov 25 21:42:10 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
        "COMMAND=/usr/bin/systemctl restart nginx ; echo",
        {
            "event.category": ["process"],
            "event.type": ["start"],
            "event.action": "sudo_command",
            "event.outcome": "success",
            "user.name": "alice",
            "user.effective.name": "root",
            "process.name": "sudo",
            "process.command_line": "/usr/bin/systemctl restart nginx ; echo",
            "system.auth.sudo.tty": "pts/0",
            "system.auth.sudo.pwd": "/home/alice",
            "system.auth.sudo.user": "root",
            "system.auth.sudo.command": "/usr/bin/systemctl restart nginx ; echo",
        },
    ),
    (
        "Nov 25 21:42:11 bastion sudo:      bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/tmp ; "
        "USER=root ; COMMAND=/bin/cat /etc/shadow",
        {
            "event.category": ["authentication"],
            "event.action": "sudo_denied",
            "event.outcome": "failure",
            "user.name": "bob",
            "user.effective.name": "root",
            "system.auth.sudo.error": "3 incorrect password attempts",
            "system.auth.sudo.command": "/bin/cat /etc/shadow",
        },
    ),
    (
        "Nov 25 21:42:12 bastion sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
        {
            "event.category": ["session"],
            "event.type": ["start"],
            "user.name": "alice",
            "user.effective.name": "root",
        },
    ),
    (
        "Nov 25 21:43:00 bastion su[5120]: (to root) carol on pts/2",
        {"event.action": "su", "event.outcome": "success", "user.name": "carol", "user.effective.name": "root"},
    ),
    (
        "Nov 25 21:43:01 bastion su[5121]: FAILED SU (to root) dave on pts/3",
        {"event.action": "su", "event.outcome": "failure", "user.name": "dave", "user.effective.name": "root"},
    ),
    (
        "Nov 25 21:44:00 bastion useradd[6001]: new user: name=svc_backup, UID=1005, GID=1005, "
        "home=/home/svc_backup, shell=/bin/bash, from=/dev/pts/0",
        {
            "event.category": ["iam"],
            "event.type": ["user", "creation"],
            "event.action": "user_created",
            "user.name": "svc_backup",
            "user.id": "1005",
            "group.id": "1005",
            "system.auth.useradd.home": "/home/svc_backup",
            "system.auth.useradd.shell": "/bin/bash",
        },
    ),
    (
        "Nov 25 21:44:01 bastion groupadd[6002]: group added to /etc/group: name=auditors, GID=1010",
        {"event.type": ["group", "creation"], "group.name": "auditors", "group.id": "1010"},
    ),
    (
        "Nov 25 21:44:02 bastion usermod[6003]: add 'svc_backup' to group 'sudo'",
        {"event.type": ["group", "change"], "user.name": "svc_backup", "group.name": "sudo"},
    ),
    (
        "Nov 25 21:44:03 bastion userdel[6004]: delete user 'svc_backup'",
        {"event.type": ["user", "deletion"], "event.action": "user_deleted", "user.name": "svc_backup"},
    ),
    (
        "Nov 25 21:44:04 bastion groupdel[6005]: group 'auditors' removed",
        {"event.type": ["group", "deletion"], "group.name": "auditors"},
    ),
    (
        "Nov 25 21:44:05 bastion passwd[6006]: pam_unix(passwd:chauthtok): password changed for erin",
        {"event.category": ["iam"], "event.action": "password_changed", "user.name": "erin"},
    ),
    (
        "Nov 25 21:44:06 bastion chpasswd[6007]: pam_unix(chpasswd:chauthtok): password changed for frank",
        {"event.action": "password_changed", "user.name": "frank", "process.name": "chpasswd"},
    ),
    (
        "Nov 25 21:45:00 bastion systemd-logind[640]: New session 42 of user alice.",
        {
            "event.category": ["session"],
            "event.type": ["start"],
            "user.name": "alice",
            "system.auth.session.id": "42",
        },
    ),
    (
        "Nov 25 21:46:00 bastion systemd-logind[640]: Removed session 42.",
        {"event.type": ["end"], "system.auth.session.id": "42"},
    ),
    (
        "Nov 25 21:47:01 bastion CRON[7001]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)",
        {
            "event.category": ["session"],
            "event.type": ["start"],
            "user.name": "root",
            "system.auth.pam.service": "cron",
        },
    ),
    (
        "Nov 25 21:48:00 bastion kernel: [12345.678] usb 1-1: new high-speed USB device number 2",
        {"process.name": "kernel", "message": "[12345.678] usb 1-1: new high-speed USB device number 2"},
    ),
    (
        "Nov 25 21:48:01 bastion dhclient[812]: bound to 10.1.2.44 -- renewal in 1800 seconds.",
        {"process.name": "dhclient", "process.pid": 812, "event.category": [], "event.kind": "event"},
    ),
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0][16:60] for c in CASES])
def test_hand_written_lines(line: str, expected: dict[str, object]) -> None:
    event = get_parser("linux-auth").parse(line, CTX)
    fields = ecs.flatten(event)
    assert {name: fields.get(name) for name in expected} == expected
    unknown = [name for name in fields if not ecs.is_known_field(name)]
    assert unknown == []


def test_timezone_applies_to_rfc3164_and_not_to_offsets() -> None:
    ctx = ParseContext(timezone=ZoneInfo("America/New_York"), year=2026)
    parser = get_parser("linux-auth")
    winter = parser.parse("Jan  5 08:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.", ctx)
    summer = parser.parse("Jul  5 08:00:00 h sshd[1]: Server listening on 0.0.0.0 port 22.", ctx)
    explicit = parser.parse("2026-07-05T08:00:00+02:00 h sshd[1]: Server listening on 0.0.0.0 port 22.", ctx)
    assert winter["@timestamp"] == "2026-01-05T13:00:00.000Z"
    assert summer["@timestamp"] == "2026-07-05T12:00:00.000Z"
    assert explicit["@timestamp"] == "2026-07-05T06:00:00.000Z"


def test_year_inference_puts_future_moments_in_the_previous_year() -> None:
    read_on = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert infer_year(12, 31, 23, 59, 0, 0, UTC, now=read_on).year == 2026
    assert infer_year(1, 5, 8, 0, 0, 0, UTC, now=read_on).year == 2027
    assert infer_year(1, 6, 8, 0, 0, 0, UTC, now=read_on).year == 2027  # clock skew of hours, not a year
    assert infer_year(2, 29, 8, 0, 0, 0, UTC, now=read_on).year == 2024
    now = datetime.now(UTC)
    today = get_parser("linux-auth").parse(now.strftime("%b %d %H:%M:%S") + " h sshd[1]: x", ParseContext())
    assert today["@timestamp"].startswith(f"{now.year}-{now.month:02d}-{now.day:02d}")


def test_garbage_is_an_error_not_an_event() -> None:
    with pytest.raises(ParseError, match="syslog"):
        get_parser("linux-auth").parse("this is not syslog", CTX)


def test_sniffing_claims_auth_lines_only() -> None:
    parser = get_parser("linux-auth")
    assert parser.sniff_line(CASES[0][0])
    assert parser.sniff_line(CASES[3][0])
    assert parser.sniff_line("2026-11-25T21:40:52Z host sudo:  alice : TTY=pts/0 ; PWD=/ ; USER=root ; COMMAND=/x")
    firewall = [
        "<166>Nov 25 21:40:52 asa01 : %ASA-6-302013: Built inbound TCP connection 1 for outside:1.2.3.4/5 (1.2.3.4/5)",
        "Nov 25 21:40:52 gw kernel: [UFW BLOCK] IN=eth0 OUT= SRC=1.2.3.4 DST=10.0.0.1 PROTO=TCP SPT=1 DPT=22",
        "<134>Nov 25 21:40:52 filterlog[72237]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,1,0,none,6,tcp,60",
        "Nov 25 21:40:52 PA-220 1,2026/11/25 21:40:52,0128,TRAFFIC,end,2049,2026/11/25 21:40:52,10.0.0.1",
        'Nov 25 21:40:52 10.0.0.1 id=firewall sn=0017C5 time="2026-11-25 21:40:52" fw=1.2.3.4 pri=6 m=98',
    ]
    assert [line for line in firewall if parser.sniff_line(line)] == []
    assert parser.priority > 100  # vendor-specific formats (default priority 100) are tried first


def _parse_shared(path: Path) -> tuple[list[dict[str, object]], Stats]:
    stats = Stats()
    events = list(parse_files(expand([path]), "linux-auth", ParseContext(timezone=UTC, year=2026), stats))
    return events, stats


@pytest.mark.shared_data
def test_loghub_openssh_every_line_is_one_clean_event(shared_data: Path) -> None:
    path = shared_data / "endpoint/loghub/OpenSSH/OpenSSH_2k.log"
    raw = path.read_text("utf-8").splitlines()
    events, stats = _parse_shared(path)
    assert (len(events), stats.failures) == (len(raw), 0)
    assert all(ecs.get(e, "process.name") == "sshd" for e in events)
    login = re.compile(r"(Accepted|Failed) (\w+) for (invalid user )?(\S+) from ([\d.]+) port (\d+)")
    checked = 0
    for line, event in zip(raw, events, strict=True):
        assert ecs.get(event, "event.original") == line
        if m := login.search(line):
            outcome = "success" if m[1] == "Accepted" else "failure"
            got = [
                ecs.get(event, f) for f in ("event.action", "event.outcome", "user.name", "source.ip", "source.port")
            ]
            assert got == ["ssh_login", outcome, m[4], m[5], int(m[6])], line
            assert ecs.get(event, "system.auth.ssh.method") == m[2]
            checked += 1
        elif " rhost=" in line and "authentication failure" in line:
            rhost = line.split(" rhost=", 1)[1].split()[0]
            assert ecs.get(event, "event.outcome") == "failure", line
            assert (ecs.get(event, "source.ip") or ecs.get(event, "source.domain")) == rhost
            checked += 1
    assert checked > 900
    assert events[0]["@timestamp"].startswith("2026-12-10T06:55:46")


@pytest.mark.shared_data
def test_loghub_linux_every_line_is_one_event(shared_data: Path) -> None:
    path = shared_data / "endpoint/loghub/Linux/Linux_2k.log"
    raw = path.read_text("utf-8").splitlines()
    events, stats = _parse_shared(path)
    assert (len(events), stats.failures) == (len(raw), 0)
    opened = re.compile(r"(\w+)\(pam_unix\)\[(\d+)\]: session opened for user (\S+)")
    failure = re.compile(r"(\w+)\(pam_unix\)\[(\d+)\]: authentication failure;.* rhost=(\S*)(?:\s+user=(\S+))?")
    seen = {"opened": 0, "failure": 0}
    for line, event in zip(raw, events, strict=True):
        assert ecs.get(event, "host.hostname") == "combo"
        if m := opened.search(line):
            assert [ecs.get(event, f) for f in ("process.name", "process.pid", "user.name", "event.type")] == [
                m[1],
                int(m[2]),
                m[3],
                ["start"],
            ], line
            seen["opened"] += 1
        elif m := failure.search(line):
            assert ecs.get(event, "event.outcome") == "failure", line
            assert ecs.get(event, "user.name") == m[4], line
            assert ecs.get(event, "process.name") == m[1]
            seen["failure"] += 1
    assert seen["opened"] > 100 and seen["failure"] > 400


@pytest.mark.shared_data
def test_sniffing_leaves_every_real_firewall_line_alone(shared_data: Path) -> None:
    parser = get_parser("linux-auth")
    files = sorted((shared_data / "firewall").rglob("*.log"))
    lines = [line for path in files for line in path.read_text("utf-8", "replace").splitlines() if line.strip()]
    assert len(lines) > 300
    assert [line for line in lines if parser.sniff_line(line)] == []


@pytest.mark.shared_data
def test_sniffing_claims_the_auth_lines_of_loghub(shared_data: Path) -> None:
    parser = get_parser("linux-auth")
    lines = (shared_data / "endpoint/loghub/OpenSSH/OpenSSH_2k.log").read_text("utf-8").splitlines()
    assert all(parser.sniff_line(line) for line in lines)
