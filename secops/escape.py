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


_RAW_CONTROLS = re.compile(rb"\x7f|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]")
"""DEL, U+0080–U+009F, U+2028–U+202E and U+2066–U+2069 as UTF-8 bytes."""


def inert_json(data: bytes) -> bytes:
    """JSON with DEL, C1 controls and bidi overrides written as ``\\uXXXX`` escapes.

    orjson escapes only what JSON requires (below 0x20); a terminal would still
    act on U+009B (CSI) or reorder text around U+202E. These characters can only
    occur inside strings, so escaping them keeps the JSON decoding to exactly
    the same values.
    """
    return _RAW_CONTROLS.sub(lambda m: f"\\u{ord(m.group().decode()):04x}".encode(), data)
