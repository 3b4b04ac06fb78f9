"""An event's JSON text, as both prefilters search it, and which literals may gate on it.

The per-event prefilter (``prefilter``) and the batch evaluator's keyword
search (``batch.KeywordIndex``) skip an event whose JSON text lacks every
literal a rule needs. That is sound because the text holds every string,
integer and boolean value, escaped character by character the way
``literal_key`` escapes a literal; ``gates`` says which literals it is sound
(and worth it) for. ``event.original`` is left out of the text: it repeats
the fields and would only add candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import orjson

from secops.types import Event

_NUMBER_TEXT = re.compile(r"[0-9.e+-]*")
_SYNTAX = frozenset('{}[]:,"')
_EVERY_TEXT = '{"@timestamp":'
"""The start of every event's text: its ``@timestamp`` key."""
_CUT = re.compile("\u03a3")
"""Where a literal lowercased alone may differ from the lowercased text: Σ, which becomes ς at a word's end."""
_CUT_CASELESS = re.compile("[\u03a3\x80-\U0010ffff]")
"""The same under RE2's case folding (``(?i)``), which may join a letter to one ``lower`` keeps apart.

Every non-ASCII character is cut, rather than a table of Unicode's folds kept.
Over all code points, RE2 folds only two ASCII letters beyond ASCII: k to the
Kelvin sign, which lowercases to k, and s to ſ (U+017F), which ``gate_text``
also spells s (``tests/detect/test_spec_edges.py`` checks both).
"""
_LONG_S = "\u017f"


def literal_key(literal: str) -> str:
    """A literal as it appears in lowercased JSON text."""
    return orjson.dumps(literal.lower()).decode()[1:-1].lower()


def json_text(event: Event) -> bytes | None:
    """The event as JSON (UTF-8) without ``event.original``; None if it cannot be serialised."""
    inner = event.get("event")
    if isinstance(inner, dict) and "original" in inner:
        event = {**event, "event": {k: v for k, v in inner.items() if k != "original"}}
    if "event.original" in event:
        event = {k: v for k, v in event.items() if k != "event.original"}
    try:
        return orjson.dumps(event, default=str)
    except TypeError:  # keys other than str cost orjson a slower mode: only asked for when present
        try:
            return orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            return None


def gate_text(lowered: str) -> str:
    """An event's lowercased text as the gates search it: where it holds ſ, also spelled with s.

    RE2's ``(?i)`` matches ``s`` with ſ, which lowercases to itself; the copy
    lets a caseless regex or wildcard's literal gate with its s kept. A copy
    only adds candidates, and ASCII text (nearly every event) is left alone.
    """
    if lowered.isascii() or _LONG_S not in lowered:
        return lowered
    return lowered + "\n" + lowered.replace(_LONG_S, "s")  # JSON text and literal keys hold no raw newline


def gate_literal(runs: Iterable[str], caseless: bool) -> str:
    """The longest piece of the runs that the gates' text (``gate_text``) holds for every match ("" for none).

    ``runs`` are texts every match contains, as an RE2 pattern spells them;
    ``caseless``: RE2 compares them with its case folding (``(?i)``). The
    gates lowercase literal and text apart (``literal_key``, the lowercased
    event text), so a run is cut where a match's text could lowercase to
    something else (``_CUT``, ``_CUT_CASELESS``).
    """
    cut = _CUT_CASELESS if caseless else _CUT
    return max((piece for run in runs for piece in cut.split(run)), key=len, default="")


def gates(literal: str) -> bool:
    """Whether an event's text lacking this literal proves that no value of the event holds it, usefully.

    Not for text a float may print (``1e-05``, ``-inf``, ``nan``): a float's
    JSON differs from its text (``0.00001``, ``null``). Not for literals every
    event's text holds (``:``, ``@``: JSON syntax or the ``@timestamp`` key):
    the search would pass every event, so testing them directly is cheaper.
    """
    low = literal.lower()
    if not low or _NUMBER_TEXT.fullmatch(low) or low in "-inf" or low in "nan":
        return False
    key = literal_key(low)
    return key not in _EVERY_TEXT and not set(key) <= _SYNTAX
