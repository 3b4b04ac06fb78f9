"""CEF records as devices and connectors write them beyond the sample in the spec."""

from __future__ import annotations

import pytest

from collectors.firewall.cef import CefParser
from secops import ecs
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = CefParser()


def parse(line: str) -> dict:
    return PARSER.parse(line, CTX)


def test_an_escaped_backslash_before_a_bar_ends_the_header_field() -> None:
    # "\\|" is a backslash, then the separator; "\|" is a bar inside the field
    event = parse(r"CEF:0|Acme\\|Gate\|Way|2.1|100|Login\|SSO|5|src=10.0.0.5")
    assert ecs.get(event, "observer.vendor") == "Acme\\"
    assert ecs.get(event, "observer.product") == "Gate|Way"
    assert ecs.get(event, "cef.name") == "Login|SSO"
    assert ecs.get(event, "event.severity") == 5
    assert ecs.get(event, "source.ip") == "10.0.0.5"


def test_a_header_without_extension_or_final_bar() -> None:
    for line in ("CEF:0|Acme|Gate|2.1|100|Heartbeat|1|", "CEF:0|Acme|Gate|2.1|100|Heartbeat|1"):
        assert PARSER.sniff_line(line)
        event = parse(line)
        assert (ecs.get(event, "cef.name"), ecs.get(event, "event.severity"), event["cef"]["extensions"]) == (
            "Heartbeat",
            1,
            {},
        )


@pytest.mark.parametrize(
    ("rt", "expected"),
    [
        ("Nov 27 2026 10:00:00 GMT+01:00", "2026-11-27T09:00:00.000Z"),  # Trend Micro Deep Security's form
        ("Nov 27 2026 10:00:00.123 EST", "2026-11-27T15:00:00.123Z"),
        ("1795766400000", "2026-11-27T08:00:00.000Z"),
    ],
)
def test_rt_with_a_zone(rt: str, expected: str) -> None:
    assert parse(f"CEF:0|Acme|Gate|2.1|100|n|5|rt={rt} src=10.0.0.5")["@timestamp"] == expected


@pytest.mark.parametrize("rt", ["99999999999999999999", "Nov 31 2026 10:00:00", "2026-13-45T10:00:00"])
def test_an_impossible_rt_keeps_the_record_and_the_header_time(rt: str) -> None:
    event = parse(f"<134>Nov 27 10:00:05 fw01 CEF:0|Acme|Gate|2.1|100|n|5|rt={rt} src=10.0.0.5 dpt=443")
    assert event["@timestamp"] == "2026-11-27T10:00:05.000Z"
    assert (ecs.get(event, "source.ip"), ecs.get(event, "destination.port")) == ("10.0.0.5", 443)
    assert event["cef"]["extensions"]["deviceReceiptTime"] == rt


def test_a_relay_header_before_the_device_header() -> None:
    event = parse("<134>Nov 27 10:00:05 relay01 Nov 27 10:00:00 fw01 CEF:0|Acme|Gate|2.1|100|n|5|src=10.0.0.5")
    assert (event["@timestamp"], ecs.get(event, "observer.hostname")) == ("2026-11-27T10:00:00.000Z", "fw01")


def test_an_empty_extension_value_sets_no_ecs_field() -> None:
    event = parse(
        "CEF:0|Palo Alto Networks|PAN-OS|10.1.0|end|TRAFFIC|1|suser=corp\\\\alice duser= app=ssl msg= act=allow"
    )
    assert ecs.get(event, "source.user.name") == "corp\\alice"
    assert ecs.get(event, "destination.user") is None
    assert event["message"] == "TRAFFIC"  # the name stays when msg= is empty
    assert (ecs.get(event, "network.protocol"), ecs.get(event, "event.action")) == ("ssl", "allow")
    assert event["cef"]["extensions"]["destinationUserName"] == ""
