"""PAN-OS log types and THREAT details beyond the TRAFFIC samples, on lines written for these tests.

Columns follow PAN-OS 10.x "Syslog Field Descriptions" for each log type;
addresses are documentation ranges, names invented.
"""

from __future__ import annotations

from typing import Any

import pytest

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser, line_parsers

CTX = ParseContext(year=2026)
HEAD = "<14>Mar 14 08:15:02 PA-5250 "


def parse(line: str) -> dict[str, Any]:
    parser = get_parser("panos")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


SESSION = [
    "10.20.30.40", "198.51.100.80", "203.0.113.10", "198.51.100.80", "allow-web", "corp\\jdoe", "",
    "web-browsing", "vsys1", "trust", "untrust", "ethernet1/2", "ethernet1/1", "fwd-syslog",
    "2026/03/14 08:15:01", "88123", "1", "52311", "80", "31001", "80", "0x40b000", "tcp",
]  # fmt: skip
"""The session columns from the source address to the protocol (the action follows)."""


def threat(subtype: str, action: str, misc: str, threatid: str, severity: str) -> str:
    head = ["1", "2026/03/14 08:15:02", "013201009999", "THREAT", subtype, "2561", "2026/03/14 08:15:01"]
    tail = [
        action, misc, threatid, "gambling" if subtype == "url" else "any", severity, "client-to-server",
        "7270000123", "0x8000000000000000", "10.0.0.0-10.255.255.255", "United States", "0", "text/html", "0",
        "", "", "1", '"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"', "",
        "", "http://portal.example.org/links", "", "", "", "0", "0", "0", "0", "0", "", "PA-5250", "", "", "",
        "get", "0", "", "0", "", "N/A", "unknown", "8600-7800", "0x0", "0", "4294967295", "",
        '"gambling,low-risk"', "5d1b2b2c-0000-4000-8000-00000000a1b2",
    ]  # fmt: skip
    return HEAD + ",".join(head + SESSION + tail)


def test_threat_url_log_names_the_url_the_category_list_and_the_severity() -> None:
    event = parse(
        threat("url", "block-url", '"casino.example.com/poker/index.html?a=1,b=2"', "(9999)", "informational")
    )
    assert event["url.original"] == "casino.example.com/poker/index.html?a=1,b=2"
    assert event["panw.panos.threat.id"] == "9999"
    assert "panw.panos.threat.name" not in event  # URL logs carry only the id
    assert (event["event.severity"], event["log.level"]) == (5, "informational")
    assert event["log.syslog.priority"] == 14  # the syslog header does not replace log.level
    assert event["user_agent.original"].startswith("Mozilla/5.0 (Windows NT 10.0; Win64; x64)")
    assert (event["http.request.method"], event["http.request.referrer"]) == ("get", "http://portal.example.org/links")
    assert event["panw.panos.url_category_list"] == "gambling,low-risk"
    assert event["observer.hostname"] == "PA-5250"
    assert event["event.outcome"] == "failure"


def test_threat_name_and_id_are_split_and_a_file_threat_names_its_file() -> None:
    event = parse(
        threat("vulnerability", "reset-both", '"/cgi-bin/status"', "GNU Bash Remote Code Execution(36729)", "critical")
    )
    assert (event["panw.panos.threat.name"], event["panw.panos.threat.id"]) == (
        "GNU Bash Remote Code Execution",
        "36729",
    )
    assert event["event.severity"] == 1
    assert "url.original" not in event and "file.name" not in event  # a vulnerability's resource is neither
    virus = parse(threat("virus", "reset-both", "invoice.pdf.exe", "Virus/Win32.WGeneric.abcd(323658451)", "medium"))
    assert virus["file.name"] == "invoice.pdf.exe"
    assert virus["event.severity"] == 3


CONFIG = (
    "1,2026/03/14 08:20:00,013201009999,CONFIG,0,2561,2026/03/14 08:20:00,192.0.2.44,vsys1,edit,fwadmin,Web,"
    'Succeeded, vsys  vsys1 rulebase security rules  allow-web,"action: deny","action: allow",7270000200,0x0,'
    "0,0,0,0,,PA-5250,,,2026-03-14T08:20:00.118+00:00"
)
GLOBALPROTECT = (
    "1,2026/03/14 08:21:00,013201009999,GLOBALPROTECT,0,2561,2026/03/14 08:21:00,vsys1,gateway-auth,login,"
    "LDAP,,jdoe,US,LT-JDOE,198.51.100.77,,0.0.0.0,,a1b2c3d4-0000-4000-8000-000000000001,PF2ABC01,6.1.1,Windows,"
    '"Microsoft Windows 11 Enterprise , 64-bit",1,,"Authentication failed: Invalid username or password",,failure,'
    ",0,on-demand,0,GP-Gateway,7270000201,0x8000000000000000,2026-03-14T08:21:00.411+00:00,,,,,,0,0,0,0,,"
    "PA-5250,1"
)
USERID = (
    "1,2026/03/14 08:22:00,013201009999,USERID,login,2561,2026/03/14 08:22:00,vsys1,10.20.30.41,corp\\asmith,"
    "dc01.corp.example,0,1,2700,0,0,active-directory,AD,7270000202,0x8000000000000000,0,0,0,0,,PA-5250,1,,,0,"
    "0x0,asmith"
)
HIPMATCH = (
    "1,2026/03/14 08:23:00,013201009999,HIPMATCH,0,2561,2026/03/14 08:23:00,corp\\jdoe,vsys1,LT-JDOE,"
    "Windows 11,10.200.0.15,corp-managed,1,profile,,,7270000203,0x8000000000000000,0,0,0,0,,PA-5250,1,,"
)
DECRYPTION = (
    "1,2026/03/14 08:24:00,013201009999,DECRYPTION,0,2561,2026/03/14 08:24:00,"
    + ",".join(SESSION)
    + ",allow,N/A,,,,,5d1b2b2c-0000-4000-8000-00000000a1b3,Certificate,Certificate,TLS1.3,ECDHE,AES_256_GCM,"
    "SHA384,decrypt-outbound,secp256r1,Certificate,trusted,trusted,Forward,0a1b2c3d,,2026/01/01 00:00:00,"
    "2027/01/01 00:00:00,V3,2048,18,20,0,18,0x0,shop.example.com,Example Issuing CA,,shop.example.com,"
)


@pytest.mark.parametrize("line", [CONFIG, GLOBALPROTECT, USERID, HIPMATCH, DECRYPTION])
def test_every_log_type_is_recognised_on_its_own_line(line: str) -> None:
    found = next((p.name for p in line_parsers() if p.sniff_line(HEAD + line)), None)
    assert found == "panos"  # as --format auto picks a parser
    assert parse(HEAD + line)["observer.hostname"] == "PA-5250"  # the device name column, not a shifted one


def test_config_log_names_the_administrator_command_and_result() -> None:
    event = parse(HEAD + CONFIG)
    assert (event["event.category"], event["event.type"], event["event.action"]) == (
        ["configuration"],
        ["change"],
        "edit",
    )
    assert (event["user.name"], event["source.ip"], event["event.outcome"]) == ("fwadmin", "192.0.2.44", "success")
    assert (event["panw.panos.before_change_detail"], event["panw.panos.after_change_detail"]) == (
        "action: deny",
        "action: allow",
    )
    assert event["@timestamp"] == "2026-03-14T08:20:00.000Z"


def test_globalprotect_failed_login_from_the_public_address() -> None:
    event = parse(HEAD + GLOBALPROTECT)
    assert (event["event.category"], event["event.type"], event["event.outcome"]) == (
        ["authentication"],
        ["start"],
        "failure",
    )
    assert (event["event.action"], event["user.name"], event["source.ip"]) == ("gateway-auth", "jdoe", "198.51.100.77")
    assert event["related.ip"] == ["198.51.100.77"]  # 0.0.0.0: no tunnel address yet
    assert event["panw.panos.machinename"] == "LT-JDOE"


def test_userid_login_maps_user_to_address() -> None:
    event = parse(HEAD + USERID)
    assert (event["event.category"], event["event.type"], event["event.action"]) == (
        ["authentication"],
        ["start"],
        "login",
    )
    assert (event["user.name"], event["source.ip"]) == ("corp\\asmith", "10.20.30.41")
    assert "source.port" not in event  # 0: no port came with the mapping


def test_hip_match_and_decryption_logs() -> None:
    hip = parse(HEAD + HIPMATCH)
    assert (hip["user.name"], hip["source.ip"], hip["rule.name"]) == ("corp\\jdoe", "10.200.0.15", "corp-managed")
    tls = parse(HEAD + DECRYPTION)
    assert (tls["source.ip"], tls["destination.port"], tls["source.nat.ip"]) == ("10.20.30.40", 80, "203.0.113.10")
    assert (tls["tls.version_protocol"], tls["tls.version"], tls["tls.client.server_name"]) == (
        "tls",
        "1.3",
        "shop.example.com",
    )
    assert tls["tls.server.x509.issuer.common_name"] == "Example Issuing CA"


def test_traffic_session_start_time() -> None:
    line = (
        "1,2026/03/14 08:30:00,013201009999,TRAFFIC,end,2561,2026/03/14 08:30:00,"
        + ",".join(SESSION)
        + ",allow,7734,1758,5976,36,2026/03/14 08:20:14,586,computer-and-internet-info,0,7270000300,0x0,"
        "10.0.0.0-10.255.255.255,United States,0,16,20,tcp-fin,0,0,0,0,,PA-5250,from-policy"
    )
    event = parse(HEAD + line)
    assert event["event.start"] == "2026-03-14T08:20:14.000Z"
    assert event["event.duration"] == 586 * 1_000_000_000
    assert event["@timestamp"] == "2026-03-14T08:30:00.000Z"
    broken = parse(HEAD + line.replace("2026/03/14 08:20:14", "2026/13/14 08:20:14"))
    assert "event.start" not in broken and broken["@timestamp"] == "2026-03-14T08:30:00.000Z"


def test_a_log_type_without_a_layout_still_has_time_and_device() -> None:
    line = HEAD + "1,2026/03/14 08:25:00,013201009999,IPTAG,0,2561,2026/03/14 08:25:00,vsys1,10.20.30.40,quarantine"
    found = next((p.name for p in line_parsers() if p.sniff_line(line)), None)
    assert found == "panos"
    event = parse(line)
    assert (event["@timestamp"], event["observer.serial_number"]) == ("2026-03-14T08:25:00.000Z", "013201009999")
    assert event["event.category"] == ["host"]
