"""pfSense and OPNsense packet-filter logs (``filterlog``), over RFC 3164 or RFC 5424 syslog.

Sample::

    <134>Jul  3 19:10:30 filterlog[72237]: 146,,,1535324496,igb1.12,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,
    10.170.12.50,175.16.199.1,49724,853,0,S,1891286705,,64240,,mss;sackOK;TS;nop;wscale

The record is positional CSV: rule, sub-rule, anchor, tracker, interface,
reason, action, direction, IP version; then the IPv4 header (TOS, ECN, TTL,
id, offset, flags, protocol id and name, length, addresses) or the IPv6 one
(class, flow label, hop limit, protocol name and id, length, addresses); then
the protocol's own fields (ports and TCP flags, ICMP type and what that type
carries, CARP…). A row cut short keeps the fields it has. ECS mapping follows
Elastic's ``pfsense`` integration, which keeps the raw ``in``/``out`` as
``network.direction`` and counts the logged packet's IP length as
``network.bytes``; the rest goes to ``pfsense.*`` under Elastic's names
(``pfsense.tcp.flags``, ``pfsense.icmp.seq``…).

The line is read by ``secops_native`` (``collectors/native/src/pfsense.rs``);
the header's time is converted here, in the configured zone.

Reference: https://docs.netgate.com/pfsense/en/latest/monitoring/logs/raw-filter-format.html
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "pfsense.log"


@register
class PfsenseParser(NativeLineParser):
    """``filterlog`` lines of pfSense and OPNsense."""

    name = "pfsense"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("filterlog",)

    native_sniff = secops_native.Sniff(name)
    native_format = "pfsense"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error = result
        stamp = header_timestamp(time, ctx)
        if error:
            raise ParseError(error)
        if stamp:
            event["@timestamp"] = stamp
        return event
