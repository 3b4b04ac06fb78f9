"""Making hostile log content inert wherever it is shown.

Every byte of a log is attacker-controlled. Terminals interpret ANSI escape
sequences and control characters (and Rich interprets ``[markup]``);
spreadsheets execute cells that start with ``= + - @``; browsers run HTML.
Values are escaped at the point of display, never in storage: stored events
and JSON output keep the original bytes exactly.
"""

from __future__ import annotations

import html
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal(text: str) -> str:
    """Control characters (ESC, BEL, CR, C1, bidi overrides) shown as ``\\xNN``; newlines kept."""
    return _CONTROL.sub(_visible, text)


def one_line(text: str) -> str:
    """Like ``terminal`` but newlines and tabs too, for table cells and messages."""
    return terminal(text).replace("\n", "\\n").replace("\t", "\\t")


def csv_cell(text: str) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ TAB CR gets a leading quote."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def html_text(text: str) -> str:
    """Escape for HTML text and attribute values."""
    return html.escape(text, quote=True)
