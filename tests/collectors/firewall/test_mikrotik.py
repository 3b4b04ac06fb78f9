"""The MikroTik RouterOS parser on CrowdSec's sample lines and on lines written here.

``mikrotik-logs.log`` comes from crowdsecurity/hub (MIT) and is read from
``../shared/data``; the other lines were written for these tests from the
RouterOS manual's description of firewall logging and log topics.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from secops import ecs
from secops.errors import ParseError
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import LineParser, ParseContext, get_parser

CTX = ParseContext(year=2026, timezone=ZoneInfo("Europe/Riga"))


def parse(line: str) -> dict[str, Any]:
    parser = get_parser("mikrotik")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


def auto(path: Path) -> tuple[list[dict[str, Any]], Stats]:
    stats = Stats()
    return [ecs.flatten(e) for e in parse_files(expand([path]), "auto", CTX, stats)], stats


@pytest.mark.shared_data
def test_crowdsec_sample_through_auto(shared_data: Path) -> None:
    path = shared_data / "firewall" / "extra" / "crowdsec_hub" / "mikrotik-logs.log"
    events, stats = auto(path)
    assert len(events) == 7
    assert stats.failures == 0, stats.warnings
    assert {e["event.dataset"] for e in events} == {"mikrotik.log"}
    assert not {k for e in events for k in e if not ecs.is_known_field(k)} - {"log.offset"}
    first = events[0]  # ...+01:00 10.120.127.1 firewall,info drop-in input: in:ether1-WAN ... proto UDP, ...:53
    assert first["@timestamp"] == "2023-03-18T19:35:05.734637Z"
    assert (first["source.ip"], first["source.port"], first["destination.ip"], first["destination.port"]) == (
        "186.26.78.68",
        44355,
        "81.82.202.145",
        53,
    )
    assert (first["rule.name"], first["event.action"], first["event.outcome"]) == ("drop-in", "drop", "failure")
    assert "denied" in first["event.type"] and first["network.direction"] == "ingress"
    assert (first["network.transport"], first["network.bytes"], first["source.mac"]) == ("udp", 65, "00-17-10-88-BC-02")
    assert first["observer.ingress.interface.name"] == "ether1-WAN" and "observer.egress.interface.name" not in first
    assert first["mikrotik.chain"] == "input" and first["observer.ip"] == ["10.120.127.1"]
    assert events[1]["mikrotik.tcp_flags"] == ["SYN"] and events[1]["rule.name"] == "drop-tcp"
    login = events[2]  # system,error,critical login failure for user admin from 10.127.0.35 via winbox
    assert (login["event.category"], login["event.outcome"], login["user.name"], login["source.ip"]) == (
        ["authentication"],
        "failure",
        "admin",
        "10.127.0.35",
    )
    assert login["mikrotik.login.via"] == "winbox" and login["log.level"] == "error"
    v6 = events[3]  # gw firewall,info input: ... [2001:db8:1234::1]:40384->[2001:db8:1234::2]:20461, len 24
    assert v6["@timestamp"] == "2026-05-30T22:04:27.696749Z" and v6["observer.hostname"] == "gw"
    assert (v6["source.ip"], v6["source.port"], v6["destination.ip"], v6["destination.port"]) == (
        "2001:db8:1234::1",
        40384,
        "2001:db8:1234::2",
        20461,
    )
    assert v6["network.type"] == "ipv6" and "rule.name" not in v6 and "event.action" not in v6
    forward = events[4]
    assert forward["mikrotik.chain"] == "forward" and forward["observer.egress.interface.name"] == "LAN"
    assert "source.mac" not in events[5] and events[5]["destination.port"] == 36228


def test_bsd_header_with_nat_and_accept_prefix() -> None:
    event = parse(
        "<134>Mar  2 14:07:31 gw1 firewall,info accept-rdp forward: in:ether1 out:bridge, connection-state:new "
        "src-mac 4c:5e:0c:11:22:33, proto TCP (SYN), 203.0.113.9:51515->192.168.88.10:3389, "
        "NAT 203.0.113.9:51515->(198.51.100.1:3389->192.168.88.10:3389), len 60"
    )
    assert event["@timestamp"] == "2026-03-02T12:07:31.000Z"  # Riga is UTC+2 in March
    assert (event["event.type"], event["event.outcome"]) == (["connection", "allowed", "start"], "success")
    assert (event["destination.nat.ip"], event["destination.nat.port"]) == ("192.168.88.10", 3389)
    assert "source.nat.ip" not in event and event["network.direction"] == "inbound"
    assert event["observer.hostname"] == "gw1" and event["log.syslog.priority"] == 134


def test_source_nat_and_iso_space_stamp_without_host() -> None:
    event = parse(
        "2026-03-02 14:07:31 firewall,info FW_LOG: srcnat: in:(unknown 0) out:ether1, connection-state:new,snat "
        "proto UDP, 192.168.88.10:5000->8.8.8.8:53, NAT (192.168.88.10:5000->203.0.113.1:5000)->8.8.8.8:53, len 72"
    )
    assert (event["source.nat.ip"], event["source.nat.port"], event["source.ip"]) == (
        "203.0.113.1",
        5000,
        "192.168.88.10",
    )
    assert "destination.nat.ip" not in event and event["mikrotik.connection_state"] == "new,snat"
    assert event["related.ip"] == ["192.168.88.10", "8.8.8.8", "203.0.113.1"]  # the NAT address too
    assert event["rule.name"] == "FW_LOG" and "event.outcome" not in event
    assert event["network.direction"] == "outbound" and "observer.ingress.interface.name" not in event


def test_icmp_and_bare_ipv6_have_no_ports() -> None:
    icmp = parse(
        "Mar  2 14:07:31 gw1 firewall,info DROP_ICMP input: in:ether1 out:(unknown 0), "
        "proto ICMP (type 3, code 3), 203.0.113.9->198.51.100.1, len 56"
    )
    assert (icmp["mikrotik.icmp.type"], icmp["mikrotik.icmp.code"], icmp["network.iana_number"]) == (3, 3, "1")
    assert icmp["source.ip"] == "203.0.113.9" and "source.port" not in icmp and "destination.port" not in icmp
    assert icmp["event.action"] == "drop"
    v6 = parse(
        "Mar  2 14:07:31 gw1 firewall,info input: in:ether1 out:(unknown 0), "
        "proto ICMP (type 135, code 0), fe80::1->ff02::1:ff00:2, len 32"
    )
    assert (v6["source.ip"], v6["destination.ip"], v6["network.type"]) == ("fe80::1", "ff02::1:ff00:2", "ipv6")
    assert "source.port" not in v6


def test_logins_and_other_topics() -> None:
    ok = parse("<38>Mar  2 14:07:31 gw1 system,info,account user alice logged in from 192.168.88.2 via ssh")
    assert (ok["event.category"], ok["event.type"], ok["event.outcome"], ok["event.action"]) == (
        ["authentication"],
        ["start"],
        "success",
        "logged-in",
    )
    assert (ok["user.name"], ok["source.ip"], ok["mikrotik.login.via"]) == ("alice", "192.168.88.2", "ssh")
    out = parse("Mar  2 14:09:00 gw1 system,info,account user alice logged out from 192.168.88.2 via ssh")
    assert out["event.type"] == ["end"] and out["event.action"] == "logged-out"
    dhcp = parse("Mar  2 14:09:00 gw1 dhcp,info dhcp-client on ether1 got IP address 203.0.113.50")
    assert dhcp["message"] == "dhcp-client on ether1 got IP address 203.0.113.50"
    assert dhcp["mikrotik.topics"] == ["dhcp", "info"] and "event.category" not in dhcp


def garbage(seed: int = 11) -> list[str]:
    """Random bytes decoded as the pipeline does, and RouterOS-shaped lines cut or filled with noise."""
    rng = random.Random(seed)
    lines = [rng.randbytes(rng.randint(1, 300)).decode("utf-8", "backslashreplace") for _ in range(300)]
    shapes = [
        "Mar  2 14:07:31 gw firewall,info ", "x: in:a out:b, ", "proto ICMP (type ", "NAT (", "[::1]:->",
        "Feb 30 25:61:61 gw system,error,critical login failure for user ", "user  logged in from  via ",
    ]  # fmt: skip
    for shape in shapes:
        lines += [shape, shape + rng.randbytes(60).decode("latin-1"), shape * 5000]
    return lines


def test_garbage_is_rejected_never_a_crash() -> None:
    parser = get_parser("mikrotik")
    assert isinstance(parser, LineParser)
    lines = [*garbage(), "firewall,info", "x firewall,info in: out:, proto ->", "a," * 200_000 + "info x"]
    parsed = 0
    for line in lines:
        parser.sniff_line(line)
        try:
            event = parser.parse(line, CTX)
        except ParseError:
            continue
        assert isinstance(event, dict)
        parsed += 1
    assert 0 < parsed < len(lines)
    assert not parser.sniff_line("Mar  2 14:07:31 host sshd[1]: Invalid user a,info from 10.0.0.1 port 2")
    assert parser.sniff_line("<134>1 2026-03-02T14:07:31Z gw - - - firewall,info input: in:a out:b, len 1")
    with pytest.raises(ParseError):
        parser.parse("Mar  2 14:07:31 host sshd[1]: Accepted password for bob from 10.0.0.1 port 1 ssh2", CTX)


def test_mixed_file_keeps_bad_lines_and_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "router.log"
    path.write_text(
        "Mar  2 14:07:31 gw1 firewall,info input: in:ether1 out:(unknown 0), proto TCP (SYN), "
        "203.0.113.9:40000->198.51.100.1:22, len 60\n"
        "complete garbage here\n"
        "Mar  2 14:07:33 gw1 system,error,critical login failure for user root from 203.0.113.9 via telnet\n"
    )
    events, stats = auto(path)
    assert [e["event.dataset"] for e in events] == ["mikrotik.log", "secops.unparsed", "mikrotik.log"]
    assert stats.failures == 1 and events[2]["user.name"] == "root"


@pytest.mark.shared_data
def test_other_vendors_lines_are_not_claimed(shared_data: Path) -> None:
    parser = get_parser("mikrotik")
    files = [f for f in sorted((shared_data / "firewall").rglob("*.log")) if "mikrotik" not in f.name]
    claimed = [line for f in files for line in f.read_text().splitlines() if parser.sniff_line(line)]
    assert not claimed, claimed[:3]
