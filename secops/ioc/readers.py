"""Reading indicator files: CSV with a header, plain lists, STIX 2.1 bundles, MISP JSON exports.

Every reader yields indicators and collects located problems (``file:line`` or
``file: record N``) for entries it cannot use; a bad entry never stops the
rest of the file. ``read`` picks the format from the content when asked for
``auto``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson

from secops.errors import InputError
from secops.ioc.model import HASH_LENGTHS, Indicator, IndicatorType, guess_type, make
from secops.types import Severity

FORMATS = ("auto", "csv", "list", "stix", "misp")

TYPE_NAMES: dict[str, IndicatorType | None] = {
    "ip": IndicatorType.IP,
    "ipv4": IndicatorType.IP,
    "ipv6": IndicatorType.IP,
    "ip-src": IndicatorType.IP,
    "ip-dst": IndicatorType.IP,
    "ipv4-addr": IndicatorType.IP,
    "ipv6-addr": IndicatorType.IP,
    "cidr": IndicatorType.NETWORK,
    "network": IndicatorType.NETWORK,
    "subnet": IndicatorType.NETWORK,
    "domain": IndicatorType.DOMAIN,
    "domain-name": IndicatorType.DOMAIN,
    "hostname": IndicatorType.DOMAIN,
    "fqdn": IndicatorType.DOMAIN,
    "url": IndicatorType.URL,
    "uri": IndicatorType.URL,
    "md5": IndicatorType.MD5,
    "sha1": IndicatorType.SHA1,
    "sha-1": IndicatorType.SHA1,
    "sha256": IndicatorType.SHA256,
    "sha-256": IndicatorType.SHA256,
    "hash": None,
    "filehash": None,
}
"""Type names feeds use → our types; ``None`` means "a hash, by its length"."""

VALUE_COLUMNS = ("value", "indicator", "ioc", "observable", "ip", "domain", "url", "hash")
TYPE_COLUMNS = ("type", "indicator_type", "ioc_type", "kind")
DESCRIPTION_COLUMNS = ("description", "comment", "comments", "note", "name", "title")
SEVERITY_COLUMNS = ("severity", "level", "threat_level", "confidence_level")
TAG_COLUMNS = ("tags", "tag", "labels", "malware", "threat")
REFERENCE_COLUMNS = ("reference", "references", "link", "source_url")
EXPIRY_COLUMNS = ("expires", "valid_until", "expiration")


@dataclass(slots=True)
class ReadResult:
    indicators: list[Indicator] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0
    """Entries deliberately left out (revoked, not for detection, of a type we do not match)."""


def type_of(name: str | None, value: str) -> IndicatorType | None:
    """A feed's type name (or, without one, the value's look) as our type."""
    if name:
        key = name.strip().lower()
        if key in TYPE_NAMES:
            kind = TYPE_NAMES[key]
            return kind if kind is not None else HASH_LENGTHS.get(len(value.strip()))
        return None
    return guess_type(value)


def parse_severity(text: str | None) -> Severity | None:
    if not text:
        return None
    word = text.strip().lower()
    aliases = {"info": "informational", "moderate": "medium", "crit": "critical"}
    word = aliases.get(word, word)
    return Severity(word) if word in {s.value for s in Severity} else None


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _first(row: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = row.get(name)
        if value:
            return value.strip()
    return None


def read_list(lines: Iterator[str], source: str, result: ReadResult) -> None:
    """One value per line; ``#`` starts a comment; the type is guessed from the value."""
    for number, line in enumerate(lines, 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        kind = guess_type(value)
        if kind is None:
            result.problems.append(f"{source}:{number}: not an IP, network, domain, URL or hash: {value[:80]!r}")
            continue
        result.indicators.append(make(kind, value, source))


def read_csv(text: io.TextIOBase, source: str, result: ReadResult) -> None:
    """A CSV (or tab-separated) file with a header naming at least a value column."""
    sample = text.read(8192)
    text.seek(0)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(text, dialect=dialect)
    reader.fieldnames = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if not any(h in VALUE_COLUMNS for h in reader.fieldnames):
        raise InputError(f"no value column in the header (one of: {', '.join(VALUE_COLUMNS)})", where=f"{source}:1")
    for row in _rows(reader, source, result):
        line = reader.line_num
        value = _first(row, VALUE_COLUMNS)
        if not value:
            result.problems.append(f"{source}:{line}: no value")
            continue
        kind = type_of(_first(row, TYPE_COLUMNS), value)
        if kind is None:
            result.problems.append(f"{source}:{line}: unknown indicator type for {value[:80]!r}")
            continue
        try:
            extra: dict[str, object] = {
                "description": _first(row, DESCRIPTION_COLUMNS),
                "tags": [t.strip() for t in (_first(row, TAG_COLUMNS) or "").replace(";", ",").split(",") if t.strip()],
                "references": (_first(row, REFERENCE_COLUMNS) or "").split(),
                "expires": parse_time(_first(row, EXPIRY_COLUMNS)),
            }
            severity = parse_severity(_first(row, SEVERITY_COLUMNS))
            if severity is not None:
                extra["severity"] = severity
            result.indicators.append(make(kind, value, source, **extra))
        except ValueError as exc:
            result.problems.append(f"{source}:{line}: {exc}")


def _rows(reader: csv.DictReader, source: str, result: ReadResult) -> Iterator[dict[str, str]]:
    """The reader's rows; a row it cannot read (a field past the csv limit) is a problem, the next is read."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            result.problems.append(f"{source}:{reader.reader.line_num}: {exc}")  # the DictReader lags on errors


def sniff(path: Path, head: bytes) -> str:
    """The format of an indicator file from its first bytes."""
    start = head.lstrip()
    if start[:1] in (b"{", b"["):
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", where=str(path)) from None
        if isinstance(data, dict) and data.get("type") == "bundle":
            return "stix"
        return "misp"
    first = next((ln for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()), "")
    header = {h.strip().lower() for h in first.replace("\t", ",").replace(";", ",").split(",")}
    return "csv" if header & set(VALUE_COLUMNS) and len(header) > 1 else "list"


def read(path: Path, fmt: str = "auto", *, source: str | None = None, include_all: bool = False) -> ReadResult:
    """Read an indicator file; ``include_all`` also takes MISP attributes not flagged for detection."""
    from secops.ioc import misp, stix

    name = source or path.name
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", where=str(path)) from None
    chosen = sniff(path, head) if fmt == "auto" else fmt
    result = ReadResult()
    if chosen in ("stix", "misp"):
        try:
            data = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise InputError(f"not valid JSON: {exc}", where=str(path)) from None
        if chosen == "stix":
            stix.read_bundle(data, name, result)
        else:
            misp.read_export(data, name, result, include_all=include_all)
        return result
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as text:
        if chosen == "csv":
            read_csv(text, name, result)
        elif chosen == "list":
            read_list(iter(text), name, result)
        else:
            raise InputError(f"unknown indicator format {chosen!r} (one of {', '.join(FORMATS)})", where=str(path))
    return result
