"""The native line splitter against a line-at-a-time reader of the same rules, on random bytes fed in random blocks.

The reference is the Python reader ``iter_lines`` was before the splitting
moved native: ``readline`` with a limit, ``decode``, ``rstrip``. The bytes mix
line feeds, carriage returns, blanks, byte order marks, invalid UTF-8 and
lines past a small limit, so that every rule meets every other at block edges.
"""

from __future__ import annotations

import io
import random

import pytest
import secops_native

NEWLINE = {"utf-8": b"\n", "utf-16-le": b"\n\x00", "utf-16-be": b"\x00\n"}
PIECES = {
    "utf-8": [
        b"a",
        b"xyz",
        b"\n",
        b"\r",
        b"\r\n",
        b" ",
        b"\t",
        b"\x1c",
        b"\xef\xbb\xbf",
        b"\xff",
        b"\xc3\xa9",
        b"\xe2",
    ],
    "utf-16-le": [b"a\x00", b"\n\x00", b"\r\x00", b" \x00", b"\xa0\x00", b"\x00\n", b"\n", b"\x00\xd8", b"\x00"],
    "utf-16-be": [b"\x00a", b"\x00\n", b"\x00\r", b"\x00 ", b"\x00\xa0", b"\n\x00", b"\n", b"\xd8\x00", b"\x00"],
}


def reference(data: bytes, codec: str, limit: int, start: int) -> list[tuple[str, int, int, bool]]:
    """The lines of ``data[start:]`` as the line-at-a-time reader gave them."""
    newline, unit = NEWLINE[codec], len(NEWLINE[codec])
    limit -= limit % unit
    pos = start

    def readline() -> bytes:
        nonlocal pos
        at = data.find(newline, pos)
        while at >= 0 and (at - pos) % unit:
            at = data.find(newline, at + 1)
        end = at + unit if at >= 0 and at + unit - pos <= limit else min(len(data), pos + limit)
        line, pos = data[pos:end], end
        return line

    lines, offset = [], start
    while chunk := readline():
        end = offset + len(chunk)
        truncated = not chunk.endswith(newline) and len(chunk) == limit
        if truncated:
            while (rest := readline()) and not rest.endswith(newline):
                end += len(rest)
            end += len(rest)
        text = chunk.decode(codec, "backslashreplace").rstrip("\r\n")
        if not offset:
            text = text.removeprefix("\ufeff")
        if text and not text.isspace():
            lines.append((text, offset, end, truncated))
        offset = end
    return lines


def split(data: bytes, codec: str, limit: int, start: int, rng: random.Random) -> list[tuple[str, int, int, bool]]:
    splitter = secops_native.LineSplitter(start, limit, codec)
    lines, stream = [], io.BytesIO(data[start:])
    while block := stream.read(rng.randint(1, 3 * limit)):
        lines += splitter.feed(block)
    lines += splitter.finish()
    return [(line.text, line.offset, line.end, line.truncated) for line in lines]


@pytest.mark.parametrize("codec", sorted(PIECES))
def test_the_splitter_gives_the_lines_the_line_at_a_time_reader_gave(codec: str) -> None:
    rng = random.Random(codec)
    for _ in range(3000):
        data = b"".join(rng.choice(PIECES[codec]) for _ in range(rng.randint(0, 40)))
        limit = rng.randint(2, 12)
        start = rng.randint(0, len(data)) if rng.random() < 0.2 else 0
        if codec != "utf-8":
            start -= start % 2
        assert split(data, codec, limit, start, rng) == reference(data, codec, limit, start), (data, limit, start)


def test_a_line_longer_than_the_limit_is_cut_flagged_and_ends_at_its_line_feed() -> None:
    splitter = secops_native.LineSplitter(100, 4, "utf-8")
    lines = [*splitter.feed(b"abcdefg"), *splitter.feed(b"hij\nk"), *splitter.finish()]
    assert [(line.text, line.offset, line.end, line.truncated) for line in lines] == [
        ("abcd", 100, 111, True),
        ("k", 111, 112, False),
    ]


def test_a_line_is_made_and_shown_as_written() -> None:
    line = secops_native.Line("x \udcff", 3, 9, False)
    assert (line.text, line.offset, line.end, line.truncated) == ("x \udcff", 3, 9, False)
    assert repr(line) == "Line('x \\udcff', 3, 9, False)"
    with pytest.raises(ValueError, match="utf-8 or utf-16"):
        secops_native.LineSplitter(0, 10, "latin-1")
