"""SonicWall SonicOS syslog ("enhanced" ``key=value`` format).

Sample::

    <134>id=firewall sn=0017C5000000 time="2022-02-22 18:24:30 UTC" fw=10.0.0.2 pri=6 c=262144 m=98
    msg="Connection Opened" src=10.0.0.3:52379:X0 natSrc=10.0.0.2:48245 dst=216.160.83.61:443:X1
    natDst=216.160.83.61:443 usr="alice" proto=tcp/https sent=52 n=123456789

Addresses are ``ip:port:interface[:name]`` (IPv6 ones in ``srcV6``/``dstV6``);
``time`` is local unless it says ``UTC``. The message id ``m`` names the
event: the table below classifies the common ones, other messages are
classified from their text. ECS mapping follows Elastic's
``sonicwall_firewall`` integration; the rest goes to ``sonicwall.firewall.*``.

The line is read by ``secops_native`` (``collectors/native/src/sonicwall.rs``);
the header's time and ``time=`` are converted here, in the configured zone.

Reference: SonicOS Log Events Reference Guide (event ids), SonicWall KB "Syslog field descriptions".
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import HeaderTime, header_timestamp
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "sonicwall_firewall.log"


@register
class SonicwallParser(NativeLineParser):
    """SonicOS firewall, VPN, IPS and content-filter events."""

    name = "sonicwall"
    dataset = DATASET
    priority = 20
    sniff_tokens = ("sn=",)

    native_sniff = secops_native.Sniff(name)
    native_format = "sonicwall"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, written, error = result
        stamp = header_timestamp(time, ctx)  # the header's time, when it has one
        if error:
            raise ParseError(error)
        stamp = _timestamp(written, ctx) or stamp
        if stamp:
            event["@timestamp"] = stamp
        return event


def _timestamp(written: HeaderTime | None, ctx: ParseContext) -> str | None:
    """``time=``, local unless it said UTC (secops_native wrote it ISO-like); None when it is no time
    (the header's is used then)."""
    try:
        return header_timestamp(written, ctx)
    except ParseError:
        return None
