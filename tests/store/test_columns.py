"""The embedded row layout under odd event shapes and oversized chunks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secops.errors import StoreError
from secops.query import Match
from secops.store import columns
from secops.store.embedded import EmbeddedEventStore
from tests.store.test_event_store import make_events

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def build(events: list[dict]):
    return columns.build_table(events, 7, "2026-11-26T09:00:00.000Z", NOW)


def test_fields_of_the_wrong_shape_are_fixed_or_nulled_and_the_document_kept() -> None:
    events = [
        {"@timestamp": "2026-11-25T10:00:00Z", "event": {"id": "a", "category": "network"}, "host": "ws-1"},
        {"@timestamp": "not a time", "event": "broken", "source": {"ip": "10.0.0.1", "port": "443"}},
        {"@timestamp": "2026-11-25T10:00:02Z", "event": {"id": "c"}, "source": {"port": 2**70, "ip": ["x"]}},
        {"@timestamp": "2026-11-25T10:00:03Z", "event": {"id": "d"}, "user": {"name": "bad \ud800 text"}},
    ]
    table = build(events).to_pydict()
    assert table["host_name"] == [None, None, None, None]
    assert table["category"] == [["network"], None, None, None]
    assert table["source_port"] == [None, 443, None, None]
    assert table["source_ip"] == [None, "10.0.0.1", '["x"]', None]
    assert table["ts"][1] == NOW  # an unreadable time falls back to the ingest time
    assert table["ts"][0] == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    assert table["user_name"][3] == "bad \\ud800 text"
    assert table["doc"][1].startswith('{"@timestamp":"not a time","event":{"ingested":')
    assert '"host":"ws-1"' in table["doc"][0]
    assert '"bad \\\\ud800 text"' in table["doc"][3]  # the lone surrogate is kept as text
    assert str(2**70) in table["doc"][2]


def test_a_null_in_a_list_column_is_no_value_not_the_text_null() -> None:
    events = [
        {"@timestamp": "2026-11-25T10:00:00Z", "event": {"id": "a", "category": "network"}},
        {"@timestamp": "2026-11-25T10:00:01Z", "event": {"id": "b", "category": [None, "iam"]}},
    ]
    assert build(events).to_pydict()["category"] == [["network"], ["iam"]]


def test_every_odd_event_reads_back_from_the_store(tmp_path: Path) -> None:
    store = EmbeddedEventStore(tmp_path)
    store.write(
        [
            {"@timestamp": "2026-11-25T10:00:03Z", "event": {"id": "d"}, "user": {"name": "bad \ud800 text"}},
            {"@timestamp": "2026-11-25T10:00:04Z", "event": {"id": "e", "category": "iam"}, "n": 2**70},
        ]
    )
    by_id = {event["event"]["id"]: event for event in store.get(["d", "e"])}
    assert by_id["d"]["user"]["name"] == "bad \\ud800 text"
    assert by_id["e"]["n"] == 2**70
    assert store.count(Match("user.name", "bad \\ud800 text")) == 1
    assert store.count(Match("event.category", "iam")) == 1


def test_chunks_past_the_offset_limit_are_halved_and_keep_every_event_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    events = make_events(40)
    single = len(build(make_events(1)).column("doc")[0].as_py())
    monkeypatch.setattr(columns, "MAX_CHUNK_BYTES", single * 3)
    table = build(events)
    assert table.num_rows == 40
    assert max(len(batch) for batch in table.to_batches()) <= 3
    assert table.column("id").to_pylist() == [f"ev-{i:05d}" for i in range(40)]

    store = EmbeddedEventStore(tmp_path)
    store.write(make_events(40))
    assert store.count(Match("user.name", "alice")) == 14


def test_an_event_too_large_for_one_chunk_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(columns, "MAX_CHUNK_BYTES", 10)
    with pytest.raises(StoreError, match="larger than"):
        build(make_events(1))


def test_documents_written_with_surrogate_escapes_by_older_versions_still_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Older versions wrote lone surrogates as JSON escapes, which orjson will not decode.
    monkeypatch.setattr(columns, "_fallback_json", lambda event: json.dumps(event).encode())
    store = EmbeddedEventStore(tmp_path)
    store.write([{"@timestamp": "2026-11-25T10:00:03Z", "event": {"id": "old"}, "user": {"name": "x\ud800"}}])
    assert store.get(["old"])[0]["user"]["name"] == "x\ud800"
    assert [e["event"]["id"] for e in store.search(Match("event.id", "old"))] == ["old"]
    assert [e["event"]["id"] for batch in store.read_since(None) for e in batch.events] == ["old"]
