"""Juniper SRX security logs in the layouts Junos writes besides RFC 5424 stream mode."""

from __future__ import annotations

import pytest

from collectors.firewall.juniper_srx import JuniperSrxParser
from secops import ecs
from secops.errors import ParseError
from secops.registry import ParseContext

CTX = ParseContext(year=2026)
PARSER = JuniperSrxParser()

SD = (
    '[junos@2636.1.1.1.2.129 source-address="10.0.0.5" source-port="52318" destination-address="198.51.100.7" '
    'destination-port="443" nat-source-address="203.0.113.5" nat-source-port="42001" '
    'nat-destination-address="198.51.100.7" nat-destination-port="443" protocol-id="6" policy-name="allow-web" '
    'source-zone-name="trust" destination-zone-name="untrust" session-id-32="12345" username="N/A" roles="N/A" '
    'packet-incoming-interface="ge-0/0/1.0"]'
)


def parse(line: str) -> dict:
    assert PARSER.sniff_line(line)
    return ecs.flatten(PARSER.parse(line, CTX))


def assert_create(event: dict) -> None:
    assert event["event.action"] == "flow_started"
    assert (event["source.ip"], event["source.port"]) == ("10.0.0.5", 52318)
    assert (event["destination.ip"], event["destination.port"]) == ("198.51.100.7", 443)
    assert (event["source.nat.ip"], event["source.nat.port"]) == ("203.0.113.5", 42001)
    assert (event["network.transport"], event["rule.name"]) == ("tcp", "allow-web")
    assert (event["observer.ingress.zone"], event["observer.egress.zone"]) == ("trust", "untrust")
    assert event["observer.ingress.interface.name"] == "ge-0/0/1.0"
    assert event["observer.name"] == "srx1"


@pytest.mark.parametrize(
    "line",
    [
        f"<14>1 2026-11-27T10:00:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE {SD}",
        # event mode with "set security log format sd-syslog": an RFC 3164 header, the tag, then the element
        f"<14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_CREATE {SD} session created 10.0.0.5/52318->...",
        # relayed by a syslog server that writes its own header first
        f"<13>Nov 27 10:00:02 loghost <14>1 2026-11-27T10:00:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE {SD}",
        # plain text, Junos 15.1X49 and later (connection tags, NAT rule types, application fields)
        "<14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.5/52318->198.51.100.7/443 "
        "0x0 junos-https 203.0.113.5/42001->198.51.100.7/443 0x0 source rule r1 N/A N/A 6 allow-web trust untrust "
        "12345 N/A(N/A) ge-0/0/1.0 UNKNOWN UNKNOWN UNKNOWN N/A N/A -1 N/A N/A N/A",
        # plain text, Junos 11 (two rule names, no tags)
        "<14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_CREATE: session created 10.0.0.5/52318->198.51.100.7/443 "
        "junos-https 203.0.113.5/42001->198.51.100.7/443 r1 None 6 allow-web trust untrust 12345 N/A(N/A) ge-0/0/1.0",
    ],
)
def test_session_create_in_every_layout(line: str) -> None:
    assert_create(parse(line))


def test_plain_session_close_counts_and_user() -> None:
    event = parse(
        "<14>Nov 27 10:05:00 srx1 RT_FLOW: RT_FLOW_SESSION_CLOSE: session closed TCP FIN: "
        "10.0.0.5/52318->198.51.100.7/443 0x0 junos-https 203.0.113.5/42001->198.51.100.7/443 0x0 source rule r1 "
        "N/A N/A 6 allow-web trust untrust 12345 10(1500) 12(3000) 300 SSL UNKNOWN alice(N/A) ge-0/0/1.0 UNKNOWN"
    )
    assert event["event.action"] == "flow_close" and event["event.code"] == "RT_FLOW_SESSION_CLOSE"
    assert (event["source.bytes"], event["destination.bytes"], event["network.bytes"]) == (1500, 3000, 4500)
    assert (event["source.packets"], event["destination.packets"]) == (10, 12)
    assert event["event.duration"] == 300_000_000_000
    assert (event["user.name"], event["juniper.srx.reason"], event["juniper.srx.application"]) == (
        "alice",
        "TCP FIN",
        "SSL",
    )


def test_plain_session_deny_with_icmp_and_ipv6() -> None:
    event = parse(
        "<14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 2001:db8::9/0->2001:db8::5/128 "
        "0x0 icmpv6 58(128) deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No policy deny"
    )
    assert event["event.type"] == ["denied", "connection"]
    assert (event["source.ip"], event["destination.ip"]) == ("2001:db8::9", "2001:db8::5")
    assert (event["network.transport"], event["juniper.srx.icmp_type"], event["rule.name"]) == (
        "ipv6-icmp",
        "128",
        "deny-all",
    )
    assert event["observer.ingress.interface.name"] == "ge-0/0/0.0"


def test_an_unknown_plain_layout_is_a_parse_error_not_a_wrong_event() -> None:
    with pytest.raises(ParseError):
        PARSER.parse("<14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_CREATE: session created somehow", CTX)


def test_idp_no_translation_is_no_nat_and_no_related_address() -> None:
    event = parse(
        "<14>1 2026-11-27T10:00:00Z srx1 RT_IDP - RT_IDP_ATTACK_LOG_EVENT [junos@2636.1.1.1.2.129 "
        'source-address="198.51.100.9" source-port="4444" destination-address="10.0.0.5" destination-port="80" '
        'protocol-name="TCP" attack-name="HTTP:SQL:INJ:GENERIC" nat-source-address="0.0.0.0" nat-source-port="0" '
        'nat-destination-address="0.0.0.0" nat-destination-port="0" action="DROP" source-zone-name="untrust" '
        'source-interface-name="ge-0/0/0.0" destination-zone-name="trust" destination-interface-name="ge-0/0/1.0"]'
    )
    assert not any(key.startswith(("source.nat", "destination.nat")) for key in event)
    assert event["related.ip"] == ["198.51.100.9", "10.0.0.5"]
    assert (event["observer.ingress.interface.name"], event["observer.egress.interface.name"]) == (
        "ge-0/0/0.0",
        "ge-0/0/1.0",
    )


def test_a_policy_name_with_brackets_is_whole() -> None:
    sd = SD.replace('policy-name="allow-web"', 'policy-name="web [dmz]"')
    event = parse(f"<14>1 2026-11-27T10:00:00Z srx1 RT_FLOW - RT_FLOW_SESSION_CREATE {sd}")
    assert event["rule.name"] == "web [dmz]"
    assert event["observer.ingress.zone"] == "trust"
