"""The general packet decoder: every link type, tunnel and fragment we understand.

Packets the vectorised fast path cannot take (other link types, MPLS, PPPoE,
IPv6 extension headers, IP fragments, tunnels, damaged headers) come here one
at a time. Decoding walks header offsets in the packet bytes and ends in one
call per transport-layer packet::

    on_l4(ts, wirelen, version, proto, src, dst, sport, dport, flags, seq, payload, vlan, icmp)

with packed addresses. Tunnels (GRE and ERSPAN, VXLAN, Geneve, Teredo,
GTP-U, AYIYA, IP in IP) report the outer packet and then decode the inner one.
Anything cut short or malformed is dropped at the layer where it breaks.

References: IEEE 802.1Q, RFC 791, RFC 8200, RFC 2784/2890 (GRE), RFC 7348
(VXLAN), RFC 8926 (Geneve), RFC 4380 (Teredo), 3GPP TS 29.281 (GTP-U).
"""

from __future__ import annotations

from collections.abc import Callable

from collectors.packet.defrag import Defragmenter

L4 = Callable[..., None]

ETH, NULL, RAW, LOOP, PPP, FDDI, SLL, SLL2, NFLOG, IEEE80211, RADIOTAP = 1, 0, 101, 108, 9, 10, 113, 276, 239, 105, 127
RAW_ALIASES = {12: RAW, 14: RAW, 228: RAW, 229: RAW}
VLAN_TYPES = frozenset((0x8100, 0x88A8, 0x9100))
ETHERTYPES_DECODED = VLAN_TYPES | {0x0800, 0x86DD, 0x6558, 0x8847, 0x8848, 0x8864, 0x88E7, 0x8926}
PPP_IP = {0x0021: 0x0800, 0x0057: 0x86DD}
IPV6_EXT = frozenset((0, 43, 60, 135, 139, 140, 253, 254))
TUNNEL_UDP = frozenset((4789, 8472, 6081, 3544, 2152, 5072, 4754))
MAX_DEPTH = 8
ICMP_ERRORS = frozenset((3, 4, 5, 11, 12))
ICMP6_ERRORS = frozenset((1, 2, 3, 4))


class Decoder:
    """Decodes one packet at a time and reports its transport-layer parts."""

    def __init__(self, on_l4: L4, on_quoted: Callable[..., None] | None = None) -> None:
        self.on_l4 = on_l4
        self.on_quoted = on_quoted
        """Told of UDP packets quoted inside ICMP errors: ``(ts, version, src, dst, sport, dport, payload)``."""
        self.defrag = Defragmenter()

    def packet(self, linktype: int, data: bytes, ts: int, wirelen: int) -> None:
        linktype = RAW_ALIASES.get(linktype, linktype)
        if linktype == ETH:
            self.ether(data, 0, ts, wirelen, None, 0)
        elif linktype == RAW:
            self.ip(data, 0, ts, wirelen, None, 0)
        elif linktype in (NULL, LOOP) and len(data) >= 4:
            family = int.from_bytes(data[:4], "little" if linktype == NULL and data[0] else "big")
            if family in (2, 24, 28, 30):
                self.ip(data, 4, ts, wirelen, None, 0)
        elif linktype == SLL and len(data) >= 16:
            self.ethertype(int.from_bytes(data[14:16], "big"), data, 16, ts, wirelen, None, 0)
        elif linktype == SLL2 and len(data) >= 20:
            self.ethertype(int.from_bytes(data[0:2], "big"), data, 20, ts, wirelen, None, 0)
        elif linktype == PPP:
            self.ppp(data, 0, ts, wirelen, None, 0)
        elif linktype == NFLOG:
            self.nflog(data, ts, wirelen)
        elif linktype == RADIOTAP and len(data) >= 4:
            self.wifi(data, int.from_bytes(data[2:4], "little"), ts, wirelen, 0)
        elif linktype == IEEE80211:
            self.wifi(data, 0, ts, wirelen, 0)
        elif linktype == FDDI:
            self.llc(data, 13, ts, wirelen, None, 0)

    def ether(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if len(data) < off + 14:
            return
        self.ethertype(int.from_bytes(data[off + 12 : off + 14], "big"), data, off + 14, ts, wirelen, vlan, depth)

    def ethertype(self, etype: int, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        while etype in VLAN_TYPES and len(data) >= off + 4:
            if vlan is None:
                vlan = int.from_bytes(data[off : off + 2], "big") & 0x0FFF
            etype = int.from_bytes(data[off + 2 : off + 4], "big")
            off += 4
        if etype in (0x0800, 0x86DD):
            self.ip(data, off, ts, wirelen, vlan, depth)
        elif etype == 0x6558:
            self.ether(data, off, ts, wirelen, vlan, depth + 1)
        elif etype in (0x8847, 0x8848):
            self.mpls(data, off, ts, wirelen, vlan, depth)
        elif etype == 0x8864 and len(data) >= off + 8:
            self.ppp(data, off + 6, ts, wirelen, vlan, depth)
        elif etype == 0x88E7 and len(data) >= off + 18:
            self.ether(data, off + 4, ts, wirelen, vlan, depth + 1)
        elif etype == 0x8926 and len(data) >= off + 6:
            self.ethertype(int.from_bytes(data[off + 4 : off + 6], "big"), data, off + 6, ts, wirelen, vlan, depth)
        elif etype < 0x0600:
            self.llc(data, off, ts, wirelen, vlan, depth)

    def llc(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if data[off : off + 3] == b"\xaa\xaa\x03" and len(data) >= off + 8:
            self.ethertype(int.from_bytes(data[off + 6 : off + 8], "big"), data, off + 8, ts, wirelen, vlan, depth)

    def mpls(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        while len(data) >= off + 4:
            bottom = data[off + 2] & 0x01
            off += 4
            if bottom:
                break
        if len(data) > off and data[off] >> 4 in (4, 6):
            self.ip(data, off, ts, wirelen, vlan, depth)
        elif len(data) > off + 4 and data[off] == 0 and data[off + 4] >> 4 not in (4, 6):
            self.ether(data, off + 4, ts, wirelen, vlan, depth + 1)

    def ppp(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if data[off : off + 2] == b"\xff\x03":
            off += 2
        if len(data) < off + 1:
            return
        if data[off] & 1:
            proto, off = data[off], off + 1
        else:
            proto, off = int.from_bytes(data[off : off + 2], "big"), off + 2
        etype = PPP_IP.get(proto)
        if etype:
            self.ip(data, off, ts, wirelen, vlan, depth)

    def nflog(self, data: bytes, ts: int, wirelen: int) -> None:
        off = 4
        while off + 4 <= len(data):
            length = int.from_bytes(data[off : off + 2], "little")
            kind = int.from_bytes(data[off + 2 : off + 4], "little")
            if length < 4:
                return
            if kind == 9:
                self.ip(data[off + 4 : off + length], 0, ts, wirelen, None, 0)
                return
            off += (length + 3) & ~3

    def wifi(self, data: bytes, off: int, ts: int, wirelen: int, depth: int) -> None:
        if len(data) < off + 24:
            return
        fc0, fc1 = data[off], data[off + 1]
        if (fc0 >> 2) & 3 != 2 or fc1 & 0x40:
            return
        header = 24 + (6 if fc1 & 3 == 3 else 0) + (2 if fc0 & 0x80 else 0)
        self.llc(data, off + header, ts, wirelen, None, depth)

    def ip(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if depth > MAX_DEPTH or len(data) < off + 1:
            return
        version = data[off] >> 4
        if version == 4:
            self.ipv4(data, off, ts, wirelen, vlan, depth)
        elif version == 6:
            self.ipv6(data, off, ts, wirelen, vlan, depth)

    def ipv4(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if len(data) < off + 20:
            return
        ihl = (data[off] & 0x0F) * 4
        total = int.from_bytes(data[off + 2 : off + 4], "big")
        if ihl < 20 or total < ihl or len(data) < off + ihl:
            return
        end = min(off + total, len(data))
        proto = data[off + 9]
        src, dst = data[off + 12 : off + 16], data[off + 16 : off + 20]
        frag = int.from_bytes(data[off + 6 : off + 8], "big")
        payload = data[off + ihl : end]
        if frag & 0x3FFF:
            key = (4, src, dst, data[off + 4 : off + 6], proto)
            whole = self.defrag.add(key, (frag & 0x1FFF) * 8, not frag & 0x2000, payload, ts)
            if whole is None:
                return
            payload = whole
        self.l4(4, proto, src, dst, payload, ts, wirelen, vlan, depth)

    def ipv6(self, data: bytes, off: int, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if len(data) < off + 40:
            return
        nxt = data[off + 6]
        src, dst = data[off + 8 : off + 24], data[off + 24 : off + 40]
        end = min(off + 40 + int.from_bytes(data[off + 4 : off + 6], "big"), len(data))
        pos = off + 40
        while True:
            if nxt in IPV6_EXT and pos + 2 <= end:
                nxt, pos = data[pos], pos + (data[pos + 1] + 1) * 8
            elif nxt == 51 and pos + 2 <= end:
                nxt, pos = data[pos], pos + (data[pos + 1] + 2) * 4
            elif nxt == 44 and pos + 8 <= end:
                field = int.from_bytes(data[pos + 2 : pos + 4], "big")
                key = (6, src, dst, data[pos + 4 : pos + 8])
                first_next = data[pos]
                whole = self.defrag.add(key, field & 0xFFF8, not field & 1, data[pos + 8 : end], ts)
                if whole is None:
                    return
                self.ipv6_rest(first_next, whole, src, dst, ts, wirelen, vlan, depth)
                return
            else:
                break
        if pos > end:
            return
        self.l4(6, nxt, src, dst, data[pos:end], ts, wirelen, vlan, depth)

    def ipv6_rest(
        self, nxt: int, payload: bytes, src: bytes, dst: bytes, ts: int, wirelen: int, vlan: int | None, depth: int
    ) -> None:
        pos = 0
        while nxt in IPV6_EXT and pos + 2 <= len(payload):
            nxt, pos = payload[pos], pos + (payload[pos + 1] + 1) * 8
        self.l4(6, nxt, src, dst, payload[pos:], ts, wirelen, vlan, depth)

    def l4(
        self,
        ver: int,
        proto: int,
        src: bytes,
        dst: bytes,
        payload: bytes,
        ts: int,
        wirelen: int,
        vlan: int | None,
        depth: int,
    ) -> None:
        size = len(payload)
        if proto == 6 and size >= 20:
            sport, dport = int.from_bytes(payload[0:2], "big"), int.from_bytes(payload[2:4], "big")
            doff = (payload[12] >> 4) * 4
            if doff < 20:
                return
            seq = int.from_bytes(payload[4:8], "big")
            self.on_l4(ts, wirelen, ver, 6, src, dst, sport, dport, payload[13], seq, payload[doff:], vlan, None)
        elif proto == 17 and size >= 8:
            sport, dport = int.from_bytes(payload[0:2], "big"), int.from_bytes(payload[2:4], "big")
            ulen = int.from_bytes(payload[4:6], "big")
            body = payload[8 : ulen if 8 <= ulen <= size else size]
            self.on_l4(ts, wirelen, ver, 17, src, dst, sport, dport, 0, 0, body, vlan, None)
            if (sport in TUNNEL_UDP or dport in TUNNEL_UDP) and depth < MAX_DEPTH:
                self.udp_tunnel(sport, dport, body, ts, wirelen, vlan, depth + 1)
        elif proto in (1, 58) and size >= 4:
            self.on_l4(ts, wirelen, ver, proto, src, dst, 0, 0, 0, 0, payload[4:], vlan, (payload[0], payload[1]))
            if payload[0] in (ICMP6_ERRORS if proto == 58 else ICMP_ERRORS) and self.on_quoted is not None:
                self.quoted(payload[8:], ts)
        elif proto == 132 and size >= 4:
            sport, dport = int.from_bytes(payload[0:2], "big"), int.from_bytes(payload[2:4], "big")
            self.on_l4(ts, wirelen, ver, 132, src, dst, sport, dport, 0, 0, payload[12:], vlan, None)
        elif proto in (6, 17, 1, 58, 132):
            return
        else:
            self.on_l4(ts, wirelen, ver, proto, src, dst, 0, 0, 0, 0, payload, vlan, None)
            if proto in (4, 41):
                self.ip(payload, 0, ts, wirelen, vlan, depth + 1)
            elif proto == 47:
                self.gre(payload, ts, wirelen, vlan, depth + 1)

    def quoted(self, inner: bytes, ts: int) -> None:
        """The start of the packet an ICMP error quotes: report a quoted UDP datagram."""
        if len(inner) < 28:
            return
        if inner[0] >> 4 == 4:
            ihl = (inner[0] & 0x0F) * 4
            proto, src, dst, ver, l4 = inner[9], inner[12:16], inner[16:20], 4, ihl
        elif inner[0] >> 4 == 6 and len(inner) >= 48:
            proto, src, dst, ver, l4 = inner[6], inner[8:24], inner[24:40], 6, 40
        else:
            return
        if proto == 17 and len(inner) >= l4 + 8 and self.on_quoted is not None:
            sport, dport = int.from_bytes(inner[l4 : l4 + 2], "big"), int.from_bytes(inner[l4 + 2 : l4 + 4], "big")
            self.on_quoted(ts, ver, src, dst, sport, dport, inner[l4 + 8 :])

    def gre(self, data: bytes, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if len(data) < 4:
            return
        flags, version = data[0], data[1] & 0x07
        proto = int.from_bytes(data[2:4], "big")
        off = 4 + (4 if flags & 0x80 else 0) + (4 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        if version == 1:
            off = 8 + (4 if flags & 0x10 else 0) + (4 if data[1] & 0x80 else 0)
        if proto == 0x88BE:
            off += 8 if flags & 0x10 else 0
            self.ether(data, off, ts, wirelen, vlan, depth)
        elif proto == 0x22EB:
            if len(data) >= off + 12:
                self.ether(data, off + 12 + (8 if data[off + 11] & 0x01 else 0), ts, wirelen, vlan, depth)
        elif proto == 0x880B:
            self.ppp(data, off, ts, wirelen, vlan, depth)
        elif proto in (0x8200, 0x8210):
            self.wifi(data, off, ts, wirelen, depth)
        else:
            self.ethertype(proto, data, off, ts, wirelen, vlan, depth)

    def udp_tunnel(
        self, sport: int, dport: int, body: bytes, ts: int, wirelen: int, vlan: int | None, depth: int
    ) -> None:
        ports = (sport, dport)
        if (4789 in ports or 8472 in ports) and len(body) >= 8 and body[0] & 0x08:
            self.ether(body, 8, ts, wirelen, vlan, depth)
        elif 6081 in ports and len(body) >= 8:
            off = 8 + (body[0] & 0x3F) * 4
            self.ethertype(int.from_bytes(body[2:4], "big"), body, off, ts, wirelen, vlan, depth)
        elif 3544 in ports:
            self.teredo(body, ts, wirelen, vlan, depth)
        elif 2152 in ports:
            self.gtp(body, ts, wirelen, vlan, depth)
        elif 5072 in ports and len(body) >= 8:
            id_len = 1 << (body[0] >> 4) if body[0] >> 4 else 0
            sig_len = (body[1] >> 4) * 4
            if body[3] in (4, 41):
                self.ip(body, 8 + id_len + sig_len, ts, wirelen, vlan, depth)
        elif 4754 in ports:
            self.gre(body, ts, wirelen, vlan, depth)

    def teredo(self, body: bytes, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        off = 0
        if body[0:2] == b"\x00\x01" and len(body) >= 13:
            off = 4 + body[2] + body[3] + 9
        if body[off : off + 2] == b"\x00\x00":
            off += 8
        if len(body) >= off + 40 and body[off] >> 4 == 6:
            self.ipv6(body, off, ts, wirelen, vlan, depth)

    def gtp(self, body: bytes, ts: int, wirelen: int, vlan: int | None, depth: int) -> None:
        if len(body) < 8 or body[0] >> 5 != 1 or body[1] != 0xFF:
            return
        off = 8
        if body[0] & 0x07:
            off = 12
            ext = body[11] if len(body) >= 12 else 0
            while ext and len(body) > off:
                size = body[off] * 4
                if not size or len(body) < off + size:
                    return
                ext = body[off + size - 1]
                off += size
        self.ip(body, off, ts, wirelen, vlan, depth)
