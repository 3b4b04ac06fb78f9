"""Check Point Log Exporter records beyond the firewall blade, on lines written for these tests.

Addresses are documentation ranges, names invented; field names follow
Check Point's "Log Fields Description" (sk144192).
"""

from __future__ import annotations

from typing import Any

from secops import ecs
from secops.registry import LineParser, ParseContext, get_parser

CTX = ParseContext(year=2026)


def parse(line: str) -> dict[str, Any]:
    parser = get_parser("checkpoint")
    assert isinstance(parser, LineParser)
    return ecs.flatten(parser.parse(line, CTX))


def test_epoch_time_wins_over_a_header_without_year() -> None:
    # A relay's BSD header: no year, no zone. time:"..." is the gateway's own UTC epoch (2024 here).
    event = parse(
        'Mar  5 09:10:18 gw-hq CheckPoint[2288]: [action:"Accept"; ifdir:"inbound"; origin:"192.0.2.1"; '
        'time:"1709629818"; src:"10.10.0.30"; dst:"10.20.0.30"; proto:"6"; s_port:"1234"; service:"22"; '
        'product:"VPN-1 & FireWall-1"; rule_name:"SSH"]'
    )
    assert event["@timestamp"] == "2024-03-05T09:10:18.000Z"


def test_trailing_separator_before_the_bracket() -> None:
    event = parse(
        '<134>1 2024-03-05T09:10:19Z gw-hq CheckPoint 2288 - [action:"Accept"; origin:"192.0.2.1"; '
        'time:"1709629819"; src:"10.10.0.31"; dst:"10.20.0.31"; proto:"6"; service:"22"; rule_name:"SSH";]'
    )
    assert event["rule.name"] == "SSH"


def test_threat_prevention_names_url_agent_users_and_rule() -> None:
    event = parse(
        '<134>1 2024-03-05T09:10:13Z gw-hq CheckPoint 2288 - [action:"Prevent"; origin:"192.0.2.1"; '
        'time:"1709629813"; dst:"198.51.100.99"; http_host:"cnc.example.net"; malware_action:"Communication with '
        'C&C site"; malware_family:"Emotet"; method:"POST"; product:"Anti-Bot"; proto:"6"; '
        'resource:"http://cnc.example.net/gate.php?id=1"; s_port:"50000"; service:"80"; service_id:"http"; '
        'severity:"4"; src:"10.10.0.21"; src_machine_name:"pc21"; src_user_name:"jdoe"; '
        'layer_name:"Standard Threat Prevention"; rule_uid:"0f1e2d3c-0000-4000-8000-000000000001"; '
        'user_agent:"Mozilla/5.0 (Windows NT 10.0; Win64; x64)"; web_client_type:"Other: Mozilla"]'
    )
    assert (event["url.original"], event["url.domain"]) == ("http://cnc.example.net/gate.php?id=1", "cnc.example.net")
    assert (event["http.request.method"], event["user_agent.original"]) == (
        "POST",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
    )
    assert (event["source.user.name"], event["source.domain"], event["related.user"]) == ("jdoe", "pc21", ["jdoe"])
    assert (event["rule.description"], event["rule.uuid"]) == (
        "Communication with C&C site",
        "0f1e2d3c-0000-4000-8000-000000000001",
    )
    assert (event["network.application"], event["network.name"]) == ("http", "Standard Threat Prevention")
    assert event["event.severity"] == 4
    assert event["event.category"] == ["network", "malware"]


def test_file_hashes_and_zones() -> None:
    event = parse(
        '<134>1 2024-03-05T09:10:15Z gw-hq CheckPoint 2288 - [action:"Detect"; origin:"192.0.2.1"; '
        'time:"1709629815"; src:"198.51.100.101"; dst:"10.10.0.23"; proto:"6"; s_port:"80"; service:"50002"; '
        'file_md5:"44d88612fea8a8f36de82e1278abb02f"; file_name:"eicar.com"; inzone:"External"; '
        'outzone:"Internal"; product:"Threat Emulation"; verdict:"Malicious"]'
    )
    assert (event["file.name"], event["file.hash.md5"]) == ("eicar.com", "44d88612fea8a8f36de82e1278abb02f")
    assert (event["observer.ingress.zone"], event["observer.egress.zone"]) == ("External", "Internal")
