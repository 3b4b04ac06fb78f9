"""Converters from Windows EventData values to ECS fields, for the tables in ``winlog_tables``.

Each converter is named in the tables (``text``, ``ip``, ``account``,
``hashes``, ``registry``…) and builds, once, a small setter closure that
writes one value into an event: the path is split when the tables are
compiled, not per record, as the ``evtx`` hot path runs these for every field.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextlib import suppress
from functools import lru_cache
from typing import Any

from collectors.endpoint import winlog_tables as t
from collectors.endpoint.winargv import split_command_line
from collectors.firewall.net import IANA_PROTOCOLS
from secops.types import Event

Op = Callable[[Event, Any], None]


def _setter(path: str) -> Callable[[Event, Any], None]:
    """A fast writer for one dotted field (the path is split once, not per event)."""
    *parents, leaf = path.split(".")
    if len(parents) == 1:
        (top,) = parents

        def put_2(event: Event, value: Any) -> None:
            node = event.get(top)
            if node is None:
                event[top] = {leaf: value}
            else:
                node[leaf] = value

        return put_2

    def put(event: Event, value: Any) -> None:
        node = event
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[leaf] = value

    return put


def _present(value: str) -> bool:
    return value != "-" and value != ""


def _text(target: str) -> Op:
    *parents, leaf = target.split(".")
    if len(parents) == 1:
        (top,) = parents

        # ``_setter``'s two-level writer inlined: most EventData fields take this path, once per event.
        def op_2(ev: Event, v: Any) -> None:
            if v != "-" and v:
                node = ev.get(top)
                if node is None:
                    ev[top] = {leaf: v}
                else:
                    node[leaf] = v

        return op_2
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        if v != "-" and v:
            put(ev, v)

    return op


def _fallback(target: str) -> Op:
    """Set a field only when no other mapping has (e.g. the subject when a logon names no target)."""
    *parents, leaf = target.split(".")
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        if v == "-" or not v:
            return
        node: Any = ev
        for part in parents:
            node = node.get(part)
            if node is None:
                break
        if node is None or leaf not in node:
            put(ev, v)

    return op


def _number(target: str, base: int) -> Op:
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        with suppress(ValueError):
            put(ev, int(v, base) if base == 16 and v[:2] in ("0x", "0X") else int(v))

    return op


def _port(target: str) -> Op:
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        if v.isdecimal():
            put(ev, int(v))

    return op


@lru_cache(maxsize=65536)
def clean_ip(value: str) -> str | None:
    """A valid IP as ECS stores it (IPv4-mapped IPv6 unwrapped), or None for ``-``/garbage."""
    try:
        address = ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _ip(target: str) -> Op:
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        ip = clean_ip(v)
        if ip is not None:
            put(ev, ip)

    return op


def _basename(path: str) -> str:
    return path[max(path.rfind("\\"), path.rfind("/")) + 1 :]


def _exe(prefix: str) -> Op:
    put_exe, put_name = _setter(prefix + ".executable"), _setter(prefix + ".name")

    def op(ev: Event, v: Any) -> None:
        if _present(v):
            put_exe(ev, v)
            put_name(ev, _basename(v))

    return op


def _path(prefix: str) -> Op:
    put_path, put_name = _setter(prefix + ".path"), _setter(prefix + ".name")
    put_dir, put_ext = _setter(prefix + ".directory"), _setter(prefix + ".extension")

    def op(ev: Event, v: Any) -> None:
        if not _present(v):
            return
        put_path(ev, v)
        name = _basename(v)
        put_name(ev, name)
        if len(name) < len(v):
            put_dir(ev, v[: len(v) - len(name) - 1])
        dot = name.rfind(".")
        if 0 < dot < len(name) - 1:
            put_ext(ev, name[dot + 1 :])

    return op


def _account(prefix: str) -> Op:
    put_name, put_domain = _setter(prefix + ".name"), _setter(prefix + ".domain")

    def op(ev: Event, v: Any) -> None:
        if not _present(v):
            return
        domain, sep, name = v.partition("\\")
        if not sep:
            put_name(ev, v)
            return
        if domain:
            put_domain(ev, domain)
        if name:
            put_name(ev, name)

    return op


def _iana_protocol(ev: Event, v: Any) -> None:
    """An IANA protocol number (``6``) → ``network.iana_number`` and ``network.transport`` (``tcp``)."""
    if not (v.isascii() and v.isdecimal()):
        return
    network = ev.setdefault("network", {})
    network["iana_number"] = v
    name = IANA_PROTOCOLS.get(v)
    if name is not None:
        network["transport"] = name


def _dn_name(target: str) -> Op:
    """``CN=Smith\\, John,OU=Staff,DC=corp`` → ``Smith, John``: the first RDN's value when it is a CN."""
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        if v[:3].upper() != "CN=":
            return
        out, i, n = [], 3, len(v)
        while i < n and v[i] != ",":
            if v[i] == "\\" and i + 1 < n:
                i += 1
            out.append(v[i])
            i += 1
        name = "".join(out).strip()
        if name:
            put(ev, name)

    return op


def _command_line(prefix: str) -> Op:
    put_cmd, put_args = _setter(prefix + ".command_line"), _setter(prefix + ".args")
    put_count = _setter(prefix + ".args_count")

    def op(ev: Event, v: Any) -> None:
        if not _present(v):
            return
        put_cmd(ev, v)
        args = split_command_line(v)
        if args:
            put_args(ev, args)
            put_count(ev, len(args))

    return op


_HASH_FIELDS = {name: ("hash", name) for name in ("md5", "sha1", "sha256", "sha384", "sha512", "ssdeep", "tlsh")}
_HASH_FIELDS["imphash"] = ("pe", "imphash")
"""Algorithm names → where ECS keeps the digest; any other name (hostile text) makes no field."""


def _hashes(prefix: str) -> Op:
    """``SHA1=…,MD5=…,IMPHASH=…`` (Sysmon) → ``<prefix>.hash.*`` and ``<prefix>.pe.imphash``."""

    def op(ev: Event, v: Any) -> None:
        for item in v.split(","):
            algo, sep, digest = item.partition("=")
            found = _HASH_FIELDS.get(algo.strip().lower()) if sep else None
            digest = digest.strip()
            if found is None or not digest:
                continue
            group, leaf = found
            ev.setdefault(prefix, {}).setdefault(group, {})[leaf] = digest.lower()

    return op


_HIVES = {
    "HKLM": "HKLM",
    "HKEY_LOCAL_MACHINE": "HKLM",
    "HKU": "HKU",
    "HKEY_USERS": "HKU",
    "HKCR": "HKCR",
    "HKEY_CLASSES_ROOT": "HKCR",
    "HKCU": "HKCU",
    "HKEY_CURRENT_USER": "HKCU",
    "HKCC": "HKCC",
    "HKEY_CURRENT_CONFIG": "HKCC",
}


def _registry(with_value: bool) -> Op:
    def op(ev: Event, v: Any) -> None:
        if not _present(v):
            return
        reg = ev.setdefault("registry", {})
        reg["path"] = v
        hive, _, rest = v.partition("\\")
        if hive.upper() in _HIVES:
            reg["hive"] = _HIVES[hive.upper()]
        else:
            rest = v
        if with_value:
            key, _, value = rest.rpartition("\\")
            reg["value"] = value
            if key:
                reg["key"] = key
        elif rest:
            reg["key"] = rest

    return op


def _registry_data(ev: Event, v: Any) -> None:
    """Sysmon's ``Details``: ``DWORD (0x00000001)``, ``QWORD (0x…-0x…)``, ``Binary Data`` or a string."""
    if not _present(v):
        return
    data = ev.setdefault("registry", {}).setdefault("data", {})
    if v.startswith("DWORD (0x") and v.endswith(")"):
        data["type"] = "SZ_DWORD"
        data["strings"] = [str(int(v[9:-1], 16))] if _is_hex(v[9:-1]) else [v]
    elif v.startswith("QWORD (0x") and v.endswith(")"):
        high, _, low = v[9:-1].partition("-0x")
        joined = high + low.rjust(8, "0")
        data["type"] = "SZ_QWORD"
        data["strings"] = [str(int(joined, 16))] if _is_hex(joined) else [v]
    elif v == "Binary Data":
        data["type"] = "REG_BINARY"
    else:
        data["type"] = "SZ"
        data["strings"] = [v]


def _is_hex(text: str) -> bool:
    return bool(text) and all(c in "0123456789abcdefABCDEF" for c in text)


def _choice(target: str, table: dict[str, str], *, default_raw: bool) -> Op:
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        found = table.get(v) or table.get(v.lower())
        if found is not None:
            put(ev, found)
        elif default_raw and _present(v):
            put(ev, v)

    return op


def _bool(target: str) -> Op:
    put = _setter(target)

    def op(ev: Event, v: Any) -> None:
        low = v.lower()
        if low in ("true", "false"):
            put(ev, low == "true")

    return op


def _signature_status(prefix: str) -> Op:
    """Sysmon's ``SignatureStatus`` (WinVerifyTrust's verdict) → ``status`` and what it says.

    ``Valid``: the signature matches and chains to a trusted root (``valid``, ``trusted``);
    ``Unavailable``: nothing was verified (no signature), so neither is set, as ECS asks;
    anything else (``Expired``, ``Revoked`` …): the check failed (``valid: false``, as Winlogbeat).
    """
    put_status, put_valid, put_trusted = (_setter(f"{prefix}.{leaf}") for leaf in ("status", "valid", "trusted"))

    def op(ev: Event, v: Any) -> None:
        if not _present(v):
            return
        put_status(ev, v)
        if v == "Valid":
            put_valid(ev, True)
            put_trusted(ev, True)
        elif v != "Unavailable":
            put_valid(ev, False)

    return op


_DNS_TYPES = {"1": "A", "2": "NS", "5": "CNAME", "6": "SOA", "12": "PTR", "15": "MX", "16": "TXT", "28": "AAAA"}


def _dns_answers(ev: Event, v: Any) -> None:
    """``type:  5 name;::ffff:10.0.0.1;`` (Sysmon 22) → ``dns.answers`` and ``dns.resolved_ip``."""
    answers, ips = [], []
    for item in v.split(";"):
        item = item.strip()
        if not item or item == "-":
            continue
        if item.startswith("type:"):
            code, _, name = item[5:].strip().partition(" ")
            answers.append({"type": _DNS_TYPES.get(code, code), "data": name.strip()})
        elif (ip := clean_ip(item)) is not None:
            ips.append(ip)
            answers.append({"type": "AAAA" if ":" in ip else "A", "data": ip})
    dns = ev.setdefault("dns", {})
    if answers:
        dns["answers"] = answers
    if ips:
        dns["resolved_ip"] = ips


def _powershell_context(ev: Event, v: Any) -> None:
    """4103's ``ContextInfo``: ``Host Application = …`` lines, the classic keys with spaces."""
    apply_powershell_details(ev, (line.partition("=") for line in v.splitlines()), spaced=True)


def apply_powershell_details(ev: Event, pairs: Any, *, spaced: bool = False) -> None:
    """Map ``Key=Value`` details of PowerShell events onto ``powershell.*``/``process.*``."""
    for key, sep, value in pairs:
        if not sep:
            continue
        name = key.replace(" ", "") if spaced else key
        # Case-blind: 4103 writes ``Host ID``/``Runspace ID`` where classic events write ``HostId``.
        found = _POWERSHELL_OPS.get(name.strip().lower())
        if found is not None:
            found(ev, value.strip())


CONVERTERS: dict[str, Callable[[str], Op]] = {
    "text": _text,
    "fallback": _fallback,
    "int": lambda target: _number(target, 10),
    "hex": lambda target: _number(target, 16),
    "port": _port,
    "ip": _ip,
    "sid": _text,
    "exe": _exe,
    "path": _path,
    "account": _account,
    "dn_name": _dn_name,
    "iana_protocol": lambda _target: _iana_protocol,
    "wfp_direction": lambda target: _choice(target, t.WFP_DIRECTIONS, default_raw=False),
    "command_line": _command_line,
    "hashes": _hashes,
    "registry": lambda _target: _registry(with_value=False),
    "registry_value": lambda _target: _registry(with_value=True),
    "registry_data": lambda _target: _registry_data,
    "lower": lambda target: (lambda put: lambda ev, v: put(ev, v.lower()) if _present(v) else None)(_setter(target)),
    "direction": lambda target: _choice(target, {"true": "egress", "false": "ingress"}, default_raw=False),
    "ip_version": lambda target: _choice(target, {"true": "ipv6", "false": "ipv4"}, default_raw=False),
    "bool": _bool,
    "signature_status": _signature_status,
    "dns_answers": lambda _target: _dns_answers,
    "logon_type": lambda target: _choice(target, t.LOGON_TYPES, default_raw=False),
    "ntstatus": lambda target: _choice(target, t.NTSTATUS, default_raw=True),
    "failure_reason": lambda target: _choice(target, t.FAILURE_REASONS, default_raw=True),
    "powershell_context": lambda _target: _powershell_context,
}

_POWERSHELL_OPS = {key.lower(): CONVERTERS[kind](target) for key, (target, kind) in t.POWERSHELL_FIELDS.items()}
