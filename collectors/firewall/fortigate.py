"""Fortinet FortiGate (FortiOS) logs: ``key=value`` records, usually over syslog.

Sample::

    <189>date=2020-04-23 time=12:11:51 devname="fw1" devid="FG100E" logid="0000000020" type="traffic"
    subtype="forward" level="notice" vd="root" tz="-0500" srcip=192.168.10.10 srcport=6000 dstip=67.43.156.13
    dstport=6000 proto=17 action="accept" policyid=3426 policyname="out" trandisp="snat"
    transip=67.43.156.14 transport=60964 sentbyte=438650 rcvdbyte=65446

FortiOS's CSV syslog format (``date=...,time=...,devname=...``) is read too.
``date``/``time`` are local to the device; ``tz`` (FortiOS 6.2+) gives the
offset, otherwise ``ParseContext.timezone`` applies. ECS mapping follows
Elastic's ``fortinet_fortigate`` integration: traffic logs are connections,
UTM logs carry the verdict in ``event.type`` and their event type
(``ftgd_blk``, ``signature``…) in ``event.action``, user events are
authentication, VPN events are connections between ``remip`` and ``locip``;
event logs set no ``event.action`` (their ``action`` stays vendor data).
Without a ``direction``/``dir`` field, ``network.direction`` comes from which
side of the private networks the two ends are. Everything else stays under
``fortinet.firewall.*``.

The line is read by ``secops_native`` (``collectors/native/src/fortigate.rs``);
the device's time is converted here, in the configured zone.

Reference: FortiOS Log Message Reference (docs.fortinet.com/document/fortigate/7.4.0/fortios-log-message-reference).
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "fortinet_fortigate.log"


@register
class FortigateParser(NativeLineParser):
    """FortiGate traffic, UTM and event logs."""

    name = "fortigate"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("date=",)

    native_sniff = secops_native.Sniff(name)
    native_format = "fortigate"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error = result
        if error:
            raise ParseError(error)
        event["@timestamp"] = header_timestamp(time, ctx)  # the device's date/time [offset], as an ISO time
        return event
