"""Kernel packet-log lines as hosts write them: glued prefixes, dmesg stamps, relays, trailing fields."""

from __future__ import annotations

import time

import pytest

from collectors.firewall.netfilter import NetfilterParser
from secops import ecs
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = NetfilterParser()
FIELDS = (
    "MAC=52:54:00:12:34:56:52:54:00:ab:cd:ef:08:00 SRC=198.51.100.9 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 "
    "ID=54321 DF PROTO=TCP SPT=44444 DPT=22 WINDOW=64240 RES=0x00 SYN URGP=0"
)


def parse(line: str) -> dict:
    assert PARSER.sniff_line(line)
    return ecs.flatten(PARSER.parse(line, CTX))


@pytest.mark.parametrize(
    ("head", "prefix", "action"),
    [
        # --log-prefix without its trailing space: the kernel glues IN= to it
        ("Nov 27 10:00:00 gw kernel: [ 5123.456789] iptables-dropIN=eth0 OUT=", "iptables-drop", "drop"),
        ("Nov 27 10:00:00 gw kernel: [ 5123.456789] REJECT_WANIN=eth0 OUT=", "REJECT_WAN", "reject_wan"),
        ("Nov 27 10:00:00 gw kernel: [ 5123.456789] [UFW BLOCK] IN=eth0 OUT=", "[UFW BLOCK]", "block"),
        # a relay's header before the host's: the prefix stays the prefix
        ("<4>Nov 27 10:00:02 loghost Nov 27 10:00:00 gw kernel: [UFW BLOCK] IN=eth0 OUT=", "[UFW BLOCK]", "block"),
    ],
)
def test_prefix_interface_and_verdict(head: str, prefix: str, action: str) -> None:
    event = parse(f"{head} {FIELDS}")
    assert (event["iptables.log_prefix"], event["event.action"]) == (prefix, action)
    assert (event["observer.ingress.interface.name"], event["iptables.input_device"]) == ("eth0", "eth0")
    assert (event["source.ip"], event["destination.port"], event["@timestamp"]) == (
        "198.51.100.9",
        22,
        "2026-11-27T10:00:00.000Z",
    )
    assert event["host.hostname"] == "gw"


def test_dmesg_wall_clock_stamp() -> None:
    event = parse(f"[Fri Nov 27 10:00:00 2026] [UFW BLOCK] IN=eth0 OUT= {FIELDS}")
    assert (event["@timestamp"], event["iptables.log_prefix"]) == ("2026-11-27T10:00:00.000Z", "[UFW BLOCK]")


def test_owner_and_mark_are_packet_fields_not_protocol_fields() -> None:
    event = parse(
        "Nov 27 10:00:00 gw kernel: [UFW AUDIT] IN= OUT=eth0 SRC=10.0.0.5 DST=198.51.100.7 LEN=60 TOS=0x00 "
        "PREC=0x00 TTL=64 ID=1 DF PROTO=TCP SPT=40000 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0 UID=1000 GID=1000 "
        "MARK=0x2a"
    )
    assert (event["iptables.uid"], event["iptables.gid"], event["iptables.mark"]) == (1000, 1000, "0x2a")
    assert not any(key in event for key in ("iptables.tcp.uid", "iptables.tcp.gid", "iptables.tcp.mark"))
    assert event["iptables.tcp.window"] == "64240"


def test_icmpv6_fields_are_under_icmp() -> None:
    event = parse(
        "Nov 27 10:00:00 gw kernel: [  123.456789] nft drop in: IN=eth0 OUT= SRC=2001:db8::9 DST=2001:db8::5 "
        "LEN=104 TC=0 HOPLIMIT=64 FLOWLBL=651234 PROTO=ICMPv6 TYPE=128 CODE=0 ID=3427 SEQ=1"
    )
    assert (event["network.transport"], event["network.type"]) == ("ipv6-icmp", "ipv6")
    assert (event["iptables.icmp.type"], event["iptables.icmp.id"], event["iptables.icmp.seq"]) == ("128", "3427", "1")
    assert (event["iptables.hop_limit"], event["iptables.flow_label"]) == (64, 651234)


@pytest.mark.parametrize(
    ("prefix", "zones"),
    [
        ("[wan-lan-default-D]", ("wan", "lan")),  # EdgeOS zone policy: from wan to lan
        ("[WAN_IN-10-D]", None),  # an interface's ruleset: no zones in its name
        ("[LAN_LOCAL-default-A]", None),
    ],
)
def test_ubiquiti_zones_only_from_zone_policies(prefix: str, zones: tuple[str, str] | None) -> None:
    event = parse(f"<4>Nov 27 10:00:00 edge01 kernel: {prefix}IN=eth0 OUT= {FIELDS}")
    assert event["observer.name"] == "edge01"
    assert event["rule.name"] == prefix[1:].rsplit("-", 2)[0]
    found = (event.get("observer.ingress.zone"), event.get("observer.egress.zone"))
    assert found == (zones or (None, None))
    assert (event.get("iptables.ubiquiti.input_zone"), event.get("iptables.ubiquiti.output_zone")) == found


@pytest.mark.parametrize(
    "line",
    [
        "Nov 27 10:00:00 gw kernel: " + "a" * 50_000 + " IN=eth0 OUT= SRC=198.51.100.9 DST=10.0.0.5 PROTO=TCP",
        "Nov 27 10:00:00 gw kernel: " + "[" * 50_000 + " IN=eth0 OUT= SRC=198.51.100.9 DST=10.0.0.5 PROTO=TCP",
        "Nov 27 10:00:00 gw kernel: " + "IN=" * 30_000 + " IN=eth0 OUT= SRC=198.51.100.9 DST=10.0.0.5 PROTO=TCP",
    ],
)
def test_a_hostile_prefix_costs_one_pass(line: str) -> None:
    started = time.perf_counter()
    event = PARSER.parse(line, CTX)
    assert time.perf_counter() - started < 1.0
    assert ecs.get(event, "source.ip") == "198.51.100.9"
