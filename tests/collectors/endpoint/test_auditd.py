"""``auditd``: records of one serial joined into one event, hex and split arguments decoded.

Hand-written records follow the kernel's format; the go-libaudit fixtures
(Apache-2.0) are read from ../shared/data.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from endpoint_support import failed, run

from collectors.endpoint.auditd import WINDOW


def hexed(text: str) -> str:
    return text.encode().hex().upper()


QUOTED_TAIL = hexed('"q"tail!')
TITLE = hexed("curl\x00-H\x00X-Token: ab cd")


INTERLEAVED = "\n".join(
    [
        "type=SYSCALL msg=audit(1714644000.100:700): arch=c000003e syscall=59 success=yes exit=0 a0=55d0 a1=55d1 "
        "a2=55d2 a3=8 items=2 ppid=4100 pid=4242 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 "
        'fsgid=0 tty=pts0 ses=3 comm="curl" exe="/usr/bin/curl" key="exec_watch"\x1dARCH=x86_64 SYSCALL=execve '
        'AUID="alice" UID="root" GID="root" EUID="root" SUID="root" FSUID="root" EGID="root" SGID="root" '
        'FSGID="root"',
        "type=SYSCALL msg=audit(1714644000.101:701): arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ffd "
        "a2=10 a3=0 items=0 ppid=1 pid=880 auid=4294967295 uid=101 gid=101 euid=101 suid=101 fsuid=101 egid=101 "
        'sgid=101 fsgid=101 tty=(none) ses=4294967295 comm="resolved" exe="/usr/lib/systemd/systemd-resolved" '
        "key=(null)",
        f'type=EXECVE msg=audit(1714644000.100:700): argc=4 a0="curl" a1={hexed("-H")} a2_len=24 '
        f'a2[0]={hexed("X-Token: ab cd")} a2[1]={QUOTED_TAIL} a3="http://192.0.2.7/p"',
        "type=SOCKADDR msg=audit(1714644000.101:701): saddr=02000035C0000235" + "0" * 16,
        'type=CWD msg=audit(1714644000.100:700): cwd="/home/alice/dl"',
        'type=PATH msg=audit(1714644000.100:700): item=0 name="/usr/bin/curl" inode=1311 dev=fd:01 mode=0100755 '
        'ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\x1dOUID="root" OGID="root"',
        "type=EOE msg=audit(1714644000.101:701): ",
        f"type=PROCTITLE msg=audit(1714644000.100:700): proctitle={TITLE}",
        "type=EOE msg=audit(1714644000.100:700): ",
    ]
)


def test_interleaved_serials_are_joined_and_arguments_decoded(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_text(INTERLEAVED + "\n")
    events, stats = run([log])  # auto must pick auditd for the whole file
    assert stats.failures == 0 and len(events) == 2
    connect, execve = events  # 701's EOE comes first
    assert connect["auditd"]["log"]["sequence"] == 701
    assert connect["auditd"]["log"]["record_types"] == ["SYSCALL", "SOCKADDR"]
    assert connect["destination"] == {"ip": "192.0.2.53", "port": 53}
    assert connect["event"]["action"] == "connected-to" and connect["user"]["id"] == "101"
    assert execve["auditd"]["log"]["record_types"] == ["SYSCALL", "EXECVE", "CWD", "PATH", "PROCTITLE"]
    assert execve["process"]["args"] == ["curl", "-H", 'X-Token: ab cd"q"tail!', "http://192.0.2.7/p"]
    assert execve["process"]["command_line"] == 'curl -H X-Token: ab cd"q"tail! http://192.0.2.7/p'
    assert execve["process"]["args_count"] == 4
    assert execve["process"]["title"] == "curl -H X-Token: ab cd"
    assert execve["process"]["working_directory"] == "/home/alice/dl"
    assert execve["process"]["executable"] == "/usr/bin/curl" and execve["process"]["parent"]["pid"] == 4100
    assert execve["user"]["id"] == "0" and execve["user"]["name"] == "root"
    assert execve["auditd"]["log"]["AUID"] == "alice" and execve["auditd"]["log"]["auid"] == "1000"
    assert execve["file"]["path"] == "/usr/bin/curl" and execve["file"]["owner"] == "root"
    assert execve["file"]["mode"] == "0755"
    assert execve["event"]["category"] == ["process"] and execve["event"]["outcome"] == "success"
    assert execve["tags"] == ["exec_watch"]
    assert execve["@timestamp"] == "2024-05-02T10:00:00.100Z"
    assert execve["event"]["original"].count("\n") == 4  # the five records of serial 700, EOE left out


def test_events_without_eoe_close_after_the_window(tmp_path: Path) -> None:
    first = "type=SYSCALL msg=audit(1714644001.000:1): arch=c000003e syscall=2 success=no exit=-13 pid=9 uid=1000"
    late = 'type=CWD msg=audit(1714644001.000:1): cwd="/srv"'
    account = "msg='op=PAM:accounting acct=\"bob\" res=success'"
    noise = [f"type=USER_ACCT msg=audit(1714644002.000:{n}): pid=1 uid=0 {account}" for n in range(2, 2 + WINDOW + 5)]
    within = tmp_path / "within.log"
    within.write_text("\n".join([first, *noise[: WINDOW - 1], late]) + "\n")
    events, _ = run([within], fmt="auditd")
    syscall = [e for e in events if e["auditd"]["log"]["sequence"] == 1]
    assert len(syscall) == 1 and syscall[0]["process"]["working_directory"] == "/srv"
    beyond = tmp_path / "beyond.log"
    beyond.write_text("\n".join([first, *noise, late]) + "\n")
    events, _ = run([beyond], fmt="auditd")
    assert len([e for e in events if e["auditd"]["log"]["sequence"] == 1]) == 2  # too late to join: kept, not lost
    assert [e["event"]["id"] for e in events] == [e["event"]["id"] for e in run([beyond], fmt="auditd")[0]]


def test_user_space_records_name_their_account(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_text(
        "type=USER_LOGIN msg=audit(1714644003.500:90): pid=700 uid=0 auid=4294967295 ses=4294967295 "
        'msg=\'op=login acct="mallory" exe="/usr/sbin/sshd" hostname=? addr=203.0.113.9 terminal=sshd res=failed\'\n'
        "type=ADD_USER msg=audit(1714644004.000:91): pid=800 uid=0 auid=1000 ses=2 "
        f"msg='op=add-user acct={hexed('svc backup')} exe=\"/usr/sbin/useradd\" res=success'"
        '\x1dUID="root" AUID="alice"\n'
    )
    events, stats = run([log], fmt="auditd")
    assert stats.failures == 0
    login, added = events
    assert login["user"] == {"name": "mallory"} and login["source"] == {"ip": "203.0.113.9"}
    assert login["event"]["outcome"] == "failure" and login["event"]["category"] == ["authentication"]
    assert added["user"] == {"id": "1000", "name": "alice", "target": {"name": "svc backup"}}
    assert added["event"]["type"] == ["user", "creation"]
    assert login["related"] == {"user": ["mallory"], "ip": ["203.0.113.9"]}
    assert added["related"] == {"user": ["alice", "svc backup"]}


@pytest.mark.shared_data
def test_go_libaudit_multi_record_fixtures(shared_data: Path, tmp_path: Path) -> None:
    fixtures = sorted((shared_data / "endpoint" / "auditd" / "go-libaudit" / "aucoalesce" / "testdata").glob("*.yaml"))
    assert fixtures
    seen = {}
    for fixture in fixtures:
        for name, text in yaml.safe_load(fixture.read_text())["tests"].items():
            log = tmp_path / "case.log"
            log.write_text(text)
            events, stats = run([log], fmt="auditd")
            types = [re.search(r"type=(\S+)", line).group(1) for line in text.splitlines() if line.strip()]
            assert stats.failures == 0, (fixture.name, name)
            assert len(events) == 1, (fixture.name, name)
            assert events[0]["auditd"]["log"].get("record_types", types[:1]) == [t for t in types if t != "EOE"]
            seen[name] = events[0]
    execve = seen["EXECVE"]
    assert execve["process"]["args"][0] == execve["process"]["name"] or execve["process"]["args"]
    assert execve["process"]["command_line"] == " ".join(execve["process"]["args"])
    rename = seen["rename syscall"]
    assert rename["event"]["action"] == "renamed" and rename["file"]["path"].startswith("/etc/audit/rules.d/")
    assert seen["connect syscall"]["destination"]["port"] > 0
    assert seen["USER_LOGIN failed ssh"]["event"]["outcome"] == "failure"
    assert seen["EXECVE with multiple keys"]["tags"] and len(seen["EXECVE with multiple keys"]["tags"]) >= 2


@pytest.mark.shared_data
def test_every_shared_audit_log_keeps_every_event(shared_data: Path) -> None:
    """Events = distinct (node, time:serial) keys; lines that are no audit record are kept as failures."""
    header = re.compile(r"(?:node=(\S+) )?type=\S+ msg=audit\((\d+\.\d+:\d+)\)")
    for path in sorted((shared_data / "endpoint" / "auditd").rglob("*.log")):
        keys, broken = set(), 0
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            match = header.search(line)
            if match:
                keys.add(match.groups())
            else:
                broken += 1
        events, stats = run([path], fmt="auditd")
        assert len([e for e in events if not failed(e)]) == len(keys), path.name
        assert stats.failures == broken, path.name
