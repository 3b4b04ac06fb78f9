"""LEEF records as senders write them beyond the spec's samples: other delimiters, declared time layouts."""

from __future__ import annotations

import pytest

from collectors.firewall.leef import LeefParser
from secops import ecs
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = LeefParser()


def parse(line: str) -> dict:
    return PARSER.parse(line, CTX)


@pytest.mark.parametrize(
    "line",
    [
        # LEEF 1.0 with bars instead of tabs, as PAN-OS's LEEF syslog profile writes it
        "LEEF:1.0|Palo Alto Networks|PAN-OS Syslog Integration|10.1|allow|cat=TRAFFIC|src=10.0.0.5|dst=198.51.100.7"
        "|srcPort=51000|dstPort=443|usrName=corp\\alice|proto=tcp",
        # LEEF 1.0 with carets
        "LEEF:1.0|Acme|Gate|2.0|allow|src=10.0.0.5^dst=198.51.100.7^srcPort=51000^dstPort=443^usrName=corp\\alice"
        "^proto=tcp",
        # LEEF 2.0 with the delimiter field left out, and with it left empty
        "LEEF:2.0|Acme|Gate|2.0|allow|src=10.0.0.5^dst=198.51.100.7^srcPort=51000^dstPort=443^usrName=corp\\alice"
        "^proto=tcp",
        "LEEF:2.0|Acme|Gate|2.0|allow||src=10.0.0.5^dst=198.51.100.7^srcPort=51000^dstPort=443^usrName=corp\\alice"
        "^proto=tcp",
        # spaces, values with spaces among them
        "LEEF:1.0|Acme|Gate|2.0|allow|src=10.0.0.5 dst=198.51.100.7 srcPort=51000 dstPort=443 usrName=corp\\alice"
        " proto=tcp",
    ],
)
def test_attributes_behind_another_delimiter(line: str) -> None:
    event = parse(line)
    assert (ecs.get(event, "source.ip"), ecs.get(event, "source.port")) == ("10.0.0.5", 51000)
    assert (ecs.get(event, "destination.ip"), ecs.get(event, "destination.port")) == ("198.51.100.7", 443)
    assert (ecs.get(event, "user.name"), ecs.get(event, "network.transport")) == ("corp\\alice", "tcp")


def test_a_guessed_delimiter_splits_only_before_keys() -> None:
    event = parse("LEEF:1.0|Acme|Gate|2.0|deny|url=http://x.example/?a=b^c^src=10.0.0.5^msg=a b c^dst=198.51.100.7")
    assert event["leef"]["attributes"] == {
        "url": "http://x.example/?a=b^c",
        "src": "10.0.0.5",
        "msg": "a b c",
        "dst": "198.51.100.7",
    }


def test_the_declared_delimiter_still_rules() -> None:
    event = parse("LEEF:2.0|Acme|Gate|2.0|deny|^|src=10.0.0.5^msg=a|b^dst=198.51.100.7")
    assert event["leef"]["attributes"] == {"src": "10.0.0.5", "msg": "a|b", "dst": "198.51.100.7"}


@pytest.mark.parametrize(
    ("dev_time", "layout", "expected"),
    [
        ("27/11/2026 10:00:00", "dd/MM/yyyy HH:mm:ss", "2026-11-27T10:00:00.000Z"),
        ("Nov 27 2026 10:00:00.123 CET", "MMM dd yyyy HH:mm:ss.SSS z", "2026-11-27T09:00:00.123Z"),
        ("27-Nov-2026 10:15:00 PM +0100", "dd-MMM-yyyy hh:mm:ss a Z", "2026-11-27T21:15:00.000Z"),
        ("Fri, 27 Nov 2026 10:00:00 GMT", "EEE, dd MMM yyyy HH:mm:ss z", "2026-11-27T10:00:00.000Z"),
        ("2026.11.27 at 10:00:00 -05:00", "yyyy.MM.dd 'at' HH:mm:ss XXX", "2026-11-27T15:00:00.000Z"),
    ],
)
def test_dev_time_read_with_its_declared_layout(dev_time: str, layout: str, expected: str) -> None:
    event = parse(f"LEEF:1.0|Acme|Gate|2.0|allow|devTime={dev_time}\tdevTimeFormat={layout}\tsrc=10.0.0.5")
    assert event["@timestamp"] == expected


@pytest.mark.parametrize("dev_time", ["31/02/2026 10:00:00", "yesterday"])
def test_a_dev_time_that_is_no_time_leaves_the_header_time(dev_time: str) -> None:
    event = parse(
        f"<134>Nov 27 10:00:05 gate01 LEEF:1.0|Acme|Gate|2.0|allow|devTime={dev_time}\t"
        "devTimeFormat=dd/MM/yyyy HH:mm:ss\tsrc=10.0.0.5"
    )
    assert (event["@timestamp"], ecs.get(event, "source.ip")) == ("2026-11-27T10:00:05.000Z", "10.0.0.5")
