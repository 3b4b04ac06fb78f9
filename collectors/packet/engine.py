"""From batches of packets to ECS events: flow table, slow path and application decoders together.

``Engine.feed`` takes one ``Batch`` at a time and queues the events it
causes in ``out``; ``finish`` ends the live flows at the end of the input.
The fast path (``fastpath.run``) updates flows in bulk and calls back into
``new_flow`` and ``app_packet``; the slow path (``decode.Decoder``) reports
every transport-layer packet through ``l4``.
"""

from __future__ import annotations

from collectors.packet import fastpath
from collectors.packet.carve import CarveStore
from collectors.packet.community import icmp_ports
from collectors.packet.decode import Decoder
from collectors.packet.dns import DNS_PORTS, DnsOverTcp, dns_event
from collectors.packet.fastpath import flow_hash
from collectors.packet.flows import ACK, FIN, MAX_FLOWS, RST, SYN, Flow, FlowKey, FlowTable
from collectors.packet.http import HttpSession, datagram_events
from collectors.packet.netevent import RELATED
from collectors.packet.pcapio import Batch
from collectors.packet.ssh import SshBanners
from collectors.packet.tcp import Handler, attach, signature
from collectors.packet.tls import TlsHandshake
from secops.types import Event

SSDP_PORT = 1900
UDP_APP_PORTS = DNS_PORTS | {SSDP_PORT}
"""UDP ports whose datagrams an application decoder reads."""


class Engine:
    """Turns a stream of batches into flow and application events."""

    def __init__(self, carve: CarveStore | None = None, max_flows: int = MAX_FLOWS, seed: int = 0) -> None:
        self.out: list[tuple[Event, str]] = []
        self.table = FlowTable(self.emit, self._ended, max_flows)
        self.decoder = Decoder(self.l4, self.quoted)
        self.interest: set[int] = set()
        """Hashes of the flows whose TCP packets the application decoders read."""
        self.carve = carve
        self.seed = seed
        self.packets = 0

    def emit(self, event: Event, raw: str) -> None:
        RELATED.fill(event)
        self.out.append((event, raw))

    def feed(self, batch: Batch) -> None:
        if not len(batch):
            return
        self.packets += len(batch)
        fastpath.run(self, batch)
        self.table.sweep(int(batch.ts.max()))

    def finish(self) -> None:
        self.table.finish()

    def _ended(self, flow: Flow) -> None:
        if flow.app is not None:
            session, flow.app = flow.app, None
            session.close(flow.last)
            self.interest.discard(flow.hash)

    def new_flow(
        self,
        key: FlowKey,
        from_a: bool,
        ts: int,
        flags: int,
        digest: int,
        vlan: int | None,
        icmp: tuple[int, int] | None,
    ) -> Flow:
        """Open a flow; the side that sent its first packet is the originator (a SYN-ACK says otherwise)."""
        orig_a = from_a if flags & (SYN | ACK) != SYN | ACK else not from_a
        flow = Flow(key, orig_a, ts, digest)
        flow.vlan = vlan
        flow.icmp = icmp
        flow.seed = self.seed
        self.table.flows[key] = flow
        return flow

    def l4(
        self,
        ts: int,
        wirelen: int,
        ver: int,
        proto: int,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        flags: int,
        seq: int,
        payload: bytes,
        vlan: int | None,
        icmp: tuple[int, int] | None,
    ) -> None:
        """One transport-layer packet from the slow path."""
        a, b = int.from_bytes(src, "big"), int.from_bytes(dst, "big")
        pa, pb = sport, dport
        if icmp is not None:
            pa, pb, _ = icmp_ports(proto, *icmp)
        if a < b or (a == b and pa <= pb):
            key, from_a = (ver, proto, a, b, pa, pb), True
        else:
            key, from_a = (ver, proto, b, a, pb, pa), False
        table = self.table
        flow = table.flows.get(key)
        if flow is not None and key in table.closing and flags & (SYN | ACK) == SYN and ts > flow.first:
            table.end(flow, "closed")
            flow = None
        if flow is None:
            flow = self.new_flow(key, from_a, ts, flags, flow_hash(*key), vlan, icmp)
        elif ts < flow.first:
            # The fast path counts a batch's plain packets before this one: an earlier packet
            # (a fragment, an extension header) opened the flow, so it names the originator.
            flow.first = ts
            flow.orig_a = from_a if flags & (SYN | ACK) != SYN | ACK else not from_a
        if from_a:
            flow.pk_ab += 1
            flow.by_ab += wirelen
            flow.fl_ab |= flags
        else:
            flow.pk_ba += 1
            flow.by_ba += wirelen
            flow.fl_ba |= flags
        if ts > flow.last:
            flow.last = ts
        if flags & (FIN | RST) and flow.closed():
            table.mark_closing(flow)
        if (proto == 6 and (payload or flags & (SYN | FIN | RST))) or (proto == 17 and payload):
            self.app_packet(flow, from_a, ts, proto, sport, dport, flags, seq, payload)

    def quoted(self, ts: int, ver: int, src: bytes, dst: bytes, sport: int, dport: int, payload: bytes) -> None:
        """A UDP packet quoted in an ICMP error: its DNS message is still evidence of the query."""
        if sport not in DNS_PORTS and dport not in DNS_PORTS:
            return
        a, b = int.from_bytes(src, "big"), int.from_bytes(dst, "big")
        key, side = (
            ((ver, 17, a, b, sport, dport), 0) if (a, sport) <= (b, dport) else ((ver, 17, b, a, dport, sport), 1)
        )
        flow = Flow(key, side == 0, ts, 0)
        flow.seed = self.seed
        found = dns_event(flow, side, ts, payload)
        if found is not None:
            event, raw = found
            event.setdefault("secops", {}).setdefault("dns", {})["quoted_in_icmp_error"] = True
            self.emit(event, "(quoted in an ICMP error) " + raw)

    def app_packet(
        self,
        flow: Flow,
        from_a: bool,
        ts: int,
        proto: int,
        sport: int,
        dport: int,
        flags: int,
        seq: int,
        payload: bytes,
    ) -> None:
        """Give a packet's payload to the application decoder its flow has, or opens."""
        side = 0 if from_a else 1
        if proto == 17:
            if sport in DNS_PORTS or dport in DNS_PORTS:
                if ts == flow.first and from_a == flow.orig_a and dport not in DNS_PORTS and payload[2:3] >= b"\x80":
                    flow.orig_a = not from_a  # the capture begins with an answer: the asker is the originator
                found = dns_event(flow, side, ts, payload)
                if found is not None:
                    self.emit(*found)
            elif SSDP_PORT in (sport, dport):
                for event, raw in datagram_events(flow, side, ts, payload):
                    self.emit(event, raw)
            return
        session = flow.app
        if session is None:
            if not payload:
                return
            handler = self._handler(flow, side, sport, dport, payload)
            if handler is None:
                return
            session = attach(flow, handler)
            self.interest.add(flow.hash)
        session.segment(side, ts, flags, seq, payload)
        if session.handler.done:
            flow.app = None
            self.interest.discard(flow.hash)

    def _handler(self, flow: Flow, side: int, sport: int, dport: int, payload: bytes) -> Handler | None:
        kind = signature(payload)
        if kind == "http":
            client = 1 - side if payload.startswith(b"HTTP") else side
            return HttpSession(flow, self.emit, self.carve, client)
        if kind == "tls":
            return TlsHandshake(flow, self.emit)
        if kind == "ssh":
            return SshBanners(flow, self.emit)
        if 53 in (sport, dport):
            return DnsOverTcp(flow, self.emit)
        return None
