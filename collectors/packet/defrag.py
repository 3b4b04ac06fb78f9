"""IPv4 and IPv6 fragment reassembly, bounded in count, size and time.

Fragments are kept per datagram (addresses, id, and for IPv4 the protocol)
until the pieces cover the datagram from offset 0 to the end the last
fragment names. Overlaps keep the bytes that arrived first (the choice most
hosts make). A datagram whose pieces never complete is dropped after a
timeout in capture time, and hostile captures cannot grow the table beyond
``MAX_DATAGRAMS`` nor one datagram beyond the IP size limit.
"""

from __future__ import annotations

from collections.abc import Hashable

MAX_DATAGRAMS = 4096
MAX_SIZE = 65_535 + 8
TIMEOUT_NS = 30 * 1_000_000_000


class _Datagram:
    __slots__ = ("end", "first", "pieces")

    def __init__(self, ts: int) -> None:
        self.first = ts
        self.end: int | None = None
        self.pieces: dict[int, bytes] = {}


class Defragmenter:
    """Collects fragments; ``add`` returns the whole payload once it is complete."""

    def __init__(self) -> None:
        self.pending: dict[Hashable, _Datagram] = {}

    def add(self, key: Hashable, offset: int, last: bool, piece: bytes, ts: int) -> bytes | None:
        if offset + len(piece) > MAX_SIZE:
            return None
        gram = self.pending.get(key)
        if gram is None:
            if len(self.pending) >= MAX_DATAGRAMS:
                self._expire(ts)
            gram = self.pending[key] = _Datagram(ts)
        if last:
            gram.end = offset + len(piece)
        gram.pieces.setdefault(offset, piece)
        whole = self._assemble(gram)
        if whole is not None:
            del self.pending[key]
        return whole

    @staticmethod
    def _assemble(gram: _Datagram) -> bytes | None:
        if gram.end is None:
            return None
        out = bytearray()
        for offset in sorted(gram.pieces):
            piece = gram.pieces[offset]
            if offset > len(out):
                return None
            if offset + len(piece) > len(out):
                out += piece[len(out) - offset :]
        return bytes(out[: gram.end]) if len(out) >= gram.end else None

    def _expire(self, now: int) -> None:
        stale = [k for k, g in self.pending.items() if g.first + TIMEOUT_NS < now]
        for key in stale or list(self.pending)[: MAX_DATAGRAMS // 4]:
            del self.pending[key]
