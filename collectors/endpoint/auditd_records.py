"""One Linux audit record line → its type, event key and decoded fields.

Format (``/var/log/audit/audit.log``, also behind a syslog header or
``node=``)::

    type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes … exe="/usr/bin/grep"
    type=EXECVE msg=audit(1492037291.036:59): argc=3 a0="grep" a1=2D2D636F6C6F72 a2="mapping"
    type=USER_LOGIN msg=audit(…): pid=1 uid=0 auid=1000 ses=1 msg='op=login id=1000 exe="/usr/sbin/sshd" res=success'

Reference: Red Hat, "Understanding Audit Log Files"; audit-userspace's field
table. Values are ``"quoted"``, bare, or — for strings with spaces, quotes or
control bytes — hex (``exe=2F7573…``); those are decoded. The ``msg='…'`` of
user-space records is parsed into the same field map (a USER_AVC's
``avc:  denied { … } for`` too, as for a kernel AVC). ``log_format=ENRICHED``
appends, after a ``0x1d`` byte, the names auditd resolved (``UID="root"``);
they are kept under their upper-case keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from collectors.endpoint.auditd_tables import ENCODED_FIELDS
from secops.errors import ParseError

_HEADER = re.compile(
    r"(?:^|\s)(?:node=(?P<node>\S+)\s+)?type=(?P<type>[A-Za-z0-9_]+(?:\[\d+\])?)\s+(?:msg=)?"
    r"audit\((?P<sec>\d+)\.(?P<ms>\d+):(?P<serial>\d+)\):?\s?"
)
_PAIR = re.compile(r"([A-Za-z_][\w\-]*(?:\[\d+\])?)=(\"[^\"]*\"|'[^']*'|\S*)")
_AVC = re.compile(r"^avc:\s+(?P<result>\w+)\s+\{\s*(?P<perms>[^}]*?)\s*\}\s+for\s+")
_ARG = re.compile(r"a\d+(?:\[\d+\])?\Z")
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2})+\Z")


@dataclass(frozen=True, slots=True)
class Record:
    type: str
    key: tuple[str, str]
    """(node, ``seconds.millis:serial``): the records of one event share it."""
    seconds: int
    millis: int
    serial: int
    node: str
    fields: dict[str, Any]


def parse_record(line: str) -> Record:
    """Parse one line; raise ``ParseError`` when it is not an audit record."""
    header = _HEADER.search(line)
    if header is None:
        raise ParseError("not an audit record (no type=… msg=audit(…))")
    body, _, enriched = line[header.end() :].partition("\x1d")
    record_type = header["type"]
    fields: dict[str, Any] = {}
    _pairs(_avc(body, fields), fields, record_type)
    for match in _PAIR.finditer(enriched):
        fields[match.group(1)] = _unquote(match.group(2))
    node = header["node"] or ""
    stamp = f"{header['sec']}.{header['ms']}:{header['serial']}"
    return Record(
        record_type, (node, stamp), int(header["sec"]), int(header["ms"]), int(header["serial"]), node, fields
    )


def _avc(body: str, fields: dict[str, Any]) -> str:
    """``avc:  denied  { read } for …``: the verdict and permissions, and the rest to read as pairs."""
    avc = _AVC.match(body)
    if avc is None:
        return body
    fields.setdefault("seresult", avc["result"])
    fields.setdefault("seperms", avc["perms"].split())
    return body[avc.end() :]


def _pairs(body: str, fields: dict[str, Any], record_type: str) -> None:
    execve = record_type == "EXECVE"
    for match in _PAIR.finditer(body):
        key, raw = match.group(1), match.group(2)
        if key == "msg" and raw.startswith("'"):
            inner: dict[str, Any] = {}
            _pairs(_avc(raw[1:-1], inner), inner, record_type)  # USER_AVC: the AVC is inside msg='…'
            for inner_key, value in inner.items():
                fields.setdefault(inner_key, value)
            continue
        fields[key] = _value(key, raw, execve)


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def _value(key: str, raw: str, execve: bool) -> Any:
    if raw[:1] in ('"', "'"):
        return _unquote(raw)
    if raw == "(null)":
        return None
    if (key in ENCODED_FIELDS or (execve and _ARG.match(key))) and _HEX.match(raw):
        return decode_hex(raw)
    return raw


def decode_hex(raw: str) -> str:
    """Hex-encoded untrusted bytes → text; invalid UTF-8 stays visible as ``\\xNN``."""
    return bytes.fromhex(raw).decode("utf-8", "backslashreplace")
