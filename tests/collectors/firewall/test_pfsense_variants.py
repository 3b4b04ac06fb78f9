"""pfSense/OPNsense filterlog rows beyond TCP and UDP: ICMP by type, CARP, VLANs, rows cut short."""

from __future__ import annotations

import pytest

from collectors.firewall.pfsense import PfsenseParser
from secops import ecs
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = PfsenseParser()
HEAD = "<134>Nov 27 10:00:00 fw01 filterlog[72237]: 5,,,1000000103,igb1.30,match,block,in,"


def parse(row: str) -> dict:
    return ecs.flatten(PARSER.parse(HEAD + row, CTX))


@pytest.mark.parametrize(
    ("icmp", "expected"),
    [
        ("request,37728,064", {"type": "request", "id": 37728, "seq": 64}),
        ("unreachport,10.0.0.5,udp,53", {"type": "unreachport", "destination.ip": "10.0.0.5", "unreachable": "udp",
                                         "port": 53}),
        ("unreachproto,10.0.0.5,47", {"type": "unreachproto", "destination.ip": "10.0.0.5", "unreachable": "47"}),
        ("needfrag,10.0.0.5,1400", {"type": "needfrag", "destination.ip": "10.0.0.5", "mtu": 1400}),
        ("tstampreply,7,1,100,200,300", {"type": "tstampreply", "id": 7, "seq": 1, "otime": 100, "rtime": 200,
                                         "ttime": 300}),
        ("timexceed,time exceeded in-transit", {"type": "timexceed", "description": "time exceeded in-transit"}),
    ],
)  # fmt: skip
def test_icmp_fields_follow_the_type(icmp: str, expected: dict) -> None:
    event = parse(f"4,0x0,,64,0,0,DF,1,icmp,56,198.51.100.9,203.0.113.5,{icmp}")
    assert {k.removeprefix("pfsense.icmp."): v for k, v in event.items() if k.startswith("pfsense.icmp.")} == expected
    assert (event["network.transport"], event["source.ip"], event["destination.ip"]) == (
        "icmp",
        "198.51.100.9",
        "203.0.113.5",
    )


def test_icmpv6_row_without_icmp_fields_has_no_empty_type() -> None:
    event = parse("6,0x00,0x00000,255,ipv6-icmp,58,32,fe80::1,ff02::1,")
    assert not any(key.startswith("pfsense.icmp") for key in event)
    assert (event["network.transport"], event["pfsense.ip.hop_limit"]) == ("ipv6-icmp", "255")


def test_tcp_fields_named_as_elastic_has_them() -> None:
    event = parse("4,0x0,,63,12617,0,DF,6,tcp,60,10.0.0.9,198.51.100.7,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS")
    assert (event["pfsense.tcp.flags"], event["pfsense.tcp.length"], event["pfsense.tcp.window"]) == ("S", "0", "64240")
    assert event["pfsense.tcp.options"] == ["mss", "sackOK", "TS"]
    assert (event["pfsense.ip.ttl"], event["pfsense.ip.id"], event["pfsense.ip.offset"]) == ("63", "12617", "0")
    assert (event["observer.ingress.interface.name"], event["observer.ingress.vlan.id"]) == ("igb1.30", "30")
    assert (event["process.name"], event["process.pid"], event["event.provider"]) == ("filterlog", 72237, "filterlog")


def test_carp_advertisement() -> None:
    event = parse("4,0x10,,255,5120,0,none,112,carp,56,10.0.0.2,224.0.0.18,advertise,255,1,2,100,1")
    assert {k: v for k, v in event.items() if k.startswith("pfsense.carp.")} == {
        "pfsense.carp.type": "advertise",
        "pfsense.carp.ttl": 255,
        "pfsense.carp.vhid": 1,
        "pfsense.carp.version": 2,
        "pfsense.carp.advskew": 100,
        "pfsense.carp.advbase": 1,
    }


@pytest.mark.parametrize(
    "row",
    ["4,0x0,,64,0", "4,0x0,,64,0,0,DF,17,udp,76,10.0.0.9", "6,0x00,0x00000,64,udp,17,32,fe80::1"],
)
def test_a_row_cut_short_keeps_what_it_has(row: str) -> None:
    event = parse(row)
    assert (event["event.action"], event["network.direction"], event["observer.ingress.interface.name"]) == (
        "block",
        "in",
        "igb1.30",
    )
    assert event["@timestamp"] == "2026-11-27T10:00:00.000Z"
    assert event["pfsense.ip.ttl" if row[0] == "4" else "pfsense.ip.hop_limit"] == "64"
