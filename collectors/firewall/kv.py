"""``key=value`` records (FortiGate, SonicWall, netfilter, CEF extensions' cousins).

Values are bare words, ``"double quoted"`` (backslash escapes) or
``'single quoted'``. A key seen twice keeps its first value: later duplicates
in these formats repeat or refine a field (SonicWall's two ``msg=``), and the
first is the one the device documents.
"""

from __future__ import annotations

import re

_KEY = r"[A-Za-z_][\w.\-]*"
_QUOTED = r""""([^"\\]*(?:\\.[^"\\]*)*)"|'([^']*)'"""
_PAIR = re.compile(rf"({_KEY})=(?:{_QUOTED}|(\S*))")
_SPACED_PAIR = re.compile(rf"({_KEY})=(?:{_QUOTED}|(\S*(?: (?!{_KEY}=)[^\s\"'=]\S*)*))")
"""A bare value that runs on over spaces until the next ``key=`` (Sophos's ``device_id=C4431- P29PUA``)."""


def pairs(text: str, *, spaced: bool = False) -> dict[str, str]:
    """Every ``key=value`` in ``text``; quotes removed, first occurrence wins.

    ``spaced`` is for formats whose every field is ``key=value``: there, a word
    without ``=`` after a bare value belongs to that value. Formats with bare
    flags (netfilter's ``DF SYN``) must not use it.
    """
    found = (_SPACED_PAIR if spaced else _PAIR).findall(text)
    found.reverse()  # later items overwrite earlier ones in a dict: reversed, the first occurrence wins
    if "\\" not in text:
        return {key: double or single or bare for key, double, single, bare in found}
    return {key: double.replace('\\"', '"') or single or bare for key, double, single, bare in found}
