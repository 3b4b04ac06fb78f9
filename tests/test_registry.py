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
from secops.registry import Parser, bounded_search, parsers


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


# Pieces the sniffs' patterns start with, next to characters on both sides of `\s` and `\w`.
_PIECES = [
    "1,2026/11/28 10:00:00,x,TRAFFIC,",
    'id=fw1 sn=C0EA time="',
    "1,2026/",
    "id=",
    " ",
    "\t",
    "\u3000",
    "\u00a0",
    "a",
    "_",
    "7",
    "\u00e9",
    "\u0663",
    ",",
    ">",
    "-",
]


@pytest.mark.parametrize(
    ("pattern", "boundary", "written"),
    [
        (r"1,\d{4}/\d\d/\d\d \d\d:\d\d:\d\d,[^,]*,[A-Z][A-Z-]+,", str.isspace, r"(?:^|\s)"),
        (r"id=\S+\s+sn=\S+\s+time=\"", lambda c: not (c.isalnum() or c == "_"), r"\b"),
    ],
)
def test_bounded_search_agrees_with_the_boundary_written_into_the_pattern(
    pattern: str, boundary: Callable[[str], bool], written: str
) -> None:
    search, reference = bounded_search(pattern, boundary), re.compile(written + pattern)
    chance = random.Random(5)
    found = 0
    for _ in range(20_000):
        line = "".join(chance.choices(_PIECES, k=chance.randint(1, 6)))
        expected = reference.search(line) is not None
        assert search(line) is expected, line
        found += expected
    assert 1_000 < found < 19_000  # both answers were exercised
