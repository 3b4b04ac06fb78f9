"""``winlog-json``: Windows events exported as JSON lines, mapped like the ``evtx`` format.

Three shapes are recognised per line:

- Winlogbeat / Elastic Agent documents (``{"@timestamp": …, "winlog": {"channel":
  "Security", "event_id": "4624", "event_data": {…}}, …}``, also inside an
  Elasticsearch hit's ``_source``). Reference:
  https://www.elastic.co/guide/en/beats/winlogbeat/current/exported-fields-winlog.html
- NXLog ``im_msvistalog`` records written with ``to_json()``, flat:
  ``{"EventTime": "2020-08-05 02:09:26", "Hostname": "ws5", "SourceName":
  "Microsoft-Windows-Sysmon", "Channel": "…", "EventID": 1, "Image": "C:\\\\…", …}``
  where every key NXLog does not define itself is EventData. Reference:
  https://docs.nxlog.co/refman/current/im/msvistalog.html
- ``evtx_dump -o jsonl`` lines: the ``evtx`` library's own rendering,
  ``{"Event": {"System": {…}, "EventData": {…}}}``.

Each becomes the same ``winlog`` record as an EVTX file would give and goes
through the shared ``winlog_ecs`` mapping. Winlogbeat documents and evtx_dump
lines are read natively from the line's text (``collectors/native/src/winlog_beat.rs``):
they are most of what ships, and reading them into Python objects first took
more time than the mapping. The rest (names kept flat, NXLog) are read here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from collectors.endpoint.winlog_ecs import MAPPER, to_ecs
from collectors.endpoint.winlog_record import (
    braced,
    canonical_channel,
    keyword_names,
    keywords_from_hex,
    system_time,
    text_value,
)
from collectors.endpoint.winlog_tables import OPCODES
from secops import ecs
from secops.errors import ParseError
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

NXLOG_FIELDS = frozenset(
    {
        "EventTime",
        "EventTimeWritten",
        "EventReceivedTime",
        "Hostname",
        "Keywords",
        "SeverityValue",
        "Severity",
        "EventID",
        "SourceName",
        "ProviderGuid",
        "Version",
        "Task",
        "OpcodeValue",
        "Opcode",
        "RecordNumber",
        "ActivityID",
        "RelatedActivityID",
        "ExecutionProcessID",
        "ThreadID",
        "Channel",
        "Domain",
        "AccountName",
        "UserID",
        "AccountType",
        "Category",
        "Message",
        "SourceModuleName",
        "SourceModuleType",
        "MessageSourceAddress",
        "ERRORINFO",
        # added by the shipper that carried them (Logstash, Beats) or by dataset publishers
        "@timestamp",
        "@version",
        "host",
        "port",
        "tags",
        "type",
        "EventTypeOrignal",
        "TimeCreated",
    }
)
"""Keys NXLog (and the usual shippers) add; everything else in a record is EventData."""

NXLOG_EVENT_TYPES = frozenset({"AUDIT_SUCCESS", "AUDIT_FAILURE", "INFO", "WARNING", "ERROR", "CRITICAL", "VERBOSE"})
NXLOG_LEVELS = {1: "verbose", 2: "information", 3: "warning", 4: "error", 5: "critical"}


@register
class WinlogJsonParser(LineParser):
    """Windows events as JSON lines (Winlogbeat/Elastic Agent, NXLog, evtx_dump)."""

    name = "winlog-json"
    dataset = "windows.eventlog"
    priority = 60
    sniff_tokens = ('"winlog":', '"winlog.channel":', '"winlog.event_id":', '"Event":', '"EventID":')

    def sniff_line(self, line: str) -> bool:
        if not line.startswith("{"):
            return False
        # Keys, not values: a command line may well mention winlogon.exe.
        if ('"winlog":' in line or '"winlog.channel":' in line or '"winlog.event_id":' in line) and (
            '"event_id":' in line or '"channel":' in line or '"winlog.event_id":' in line
        ):
            return True
        if '"Event":' in line and '"System":' in line:
            return True
        return '"EventID":' in line and ('"SourceName":' in line or '"Channel":' in line)

    def parse(self, line: str, ctx: ParseContext) -> Event:
        # Winlogbeat documents and evtx_dump records are read natively, from the text itself.
        event = _native(line)
        if event is not None:
            return event
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ParseError(f"not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise ParseError("not a JSON object")
        source = doc.get("_source")
        if isinstance(source, dict):
            doc = source
        if any(key.startswith("winlog.") for key in doc):
            doc = ecs.unflatten(doc)  # exports that keep Elasticsearch's dotted names flat
            if isinstance(doc.get("winlog"), dict) or isinstance(doc.get("Event"), dict):
                event = _native(orjson.dumps(doc).decode(), prepared=True)
                if event is not None:
                    return event
        if "EventID" in doc:
            return _nxlog(doc, ctx)
        raise ParseError("neither a Winlogbeat, an NXLog nor an evtx_dump record")


def _native(text: str, *, prepared: bool = False) -> Event | None:
    """The event of a Winlogbeat document or evtx_dump record (also in a hit's ``_source``), else None.

    ``prepared``: ``text`` is a document already taken out of ``_source`` and unflattened here.
    """
    try:
        event: Event | None = MAPPER.document(text, prepared)
    except ValueError as exc:  # a hand-made evtx_dump line may hold anything
        raise ParseError(f"malformed evtx_dump record: {exc}") from exc
    return event


def _nxlog(doc: dict[str, Any], ctx: ParseContext) -> Event:
    winlog: dict[str, Any] = {"event_id": str(doc["EventID"])}
    if doc.get("Channel"):
        winlog["channel"] = canonical_channel(str(doc["Channel"]))
    for key, name in (("SourceName", "provider_name"), ("Hostname", "computer_name"), ("Category", "task")):
        if doc.get(key):
            winlog[name] = str(doc[key])
    if doc.get("ProviderGuid"):
        winlog["provider_guid"] = braced(str(doc["ProviderGuid"]))
    if doc.get("RecordNumber") is not None:
        winlog["record_id"] = str(doc["RecordNumber"])
    if isinstance(doc.get("Version"), int):
        winlog["version"] = doc["Version"]
    opcode = doc.get("Opcode") or OPCODES.get(str(doc.get("OpcodeValue")))
    if opcode:
        winlog["opcode"] = opcode
    keywords = doc.get("Keywords")
    if isinstance(keywords, int):  # NXLog writes the mask as a signed 64-bit number …
        names = keyword_names(keywords & 0xFFFFFFFFFFFFFFFF)
    else:  # … or, in some versions, as hex text
        names = keywords_from_hex(keywords) if isinstance(keywords, str) else []
    if names:
        winlog["keywords"] = names
    _nxlog_process(winlog, doc)
    user = {
        name: str(doc[key])
        for key, name in (
            ("UserID", "identifier"),
            ("AccountName", "name"),
            ("Domain", "domain"),
            ("AccountType", "type"),
        )
        if doc.get(key)
    }
    if user:
        winlog["user"] = user
    for key, name in (("ActivityID", "activity_id"), ("RelatedActivityID", "related_activity_id")):
        if doc.get(key):
            winlog[name] = braced(str(doc[key]))
    event_data = _nxlog_event_data(doc)
    if event_data:
        winlog["event_data"] = event_data
    level = NXLOG_LEVELS.get(doc["SeverityValue"]) if isinstance(doc.get("SeverityValue"), int) else None
    message = doc.get("Message")
    return to_ecs(winlog, _nxlog_time(doc, ctx), level, message if isinstance(message, str) else None)


def _nxlog_process(winlog: dict[str, Any], doc: dict[str, Any]) -> None:
    # Older NXLog versions call the writer's pid ProcessID, which EventData may also use.
    pid = doc.get("ExecutionProcessID", doc.get("ProcessID") if "ExecutionProcessID" not in doc else None)
    process: dict[str, Any] = {}
    if isinstance(pid, int):
        process["pid"] = pid
    if isinstance(doc.get("ThreadID"), int):
        process["thread"] = {"id": doc["ThreadID"]}
    if process:
        winlog["process"] = process


def _nxlog_event_data(doc: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    # NXLog's own EventType (INFO, AUDIT_SUCCESS…) shares its name with Sysmon's EventData field.
    event_type_is_data = "EventTypeOrignal" in doc or str(doc.get("EventType", "")) not in NXLOG_EVENT_TYPES
    for key, value in doc.items():
        if key in NXLOG_FIELDS or (key == "EventType" and not event_type_is_data):
            continue
        if key == "ProcessID" and "ExecutionProcessID" not in doc:
            continue
        text = text_value(value if isinstance(value, str) else _scalar(value))
        if text is not None:
            out[key] = text
    return out


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _nxlog_time(doc: dict[str, Any], ctx: ParseContext) -> str | None:
    """``EventTime`` is the writer's local time without a zone unless NXLog was told otherwise."""
    for key in ("EventTime", "TimeCreated"):
        value = doc.get(key)
        if not isinstance(value, str) or not value:
            continue
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue
        return ecs.format_ts(moment if moment.tzinfo else moment.replace(tzinfo=ctx.timezone))
    stamp = doc.get("@timestamp")
    return system_time(stamp) if isinstance(stamp, str) else None
