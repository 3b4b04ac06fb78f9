"""Cisco ASA/FTD: which end is the source, and when the mapped addresses are NAT, on lines written here.

ASA writes every connection's mapped pair, translated or not; ``source.nat`` /
``destination.nat`` carry an address or port only where it differs from the
real one, while ``cisco.asa.mapped_*`` keep what the line says (the rule
Elastic's pipeline follows, checked over its vectors in
``test_firewall_elastic_extra_fields.py``). Addresses are documentation ranges.
"""

from __future__ import annotations

from typing import Any

import pytest

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser

CTX = ParseContext(year=2026)
HEAD = "<166>Mar 14 2026 08:15:00 fw-lab : "


def parse(text: str) -> dict[str, Any]:
    parser = get_parser("cisco-asa")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(HEAD + text, CTX))


def nat(event: dict[str, Any], side: str) -> tuple[Any, Any]:
    return event.get(f"{side}.nat.ip"), event.get(f"{side}.nat.port")


def test_static_nat_keeps_the_mapped_address_not_the_repeated_port() -> None:
    event = parse(
        "%ASA-6-302013: Built inbound TCP connection 4100 for outside:198.51.100.23/61544 (198.51.100.23/61544)"
        " to dmz:10.20.0.8/443 (203.0.113.8/443)"
    )
    assert (event["source.ip"], event["source.port"]) == ("198.51.100.23", 61544)
    assert nat(event, "source") == (None, None)  # the client is not translated
    assert (event["destination.ip"], event["destination.port"]) == ("10.20.0.8", 443)
    assert nat(event, "destination") == ("203.0.113.8", None)  # same port: no port translation
    assert (event["cisco.asa.mapped_destination_ip"], event["cisco.asa.mapped_destination_port"]) == (
        "203.0.113.8",
        443,
    )
    assert (event["cisco.asa.mapped_source_ip"], event["cisco.asa.mapped_source_port"]) == ("198.51.100.23", 61544)
    assert set(event["related.ip"]) == {"198.51.100.23", "10.20.0.8", "203.0.113.8"}


def test_port_address_translation_keeps_address_and_port() -> None:
    event = parse(
        "%ASA-6-302015: Built outbound UDP connection 4101 for outside:192.0.2.53/53 (192.0.2.53/53)"
        " to inside:10.20.1.40/50333 (203.0.113.1/20999)"
    )
    assert (event["source.ip"], event["source.port"]) == ("10.20.1.40", 50333)  # the inside host started it
    assert nat(event, "source") == ("203.0.113.1", 20999)
    assert (event["destination.ip"], event["destination.port"]) == ("192.0.2.53", 53)
    assert nat(event, "destination") == (None, None)
    assert event["observer.ingress.interface.name"] == "inside"


def test_a_port_forward_on_the_same_address_is_a_port_translation_only() -> None:
    event = parse(
        "%ASA-6-302013: Built inbound TCP connection 4102 for outside:198.51.100.9/40000 (198.51.100.9/40000)"
        " to inside:203.0.113.20/22 (203.0.113.20/2222)"
    )
    assert nat(event, "destination") == (None, 2222)


@pytest.mark.parametrize(
    "text",
    [
        "%ASA-6-805002: UDP Flow is no longer offloaded for connection 77 from inside:10.20.2.2/4789"
        " (10.20.2.2/4789) to core:10.20.3.3/4789 (10.20.3.3/4789)",
        "%FTD-3-210007: LU allocate xlate failed for static UDP translation from inside:10.20.2.2/4789"
        " (10.20.2.2/4789) to core:10.20.3.3/4789 (10.20.3.3/4789)",
    ],
)
def test_mapped_pair_equal_to_the_real_one_is_no_nat(text: str) -> None:
    event = parse(text)
    assert (event["source.ip"], event["destination.ip"]) == ("10.20.2.2", "10.20.3.3")
    assert nat(event, "source") == nat(event, "destination") == (None, None)
    namespace = "ftd" if "%FTD" in text else "asa"
    assert event[f"cisco.{namespace}.mapped_source_ip"] == "10.20.2.2"  # what the line says stays readable
    assert event["related.ip"] == ["10.20.2.2", "10.20.3.3"]


@pytest.mark.parametrize(
    "text",
    [
        "%ASA-6-302020: Built outbound ICMP connection for faddr 192.0.2.77/0 gaddr 203.0.113.5/31 laddr"
        " 10.20.4.4/31 type 8 code 0",
        "%ASA-6-302021: Teardown ICMP connection for faddr 192.0.2.77/0 gaddr 203.0.113.5/31 laddr 10.20.4.4/31"
        " type 8 code 0",
    ],
)
def test_icmp_connections_name_addresses_and_no_ports(text: str) -> None:
    event = parse(text)
    # laddr is the source, its global address the NAT; faddr the destination. The numbers after
    # the slashes are ICMP identifiers, not ports.
    assert (event["source.ip"], event["source.nat.ip"], event["destination.ip"]) == (
        "10.20.4.4",
        "203.0.113.5",
        "192.0.2.77",
    )
    ports = [key for key in event if key.endswith((".port", "_port"))]
    assert ports == []


@pytest.mark.parametrize(("msgid", "transport"), [("302014", "TCP"), ("302016", "UDP")])
def test_teardown_reads_the_for_end_as_source_whatever_the_direction(msgid: str, transport: str) -> None:
    # The teardown of an outbound session: the server outside is written first. The line says
    # no direction, so, as in Elastic's pipeline, that "for" end is the source.
    event = parse(
        f"%ASA-6-{msgid}: Teardown {transport} connection 4103 for outside:192.0.2.80/443 to"
        " inside:10.20.5.5/50100 duration 0:00:07 bytes 9000"
    )
    assert (event["source.ip"], event["source.port"]) == ("192.0.2.80", 443)
    assert (event["destination.ip"], event["destination.port"]) == ("10.20.5.5", 50100)
    assert "network.direction" not in event
    assert "source.nat.ip" not in event and "destination.nat.ip" not in event
    assert event["network.bytes"] == 9000
