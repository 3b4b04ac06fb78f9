"""ArcSight Common Event Format (CEF), alone or after a syslog header.

Sample::

    <134>Feb 12 10:10:10 fw01 CEF:0|Elastic|Vaporware|1.0.0-alpha|18|Web request|low|eventId=3457
    requestMethod=POST proto=TCP src=6.7.8.9 spt=33876 dst=192.168.10.1 dpt=443 request=https://www.example.com/cart

Seven ``|``-separated header fields (``\\|`` and ``\\\\`` escaped), then an
extension of ``key=value`` pairs where values may hold spaces and ``\\=``.
Short keys are expanded to their full dictionary names under
``cef.extensions.*`` (as Elastic's CEF decoder stores them) and the
well-known ones mapped to ECS the way that decoder does. Custom strings
keep their labels (``cs1Label``). A syslog header's host is
``observer.hostname`` unless ``dvchost`` names the device; its time is
``@timestamp`` when there is no ``rt``.

Reference: Micro Focus "Implementing ArcSight CEF", revision 25 (extension dictionary).
"""

from __future__ import annotations

import re

from collectors.firewall import net
from collectors.syslog_header import parse_header
from collectors.syslog_time import device_timestamp
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "cef.log"

FULL_NAMES: dict[str, str] = {
    "act": "deviceAction", "app": "applicationProtocol", "cat": "deviceEventCategory", "cnt": "baseEventCount",
    "dhost": "destinationHostName", "dmac": "destinationMacAddress", "dntdom": "destinationNtDomain",
    "dpid": "destinationProcessId", "dpriv": "destinationUserPrivileges", "dproc": "destinationProcessName",
    "dpt": "destinationPort", "dst": "destinationAddress", "dtz": "deviceTimeZone", "duid": "destinationUserId",
    "duser": "destinationUserName", "dvc": "deviceAddress", "dvchost": "deviceHostName", "dvcmac": "deviceMacAddress",
    "dvcpid": "deviceProcessId", "end": "endTime", "fname": "fileName", "fsize": "fileSize", "in": "bytesIn",
    "msg": "message", "out": "bytesOut", "outcome": "eventOutcome", "proto": "transportProtocol",
    "request": "requestUrl", "rt": "deviceReceiptTime", "shost": "sourceHostName", "smac": "sourceMacAddress",
    "sntdom": "sourceNtDomain", "spid": "sourceProcessId", "spriv": "sourceUserPrivileges",
    "sproc": "sourceProcessName", "spt": "sourcePort", "src": "sourceAddress", "start": "startTime",
    "suid": "sourceUserId", "suser": "sourceUserName", "agt": "agentAddress", "ahost": "agentHostName",
    "aid": "agentId", "art": "agentReceiptTime", "at": "agentType", "av": "agentVersion", "dlat": "destinationLatitude",
    "dlong": "destinationLongitude", "slat": "sourceLatitude", "slong": "sourceLongitude", "type": "type",
    "externalId": "externalId", "reason": "reason",
}  # fmt: skip
FULL_NAMES |= {f"cs{i}": f"deviceCustomString{i}" for i in range(1, 7)}
FULL_NAMES |= {f"cn{i}": f"deviceCustomNumber{i}" for i in range(1, 4)}
FULL_NAMES |= {f"cfp{i}": f"deviceCustomFloatingPoint{i}" for i in range(1, 5)}
FULL_NAMES |= {f"c6a{i}": f"deviceCustomIPv6Address{i}" for i in range(1, 5)}
FULL_NAMES |= {f"cs{i}Label": f"deviceCustomString{i}Label" for i in range(1, 7)}
# full extension name → ECS field
ECS_FIELDS: dict[str, str] = {
    "sourceAddress": "source.ip", "sourcePort": "source.port", "sourceHostName": "source.domain",
    "sourceMacAddress": "source.mac", "sourceUserName": "source.user.name", "sourceUserId": "source.user.id",
    "sourceTranslatedAddress": "source.nat.ip", "sourceTranslatedPort": "source.nat.port",
    "destinationAddress": "destination.ip", "destinationPort": "destination.port",
    "destinationHostName": "destination.domain", "destinationMacAddress": "destination.mac",
    "destinationUserName": "destination.user.name", "destinationUserId": "destination.user.id",
    "destinationTranslatedAddress": "destination.nat.ip", "destinationTranslatedPort": "destination.nat.port",
    "bytesIn": "source.bytes", "bytesOut": "destination.bytes", "deviceAction": "event.action",
    "deviceHostName": "observer.hostname", "deviceAddress": "observer.ip", "deviceExternalId": "observer.name",
    "deviceInboundInterface": "observer.ingress.interface.name",
    "deviceOutboundInterface": "observer.egress.interface.name", "requestUrl": "url.original",
    "requestMethod": "http.request.method", "requestClientApplication": "user_agent.original",
    "fileName": "file.name", "filePath": "file.path", "fileSize": "file.size", "fileHash": "file.hash.sha256",
    "deviceProcessName": "process.name", "message": "message", "applicationProtocol": "network.protocol",
}  # fmt: skip
_INTEGER = frozenset(("source.port", "destination.port", "source.nat.port", "destination.nat.port", "source.bytes"))
_INTEGER |= {"destination.bytes", "file.size"}
_IP = frozenset(("source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip", "observer.ip"))
_KEY = re.compile(r"[\w.\[\]-]+")
_FIELD = r"([^|\\]*(?:\\.[^|\\]*)*)"
_HEADER = re.compile(rf"{_FIELD}\|" * 6 + rf"{_FIELD}(?:\|(.*))?", re.DOTALL)
"""Seven header fields, each ending at a ``|`` no backslash escapes (``\\|`` is a backslash, then the bar)."""
_UNESCAPE = re.compile(r"\\(.)")
_SEVERITY = {"low": 3, "medium": 6, "high": 8, "very-high": 10, "unknown": 0}
_OUTCOME = {"success": "success", "failure": "failure", "succeeded": "success", "failed": "failure"}
_DIRECTION = {"0": "inbound", "1": "outbound"}


@register
class CefParser(LineParser):
    """CEF from any vendor; vendor-specific fields stay under ``cef.extensions``."""

    name = "cef"
    dataset = DATASET
    priority = 80  # generic: after the vendor formats

    def sniff_line(self, line: str) -> bool:
        return "CEF:" in line and line.count("|") >= 6

    def parse(self, line: str, ctx: ParseContext) -> Event:
        at = line.find("CEF:")
        if at < 0:
            raise ParseError("no CEF: marker")
        found = _HEADER.match(line, at + 4)
        if found is None:
            raise ParseError(f"CEF header has {line.count('|', at) + 1} of 7 fields")
        *head, extension = found.groups()
        version, vendor, product, dev_version, class_id, name, severity = (_unescape(p) for p in head)
        ext = extensions(extension) if extension else {}
        event: Event = {
            "event": {"kind": "event", "category": [], "type": ["info"], "code": class_id},
            "observer": {"vendor": vendor, "product": product, "version": dev_version},
            "cef": {
                "version": version,
                "name": name,
                "severity": severity,
                "device": {"vendor": vendor, "product": product, "version": dev_version, "event_class_id": class_id},
                "extensions": ext,
            },
            "message": name,
        }
        level = severity.lower()
        if severity.isdecimal():
            event["event"]["severity"] = int(severity)
        elif level in _SEVERITY:
            event["event"]["severity"] = _SEVERITY[level]
        for key, value in ext.items():
            target = ECS_FIELDS.get(key)
            if target is not None:
                _put(event, target, value)
        _special(event, ext, ctx)
        if at:  # a syslog header: its host names the device unless dvchost does, whether or not rt is set
            header = parse_header(line[:at], ctx)
            if header.timestamp and "@timestamp" not in event:
                event["@timestamp"] = header.timestamp
            if header.hostname:
                event["observer"].setdefault("hostname", header.hostname)
        return event


def extensions(text: str) -> dict[str, str]:
    """The extension's pairs with short keys expanded and custom fields labelled.

    A key is a word followed by ``=`` at the start of a space-separated
    token; everything up to the next key is the value (values may hold
    spaces, and ``\\=``).
    """
    raw: dict[str, str] = {}
    key: str | None = None
    value: list[str] = []
    for token in text.split(" "):
        name, sep, rest = token.partition("=")
        if sep and name and (name.isalnum() or _KEY.fullmatch(name)):
            if key is not None:
                raw[key] = _clean(value)
            key, value = name, [rest]
        elif key is not None:
            value.append(token)
    if key is not None:
        raw[key] = _clean(value)
    out: dict[str, str] = {}
    for name, found in raw.items():
        if name.endswith("Label") and name[:-5] in raw:
            continue
        label = raw.get(name + "Label")
        full = FULL_NAMES.get(name, name)
        out[full] = found
        if label:
            out[full + "Label"] = label
    return out


def _clean(parts: list[str]) -> str:
    value = " ".join(parts).rstrip()
    return _unescape(value) if "\\" in value else value


def _unescape(value: str) -> str:
    if "\\" not in value:
        return value
    return _UNESCAPE.sub(lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), value)


def _put(event: Event, target: str, value: str) -> None:
    if not value:  # "duser= app=ssl": a key written with nothing after it sets no ECS field
        return
    if target in _INTEGER:
        number = net.integer(value)
        if number is not None:
            ecs.put(event, target, number)
    elif target in _IP:
        if net.ip(value):
            ecs.put(event, target, value)
    elif target.endswith(".mac"):
        ecs.put(event, target, value.replace(":", "-").upper())
    else:
        ecs.put(event, target, value)


def _special(event: Event, ext: dict[str, str], ctx: ParseContext) -> None:
    proto = ext.get("transportProtocol")
    if proto:
        ecs.put(event, "network.transport", net.transport(proto))
    direction = _DIRECTION.get(ext.get("deviceDirection", ""))
    if direction:
        ecs.put(event, "network.direction", direction)
    outcome = _OUTCOME.get(ext.get("eventOutcome", "").lower())
    if outcome:
        event["event"]["outcome"] = outcome
    for key, target in (("deviceReceiptTime", "@timestamp"), ("startTime", "event.start"), ("endTime", "event.end")):
        if key in ext:
            stamp = device_timestamp(ext[key], ctx)
            if stamp:
                ecs.put(event, target, stamp)
    if "source" in event or "destination" in event:
        event["event"]["category"] = ["network"]
        net.RELATED_ENDPOINTS.fill(event)
