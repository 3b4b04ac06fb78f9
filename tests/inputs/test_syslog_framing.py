"""RFC 6587 framing: octet counting and LF framing, mixed, split anywhere, capped in size."""

from __future__ import annotations

import random

from collectors.syslog.framing import Framer


def frames(*messages: bytes, counted: bool) -> bytes:
    return b"".join(b"%d %s" % (len(m), m) if counted else m + b"\n" for m in messages)


def feed_in_pieces(framer: Framer, data: bytes, rng: random.Random) -> list[tuple[bytes, bool]]:
    out: list[tuple[bytes, bool]] = []
    pos = 0
    while pos < len(data):
        step = rng.randint(1, 40)
        out += framer.feed(data[pos : pos + step])
        pos += step
    return out + framer.close()


def test_octet_counting_keeps_embedded_line_feeds() -> None:
    messages = [b"<13>1 - h a - - - one\nline two", b"<13>x", b"<14>" + b"y" * 300]
    assert Framer(4096).feed(frames(*messages, counted=True)) == [(m, False) for m in messages]


def test_both_framings_mixed_and_split_at_every_byte_boundary() -> None:
    messages = [b"<13>Nov 24 10:00:00 h app: message %d" % i for i in range(300)]
    data = b"".join(frames(m, counted=i % 3 == 0) for i, m in enumerate(messages))
    for seed in range(5):
        got = feed_in_pieces(Framer(4096), data, random.Random(seed))
        assert got == [(m, False) for m in messages]
    got = []
    framer = Framer(4096)
    for byte in data:  # one byte at a time
        got += framer.feed(bytes([byte]))
    assert got + framer.close() == [(m, False) for m in messages]


def test_crlf_nul_and_blank_lines() -> None:
    assert Framer(100).feed(b"<13>a\r\n\n\x00\n<13>b\x00\n") == [(b"<13>a", False), (b"<13>b", False)]


def test_last_unterminated_message_is_kept_at_close() -> None:
    framer = Framer(100)
    assert framer.feed(b"<13>a\n<13>b") == [(b"<13>a", False)]
    assert framer.close() == [(b"<13>b", False)]


def test_overlong_messages_are_cut_and_the_stream_resynchronises() -> None:
    framer = Framer(1000)
    data = b"<13>" + b"a" * 5000 + b"\n" + b"5000 " + b"b" * 5000 + b"<13>after\n"
    got = feed_in_pieces(framer, data, random.Random(3))
    assert got == [(b"<13>" + b"a" * 996, True), (b"b" * 1000, True), (b"<13>after", False)]


def test_lengths_that_lie_do_not_exhaust_memory() -> None:
    framer = Framer(1000)
    got = framer.feed(b"99999999999 <13>x\n")  # eleven digits: not a length, a line
    assert got == [(b"99999999999 <13>x", False)]
    got = framer.feed(b"9999999999 " + b"z" * 2000)
    assert got == [(b"z" * 1000, True)]
    assert framer.discard == 9999999999 - 2000  # the 1000 extra bytes are already skipped
    assert len(framer.rest) == 0


def test_digits_that_are_not_a_length() -> None:
    framer = Framer(100)
    assert framer.feed(b"2021-03-12T14:10:18Z host kernel: x\n12") == [(b"2021-03-12T14:10:18Z host kernel: x", False)]
    assert framer.feed(b"3 abc") == []  # "123 abc" so far: a counted frame waiting for its bytes
    assert framer.feed(b"d" * 120) == [(b"abc" + b"d" * 97, True)]
