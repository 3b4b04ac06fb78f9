"""``zeek``: Zeek logs, TSV (with its ``#fields`` header) or JSON, mapped to ECS.

TSV logs start with a header that gives the separator, the set separator,
the unset and empty markers, the log's ``#path`` and its ``#fields`` and
``#types``; every data line is then read against that header, so the
header is state and this is a stream parser. A TSV value escapes what would
break the line as ``\\xNN`` (the separator, a backslash, a value that reads as
the unset marker, and non-ASCII bytes unless Zeek writes UTF-8). JSON logs
carry one object per line with the same field names (``"id.orig_h"``), ``ts``
as epoch seconds, milliseconds or ISO 8601, and the log type in ``_path`` when
Zeek was told to write it (otherwise it comes from the file name when that
names a standard log, then from the fields).
Sample::

    #fields ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service ...
    1300475167.096535 CHhAvVGS1DHFjwGM9 141.142.220.202 5353 224.0.0.251 5353 udp dns ...

conn, dns, http, ssl, files, notice, x509 and weird get their ECS mapping
(``zeek_map``), others keep their fields under ``zeek.<path>.*``.
Reference: https://docs.zeek.org/en/master/logs/index.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from collectors.packet.zeek_map import log_type, map_record
from secops import ecs
from secops.inputs import iter_lines
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

KNOWN_TYPES = {
    "ts": "time", "id.orig_p": "port", "id.resp_p": "port", "duration": "interval", "rtt": "interval",
    "orig_bytes": "count", "resp_bytes": "count", "orig_pkts": "count", "resp_pkts": "count",
    "orig_ip_bytes": "count", "resp_ip_bytes": "count", "missed_bytes": "count", "trans_id": "count",
    "trans_depth": "count", "request_body_len": "count", "response_body_len": "count", "status_code": "count",
    "qtype": "count", "qclass": "count", "rcode": "count", "seen_bytes": "count", "total_bytes": "count",
    "local_orig": "bool", "local_resp": "bool", "AA": "bool", "TC": "bool", "RD": "bool", "RA": "bool",
    "rejected": "bool", "resumed": "bool", "established": "bool", "answers": "vector[string]",
    "TTLs": "vector[interval]", "tunnel_parents": "set[string]", "Z": "count", "info_code": "count",
    "p": "port", "depth": "count", "missing_bytes": "count", "overflow_bytes": "count", "is_orig": "bool",
    "timedout": "bool", "suppress_for": "interval", "certificate.version": "count",
    "certificate.not_valid_before": "time", "certificate.not_valid_after": "time", "certificate.key_length": "count",
    "tx_hosts": "set[addr]", "rx_hosts": "set[addr]", "conn_uids": "set[string]", "uids": "set[string]",
    "analyzers": "set[string]", "tags": "set[enum]", "proxied": "set[string]", "actions": "set[enum]",
    "orig_fuids": "vector[string]", "orig_filenames": "vector[string]", "orig_mime_types": "vector[string]",
    "resp_fuids": "vector[string]", "resp_filenames": "vector[string]", "resp_mime_types": "vector[string]",
    "san.dns": "vector[string]", "san.uri": "vector[string]", "san.email": "vector[string]", "san.ip": "vector[addr]",
    "cert_chain_fps": "vector[string]", "client_cert_chain_fps": "vector[string]", "msg_types": "vector[string]",
}  # fmt: skip
"""Types of the standard logs' fields, for a log whose header is a plain line of column names."""


class Header:
    """The state a TSV log's ``#`` lines set."""

    def __init__(self) -> None:
        self.sep = "\t"
        self.set_sep = ","
        self.unset = "-"
        self.empty = "(empty)"
        self.path = ""
        self.fields: list[str] = []
        self.types: list[str] = []

    def directive(self, line: str) -> None:
        if line.startswith("#separator"):
            value = line[len("#separator") :].strip()
            if value.startswith("\\x") and len(value) == 4 and all(c in "0123456789abcdefABCDEF" for c in value[2:]):
                value = chr(int(value[2:], 16))
            self.sep = value if len(value) == 1 else "\t"
            return
        name, _, value = line[1:].partition(self.sep)
        if name == "set_separator":
            self.set_sep = value
        elif name == "unset_field":
            self.unset = value
        elif name == "empty_field":
            self.empty = value
        elif name == "path":
            self.path = value
        elif name == "fields":
            self.fields = value.split(self.sep)
        elif name == "types":
            self.types = value.split(self.sep)

    def columns(self, line: str) -> None:
        """Take a plain line of field names; types come from what the standard logs declare."""
        self.fields = line.split(self.sep)
        self.types = [KNOWN_TYPES.get(name, "string") for name in self.fields]

    def record(self, line: str) -> tuple[dict[str, Any], list[str]]:
        """The line's fields by name, and the names of those whose value does not fit its type (kept as text)."""
        values = line.split(self.sep)
        if len(values) != len(self.fields):
            raise ValueError(f"{len(values)} values for {len(self.fields)} fields")
        out: dict[str, Any] = {}
        odd: list[str] = []
        for name, kind, value in zip(self.fields, self.types or ["string"] * len(values), values, strict=True):
            if value == self.unset:
                continue
            try:
                out[name] = self._convert(kind, value)
            except ValueError:
                out[name] = value
                odd.append(name)
        if "\\x" in line:
            for name, value in out.items():
                if isinstance(value, str):
                    out[name] = _unescape(value)
                elif isinstance(value, list):
                    out[name] = [_unescape(v) if isinstance(v, str) else v for v in value]
        return out, odd

    def _convert(self, kind: str, value: str) -> Any:
        if kind.startswith(("set[", "vector[")):
            if value == self.empty:
                return []
            inner = kind[kind.index("[") + 1 : -1]
            return [_scalar(inner, v) for v in value.split(self.set_sep)]
        if value == self.empty:
            return ""
        return _scalar(kind, value)


ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")


def _unescape(value: str) -> str:
    """Zeek's ``\\xNN`` escapes read back (a separator, a backslash, a literal ``-``, UTF-8 written
    byte by byte); control bytes and broken UTF-8 stay ``\\xNN``, as Zeek's JSON writer keeps them."""
    return ESCAPES.sub(_decode_run, value) if "\\x" in value else value


def _decode_run(found: re.Match[str]) -> str:
    text = bytes.fromhex(found.group().replace("\\x", "")).decode("utf-8", "backslashreplace")
    return "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)


def _scalar(kind: str, value: str) -> Any:
    if kind in ("count", "int", "port"):
        return int(value)
    if kind in ("time", "interval", "double"):
        return float(value)
    if kind == "bool":
        return value == "T"
    return value


def _json_record(line: str) -> dict[str, Any]:
    """One JSON record; a field written as ``null`` (``LogAscii::json_include_unset_fields``) is unset."""
    record = orjson.loads(line)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    if "null" in line:
        return {name: value for name, value in record.items() if value is not None}
    return record


ZEEK_IDS = ('"uid"', '"uids"', '"fuid"', '"conn_uids"', '"fingerprint"')


def _looks_like_json_log(line: str) -> bool:
    """A Zeek JSON record: a ``ts`` and a connection uid, file id or certificate fingerprint, and either the
    connection's ``id.orig_h`` or ``ts`` as its first field, as Zeek writes it (after ``_path`` if written).
    Logs without a connection (x509, dhcp, files before Zeek 5) have no ``id.orig_h``."""
    text = line.lstrip()
    if not text.startswith("{") or '"ts"' not in text or not any(key in text for key in ZEEK_IDS):
        return False
    return '"id.orig_h"' in text or text.startswith(('{"ts":', '{"_path":'))


@register
class ZeekParser(StreamParser):
    """Zeek TSV and JSON logs."""

    name = "zeek"
    dataset = "zeek.connection"
    priority = 30

    def sniff_file(self, head: bytes, path: Path | None) -> bool:
        if head.startswith(b"#separator") or b"\n#separator " in head[:4096] or b"\n#fields\t" in head[:4096]:
            return True
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        return _looks_like_json_log(first)

    def sniff_line(self, line: str) -> bool:
        return _looks_like_json_log(line)

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        header = Header()
        from_name = Path(source.name.rsplit("!", 1)[-1]).name.split(".", 1)[0]
        with source.open() as fh:
            for number, record in enumerate(iter_lines(fh)):
                line = record.text
                if record.truncated:
                    failure = ecs.parse_failure(line, "zeek: record too long, cut", dataset="zeek.connection")
                    yield Parsed(failure, line, number)
                    continue
                if line.startswith("#"):
                    header.directive(line)
                    continue
                if not header.fields and not line.startswith("{"):
                    # zeek-cut output: a first line of column names instead of the # header.
                    header.columns(line)
                    continue
                yield Parsed(self._event(line, header, from_name), line, number)

    def _event(self, line: str, header: Header, from_name: str) -> Event:
        try:
            odd: list[str] = []
            if header.fields and not line.startswith("{"):
                record, odd = header.record(line)
                path = log_type(record, header.path, from_name)
            else:
                record = _json_record(line)
                path = log_type(record, str(record.pop("_path", "")), from_name)
            event = map_record(path, record, odd)
        # A hostile or damaged line may fail in any way; it is kept as a failure event.
        except Exception as exc:  # noqa: BLE001
            return ecs.parse_failure(line, f"zeek: {type(exc).__name__}: {exc}", dataset="zeek.connection")
        return event
