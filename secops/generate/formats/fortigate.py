"""Fortinet FortiGate key=value syslog (FortiOS 7): forward and local traffic logs.

``<189>date=2026-11-25 time=21:40:52 devname="fgt-reg1" devid="FG100FTK20001234" eventtime=1795..
tz="+0000" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" srcip=...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import split

FORMAT = "fortigate"
DEVID = "FG100FTK20001234"


def line(flow: Flow, site: Site) -> str:
    m, sec = split(flow.t)
    local = flow.action == "deny" and flow.direction == "inbound"
    subtype, logid = ("local", "0001000014") if local else ("forward", "0000000013")
    level = "warning" if flow.action == "deny" else "notice"
    pri = 188 if flow.action == "deny" else 189
    src_if, src_role, dst_if, dst_role = (
        ("port1", "lan", "wan1", "wan") if flow.direction == "outbound" else ("wan1", "wan", "port1", "lan")
    )
    action = "deny" if flow.action == "deny" else ("close" if flow.proto == "tcp" else "accept")
    policy = 0 if local else (1 + flow.session % 3 if flow.action == "allow" else 7)
    text = (
        f'<{pri}>date={m.date} time={m.hm}{sec} devname="{site.firewall}" devid="{DEVID}" '
        f'eventtime={int(flow.t * 1e9)} tz="+0000" logid="{logid}" type="traffic" subtype="{subtype}" '
        f'level="{level}" vd="root" srcip={flow.src} srcport={flow.sport} srcintf="{src_if}" '
        f'srcintfrole="{src_role}" dstip={flow.dst} dstport={flow.dport} dstintf="{dst_if}" '
        f'dstintfrole="{dst_role}" srccountry="{"Reserved" if flow.direction == "outbound" else "United States"}" '
        f'dstcountry="{"United States" if flow.direction == "outbound" else "Reserved"}" sessionid={flow.session} '
        f'proto={flow.proto_number} action="{action}" policyid={policy} policytype="policy" '
        f'policyname="{flow.rule}" service="{flow.service}"'
    )
    if flow.nat_src:
        text += f' trandisp="snat" transip={flow.nat_src} transport={flow.nat_sport}'
    elif flow.nat_dst:
        text += f' trandisp="dnat" tranip={flow.nat_dst} tranport={flow.dport}'
    else:
        text += ' trandisp="noop"'
    text += (
        f" duration={flow.duration} sentbyte={flow.bytes_out} rcvdbyte={flow.bytes_in} "
        f"sentpkt={flow.pkts_out} rcvdpkt={flow.pkts_in}"
    )
    if flow.user:
        text += f' user="{flow.user}"'
    return text + ' appcat="unscanned"'
