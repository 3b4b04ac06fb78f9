"""The records of one audit event (same serial) → one ECS event, like Elastic's auditd integration.

The primary record (SYSCALL, AVC, USER_LOGIN …) gives the actor and the
outcome; EXECVE rebuilds ``process.args``/``process.command_line``, CWD the
working directory, PATH the file (relative names resolved against CWD),
SOCKADDR the peer address, PROCTITLE ``process.title``. Ids become
``user.*``/``user.effective.*``/``user.group.*``; names come only from what the
record itself carries (``log_format=ENRICHED`` names, ``acct=``), never from
this machine's passwd file. Every raw field stays under ``auditd.log``.
"""

from __future__ import annotations

import ipaddress
import posixpath
from datetime import UTC, datetime
from typing import Any, TypeGuard

from collectors.endpoint import auditd_tables as t
from collectors.endpoint.auditd_records import Record
from collectors.endpoint.auditd_syscalls import SYSCALLS
from secops import ecs
from secops.types import Event

UNSET_ID = "4294967295"
"""(u32)-1: an id that was never set (e.g. ``auid`` of a daemon)."""
ARGS_MISSING = "_auditd_execve_args_missing"
"""Tag of an event whose EXECVE records hold fewer arguments than ``argc`` (kept in ``auditd.log.argc``):
``process.args`` has those before the first missing one."""

_IAM_TYPES = ("ADD_", "DEL_", "USER_MGMT", "GRP_", "CHGRP_", "USER_CHAUTHTOK", "CHUSER_ID", "ROLE_")
_CREDENTIALS = (
    ("uid", "UID", "user.id", "user.name"),
    ("euid", "EUID", "user.effective.id", "user.effective.name"),
    ("gid", "GID", "user.group.id", "user.group.name"),
    ("egid", "EGID", "user.effective.group.id", "user.effective.group.name"),
    ("suid", "SUID", "process.saved_user.id", "process.saved_user.name"),
    ("sgid", "SGID", "process.saved_group.id", "process.saved_group.name"),
)


def to_ecs(records: list[Record]) -> Event:
    # The first stand-alone record says what happened (AVC, USER_LOGIN, SYSCALL …); a SYSCALL
    # record, when there is one, says which process did it.
    primary = next((r for r in records if r.type not in t.SECONDARY_TYPES), records[0])
    syscall_record = next((r for r in records if r.type == "SYSCALL"), None)
    fields = dict(primary.fields)
    if syscall_record is not None and syscall_record is not primary:
        for key, value in syscall_record.fields.items():
            fields.setdefault(key, value)
    moment = datetime.fromtimestamp(primary.seconds, UTC).replace(microsecond=primary.millis * 1000)
    log: dict[str, Any] = {"record_type": primary.type, "sequence": primary.serial}
    log.update((k, v) for k, v in fields.items() if v is not None)
    event: Event = {
        "@timestamp": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{primary.millis:03d}Z",
        "event": {"kind": "event", "module": "auditd", "dataset": "auditd.log"},
        "auditd": {"log": log},
    }
    if primary.node:
        event["host"] = {"name": primary.node}
    types = [r.type for r in records]
    if len(types) > 1:
        log["record_types"] = types
    syscall = _syscall(fields, log)
    _classify(event, primary.type, syscall)
    _outcome(event, fields)
    _process(event, fields)
    _actor(event, "SYSCALL" if syscall_record is not None else primary.type, fields)
    _source(event, fields)
    cwd = None
    for record in records:
        if record.type == "CWD" and record.fields.get("cwd"):
            cwd = record.fields["cwd"]
            _put(event, "process.working_directory", cwd)
    _execve([r for r in records if r.type == "EXECVE"], event)
    _paths([r.fields for r in records if r.type == "PATH"], cwd, event, log)
    for record in records:
        if record.type == "PROCTITLE" and record.fields.get("proctitle"):
            title = record.fields["proctitle"].replace("\x00", " ").strip()
            _put(event, "process.title", title)
            log["proctitle"] = title
        elif record.type == "SOCKADDR" and record.fields.get("saddr"):
            _sockaddr(record.fields["saddr"], syscall, event, log)
    rule_keys = fields.get("key")
    if isinstance(rule_keys, str) and rule_keys:  # several rule keys are joined by 0x01
        event["tags"] = [k for k in rule_keys.split("\x01") if k] + event.get("tags", [])
    _RELATED.fill(event)
    return event


_RELATED = ecs.Related(
    {
        "user": ("user.name", "user.effective.name", "user.target.name"),
        "ip": ("source.ip", "destination.ip"),
    }
)
"""``related.*``: the accounts (the login user, the effective one, the one acted on) and addresses."""


def _put(event: Event, path: str, value: Any) -> None:
    node = event
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _syscall(fields: dict[str, Any], log: dict[str, Any]) -> str | None:
    arch = t.ARCHITECTURES.get(str(fields.get("arch", "")).lower())
    if arch:
        log["arch"] = arch
    number = fields.get("syscall")
    if not isinstance(number, str):
        return None
    if number.isdecimal():
        name = SYSCALLS.get(arch or "", {}).get(int(number))
        if name:
            log["syscall"] = name
        return name
    return number  # already a name (auditd's interpreted output)


def _classify(event: Event, record_type: str, syscall: str | None) -> None:
    found = t.SYSCALL_CLASSES.get(syscall or "") if record_type == "SYSCALL" else t.RECORD_CLASSES.get(record_type)
    meta = event["event"]
    if found:
        meta["category"], meta["type"], meta["action"] = list(found[0]), list(found[1]), found[2]
    else:
        meta["category"], meta["type"] = [], ["info"]
        meta["action"] = (syscall if record_type == "SYSCALL" and syscall else record_type).lower()


def _outcome(event: Event, fields: dict[str, Any]) -> None:
    success, result = fields.get("success"), fields.get("res") or fields.get("result")
    verdict = None
    if success in ("yes", "no"):
        verdict = success == "yes"
    elif isinstance(result, str) and result.lower() in ("success", "1", "failed", "0", "fail"):
        verdict = result.lower() in ("success", "1")
    elif fields.get("seresult") in ("denied", "granted"):
        verdict = fields["seresult"] == "granted"
    elif isinstance(fields.get("apparmor"), str):
        verdict = fields["apparmor"].upper() not in ("DENIED", "AUDIT_DENIED")
    if verdict is not None:
        event["event"]["outcome"] = "success" if verdict else "failure"


def _process(event: Event, fields: dict[str, Any]) -> None:
    for key, path in (("pid", "process.pid"), ("ppid", "process.parent.pid")):
        value = fields.get(key)
        if isinstance(value, str) and value.isdecimal():
            _put(event, path, int(value))
    exe = fields.get("exe")
    if isinstance(exe, str) and exe not in ("?", ""):
        _put(event, "process.executable", exe)
    comm = fields.get("comm")
    name = comm if isinstance(comm, str) and comm not in ("?", "") else None
    if name is None and isinstance(exe, str) and exe.startswith("/"):
        name = posixpath.basename(exe)
    if name:
        _put(event, "process.name", name)


def _actor(event: Event, record_type: str, fields: dict[str, Any]) -> None:
    """Who acted: the credentials of a syscall, or the account a user-space record names."""
    user_space = record_type != "SYSCALL" and (
        "acct" in fields or record_type.startswith(t.STANDALONE_PREFIXES) or record_type == "LOGIN"
    )
    if not user_space:
        for id_key, name_key, id_path, name_path in _CREDENTIALS:
            _id_and_name(event, fields, id_key, name_key, id_path, name_path)
        return
    _id_and_name(event, fields, "uid", "UID", "process.user.id", "process.user.name")
    account, account_id = fields.get("acct"), fields.get("id")
    group_record = "GRP" in record_type or "GROUP" in record_type
    if not _known(account) and not group_record:  # ENRICHED ``ID=``: the name of ``id=``, resolved as a uid
        account = fields.get("ID")  # (also on group records, where it is a gid: not used there)
    if record_type.startswith(_IAM_TYPES):
        target = "group" if group_record else "user.target"
        _id_and_name(event, fields, "auid", "AUID", "user.id", "user.name")
        if _known(account):
            _put(event, f"{target}.name", account)
        if _known(account_id):
            _put(event, f"{target}.id", account_id)
        return
    if _known(account):
        _put(event, "user.name", account)
    if _known(account_id):
        _put(event, "user.id", account_id)
    elif not _known(account):
        _id_and_name(event, fields, "auid", "AUID", "user.id", "user.name")


def _known(value: object) -> TypeGuard[str]:
    """A value that says something: not a placeholder, nor auparse's ``unknown(1234)`` for an unresolved id."""
    return (
        isinstance(value, str)
        and value not in ("", "?", "(unknown)", "unset", UNSET_ID)
        and not (value.startswith("unknown(") and value.endswith(")"))
    )


def _id_and_name(
    event: Event, fields: dict[str, Any], id_key: str, name_key: str, id_path: str, name_path: str
) -> None:
    if _known(fields.get(id_key)):
        _put(event, id_path, fields[id_key])
        if _known(fields.get(name_key)):
            _put(event, name_path, fields[name_key])


def _source(event: Event, fields: dict[str, Any]) -> None:
    address, hostname = fields.get("addr"), fields.get("hostname")
    ip = _ip(address) if isinstance(address, str) else None
    if ip:
        _put(event, "source.ip", ip)
    if _known(hostname) and hostname != address and _ip(hostname) is None:
        _put(event, "source.domain", hostname)


def _ip(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _execve(records: list[Record], event: Event) -> None:
    """``argc=3 a0="ls" a1=…``, long ones split as ``a1_len=… a1[0]=… a1[1]=…``, maybe over several records."""
    if not records:
        return
    values: dict[str, Any] = {}
    for record in records:
        values.update(record.fields)
    argc = values.get("argc")
    count = min(int(argc), len(values)) if isinstance(argc, str) and argc.isdecimal() else 0  # argc is untrusted
    args = []
    for index in range(count or 1_000_000):
        key = f"a{index}"
        if key in values:
            args.append(values[key] or "")
        elif f"{key}[0]" in values:
            parts, part = [], 0
            while f"{key}[{part}]" in values:
                parts.append(values[f"{key}[{part}]"] or "")
                part += 1
            args.append("".join(parts))
        else:  # a lost record: what follows would be out of place, and nothing is made up
            break
    if args:
        _put(event, "process.args", args)
        _put(event, "process.args_count", len(args))
        _put(event, "process.command_line", " ".join(args))
    if isinstance(argc, str) and argc.isdecimal() and len(args) < int(argc):
        event.setdefault("tags", []).append(ARGS_MISSING)
        event["auditd"]["log"]["argc"] = argc


def _paths(paths: list[dict[str, Any]], cwd: str | None, event: Event, log: dict[str, Any]) -> None:
    if not paths:
        return
    log["paths"] = [{k: v for k, v in p.items() if v is not None} for p in paths]
    chosen = next((p for p in paths if p.get("nametype") not in ("PARENT",) and p.get("name")), None)
    if chosen is None:
        return
    name = chosen["name"]
    if not name.startswith("/") and cwd:
        name = posixpath.normpath(posixpath.join(cwd, name))
    _put(event, "file.path", name)
    _put(event, "file.name", posixpath.basename(name))
    for key, path in (("inode", "file.inode"), ("dev", "file.device"), ("ouid", "file.uid"), ("ogid", "file.gid")):
        if _known(chosen.get(key)):
            _put(event, path, chosen[key])
    for key, path in (("OUID", "file.owner"), ("OGID", "file.group")):
        if _known(chosen.get(key)):
            _put(event, path, chosen[key])
    mode = chosen.get("mode")
    if isinstance(mode, str) and mode.isdecimal():
        _put(event, "file.mode", mode[-4:].rjust(4, "0"))


def _sockaddr(saddr: str, syscall: str | None, event: Event, log: dict[str, Any]) -> None:
    """Decode a hex ``struct sockaddr``: family (host order), then port and address (network order)."""
    try:
        raw = bytes.fromhex(saddr)
    except ValueError:
        return
    if len(raw) < 2:
        return
    family = int.from_bytes(raw[:2], "little")
    info: dict[str, Any] = {}
    if family == 2 and len(raw) >= 8:
        info = {"family": "ipv4", "port": int.from_bytes(raw[2:4], "big"), "addr": str(ipaddress.IPv4Address(raw[4:8]))}
    elif family == 10 and len(raw) >= 24:
        ip6 = ipaddress.IPv6Address(raw[8:24])
        info = {"family": "ipv6", "port": int.from_bytes(raw[2:4], "big"), "addr": str(ip6.ipv4_mapped or ip6)}
    elif family == 1:
        path = raw[2:].split(b"\x00", 1)[0] if raw[2:3] != b"\x00" else b"@" + raw[3:].split(b"\x00", 1)[0]
        info = {"family": "unix", "path": path.decode("utf-8", "backslashreplace")}
    elif family == 16:
        info = {"family": "netlink"}
    else:
        info = {"family": str(family)}
    log["socket"] = info  # family: the struct's (AF_INET6 for ::ffff:a.b.c.d, whose address is unwrapped)
    if "addr" not in info:
        return
    _put(event, "network.type", "ipv6" if ":" in info["addr"] else "ipv4")  # as the address ECS gets
    side = "destination" if syscall in t.DESTINATION_SYSCALLS else "source" if syscall in t.SOURCE_SYSCALLS else None
    if side:
        _put(event, f"{side}.ip", info["addr"])
        _put(event, f"{side}.port", info["port"])
