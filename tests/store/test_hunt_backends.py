"""Hunt queries mean the same on both backends: operators, free text, empty lists, object arrays, addresses.

Each query is parsed as ``secops hunt`` parses it and run on every store; the
expected events are written out by hand from the documents below.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from secops import hunt
from secops.store.base import EventStore
from secops.store.embedded import EmbeddedEventStore
from tests.store.conftest import Stores

DAY = datetime(2026, 11, 20, tzinfo=UTC)


def _event(n: int, **fields: Any) -> dict[str, Any]:
    moment = DAY + timedelta(minutes=n)
    doc: dict[str, Any] = {
        "@timestamp": moment.isoformat().replace("+00:00", "Z"),
        "event": {"id": f"h{n:02d}", "dataset": "test.hunt", "category": ["authentication"]},
    }
    for dotted, value in fields.items():
        node = doc
        *parents, leaf = dotted.split("__")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return doc


LOGONS = [
    _event(
        n,
        user__name=user,
        event__outcome=outcome,
        host__name=host,
        event__original=f"{'Failed' if outcome == 'failure' else 'Accepted'} password for {user} on {host}",
    )
    for n, (user, outcome, host) in enumerate(product(("root", "bob"), ("failure", "success"), ("bastion", "ws")))
]
"""h00–h07: every combination of user, outcome and host."""

OTHERS = [
    _event(10, event__type=[], event__original="Failed publickey for bob"),
    _event(11, event__type=[None], event__original="a literal password* in the text"),
    _event(12, event__type=[None, "start"], event__original="copied C:\\Temp\\x.exe"),
    _event(13, event__type="start", message='said "hi" and left'),
    _event(
        14,
        dns__answers=[{"type": "A", "data": "192.0.2.1"}, {"type": "CNAME", "data": "x.example"}],
        source__ip="2001:DB8::3",
        related__ip=["2001:0db8:0:0:0:0:0:3", "192.0.2.1"],
    ),
    _event(15, dns__answers=[{"type": "AAAA", "data": "2001:db8::9"}], source__ip="2001:db8::4"),
    _event(16, dns__answers={"type": "A", "data": "198.51.100.7"}, source__ip="2001:db8::3"),
    _event(17, dns__answers=[{"type": "TXT"}], threat__enrichments=[{"indicator": {"ip": "2001:DB8::9"}}]),
    _event(18, process__executable="C:\\Windows\\System32\\cmd.exe"),
    *(
        _event(n, event__code=code)
        for n, code in zip(range(19, 24), ("4624", "4625", "463", "4634", "4700"), strict=True)
    ),
]


@pytest.fixture
def hunted(stores: Stores) -> Stores:
    stores.events.write(LOGONS + OTHERS)
    stores.refresh()
    return stores


def found(events: EventStore, text: str) -> set[str]:
    parsed = hunt.parse(text).query
    hits = {e["event"]["id"] for e in events.search(parsed)}
    assert events.count(parsed) == len(hits)
    return hits


def logons(*numbers: int) -> set[str]:
    return {f"h{n:02d}" for n in numbers}


# h00..h07 = (root|bob) x (failure|success) x (bastion|ws), in that order
ROOT_FAILURE = logons(0, 1)
BASTION = logons(0, 2, 4, 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user.name:root event.outcome:failure OR host.name:bastion", ROOT_FAILURE | BASTION),
        ("user.name:root AND event.outcome:failure OR host.name:bastion", ROOT_FAILURE | BASTION),
        ("host.name:bastion OR user.name:root event.outcome:failure", ROOT_FAILURE | BASTION),
        ("user.name:root && event.outcome:failure || host.name:bastion", ROOT_FAILURE | BASTION),
        ("user.name:root || event.outcome:failure", logons(0, 1, 2, 3, 4, 5)),
        ("user.name:(root || bob) && host.name:ws", logons(1, 3, 5, 7)),
        ("(user.name:root event.outcome:failure) OR host.name:bastion", ROOT_FAILURE | BASTION),
        ("user.name:root (event.outcome:failure OR host.name:bastion)", logons(0, 1, 2)),
    ],
)
def test_side_by_side_terms_bind_like_and_and_symbols_are_operators(hunted: Stores, text: str, expected) -> None:
    assert found(hunted.events, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fail?d", logons(0, 1, 4, 5) | {"h10"}),
        ("fail*password", logons(0, 1, 4, 5)),
        ("password\\*", {"h11"}),  # the literal star, not every password
        ('"password*"', {"h11"}),
        ('"C:\\\\Temp"', {"h12"}),  # a phrase unescapes \\ as a field phrase does
        ('"said \\"hi\\""', {"h13"}),
        ("*publickey*", {"h10"}),
        ("C\\:\\\\Temp\\\\*.exe", {"h12"}),  # a backslash in a pattern is a backslash
    ],
)
def test_free_text_wildcards_and_escapes_mean_what_they_mean_in_field_values(
    hunted: Stores, text: str, expected
) -> None:
    assert found(hunted.events, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("event.code:[4624 TO 4634]", logons(19, 20, 22)),  # numbers, not text: "463" is not between them
        ("event.code:{4624 TO 4634}", logons(20)),
        ("event.code:[4624 TO 4634} OR event.code:4700", logons(19, 20, 23)),
    ],
)
def test_a_range_of_numbers_on_a_text_field_compares_numbers(hunted: Stores, text: str, expected) -> None:
    assert found(hunted.events, text) == expected


def test_a_backslash_in_a_field_pattern_is_a_backslash(hunted: Stores) -> None:
    assert found(hunted.events, "process.executable:C\\:\\\\Windows\\\\System32\\\\*") == {"h18"}
    assert found(hunted.events, "process.executable:*\\\\cmd.ex?") == {"h18"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("_exists_:event.type", {"h12", "h13"}),  # [] and [null] hold nothing, as on Elasticsearch
        ("event.type:*", {"h12", "h13"}),
        (
            "NOT _exists_:event.type AND event.dataset:test.hunt",
            logons(*range(8)) | {"h10", "h11"} | logons(*range(14, 24)),
        ),
        ("event.type:start", {"h12", "h13"}),
    ],
)
def test_empty_and_null_lists_are_missing(hunted: Stores, text: str, expected) -> None:
    assert found(hunted.events, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dns.answers.type:A", {"h14", "h16"}),
        ("dns.answers.data:*", {"h14", "h15", "h16"}),
        ("_exists_:dns.answers.type", {"h14", "h15", "h16", "h17"}),
        ("dns.answers.data:x.example AND dns.answers.type:CNAME", {"h14"}),
        ("NOT dns.answers.type:A AND _exists_:dns.answers", {"h15", "h17"}),
        ("threat.enrichments.indicator.ip:2001\\:db8\\:\\:9", {"h17"}),
    ],
)
def test_fields_inside_arrays_of_objects_match_on_any_element(hunted: Stores, text: str, expected) -> None:
    assert found(hunted.events, text) == expected


def test_top_values_inside_arrays_of_objects(hunted: Stores) -> None:
    assert dict(hunted.events.top("dns.answers.type")) == {"A": 2, "AAAA": 1, "CNAME": 1, "TXT": 1}
    assert dict(hunted.events.top("dns.answers.data", size=3)) == {"192.0.2.1": 1, "198.51.100.7": 1, "2001:db8::9": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('source.ip:"2001:db8::3"', {"h14", "h16"}),  # stored as 2001:DB8::3 and 2001:db8::3
        ('source.ip:"2001:DB8:0::3"', {"h14", "h16"}),
        ('related.ip:"2001:db8::3"', {"h14"}),  # stored as 2001:0db8:0:0:0:0:0:3
        ("related.ip:192.0.2.1", {"h14"}),
        ('source.ip:"2001:db8::3" OR source.ip:"2001:db8::3/128"', {"h14", "h16"}),
        ('NOT source.ip:"2001:db8::3" AND _exists_:source.ip', {"h15"}),
    ],
)
def test_exact_matches_on_address_fields_compare_addresses(hunted: Stores, text: str, expected) -> None:
    assert found(hunted.events, text) == expected


def test_ipv4_text_elasticsearch_refuses_is_no_address_on_the_embedded_store(tmp_path: Path) -> None:
    """Elasticsearch refuses octets with a leading zero or above 255 (the document goes to the dead letters),
    so only the embedded store can hold them: neither an exact match nor a CIDR block reads them as addresses."""
    store = EmbeddedEventStore(tmp_path)
    spelled = {"h20": "10.0.0.9", "h21": "010.000.000.009", "h22": "10.1.1.259", "h23": "10.1.2.3"}
    store.write([_event(int(n[1:]), destination__ip=ip, related__ip=[ip]) for n, ip in spelled.items()])
    for field in ("destination.ip", "related.ip"):
        assert found(store, f"{field}:10.0.0.9") == {"h20"}
        assert found(store, f"{field}:10.0.0.0/24") == {"h20"}
        assert found(store, f"{field}:10.1.2.3/32") == {"h23"}
        assert found(store, f"{field}:[10.1.0.0 TO 10.1.255.255]") == {"h23"}
