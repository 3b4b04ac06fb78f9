"""Juniper SRX RT_FLOW structured syslog (RFC 5424, ``junos@2636`` structured data).

``<14>1 2026-11-25T21:40:52.123Z srx-lab01 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.129
reason="TCP FIN" source-address="10.50.10.21" source-port="51514" ...] session closed TCP FIN: ...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import iso_milli_z

FORMAT = "juniper-srx"
_SD = "junos@2636.1.1.1.2.129"


def _zones(flow: Flow) -> tuple[str, str, str]:
    if flow.direction == "outbound":
        return "trust", "untrust", "ge-0/0/1.0"
    return "untrust", "dmz" if flow.nat_dst else "trust", "ge-0/0/0.0"


def line(flow: Flow, site: Site) -> str:
    stamp = iso_milli_z(flow.t)
    src_zone, dst_zone, iface = _zones(flow)
    service = f"junos-{flow.service.lower()}" if flow.dport in (22, 53, 80, 123, 443, 445, 3389) else "None"
    app = flow.app.upper() if flow.action == "allow" else "UNKNOWN"
    five = f"{flow.src}/{flow.sport}->{flow.dst}/{flow.dport}"
    user = flow.user or "N/A"  # integrated user firewall's name for the source; N/A when nobody is known
    if flow.action == "deny":
        return (
            f'<14>1 {stamp} {site.firewall} RT_FLOW - RT_FLOW_SESSION_DENY [{_SD} source-address="{flow.src}" '
            f'source-port="{flow.sport}" destination-address="{flow.dst}" destination-port="{flow.dport}" '
            f'connection-tag="0" service-name="{service}" protocol-id="{flow.proto_number}" icmp-type="0" '
            f'policy-name="{flow.rule}" source-zone-name="{src_zone}" destination-zone-name="{dst_zone}" '
            f'application="UNKNOWN" nested-application="UNKNOWN" username="{user}" roles="N/A" '
            f'packet-incoming-interface="{iface}" encrypted="No" reason="policy deny"] '
            f"session denied {five} 0x0 {service} {flow.proto_number}({flow.dport}) {flow.rule} {src_zone} "
            f"{dst_zone} UNKNOWN UNKNOWN {user}(N/A) {iface} No policy deny"
        )
    nat_src = flow.nat_src or flow.src
    nat_sport = flow.nat_sport or flow.sport
    nat_dst = flow.nat_dst or flow.dst
    src_rule = "source-nat-rule internet-snat" if flow.nat_src else "N/A N/A"
    common = (
        f'source-address="{flow.src}" source-port="{flow.sport}" destination-address="{flow.dst}" '
        f'destination-port="{flow.dport}" connection-tag="0" service-name="{service}" '
        f'nat-source-address="{nat_src}" nat-source-port="{nat_sport}" nat-destination-address="{nat_dst}" '
        f'nat-destination-port="{flow.dport}" nat-connection-tag="0" '
        f'src-nat-rule-type="{src_rule.split(" ")[0]}" src-nat-rule-name="{src_rule.split(" ")[1]}" '
        f'dst-nat-rule-type="N/A" dst-nat-rule-name="N/A" protocol-id="{flow.proto_number}" '
        f'policy-name="{flow.rule}" source-zone-name="{src_zone}" destination-zone-name="{dst_zone}" '
        f'session-id-32="{flow.session}"'
    )
    if flow.session % 5 < 2 and flow.bytes_out < 10_000_000:
        return (
            f"<14>1 {stamp} {site.firewall} RT_FLOW - RT_FLOW_SESSION_CREATE [{_SD} {common} "
            f'username="{user}" roles="N/A" packet-incoming-interface="{iface}" application="{app}" '
            f'nested-application="UNKNOWN" encrypted="UNKNOWN"] session created {five} 0x0 {service} '
            f"{nat_src}/{nat_sport}->{nat_dst}/{flow.dport} 0x0 {flow.rule} {flow.session}"
        )
    reason = "TCP FIN" if flow.proto == "tcp" else "idle Timeout"
    return (
        f'<14>1 {stamp} {site.firewall} RT_FLOW - RT_FLOW_SESSION_CLOSE [{_SD} reason="{reason}" {common} '
        f'packets-from-client="{flow.pkts_out}" bytes-from-client="{flow.bytes_out}" '
        f'packets-from-server="{flow.pkts_in}" bytes-from-server="{flow.bytes_in}" elapsed-time="{flow.duration}" '
        f'application="{app}" nested-application="UNKNOWN" username="{user}" roles="N/A" '
        f'packet-incoming-interface="{iface}" encrypted="No"] session closed {reason}: {five} 0x0 {service} '
        f"{flow.session} {flow.pkts_out}({flow.bytes_out}) {flow.pkts_in}({flow.bytes_in}) {flow.duration}"
    )
