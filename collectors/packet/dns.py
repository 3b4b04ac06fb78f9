"""DNS messages (UDP 53, mDNS 5353, LLMNR 5355, and TCP 53) as ECS ``dns.*`` events.

One event per message: a query (``dns.type: query``) or an answer
(``dns.type: answer`` with ``dns.response_code`` and ``dns.answers``). Names
follow compression pointers with a hop limit; bytes outside printable ASCII
are written as ``\\DDD`` the way zone files do. A message cut short keeps the
sections read before the cut.

Reference: RFC 1035 section 4, RFC 6891 (EDNS), RFC 6762 (mDNS).
"""

from __future__ import annotations

import re
import socket
import struct

from collectors.packet.flows import Flow
from collectors.packet.netevent import app_event
from secops.types import Event

DNS_PORTS = frozenset((53, 5353, 5355))
TYPES = {
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB",
    24: "SIG", 25: "KEY", 28: "AAAA", 29: "LOC", 33: "SRV", 35: "NAPTR", 37: "CERT", 39: "DNAME", 41: "OPT",
    43: "DS", 44: "SSHFP", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA",
    59: "CDS", 60: "CDNSKEY", 64: "SVCB", 65: "HTTPS", 99: "SPF", 249: "TKEY", 250: "TSIG", 251: "IXFR",
    252: "AXFR", 255: "ANY", 256: "URI", 257: "CAA",
}  # fmt: skip
RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET",
          "NOTAUTH", "NOTZONE"]  # fmt: skip
OPCODES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE"}
CLASSES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
FLAG_BITS = ((0x0400, "AA"), (0x0200, "TC"), (0x0100, "RD"), (0x0080, "RA"), (0x0020, "AD"), (0x0010, "CD"))
MAX_HOPS = 64
NEEDS_ESCAPE = re.compile(rb"[^!-\-/-\[\]-~]")
"""Bytes a label cannot show as they are: outside printable ASCII, the dot and the backslash."""
MAX_RECORDS = 256


class Truncated(Exception):
    """The message ends inside a record."""


def _label_text(raw: bytes) -> str:
    if not NEEDS_ESCAPE.search(raw):
        return raw.decode("ascii")
    return "".join(chr(c) if 33 <= c < 127 and c not in (0x2E, 0x5C) else f"\\{c:03d}" for c in raw)


def read_name(msg: bytes, pos: int) -> tuple[str, int]:
    """The name at ``pos`` and the position after it (after the first pointer, if any)."""
    labels: list[str] = []
    end = -1
    hops = 0
    while True:
        if pos >= len(msg):
            raise Truncated("name runs past the end")
        length = msg[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(msg):
                raise Truncated("pointer cut")
            if end < 0:
                end = pos + 2
            hops += 1
            if hops > MAX_HOPS:
                raise ValueError("compression loop")
            pos = ((length & 0x3F) << 8) | msg[pos + 1]
            continue
        if length & 0xC0:
            raise ValueError(f"unknown label type {length:#x}")
        if length == 0:
            pos += 1
            break
        if pos + 1 + length > len(msg):
            raise Truncated("label runs past the end")
        labels.append(_label_text(msg[pos + 1 : pos + 1 + length]))
        pos += 1 + length
    return ".".join(labels), (end if end >= 0 else pos)


def _rdata(msg: bytes, rtype: int, start: int, size: int) -> str:
    data = msg[start : start + size]
    if not size:
        return ""  # no data (an UPDATE's "name is in use" prerequisite): never read the next record as it
    if rtype == 1 and size == 4:
        return socket.inet_ntop(socket.AF_INET, data)
    if rtype == 28 and size == 16:
        return socket.inet_ntop(socket.AF_INET6, data)
    if rtype in (2, 5, 12, 39):
        return read_name(msg, start)[0]
    if rtype == 15 and size >= 3:
        return f"{struct.unpack_from('!H', data)[0]} {read_name(msg, start + 2)[0]}"
    if rtype == 33 and size >= 7:
        prio, weight, port = struct.unpack_from("!HHH", data)
        return f"{prio} {weight} {port} {read_name(msg, start + 6)[0]}"
    if rtype == 6:
        mname, pos = read_name(msg, start)
        rname, pos = read_name(msg, pos)
        nums = struct.unpack_from("!IIIII", msg, pos) if pos + 20 <= start + size else ()
        return " ".join([mname, rname, *map(str, nums)])
    if rtype in (16, 99):
        parts, pos = [], 0
        while pos < size:
            n = data[pos]
            parts.append(data[pos + 1 : pos + 1 + n].decode("utf-8", "backslashreplace"))
            pos += 1 + n
        return " ".join(parts)
    return data.hex()


def parse(msg: bytes) -> dict:
    """Decode one DNS message into a plain dict (raises on a header it cannot read)."""
    if len(msg) < 12:
        raise Truncated("shorter than a DNS header")
    ident, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", msg)
    out: dict = {"id": ident, "flags": flags, "questions": [], "answers": [], "truncated": False}
    pos = 12
    try:
        for _ in range(min(qd, MAX_RECORDS)):
            name, pos = read_name(msg, pos)
            if pos + 4 > len(msg):
                raise Truncated("question cut")
            qtype, qclass = struct.unpack_from("!HH", msg, pos)
            pos += 4
            out["questions"].append((name, qtype, qclass & 0x7FFF))
        for _ in range(min(an, MAX_RECORDS)):
            name, pos = read_name(msg, pos)
            if pos + 10 > len(msg):
                raise Truncated("record cut")
            rtype, rclass, ttl, size = struct.unpack_from("!HHIH", msg, pos)
            pos += 10
            if pos + size > len(msg):
                raise Truncated("record data cut")
            out["answers"].append((name, rtype, rclass & 0x7FFF, ttl, _rdata(msg, rtype, pos, size)))
            pos += size
    except (Truncated, ValueError, struct.error, IndexError):
        out["truncated"] = True
    out["counts"] = (qd, an, ns, ar)
    return out


def _type_name(code: int) -> str:
    return TYPES.get(code, f"TYPE{code}")


def dns_event(flow: Flow, sender_side: int, ts: int, payload: bytes) -> tuple[Event, str] | None:
    """The event of one DNS message, or None when it is not DNS at all."""
    try:
        msg = parse(payload)
    except Truncated:
        return None
    flags = msg["flags"]
    is_answer = bool(flags & 0x8000)
    event = app_event(flow, sender_side, ts, "dns", ["network"], ["protocol"])
    dns: dict = {
        "id": str(msg["id"]),
        "type": "answer" if is_answer else "query",
        "op_code": OPCODES.get((flags >> 11) & 0x0F, str((flags >> 11) & 0x0F)),
        "header_flags": [name for bit, name in FLAG_BITS if flags & bit],
    }
    summary = [f"dns {dns['type']} id={msg['id']} {dns['op_code']}"]
    if msg["questions"]:
        name, qtype, qclass = msg["questions"][0]
        dns["question"] = {"name": name, "type": _type_name(qtype), "class": CLASSES.get(qclass, str(qclass))}
        summary.append(f"{dns['question']['type']} {name!r}")
        if len(msg["questions"]) > 1:
            event["secops"] = {"dns": {"questions": [q[0] for q in msg["questions"]]}}
    if is_answer:
        dns["response_code"] = RCODES[flags & 0x0F] if flags & 0x0F < len(RCODES) else str(flags & 0x0F)
        summary.append(dns["response_code"])
        answers = [
            {"name": n, "type": _type_name(t), "class": CLASSES.get(c, str(c)), "ttl": ttl, "data": data}
            for n, t, c, ttl, data in msg["answers"]
        ]
        if answers:
            dns["answers"] = answers
            resolved = [a["data"] for a in answers if a["type"] in ("A", "AAAA")]
            if resolved:
                dns["resolved_ip"] = resolved
            summary.append("-> " + ", ".join(f"{a['type']} {a['data']!r}" for a in answers[:8]))
    if msg["truncated"]:
        event.setdefault("secops", {}).setdefault("dns", {})["truncated"] = True
        summary.append("(cut short)")
    event["dns"] = dns
    return event, " ".join(summary)


class DnsOverTcp:
    """DNS messages framed by two-byte lengths on a TCP stream."""

    def __init__(self, flow: Flow, emit: object) -> None:
        self.flow = flow
        self.emit = emit
        self.buf = [b"", b""]
        self.done = False

    def data(self, side: int, ts: int, chunk: bytes) -> None:
        buf = self.buf[side] + chunk
        while len(buf) >= 2:
            size = int.from_bytes(buf[:2], "big")
            if len(buf) < 2 + size:
                break
            found = dns_event(self.flow, side, ts, buf[2 : 2 + size])
            if found:
                self.emit(*found)  # type: ignore[operator]
            buf = buf[2 + size :]
        self.buf[side] = buf[-70_000:]

    def gap(self, side: int, size: int) -> None:
        self.buf[side] = b""

    def close(self, ts: int) -> None:
        self.buf = [b"", b""]
