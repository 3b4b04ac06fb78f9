"""SonicWall SonicOS enhanced syslog (key=value): connection opened/closed and dropped packets.

``<134>Nov 25 21:40:52 sw-field1 id=firewall sn=0040103A2B3C time="2026-11-25 21:40:52" fw=198.51.100.60
pri=6 c=1024 m=537 msg="Connection Closed" n=120034 src=10.60.10.21:51514:X0 natSrc=198.51.100.60:61022
dst=142.250.72.14:443:X1 usr="jsmith" proto=tcp/https ...``
"""

from __future__ import annotations

from secops.generate.flows import Flow
from secops.generate.network import Site
from secops.generate.stamps import split

FORMAT = "sonicwall"
SERIAL = "0040103A2B3C"


def line(flow: Flow, site: Site) -> str:
    m, sec = split(flow.t)
    src_if, dst_if = ("X0", "X1") if flow.direction == "outbound" else ("X1", "X0")
    head = f'<134>{m.bsd}{sec} {site.firewall} id=firewall sn={SERIAL} time="{m.date} {m.hm}{sec}" fw={site.public_ip} '
    # Translations and the user follow their address, as SonicOS orders them: src natSrc dst natDst usr.
    ends = f"src={flow.src}:{flow.sport}:{src_if}"
    if flow.nat_src:
        ends += f" natSrc={flow.nat_src}:{flow.nat_sport}"
    ends += f" dst={flow.dst}:{flow.dport}:{dst_if}"
    if flow.nat_dst:
        ends += f" natDst={flow.nat_dst}:{flow.dport}"
    if flow.user:
        ends += f' usr="{flow.user}"'
    proto = f"proto={flow.proto}/{flow.service.lower()}"
    if flow.action == "deny":
        message = "TCP packet dropped" if flow.proto == "tcp" else "UDP packet dropped"
        code = 36 if flow.proto == "tcp" else 37
        return (
            f'{head}pri=6 c=262144 m={code} msg="{message}" n={flow.session} {ends} {proto} '
            f'rule="{flow.rule}" fw_action="drop"'
        )
    if flow.session % 5 < 2 and flow.bytes_out < 10_000_000:
        return f'{head}pri=6 c=262144 m=98 msg="Connection Opened" n={flow.session} {ends} {proto} fw_action="NA"'
    return (
        f'{head}pri=6 c=1024 m=537 msg="Connection Closed" n={flow.session} {ends} {proto} '
        f"sent={flow.bytes_out} rcvd={flow.bytes_in} spkt={flow.pkts_out} rpkt={flow.pkts_in} "
        f'cdur={flow.duration * 1000} rule="{flow.rule}" fw_action="NA"'
    )
