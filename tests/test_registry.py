"""Parser discovery: every parser registers, and listing them loads no capture or ingest machinery."""

from __future__ import annotations

import importlib
import pkgutil
import random
import re
import subprocess
import sys
from collections.abc import Callable

import pytest

import collectors
from secops.registry import Parser, get_parser, parsers


def _every_parser_class() -> set[str]:
    """Import every module under ``collectors`` and collect the parser classes defined there."""
    found = set()
    for info in pkgutil.walk_packages(collectors.__path__, prefix="collectors."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            concrete = isinstance(value, type) and issubclass(value, Parser) and "name" in vars(value)
            if concrete and value.__module__ == info.name:
                found.add(value.name)
    return found


def test_discovery_finds_every_parser_class() -> None:
    listed = subprocess.run(
        [sys.executable, "-c", "from secops.registry import parsers; print(' '.join(sorted(parsers())))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert listed == sorted(_every_parser_class())
    assert set(listed) == set(parsers())


def test_listing_parsers_leaves_helpers_unloaded() -> None:
    probe = (
        "import sys; from secops.registry import parsers; parsers(); "
        "print(sorted(m for m in ('numpy', 'secops.ingest', 'collectors.tail', 'collectors.packet.engine') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


# The native line tests (``collectors/native/src/sniff.rs``) as they were written in Python: the
# specification the native ones must answer as, Python's `\s`, `\w` and `\b` included.
_REFERENCE: dict[str, Callable[[str], bool]] = {
    "cisco-asa": lambda line: re.search(r"%(ASA|FTD|PIX|FWSM)[^-\s:]{0,16}-+(\d)-(\d{6}):? ?", line) is not None,
    "panos": lambda line: (
        "1,20" in line and re.search(r"(?:^|\s)1,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,[A-Z][A-Z-]+,", line) is not None
    ),
    "fortigate": lambda line: (
        "date=" in line
        and ("logid=" in line or "devid=" in line)
        and re.search(r"(?:^|[\s>])date=\d{4}-\d\d-\d\d[ ,]time=\d\d:\d\d:\d\d\b", line) is not None
    ),
    "pfsense": lambda line: "filterlog" in line,
    "netfilter": lambda line: "SRC=" in line and " DST=" in line and ("IN=" in line or "OUT=" in line),
    "checkpoint": lambda line: (
        "Fields@1.3.6.1.4.1.2620" in line or ('origin:"' in line and ('loguid:"' in line or 'product:"' in line))
    ),
    "juniper-srx": lambda line: (
        "[junos@" in line or ("RT_FLOW" in line and re.search(r"session (created|closed|denied) ", line) is not None)
    ),
    "sonicwall": lambda line: "sn=" in line and re.search(r'\bid=\S+\s+sn=\S+\s+time="', line) is not None,
    "cef": lambda line: "CEF:" in line and line.count("|") >= 6,
    "leef": lambda line: "LEEF:" in line and line.count("|") >= 5,
}

# What each test looks for and pieces of it, with characters on both sides of Python's `\s` and `\w` where
# the regex crate's differ (U+001C-U+001F, marks, numbers that are not digits).
_PIECES = {
    "cisco-asa": ["%ASA-6-302013: ", "%FTD-", "%PIXx-", "%FWSM", "6-", "302013", "-", ":"],
    "panos": ["1,2026/11/28 10:00:00,x,TRAFFIC,", "1,2026/11/28 10:00:00,", "1,20", "TRAFFIC,", ","],
    "fortigate": ["date=2026-11-28 time=10:00:00", "date=2026-11-28,time=10:00:0", " logid=1", "devid=", ">"],
    "pfsense": ["filterlog", "filter", "log"],
    "netfilter": ["SRC=", " DST=", "IN=", "OUT="],
    "checkpoint": ["Fields@1.3.6.1.4.1.2620", 'origin:"', 'loguid:"', 'product:"'],
    "juniper-srx": ["[junos@", "RT_FLOW", "session created ", "session denied ", "session opened "],
    "sonicwall": ['id=fw1 sn=C0EA time="', "id=fw1 sn=C0EA", "id=", "sn=", 'time="'],
    "cef": ["CEF:", "|", "|||"],
    "leef": ["LEEF:", "|", "|||"],
}
_AROUND = [" ", "\t", "\x1c", "\x1f", "\u3000", "\u00a0", "a", "_", "7", "\u00e9", "\u0301", "\u00b2", "\u0663"]


@pytest.mark.parametrize("name", sorted(_REFERENCE))
def test_native_line_tests_answer_as_the_python_ones_did(name: str) -> None:
    sniff = get_parser(name).sniff_line
    assert get_parser(name).native_sniff is not None
    pieces = _PIECES[name] * 3 + _AROUND
    chance = random.Random(name)
    found = 0
    for _ in range(20_000):
        line = "".join(chance.choices(pieces, k=chance.randint(1, 12)))
        expected = _REFERENCE[name](line)
        assert sniff(line) is expected, line
        found += expected
    assert 500 < found < 19_500  # both answers were exercised
