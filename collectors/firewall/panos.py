"""Palo Alto Networks PAN-OS syslog (CSV over syslog): every log type the firewall forwards.

Sample::

    Nov 30 16:09:08 PA-220 1,2018/11/30 16:09:07,012801096514,TRAFFIC,end,2049,2018/11/30 16:09:07,
    192.168.15.207,175.16.199.1,192.168.1.63,175.16.199.1,new_outbound_from_trust,,,apple-maps,vsys1,
    trust,untrust,ethernet1/2,ethernet1/1,send_to_mac,...,tcp,allow,7734,1758,5976,36,...

Fields are positional and named by the PAN-OS "Syslog Field Descriptions"
(PAN-OS 8.1–11.x; newer releases append fields, which are ignored): TRAFFIC,
THREAT and DECRYPTION share the session columns; SYSTEM, CONFIG,
GLOBALPROTECT, USERID, HIPMATCH and AUTH have their own. A THREAT's
``Name(ID)`` is split, its URL or file name and severity land in ECS. Times in
the CSV carry no zone: they are in ``ParseContext.timezone``. A NAT address
of 0.0.0.0 (with port 0) means the session was not translated. ECS mapping
follows Elastic's ``panw.panos`` integration; the rest lands in
``panw.panos.*``.

The line is read by ``secops_native`` (``collectors/native/src/panos.rs``);
the header's time and the record's are converted here, in the configured zone.

Reference: https://docs.paloaltonetworks.com/pan-os/11-0/pan-os-admin/monitoring/use-syslog-for-monitoring/syslog-field-descriptions
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "panw.panos"


@register
class PanosParser(NativeLineParser):
    """PAN-OS syslog in CSV form, every log type."""

    name = "panos"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("1,20",)

    native_sniff = secops_native.Sniff(name)
    native_format = "panos"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        # The record's own times, "YYYY-MM-DD hh:mm:ss" without a zone: the generated (else received)
        # time, and a TRAFFIC session's start.
        event, time, error, stamp, start = result
        header_stamp = header_timestamp(time, ctx)
        if error:
            raise ParseError(error)
        if stamp:
            event["@timestamp"] = header_timestamp(stamp, ctx)
        elif header_stamp:
            event["@timestamp"] = header_stamp
        if start:
            with suppress(ParseError):  # when the session began; a bad value costs this field only
                event["event"]["start"] = header_timestamp(start, ctx)
        return event
