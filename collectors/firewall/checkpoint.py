"""Check Point Log Exporter syslog (R80.x/R81.x), in its two syslog layouts.

Samples::

    <134>1 2023-03-01T07:58:40Z gw-0b8ccd CheckPoint 16700 - [action:"Accept"; ifdir:"inbound";
    ifname:"eth1"; origin:"192.168.178.40"; dst:"10.0.0.1"; proto:"1"; rule_name:"Log all";
    product:"VPN-1 & FireWall-1"; src:"10.0.0.2"]

    <85>1 2023-01-13T10:10:16-05:00 172.16.2.9 CP-GW - Log [Fields@1.3.6.1.4.1.2620 src="81.2.69.192"
    dst="81.2.69.142" proto="6" xlatesrc="81.2.69.144" rule_name="internal" ProductName="VPN-1 & FireWall-1" svc="443"]

The first (``key:"value";`` in brackets) is Log Exporter's ``syslog`` format,
the second real RFC 5424 structured data. A key may repeat (one value per
matched rule layer); repeated keys become lists. ECS mapping follows Elastic's
``checkpoint`` integration: connection fields and counters, NAT (``xlate*``,
where 0.0.0.0 means none), interface direction, the logging gateway
(``origin``, and ``originsicname``'s CN as ``observer.hostname``),
SmartConsole audit logs (administrator, login/logout), threat blades; every
field not mapped stays under ``checkpoint.*``.

The line is read by ``secops_native`` (``collectors/native/src/checkpoint.rs``);
the header's time is converted here, in the configured zone.

Reference: Check Point "Log Exporter" and "Log Fields Description" (sk144192).
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from collectors.syslog_time import epoch_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "checkpoint.firewall"

_SD_ID = "Fields@1.3.6.1.4.1.2620"


@register
class CheckpointParser(NativeLineParser):
    """Check Point firewall, threat-prevention and SmartConsole audit logs."""

    name = "checkpoint"
    dataset = DATASET
    priority = 20
    sniff_tokens = (_SD_ID, 'origin:"')

    native_sniff = secops_native.Sniff(name)
    native_format = "checkpoint"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error, epoch = result
        stamp = header_timestamp(time, ctx)
        if error:
            raise ParseError(error)
        if epoch is not None:  # a BSD header has neither year nor zone: the gateway's UTC epoch has both
            stamp = epoch_timestamp(epoch)
        if stamp:
            event["@timestamp"] = stamp
        return event
