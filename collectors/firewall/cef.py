"""ArcSight Common Event Format (CEF), alone or after a syslog header.

Sample::

    <134>Feb 12 10:10:10 fw01 CEF:0|Elastic|Vaporware|1.0.0-alpha|18|Web request|low|eventId=3457
    requestMethod=POST proto=TCP src=6.7.8.9 spt=33876 dst=192.168.10.1 dpt=443 request=https://www.example.com/cart

Seven ``|``-separated header fields (``\\|`` and ``\\\\`` escaped), then an
extension of ``key=value`` pairs where values may hold spaces and ``\\=``.
Short keys are expanded to their full dictionary names under
``cef.extensions.*`` (as Elastic's CEF decoder stores them) and the
well-known ones mapped to ECS the way that decoder does. Custom strings
keep their labels (``cs1Label``). A syslog header's host is
``observer.hostname`` unless ``dvchost`` names the device; its time is
``@timestamp`` when there is no ``rt``.

The line is read by ``secops_native`` (``collectors/native/src/cef.rs``);
the device times and the header's are converted here, in the configured zone.

Reference: Micro Focus "Implementing ArcSight CEF", revision 25 (extension dictionary).
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from collectors.syslog_time import device_timestamp
from secops import ecs
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "cef.log"


@register
class CefParser(NativeLineParser):
    """CEF from any vendor; vendor-specific fields stay under ``cef.extensions``."""

    name = "cef"
    dataset = DATASET
    priority = 80  # generic: after the vendor formats
    sniff_tokens = ("CEF:",)

    native_sniff = secops_native.Sniff(name)
    native_format = "cef"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error, received, start, end = result
        if error:  # the record's error first: the header is read only after a readable one
            raise ParseError(error)
        for raw, target in ((received, "@timestamp"), (start, "event.start"), (end, "event.end")):
            if raw is not None:
                stamp = device_timestamp(raw, ctx)
                if stamp:
                    ecs.put(event, target, stamp)
        stamp = header_timestamp(time, ctx)  # a syslog header's time dates the record when rt does not
        if stamp and "@timestamp" not in event:
            event["@timestamp"] = stamp
        return event
