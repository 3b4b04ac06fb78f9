"""Vectorised decoding of a whole batch: the plain packets never become Python objects.

For the common case (Ethernet with up to two VLAN tags, raw IP, Linux SLL/SLL2
or BSD loopback, carrying unfragmented IPv4 or IPv6 without extension
headers, carrying TCP, UDP or ICMP) every header field of every packet is
gathered with numpy at computed offsets. Flows are found per batch with one
``np.unique`` over a 64-bit hash of the canonical flow key (collisions are
checked and sent down the slow path), counters are summed per flow with
``bincount``, and only then does Python touch the flow table: once per flow
per batch, not once per packet.

Packets that need more go to Python one by one, in capture order: everything
this path cannot take (``decode.Decoder``), and the TCP/UDP packets of flows
whose application protocol is decoded (DNS ports, and TCP flows that a packet
opened with an HTTP, TLS or SSH start, or that are already being decoded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from collectors.packet import decode
from collectors.packet.community import ICMP6_PAIRS, ICMP_PAIRS
from collectors.packet.decode import ETHERTYPES_DECODED, RAW_ALIASES, TUNNEL_UDP
from collectors.packet.dns import DNS_PORTS
from collectors.packet.flows import FIN, RST, SYN
from collectors.packet.pcapio import Batch
from collectors.packet.tcp import METHOD_PREFIXES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from collectors.packet.engine import Engine

U64 = np.uint64
K1, K2, K3, K4, K5 = (
    U64(0x9E3779B97F4A7C15),
    U64(0xC2B2AE3D27D4EB4F),
    U64(0x165667B19E3779F9),
    U64(0x27D4EB2F165667C5),
    U64(0xFF51AFD7ED558CCD),
)
MASK64 = (1 << 64) - 1
VLAN_TYPES = np.array([0x8100, 0x88A8, 0x9100])
SLOW_ETHERTYPES = np.array(sorted(ETHERTYPES_DECODED))
"""Ethertypes worth the slow path; other frames (ARP, LLDP, ...) carry no flow and are skipped here."""
TUNNEL_PORTS = np.array(sorted(TUNNEL_UDP))
UDP_APP_PORTS = np.array(sorted(DNS_PORTS | {1900}))
ICMP_ERRORS = np.array(sorted(decode.ICMP_ERRORS))
ICMP6_ERRORS = np.array(sorted(decode.ICMP6_ERRORS))
METHOD_WORDS = np.array(sorted(int.from_bytes(m, "big") for m in METHOD_PREFIXES), dtype=np.int64)
HTTP_WORD, SSH_WORD = int.from_bytes(b"HTTP", "big"), int.from_bytes(b"SSH-", "big")


def _pair_table(pairs: dict[int, int]) -> np.ndarray:
    table = np.full(256, -1, dtype=np.int64)
    for kind, other in pairs.items():
        table[kind] = other
    return table


ICMP_LUT, ICMP6_LUT = _pair_table(ICMP_PAIRS), _pair_table(ICMP6_PAIRS)


def flow_hash(ver: int, proto: int, a: int, b: int, pa: int, pb: int) -> int:
    """The scalar twin of the vectorised hash, for flows the slow path creates."""
    ports = pa << 16 | pb | proto << 32 | ver << 40
    return ((a >> 64) * 0x9E3779B97F4A7C15 ^ (a & MASK64) * 0xC2B2AE3D27D4EB4F ^ (b >> 64) * 0x165667B19E3779F9
            ^ (b & MASK64) * 0x27D4EB2F165667C5 ^ ports * 0xFF51AFD7ED558CCD) & MASK64  # fmt: skip


class Gather:
    """Reads big-endian fields at per-packet offsets, clipped to the buffer."""

    def __init__(self, buf: bytes) -> None:
        self.raw = np.frombuffer(buf, dtype=np.uint8)
        self.last = len(buf) - 1

    def u8(self, pos: np.ndarray) -> np.ndarray:
        return self.raw[np.minimum(pos, self.last)].astype(np.int64)

    def u16(self, pos: np.ndarray) -> np.ndarray:
        return self.u8(pos) << 8 | self.u8(pos + 1)

    def u32(self, pos: np.ndarray) -> np.ndarray:
        return self.u16(pos) << 16 | self.u16(pos + 2)

    def u64(self, pos: np.ndarray) -> np.ndarray:
        return self.u32(pos).astype(U64) << U64(32) | self.u32(pos + 4).astype(U64)


def link_layer(g: Gather, linktype: int, base: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Offset of the IP header, its ethertype-like kind, and the VLAN id (-1 for none)."""
    linktype = RAW_ALIASES.get(linktype, linktype)
    vlan = np.full(len(base), -1, dtype=np.int64)
    if linktype == 1:
        etype = g.u16(base + 12)
        l3 = base + 14
        for _ in range(2):
            tagged = np.isin(etype, VLAN_TYPES)
            if not tagged.any():
                break
            vlan = np.where(tagged & (vlan < 0), g.u16(l3) & 0x0FFF, vlan)
            etype = np.where(tagged, g.u16(l3 + 2), etype)
            l3 = l3 + tagged * 4
        return l3, etype, vlan
    if linktype == 113:
        return base + 16, g.u16(base + 14), vlan
    if linktype == 276:
        return base + 20, g.u16(base), vlan
    if linktype in (101, 0, 108):
        l3 = base + (4 if linktype != 101 else 0)
        nibble = g.u8(l3) >> 4
        return l3, np.where(nibble == 4, 0x0800, np.where(nibble == 6, 0x86DD, 0)), vlan
    return None


def run(engine: Engine, batch: Batch) -> None:
    """Process one batch: aggregate the plain packets, hand the rest to Python in order."""
    n = len(batch)
    if n == 0:
        return
    g = Gather(batch.buf)
    base = batch.data
    found = link_layer(g, batch.linktype, base)
    if found is None:
        _python(engine, batch, np.arange(n), None)
        return
    l3, etype, vlan = found
    first = g.u8(l3)
    v4 = (etype == 0x0800) & (first >> 4 == 4)
    v6 = (etype == 0x86DD) & (first >> 4 == 6)
    ihl = (first & 0x0F) * 4
    total = g.u16(l3 + 2)
    proto = np.where(v6, g.u8(l3 + 6), g.u8(l3 + 9))
    l4 = np.where(v6, l3 + 40, l3 + ihl)
    end = np.minimum(np.where(v6, l3 + 40 + g.u16(l3 + 4), l3 + total), base + batch.caplen)
    ok = (v4 & (ihl >= 20) & (total >= ihl) & ((g.u16(l3 + 6) & 0x3FFF) == 0)) | v6
    tcp, udp = proto == 6, proto == 17
    icmp = (v4 & (proto == 1)) | (v6 & (proto == 58))
    ok &= (tcp | udp | icmp) & (l4 + np.where(tcp, 20, np.where(udp, 8, 4)) <= end)
    sport, dport = g.u16(l4), g.u16(l4 + 2)
    ok &= ~(udp & (np.isin(sport, TUNNEL_PORTS) | np.isin(dport, TUNNEL_PORTS)))
    kind = sport >> 8
    ok &= ~(icmp & np.where(v6, np.isin(kind, ICMP6_ERRORS), np.isin(kind, ICMP_ERRORS)))
    doff = (g.u8(l4 + 12) >> 4) * 4
    ok &= ~tcp | ((doff >= 20) & (l4 + doff <= end))
    fast = np.nonzero(ok)[0]
    slow = np.nonzero(~ok & ((etype < 0x0600) | np.isin(etype, SLOW_ETHERTYPES)))[0]
    if len(fast) == 0:
        _python(engine, batch, slow, None)
        return
    cols = {
        "l3": l3[fast], "l4": l4[fast], "proto": proto[fast], "v6": v6[fast], "tcp": tcp[fast], "udp": udp[fast],
        "sport": sport[fast], "dport": dport[fast], "vlan": vlan[fast], "end": end[fast], "fast": fast,
        "ts": batch.ts[fast], "wirelen": batch.wirelen[fast],
    }  # fmt: skip
    cols["start"] = np.where(cols["tcp"], cols["l4"] + doff[fast], np.where(cols["udp"], cols["l4"] + 8, cols["end"]))
    cols["flags"] = np.where(cols["tcp"], g.u8(cols["l4"] + 13), 0)
    keys = _keys(g, cols)
    uniq, rep, inv = np.unique(keys["hash"], return_index=True, return_inverse=True)
    clash = np.zeros(len(fast), dtype=bool)
    for name in ("a_hi", "a_lo", "b_hi", "b_lo", "ports"):
        clash |= keys[name][rep][inv] != keys[name]
    heads = {
        name: keys[name][rep] for name in ("a_hi", "a_lo", "b_hi", "b_lo", "pa", "pb", "ver", "swap", "kind", "code")
    }
    heads.update(proto=cols["proto"][rep], ts=cols["ts"][rep], flags=cols["flags"][rep], vlan=cols["vlan"][rep])
    swap = keys["swap"]
    if clash.any():
        # A 64-bit hash collision inside one batch: those packets take the exact path.
        slow = np.sort(np.concatenate([slow, fast[clash]]))
        keep = ~clash
        cols = {name: arr[keep] for name, arr in cols.items()}
        inv, swap = inv[keep], swap[keep]
    flows = _aggregate(engine, uniq, inv, swap, cols, heads)
    routed, opener = _route(engine, g, uniq, inv, cols)
    _python(engine, batch, slow, (routed, flows, inv, swap, cols, g, opener))


def _keys(g: Gather, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Canonical flow keys (smaller endpoint first) and their 64-bit hashes."""
    v6, l3, sport, dport = cols["v6"], cols["l3"], cols["sport"], cols["dport"]
    kind, code = sport >> 8, sport & 0xFF
    icmp = ~cols["tcp"] & ~cols["udp"]
    if icmp.any():
        pair = np.where(v6, ICMP6_LUT[kind], ICMP_LUT[kind])
        sport = np.where(icmp, kind, sport)
        dport = np.where(icmp, np.where(pair >= 0, pair, code), dport)
    if v6.any():
        s_hi = np.where(v6, g.u64(l3 + 8), U64(0))
        s_lo = np.where(v6, g.u64(l3 + 16), g.u32(l3 + 12).astype(U64))
        d_hi = np.where(v6, g.u64(l3 + 24), U64(0))
        d_lo = np.where(v6, g.u64(l3 + 32), g.u32(l3 + 16).astype(U64))
    else:
        s_hi = d_hi = np.zeros(len(l3), dtype=U64)
        s_lo, d_lo = g.u32(l3 + 12).astype(U64), g.u32(l3 + 16).astype(U64)
    swap = (s_hi > d_hi) | ((s_hi == d_hi) & ((s_lo > d_lo) | ((s_lo == d_lo) & (sport > dport))))
    a_hi, a_lo = np.where(swap, d_hi, s_hi), np.where(swap, d_lo, s_lo)
    b_hi, b_lo = np.where(swap, s_hi, d_hi), np.where(swap, s_lo, d_lo)
    pa, pb = np.where(swap, dport, sport), np.where(swap, sport, dport)
    ver = np.where(v6, 6, 4)
    ports = (pa << 16 | pb | cols["proto"] << 32 | ver << 40).astype(U64)
    digest = a_hi * K1 ^ a_lo * K2 ^ b_hi * K3 ^ b_lo * K4 ^ ports * K5
    return {
        "hash": digest, "a_hi": a_hi, "a_lo": a_lo, "b_hi": b_hi, "b_lo": b_lo, "pa": pa, "pb": pb, "ver": ver,
        "ports": ports, "swap": swap, "kind": kind, "code": code,
    }  # fmt: skip


def _aggregate(engine: Engine, uniq: np.ndarray, inv: np.ndarray, swap: np.ndarray, cols: dict, heads: dict) -> list:
    """Add each flow's packets, bytes, flags and last time to the table in one step per flow."""
    nu = len(uniq)
    slot = inv * 2 + swap
    counts = np.bincount(slot, minlength=2 * nu).tolist()
    sizes = np.bincount(slot, weights=cols["wirelen"], minlength=2 * nu).astype(np.int64).tolist()
    flag_acc = np.zeros(2 * nu, dtype=np.int64)
    np.bitwise_or.at(flag_acc, slot, cols["flags"])
    flag_or = flag_acc.tolist()
    last = np.full(nu, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, inv, cols["ts"])
    latest = last.tolist()
    h = {name: arr.tolist() for name, arr in heads.items()}
    hashes = uniq.tolist()
    table = engine.table
    live = table.flows
    flows: list = [None] * nu
    for i in range(nu):
        n_ab, n_ba = counts[2 * i], counts[2 * i + 1]
        if not n_ab and not n_ba:
            continue
        proto = h["proto"][i]
        key = (h["ver"][i], proto, h["a_hi"][i] << 64 | h["a_lo"][i], h["b_hi"][i] << 64 | h["b_lo"][i], h["pa"][i],
               h["pb"][i])  # fmt: skip
        flow = live.get(key)
        if flow is None:
            icmp = (h["kind"][i], h["code"][i]) if proto in (1, 58) else None
            vlan = h["vlan"][i]
            flow = engine.new_flow(key, not h["swap"][i], h["ts"][i], h["flags"][i], hashes[i],
                                   None if vlan < 0 else vlan, icmp)  # fmt: skip
        flow.pk_ab += n_ab
        flow.pk_ba += n_ba
        flow.by_ab += sizes[2 * i]
        flow.by_ba += sizes[2 * i + 1]
        flow.fl_ab |= flag_or[2 * i]
        flow.fl_ba |= flag_or[2 * i + 1]
        if latest[i] > flow.last:
            flow.last = latest[i]
        if proto == 6 and (flag_or[2 * i] | flag_or[2 * i + 1]) & (FIN | RST) and flow.closed():
            table.mark_closing(flow)
        flows[i] = flow
    return flows


def _route(engine: Engine, g: Gather, uniq: np.ndarray, inv: np.ndarray, cols: dict) -> tuple[np.ndarray, np.ndarray]:
    """Indices (into the plain packets) of those whose payload Python must read, and which of them open a message."""
    tcp, udp, sport, dport, flags = cols["tcp"], cols["udp"], cols["sport"], cols["dport"], cols["flags"]
    start = cols["start"]
    size = cols["end"] - start
    word = g.u32(start)
    b0, b1, b2, b5 = g.u8(start), g.u8(start + 1), g.u8(start + 2), g.u8(start + 5)
    tls = (size >= 6) & (b0 == 0x16) & (b1 == 3) & (b2 <= 4) & ((b5 == 1) | (b5 == 2))
    text = (size >= 4) & (np.isin(word, METHOD_WORDS) | (word == HTTP_WORD) | (word == SSH_WORD))
    udp_app = np.isin(sport, UDP_APP_PORTS) | np.isin(dport, UDP_APP_PORTS)
    opens = tcp & (size > 0) & (tls | text | (sport == 53) | (dport == 53))
    wanted = np.zeros(len(uniq), dtype=bool)
    wanted[inv[opens]] = True
    if engine.interest:
        wanted |= np.isin(uniq, np.fromiter(engine.interest, dtype=U64, count=len(engine.interest)))
    route = tcp & wanted[inv] & ((size > 0) | ((flags & (FIN | RST | SYN)) != 0))
    route |= udp & udp_app & (size > 0)
    routed = np.nonzero(route)[0]
    return routed, (opens | udp)[routed]


def _python(engine: Engine, batch: Batch, slow: np.ndarray, plain: tuple | None) -> None:
    """Run the slow packets and the routed plain ones through Python, in capture order."""
    buf, linktype = batch.buf, batch.linktype
    data, caplen, ts_all, wire = batch.data, batch.caplen, batch.ts, batch.wirelen
    order = slow
    if plain is not None and len(plain[0]):
        order = np.concatenate([slow, plain[4]["fast"][plain[0]]])
    if len(order) == 0:
        return
    is_plain = np.arange(len(order)) >= len(slow)
    sort = np.argsort(order, kind="stable")
    is_plain = is_plain[sort].tolist()
    slow_rows = zip(data[slow].tolist(), caplen[slow].tolist(), ts_all[slow].tolist(), wire[slow].tolist(), strict=True)
    routed_info = _routed_lists(plain) if plain is not None and len(plain[0]) else iter(())
    decode = engine.decoder.packet
    app = engine.app_packet
    for from_plain in is_plain:
        if from_plain:
            flow, from_a, ts, proto, sport, dport, flags, seq, start, end, opener = next(routed_info)
            if flow.app is None and not opener:
                continue  # the flow's decoder let go of it earlier in this batch
            app(flow, from_a, ts, proto, sport, dport, flags, seq, buf[start:end])
        else:
            at, size, ts, wirelen = next(slow_rows)
            decode(linktype, buf[at : at + size], ts, wirelen)


def _routed_lists(plain: tuple) -> Iterator[tuple[Any, ...]]:
    routed, flows, inv, swap, cols, g, opener = plain
    pick = {name: cols[name][routed].tolist() for name in ("ts", "proto", "sport", "dport", "flags", "start", "end")}
    seq = g.u32(cols["l4"][routed] + 4).tolist()
    flow_ids, from_b, opens = inv[routed].tolist(), swap[routed].tolist(), opener.tolist()
    for k in range(len(routed)):
        yield (flows[flow_ids[k]], not from_b[k], pick["ts"][k], pick["proto"][k], pick["sport"][k], pick["dport"][k],
               pick["flags"][k], seq[k], pick["start"][k], pick["end"][k], opens[k])  # fmt: skip
