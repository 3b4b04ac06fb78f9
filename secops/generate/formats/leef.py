"""IBM QRadar LEEF 1.0 (tab-separated attributes) from a Sophos-style firewall, behind an RFC 3164 header.

``<134>Nov 25 21:40:52 xg-archive01 LEEF:1.0|Sophos|XG Firewall|19.5.3|Allowed|devTime=2026-11-25 21:40:52
<TAB>devTimeFormat=yyyy-MM-dd HH:mm:ss<TAB>cat=Firewall<TAB>src=10.90.10.21<TAB>...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import bsd, date_clock

FORMAT = "leef"


def line(flow: Flow, site: Site) -> str:
    allow = flow.action == "allow"
    attrs = [
        f"devTime={date_clock(flow.t)}",
        "devTimeFormat=yyyy-MM-dd HH:mm:ss",
        "cat=Firewall",
        f"sev={1 if allow else 5}",
        f"src={flow.src}",
        f"dst={flow.dst}",
        f"srcPort={flow.sport}",
        f"dstPort={flow.dport}",
        f"proto={flow.proto.upper()}",
        f"policy={flow.rule}",
        f"action={'allow' if allow else 'deny'}",
    ]
    if allow:
        attrs += [
            f"srcBytes={flow.bytes_out}",
            f"dstBytes={flow.bytes_in}",
            f"srcPackets={flow.pkts_out}",
            f"dstPackets={flow.pkts_in}",
            f"duration={flow.duration}",
        ]
    if flow.nat_src:
        attrs += [f"srcPostNAT={flow.nat_src}", f"srcPostNATPort={flow.nat_sport}"]
    if flow.nat_dst:  # dst is the published address; the server behind it is the post-NAT destination
        attrs += [f"dstPostNAT={flow.nat_dst}", f"dstPostNATPort={flow.dport}"]
    if flow.user:
        attrs.append(f"usrName={flow.user}")
    event = "Allowed" if allow else "Denied"
    return f"<134>{bsd(flow.t)} {site.firewall} LEEF:1.0|Sophos|XG Firewall|19.5.3|{event}|" + "\t".join(attrs)
