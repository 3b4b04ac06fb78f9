"""TCP stream reassembly for the flows whose application protocol we decode.

Only flows that carry a protocol of interest get a ``TcpSession``: the first
packet that starts a message we recognise (an HTTP request line or status
line, a TLS handshake record, an SSH banner, DNS over TCP) opens it, and the
session then orders that flow's segments by sequence number, trims
retransmissions, holds early segments until the gap fills (bounded), and
hands each side's byte stream to the protocol handler. A gap that never
fills is skipped and reported to the handler, which resynchronises or gives up.
"""

from __future__ import annotations

from typing import Protocol

from collectors.packet.flows import FIN, RST, SYN, Flow

MAX_PENDING = 1 << 20
"""Bytes held out of order per side before a gap is declared."""

HTTP_METHODS = frozenset(
    b"GET POST HEAD PUT DELETE OPTIONS CONNECT TRACE PATCH PROPFIND PROPPATCH MKCOL COPY MOVE LOCK UNLOCK "
    b"SEARCH REPORT SUBSCRIBE NOTIFY".split()
)
METHOD_PREFIXES = frozenset(m[:4] if len(m) >= 4 else m + b" " for m in HTTP_METHODS)


class Handler(Protocol):
    """An application protocol decoder fed with in-order stream bytes."""

    done: bool

    def data(self, side: int, ts: int, chunk: bytes) -> None: ...

    def gap(self, side: int, size: int) -> None:
        """``size`` bytes of this side's stream were never seen."""

    def close(self, ts: int) -> None: ...


def signature(payload: bytes) -> str | None:
    """Which protocol a segment's first bytes start, if any (the fast path tests the same bytes)."""
    head = payload[:4]
    if len(payload) >= 6 and payload[0] == 0x16 and payload[1] == 3 and payload[2] <= 4 and payload[5] in (1, 2):
        return "tls"
    if head in METHOD_PREFIXES:
        return "http"
    if head == b"HTTP":
        return "http"
    if head == b"SSH-":
        return "ssh"
    return None


class Side:
    """One direction's reassembly state."""

    __slots__ = ("next_seq", "pending", "pending_bytes")

    def __init__(self) -> None:
        self.next_seq: int | None = None
        self.pending: dict[int, bytes] = {}
        self.pending_bytes = 0


def _after(a: int, b: int) -> int:
    """Signed distance from ``b`` to ``a`` in 32-bit sequence space."""
    return ((a - b + 0x80000000) & 0xFFFFFFFF) - 0x80000000


class TcpSession:
    """Reassembles both sides of one flow for a protocol handler."""

    __slots__ = ("handler", "sides")

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.sides = (Side(), Side())

    def segment(self, side: int, ts: int, flags: int, seq: int, payload: bytes) -> None:
        st = self.sides[side]
        if flags & SYN:
            st.next_seq = (seq + 1) & 0xFFFFFFFF
            seq = st.next_seq
            if not payload:
                return
        if st.next_seq is None:
            st.next_seq = seq
        if payload:
            self._deliver(side, st, ts, seq, payload)
        if flags & (FIN | RST) and st.pending:
            self._flush_gaps(side, st, ts)

    def _deliver(self, side: int, st: Side, ts: int, seq: int, payload: bytes) -> None:
        assert st.next_seq is not None
        rel = _after(seq, st.next_seq)
        if rel > 0:
            if seq not in st.pending and st.pending_bytes + len(payload) <= MAX_PENDING:
                st.pending[seq] = payload
                st.pending_bytes += len(payload)
            elif st.pending_bytes + len(payload) > MAX_PENDING:
                self._flush_gaps(side, st, ts)
                self._deliver(side, st, ts, seq, payload)
            return
        if rel < 0:
            payload = payload[-rel:]
            if not payload:
                return
        self.handler.data(side, ts, payload)
        st.next_seq = (st.next_seq + len(payload)) & 0xFFFFFFFF
        while st.pending:
            ready = [s for s in st.pending if _after(s, st.next_seq) <= 0]
            if not ready:
                break
            for s in ready:
                chunk = st.pending.pop(s)
                st.pending_bytes -= len(chunk)
                overlap = -_after(s, st.next_seq)
                if overlap < len(chunk):
                    self.handler.data(side, ts, chunk[overlap:])
                    st.next_seq = (st.next_seq + len(chunk) - overlap) & 0xFFFFFFFF

    def _flush_gaps(self, side: int, st: Side, ts: int) -> None:
        """Give up on missing bytes: jump to the earliest held segment and go on from there."""
        while st.pending and st.next_seq is not None:
            nearest = min(st.pending, key=lambda s: _after(s, st.next_seq or 0))
            self.handler.gap(side, max(0, _after(nearest, st.next_seq)))
            chunk = st.pending.pop(nearest)
            st.pending_bytes -= len(chunk)
            st.next_seq = nearest
            self._deliver(side, st, ts, nearest, chunk)

    def close(self, ts: int) -> None:
        for side, st in enumerate(self.sides):
            if st.pending:
                self._flush_gaps(side, st, ts)
        self.handler.close(ts)


def attach(flow: Flow, handler: Handler) -> TcpSession:
    """Open a session on a flow."""
    session = TcpSession(handler)
    flow.app = session
    return session
