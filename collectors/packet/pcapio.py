"""Reading pcap and pcapng captures in large blocks, with no object per packet.

A capture is read a few MiB at a time. Record headers are walked with
``struct.unpack_from`` and each block becomes a ``Batch``: the block's bytes
plus numpy arrays of packet offsets, lengths and timestamps, all of one link
type. Decoders index into the bytes; nothing copies a packet.

Damage (a cut last record, a length field that cannot be right, an unknown
block) ends or skips reading with a ``Damage`` note; every packet before it
is still delivered.

References: the pcap file format (draft-ietf-opsawg-pcap) and pcapng
(draft-ietf-opsawg-pcapng).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

import numpy as np

from collectors.packet.magic import PCAP_MAGICS, PCAPNG_SHB

BLOCK_BYTES = 4 << 20
MAX_PACKET = 256 << 10
"""Larger record lengths are taken as corruption (Wireshark's limit for normal link types)."""

MAX_TS = 1 << 62


@dataclass(slots=True)
class Batch:
    """Packets of one link type that lie in one block of bytes."""

    buf: bytes
    linktype: int
    data: np.ndarray
    """Offset of each packet's first byte in ``buf`` (int64)."""
    caplen: np.ndarray
    wirelen: np.ndarray
    ts: np.ndarray
    """Capture time in nanoseconds since the epoch (int64)."""
    first: int
    """Index of the first packet within the file."""

    def __len__(self) -> int:
        return len(self.data)


Warn = Callable[[str], None]


def read_batches(fh: IO[bytes], warn: Warn) -> Iterator[Batch]:
    """Batches of a pcap or pcapng stream; damage is reported through ``warn``."""
    try:
        yield from _batches(fh, warn)
    except (EOFError, OSError, zlib.error) as exc:
        warn(f"stream ends in damage ({type(exc).__name__}: {exc}); packets before it are kept")


def _batches(fh: IO[bytes], warn: Warn) -> Iterator[Batch]:
    head = _read_exact(fh, 4)
    if not head:
        warn("empty file: no capture header")
        return
    if head in PCAP_MAGICS:
        yield from _pcap(fh, head, warn)
    elif head == PCAPNG_SHB:
        yield from _pcapng(fh, head, warn)
    else:
        warn(f"not a pcap or pcapng file (starts with {head.hex()})")


def _read_exact(fh: IO[bytes], size: int) -> bytes:
    data = fh.read(size)
    while data and len(data) < size:
        more = fh.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _pcap(fh: IO[bytes], magic: bytes, warn: Warn) -> Iterator[Batch]:
    order, ns_per_tick = PCAP_MAGICS[magic]
    header = _read_exact(fh, 20)
    if len(header) < 20:
        warn("capture header cut short")
        return
    linktype = struct.unpack_from(order + "I", header, 16)[0] & 0x0FFFFFFF
    caplen_at = struct.Struct(order + "8xI").unpack_from
    u32 = np.dtype(order + "u4")
    rest = b""
    first = 0
    position = 24
    while True:
        chunk = fh.read(BLOCK_BYTES)
        if not chunk:
            break
        buf = rest + chunk if rest else chunk
        end = len(buf)
        offsets: list[int] = []
        add = offsets.append
        off = 0
        damaged = False
        while off + 16 <= end:
            (caplen,) = caplen_at(buf, off)
            if caplen > MAX_PACKET:
                damaged = True
                break
            nxt = off + 16 + caplen
            if nxt > end:
                break
            add(off)
            off = nxt
        if offsets:
            yield _pcap_batch(buf, offsets, u32, ns_per_tick, linktype, first)
            first += len(offsets)
        position += off
        if damaged:
            warn(f"record {first} at byte {position}: impossible length {caplen}, rest of file skipped")
            return
        rest = buf[off:]
    if rest:
        warn(f"capture cut short: {len(rest)} bytes of a last record at byte {position} (after {first} packets)")


def _pcap_batch(buf: bytes, offsets: list[int], u32: np.dtype, ns_per_tick: int, linktype: int, first: int) -> Batch:
    raw = np.frombuffer(buf, dtype=np.uint8)
    starts = np.array(offsets, dtype=np.int64)
    fields = raw[starts[:, None] + np.arange(16)].view(u32).reshape(len(offsets), 4).astype(np.int64)
    ts = fields[:, 0] * 1_000_000_000 + fields[:, 1] * ns_per_tick
    return Batch(buf, linktype, starts + 16, fields[:, 2], fields[:, 3], ts, first)


@dataclass(slots=True)
class _Iface:
    linktype: int
    snaplen: int
    tick_num: int
    tick_den: int
    offset_s: int


class _NgBatches:
    """Collects pcapng packet records into per-link-type batches."""

    def __init__(self, buf: bytes, first: int) -> None:
        self.buf = buf
        self.first = first
        self.linktype = -1
        self.rows: list[tuple[int, int, int, int]] = []
        self.done: list[Batch] = []

    def add(self, linktype: int, data: int, caplen: int, wirelen: int, ts: int) -> None:
        if linktype != self.linktype:
            self.flush()
            self.linktype = linktype
        self.rows.append((data, caplen, wirelen, ts))

    def flush(self) -> None:
        if not self.rows:
            return
        cols = np.array(self.rows, dtype=np.int64).reshape(len(self.rows), 4)
        self.done.append(Batch(self.buf, self.linktype, cols[:, 0], cols[:, 1], cols[:, 2], cols[:, 3], self.first))
        self.first += len(self.rows)
        self.rows = []


def _pcapng(fh: IO[bytes], magic: bytes, warn: Warn) -> Iterator[Batch]:
    order = "<"
    ifaces: list[_Iface] = []
    rest = magic
    first = 0
    position = 0
    while True:
        chunk = fh.read(BLOCK_BYTES)
        if not chunk:
            if rest:
                warn(f"capture cut short: {len(rest)} bytes of a last block at byte {position} (after {first} packets)")
            return
        buf = rest + chunk
        end = len(buf)
        out = _NgBatches(buf, first)
        off = 0
        damaged = ""
        while off + 12 <= end:
            if buf[off : off + 4] == PCAPNG_SHB:
                bom = buf[off + 8 : off + 12]
                order = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">" if bom == b"\x1a\x2b\x3c\x4d" else ""
                if not order:
                    damaged = "section header with an unknown byte-order mark"
                    break
            btype, blen = struct.unpack_from(order + "II", buf, off)
            if blen < 12 or blen % 4 or blen > MAX_PACKET + 4096:
                damaged = f"block of impossible length {blen}"
                break
            if off + blen > end:
                break
            if btype == 0x0A0D0D0A:
                ifaces = []
            elif btype == 1:
                ifaces.append(_idb(buf, off, blen, order))
            elif btype in (6, 2, 3):
                _packet_block(buf, off, btype, blen, order, ifaces, out)
            off += blen
        out.flush()
        yield from out.done
        first = out.first
        position += off
        rest = buf[off:]
        if damaged:
            warn(f"block at byte {position}: {damaged}, rest of file skipped (after {first} packets)")
            return


def _idb(buf: bytes, off: int, blen: int, order: str) -> _Iface:
    linktype, snaplen = struct.unpack_from(order + "H2xI", buf, off + 8)
    iface = _Iface(linktype, snaplen or MAX_PACKET, 1000, 1, 0)
    pos, stop = off + 16, off + blen - 4
    while pos + 4 <= stop:
        code, length = struct.unpack_from(order + "HH", buf, pos)
        if code == 0:
            break
        value = buf[pos + 4 : pos + 4 + length]
        if code == 9 and length >= 1:
            res = value[0]
            per_second = 2 ** (res & 0x7F) if res & 0x80 else 10 ** (res & 0x7F)
            iface.tick_num, iface.tick_den = 1_000_000_000, per_second
        elif code == 14 and length >= 8:
            iface.offset_s = struct.unpack_from(order + "q", value)[0]
        pos += 4 + ((length + 3) & ~3)
    return iface


def _packet_block(
    buf: bytes, off: int, btype: int, blen: int, order: str, ifaces: list[_Iface], out: _NgBatches
) -> None:
    if btype == 6:
        iface_id, hi, lo, caplen, wirelen = struct.unpack_from(order + "IIIII", buf, off + 8)
        data = off + 28
    elif btype == 2:
        iface_id, _drops, hi, lo, caplen, wirelen = struct.unpack_from(order + "HHIIII", buf, off + 8)
        data = off + 28
    else:
        iface_id, hi, lo = 0, 0, 0
        (wirelen,) = struct.unpack_from(order + "I", buf, off + 8)
        data = off + 12
        caplen = min(wirelen, blen - 16, ifaces[0].snaplen if ifaces else wirelen)
    if iface_id >= len(ifaces) or data + caplen > off + blen - 4:
        return
    iface = ifaces[iface_id]
    ticks = (hi << 32) | lo
    ts = ticks * iface.tick_num // iface.tick_den + iface.offset_s * 1_000_000_000
    ts = min(max(ts, 0), MAX_TS)  # a damaged resolution or offset must not overflow the int64 column
    out.add(iface.linktype, data, caplen, wirelen, ts)
