"""``auditd``: what a record says about accounts, outcomes, sockets and arguments, and only that.

Records are written here in the kernel's and auditd's format
(``log_format=ENRICHED`` appends the resolved names after a 0x1d byte).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

from endpoint_support import run

from secops import ecs


def events_of(tmp_path: Path, *lines: str) -> list[dict]:
    log = tmp_path / "audit.log"
    log.write_text("\n".join(lines) + "\n")
    events, stats = run([log], fmt="auditd")
    assert stats.failures == 0
    for event in events:
        assert [f for f in ecs.flatten(event) if not ecs.is_known_field(f)] == []
    return events


def test_auparse_unknown_placeholder_is_no_name(tmp_path: Path) -> None:
    (event,) = events_of(
        tmp_path,
        "type=SYSCALL msg=audit(1714644500.000:950): arch=c000003e syscall=59 success=yes exit=0 items=1 ppid=1 "
        'pid=9 auid=1000 uid=1234 gid=1234 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=2 comm="x" '
        'exe="/usr/bin/x" key="k"\x1dARCH=x86_64 SYSCALL=execve AUID="alice" UID="unknown(1234)" '
        'GID="unknown(1234)" EUID="root" SUID="root" FSUID="root" EGID="root" SGID="root" FSGID="root"',
        'type=PATH msg=audit(1714644500.000:950): item=0 name="/usr/bin/x" inode=7 dev=fd:01 mode=0100755 '
        'ouid=4321 ogid=0 rdev=00:00 nametype=NORMAL\x1dOUID="unknown(4321)" OGID="root"',
        "type=EOE msg=audit(1714644500.000:950): ",
    )
    assert event["user"]["id"] == "1234" and "name" not in event["user"]
    assert event["user"]["group"] == {"id": "1234"}
    assert event["user"]["effective"]["name"] == "root" and event["related"]["user"] == ["root"]
    assert "owner" not in event["file"] and event["file"]["group"] == "root"
    assert event["auditd"]["log"]["UID"] == "unknown(1234)"  # the record itself stays as written


def test_enriched_id_names_the_account(tmp_path: Path) -> None:
    login, added, group = events_of(
        tmp_path,
        "type=USER_LOGIN msg=audit(1714644100.000:300): pid=700 uid=0 auid=1000 ses=5 msg='op=login id=1000 "
        'exe="/usr/sbin/sshd" hostname=203.0.113.9 addr=203.0.113.9 terminal=/dev/pts/1 res=success\''
        '\x1dUID="root" AUID="alice" ID="alice"',
        "type=ADD_USER msg=audit(1714644101.000:301): pid=701 uid=0 auid=1000 ses=5 msg='op=add-user id=1001 "
        'exe="/usr/sbin/useradd" hostname=? addr=? terminal=pts/0 res=success\'\x1dUID="root" AUID="alice" ID="bob"',
        "type=ADD_GROUP msg=audit(1714644102.000:302): pid=702 uid=0 auid=1000 ses=5 msg='op=add-group id=1001 "
        'exe="/usr/sbin/groupadd" hostname=? addr=? terminal=pts/0 res=success\'\x1dUID="root" AUID="alice" ID="bob"',
    )
    assert login["user"] == {"id": "1000", "name": "alice"} and login["related"]["user"] == ["alice"]
    assert added["user"]["name"] == "alice" and added["user"]["target"] == {"id": "1001", "name": "bob"}
    assert added["related"]["user"] == ["alice", "bob"]
    assert group["group"] == {"id": "1001"}  # ID= is the gid read as a uid there: no group name from it


def test_a_user_space_avc_verdict_is_the_outcome(tmp_path: Path) -> None:
    user_avc = (
        "type=USER_AVC msg=audit(1714644101.000:{serial}): pid=1 uid=0 auid=4294967295 ses=4294967295 "
        "subj=system_u:system_r:init_t:s0 msg='avc:  {verdict}  {{ status }} for auid=1000 uid=0 gid=0 "
        'path="/usr/lib/systemd/system/x.service" cmdline="/bin/systemctl status x" '
        "scontext=unconfined_u:unconfined_r:unconfined_t:s0 tcontext=system_u:object_r:systemd_unit_file_t:s0 "
        'tclass=service  exe="/usr/lib/systemd/systemd" sauid=0 hostname=? addr=? terminal=?\''
    )
    denied, granted, kernel = events_of(
        tmp_path,
        user_avc.format(serial=301, verdict="denied"),
        user_avc.format(serial=302, verdict="granted"),
        'type=AVC msg=audit(1714644103.000:303): avc:  denied  { read } for  pid=4 comm="cat" name="shadow" '
        'dev="dm-0" ino=9 scontext=user_u:user_r:user_t:s0 tcontext=system_u:object_r:shadow_t:s0 tclass=file '
        "permissive=0",
        "type=EOE msg=audit(1714644103.000:303): ",
    )
    assert denied["event"]["outcome"] == "failure" and granted["event"]["outcome"] == "success"
    assert denied["auditd"]["log"]["seperms"] == ["status"] and denied["auditd"]["log"]["tclass"] == "service"
    assert kernel["event"]["outcome"] == "failure" and kernel["auditd"]["log"]["seperms"] == ["read"]


def sockaddr_in6(port: int, address: str) -> str:
    """A ``struct sockaddr_in6`` as SOCKADDR's hex: family (host order), port, flow info, address, scope."""
    return (b"\x0a\x00" + port.to_bytes(2, "big") + bytes(4) + ipaddress.IPv6Address(address).packed + bytes(4)).hex()


def test_an_ipv4_mapped_peer_is_ipv4_throughout(tmp_path: Path) -> None:
    connect = (
        "type=SYSCALL msg=audit(1714644200.200:{serial}): arch=c000003e syscall=42 success=yes exit=0 a0=3 items=0 "
        'ppid=1 pid=52 auid=1000 uid=1000 gid=1000 euid=1000 tty=pts0 ses=2 comm="nc" exe="/usr/bin/nc" key="net"'
    )
    mapped, native = events_of(
        tmp_path,
        connect.format(serial=402),
        f"type=SOCKADDR msg=audit(1714644200.200:402): saddr={sockaddr_in6(8080, '::ffff:198.51.100.7').upper()}",
        "type=EOE msg=audit(1714644200.200:402): ",
        connect.format(serial=403),
        f"type=SOCKADDR msg=audit(1714644200.200:403): saddr={sockaddr_in6(443, '2001:db8::7')}",
        "type=EOE msg=audit(1714644200.200:403): ",
    )
    assert mapped["network"] == {"type": "ipv4"} and mapped["destination"] == {"ip": "198.51.100.7", "port": 8080}
    assert mapped["auditd"]["log"]["socket"]["family"] == "ipv6"  # the struct's own family stays visible
    assert native["network"] == {"type": "ipv6"} and native["destination"] == {"ip": "2001:db8::7", "port": 443}


def test_missing_arguments_are_not_made_up(tmp_path: Path) -> None:
    syscall = (
        "type=SYSCALL msg=audit(1714644300.000:{serial}): arch=c000003e syscall=59 success=yes exit=0 items=1 "
        'ppid=1 pid=2 auid=1000 uid=1000 gid=1000 euid=1000 tty=pts0 ses=1 comm="x" exe="/bin/x" key={key}'
    )
    short, gap, whole = events_of(
        tmp_path,
        syscall.format(serial=500, key="(null)"),
        'type=EXECVE msg=audit(1714644300.000:500): argc=3 a0="x" a1="y"',
        "type=EOE msg=audit(1714644300.000:500): ",
        syscall.format(serial=501, key='"exec"'),
        'type=EXECVE msg=audit(1714644300.000:501): argc=3 a0="x" a2="z"',
        "type=EOE msg=audit(1714644300.000:501): ",
        syscall.format(serial=502, key='"exec"'),
        'type=EXECVE msg=audit(1714644300.000:502): argc=3 a0="x" a1="" a2="z"',
        "type=EOE msg=audit(1714644300.000:502): ",
    )
    assert short["process"]["args"] == ["x", "y"] and short["process"]["args_count"] == 2
    assert short["process"]["command_line"] == "x y"
    assert short["tags"] == ["_auditd_execve_args_missing"] and short["auditd"]["log"]["argc"] == "3"
    assert gap["process"]["args"] == ["x"] and gap["tags"] == ["exec", "_auditd_execve_args_missing"]
    assert whole["process"]["args"] == ["x", "", "z"] and whole["tags"] == ["exec"]  # an empty argument is one
    assert "argc" not in whole["auditd"]["log"]
