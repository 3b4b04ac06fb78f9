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

The line is read by ``secops_native`` (``collectors/native/src/juniper_srx.rs``);
the header's time is converted here, in the configured zone.

Reference: Junos OS System Log Messages Reference (RT_FLOW, RT_IDS, RT_UTM, RT_AAMW, RT_SECINTEL).
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "juniper_srx.log"


@register
class JuniperSrxParser(NativeLineParser):
    """Junos RT_FLOW, APPTRACK, IDP, UTM, AAMW and SecIntel structured syslog."""

    name = "juniper-srx"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("[junos@", "RT_FLOW")

    native_sniff = secops_native.Sniff(name)
    native_format = "juniper_srx"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error = result
        stamp = header_timestamp(time, ctx)
        if error:
            raise ParseError(error)
        if stamp:
            event["@timestamp"] = stamp
        return event
