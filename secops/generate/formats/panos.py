"""Palo Alto PAN-OS syslog in CSV: TRAFFIC (end/deny) and THREAT logs, PAN-OS 10 field order.

``<14>Nov 25 21:40:52 pa-hq-edge01 1,2026/11/25 21:40:52,013201001234,TRAFFIC,end,2561,
2026/11/25 21:40:52,10.10.10.21,142.250.72.14,198.51.100.10,142.250.72.14,allow-web-outbound,
agency\\jsmith,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd-syslog,...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import DOMAIN, Site
from secops.generate.stamps import split

FORMAT = "panos"
SERIAL = "013201001234"
_NO_ADDRESS = "0.0.0.0"  # noqa: S104 - how PAN-OS writes "no NAT", not a bind address
_THREATS = (
    ("url", "informational", "(9999)", "business-and-economy"),
    ("spyware", "medium", "Suspicious DNS Query (generic:cdn-check.net)(109010001)", "spyware"),
    ("vulnerability", "high", "HTTP Directory Traversal Request Attempt(30844)", "code-execution"),
)


def _zones(flow: Flow) -> tuple[str, str, str, str]:
    if flow.direction == "outbound":
        return "trust", "untrust", "ethernet1/2", "ethernet1/1"
    return "untrust", "dmz" if flow.nat_dst else "trust", "ethernet1/1", "ethernet1/3"


def _common(flow: Flow, site: Site, kind: str, subtype: str, action: str) -> tuple[str, str]:
    m, sec = split(flow.t)
    stamp = m.slashed + sec
    src_zone, dst_zone, in_if, out_if = _zones(flow)
    user = f"{DOMAIN.lower()}\\{flow.user}" if flow.user else ""
    nat_src = flow.nat_src or _NO_ADDRESS
    nat_dst = flow.nat_dst or _NO_ADDRESS
    nat_sport = flow.nat_sport if flow.nat_src else 0
    body = (
        f"1,{stamp},{SERIAL},{kind},{subtype},2561,{stamp},{flow.src},{flow.dst},{nat_src},{nat_dst},{flow.rule},"
        f"{user},,{flow.app},vsys1,{src_zone},{dst_zone},{in_if},{out_if},fwd-syslog,{stamp},{flow.session},1,"
        f"{flow.sport},{flow.dport},{nat_sport},{flow.dport if flow.nat_dst else 0},0x400053,{flow.proto},{action}"
    )
    return f"<14>{m.bsd}{sec} {site.firewall} ", body


def line(flow: Flow, site: Site) -> str:
    if flow.action == "allow" and flow.app == "web-browsing" and flow.session % 7 == 0:
        return threat(flow, site, *_THREATS[flow.session % 3])
    deny = flow.action == "deny"
    head, body = _common(flow, site, "TRAFFIC", "deny" if deny else "end", "deny" if deny else "allow")
    start_minute, start_second = split(flow.t - flow.duration)
    total = flow.bytes_out + flow.bytes_in
    packets = flow.pkts_out + flow.pkts_in
    reason = "policy-deny" if deny else ("tcp-fin" if flow.proto == "tcp" else "aged-out")
    src_loc = "10.0.0.0-10.255.255.255" if flow.direction == "outbound" else "United States"
    dst_loc = "United States" if flow.direction == "outbound" else "10.0.0.0-10.255.255.255"
    return (
        f"{head}{body},{total},{flow.bytes_out},{flow.bytes_in},{packets},{start_minute.slashed}{start_second},"
        f"{flow.duration},{'any' if deny else 'computer-and-internet-info'},0,{7_000_000_000 + flow.session},0x0,"
        f"{src_loc},{dst_loc},0,{flow.pkts_out},{flow.pkts_in},{reason},0,0,0,0,,{site.firewall},from-policy,,,0,,0,,"
        "N/A,0,0,0,0"
    )


def threat(flow: Flow, site: Site, subtype: str, severity: str, name: str, category: str) -> str:
    """A THREAT log: URL filtering, spyware, vulnerability or scan detections."""
    action = "alert" if severity in ("informational", "medium") else "reset-both"
    head, body = _common(flow, site, "THREAT", subtype, action)
    target = f'"{flow.dst}/"' if subtype == "url" else '""'
    return (
        f"{head}{body},{target},{name},{category},{severity},client-to-server,{7_000_000_000 + flow.session},0x0,"
        f"10.0.0.0-10.255.255.255,United States,0,,0,,,0,,,,,,,,0,0,0,0,,{site.firewall},,,,"
    )
