"""Field truth: our ECS fields carry exactly the EventData the evtx library renders.

For every Sysmon 1, 3, 11, 13 and Security 4624, 4625, 4688 record in the
shared EVTX samples, the raw values are read from the library's *XML*
rendering with lxml (a path our parser does not take: it maps the JSON
rendering) and compared with the ECS fields of the same record.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from endpoint_support import run
from evtx import PyEvtxParser
from lxml import etree

pytestmark = pytest.mark.shared_data

NS = "{http://schemas.microsoft.com/win/2004/08/events/event}"
SYSMON = "Microsoft-Windows-Sysmon/Operational"
LOGON_TYPES = {
    "2": "Interactive",
    "3": "Network",
    "4": "Batch",
    "5": "Service",
    "7": "Unlock",
    "8": "NetworkCleartext",
    "9": "NewCredentials",
    "10": "RemoteInteractive",
    "11": "CachedInteractive",
}
WANTED = {
    (SYSMON, "1"),
    (SYSMON, "3"),
    (SYSMON, "11"),
    (SYSMON, "13"),
    ("Security", "4624"),
    ("Security", "4625"),
    ("Security", "4688"),
}


def raw_records(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(channel, event id, EventData) of each record, from the library's XML output."""
    parser = etree.XMLParser(recover=True)
    out = []
    for record in PyEvtxParser(str(path), number_of_threads=1).records():
        root = etree.fromstring(record["data"].encode(), parser)
        system = root.find(NS + "System")
        channel = system.findtext(NS + "Channel") or ""
        event_id = (system.findtext(NS + "EventID") or "").strip()
        data = {d.get("Name"): d.text or "" for d in root.iter(NS + "Data") if d.get("Name")}
        out.append((channel, event_id, data))
    return out


def get(event: dict[str, Any], dotted: str) -> Any:
    node: Any = event
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def present(value: str | None) -> bool:
    return value not in (None, "", "-")


def expect(value: str | None) -> str | None:
    """Windows writes ``-`` for "no value"; the ECS field is then absent (as Winlogbeat does)."""
    return value if present(value) else None


def check_sysmon(eid: str, data: dict[str, str], event: dict[str, Any]) -> None:
    assert get(event, "process.executable") == expect(data["Image"])
    assert get(event, "process.pid") == int(data["ProcessId"])
    if eid == "1":
        assert get(event, "process.command_line") == expect(data["CommandLine"])
        assert get(event, "process.parent.executable") == expect(data["ParentImage"])
        assert get(event, "process.parent.command_line") == expect(data["ParentCommandLine"])
        assert get(event, "process.parent.pid") == int(data["ParentProcessId"])
        for item in data["Hashes"].split(","):
            algo, _, digest = item.partition("=")
            field = "process.pe.imphash" if algo == "IMPHASH" else f"process.hash.{algo.lower()}"
            assert get(event, field) == digest.lower()
        domain, _, name = data["User"].partition("\\")
        assert (get(event, "user.domain"), get(event, "user.name")) == (domain, name)
    elif eid == "3":
        assert get(event, "source.ip") == data["SourceIp"]
        assert get(event, "destination.ip") == data["DestinationIp"]
        assert get(event, "source.port") == int(data["SourcePort"])
        assert get(event, "destination.port") == int(data["DestinationPort"])
        assert get(event, "network.direction") == ("egress" if data["Initiated"] == "true" else "ingress")
    elif eid == "11":
        assert get(event, "file.path") == data["TargetFilename"]
    elif eid == "13":
        assert get(event, "registry.path") == data["TargetObject"]


def check_security(eid: str, data: dict[str, str], event: dict[str, Any]) -> None:
    if eid in ("4624", "4625"):
        assert get(event, "winlog.event_data.LogonType") == data["LogonType"]
        assert get(event, "winlog.logon.type") == LOGON_TYPES.get(data["LogonType"])
        assert get(event, "user.name") == expect(data["TargetUserName"])
        assert get(event, "user.domain") == expect(data["TargetDomainName"])
        address = data.get("IpAddress")
        assert get(event, "source.ip") == (address.removeprefix("::ffff:") if present(address) else None)
        if present(data.get("ProcessName")):
            assert get(event, "process.executable") == data["ProcessName"]
    else:
        assert get(event, "process.executable") == data["NewProcessName"]
        assert get(event, "process.pid") == int(data["NewProcessId"], 16)
        assert get(event, "process.command_line") == expect(data.get("CommandLine"))
        assert get(event, "process.parent.executable") == expect(data.get("ParentProcessName"))
        assert get(event, "process.parent.pid") == int(data["ProcessId"], 16)
        assert get(event, "user.name") == expect(data["SubjectUserName"])


def test_ecs_fields_carry_exactly_the_raw_event_data(evtx_files: list[Path]) -> None:
    checked: Counter[tuple[str, str]] = Counter()
    for path in evtx_files:
        raws = raw_records(path)
        events, _ = run([path], fmt="evtx")
        assert len(raws) == len(events)
        for (channel, eid, data), event in zip(raws, events, strict=True):
            if (channel, eid) not in WANTED:
                continue
            assert event["winlog"]["event_id"] == eid and event["winlog"]["channel"] == channel
            try:
                (check_sysmon if channel == SYSMON else check_security)(eid, data, event)
            except AssertionError as exc:
                raise AssertionError(f"{path.name} record {event['winlog']['record_id']}: {exc}") from exc
            checked[channel, eid] += 1
    assert set(checked) == WANTED, f"some event kinds were not in the samples: {WANTED - set(checked)}"
    assert sum(checked.values()) > 5000
