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
    found = _PAIR.findall(text)
    found.reverse()  # later items overwrite earlier ones in a dict: reversed, the first occurrence wins
    if "\\" not in text:
        return {key: double or single or bare for key, double, single, bare in found}
    return {key: double.replace('\\"', '"') or single or bare for key, double, single, bare in found}
