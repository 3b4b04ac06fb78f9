"""Linux netfilter (iptables/nftables, UFW prefixes) kernel log lines, as rsyslog writes them.

``2026-11-25T21:40:52.123456+00:00 web01-hq kernel: [812345.123456] [UFW BLOCK] IN=eth0 OUT=
MAC=52:54:00:1a:2b:3c:00:1c:73:00:00:01:08:00 SRC=203.0.113.9 DST=10.10.0.16 LEN=60 TOS=0x00 PREC=0x00
TTL=51 ID=4321 DF PROTO=TCP SPT=44321 DPT=23 WINDOW=64240 RES=0x00 SYN URGP=0``

Here the "site" is the host whose own firewall logged the packet: ``site.firewall``
is its host name and ``flow.dst`` (inbound) or ``flow.src`` (outbound) its address.
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import iso_micro

FORMAT = "netfilter"
_MAC = "52:54:00:1a:2b:3c:00:1c:73:00:00:01:08:00"


def line(flow: Flow, site: Site) -> str:
    inbound = flow.direction == "inbound"
    prefix = "[UFW BLOCK]" if flow.action == "deny" else "[UFW ALLOW]"
    ifaces = f"IN=eth0 OUT= MAC={_MAC}" if inbound else "IN= OUT=eth0"
    uptime = 500_000 + (flow.t % 400_000)
    ttl = 40 + flow.session % 80 if inbound else 64
    if flow.proto == "tcp":
        length = 60
        tail = f"PROTO=TCP SPT={flow.sport} DPT={flow.dport} WINDOW=64240 RES=0x00 SYN URGP=0"
        df = " DF"
    else:
        length = 28 + max(8, min(flow.bytes_out, 1472))
        tail = f"PROTO=UDP SPT={flow.sport} DPT={flow.dport} LEN={length - 20}"
        df = ""
    return (
        f"{iso_micro(flow.t)} {site.firewall} kernel: [{uptime:.6f}] {prefix} {ifaces} SRC={flow.src} "
        f"DST={flow.dst} LEN={length} TOS=0x00 PREC=0x00 TTL={ttl} ID={flow.session & 0xFFFF}{df} {tail}"
    )
