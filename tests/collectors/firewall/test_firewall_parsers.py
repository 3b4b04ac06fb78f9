"""Firewall parsers on hand-written lines (formats from the vendors' documentation) and on hostile input.

The lines here were written for these tests from the vendors' published
field descriptions; Elastic's own vectors are checked in
``test_firewall_elastic_vectors.py``. The robustness tests feed every line of
``../shared/data/firewall`` and a garbage corpus to every firewall parser:
a parser may reject a record (``ParseError``), never fail otherwise.
"""

from __future__ import annotations

import gc
import random
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from collectors.firewall import kv
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
    "sophos-xg",
    "zscaler-zia",
    "barracuda-cloudgen",
)


def parse(name: str, line: str) -> dict[str, Any]:
    parser = get_parser(name)
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


def test_all_firewall_formats_are_registered_with_their_design_names() -> None:
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
    assert "related.ip" not in event


@pytest.mark.parametrize(
    "text",
    [
        # An id outside the table (an AnyConnect session) and a known id in a shape the table lacks.
        "%ASA-4-722051: Group <vpn> User <alice> IP <198.51.100.7> IPv4 Address <10.8.0.9> assigned to session",
        "%ASA-6-302013: Built a connection the table does not know, from outside:198.51.100.7/4242 to 10.8.0.9:22.",
    ],
)
def test_cisco_message_of_unknown_shape_still_names_its_addresses(text: str) -> None:
    event = parse("cisco-asa", "<166>Nov 24 2026 10:00:01 fw-edge : " + text)
    assert event["related.ip"] == ["198.51.100.7", "10.8.0.9"]  # for hunts and indicator sweeps
    assert "source.ip" not in event and "destination.ip" not in event  # which side is which is unknown


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
        "cs1Label=Policy cs1=deny all msg=a\\=b rt=1764000000000 sourceTranslatedAddress=198.51.100.3",
    )
    assert event["source.nat.ip"] == "198.51.100.3"
    assert event["related.ip"] == ["10.0.0.1", "203.0.113.5", "198.51.100.3"]  # NAT addresses too
    assert event["observer.product"] == "Gate|Way"
    assert event["cef.name"] == "Blocked \\ connection"
    assert event["cef.extensions.deviceCustomString1"] == "deny all"
    assert event["cef.extensions.deviceCustomString1Label"] == "Policy"
    assert event["message"] == "a=b"
    assert (event["source.bytes"], event["destination.bytes"]) == (100, 200)
    assert event["event.outcome"] == "failure"
    assert event["@timestamp"] == "2025-11-24T16:00:00.000Z"


def test_each_event_keeps_its_own_values_when_many_repeat_and_many_do_not() -> None:
    """The native conversion shares recent short strings between events; every event still gets its own.

    Eleven thousand distinct users and addresses overflow the shared cache many times over, while the
    vendor, zone and action names repeat in every record.
    """
    rng = random.Random(7)
    written = [(f"u{n}", f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}", rng.choice(("a", "b"))) for n in range(11_000)]
    written += rng.sample(written, 2_000)  # some again, after their cache slots may have been taken
    for user, address, zone in written:
        event = parse("cef", f"CEF:0|Acme|Gate|1|1|x|3|src={address} suser={user} deviceInboundInterface={zone}")
        assert (event["source.ip"], event["source.user.name"]) == (address, user)
        assert (event["observer.vendor"], event["observer.ingress.interface.name"]) == ("Acme", zone)


def test_native_events_are_out_of_the_cycle_collectors_way_and_survive_it() -> None:
    """An event tree holds no cycle: its dicts are untracked, so collections in a full batch walk none of
    them; a container put in later is tracked again, and a collection frees nothing still in use."""
    parser = get_parser("cef")
    assert isinstance(parser, LineParser)
    events = [parser.parse(f"CEF:0|Acme|Gate|1|1|x|3|src=10.0.0.{n} cs1Label=L cs1=v{n}", CTX) for n in range(200)]
    source = events[0]["source"]
    assert not gc.is_tracked(source) and not gc.is_tracked(events[0]["cef"]["extensions"])
    source["nat"] = {"ip": ["198.51.100.1"]}  # a container put in later
    assert gc.is_tracked(source)
    del source
    gc.collect()
    assert events[0]["source"]["nat"]["ip"] == ["198.51.100.1"]
    assert [event["source"]["ip"] for event in events] == [f"10.0.0.{n}" for n in range(200)]
    assert events[199]["cef"]["extensions"]["deviceCustomString1"] == "v199"


def test_leef_v2_with_hex_delimiter() -> None:
    event = parse("leef", "LEEF:2.0|Acme|Gate|1.0|deny|x7C|src=10.0.0.1|dst=10.0.0.2|srcPort=1|dstPort=2|action=deny")
    assert event["event.type"] == ["connection", "denied"]
    assert event["destination.port"] == 2


def test_sophos_xg_firewall_with_header_nat_zones_and_zone_abbreviation() -> None:
    event = parse(
        "sophos-xg",
        '<30>Mar  2 09:15:00 xg-branch device="SFW" date=2026-03-02 time=09:15:00 timezone="CET" '
        'device_name="XG230" device_id=S4000X1 log_id=010101600001 log_type="Firewall" '
        'log_component="Firewall Rule" log_subtype="Allowed" status="Allow" priority=Information duration=12 '
        'fw_rule_id=7 fw_rule_name="LAN to WAN" policy_type=1 user_name="carol" user_gp="Staff" '
        'in_interface="Port1" out_interface="Port2" src_mac=0a:1b:2c:3d:4e:5f src_ip=10.20.0.4 '
        'dst_ip=198.51.100.30 protocol="TCP" src_port=51000 dst_port=443 sent_pkts=6 recv_pkts=9 sent_bytes=900 '
        "recv_bytes=4200 tran_src_ip=203.0.113.5 tran_src_port=61000 tran_dst_ip= tran_dst_port=0 "
        'srczonetype="LAN" srczone="LAN" dstzonetype="WAN" dstzone="WAN" connevent="Stop" connid="77"',
    )
    assert event["@timestamp"] == "2026-03-02T08:15:00.000Z"  # CET is UTC+1, whatever zone is configured
    assert (event["source.ip"], event["source.port"], event["destination.ip"], event["destination.port"]) == (
        "10.20.0.4",
        51000,
        "198.51.100.30",
        443,
    )
    assert (event["source.nat.ip"], event["source.nat.port"]) == ("203.0.113.5", 61000)
    assert "destination.nat.ip" not in event and event["destination.nat.port"] == 0
    assert (event["source.bytes"], event["destination.bytes"], event["network.bytes"]) == (900, 4200, 5100)
    assert event["network.transport"] == "tcp" and event["network.direction"] == "outbound"
    assert set(event["event.type"]) == {"end", "allowed", "connection"}
    assert (event["event.category"], event["event.outcome"], event["event.action"]) == (
        ["network"],
        "success",
        "allowed",
    )
    assert (event["event.code"], event["event.duration"], event["log.level"]) == (
        "00001",
        12_000_000_000,
        "informational",
    )
    assert (event["rule.name"], event["rule.id"], event["user.name"]) == ("LAN to WAN", "7", "carol")
    assert event["source.user.group.name"] == "Staff" and event["source.mac"] == "0A-1B-2C-3D-4E-5F"
    assert (event["observer.vendor"], event["observer.product"], event["observer.hostname"]) == (
        "Sophos",
        "XG",
        "xg-branch",
    )
    assert event["observer.ingress.zone"] == "LAN" and event["observer.egress.interface.name"] == "Port2"
    assert event["sophos.xg.connid"] == "77" and event["event.dataset"] == "sophos.xg"


SOPHOS_DENY = (
    'device="SFW" date=2026-07-01 time=12:00:00 timezone="{zone}" log_id=010102600002 log_type="Firewall" '
    'log_component="Firewall Rule" log_subtype="Denied" status="Deny" src_ip=198.51.100.8 dst_ip=10.1.1.1 '
    'protocol="UDP" src_port=x dst_port=99999 srczonetype="WAN" dstzonetype="LAN"'
)


@pytest.mark.parametrize(
    ("zone", "configured", "expected"),
    [
        ("BST", "UTC", "2026-07-01T11:00:00.000Z"),  # one meaning: British Summer Time
        ("IST", "UTC", "2026-07-01T12:00:00.000Z"),  # India, Ireland or Israel: the configured zone decides
        ("IST", "Asia/Kolkata", "2026-07-01T06:30:00.000Z"),
        ("IST", "Europe/Dublin", "2026-07-01T11:00:00.000Z"),
        ("XYZ", "America/New_York", "2026-07-01T16:00:00.000Z"),  # unknown: the configured zone
        ("+0300", "UTC", "2026-07-01T09:00:00.000Z"),
    ],
)
def test_sophos_xg_zone_abbreviations(zone: str, configured: str, expected: str) -> None:
    parser = get_parser("sophos-xg")
    assert isinstance(parser, LineParser)
    event = parser.parse(SOPHOS_DENY.format(zone=zone), ParseContext(timezone=ZoneInfo(configured)))
    assert event["@timestamp"] == expected


def test_sophos_xg_denied_with_bad_ports_is_mapped_without_them() -> None:
    event = parse("sophos-xg", SOPHOS_DENY.format(zone="UTC"))
    assert "source.port" not in event and "destination.port" not in event
    assert event["source.ip"] == "198.51.100.8" and event["network.direction"] == "inbound"
    assert set(event["event.type"]) == {"denied", "connection"} and event["event.kind"] == "event"


def test_sophos_xg_unquoted_value_with_a_space_runs_to_the_next_key() -> None:
    line = (
        'device="SFW" date=2026-03-02 time=09:15:00 timezone="UTC" device_name="XG230" '
        'device_id=C44313350024- P29PUA log_id=010101600001 log_type="Firewall" log_subtype="Allowed" '
        "src_ip=10.20.0.4 dst_ip=198.51.100.30 tran_dst_ip= dst_port=443"
    )
    event = parse("sophos-xg", line)
    assert event["observer.serial_number"] == "C44313350024- P29PUA"
    assert (event["event.code"], event["destination.port"]) == ("00001", 443)
    assert "destination.nat.ip" not in event
    # netfilter's bare flags stay out of the value before them when values are not spaced
    assert kv.pairs("ID=0 DF PROTO=TCP SYN URGP=0") == {"ID": "0", "PROTO": "TCP", "URGP": "0"}


def test_sophos_xg_other_log_types() -> None:
    auth = parse(
        "sophos-xg",
        'device="SFW" date=2026-03-02 time=10:00:00 timezone="UTC" log_id=062910617701 log_type="Event" '
        'log_component="Firewall Authentication" log_subtype="Authentication" status="Failed" priority=Information '
        'user_name="mallory" src_ip=10.9.9.9 reason="Wrong credentials" message="User mallory failed to login"',
    )
    assert (auth["event.category"], auth["event.type"], auth["event.outcome"]) == (
        ["authentication"],
        ["start"],
        "failure",
    )
    assert auth["user.name"] == "mallory" and auth["event.reason"] == "Wrong credentials"
    web = parse(
        "sophos-xg",
        'device="SFW" date=2026-03-02 time=10:00:01 timezone="UTC" log_id=050901616001 log_type="Content Filtering" '
        'log_component="HTTP" log_subtype="Denied" status="" user_name="" src_ip=10.0.0.2 dst_ip=198.51.100.9 '
        'url="http://bad.example/x" http_status=403 user_agent="curl/8.0" category="Malware"',
    )
    assert (web["event.category"], web["event.type"]) == (["web"], ["denied"])
    assert web["url.original"] == "http://bad.example/x" and web["http.response.status_code"] == 403
    assert web["sophos.xg.category"] == "Malware" and "user.name" not in web
    ips = parse(
        "sophos-xg",
        'device="SFW" date=2026-03-02 time=10:00:02 timezone="UTC" log_id=020603502001 log_type="IPS" '
        'log_component="Signatures" log_subtype="Drop" signature_id=1234 signature_msg="SQL injection attempt" '
        'classification="Web Application Attack" src_ip=203.0.113.3 dst_ip=10.0.0.80 dst_port=80 protocol="TCP"',
    )
    assert ips["event.kind"] == "alert" and ips["event.category"] == ["intrusion_detection", "network"]
    assert (ips["rule.id"], ips["rule.name"], ips["rule.category"]) == (
        "1234",
        "SQL injection attempt",
        "Web Application Attack",
    )
    av = parse(
        "sophos-xg",
        'device="SFW" date=2026-03-02 time=10:00:03 timezone="UTC" log_id=030906208001 log_type="Anti-Virus" '
        'log_component="HTTP" log_subtype="Virus" virus="EICAR-AV-Test" src_ip=10.0.0.2 dst_ip=198.51.100.9',
    )
    assert av["event.category"] == ["malware"] and av["sophos.xg.virus"] == "EICAR-AV-Test"


def test_sophos_xg_sfos19_field_names() -> None:
    event = parse(
        "sophos-xg",
        'device_name="SFW" timestamp="2026-03-02T15:00:00+0530" device_serial_id="X1" log_id=010101600001 '
        'log_type="Firewall" log_component="Firewall Rule" log_subtype="Allowed" severity="Warning" '
        "src_ip=10.0.0.1 dst_ip=198.51.100.1 src_trans_ip=203.0.113.1 bytes_sent=10 bytes_received=20 "
        'src_zone_type="LAN" dst_zone_type="WAN"',
    )
    assert event["@timestamp"] == "2026-03-02T09:30:00.000Z"
    assert (event["source.nat.ip"], event["source.bytes"], event["destination.bytes"]) == ("203.0.113.1", 10, 20)
    assert event["observer.serial_number"] == "X1" and event["log.level"] == "warning"
    assert event["network.direction"] == "outbound"


def test_sophos_xg_rejects_impossible_dates() -> None:
    with pytest.raises(ParseError):
        parse("sophos-xg", 'date=2026-02-30 time=10:00:00 log_id=010101600001 log_type="Firewall"')
    with pytest.raises(ParseError):
        parse("sophos-xg", "no pairs here")


ZSCALER_EVENT = (
    '{"datetime":"Tue Mar 03 18:30:00 2026","user":"dan%40corp.example","deviceowner":"dan",'
    '"devicehostname":"LT-042","locationname":"HQ%20Floor%202","csip":"10.8.1.20","csport":50211,'
    '"cdip":"198.51.100.44","cdport":22,"ssip":"203.0.113.77","ssport":31002,"sdip":"192.0.2.10","sdport":2222,'
    '"tsip":"192.0.2.9","tunsport":4500,"tuntype":"IPSec","action":"Allow","dnat":"Yes","proto":"TCP",'
    '"nwsvc":"SSH","nwapp":"ssh","rulelabel":"Admin%20SSH","ipsrulelabel":"None","inbytes":5120,'
    '"outbytes":"2048","durationms":910,"threatname":"None"}'
)


def test_zscaler_zia_bare_event_with_nat_and_url_encoding() -> None:
    event = parse("zscaler-zia", ZSCALER_EVENT)
    assert event["@timestamp"] == "2026-03-03T18:30:00.000Z"
    assert (event["source.ip"], event["source.port"], event["destination.ip"], event["destination.port"]) == (
        "10.8.1.20",
        50211,
        "198.51.100.44",
        22,
    )
    assert (event["source.nat.ip"], event["source.nat.port"]) == ("203.0.113.77", 31002)
    assert (event["destination.nat.ip"], event["destination.nat.port"]) == ("192.0.2.10", 2222)
    assert (event["source.bytes"], event["destination.bytes"]) == (2048, 5120)
    assert (event["network.transport"], event["network.protocol"], event["network.application"]) == (
        "tcp",
        "ssh",
        "ssh",
    )
    assert (event["user.name"], event["user.email"], event["host.hostname"]) == ("dan", "dan@corp.example", "LT-042")
    assert event["rule.name"] == ["Admin SSH", "None"]
    assert (event["event.action"], event["event.duration"]) == ("allow", 910_000_000)
    assert event["zscaler_zia.firewall.location.name"] == "HQ Floor 2"
    assert event["zscaler_zia.firewall.tunnel.type"] == "IPSec"


def test_zscaler_zia_wrapped_event_in_the_configured_zone() -> None:
    parser = get_parser("zscaler-zia")
    assert isinstance(parser, LineParser)
    line = '{"sourcetype":"zscalernss-fw","event":' + ZSCALER_EVENT.replace('"dnat":"Yes"', '"dnat":"No"') + "}"
    event = ecs.flatten(parser.parse(line, ParseContext(timezone=ZoneInfo("Europe/Berlin"))))
    assert event["@timestamp"] == "2026-03-03T17:30:00.000Z"
    assert event["zscaler_zia.firewall.nat"] == "No"


ZSCALER_RELAYED = "<134>Mar  3 18:31:00 nss-01 zscaler-nss: " + ZSCALER_EVENT


def test_zscaler_zia_relayed_behind_a_syslog_header() -> None:
    # An NSS feed is often relayed through a syslog server, which puts its own header in front.
    event = parse("zscaler-zia", ZSCALER_RELAYED)
    assert event["@timestamp"] == "2026-03-03T18:30:00.000Z"  # the record's own time wins over the relay's
    assert (event["log.syslog.hostname"], event["log.syslog.appname"]) == ("nss-01", "zscaler-nss")
    assert (event["source.ip"], event["destination.nat.ip"], event["user.name"]) == ("10.8.1.20", "192.0.2.10", "dan")
    timeless = parse("zscaler-zia", ZSCALER_RELAYED.replace('"datetime":"Tue Mar 03 18:30:00 2026",', ""))
    assert timeless["@timestamp"].endswith("-03-03T18:31:00.000Z")  # then the relay's time is the best there is


def test_zscaler_zia_bad_values() -> None:
    event = parse("zscaler-zia", '{"csip":"10.0.0.1","cdip":"nonsense","csport":"http","cdport":70000}')
    assert "@timestamp" not in event and event["source.ip"] == "10.0.0.1"
    assert "source.port" not in event and "destination.port" not in event and "destination.ip" not in event
    for line in ('{"sourcetype":"zscalernss-fw","event":{"csip":', "[1,2]", '{"event":{"cdip":"10.0.0.1"}}'):
        with pytest.raises(ParseError):
            parse("zscaler-zia", line)
    with pytest.raises(ParseError):
        parse("zscaler-zia", '{"csip":"10.0.0.1","datetime":"yesterday"}')


BARRACUDA = (
    '<134>Mar  2 09:15:00 cgf-edge act: {"version":1,"timestamp":1772442900,"action":"Block","duration":1500,'
    '"src_iface":"port2","src_ip":"10.30.0.9","src_port":55123,"src_mac":"00:50:56:aa:bb:cc","dst_iface":"port1",'
    '"dst_ip":"198.51.100.71","dst_port":3389,"fw_rule":"BLOCK-RDP-OUT","src_ip_nat":"203.0.113.20",'
    '"src_port_nat":40001,"ip_proto":6,"user":"erin","fwd_bytes":60,"rev_bytes":0,"fw_info":4005}'
)


def test_barracuda_cloudgen_blocked_session_with_header_and_nat() -> None:
    event = parse("barracuda-cloudgen", BARRACUDA)
    assert event["@timestamp"] == "2026-03-02T09:15:00.000Z"
    assert (event["source.ip"], event["source.port"], event["destination.ip"], event["destination.port"]) == (
        "10.30.0.9",
        55123,
        "198.51.100.71",
        3389,
    )
    assert (event["source.nat.ip"], event["source.nat.port"]) == ("203.0.113.20", 40001)
    assert event["related.ip"] == ["10.30.0.9", "198.51.100.71", "203.0.113.20"]  # NAT addresses too
    assert (event["source.bytes"], event["destination.bytes"]) == (60, 0)
    assert event["event.type"] == ["connection", "denied"] and event["event.action"] == "Block"
    assert (event["event.duration"], event["network.transport"], event["network.direction"]) == (
        1_500_000_000,
        "tcp",
        "outbound",
    )
    assert (event["rule.name"], event["user.name"], event["source.mac"]) == (
        "BLOCK-RDP-OUT",
        "erin",
        "00-50-56-AA-BB-CC",
    )
    assert (event["observer.vendor"], event["observer.hostname"], event["observer.ingress.interface.name"]) == (
        "Barracuda",
        "cgf-edge",
        "port2",
    )
    assert event["barracuda_cloudgen_firewall.log.fw_info"] == 4005


def test_barracuda_cloudgen_bad_values() -> None:
    event = parse(
        "barracuda-cloudgen", '{"action":"Start","src_ip":"10.0.0.1","src_port":"abc","dst_ip":7,"proto":"UDP"}'
    )
    assert "@timestamp" not in event and "source.port" not in event and "destination.ip" not in event
    assert event["event.type"] == ["connection", "start"] and event["network.transport"] == "udp"
    late = parse("barracuda-cloudgen", '<14>Mar  2 09:15:00 cgf act: {"src_ip":"10.0.0.1","timestamp":null}')
    assert late["@timestamp"] == "2026-03-02T09:15:00.000Z"  # the header's time when the record has none
    for line in (
        '{"src_ip":"10.0.0.1",',
        "cgf act: nothing",
        '{"dst_port":1}',
        '{"src_ip":"1.1.1.1","timestamp":1e300}',
    ):
        with pytest.raises(ParseError):
            parse("barracuda-cloudgen", line)


def test_auto_picks_each_firewall_parser_for_its_own_lines(tmp_path: Path) -> None:
    lines = {
        "sophos-xg": SOPHOS_DENY.format(zone="UTC"),
        "zscaler-zia": ZSCALER_EVENT,
        "barracuda-cloudgen": BARRACUDA,
        "zscaler-zia-relayed": ZSCALER_RELAYED,
        "fortigate": 'date=2026-11-24 time=08:00:00 devname="FGT" devid="FG1" logid="0000000013" type="traffic" '
        "srcip=10.0.0.1 dstip=198.51.100.1 action=accept",
        "sonicwall": 'id=firewall sn=C0EAE4 time="2026-11-24 10:00:00 UTC" fw=203.0.113.1 m=98 src=10.0.0.3:1:X0',
        "netfilter": "Nov 24 10:00:00 host kernel: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 PROTO=TCP SPT=1 DPT=22",
        "suricata-eve": '{"timestamp":"2026-11-24T10:00:00.000000+0000","event_type":"flow","src_ip":"10.0.0.1",'
        '"dest_ip":"10.0.0.2"}',
        "cef": "CEF:0|Acme|Gate|1.0|100|Blocked|5|src=10.0.0.1 dst=203.0.113.5",
    }
    log = tmp_path / "mixed.log"
    log.write_text("\n".join(lines.values()) + "\n")
    stats = Stats()
    events = list(parse_files(expand([log]), "auto", CTX, stats))
    assert stats.failures == 0, stats.warnings
    modules = [e["event"]["module"] for e in events]
    assert modules == [get_parser(name.removesuffix("-relayed")).dataset.split(".")[0] for name in lines]


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
    "sophos": "sophos-xg",
    "zscaler_zia": "zscaler-zia",
    "barracuda_cloudgen_firewall": "barracuda-cloudgen",
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


OTHER_PRODUCT = [
    # An invented appliance: pipe-separated, no key=value, no JSON, no syslog header.
    "FWX|2026-11-24 10:00:00|ACCEPT|10.0.0.1>198.51.100.2|tcp|443|rule:web",
    "FWX|2026-11-24 10:00:01|REJECT|10.0.0.9>203.0.113.4|udp|53|rule:dns-only",
    "@@ netbox-3 session close peer 198.51.100.7 after 12 s @@",
]


def test_lines_of_other_products_are_kept_as_parse_failures(tmp_path: Path) -> None:
    log = tmp_path / "other.log"
    log.write_text("\n".join(OTHER_PRODUCT) + "\n")
    stats = Stats()
    events = list(parse_files(expand([log]), "auto", CTX, stats))
    assert len(events) == len(OTHER_PRODUCT)
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
        'log_id=010101600001 log_type="Firewall" date=2026-02-30 time=', '{"sourcetype":"zscalernss-fw","event":{',
        '{"csip":[],"cdip":{},"datetime":7,', '<134>Nov 24 10:00:00 cgf act: {"timestamp":1e400,"src_ip":',
    ]  # fmt: skip
    lines += prefixes
    lines += [p + rng.randbytes(50).decode("latin-1") for p in prefixes]
    lines.append("%ASA-6-302013: " + "A" * 1_000_000)
    lines.append("<14>1 2026-11-24T10:00:00Z h a - m [junos@1 " + 'k="v" ' * 100_000 + "]")
    return lines


def odd_numbers(lines: list[str]) -> list[str]:
    """Real lines with every number spoilt: by a superscript digit (``"2²".isdigit()`` holds and
    ``int("2²")`` fails) and by a stray character (which a hexadecimal MAC octet cannot take either)."""
    digits = re.compile(r"\d+")
    return [spoilt for line in lines for spoilt in (digits.sub(r"\g<0>²", line), digits.sub(r"\g<0>%", line))]


@pytest.mark.shared_data
def test_no_line_makes_a_parser_fail_other_than_by_rejecting_it(shared_data: Path) -> None:
    lines = [line for f in sorted((shared_data / "firewall").rglob("*.log")) for line in f.read_text().splitlines()]
    lines += odd_numbers(lines) + garbage()
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
