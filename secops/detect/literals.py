"""A set of literals found in a text in one pass: which of them occur, case-blind.

The batch evaluator searches every event's JSON text for the keyword literals
of its rules (``batch.KeywordIndex``), so this scan is on the hot path of every
batch. Hyperscan matches a literal set with SIMD and scans about twice as fast
as RE2's set DFA (measured on SigmaHQ's 220 Linux keywords over ECS JSON: 1.3
against 2.8 µs a row); it has no wheel for every platform (none for Linux on
ARM), so where it is not installed RE2 does the same job.

Matching is case-blind for ASCII letters (Hyperscan folds no others): the
literals arrive lowercased, and callers lowercase non-ASCII text themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any

import re2

hyperscan: ModuleType | None
try:
    import hyperscan
except ImportError:  # no wheel for this platform: RE2 below
    hyperscan = None


class LiteralSet:
    """Literals compiled once; ``search`` gives the positions of those a text contains.

    Not for concurrent use (Hyperscan's scratch space is one per set), like
    the detector that owns it.
    """

    def __init__(self, literals: Sequence[str]) -> None:
        encoded = [literal.encode() for literal in literals]
        self._hits: list[int] = []
        if hyperscan is not None:
            self._db: Any = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            flags = hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH  # each literal reported once
            self._db.compile(
                expressions=encoded, ids=list(range(len(encoded))), elements=len(encoded), flags=flags, literal=True
            )
            self._scratch = hyperscan.Scratch(self._db)
            self._re2: Any = None
        else:
            self._re2 = _re2_set(encoded)

    def search(self, text: bytes) -> list[int]:
        """The positions (in the order given) of the literals the text contains, in no particular order."""
        if self._re2 is not None:
            return self._re2.Match(text) or []
        hits = self._hits = []
        self._db.scan(text, match_event_handler=self._found, scratch=self._scratch)
        return hits

    def _found(self, literal: int, start: int, end: int, flags: int, context: Any) -> None:
        self._hits.append(literal)


def _re2_set(literals: list[bytes]) -> Any:
    """RE2's set, with memory in proportion to its literals.

    RE2 may fill its whole budget with cached DFA states as texts vary, and
    SigmaHQ gives about 30 partitions with keywords: RE2's default (8 MiB) is
    kept unless a set's program needs more (measured: 2,000 literals of 20
    bytes fail to compile under 4 MiB). A set over budget fails here, loudly;
    a compiled set searches any text, since RE2 clears a set's state cache
    when it fills instead of giving up as it may for one pattern.
    """
    options = re2.Options()
    options.literal = True
    options.case_sensitive = False
    options.max_mem = max(options.max_mem, 256 * sum(map(len, literals)))  # measured need: ~110 B a byte
    found = re2.Set.SearchSet(options)
    for literal in literals:  # RE2 numbers its patterns in the order added
        found.Add(literal)
    found.Compile()
    return found
