"""Check Point R81 syslog export (Log Exporter, ``syslog`` format): RFC 5424 header, key:"value" body.

``<134>1 2026-11-25T21:40:52Z cp-dc-gw01 CheckPoint 2231 - [action:"Accept"; flags:"411908";
ifdir:"outbound"; ifname:"eth1"; loguid:"{0x...}"; origin:"10.20.0.1"; ... src:"10.20.10.21"; ...]``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import iso_z

FORMAT = "checkpoint"
_RULE_UID = "4a5bd9c2-0f41-4c7e-9a51-6d1c2b7e"
_LAYER_UID = "8ac3f1b0-7e24-4b1d-9e3a-52c0d6a1f7e9"


def line(flow: Flow, site: Site) -> str:
    whole = int(flow.t)
    accept = flow.action == "allow"
    outbound = flow.direction == "outbound"
    rule_number = 3 + flow.session % 4 if accept else 12
    verdict = "Accept" if accept else "Drop"
    inside, outside = ("Internal", "External") if outbound else ("External", "Internal")
    if flow.nat_src:
        nat = f'; xlatesrc:"{flow.nat_src}"; xlatesport:"{flow.nat_sport}"; xlatedst:"0.0.0.0"'
    elif flow.nat_dst:
        nat = f'; xlatedst:"{flow.nat_dst}"; xlatedport:"{flow.dport}"; xlatesrc:"0.0.0.0"'
    else:
        nat = ""
    # Identity Awareness: src_user_name is the source's user, user the log's (the key parsers map to user.name).
    user = f'; src_user_name:"{flow.user}"; user:"{flow.user}"' if flow.user else ""
    counters = (
        f'; client_outbound_bytes:"{flow.bytes_out}"; client_outbound_packets:"{flow.pkts_out}"; '
        f'server_outbound_bytes:"{flow.bytes_in}"; server_outbound_packets:"{flow.pkts_in}"; '
        f'bytes:"{flow.bytes_out + flow.bytes_in}"; packets:"{flow.pkts_out + flow.pkts_in}"; '
        f'elapsed:"{flow.duration}"; segment_time:"{whole - flow.duration}"'
        if accept
        else ""
    )
    return (
        f"<134>1 {iso_z(flow.t)} {site.firewall} CheckPoint {2000 + flow.session % 3000} - "
        f'[action:"{verdict}"; flags:"411908"; ifdir:"{"outbound" if outbound else "inbound"}"; '
        f'ifname:"{"eth1" if outbound else "eth2"}"; logid:"0"; '
        f'loguid:"{{0x{whole & 0xFFFFFFFF:x},0x{flow.session:x},0x1e0a14ac,0xc0000000}}"; '
        f'origin:"{site.firewall_ip}"; originsicname:"CN={site.firewall},O=cp-mgmt.agency.gov.7fk2aa"; '
        f'sequencenum:"{1 + flow.session % 60}"; time:"{whole}"; version:"5"; dst:"{flow.dst}"; '
        f'inzone:"{inside}"; outzone:"{outside}"; layer_name:"Network"; layer_uuid:"{_LAYER_UID}"; '
        f'match_id:"{rule_number}"; parent_rule:"0"; rule_action:"{verdict}"; rule_name:"{flow.rule}"; '
        f'rule_uid:"{_RULE_UID}{rule_number:04x}"; product:"VPN-1 & FireWall-1"; proto:"{flow.proto_number}"; '
        f's_port:"{flow.sport}"; service:"{flow.dport}"; service_id:"{flow.service.lower()}"; '
        f'src:"{flow.src}"{user}{nat}{counters}]'
    )
