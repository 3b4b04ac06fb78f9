"""pfSense filterlog, as pfSense 2.5+ sends it with RFC 5424 headers (one line per logged packet).

``<134>1 2026-11-25T21:40:52.123456+00:00 pfs-field2 filterlog 41123 - - 5,,,1000000103,igb0,match,block,
in,4,0x0,,242,54321,0,none,6,tcp,44,203.0.113.9,198.51.100.70,44321,23,0,S,1234567,,1024,,mss``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import iso_micro

FORMAT = "pfsense"


def line(flow: Flow, site: Site) -> str:
    deny = flow.action == "deny"
    outbound = flow.direction == "outbound"
    rule, tracker = (5, 1000000103) if deny else (70 + flow.session % 4, 1770000000 + flow.session % 4)
    iface = "igb1" if outbound else "igb0"
    src, dst = (flow.src, flow.dst) if outbound else (flow.src, flow.nat_dst or flow.dst)
    ttl = 128 if outbound else 40 + flow.session % 200
    ident = flow.session & 0xFFFF
    if flow.proto == "tcp":
        length = 60 if deny else 52
        proto = (
            f"6,tcp,{length},{src},{dst},{flow.sport},{flow.dport},0,S,{(flow.session * 2654435761) & 0xFFFFFFFF},,"
            "64240,,mss;sackOK;TS;nop;wscale"
        )
    else:
        payload = max(8, min(flow.bytes_out, 1472))
        proto = f"17,udp,{payload + 28},{src},{dst},{flow.sport},{flow.dport},{payload + 8}"
    flags = "DF" if flow.proto == "tcp" else "none"
    csv = f"{rule},,,{tracker},{iface},match,{'block' if deny else 'pass'},in,4,0x0,,{ttl},{ident},0,{flags},{proto}"
    return f"<134>1 {iso_micro(flow.t)} {site.firewall} filterlog {40000 + flow.session % 9000} - - {csv}"
