"""``key=value`` records (FortiGate, SonicWall, netfilter, CEF extensions' cousins).

Values are bare words, ``"double quoted"`` (backslash escapes) or
``'single quoted'``. A key seen twice keeps its first value: later duplicates
in these formats repeat or refine a field (SonicWall's two ``msg=``), and the
first is the one the device documents.
"""

from __future__ import annotations

import re

_PAIR = re.compile(r"""([A-Za-z_][\w.\-]*)=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|'([^']*)'|(\S*))""")


def pairs(text: str) -> dict[str, str]:
    """Every ``key=value`` in ``text``; quotes removed, first occurrence wins."""
    out: dict[str, str] = {}
    for key, double, single, bare in _PAIR.findall(text):
        if key not in out:
            if double:
                out[key] = double.replace('\\"', '"') if "\\" in double else double
            else:
                out[key] = single or bare
    return out
