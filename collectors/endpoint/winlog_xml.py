"""``winlog-xml``: Windows events as XML, from ``wevtutil qe … /f:xml`` or Event Viewer's "Save as XML".

``wevtutil`` writes ``<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">``
elements one after another with no root; Event Viewer wraps them in
``<Events>`` (often UTF-16 with a byte-order mark) and adds ``<RenderingInfo>``
with the rendered message, level, task and keyword names::

    <Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
    <Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-…}"/><EventID>4624</EventID>
    … </System><EventData><Data Name="TargetUserName">alice</Data>…</EventData></Event>

Reference: https://learn.microsoft.com/windows/win32/wes/eventschema-schema.
Parsed incrementally (lxml's pull parser under a synthetic root, each event
freed once mapped), so memory stays bounded on large exports. Each event goes
through the shared ``winlog_ecs`` mapping; its re-serialised XML is
``event.original``. XML damage is reported per event and parsing goes on.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree

from collectors.endpoint.winlog_ecs import to_ecs
from collectors.endpoint.winlog_record import PRIVATE_BASE, from_xml, local_name
from secops import ecs
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

DATASET = "windows.eventlog"
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"
READ_BYTES = 1 << 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#(?:x0*([0-9a-fA-F]{1,2})|0*([0-9]{1,2}));")
"""Control characters XML 1.0 forbids, raw or as character references: Windows writes them
(e.g. in PowerShell script text) and libxml2's recovery mode then silently garbles what follows."""


@register
class WinlogXmlParser(StreamParser):
    """Windows event XML exports (wevtutil, Event Viewer)."""

    name = "winlog-xml"
    dataset = DATASET
    priority = 20

    def sniff_file(self, head: bytes, path: Any) -> bool:
        text = _decode_head(head)
        start = text.lstrip("\ufeff \t\r\n")
        if start.startswith("<?xml"):
            start = start[start.find("?>") + 2 :].lstrip()
        return (start.startswith("<Events") or start.startswith("<Event ")) and EVENT_NS in text[:4096]

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        parser = etree.XMLPullParser(events=("end",), recover=True, huge_tree=False, resolve_entities=False)
        parser.feed("<secops-root>")
        position = 0
        errors_seen = 0
        with source.open() as fh:
            decoder: codecs.IncrementalDecoder | None = None
            first = True
            carry = ""
            while True:
                chunk = fh.read(READ_BYTES)
                if first:
                    decoder = codecs.getincrementaldecoder(_encoding(chunk))("replace")
                text = decoder.decode(chunk, final=not chunk) if decoder else ""
                if first:
                    text = _strip_declaration(text)
                    first = False
                text = carry + text
                carry = ""
                if chunk and (amp := text.rfind("&", len(text) - 12)) >= 0 and ";" not in text[amp:]:
                    text, carry = text[:amp], text[amp:]  # a character reference cut by the read
                if text:
                    parser.feed(_CONTROL.sub(_protect, text))
                else:
                    parser.feed("</secops-root>")
                for parsed in _events(parser, position):
                    yield parsed
                    position += 1
                errors = parser.error_log
                for error in list(errors)[errors_seen:]:
                    message = f"XML error at line {error.line}, column {error.column}: {error.message}"
                    yield Parsed(_failure(message), message, position)
                    position += 1
                errors_seen = len(errors)
                if not chunk:
                    break
        parser.close()


def _events(parser: Any, position: int) -> Iterator[Parsed]:
    for _action, element in parser.read_events():
        if local_name(element.tag) != "Event":
            continue
        raw = etree.tostring(element, encoding="unicode", with_tail=False)
        try:
            winlog, timestamp, level, message = from_xml(element)
            event = to_ecs(winlog, timestamp, level, message)
        # An export may hold any malformed event: it is kept as a failure event and the file goes on.
        except Exception as exc:  # noqa: BLE001
            event = _failure(f"winlog-xml: event not mappable: {type(exc).__name__}: {exc}")
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        yield Parsed(event, raw, position)
        position += 1


def _protect(match: re.Match[str]) -> str:
    """Map a forbidden control character into the private-use plane; ``winlog_record`` maps it back."""
    hex_code, dec_code = match.group(1), match.group(2)
    if hex_code is None and dec_code is None:
        return chr(PRIVATE_BASE + ord(match.group()))
    code = int(hex_code, 16) if hex_code is not None else int(dec_code)
    return chr(PRIVATE_BASE + code) if code < 32 and code not in (9, 10, 13) else match.group()


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    if head[:2] == b"<\x00":
        return "utf-16-le"
    if head[:2] == b"\x00<":
        return "utf-16-be"
    return "utf-8-sig"


def _decode_head(head: bytes) -> str:
    encoding = _encoding(head)
    usable = head[: len(head) - len(head) % 2] if encoding.startswith("utf-16") else head
    return usable.decode(encoding, "replace")


def _strip_declaration(text: str) -> str:
    """The ``<?xml …?>`` declaration cannot follow our synthetic root element."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2 :] if end >= 0 else ""
    return stripped


def _failure(message: str) -> Event:
    event = ecs.parse_failure("", message, dataset=DATASET)
    del event["message"]
    return event
