"""Field mappings QA found missing or wrong, each on a short line written for this test.

Every line here was written for these tests (documentation addresses,
invented names); the mapping each test pins is the one Elastic's own
pipeline produces for such a record in ``../shared/data/firewall``, which
``test_firewall_elastic_extra_fields.py`` checks over the real vectors.
"""

from __future__ import annotations

from typing import Any

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser

CTX = ParseContext(year=2026)
NO_NAT = "0.0.0.0"  # noqa: S104 - the vendors' "no translation" marker, not a bind address


def parse(name: str, line: str) -> dict[str, Any]:
    parser = get_parser(name)
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


CHECKPOINT = (
    '<134>1 2026-03-02T09:00:00Z gw-lab CheckPoint 1 - [action:"Accept"; ifdir:"outbound"; origin:"192.0.2.1"; '
    'src:"192.0.2.10"; dst:"203.0.113.80"; proto:"6"; s_port:"40000"; service:"443"; rule_name:"web"; '
    'product:"VPN-1 & FireWall-1"; xlatesrc:"198.51.100.7"; xlatedst:"0.0.0.0"; client_outbound_bytes:"300"; '
    'client_outbound_packets:"4"; server_outbound_bytes:"900"; server_outbound_packets:"6"; bytes:"1200"; '
    'packets:"10"; elapsed:"0:00:09"; duration:"9"]'
)


def test_checkpoint_counters_per_side_and_totals() -> None:
    event = parse("checkpoint", CHECKPOINT)
    assert (event["source.bytes"], event["source.packets"]) == (300, 4)  # the client's outbound side
    assert (event["destination.bytes"], event["destination.packets"]) == (900, 6)
    assert (event["network.bytes"], event["network.packets"]) == (1200, 10)
    assert event["event.duration"] == 9_000_000_000
    assert event["checkpoint.elapsed"] == "0:00:09"  # Elastic keeps it as written
    assert not {"checkpoint.bytes", "checkpoint.packets", "checkpoint.client_outbound_packets"} & set(event)


def test_checkpoint_no_translation_marker_is_not_a_related_address() -> None:
    event = parse("checkpoint", CHECKPOINT)
    assert event["source.nat.ip"] == "198.51.100.7"
    assert "destination.nat.ip" not in event
    assert NO_NAT not in event["related.ip"]
    assert {"192.0.2.10", "198.51.100.7", "203.0.113.80"} <= set(event["related.ip"])


def test_checkpoint_gateway_name_from_its_sic_name_and_origin_is_related() -> None:
    sic = 'originsicname:"cn=gw-lab,o=mgmt-lab..q1w2e3"; '
    line = CHECKPOINT.replace('origin:"192.0.2.1"; ', 'origin:"192.0.2.1"; ' + sic)
    event = parse("checkpoint", line)
    assert event["observer.hostname"] == "gw-lab"
    assert event["related.ip"][-1] == "192.0.2.1"
    assert "observer.hostname" not in parse("checkpoint", CHECKPOINT)  # no SIC name, no guess


def test_checkpoint_action_as_written_and_audit_logins_named() -> None:
    assert parse("checkpoint", CHECKPOINT)["event.action"] == "Accept"
    login = parse(
        "checkpoint",
        '<134>1 2026-03-02T09:05:00Z gw-lab CheckPoint 1 - [action:"Accept"; origin:"192.0.2.1"; '
        'administrator:"ops"; client_ip:"192.0.2.50"; operation:"Log In"; product:"SmartConsole"; loguid:"{2}"]',
    )
    assert (login["event.action"], login["event.category"], login["event.type"]) == (
        "logged-in",
        ["authentication"],
        ["start"],
    )


def panos_traffic(subtype: str, action: str, natsrc: str, natsport: str, proto: str = "tcp") -> str:
    """A PAN-OS 10.x TRAFFIC record with the fields these tests read; the rest left empty."""
    fields = [
        "1", "2026/03/02 09:00:00", "012345678901", "TRAFFIC", subtype, "2561", "2026/03/02 09:00:00",
        "192.0.2.20", "203.0.113.30", natsrc, NO_NAT, "outbound-web", "", "", "ssl", "vsys1", "inside",
        "outside", "ethernet1/1", "ethernet1/2", "fwd", "2026/03/02 09:00:00", "7001", "1", "45000", "443",
        natsport, "0", "0x400053", proto, action, "1500", "500", "1000", "12", "2026/03/02 08:59:50", "10", "any",
        "0", "99", "0x0", "192.0.2.0-192.0.2.255", "Australia", "0", "5", "7", "tcp-fin",
    ]  # fmt: skip
    return "<14>Mar  2 09:00:00 pa-lab " + ",".join(fields)


def test_panos_zero_address_and_port_mean_no_translation() -> None:
    event = parse("panos", panos_traffic("end", "allow", "198.51.100.40", "61000"))
    assert (event["source.nat.ip"], event["source.nat.port"]) == ("198.51.100.40", 61000)
    assert not any(key.startswith("destination.nat") for key in event)
    assert event["related.ip"] == ["192.0.2.20", "203.0.113.30", "198.51.100.40"]
    untranslated = parse("panos", panos_traffic("end", "allow", NO_NAT, "0"))
    assert not any(".nat." in key for key in untranslated)
    assert NO_NAT not in untranslated["related.ip"]
    icmp = parse("panos", panos_traffic("end", "allow", "198.51.100.40", "0", proto="icmp"))
    assert icmp["source.nat.port"] == 0  # a real translation keeps its port, even 0


def test_panos_traffic_action_names_the_flow_and_types_do_not_repeat() -> None:
    cases = {
        ("start", "allow"): ("flow_started", ["allowed", "start", "connection"]),
        ("end", "allow"): ("flow_terminated", ["allowed", "end", "connection"]),
        ("deny", "allow"): ("flow_denied", ["allowed", "denied", "connection"]),  # as Elastic has it
        ("deny", "deny"): ("flow_denied", ["denied", "connection"]),
        ("drop", "drop"): ("flow_dropped", ["denied", "connection"]),
    }
    for (subtype, verdict), (action, types) in cases.items():
        event = parse("panos", panos_traffic(subtype, verdict, "198.51.100.40", "61000"))
        assert (event["event.action"], event["event.type"]) == (action, types), (subtype, verdict)
        assert event["panw.panos.action"] == verdict


def test_leef_and_cef_take_the_header_host_whether_or_not_the_record_is_dated() -> None:
    header = "<134>Mar  2 09:00:00 edge-lab "
    leef = "LEEF:1.0|Acme|Edge|2.0|Allowed|src=192.0.2.10\tdst=203.0.113.80\tsrcPort=40000\tdstPort=443"
    cef = "CEF:0|Acme|Edge|2.0|7|Allowed|3|src=192.0.2.10 spt=40000 dst=203.0.113.80 dpt=443"
    dated_leef = leef.replace("src=", "devTime=2026-03-02 08:59:59\tdevTimeFormat=yyyy-MM-dd HH:mm:ss\tsrc=")
    for name, line in (("leef", leef), ("leef", dated_leef), ("cef", cef), ("cef", cef + " rt=1772441999000")):
        event = parse(name, header + line)
        assert event["observer.hostname"] == "edge-lab", line
    assert parse("cef", header + cef)["@timestamp"] == "2026-03-02T09:00:00.000Z"
    assert parse("cef", header + cef + " rt=1772441999000")["@timestamp"] == "2026-03-02T08:59:59.000Z"
    assert parse("cef", header + cef + " dvchost=edge-01")["observer.hostname"] == "edge-01"  # the record's own name
    assert "observer.hostname" not in parse("leef", leef)  # no header, no host


def sonicwall(message_id: str, text: str, tail: str = "") -> str:
    return (
        f'<134>Mar  2 09:00:00 sw-lab id=firewall sn=0017C5ABCDEF time="2026-03-02 09:00:00 UTC" fw=198.51.100.1 '
        f'pri=6 c=1024 m={message_id} msg="{text}" n=42 src=192.0.2.10:40000:X0 dst=203.0.113.80:443:X1 '
        f"proto=tcp/https{tail}"
    )


def test_sonicwall_action_names_what_happened() -> None:
    cases = {
        ("98", "Connection Opened"): ("connection-start", ["connection", "start"]),
        ("537", "Connection Closed"): ("connection-end", ["connection", "end"]),
        ("36", "TCP packet dropped"): ("packet-dropped", ["denied"]),
        ("37", "UDP packet dropped"): ("packet-dropped", ["denied"]),
        ("30", "Administrator login denied due to bad credentials"): ("login-failure", ["start", "info"]),
    }
    for (message_id, text), (action, types) in cases.items():
        event = parse("sonicwall", sonicwall(message_id, text))
        assert (event["event.action"], event["event.type"], event["event.code"]) == (action, types, message_id)


def test_sonicwall_network_totals_add_up_what_was_counted() -> None:
    closed = parse("sonicwall", sonicwall("537", "Connection Closed", " sent=700 rcvd=5300 spkt=9 rpkt=11"))
    assert (closed["network.bytes"], closed["network.packets"]) == (6000, 20)
    assert (closed["source.packets"], closed["destination.packets"]) == (9, 11)
    opened = parse("sonicwall", sonicwall("98", "Connection Opened", " sent=60"))
    assert opened["network.bytes"] == 60 and "network.packets" not in opened


def test_sonicwall_firewall_address_is_related() -> None:
    event = parse("sonicwall", sonicwall("98", "Connection Opened", " natSrc=198.51.100.1:50000"))
    assert event["related.ip"] == ["192.0.2.10", "198.51.100.1", "203.0.113.80"]  # the NAT address is fw=
    event = parse("sonicwall", sonicwall("98", "Connection Opened"))
    assert event["related.ip"] == ["192.0.2.10", "203.0.113.80", "198.51.100.1"]


def srx(msgid: str, counters: str = "") -> str:
    return (
        f"<14>1 2026-03-02T09:00:00.000Z srx-lab RT_FLOW - {msgid} [junos@2636.1.1.1.2.129 "
        'source-address="192.0.2.10" source-port="40000" destination-address="203.0.113.80" destination-port="443" '
        'nat-source-address="198.51.100.5" nat-source-port="20000" nat-destination-address="203.0.113.80" '
        f'nat-destination-port="443" protocol-id="6" policy-name="web-out"{counters}]'
    )


def test_juniper_network_totals_are_both_directions() -> None:
    closed = ' packets-from-client="8" bytes-from-client="900" packets-from-server="6" bytes-from-server="4100"'
    event = parse("juniper-srx", srx("RT_FLOW_SESSION_CLOSE", closed + ' elapsed-time="3"'))
    assert (event["network.bytes"], event["network.packets"]) == (5000, 14)
    assert (event["source.packets"], event["destination.bytes"]) == (8, 4100)
    one_side = parse("juniper-srx", srx("RT_FLOW_SESSION_CLOSE", ' bytes-from-client="900"'))
    assert one_side["source.bytes"] == 900 and "network.bytes" not in one_side  # a total needs both


def test_juniper_apptrack_sessions_are_named_as_flows() -> None:
    for msgid, action in (
        ("APPTRACK_SESSION_CREATE", "flow_started"),
        ("APPTRACK_SESSION_CLOSE_LS", "flow_close"),
        ("APPTRACK_SESSION_ROUTE_UPDATE", "flow_started"),
    ):
        event = parse("juniper-srx", srx(msgid))
        assert (event["event.action"], event["event.code"]) == (action, msgid)


def test_pfsense_packet_length_is_network_bytes() -> None:
    v4 = "<134>Mar  2 09:00:00 filterlog[9]: 5,,,1000000103,em0,match,block,in,4,0x0,,64,777,0,DF,6,tcp,52,"
    event = parse("pfsense", v4 + "192.0.2.10,203.0.113.80,40000,443,0,S,12345,,64240,,mss")
    assert event["network.bytes"] == 52 and "pfsense.ip.length" not in event
    v6 = "<134>Mar  2 09:00:00 filterlog[9]: 5,,,1000000103,em0,match,pass,out,6,0x00,0x00000,64,udp,17,40,"
    assert parse("pfsense", v6 + "2001:db8::1,2001:db8::2,5353,53,40")["network.bytes"] == 40


FORTIGATE = (
    '<189>date=2026-03-02 time=09:00:00 devname="fg-lab" devid="FG100FTK00000000" logid="0000000013" '
    'type="traffic" subtype="forward" level="notice" vd="root" tz="+0000" srcip=192.0.2.10 srcport=40000 '
    'dstip=203.0.113.80 dstport=443 proto=6 action="close" policyid=7 policyname="web-out" service="HTTPS" '
    "duration=12 sentbyte=1800 rcvdbyte=24000 sentpkt=20 rcvdpkt=30"
)
FORTIGATE_UTM = (
    '<188>date=2026-03-02 time=09:00:01 devname="fg-lab" devid="FG100FTK00000000" logid="0316013056" '
    'type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="root" tz="+0000" policyid=7 '
    'srcip=192.0.2.10 srcport=40002 dstip=203.0.113.81 dstport=443 proto=6 service="HTTPS" '
    'hostname="blocked.example" action="blocked" sentbyte=600 rcvdbyte=80 direction="outgoing" cat=26'
)


def test_fortigate_network_totals_when_both_directions_are_counted() -> None:
    event = parse("fortigate", FORTIGATE)
    assert (event["network.bytes"], event["network.packets"]) == (25800, 50)
    assert parse("fortigate", FORTIGATE_UTM)["network.bytes"] == 680
    one_side = parse("fortigate", FORTIGATE.replace(" rcvdpkt=30", ""))
    assert one_side["source.packets"] == 20 and "network.packets" not in one_side


def test_fortigate_action_is_the_utm_event_type_the_traffic_verdict_and_none_for_event_logs() -> None:
    assert parse("fortigate", FORTIGATE)["event.action"] == "close"
    utm = parse("fortigate", FORTIGATE_UTM)
    assert (utm["event.action"], utm["event.type"], utm["fortinet.firewall.action"]) == (
        "ftgd_blk",
        ["denied"],
        "blocked",
    )
    vpn = parse(
        "fortigate",
        'date=2026-03-02 time=09:00:02 devname="fg-lab" devid="FG100FTK00000000" logid="0101039947" type="event" '
        'subtype="vpn" level="information" vd="root" action="tunnel-up" tunneltype="ssl-tunnel" remip=203.0.113.9 '
        'tunnelip=10.212.134.200 user="ana" msg="SSL tunnel established"',
    )
    assert "event.action" not in vpn and vpn["fortinet.firewall.action"] == "tunnel-up"


def test_fortigate_vpn_tunnel_and_client_addresses_are_related() -> None:
    vpn = (
        'date=2026-03-02 time=09:00:02 devname="fg-lab" devid="FG100FTK00000000" logid="0101039947" type="event" '
        'subtype="vpn" action="tunnel-up" remip=203.0.113.9 tunnelip=10.212.134.200 assignip=N/A user="ana"'
    )
    assert parse("fortigate", vpn)["related.ip"] == ["203.0.113.9", "10.212.134.200"]
    client = (
        'date=2026-03-02 time=09:00:03 devname="fg-lab" devid="FG100FTK00000000" logid="0107045057" type="event" '
        'subtype="endpoint" action="add" status="success" user="ana" ip=192.0.2.77 msg="Add a FortiClient Connection."'
    )
    assert parse("fortigate", client)["related.ip"] == ["192.0.2.77"]


def test_netfilter_action_from_the_log_prefix() -> None:
    tail = "IN=eth0 OUT= SRC=203.0.113.9 DST=192.0.2.10 LEN=60 TTL=50 ID=1 PROTO=TCP SPT=50000 DPT=22 SYN"
    cases = {
        "[lan-local-7-A]": ("accept", ["allowed", "connection"]),
        "[wan-local-default-D]": ("drop", ["denied", "connection"]),
        "[wan-local-9-R]": ("reject", ["denied", "connection"]),
        "fw SSH_DROP: ": ("ssh_drop", ["denied", "connection"]),
        "[UFW BLOCK] ": ("block", ["denied", "connection"]),
        "nft-accept-ssh ": ("accept", ["allowed", "connection"]),
    }
    for prefix, (action, types) in cases.items():
        event = parse("netfilter", f"Mar  2 09:00:00 host kernel: {prefix}{tail}")
        assert (event["event.action"], event["event.type"]) == (action, types), prefix
    assert "event.action" not in parse("netfilter", f"Mar  2 09:00:00 host kernel: [ 12.5] {tail}")


def test_zscaler_zero_server_source_is_no_translation() -> None:
    line = (
        '{"sourcetype":"zscalernss-fw","event":{"datetime":"Mon Mar 02 09:00:00 2026","csip":"192.0.2.10",'
        '"csport":40000,"cdip":"203.0.113.80","cdport":443,"ssip":"0.0.0.0","ssport":0,"sdip":"203.0.113.80",'
        '"sdport":443,"tsip":"0.0.0.0","tunsport":0,"action":"Allow","dnat":"No","proto":"TCP"}}'
    )
    event = parse("zscaler-zia", line)
    assert not any(".nat." in key for key in event)
    assert event["related.ip"] == ["192.0.2.10", "203.0.113.80"]
