"""SonicWall SonicOS enhanced syslog beyond the basic connection records."""

from __future__ import annotations

import pytest

from collectors.firewall.sonicwall import SonicwallParser
from secops import ecs
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = SonicwallParser()
HEAD = '<134>Nov 27 10:00:05 fw01 id=gw-hq sn=0017C5A1B2C3 time="{time}" fw=203.0.113.1 pri={pri} c=1024 n=48213 '


def parse(tail: str, time: str = "2026-11-27 10:00:00 UTC", pri: str = "6") -> dict:
    return ecs.flatten(PARSER.parse(HEAD.format(time=time, pri=pri) + tail, CTX))


@pytest.mark.parametrize("time", ["2026-11-27 25:00:00", "0000-00-00 00:00:00", "not set"])
def test_a_time_field_that_is_no_time_leaves_the_header_time(time: str) -> None:
    event = parse('m=537 msg="Connection Closed" src=10.0.0.5:5353:X0 dst=198.51.100.7:443:X1', time=time)
    assert event["@timestamp"] == "2026-11-27T10:00:05.000Z"
    assert (event["source.ip"], event["destination.port"]) == ("10.0.0.5", 443)


def test_time_with_a_trailing_space_or_slashes() -> None:
    for time in ("2026-11-27 10:00:00 ", "2026/11/27 10:00:00"):
        assert parse('m=98 msg="Connection Opened"', time=time)["@timestamp"] == "2026-11-27T10:00:00.000Z"


def test_priority_sequence_and_firewall_name() -> None:
    event = parse('m=36 msg="TCP packet dropped" src=198.51.100.9:4444:X1 dst=203.0.113.1:22:X1', pri="1")
    assert (event["event.severity"], event["log.level"], event["event.sequence"]) == (1, "alert", 48213)
    assert event["observer.name"] == "gw-hq"


def test_macs_zones_and_user() -> None:
    event = parse(
        'm=98 msg="Connection Opened" srcMac=00:1a:2b:3c:4d:5e src=10.0.0.5:51000:X0 srcZone=LAN natSrc=203.0.113.1:'
        '40000 dstMac=00:53:00:00:00:0c dst=198.51.100.7:443:X1 dstZone=WAN usr="alice" proto=tcp/https'
    )
    assert (event["source.mac"], event["destination.mac"]) == ("00-1A-2B-3C-4D-5E", "00-53-00-00-00-0C")
    assert (event["observer.ingress.zone"], event["observer.ingress.interface.name"]) == ("LAN", "X0")
    assert (event["observer.egress.zone"], event["observer.egress.interface.name"]) == ("WAN", "X1")
    assert (event["user.name"], event["related.user"]) == ("alice", ["alice"])
    assert "sonicwall.firewall.srcMac" not in event and event["sonicwall.firewall.c"] == "1024"


def test_content_filter_entry_is_a_url() -> None:
    event = parse(
        'm=97 msg="Web site hit" src=10.0.0.5:51000:X0 dst=198.51.100.7:443:X1 proto=tcp/https op=1 '
        'dstname=portal.example.net arg=/login?next=%2F code=27 Category="Information Technology/Computers"'
    )
    assert event["url.full"] == "https://portal.example.net/login?next=%2F"
    assert (event["url.domain"], event["url.path"], event["url.scheme"]) == (
        "portal.example.net",
        "/login?next=%2F",
        "https",
    )
    assert event["http.request.method"] == "GET"


def test_a_repeated_transport_in_proto_is_no_application() -> None:
    event = parse('m=36 msg="TCP packet dropped" src=198.51.100.9:4444:X1 dst=203.0.113.1:5900:X1 proto=tcp/tcp/5900')
    assert event["network.transport"] == "tcp"
    assert "network.protocol" not in event


def test_an_ipv6_address_with_port_and_interface() -> None:
    event = parse('m=537 msg="Connection Closed" src=2001:db8::5:51000:X0 dst=2001:db8::1:443:X1:www.example.net')
    assert (event["source.ip"], event["source.port"]) == ("2001:db8::5", 51000)
    assert (event["destination.ip"], event["destination.port"], event["destination.domain"]) == (
        "2001:db8::1",
        443,
        "www.example.net",
    )
    assert event["observer.ingress.interface.name"] == "X0"
