"""Firewall parsers on hand-written lines (formats from the vendors' documentation) and on hostile input.

The lines here were written for these tests from the vendors' published
field descriptions; Elastic's own vectors are checked in
``test_firewall_elastic_vectors.py``. The robustness tests feed every line of
``../shared/data/firewall`` and a garbage corpus to every firewall parser:
a parser may reject a record (``ParseError``), never fail otherwise.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from secops import ecs
from secops.errors import ParseError
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import LineParser, ParseContext, get_parser, parsers

CTX = ParseContext(year=2026)
FIREWALL = (
    "cisco-asa",
    "panos",
    "fortigate",
    "pfsense",
    "netfilter",
    "checkpoint",
    "juniper-srx",
    "sonicwall",
    "cef",
    "leef",
)


def parse(name: str, line: str) -> dict[str, Any]:
    parser = get_parser(name)
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


def test_all_ten_formats_are_registered_with_their_design_names() -> None:
    assert set(FIREWALL) <= set(parsers())


def test_cisco_asa_acl_denied_with_nat_and_users() -> None:
    event = parse(
        "cisco-asa",
        "<164>Nov 24 2026 10:00:01 fw-edge : %ASA-4-106100: access-list outside_in denied udp "
        "outside/203.0.113.7(5353) -> dmz/198.51.100.10(53) hit-cnt 4 300-second interval [0x1, 0x0]",
    )
    assert event["@timestamp"] == "2026-11-24T10:00:01.000Z"
    assert event["event.type"] == ["connection", "denied"]
    assert (event["source.ip"], event["source.port"], event["destination.ip"], event["destination.port"]) == (
        "203.0.113.7",
        5353,
        "198.51.100.10",
        53,
    )
    assert event["rule.name"] == "outside_in"
    assert event["observer.ingress.interface.name"] == "outside"
    assert event["observer.hostname"] == "fw-edge"
    assert event["log.level"] == "warning"
    assert event["cisco.asa.rule_name"] == "outside_in"


def test_cisco_outbound_connection_is_seen_from_the_inside_host() -> None:
    event = parse(
        "cisco-asa",
        "%ASA-6-302013: Built outbound TCP connection 77 for outside:198.51.100.5/443 (198.51.100.5/443) "
        "to inside:10.1.1.5/51000 (203.0.113.9/61000)",
    )
    assert (event["source.ip"], event["source.port"], event["source.nat.ip"], event["source.nat.port"]) == (
        "10.1.1.5",
        51000,
        "203.0.113.9",
        61000,
    )
    assert event["destination.ip"] == "198.51.100.5"
    assert event["network.direction"] == "outbound"
    assert event["cisco.asa.connection_id"] == "77"


def test_cisco_teardown_duration_and_bytes() -> None:
    event = parse(
        "cisco-asa",
        "%ASA-6-302014: Teardown TCP connection 9 for outside:198.51.100.5/443 to inside:10.1.1.5/51000 "
        "duration 1:02:03 bytes 4096 TCP FINs",
    )
    assert event["event.duration"] == 3723 * 1_000_000_000
    assert event["network.bytes"] == 4096
    assert event["event.type"] == ["connection", "end"]


def test_ftd_firepower_connection_event() -> None:
    event = parse(
        "cisco-asa",
        "<113>%FTD-1-430003: DeviceUUID: 0fd6c4b2, AccessControlRuleAction: Block, SrcIP: 10.2.3.4, "
        "DstIP: 198.51.100.80, SrcPort: 50123, DstPort: 445, Protocol: tcp, IngressInterface: inside, "
        "EgressInterface: outside, AccessControlRuleName: block-smb, User: CORP\\alice, InitiatorBytes: 120, "
        "ResponderBytes: 0",
    )
    assert event["observer.product"] == "ftd"
    assert event["event.dataset"] == "cisco_ftd.log"
    assert event["event.type"] == ["connection", "end", "denied"]
    assert event["rule.name"] == "block-smb"
    assert event["user.name"] == "CORP\\alice"
    assert (event["source.bytes"], event["destination.bytes"]) == (120, 0)
    assert event["cisco.ftd.deviceuuid"] == "0fd6c4b2"


def test_cisco_unknown_message_id_is_still_an_event() -> None:
    event = parse("cisco-asa", "%ASA-5-999999: something new")
    assert event["event.code"] == "999999" and event["message"] == "something new"


def test_panos_threat_log() -> None:
    fields = [
        "1", "2026/11/24 10:00:00", "0123456789", "THREAT", "vulnerability", "2561", "2026/11/24 09:59:59",
        "10.0.0.5", "198.51.100.20", "203.0.113.2", "198.51.100.20", "allow-web", "corp\\bob", "", "web-browsing",
        "vsys1", "trust", "untrust", "ethernet1/2", "ethernet1/1", "fwd", "2026/11/24 09:59:59", "4242", "1",
        "50000", "80", "40000", "80", "0x2000", "tcp", "reset-both", "/evil.php",
        "Apache Struts RCE(33948)", "any", "critical", "client-to-server", "555", "0x0", "10.0.0.0-10.255.255.255",
        "US",
    ]  # fmt: skip
    event = parse("panos", "<14>Nov 24 10:00:00 PA-3220 " + ",".join(fields))
    assert event["event.kind"] == "alert"
    assert event["event.type"] == ["denied", "connection"]
    assert event["event.outcome"] == "failure"
    assert event["network.direction"] == "outbound"
    assert event["threat.indicator.description"] == "Apache Struts RCE(33948)"
    assert event["user.name"] == "corp\\bob"
    assert event["panw.panos.severity"] == "critical"
    assert event["@timestamp"] == "2026-11-24T09:59:59.000Z"


def test_panos_system_log_with_quoted_commas() -> None:
    line = (
        "1,2026/11/24 10:00:00,0123456789,SYSTEM,general,0,2026/11/24 10:00:00,,general,,0,0,general,"
        'informational,"User admin logged in via Web from 10.0.0.9 using https, session 7",123,0x0,0,0,0,0,,PA-1'
    )
    event = parse("panos", line)
    assert event["message"] == "User admin logged in via Web from 10.0.0.9 using https, session 7"
    assert event["observer.hostname"] == "PA-1"


def test_fortigate_traffic_with_destination_nat_and_no_tz() -> None:
    event = parse(
        "fortigate",
        'date=2026-11-24 time=08:00:00 devname="FGT" devid="FG1" logid="0000000013" type="traffic" '
        'subtype="forward" srcip=198.51.100.7 srcport=40000 dstip=203.0.113.10 dstport=443 proto=6 '
        'action="accept" policyname="dnat-web" trandisp="dnat" tranip=10.0.0.10 tranport=8443 sentbyte=10 rcvdbyte=20',
    )
    assert event["@timestamp"] == "2026-11-24T08:00:00.000Z"
    assert event["destination.nat.ip"] == "10.0.0.10" and event["destination.nat.port"] == 8443
    assert event["network.direction"] == "external"
    assert event["fortinet.firewall.trandisp"] == "dnat"


def test_pfsense_ipv6_and_carp() -> None:
    event = parse(
        "pfsense",
        "<134>Nov 24 10:00:00 fw filterlog[1]: 5,,,1000000103,em0,match,pass,out,6,0x00,0x00000,64,udp,17,40,"
        "2001:db8::1,2001:db8::2,5353,53,40",
    )
    assert event["source.ip"] == "2001:db8::1" and event["destination.port"] == 53
    assert event["event.type"] == ["connection", "allowed"]
    assert event["network.direction"] == "out"
    carp = parse("pfsense", "filterlog: 7,,,1,em1,match,pass,out,4,0x10,,255,0,0,none,112,carp,56,10.0.0.2,224.0.0.18,")
    assert carp["network.transport"] == "carp"


def test_netfilter_proxmox_and_nftables_prefixes() -> None:
    event = parse(
        "netfilter",
        "0 3 PVEFW-HOST-IN 20/Jun/2022:13:09:14 +0200 policy DROP: IN=vmbr0 "
        "MAC=24:8a:07:9a:2a:f2:24:8a:07:50:2c:9e:08:00 SRC=10.3.94.11 DST=10.3.94.12 LEN=52 TOS=0x00 PREC=0xC0 "
        "TTL=255 ID=64317 DF PROTO=UDP SPT=49152 DPT=3784 LEN=32",
    )
    assert event["@timestamp"] == "2022-06-20T11:09:14.000Z"
    assert event["event.type"] == ["denied", "connection"]
    assert event["iptables.udp.len"] == "32" and event["iptables.length"] == 52
    assert event["source.mac"] == "24-8A-07-50-2C-9E"
    nft = parse(
        "netfilter",
        "Nov 24 10:00:00 host kernel: nft-accept-ssh IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=60 PROTO=TCP "
        "SPT=40000 DPT=22 SYN",
    )
    assert nft["event.type"] == ["allowed", "connection"]
    assert nft["iptables.tcp.flags"] == ["SYN"]


def test_checkpoint_repeated_keys_become_lists_and_escapes_are_undone() -> None:
    event = parse(
        "checkpoint",
        '<134>1 2026-11-24T10:00:00Z gw CheckPoint 1 - [action:"Drop"; origin:"10.0.0.1"; loguid:"{1}"; '
        'src:"10.1.1.1"; dst:"10.2.2.2"; proto:"17"; s_port:"5000"; service:"53"; rule_name:"a"; rule_name:"b"; '
        'product:"VPN-1 & FireWall-1"; comment:"x \\"y\\" \\]z"]',
    )
    assert event["rule.name"] == ["a", "b"]
    assert event["event.type"] == ["denied", "connection"]
    assert event["checkpoint.comment"] == 'x "y" ]z'
    assert event["network.transport"] == "udp"


def test_juniper_idp_attack() -> None:
    event = parse(
        "juniper-srx",
        "<11>1 2026-11-24T10:00:00.000Z srx RT_IDP - IDP_ATTACK_LOG_EVENT [junos@2636.1.1.1.2.135 "
        'source-address="198.51.100.9" source-port="4444" destination-address="10.0.0.8" destination-port="80" '
        'protocol-name="TCP" attack-name="HTTP:STC:SCRIPT:UNI-SHELLCODE" policy-name="idp-pol" action="DROP"]',
    )
    assert event["event.kind"] == "alert"
    assert "intrusion_detection" in event["event.category"]
    assert event["juniper.srx.attack_name"] == "HTTP:STC:SCRIPT:UNI-SHELLCODE"
    assert event["rule.name"] == "idp-pol"


def test_sonicwall_unknown_message_classified_by_its_text() -> None:
    event = parse(
        "sonicwall",
        'id=firewall sn=C0EAE4 time="2026-11-24 10:00:00 UTC" fw=203.0.113.1 pri=5 c=4 m=9999 '
        'msg="Packet dropped by policy" src=198.51.100.2:1234:X1 dst=10.0.0.3:22:X0 proto=tcp/ssh',
    )
    assert event["event.type"] == ["denied"]
    assert event["network.protocol"] == "ssh"
    assert event["observer.ingress.interface.name"] == "X1"


def test_cef_with_syslog_header_escapes_and_labels() -> None:
    event = parse(
        "cef",
        "<134>Nov 24 10:00:00 host CEF:0|Acme|Gate\\|Way|2.1|100|Blocked \\\\ connection|8|src=10.0.0.1 "
        "spt=1234 dst=203.0.113.5 dpt=443 proto=TCP act=blocked outcome=failure in=100 out=200 "
        "cs1Label=Policy cs1=deny all msg=a\\=b rt=1764000000000",
    )
    assert event["observer.product"] == "Gate|Way"
    assert event["cef.name"] == "Blocked \\ connection"
    assert event["cef.extensions.deviceCustomString1"] == "deny all"
    assert event["cef.extensions.deviceCustomString1Label"] == "Policy"
    assert event["message"] == "a=b"
    assert (event["source.bytes"], event["destination.bytes"]) == (100, 200)
    assert event["event.outcome"] == "failure"
    assert event["@timestamp"] == "2025-11-24T16:00:00.000Z"


def test_leef_v2_with_hex_delimiter() -> None:
    event = parse("leef", "LEEF:2.0|Acme|Gate|1.0|deny|x7C|src=10.0.0.1|dst=10.0.0.2|srcPort=1|dstPort=2|action=deny")
    assert event["event.type"] == ["connection", "denied"]
    assert event["destination.port"] == 2


# -- auto detection and robustness ------------------------------------------------------------------------
PIPELINE_FIELDS = {"log.offset"}
"""Set by the input pipeline (as Filebeat does), not by the parsers."""
VENDOR_PARSER = {
    "cisco_asa": "cisco-asa",
    "cisco_ftd": "cisco-asa",
    "panw": "panos",
    "fortinet_fortigate": "fortigate",
    "pfsense": "pfsense",
    "iptables": "netfilter",
    "checkpoint": "checkpoint",
    "juniper_srx": "juniper-srx",
    "sonicwall_firewall": "sonicwall",
    "cef": "cef",
}


@pytest.mark.shared_data
@pytest.mark.parametrize(("folder", "name"), sorted(VENDOR_PARSER.items()))
def test_auto_recognises_every_vendor_line(shared_data: Path, folder: str, name: str) -> None:
    dataset = get_parser(name).dataset.split(".")[0]
    stats = Stats()
    files = sorted((shared_data / "firewall" / folder).rglob("test-*.log"))
    lines = sum(1 for f in files for line in f.read_text().splitlines() if line.strip())
    events = list(parse_files(expand(files), "auto", CTX, stats))
    assert len(events) == lines
    assert stats.failures == 0, stats.warnings
    wrong = [e["event"]["original"] for e in events if not e["event"]["module"].startswith(dataset[:5])]
    assert not wrong, wrong[:3]
    unknown = sorted({f for e in events for f in ecs.iter_fields(e) if not ecs.is_known_field(f)} - PIPELINE_FIELDS)
    assert not unknown, f"fields outside ECS and the vendor namespaces: {unknown}"


@pytest.mark.shared_data
def test_lines_of_other_products_are_kept_as_parse_failures(shared_data: Path) -> None:
    stats = Stats()
    files = sorted((shared_data / "firewall" / "zscaler_zia").rglob("test-*.log"))
    events = list(parse_files(expand(files), "auto", CTX, stats))
    assert events
    assert all("_parse_failure" in e["tags"] and e["event"]["original"] for e in events)


def garbage(seed: int = 7) -> list[str]:
    """Random bytes, invalid UTF-8 (as the pipeline decodes it), truncated headers, huge lines."""
    rng = random.Random(seed)
    lines = [rng.randbytes(rng.randint(1, 300)).decode("utf-8", "backslashreplace") for _ in range(300)]
    prefixes = [
        "<134>", "<134>1 ", "<999>Nov", "Nov 24", "%ASA-6-302013:", "%ASA-6-302013: Built outbound TCP connection",
        "1,2026/11/24 10:00:00,x,TRAFFIC,", "date=2026-11-24 time=", "filterlog: 1,,,", "IN= SRC= DST=",
        '[junos@1 a="', '<1>1 - - - - - [x@1 a="b', "CEF:0|", "CEF:0|a|b|c|d|e|f|", "LEEF:2.0|a|b|c|d|",
        'id=x sn=y time="', 'origin:"1.1.1.1" loguid:"', "%FTD-1-430003: SrcIP: , DstIP", "Feb 30 25:61:61 host app: x",
    ]  # fmt: skip
    lines += prefixes
    lines += [p + rng.randbytes(50).decode("latin-1") for p in prefixes]
    lines.append("%ASA-6-302013: " + "A" * 1_000_000)
    lines.append("<14>1 2026-11-24T10:00:00Z h a - m [junos@1 " + 'k="v" ' * 100_000 + "]")
    return lines


@pytest.mark.shared_data
def test_no_line_makes_a_parser_fail_other_than_by_rejecting_it(shared_data: Path) -> None:
    lines = [line for f in sorted((shared_data / "firewall").rglob("*.log")) for line in f.read_text().splitlines()]
    lines += garbage()
    failures: list[str] = []
    for name in FIREWALL:
        parser = get_parser(name)
        assert isinstance(parser, LineParser)
        for line in lines:
            try:
                event = parser.parse(line, CTX)
            except ParseError:
                continue
            except Exception as exc:  # noqa: BLE001 - the point of the test is to catch any other failure
                failures.append(f"{name}: {type(exc).__name__}: {exc} <- {line[:120]!r}")
                continue
            assert isinstance(event, dict)
    assert not failures, "\n".join(failures[:20])
