"""Juniper SRX security logs: structured syslog (RFC 5424, ``sd-syslog``) and the plain-text RT_FLOW lines.

Samples::

    <14>1 2019-04-13T14:33:06.576Z cixi RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.26
    reason="TCP RST" source-address="192.168.2.164" source-port="53232" destination-address="172.16.1.19"
    destination-port="445" nat-source-address="192.168.2.164" protocol-id="6" policy-name="35"
    bytes-from-client="4274" bytes-from-server="1575" ...]
    <14>Nov 27 10:00:00 srx1 RT_FLOW: RT_FLOW_SESSION_DENY: session denied 198.51.100.9/4444->203.0.113.5/22
    0x0 junos-ssh 6(0) deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0 No policy deny

The MSGID names the event (``RT_FLOW_SESSION_CREATE``, ``RT_IDS_...``,
``WEBFILTER_URL_BLOCKED``…), the ``junos@`` structured-data element holds its
fields; event-mode logging writes the same element after an RFC 3164 header
and the message id. Without structured data, the session create, close and
deny lines are read by position (the layout of Junos 10 to 21: connection
tags and NAT rule types came and went) into the same fields. ECS mapping
follows Elastic's ``juniper_srx`` integration, zones and interfaces included;
remaining fields go to ``juniper.srx.*`` with dashes turned into underscores.

The header and the ``junos@`` element are read here; the record is mapped by
``secops_native`` (``collectors/native/src/juniper_srx.rs``).

Reference: Junos OS System Log Messages Reference (RT_FLOW, RT_IDS, RT_UTM, RT_AAMW, RT_SECINTEL).
"""

from __future__ import annotations

import re

import secops_native

from collectors.syslog_header import SyslogHeader, parse_header, parse_structured_data
from secops.registry import LineParser, ParseContext, register
from secops.types import Event

DATASET = "juniper_srx.log"

_PLAIN = re.compile(r"session (created|closed|denied) ")
"""An RT_FLOW session line without structured data (read by ``secops_native``)."""


@register
class JuniperSrxParser(LineParser):
    """Junos RT_FLOW, APPTRACK, IDP, UTM, AAMW and SecIntel structured syslog."""

    name = "juniper-srx"
    dataset = DATASET
    priority = 20

    def sniff_line(self, line: str) -> bool:
        return "[junos@" in line or ("RT_FLOW" in line and _PLAIN.search(line) is not None)

    def parse(self, line: str, ctx: ParseContext) -> Event:
        header = parse_header(line, ctx)
        element, msgid = _element(header)
        event: Event = secops_native.juniper_srx(element, msgid, header.message, header.app)
        if header.timestamp:
            event["@timestamp"] = header.timestamp
        if header.hostname:
            event["observer"]["name"] = header.hostname
        if header.priority is not None:
            event["log"] = {"syslog": header.log_fields()}
        return event


def _element(header: SyslogHeader) -> tuple[dict[str, str] | None, str | None]:
    """The ``junos@`` fields and the message id, from RFC 5424 structured data or the message; no fields (and
    the header's message id) when there are none: then the message is a plain RT_FLOW line."""
    if header.structured:
        for sd_id, element in header.structured.items():
            if sd_id.startswith("junos@"):
                return element, header.msgid or ""
    text = header.message
    at = text.find("[junos@")
    if at >= 0:  # event mode: "RT_FLOW: RT_FLOW_SESSION_CREATE [junos@...]" after an RFC 3164 header
        structured, _ = parse_structured_data(text[at:])
        for sd_id, element in (structured or {}).items():
            if sd_id.startswith("junos@"):
                words = text[:at].split()
                return element, words[-1].rstrip(":") if words else header.msgid or ""
    return None, header.msgid
