"""IPv4 and IPv6 fragment reassembly, bounded in count, size and time.

Fragments are kept per datagram (addresses, id, and for IPv4 the protocol)
until the pieces cover the datagram from offset 0 to the end the last
fragment names. Overlaps keep the bytes that arrived first (the choice most
hosts make), byte by byte: a later piece that starts where an earlier one did
still fills the bytes beyond it. A datagram whose pieces never complete is dropped after a
timeout in capture time, and hostile captures cannot grow the table beyond
``MAX_DATAGRAMS`` nor one datagram beyond the IP size limit.
"""

from __future__ import annotations

from collections.abc import Hashable

MAX_DATAGRAMS = 4096
MAX_SIZE = 65_535 + 8
TIMEOUT_NS = 30 * 1_000_000_000
MAX_HELD = 2 * MAX_SIZE
"""Bytes kept per datagram, overlapping and repeated pieces included."""
MAX_PIECES = 1024
"""Pieces kept per datagram: 1,500-byte links need 45 for the largest datagram; more is an evasion or a flood."""


class _Datagram:
    __slots__ = ("end", "first", "held", "pieces")

    def __init__(self, ts: int) -> None:
        self.first = ts
        self.end: int | None = None
        self.pieces: list[tuple[int, bytes]] = []
        """(offset, bytes) in arrival order: a later piece may start where an earlier one did and reach further."""
        self.held = 0


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
        if gram.held + len(piece) > MAX_HELD or len(gram.pieces) >= MAX_PIECES:
            return None
        gram.pieces.append((offset, piece))
        gram.held += len(piece)
        if gram.end is None or gram.held < gram.end:
            return None  # too few bytes to cover the datagram yet: no need to look
        whole = self._assemble(gram.pieces, gram.end)
        if whole is not None:
            del self.pending[key]
        return whole

    @staticmethod
    def _assemble(pieces: list[tuple[int, bytes]], end: int) -> bytes | None:
        """The datagram if the pieces cover it; where they overlap, the bytes that arrived first win."""
        out = bytearray(end)
        have = bytearray(end)
        for offset, piece in reversed(pieces):
            stop = min(offset + len(piece), end)
            if offset < stop:
                out[offset:stop] = piece[: stop - offset]
                have[offset:stop] = b"\x01" * (stop - offset)
        return None if 0 in have else bytes(out)

    def _expire(self, now: int) -> None:
        stale = [k for k, g in self.pending.items() if g.first + TIMEOUT_NS < now]
        for key in stale or list(self.pending)[: MAX_DATAGRAMS // 4]:
            del self.pending[key]
