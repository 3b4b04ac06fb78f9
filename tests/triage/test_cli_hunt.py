"""``secops hunt``: Lucene-style queries over stored events, time bounds, fields, top values, every format."""

from __future__ import annotations

import csv
import io

import pytest

from tests.triage.conftest import Cli


def test_query_newest_first_with_limit_and_fields(cli: Cli, loaded) -> None:
    found = cli("hunt", "host.name:ws-01 AND source.ip:[10.0.0.10 TO 10.0.0.20]", "--format", "json").json()
    assert [e["event"]["id"] for e in found] == [f"ev-{n:05d}" for n in (19, 17, 15, 13, 11)]
    oldest = cli("hunt", "host.name:ws-01", "--oldest-first", "--limit", "2", "--format", "ndjson").ndjson()
    assert [e["event"]["id"] for e in oldest] == ["ev-00001", "ev-00003"]
    kept = cli("hunt", "event.id:ev-00007", "--fields", "host.name,source.ip", "--format", "json").json()
    assert kept == [{"host": {"name": "ws-01"}, "source": {"ip": "10.0.0.7"}}]
    table = cli("hunt", "event.id:ev-00007", "--fields", "@timestamp,host.name").rows()
    assert table == [["2026-11-20T12:07:00.000Z", "ws-01"]]


def test_since_until_top_and_count(cli: Cli, loaded) -> None:
    window = ("--since", "2026-11-20T12:10:00Z", "--until", "2026-11-20T12:20:00Z")
    found = cli("hunt", "*", *window, "--format", "json").json()
    assert sorted(e["event"]["id"] for e in found) == [f"ev-{n:05d}" for n in range(10, 20)]
    top = cli("hunt", "event.outcome:failure", *window, "--top", "host.name", "--format", "csv").text
    assert list(csv.reader(io.StringIO(top))) == [["host.name", "count"], ["ws-01", "5"], ["ws-09", "5"]]
    assert cli("hunt", '"port 22 ssh2 #11"', "--count", "--format", "json").json()["count"] == 11  # #11, #110–#119
    assert cli("hunt", "source.ip:10.0.0.0/29", "--count", "--format", "json").json()["count"] == 8


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("host.name:(ws-01", "cannot parse"),
        ("message:/ev.l/", "regular expressions are not supported"),
        ("user.name:bob~2", "fuzzy"),
        ("source.ip:10.0.0.0/99", "not a network"),
        ("user.name:bob and host.name:ws-01", "write AND"),  # Lucene would search the word "and"
        ("host.name:ws-01 or host.name:ws-09", "write OR"),
        ("not user.name:bob", "write NOT"),
        ("user.name:bob ||", "|| needs a query on each side"),
        ("&& user.name:bob", "&& needs a query on each side"),
        ("Fail*ed\\?", "cannot mix wildcards"),
    ],
)
def test_bad_queries_are_usage_errors(cli: Cli, loaded, query: str, message: str) -> None:
    ran = cli("hunt", query, expect=None)
    assert ran.code != 0 and message in str(ran.exception)


def test_unknown_fields_are_warned_about(cli: Cli, loaded) -> None:
    ran = cli("hunt", "usr.name:bob", "--format", "json")
    assert ran.json() == [] and "usr.name is not an ECS field" in ran.err


def test_side_by_side_binds_tighter_than_or_and_symbols_are_operators(cli: Cli, loaded) -> None:
    def count(query: str) -> int:
        return int(cli("hunt", query, "--count", "--format", "json").json()["count"])

    # (ws-01 AND ev-1) OR ev-2, as with an explicit AND; ev-00002 is on ws-09
    assert count("host.name:ws-01 event.id:ev-00001 OR event.id:ev-00002") == 2
    assert count("host.name:ws-01 AND event.id:ev-00001 OR event.id:ev-00002") == 2
    assert count("event.id:ev-00002 OR host.name:ws-01 event.id:ev-00001") == 2
    assert count("event.id:ev-00001 || event.id:ev-00002") == 2
    assert count("host.name:ws-01 && event.id:(ev-00001 || ev-00002)") == 1
    assert count('"and"') == 0  # a quoted word is still searched


def test_free_text_patterns_and_escapes(cli: Cli, loaded) -> None:
    def count(query: str) -> int:
        return int(cli("hunt", query, "--count", "--format", "json").json()["count"])

    assert count("Fail?d") == 120
    assert count("fail*bob") == 120
    assert count("#11?") == 10  # #110–#119
    assert count("password\\*") == 0  # the literal star, which no record holds
    assert count('"ssh2 #11"') == 11
