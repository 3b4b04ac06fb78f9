"""A Windows event's XML → Winlogbeat's ``winlog`` dict, by the rules the EVTX reader shares.

EVTX records arrive as the ``evtx`` library's JSON rendering and are read
natively (``collectors/native/src/winlog_record.rs``) by the same rules as the
XML here; the tests compare the two on every shared sample. Both renderings
carry the same ``<Event><System/><EventData/></Event>`` structure (Microsoft's
event schema,
https://learn.microsoft.com/windows/win32/wes/eventschema-schema). The
``evtx`` library renders GUIDs upper case without braces where Windows writes
``{…}``, types its JSON values, and keeps CR LF that XML parsers fold; the
helpers here normalise all of that so that a record gives the same
``winlog`` dict from either rendering, and the same as Winlogbeat's:

- unnamed ``<Data>`` elements become ``param1``, ``param2``, … (Winlogbeat's names) and,
  as a list, ``Data`` (the name Sigma rules use for them);
- values are strings, CR LF (and a lone CR) becomes LF as XML readers do,
  empty values are left out;
- a repeated element name (``UserData`` children) gets ``_1``, ``_2``… by
  occurrence, empty ones counted, as the library's JSON does;
- a repeated ``<Data Name="Dup">`` keeps its last value (an empty last one
  leaves none): the library's JSON writes the key twice and a JSON reader
  keeps the last, so that is what the XML rendering gives too (evtx 0.13
  ``binxml/compiled.rs``: named ``Data`` are written without the ``_N``
  suffix other elements get);
- provider/activity GUIDs get braces; GUID-typed data values become ``{lower}``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from collectors.endpoint.winlog_tables import KEYWORD_BITS, KNOWN_CHANNELS, LEVELS, OPCODES
from secops import ecs

_COMMON: dict[tuple[Any, Any, Any], dict[str, Any]] = {}
"""(Version, Opcode, Keywords) repeat endlessly: what they give is computed once."""
_GUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\Z")


def text_value(value: Any) -> str | None:
    """One EventData value as Winlogbeat writes it (string), or None when empty."""
    cls = value.__class__
    if cls is str:
        if not value:
            return None
        if len(value) == 36 and value[8] == "-" and _GUID.match(value):
            return "{" + value.lower() + "}"
        return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value
    if cls is int:
        return str(value)
    if cls is bool:
        return "true" if value else "false"
    if value is None:
        return None
    if cls is dict:
        return text_value(value.get("#text"))
    if cls is list:
        return ", ".join(s for s in map(text_value, value) if s) or None
    return str(value)


_CHANNELS = {name.lower(): name for name in KNOWN_CHANNELS}


def canonical_channel(name: str) -> str:
    """``security`` → ``Security``: the spelling Windows (and Sigma's pipelines) use."""
    return _CHANNELS.get(name.lower(), name)


def braced(guid: str) -> str:
    return guid if guid.startswith("{") else "{" + guid + "}"


def keyword_names(mask: int) -> list[str]:
    return [name for bit, name in KEYWORD_BITS if mask & bit]


def keywords_from_hex(text: str) -> list[str]:
    try:
        return keyword_names(int(text, 16))
    except ValueError:
        return []


def system_time(value: str) -> str | None:
    """``2021-12-04T21:19:16.7419951Z`` → an ECS timestamp (µs, or ms when that is exact)."""
    if len(value) >= 20 and value[10] == "T" and value[-1] == "Z" and value[19] in ".Z":
        frac = (value[20:-1] + "000000")[:6]
        if frac.isdecimal():
            return f"{value[:19]}.{frac[:3] if frac.endswith('000') else frac}Z"
    try:
        return ecs.format_ts(datetime.fromisoformat(value))
    except ValueError:
        return None


def _common(winlog: dict[str, Any], version: Any, opcode: Any, keywords: Any) -> None:
    key = (version, opcode, keywords)
    found = _COMMON.get(key)
    if found is None:
        if len(_COMMON) > 4096:  # hostile files could hold endless distinct combinations
            _COMMON.clear()
        found = _COMMON[key] = _common_fields(version, opcode, keywords)
    if found:
        winlog.update(found)
        if "keywords" in found:
            winlog["keywords"] = list(found["keywords"])


def _common_fields(version: Any, opcode: Any, keywords: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if version is not None and str(version).isdecimal():
        out["version"] = int(version)
    if opcode is not None and OPCODES.get(str(opcode)):
        out["opcode"] = OPCODES[str(opcode)]
    names = keywords_from_hex(str(keywords)) if keywords else []
    if names:
        out["keywords"] = names
    return out


def _execution(winlog: dict[str, Any], pid: Any, tid: Any) -> None:
    process: dict[str, Any] = {}
    if pid is not None and (pid.__class__ is int or str(pid).isdecimal()):
        process["pid"] = int(pid)
    if tid is not None and (tid.__class__ is int or str(tid).isdecimal()):
        process["thread"] = {"id": int(tid)}
    if process:
        winlog["process"] = process


def _correlation(winlog: dict[str, Any], activity: Any, related: Any) -> None:
    if activity:
        winlog["activity_id"] = braced(str(activity))
    if related:
        winlog["related_activity_id"] = braced(str(related))


PRIVATE_BASE = 0xE000
"""XML readers park forbidden control characters at U+E000 + code (``winlog_xml``)."""
_RESTORE = {PRIVATE_BASE + code: code for code in range(32)}


def xml_text(text: str | None) -> str | None:
    """An element's text as a value: layout-only whitespace (an indented empty element) is empty."""
    if not text:
        return None
    if text[0] == "\n" and len(text) > 1 and not text.strip(" \n") and text.count("\n") == 1:
        return None  # the library's XML indents empty elements: "\n" + spaces
    if max(text) >= "\ue000":
        text = text.translate(_RESTORE)
    return text_value(text)


def local_name(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def from_xml(root: Any) -> tuple[dict[str, Any], str | None, str | None, str | None]:
    """An lxml ``<Event>`` element → (winlog, @timestamp, log.level, rendered message)."""
    winlog: dict[str, Any] = {}
    timestamp = level = message = None
    version = opcode = keywords = None
    for section in root:
        part = local_name(section.tag)
        if part == "System":
            for item in section:
                name, text, attrib = local_name(item.tag), (item.text or "").strip(), item.attrib
                if name == "Provider":
                    if attrib.get("Name"):
                        winlog["provider_name"] = attrib["Name"]
                    if attrib.get("Guid"):
                        winlog["provider_guid"] = braced(attrib["Guid"])
                elif name == "EventID" and text:
                    winlog["event_id"] = text
                elif name == "Channel" and text:
                    winlog["channel"] = text
                elif name == "Computer" and text:
                    winlog["computer_name"] = text
                elif name == "EventRecordID" and text:
                    winlog["record_id"] = text
                elif name == "Version":
                    version = text or None
                elif name == "Opcode":
                    opcode = text or None
                elif name == "Keywords":
                    keywords = text or None
                elif name == "Level" and text:
                    level = LEVELS.get(text)
                elif name == "TimeCreated" and attrib.get("SystemTime"):
                    timestamp = system_time(attrib["SystemTime"])
                elif name == "Execution":
                    _execution(winlog, attrib.get("ProcessID"), attrib.get("ThreadID"))
                elif name == "Security":
                    sid = attrib.get("UserID") or attrib.get("UserId")
                    if sid:
                        winlog["user"] = {"identifier": sid}
                elif name == "Correlation":
                    _correlation(winlog, attrib.get("ActivityID"), attrib.get("RelatedActivityID"))
            _common(winlog, version, opcode, keywords)
        elif part == "EventData":
            event_data = _event_data_xml(section)
            if event_data:
                winlog["event_data"] = event_data
        elif part == "UserData":
            for child in section:
                winlog["user_data"] = {"xml_name": local_name(child.tag), **_nested_xml(child)}
                break
        elif part == "RenderingInfo":
            message = _rendering(winlog, section)
    return winlog, timestamp, level, message


def _event_data_xml(section: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    position = 0
    unnamed = []
    others: dict[str, int] = {}
    for item in section:
        name = local_name(item.tag)
        if not name:
            continue
        if name == "Data":
            key = item.get("Name")
            if key is None:  # an unnamed <Data>: numbered by position, like the JSON rendering's list
                position += 1
                key = f"param{position}"
        else:  # <Binary> and the like: numbered when repeated, like UserData children
            count = others.get(name, 0)
            others[name] = count + 1
            key = f"{name}_{count}" if count else name
        text = xml_text(item.text)
        if text is None:
            out.pop(key, None)  # a repeated name: the last one wins, as in the JSON rendering
            continue
        out[key] = text
        if key == f"param{position}" and name == "Data" and item.get("Name") is None:
            unnamed.append(text)
    if unnamed:
        out["Data"] = unnamed
    return out


def _nested_xml(element: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for child in element:
        name = local_name(child.tag)
        if not name:
            continue
        count = seen.get(name, 0)
        seen[name] = count + 1
        if count:  # the library numbers every repeat, empty ones included
            name = f"{name}_{count}"
        if len(child):
            nested = _nested_xml(child)
            if nested:
                out[name] = nested
            continue
        text = xml_text(child.text)
        if text is not None:
            out[name] = text
    return out


def _rendering(winlog: dict[str, Any], section: Any) -> str | None:
    """Event Viewer exports add rendered names: use them as Winlogbeat does.

    Keyword names are taken only from an English rendering: a localised one (``Culture="de-DE"``,
    ``Überwachung gescheitert``) would hide the audit result that ``event.outcome`` reads from
    them, so the names the ``<Keywords>`` mask gives stay, as in the EVTX and JSON forms.
    """
    message = None
    culture = section.get("Culture") or "en"
    english = culture[:2].lower() == "en"
    for item in section:
        name, text = local_name(item.tag), (item.text or "").strip()
        if name == "Message" and text:
            message = text
        elif name == "Task" and text:
            winlog["task"] = text
        elif name == "Opcode" and text:
            winlog["opcode"] = text
        elif name == "Keywords" and english:
            names = [(k.text or "").strip() for k in item if (k.text or "").strip()]
            if names:
                winlog["keywords"] = names
    return message
