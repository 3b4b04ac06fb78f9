"""The common part of application-layer events (DNS, HTTP, TLS, SSH, files) from one flow."""

from __future__ import annotations

from collectors.packet.flows import TRANSPORT, Flow, ip_text
from collectors.packet.timefmt import ns_to_ts
from secops import ecs
from secops.types import Event

RELATED = ecs.Related(
    {
        "ip": ("source.ip", "destination.ip", "dns.resolved_ip"),
        "hash": ("file.hash",),
    }
)
"""``related.*`` of every network event (captures, Zeek, Suricata): the endpoints, the addresses
a DNS answer gave, the hashes of a file seen on the wire."""


def endpoints_text(flow: Flow, client_side: int) -> tuple[str, int, str, int]:
    """Client address and port, server address and port; side 0 sends from ``a`` to ``b``."""
    ver, _proto, a, b, pa, pb = flow.key
    a_ip, b_ip = ip_text(ver, a), ip_text(ver, b)
    return (a_ip, pa, b_ip, pb) if client_side == 0 else (b_ip, pb, a_ip, pa)


def app_event(
    flow: Flow, client_side: int, ts: int, protocol: str, category: list[str], kind: list[str], dataset: str = ""
) -> Event:
    """An event skeleton: who talked to whom over which flow, and when."""
    src_ip, sport, dst_ip, dport = endpoints_text(flow, client_side)
    ver, proto = flow.key[0], flow.key[1]
    return {
        "@timestamp": ns_to_ts(ts),
        "event": {
            "kind": "event",
            "category": category,
            "type": kind,
            "dataset": f"network_traffic.{dataset or protocol}",
            "module": "network_traffic",
        },
        "source": {"ip": src_ip, "port": sport},
        "destination": {"ip": dst_ip, "port": dport},
        "network": {
            "transport": TRANSPORT.get(proto, str(proto)),
            "type": f"ipv{ver}",
            "iana_number": str(proto),
            "protocol": protocol,
            "community_id": flow.community_id(),
        },
    }
