"""Splitting a syslog TCP/TLS byte stream into messages (RFC 6587, RFC 5425 §4.3).

Two framings exist and senders mix them: *octet counting* (``MSG-LEN SP
SYSLOG-MSG``, mandatory for TLS) and *non-transparent* framing, where a line
feed ends the message. Like rsyslog, the framing is decided per frame: a
frame that starts with a decimal length and a space is octet-counted,
anything else runs to the next LF. A message longer than the limit is cut
to the limit, flagged, and the rest of it skipped, so a hostile peer cannot
grow memory without bound.
"""

from __future__ import annotations

import re

_LENGTH = re.compile(rb"([1-9]\d{0,9}) ")
_MAX_DIGITS = 10


class Framer:
    """Feeds on received chunks, returns complete messages as ``(payload, cut)`` pairs."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.rest = b""
        self.discard = 0
        """Bytes of an overlong octet-counted frame still to skip."""
        self.skip_line = False
        """Inside an overlong LF-framed message: skip to its line feed."""

    def feed(self, chunk: bytes) -> list[tuple[bytes, bool]]:
        data = self.rest + chunk if self.rest else chunk
        out: list[tuple[bytes, bool]] = []
        pos, size = 0, len(data)
        while pos < size:
            if self.discard:
                step = min(self.discard, size - pos)
                self.discard -= step
                pos += step
                continue
            if self.skip_line:
                end = data.find(b"\n", pos)
                if end < 0:
                    pos = size
                    break
                self.skip_line = False
                pos = end + 1
                continue
            first = data[pos]
            if 0x30 <= first <= 0x39:
                counted = _LENGTH.match(data, pos)
                if counted is not None:
                    length = int(counted.group(1))
                    start = counted.end()
                    if length > self.max_bytes:
                        if size - start < self.max_bytes:
                            break  # wait for the part we keep
                        out.append((data[start : start + self.max_bytes], True))
                        self.discard = length - self.max_bytes
                        pos = start + self.max_bytes
                        continue
                    if size - start < length:
                        break
                    out.append((data[start : start + length], False))
                    pos = start + length
                    continue
                if size - pos <= _MAX_DIGITS and data[pos:].isdigit():
                    break  # a length whose space has not arrived yet
            end = data.find(b"\n", pos)
            if end < 0:
                if size - pos > self.max_bytes:
                    out.append((data[pos : pos + self.max_bytes], True))
                    self.skip_line = True
                    pos = size
                break
            message = data[pos:end].rstrip(b"\r\x00")
            if end - pos > self.max_bytes:
                out.append((message[: self.max_bytes], True))
            elif message:
                out.append((message, False))
            pos = end + 1
        self.rest = data[pos:] if pos < size else b""
        return out

    def close(self) -> list[tuple[bytes, bool]]:
        """At end of stream: a last message without its terminator is still a message."""
        rest, self.rest = self.rest.rstrip(b"\r\n\x00"), b""
        if self.discard or self.skip_line or not rest:
            return []
        counted = _LENGTH.match(rest)
        if counted is not None:
            return [(rest[counted.end() :], True)]  # the peer closed mid-frame
        return [(rest[: self.max_bytes], len(rest) > self.max_bytes)]
