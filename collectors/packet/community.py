"""Community ID v1 flow hashes, so our flows join with Zeek's and Suricata's.

The spec (corelight/community-id-spec): SHA-1 over seed (2 bytes), the two
addresses and ports ordered so the smaller endpoint comes first, the IP
protocol number and one zero byte; base64, prefixed ``1:``. ICMP and ICMPv6
map type/code onto ports the way Zeek does, so a request and its reply share
one ID; types without a counterpart are one-way and never reordered.
"""

from __future__ import annotations

import binascii
import hashlib
import struct

ICMP, TCP, UDP, ICMP6, SCTP = 1, 6, 17, 58, 132
PORT_PROTOCOLS = frozenset((ICMP, TCP, UDP, ICMP6, SCTP))

ICMP_PAIRS = {8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17}
ICMP6_PAIRS = {
    128: 129,
    129: 128,
    130: 131,
    131: 130,
    133: 134,
    134: 133,
    135: 136,
    136: 135,
    139: 140,
    140: 139,
    144: 145,
    145: 144,
}


_SEED = struct.Struct("!H").pack
_PROTO = struct.Struct("!BB").pack
_PROTO_PORTS = struct.Struct("!BBHH").pack


def icmp_ports(proto: int, mtype: int, code: int) -> tuple[int, int, bool]:
    """Port equivalents of an ICMP message and whether the flow is one-way."""
    pairs = ICMP_PAIRS if proto == ICMP else ICMP6_PAIRS
    other = pairs.get(mtype)
    if other is None:
        return mtype, code, True
    return mtype, other, False


def community_id(
    proto: int, src: bytes, dst: bytes, sport: int, dport: int, *, one_way: bool = False, seed: int = 0
) -> str:
    """The ``1:…`` Community ID of a flow given from its originator's side (addresses packed)."""
    has_ports = proto in PORT_PROTOCOLS
    if not one_way and (src > dst or (src == dst and has_ports and sport > dport)):
        src, dst, sport, dport = dst, src, dport, sport
    digest = hashlib.sha1(_SEED(seed), usedforsecurity=False)
    digest.update(src)
    digest.update(dst)
    digest.update(_PROTO_PORTS(proto, 0, sport, dport) if has_ports else _PROTO(proto, 0))
    return "1:" + binascii.b2a_base64(digest.digest(), newline=False).decode("ascii")
