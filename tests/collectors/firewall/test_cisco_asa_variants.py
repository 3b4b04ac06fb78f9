"""Cisco ASA/FTD message variants real devices write, on lines written for these tests.

Addresses are documentation ranges, names invented; the shapes follow Cisco's
ASA and FTD syslog message guides.
"""

from __future__ import annotations

from typing import Any

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser

CTX = ParseContext(year=2026)
HEAD = "<166>Mar 14 2026 08:15:00 fw-lab : "


def parse(text: str) -> dict[str, Any]:
    parser = get_parser("cisco-asa")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(HEAD + text, CTX))


FIREPOWER_CONNECTION = (
    "%FTD-1-430002: DeviceUUID: 6f0c8a4e-0000-4000-8000-0000000000aa, InstanceID: 1, "
    "FirstPacketSecond: 2026-03-14T08:14:58Z, ConnectionID: 40117, AccessControlRuleAction: Block, "
    "SrcIP: 2001:db8:10::25, DstIP: 2001:db8:20::80, SrcPort: 51000, DstPort: 443, Protocol: tcp, "
    "IngressInterface: inside, EgressInterface: outside, IngressZone: INSIDE-ZONE, EgressZone: OUTSIDE-ZONE, "
    "ACPolicy: Branch-ACP, AccessControlRuleName: Block-Gambling, Prefilter Policy: Default Prefilter Policy, "
    "User: CORP\\jdoe, UserAgent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
    "Gecko) Chrome/122.0 Safari/537.36, Client: Chrome, ApplicationProtocol: HTTPS, URLCategory: Gambling, "
    "URL: https://casino.example.com/lobby?game=1,2, InitiatorPackets: 3, ResponderPackets: 2, "
    "InitiatorBytes: 517, ResponderBytes: 140, NAT_InitiatorAddr: ::, NAT_InitiatorPort: 0, "
    "NAT_ResponderAddr: ::, NAT_ResponderPort: 0"
)


def test_firepower_values_keep_their_commas_and_keys_their_spaces() -> None:
    event = parse(FIREPOWER_CONNECTION)
    assert event["user_agent.original"] == (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36"
    )
    assert event["url.original"] == "https://casino.example.com/lobby?game=1,2"
    assert event["cisco.ftd.prefilter_policy"] == "Default Prefilter Policy"
    assert event["rule.name"] == "Block-Gambling"
    assert event["event.type"] == ["connection", "start", "denied"]


def test_firepower_unspecified_nat_is_no_translation() -> None:
    event = parse(FIREPOWER_CONNECTION)
    assert "source.nat.ip" not in event and "destination.nat.ip" not in event
    assert "source.nat.port" not in event and "destination.nat.port" not in event
    assert "::" not in event["related.ip"]
    translated = parse(
        FIREPOWER_CONNECTION.replace("NAT_InitiatorAddr: ::, NAT_InitiatorPort: 0", "NAT_InitiatorAddr: "
        "2001:db8:99::1, NAT_InitiatorPort: 61000")
    )  # fmt: skip
    assert (translated["source.nat.ip"], translated["source.nat.port"]) == ("2001:db8:99::1", 61000)


def test_firepower_counters_zones_and_first_packet_in_ecs() -> None:
    event = parse(FIREPOWER_CONNECTION)
    assert (event["source.packets"], event["destination.packets"], event["network.packets"]) == (3, 2, 5)
    assert (event["source.bytes"], event["destination.bytes"], event["network.bytes"]) == (517, 140, 657)
    assert (event["observer.ingress.zone"], event["observer.egress.zone"]) == ("INSIDE-ZONE", "OUTSIDE-ZONE")
    assert event["event.start"] == "2026-03-14T08:14:58.000Z"
    assert event["network.protocol"] == "https"


def test_access_group_deny_of_a_protocol_number() -> None:
    event = parse(
        '%ASA-4-106023: Deny protocol 47 src outside:198.51.100.7 dst inside:10.1.1.1 by access-group "OUTSIDE_IN"'
        " [0x0, 0x0]"
    )
    assert (event["source.ip"], event["destination.ip"]) == ("198.51.100.7", "10.1.1.1")
    assert (event["network.transport"], event["network.iana_number"]) == ("gre", "47")
    assert event["rule.name"] == "OUTSIDE_IN"
    assert event["observer.ingress.interface.name"] == "outside"


def test_icmp6_has_its_protocol_number() -> None:
    event = parse(
        "%ASA-4-106023: Deny icmp6 src outside:2001:db8::7 dst inside:2001:db8:1::1 (type 128, code 0) by "
        'access-group "OUTSIDE_IN" [0x0, 0x0]'
    )
    assert (event["network.transport"], event["network.iana_number"]) == ("icmp6", "58")
    assert event["cisco.asa.icmp_type"] == 128


def test_teardown_reason_is_event_reason() -> None:
    event = parse(
        "%ASA-6-302014: Teardown TCP connection 4102 for outside:198.51.100.23/61544 to dmz:10.20.0.8/443"
        " duration 1:02:03 bytes 1234 TCP Reset-O"
    )
    assert event["event.reason"] == "TCP Reset-O"
    assert event["event.duration"] == 3723 * 1_000_000_000
    assert event["network.bytes"] == 1234
    quiet = parse(
        "%ASA-6-302016: Teardown UDP connection 77 for outside:192.0.2.53/53 to inside:10.1.1.50/5353"
        " duration 0:00:00 bytes 120"
    )
    assert "event.reason" not in quiet and quiet["network.bytes"] == 120


def test_vpn_session_disconnect_reads_duration_and_reason() -> None:
    event = parse(
        "%ASA-4-113019: Group = GP-Staff, Username = jdoe, IP = 198.51.100.9, Session disconnected. Session Type:"
        " AnyConnect-Parent, Duration: 1d 01h:02m:03s, Bytes xmt: 1048576, Bytes rcv: 65536, Reason: Idle Timeout"
    )
    assert event["event.duration"] == (25 * 3600 + 2 * 60 + 3) * 1_000_000_000
    assert (event["event.reason"], event["user.name"], event["source.ip"]) == ("Idle Timeout", "jdoe", "198.51.100.9")
    assert (event["cisco.asa.bytes_xmt"], event["cisco.asa.bytes_rcv"]) == ("1048576", "65536")
    assert event["cisco.asa.session_type"] == "AnyConnect-Parent"


def test_the_sequence_number_before_the_time_is_event_sequence() -> None:
    parser = get_parser("cisco-asa")
    assert isinstance(parser, LineParser)
    line = (
        "<166>1234: fw01: Mar 14 2026 08:15:00.123 UTC: %ASA-6-302013: Built outbound TCP connection 1 for "
        "outside:192.0.2.1/443 (192.0.2.1/443) to inside:10.0.0.5/51514 (10.0.0.5/51514)"
    )
    event = parser.parse(line, CTX)
    assert [ecs.get(event, f) for f in ("@timestamp", "event.sequence", "observer.hostname")] == [
        "2026-03-14T08:15:00.123Z",
        1234,
        "fw01",
    ]
    assert ecs.get(parser.parse(line.replace("1234: fw01: ", ""), CTX), "event.sequence") is None
