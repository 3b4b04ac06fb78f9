"""The bidirectional flow table and the flow events it emits.

A flow is keyed by a canonical tuple ``(ip version, protocol, a, b, port a,
port b)`` with the smaller endpoint first, so both directions of a
conversation land on one entry; the entry remembers which side spoke first
(the originator, ``source.*`` in the event). Counters are kept per side.

A flow ends, and becomes one ``network_traffic.flow`` event, when TCP closes
(FIN both ways or RST, after a short linger that lets the last ACKs land), when
it has been idle too long in capture time, when the table is full (the
oldest go first) or at the end of the input. Memory is bounded by the number
of live flows, never by the size of the capture.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from collectors.packet.community import ICMP, ICMP6, TCP, UDP, community_id, icmp_ports
from collectors.packet.timefmt import ns_to_ts
from secops.types import Event

SECOND = 1_000_000_000
IDLE_TIMEOUT = {TCP: 300 * SECOND, UDP: 60 * SECOND}
DEFAULT_IDLE = 60 * SECOND
CLOSE_LINGER = 5 * SECOND
SWEEP_EVERY = 10 * SECOND
MAX_FLOWS = 250_000

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
TRANSPORT = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMP6: "ipv6-icmp", 132: "sctp", 47: "gre", 50: "esp", 51: "ah"}

FlowKey = tuple[int, int, int, int, int, int]
Emit = Callable[[Event, str], None]


class Flow:
    """Counters and state of one live conversation."""

    __slots__ = (
        "app",
        "by_ab",
        "by_ba",
        "cid",
        "first",
        "fl_ab",
        "fl_ba",
        "hash",
        "icmp",
        "key",
        "last",
        "orig_a",
        "pk_ab",
        "pk_ba",
        "seed",
        "vlan",
    )

    def __init__(self, key: FlowKey, orig_a: bool, ts: int, flow_hash: int) -> None:
        self.key = key
        self.orig_a = orig_a
        self.first = ts
        self.last = ts
        self.pk_ab = self.pk_ba = self.by_ab = self.by_ba = self.fl_ab = self.fl_ba = 0
        self.hash = flow_hash
        self.vlan: int | None = None
        self.icmp: tuple[int, int] | None = None
        self.app: Any = None
        """The TCP session that decodes this flow's application protocol, if one does."""
        self.cid: str | None = None
        self.seed = 0
        """Community ID seed (0 unless the sensors that this data joins with use another)."""

    def community_id(self) -> str:
        """The flow's Community ID, computed once from the originator's side."""
        if self.cid is None:
            src, dst, sport, dport = self.endpoints()
            one_way = False
            if self.icmp is not None:
                sport, dport, one_way = icmp_ports(self.key[1], *self.icmp)
            self.cid = community_id(self.key[1], src, dst, sport, dport, one_way=one_way, seed=self.seed)
        return self.cid

    def closed(self) -> bool:
        """TCP teardown seen: a reset, or a FIN from each side."""
        both = self.fl_ab | self.fl_ba
        return bool(both & RST) or bool(self.fl_ab & self.fl_ba & FIN)

    def endpoints(self) -> tuple[bytes, bytes, int, int]:
        """Originator address, responder address (packed) and their ports."""
        ver, _proto, a, b, pa, pb = self.key
        size = 4 if ver == 4 else 16
        pa_bytes, pb_bytes = a.to_bytes(size, "big"), b.to_bytes(size, "big")
        if self.orig_a:
            return pa_bytes, pb_bytes, pa, pb
        return pb_bytes, pa_bytes, pb, pa


class FlowTable:
    """Live flows, their expiry, and the events of the ones that end."""

    def __init__(self, emit: Emit, on_end: Callable[[Flow], None], max_flows: int = MAX_FLOWS) -> None:
        self.flows: dict[FlowKey, Flow] = {}
        self.closing: dict[FlowKey, Flow] = {}
        self.emit = emit
        self.on_end = on_end
        self.max_flows = max_flows
        self.now = 0
        self.next_sweep = 0

    def mark_closing(self, flow: Flow) -> None:
        self.closing[flow.key] = flow

    def sweep(self, now: int) -> None:
        """End flows that closed a while ago, went idle, or overflow the table."""
        if now > self.now:
            self.now = now
        now = self.now
        if self.closing:
            done = [f for f in self.closing.values() if f.last + CLOSE_LINGER < now]
            for flow in sorted(done, key=_age):
                self.end(flow, "closed")
        if now >= self.next_sweep:
            self.next_sweep = now + SWEEP_EVERY
            idle = [f for f in self.flows.values() if f.last + IDLE_TIMEOUT.get(f.key[1], DEFAULT_IDLE) < now]
            for flow in sorted(idle, key=_age):
                self.end(flow, "idle timeout")
        if len(self.flows) > self.max_flows:
            excess = len(self.flows) - self.max_flows * 9 // 10
            for flow in sorted(self.flows.values(), key=_age)[:excess]:
                self.end(flow, "flow table full")

    def finish(self) -> None:
        """End every live flow: the input is over."""
        for flow in sorted(self.flows.values(), key=_age):
            self.end(flow, "closed" if flow.closed() else "end of input")

    def end(self, flow: Flow, reason: str) -> None:
        self.flows.pop(flow.key, None)
        self.closing.pop(flow.key, None)
        self.on_end(flow)
        self.emit(*flow_event(flow, reason))


_ip_cache: dict[tuple[int, int], str] = {}


def ip_text(ver: int, value: int) -> str:
    """An address (as the integer in a flow key) as text; recent ones are remembered."""
    key = (ver, value)
    text = _ip_cache.get(key)
    if text is None:
        if len(_ip_cache) > 65536:
            _ip_cache.clear()
        family, size = (socket.AF_INET, 4) if ver == 4 else (socket.AF_INET6, 16)
        text = _ip_cache[key] = socket.inet_ntop(family, value.to_bytes(size, "big"))
    return text


def _age(flow: Flow) -> tuple[int, int]:
    return flow.last, flow.first


def _flags_hex(flags: int) -> str:
    return format(flags, "x")


def flow_event(flow: Flow, reason: str) -> tuple[Event, str]:
    """The ECS event (and its one-line description) of an ended flow."""
    ver, proto, a, b, pa, pb = flow.key
    src_ip, dst_ip, sport, dport = (
        (ip_text(ver, a), ip_text(ver, b), pa, pb) if flow.orig_a else (ip_text(ver, b), ip_text(ver, a), pb, pa)
    )
    if flow.orig_a:
        spk, sby, sfl, dpk, dby, dfl = flow.pk_ab, flow.by_ab, flow.fl_ab, flow.pk_ba, flow.by_ba, flow.fl_ba
    else:
        spk, sby, sfl, dpk, dby, dfl = flow.pk_ba, flow.by_ba, flow.fl_ba, flow.pk_ab, flow.by_ab, flow.fl_ab
    transport = TRANSPORT.get(proto, str(proto))
    cid = flow.community_id()
    start, end = ns_to_ts(flow.first), ns_to_ts(flow.last)
    event: Event = {
        "@timestamp": start,
        "event": {
            "kind": "event",
            "category": ["network"],
            "type": ["connection", "end"],
            "dataset": "network_traffic.flow",
            "module": "network_traffic",
            "start": start,
            "end": end,
            "duration": max(0, flow.last - flow.first),
            "reason": reason,
        },
        "source": {"ip": src_ip, "packets": spk, "bytes": sby},
        "destination": {"ip": dst_ip, "packets": dpk, "bytes": dby},
        "network": {
            "transport": transport,
            "type": f"ipv{ver}",
            "iana_number": str(proto),
            "community_id": cid,
            "packets": spk + dpk,
            "bytes": sby + dby,
        },
    }
    ports = f"{src_ip}:{sport} -> {dst_ip}:{dport}"
    if flow.icmp is not None:
        event["secops"] = {"icmp": {"type": flow.icmp[0], "code": flow.icmp[1]}}
        ports = f"{src_ip} -> {dst_ip} type {flow.icmp[0]} code {flow.icmp[1]}"
    elif proto in (TCP, UDP, 132):
        event["source"]["port"] = sport
        event["destination"]["port"] = dport
    else:
        ports = f"{src_ip} -> {dst_ip}"
    if proto == TCP:
        event["secops"] = {
            "flow": {
                "tcp_flags": _flags_hex(sfl | dfl),
                "tcp_flags_ts": _flags_hex(sfl),
                "tcp_flags_tc": _flags_hex(dfl),
            }
        }
    if flow.vlan is not None:
        event["network"]["vlan"] = {"id": str(flow.vlan)}
    raw = f"flow {transport} {ports} packets {spk}/{dpk} bytes {sby}/{dby} {start} {end} {reason}"
    return event, raw
