"""Hand-made or damaged Windows JSON records: each still gives an event or a clear failure."""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import failed, run


def parse_lines(tmp_path: Path, *records: dict) -> list[dict]:
    path = tmp_path / "records.ndjson"
    path.write_bytes(b"".join(orjson.dumps(record) + b"\n" for record in records))
    events, _ = run([path], fmt="winlog-json")
    assert len(events) == len(records)
    return events


def test_odd_value_types_are_left_out_not_fatal(tmp_path: Path) -> None:
    winlogbeat = {
        "@timestamp": "2024-05-14T08:31:12.450Z",
        "message": {"text": "not a string"},
        "winlog": {
            "channel": ["Security"],
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "event_id": "4634",
            "task": 12545,
            "event_data": {"TargetUserName": "jdoe", "TargetLogonId": "0x8dcdc"},
        },
    }
    evtx_dump = {
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Security-Auditing"}},
                "EventID": 4634,
                "Channel": "Security",
                "TimeCreated": {"#attributes": {"SystemTime": 1715675472}},
            },
            "EventData": {"TargetUserName": "jdoe"},
        }
    }
    first, second = parse_lines(tmp_path, winlogbeat, evtx_dump)
    assert not failed(first) and not failed(second)
    assert first["user"]["name"] == "jdoe" and "channel" not in first["winlog"]
    assert "message" not in first and "action" in first["event"]
    assert second["user"]["name"] == "jdoe" and second["winlog"]["event_id"] == "4634"


def test_evtx_dump_line_of_the_wrong_shape_is_a_named_failure(tmp_path: Path) -> None:
    (event,) = parse_lines(tmp_path, {"Event": {"System": {"Provider": "Sysmon", "Execution": 5}}})
    assert failed(event)
    assert "malformed evtx_dump record" in event["error"]["message"]


def test_account_with_an_empty_side_makes_no_empty_field(tmp_path: Path) -> None:
    sysmon = {
        "winlog": {
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "provider_name": "Microsoft-Windows-Sysmon",
            "event_id": "5",
            "event_data": {"ProcessId": "8020", "Image": "C:\\Windows\\System32\\cmd.exe", "User": "CORP\\"},
        }
    }
    (event,) = parse_lines(tmp_path, sysmon)
    assert event["user"] == {"domain": "CORP"}
