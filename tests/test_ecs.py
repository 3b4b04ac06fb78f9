"""ECS event helpers."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from secops_native import Line

from secops import ecs


def test_get_put_nested_and_literal_dotted() -> None:
    event: dict = {}
    ecs.put(event, "source.ip", "10.0.0.1")
    ecs.put(event, "source.port", 22)
    assert event == {"source": {"ip": "10.0.0.1", "port": 22}}
    assert ecs.get(event, "source.ip") == "10.0.0.1"
    assert ecs.get(event, "source.missing", "d") == "d"
    assert ecs.get({"winlog.event_id": "4624"}, "winlog.event_id") == "4624"
    assert ecs.get({"source": "not-a-dict"}, "source.ip") is None


def test_related_gathers_distinct_strings_and_keeps_other_lists() -> None:
    event = {
        "user": {"name": "alice", "target": {"name": "alice"}},
        "process": {"hash": {"sha1": "aa", "md5": "bb"}},
        "source": {"ip": ""},
        "host": {"ip": ["10.0.0.1", 7, "10.0.0.2", "10.0.0.1"]},
        "destination.ip": "10.0.0.9",  # a producer's flat dotted key
        "related": {"hosts": ["ws1"], "user": ["bob"]},
    }
    related = ecs.Related(
        {
            "user": ("user.name", "user.target.name", "user.missing.name"),
            "hash": ("process.hash",),
            "ip": ("source.ip", "host.ip", "destination.ip"),
        }
    )
    related.fill(event)
    assert event["related"] == {
        "hosts": ["ws1"],
        "user": ["bob", "alice"],
        "hash": ["aa", "bb"],
        "ip": ["10.0.0.1", "10.0.0.2", "10.0.0.9"],
    }


def test_related_adds_nothing_when_no_field_has_a_string() -> None:
    event = {"source": {"ip": None}, "user": "not-a-dict"}
    ecs.Related({"ip": ("source.ip",), "user": ("user.name",)}).fill(event)
    assert "related" not in event


def test_flatten_unflatten_round_trip() -> None:
    event = {"a": {"b": 1, "c": {"d": [1, 2]}}, "e": "x", "empty": {}}
    flat = ecs.flatten(event)
    assert flat == {"a.b": 1, "a.c.d": [1, 2], "e": "x", "empty": {}}
    assert ecs.unflatten({k: v for k, v in flat.items() if k != "empty"}) == {
        "a": {"b": 1, "c": {"d": [1, 2]}},
        "e": "x",
    }


def test_format_ts_is_utc_rfc3339() -> None:
    moment = datetime(2026, 11, 25, 23, 30, tzinfo=timezone(timedelta(hours=2)))
    assert ecs.format_ts(moment) == "2026-11-25T21:30:00.000Z"
    assert ecs.format_ts(moment.replace(microsecond=123456)) == "2026-11-25T21:30:00.123456Z"
    with pytest.raises(ValueError, match="naive"):
        ecs.format_ts(datetime(2026, 1, 1))
    assert ecs.parse_ts("2026-11-25T21:30:00Z") == datetime(2026, 11, 25, 21, 30, tzinfo=UTC)


def test_event_id_is_deterministic_and_position_sensitive() -> None:
    a = ecs.event_id("file:0", "same line")
    assert a == ecs.event_id("file:0", "same line")
    assert a != ecs.event_id("file:10", "same line")
    assert a != ecs.event_id("file:0", "other line")
    assert len(a) == 32


@pytest.mark.parametrize("raw", ["plain ascii", "naïve café ☃ 𝄞", "bad byte \udcff kept", ""])
def test_event_id_is_blake2b_of_identity_then_record(raw: str) -> None:
    """Ids stored by earlier versions must still match: the digest is hashlib's blake2b-128."""
    expected = hashlib.blake2b(("src:7" + raw).encode("utf-8", "surrogateescape"), digest_size=16).hexdigest()
    assert ecs.event_id("src:7", raw) == expected


def test_envelope_sets_required_fields_and_keeps_parser_values() -> None:
    event = ecs.envelope(
        {"event": {"kind": "alert"}},
        raw="r",
        identity="i",
        dataset="cisco_asa.log",
        ingested="2026-11-25T00:00:00.000Z",
    )
    assert event["event"]["kind"] == "alert"
    assert event["event"]["module"] == "cisco_asa" and event["event"]["original"] == "r"
    assert event["@timestamp"] == "2026-11-25T00:00:00.000Z" and event["ecs"]["version"] == ecs.ECS_VERSION


def _envelope_as_written_in_python(event: dict, raw: str, identity: str, dataset: str, ingested: str) -> dict:
    """The envelope as it was in Python before it became native: the specification it must keep."""
    ev = event.get("event")
    if ev is None:
        ev = event["event"] = {}
    for key, value in (("kind", "event"), ("category", []), ("type", []), ("dataset", dataset)):
        if key not in ev:
            ev[key] = value
    if "module" not in ev:
        ev["module"] = dataset.split(".", 1)[0]
    ev["original"], ev["ingested"], ev["id"] = raw, ingested, ecs.event_id(identity, raw)
    event.setdefault("ecs", {})["version"] = ecs.ECS_VERSION
    if "@timestamp" not in event:
        event["@timestamp"] = ingested
    return event


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"event": None},
        {"event": {"kind": "alert", "category": ["network"], "module": "asa", "original": "old"}},
        {"event": {"type": ["denied"], "dataset": "x.y"}, "ecs": {"version": "1.0", "other": 1}},
        {"@timestamp": "2026-01-02T03:04:05.000Z", "source": {"ip": "10.0.0.1"}},
    ],
)
@pytest.mark.parametrize("dataset", ["cisco_asa.log", "plain"])
def test_envelope_fills_as_the_python_one_did(event: dict, dataset: str) -> None:
    args = {"raw": "r \udcff", "identity": "f:1", "dataset": dataset, "ingested": "2026-11-25T00:00:00.000Z"}
    expected = _envelope_as_written_in_python(copy.deepcopy(event), **args)
    got = ecs.envelope(copy.deepcopy(event), **args)
    assert got == expected
    assert list(got) == list(expected) and list(got["event"]) == list(expected["event"])  # same key order


def test_envelope_lines_is_envelope_with_the_lines_position() -> None:
    """A window's events get what ``envelope`` gives with ``key:offset`` as identity, then where the line is."""
    ingested = "2026-11-25T00:00:00.000Z"
    lines = [Line("first \udcff", 0, 12, False), Line("second", 12, 19, False)]
    events = [{"log": {"level": "info", "file": {"path": "stale"}}}, {"event": {"kind": "alert"}}]
    expected = [
        _envelope_as_written_in_python(copy.deepcopy(event), line.text, f"k:{line.offset}", dataset, ingested)
        for event, line, dataset in zip(events, lines, ["a.b", "c"], strict=True)
    ]
    for event, line in zip(expected, lines, strict=True):
        event.setdefault("log", {}).update({"file": {"path": "/var/log/x"}, "offset": line.offset})
    ecs.envelope_lines(events, lines, ["a.b", "c"], "k", ingested, "/var/log/x")
    assert events == expected
    assert [list(event) for event in events] == [list(event) for event in expected]  # same key order
    assert events[0]["log"]["level"] == "info" and events[1]["event"]["id"] == ecs.event_id("k:12", "second")
    with pytest.raises(ValueError, match="differ in length"):
        ecs.envelope_lines(events, lines[:1], ["a.b", "c"], "k", ingested, "/var/log/x")


def test_envelope_gives_each_event_its_own_lists() -> None:
    first, second = ({"event": {}} for _ in range(2))
    for event in (first, second):
        ecs.envelope(event, raw="r", identity="i", dataset="d.x", ingested="2026-11-25T00:00:00.000Z")
    first["event"]["category"].append("network")
    assert second["event"]["category"] == []


def test_envelope_refuses_an_event_object_that_is_not_one() -> None:
    with pytest.raises(TypeError):
        ecs.envelope({"event": "x"}, raw="r", identity="i", dataset="d", ingested="t")


def test_parse_failure_keeps_the_original() -> None:
    event = ecs.parse_failure("garbage", "no parser")
    assert event["tags"] == ["_parse_failure"] and event["message"] == "garbage"
    assert event["error"]["message"] == "no parser"


def test_known_fields() -> None:
    assert ecs.is_known_field("source.ip")
    assert ecs.is_known_field("cisco.asa.message_id")
    assert ecs.is_known_field("labels.anything")
    assert not ecs.is_known_field("source.ipaddress")
