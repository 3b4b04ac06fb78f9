"""Cisco ASA and Firepower Threat Defense (FTD) syslog.

Samples::

    <166>May  5 17:51:17 dev01: %ASA-6-302013: Built inbound TCP connection 1111 for outside:10.10.10.10/53500
    (81.2.69.144/53500) to inside:192.168.2.2/53500 (81.2.69.144/53500)
    <166>Sep 29 2022 15:00:15 hosty : %FTD-6-602303: IPSEC: An outbound LAN-to-LAN SA (SPI= 0xF0079F5A) between
    192.168.0.139 and 192.168.0.38 (user= 192.168.0.38) has been created.
    <113>%FTD-1-430003: EventPriority: Low, DeviceUUID: 2d7..., SrcIP: 10.0.0.5, DstIP: 8.8.8.8, SrcPort: 5353, ...

Every message is ``%ASA-<severity>-<id>: <text>`` after an optional syslog
header (with or without host, with or without year). The text of each id is
described in a data table (patterns and ECS classification). FTD's Firepower events (430001–430005) are ``Key: value``
lists and are read as such. Mapping follows Elastic's ``cisco_asa`` and
``cisco_ftd`` integrations: endpoints, NAT (``mapped_*`` as written; in
``*.nat`` only the address or port that differs from the real one, since
ASA repeats an untranslated pair), interfaces, users, ACL names, bytes and
durations; leftovers under ``cisco.asa.*`` or ``cisco.ftd.*``. Elastic's
FTD integration types rule messages as ``info`` without an outcome; FTD
lines do the same here.

The line is read by ``secops_native`` (``collectors/native/src/cisco_asa.rs``,
its table in ``cisco_asa_messages.rs``); the header's time is converted here, in
the configured zone.

Reference: Cisco ASA Series Syslog Messages; Cisco Secure Firewall Threat Defense Syslog Messages.
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event


@register
class CiscoAsaParser(NativeLineParser):
    """Cisco ASA, PIX and FTD ``%ASA-n-nnnnnn`` / ``%FTD-n-nnnnnn`` messages."""

    name = "cisco-asa"
    dataset = "cisco_asa.log"
    priority = 10
    sniff_tokens = ("%ASA", "%FTD", "%PIX", "%FWSM")

    native_sniff = secops_native.Sniff(name)
    native_format = "cisco_asa"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error = result
        if error:  # the message id is read first: a line without one has no header time
            raise ParseError(error)
        stamp = header_timestamp(time, ctx)
        if stamp:
            event["@timestamp"] = stamp
        return event
