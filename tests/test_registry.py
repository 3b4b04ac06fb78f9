"""Parser discovery: every parser registers, and listing them loads no capture or ingest machinery."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import collectors
from secops.registry import Parser, parsers


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
