"""Terminal tables: one huge value is clipped with its length said; other formats keep it whole."""

from __future__ import annotations

import io
import sys

import pytest

from secops.cli.output import TABLE_CELL_MAX, emit
from secops.types import OutputFormat


class Terminal(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def test_a_huge_value_is_clipped_on_a_terminal_and_whole_in_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    host = "h" * 20_000
    rows = [{"host": host, "user": "bob"}]
    screen = Terminal(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", screen)
    emit(rows, OutputFormat.TABLE, [("host", "host"), ("user", "user")])
    drawn = screen.buffer.getvalue().decode()
    assert f"(+{20_000 - TABLE_CELL_MAX} characters)" in drawn and "bob" in drawn
    assert drawn.count("h") < TABLE_CELL_MAX + 50 and len(drawn.splitlines()) < 60
    piped = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", piped)
    emit(rows, OutputFormat.CSV, [("host", "host"), ("user", "user")])
    assert host in piped.buffer.getvalue().decode()
