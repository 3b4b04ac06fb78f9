"""ArcSight CEF from a Forcepoint-style NGFW, behind an RFC 3164 header (``rt`` carries the full time).

``<134>Nov 25 21:40:52 ngfw-train01 CEF:0|FORCEPOINT|Firewall|6.10.5|70018|Connection_Allowed|0|
deviceExternalId=ngfw-train01 node 1 dvc=10.80.0.1 rt=1795... act=Allow proto=6 src=10.80.10.21 ...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import bsd

FORMAT = "cef"


def line(flow: Flow, site: Site) -> str:
    allow = flow.action == "allow"
    sig, name, severity, act = (
        ("70018", "Connection_Allowed", 0, "Allow") if allow else ("70019", "Connection_Discarded", 5, "Discard")
    )
    ext = (
        f"deviceExternalId={site.firewall} node 1 dvchost={site.firewall} dvc={site.firewall_ip} "
        f"rt={int(flow.t * 1000)} act={act} deviceFacility=Packet Filtering proto={flow.proto_number} "
        f"src={flow.src} spt={flow.sport} dst={flow.dst} dpt={flow.dport} app={flow.service} "
        f"cs1Label=RuleID cs1=2097152.{flow.session % 40 if allow else 99} cs2Label=RuleName cs2={flow.rule}"
    )
    if flow.nat_src:
        ext += f" sourceTranslatedAddress={flow.nat_src} sourceTranslatedPort={flow.nat_sport}"
    if flow.nat_dst:
        ext += f" destinationTranslatedAddress={flow.nat_dst} destinationTranslatedPort={flow.dport}"
    if allow:
        ext += f" in={flow.bytes_out} out={flow.bytes_in}"
    if flow.user:
        ext += f" suser={flow.user}"
    return f"<134>{bsd(flow.t)} {site.firewall} CEF:0|FORCEPOINT|Firewall|6.10.5|{sig}|{name}|{severity}|{ext}"
