"""Linux netfilter packet logs (iptables/nftables ``LOG`` target, Ubiquiti EdgeOS/UniFi, Proxmox).

Sample::

    <161>Oct 10 07:25:12 gw kernel: [wan-lan-default-D]IN=eth0 OUT= MAC=90:10:20:76:8d:20:90:10:65:29:b6:2a:08:00
    SRC=67.43.156.15 DST=10.4.0.5 LEN=52 TOS=0x00 PREC=0x00 TTL=63 ID=0 DF PROTO=TCP SPT=38842 DPT=443
    WINDOW=2853 RES=0x00 ACK URGP=0

The kernel writes the rule's log prefix, then ``KEY=value`` pairs and bare
flags (``DF``, ``SYN``…); keys after ``PROTO`` belong to that protocol (a UDP
``LEN`` is not the IP ``LEN``). ICMP errors quote the offending packet in
brackets; that part is kept as text. The verdict comes from the prefix:
Ubiquiti's ``[ruleset-rule-A|D|R]`` (``event.action`` accept, drop, reject)
or the word holding DROP, DENY, REJECT, ACCEPT… (``event.action`` is that
word in lower case, ``DROP_INPUT`` → ``drop_input``). ECS mapping follows
Elastic's ``iptables`` integration; the rest goes under ``iptables.*``.

The line is read by ``secops_native`` (``collectors/native/src/netfilter.rs``);
the times are converted here, in the configured zone.

Reference: Linux ``net/netfilter/nf_log_syslog.c``; Elastic ``iptables`` integration fields.
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from collectors.syslog_time import DEFAULT_CLOCK
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "iptables.log"


@register
class NetfilterParser(NativeLineParser):
    """Kernel ``LOG`` lines of iptables and nftables."""

    name = "netfilter"
    dataset = DATASET
    priority = 40
    sniff_tokens = ("SRC=",)

    native_sniff = secops_native.Sniff(name)
    native_format = "netfilter"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error, dmesg, apache = result
        stamp = header_timestamp(time, ctx)
        if error:
            raise ParseError(error)
        if time is None:  # a time in the message: dmesg -T's wall clock, else Proxmox's
            stamp = _dmesg_time(dmesg, ctx) or (apache and DEFAULT_CLOCK.iso(apache, ctx))
        if stamp:
            event["@timestamp"] = stamp
        return event


def _dmesg_time(stamp: str | None, ctx: ParseContext) -> str | None:
    """``dmesg -T``'s ``Mmm dd yyyy hh:mm:ss``, or None where it is no time."""
    if stamp is None:
        return None
    try:
        return DEFAULT_CLOCK.bsd(stamp, None, ctx)
    except (ParseError, KeyError):
        return None
