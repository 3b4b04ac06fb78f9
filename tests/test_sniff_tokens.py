"""``sniff_tokens`` is a promise: a line a parser's ``sniff_line`` accepts holds one of its tokens.

Per-line ``auto`` asks a parser only when the native scan finds one of its
tokens in the line, so a broken promise would send lines to the wrong parser.
Checked here on every line of the generated logs and of the shared samples
(when present), on those lines with each token removed, and on hostile text;
then ``pick`` is compared with asking every parser in priority order.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from secops_native import Line

from secops.generate import generate
from secops.pipeline import AutoLineParser
from secops.registry import LineParser, line_parsers
from tests.conftest import shared_data_dir

TEXT_SUFFIXES = {".log", ".txt", ".json", ".ndjson", ".csv", ".jsonl", ".xml"}
LINES_PER_FILE = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("generated")
    generate(out, events=3000, seed=11, workers=1)
    lines = [line for path in sorted(out.glob("*")) if path.is_file() for line in _head(path)]
    shared = shared_data_dir()
    if shared.is_dir():  # the vendors' own samples: shapes the generator does not write
        for path in sorted(shared.rglob("*")):
            if path.suffix in TEXT_SUFFIXES and path.is_file():
                lines.extend(_head(path))
    return lines


def _head(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="backslashreplace") as fh:
        for number, line in enumerate(fh):
            if number == LINES_PER_FILE:
                return
            yield line.rstrip("\r\n")


def _variants(lines: list[str]) -> Iterator[str]:
    """Each line, then with each parser's tokens cut out one at a time, then shuffled fragments."""
    tokens = sorted({token for parser in line_parsers() for token in parser.sniff_tokens})
    rnd = random.Random(5)
    for line in lines:
        yield line
        for token in tokens:
            if token in line:
                yield line.replace(token, "", 1)
                yield line.replace(token, token[:-1] + " " + token[-1:])
    for _ in range(2000):
        yield " ".join(rnd.choice(tokens) + rnd.choice(["", "x", "=1", ":"]) for _ in range(rnd.randrange(1, 6)))


def _with_tokens() -> list[LineParser]:
    return [parser for parser in line_parsers() if parser.sniff_tokens]


def test_most_line_formats_make_the_promise() -> None:
    promised = {parser.name for parser in _with_tokens()}
    assert {"cisco-asa", "panos", "fortigate", "pfsense", "netfilter", "checkpoint", "juniper-srx"} <= promised
    assert {"sonicwall", "cef", "leef"} <= promised


def test_every_accepted_line_holds_a_token(corpus: list[str]) -> None:
    parsers = _with_tokens()
    broken: list[tuple[str, str]] = []
    checked = 0
    for line in _variants(corpus):
        for parser in parsers:
            if parser.sniff_line(line):
                checked += 1
                if not any(token in line for token in parser.sniff_tokens):
                    broken.append((parser.name, line[:200]))
    assert checked > 1000, "the corpus should exercise the parsers"
    assert not broken, broken[:5]


def test_pick_matches_asking_every_parser_in_order(corpus: list[str]) -> None:
    candidates = [parser for parser in line_parsers() if not parser.fallback]
    fallbacks = [parser for parser in line_parsers() if parser.fallback]
    auto = AutoLineParser()
    differ: list[tuple[str | None, str | None, str]] = []
    modes = {True: 0, False: 0}
    last: LineParser | None = None
    repeating: LineParser | None = None  # the last format, while lines repeat it
    lines = list(_variants(corpus))
    for line in lines:
        modes[repeating is not None] += 1
        if repeating is not None and repeating.sniff_line(line):
            expected = repeating  # while lines repeat a format, it is asked first, as before the scan
        else:
            expected = next((p for p in candidates if p.sniff_line(line)), None)
            repeating = expected if expected is not None and expected is last else None
            last = expected or last
            if expected is None:
                expected = next((p for p in fallbacks if p.sniff_line(line)), None)
        got = auto.pick(line)
        if got is not expected:
            differ.append((got.name if got else None, expected.name if expected else None, line[:200]))
    assert not differ, differ[:5]
    assert modes[True] > 100 and modes[False] > 100, modes  # both ways of asking were exercised
    # A window at a time, the same choices, and each parser's lines by index.
    one, window = AutoLineParser(), AutoLineParser()
    for start in range(0, len(lines), 256):
        texts = lines[start : start + 256]
        groups = window.pick_lines([Line(text, at, at + 1, False) for at, text in enumerate(texts)])
        chosen = [one.pick(text) for text in texts]
        assert groups == {parser: [at for at, p in enumerate(chosen) if p is parser] for parser in chosen}


def test_a_line_with_lone_surrogates_is_still_recognised() -> None:
    auto = AutoLineParser()
    line = "<134>Nov 27 10:00:00 fw01 filterlog[1]: \ud800 5,,,1000000103,igb0,match,block,in,4"
    picked = auto.pick(line)
    assert picked is not None and picked.name == "pfsense"
