"""A window of lines read natively (``secops_native.read_window``) gives what the formats' one-line ``parse`` gives.

``read_window`` finishes most lines itself, by each format's rule, and hands
the others to the format's Python ``finish``; the one-line path always goes
through ``finish``. Both must give the same event, or fail with the same error,
for every line: the generated logs and the vendors' shared samples (when
present), each format's lines mixed with other formats' (its errors), damaged
lines, and a line that cannot be encoded. Each check runs once in a zone no
minute was converted in yet (every first line of a minute is finished in
Python) and once after, when the minute cache holds them.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import timedelta, timezone

import pytest
import secops_native
from secops_native import Line

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import MINUTES
from secops.generate import generate
from secops.registry import ParseContext, line_parsers
from tests.conftest import require, shared_data_dir

LINES_PER_FILE = 600


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("generated")
    generate(out, events=4000, seed=23, workers=1)
    paths = sorted(out.glob("*.log"))
    firewall = shared_data_dir() / "firewall"
    if firewall.is_dir():  # the vendors' own samples: shapes the generator does not write
        paths += sorted(path for path in firewall.rglob("*") if path.is_file() and path.suffix in {".log", ".txt"})
    lines = []
    for path in paths:
        with path.open(encoding="utf-8", errors="backslashreplace") as fh:
            lines += [line.rstrip("\r\n") for _, line in zip(range(LINES_PER_FILE), fh, strict=False)]
    return [line for line in lines if line]


def native_parsers() -> list[NativeLineParser]:
    return [parser for parser in line_parsers() if isinstance(parser, NativeLineParser)]


def test_every_firewall_format_reads_windows_natively() -> None:
    names = {parser.name for parser in native_parsers()}
    assert names == {
        "cisco-asa", "panos", "fortigate", "pfsense", "netfilter", "checkpoint", "juniper-srx", "sonicwall", "cef",
        "leef",
    }  # fmt: skip


def _lines_for(parser: NativeLineParser, corpus: list[str], rnd: random.Random) -> list[str]:
    """The format's own lines, cut ones, other formats' lines, and a line Python cannot encode as UTF-8."""
    own = [line for line in corpus if parser.sniff_line(line)]
    assert len(own) >= 20, f"{parser.name}: only {len(own)} lines to check"
    cut = [line[: rnd.randrange(1, len(line))] for line in rnd.sample(own, min(len(own), 60))]
    others = rnd.sample([line for line in corpus if not parser.sniff_line(line)], 60)
    lines = own + cut + others + [own[0][:20] + "\udcff" + own[0][20:]] + list(_device_times(own))
    rnd.shuffle(lines)
    return lines


DEVICE_TIMES = (
    "0", "100000000000", "100000000001", "99999999999999", "123456789012345", "1793577603.489", " 1793577603489 ",
    "\u0661\u0667\u0669\u0663", "2026-11-02T00:00:13", "2026-11-02 00:00:13.123456", "2026-11-02T00:00:13+01:00",
    "2026-13-45 99:99:99", "2026-11-02 00:00:61", "Nov 02 2026 00:00:13", "Nov  2 00:00:13 CET", "", "x",
)  # fmt: skip
"""Device time values (CEF ``rt``/``start``/``end``, LEEF ``devTime``) that ``read_window`` reads itself or
leaves to Python: epoch seconds and milliseconds at the edges, ISO times, BSD ones, damaged ones."""
_DEVICE_FIELD = re.compile(r"(?<=[ |\t])(rt|start|end|devTime)=([^\t=]*?)(?=\t| \w+=|$)")


def _device_times(own: list[str]) -> Iterator[str]:
    """The first lines holding a device time field, with each value of ``DEVICE_TIMES`` in it."""
    for line in [line for line in own if _DEVICE_FIELD.search(line)][:3]:
        for value in DEVICE_TIMES:
            yield _DEVICE_FIELD.sub(lambda found, value=value: f"{found.group(1)}={value}", line, count=1)


def _one_by_one(parser: NativeLineParser, texts: list[str], ctx: ParseContext) -> list[object]:
    results: list[object] = []
    for text in texts:
        try:
            results.append(parser.parse(text, ctx))
        except Exception as exc:  # noqa: BLE001  (the error is compared)
            results.append((type(exc), str(exc)))
    return results


@pytest.mark.parametrize("parser", native_parsers(), ids=lambda parser: parser.name)
def test_a_window_reads_as_its_lines_one_by_one(parser: NativeLineParser, corpus: list[str]) -> None:
    rnd = random.Random(parser.name)
    texts = _lines_for(parser, corpus, rnd)
    lines = [Line(text, number, number + 1, False) for number, text in enumerate(texts)]
    for first in ("window", "one by one"):
        # A zone of its own: its minutes are not in the cache when the first of the two runs.
        zone = timezone(timedelta(minutes=rnd.randrange(-600, 600)))
        ctx = ParseContext(timezone=zone)
        expected = _one_by_one(parser, texts, ctx) if first == "one by one" else None
        chosen = sorted(rnd.sample(range(len(lines)), len(lines) * 3 // 4))
        events: list[object] = [None] * len(lines)
        failed = dict(parser.parse_window(lines, chosen, events, ctx))
        expected = expected or _one_by_one(parser, texts, ctx)
        got = [(type(failed[i]), str(failed[i])) if i in failed else events[i] for i in range(len(lines))]
        unread = [i for i in range(len(lines)) if i not in chosen]
        assert all(got[i] is None for i in unread)
        mismatched = [i for i in chosen if got[i] != expected[i]]
        assert not mismatched, (first, texts[mismatched[0]], got[mismatched[0]], expected[mismatched[0]])
        assert any(isinstance(expected[i], tuple) for i in chosen), "no failing line was checked"
        assert sum(isinstance(expected[i], dict) for i in chosen) >= 20


def test_a_format_without_a_native_reader_is_refused() -> None:
    with pytest.raises(ValueError, match="no native reader"):
        secops_native.read_window("nonesuch", [], [], [], ParseContext(), MINUTES, lambda result, ctx: None)


def test_the_corpus_holds_the_vendor_samples_when_present(corpus: list[str]) -> None:
    firewall = shared_data_dir() / "firewall"
    require(
        firewall.is_dir(), f"shared firewall samples not found at {firewall}: windows checked on generated logs only"
    )
    sample = next(path for path in sorted(firewall.rglob("*.log")) if path.stat().st_size)
    with sample.open(encoding="utf-8", errors="backslashreplace") as fh:
        assert fh.readline().rstrip("\r\n") in corpus
