"""Every firewall writer puts a Flow's ends, NAT and user where its own parser reads them back.

Every writer formats the same flows, and the parsed ECS must say what the Flow
says: ends, source and destination NAT, user. ``expected`` holds the few places
where a format cannot carry a field or its parser reads it another way. A
writer that drops a field, hard-codes it or writes it under a key its parser
does not read fails here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from secops import ecs
from secops.generate.flows import Flow
from secops.generate.formats import FIREWALL_WRITERS
from secops.generate.network import Site, build
from secops.registry import ParseContext, get_parser

T = 1793621045.0
NETWORK = build(1)
HOST = Site("web01-hq", "netfilter", "web01-hq", "10.10.0.16", "10.10.0.16", "10.10")
"""netfilter logs on the host itself, so its "site" is one host (as the generator builds it)."""

FLOWS = {
    "outbound web, user, source NAT": Flow(
        T, "10.10.10.21", 51514, "142.250.72.14", 443, "tcp", "allow", "outbound", "ssl",
        3005, 11205, 7, 12, 21, "allow-web-outbound", 0,
        nat_src="198.51.100.10", nat_sport=64209, user="jsmith",
    ),
    "outbound DNS, no user, source NAT": Flow(
        T, "10.10.0.10", 53411, "9.9.9.9", 53, "udp", "allow", "outbound", "dns",
        72, 310, 1, 1, 0, "allow-dns-resolvers", 0,
        nat_src="198.51.100.10", nat_sport=61022,
    ),
    "inbound to a published server, destination NAT": Flow(
        T, "81.2.69.144", 50123, "198.51.100.10", 443, "tcp", "allow", "inbound", "ssl",
        900, 50000, 9, 40, 21, "publish-web", 0,
        nat_dst="10.10.0.16",
    ),
    "outbound denied, user": Flow(
        T, "10.10.10.22", 50111, "81.2.69.160", 3389, "tcp", "deny", "outbound", "ms-rdp",
        60, 0, 1, 0, 0, "block-outbound-risky", 0,
        user="mjones",
    ),
    "inbound denied": Flow(
        T, "81.2.69.145", 50124, "198.51.100.10", 23, "tcp", "deny", "inbound", "unknown-tcp",
        60, 0, 1, 0, 0, "default-deny-inbound", 0,
    ),
}  # fmt: skip
SESSIONS = range(700_000, 700_035)
"""Writers pick a message shape from the session number (mod 4, 5 or 7): 35 in a row meet every shape."""

ENDS = ("source.ip", "source.port", "destination.ip", "destination.port")
NO_TRANSLATION = ("0.0.0.0", 0)  # noqa: S104 - PAN-OS writes "no NAT" so, and its parser passes it on


def expected(fmt: str, flow: Flow, event: dict[str, Any]) -> dict[str, Any]:
    """What the parsed line must say about ``flow``: the Flow itself, bent where the format differs."""
    want: dict[str, Any] = dict(zip(ENDS, (flow.src, flow.sport, flow.dst, flow.dport), strict=True))
    want["source.nat"] = (flow.nat_src, flow.nat_sport) if flow.nat_src else None
    want["destination.nat"] = (flow.nat_dst, flow.dport) if flow.nat_dst else None
    want["user"] = flow.user
    if fmt == "panos":
        want["user"] = flow.user and f"agency\\{flow.user}"
    elif fmt in ("netfilter", "pfsense"):
        # One logged packet, no session table: no translation and no user. pf filters after rdr,
        # so filterlog shows an inbound packet addressed to the inside server.
        want.update({"source.nat": None, "destination.nat": None, "user": None})
        if fmt == "pfsense" and flow.nat_dst:
            want["destination.ip"] = flow.nat_dst
    elif fmt == "cisco-asa":
        want["user"] = None  # no identity firewall at the ASA site
        code = ecs.get(event, "event.code")
        if code in ("302013", "302015"):
            # Built: real address with its mapped one in parentheses; the real server is inside. The
            # mapped port repeats the real one (no port translation), so the parser keeps no nat.port.
            if flow.nat_dst:
                want["destination.ip"], want["destination.nat"] = flow.nat_dst, (flow.dst, None)
        elif code in ("302014", "302016"):
            # Teardown: no mapped addresses, and the outside end written first. The parser (like
            # Elastic's) reads that end as the source, so an outbound session comes back reversed.
            want["source.nat"] = want["destination.nat"] = None
            if flow.nat_dst:
                want["destination.ip"] = flow.nat_dst
            if flow.direction == "outbound":
                want.update(zip(ENDS, (flow.dst, flow.dport, flow.src, flow.sport), strict=True))
    return want


def observed(event: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, Any] = {field: ecs.get(event, field) for field in ENDS}
    for side in ("source", "destination"):
        nat = (ecs.get(event, f"{side}.nat.ip"), ecs.get(event, f"{side}.nat.port"))
        # A format that always writes the translated pair (SRX, ASA) repeats the address when nothing changed.
        untranslated = nat in (NO_TRANSLATION, (None, None), (seen[f"{side}.ip"], seen[f"{side}.port"]))
        seen[f"{side}.nat"] = None if untranslated else nat
    # CEF's suser is the source user only; the others also fill user.name.
    seen["user"] = ecs.get(event, "user.name") or ecs.get(event, "source.user.name")
    return seen


def test_all_ten_firewall_writers_are_checked() -> None:
    assert set(FIREWALL_WRITERS) == {
        "cisco-asa", "panos", "fortigate", "pfsense", "netfilter", "checkpoint", "juniper-srx", "sonicwall", "cef",
        "leef",
    }  # fmt: skip


@pytest.mark.parametrize("fmt", sorted(FIREWALL_WRITERS))
@pytest.mark.parametrize("case", FLOWS)
def test_writer_carries_the_flow_to_its_parser(fmt: str, case: str) -> None:
    site = HOST if fmt == "netfilter" else NETWORK.by_fmt(fmt)
    parser, write = get_parser(fmt), FIREWALL_WRITERS[fmt]
    ctx = ParseContext()
    for session in SESSIONS:
        flow = replace(FLOWS[case], session=session)
        line = write(flow, site)
        event = parser.parse(line, ctx)
        assert observed(event) == expected(fmt, flow, event), line
