"""Every value test the rules make on one field, evaluated per distinct value of a column.

The batch evaluator splits a field's value specs into *atoms* shared by all
rules (``Image|endswith: \\cmd.exe`` appears in hundreds of SigmaHQ rules and
is one atom):

- **string atoms** (case-insensitive eq, prefix, suffix, contains): all the
  field's literals go into one Aho–Corasick automaton; one pass over a
  lowercased value finds every literal it contains, and prefix, suffix and
  equality are checked on those few. Evaluated eagerly for every distinct
  value of a column, because nearly every rule needs them.
- **lazy atoms** (regex, wildcard patterns, cased strings, numbers, booleans,
  CIDR, comparisons, time parts): the closures of ``modifiers``, run only on
  the distinct values of the rows a rule still cares about. Regexes, globs
  and cased strings are skipped on ASCII values that lack a literal every
  match contains (ASCII lowercasing is exact, so the gate never hides a match).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ahocorasick

from secops.detect import modifiers as m

_GATED = frozenset(["re", "glob", "ceq", "cprefix", "csuffix", "ccontains"])


class _Literal:
    """A literal of the automaton and the atoms that ask for it, by position."""

    __slots__ = ("contains", "eq", "prefix", "suffix", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.contains: list[int] = []
        self.prefix: list[int] = []
        self.suffix: list[int] = []
        self.eq: list[int] = []


class FieldAtoms:
    """The atoms of one field, registered while rules are compiled, then ``seal``-ed."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._string_ids: dict[tuple[str, str], int] = {}
        self._lazy_ids: dict[str, int] = {}
        self.lazy: list[tuple[Callable[[Any], bool], str]] = []
        """Per lazy atom: its test on one scalar and the ASCII gate literal ("" for none)."""
        self._literals: dict[str, _Literal] = {}
        self._empty: list[tuple[str, int]] = []
        self.automaton: Any = None
        self._table: list[_Literal] = []

    def string_atom(self, kind: str, literal: str) -> int:
        key = (kind, literal)
        found = self._string_ids.get(key)
        if found is None:
            found = self._string_ids[key] = len(self._string_ids)
            if literal:
                entry = self._literals.setdefault(literal, _Literal(literal))
                getattr(entry, kind).append(found)
            else:
                self._empty.append((kind, found))
        return found

    def lazy_atom(self, spec: list[Any]) -> int:
        key = repr(spec)
        found = self._lazy_ids.get(key)
        if found is None:
            found = self._lazy_ids[key] = len(self.lazy)
            gate = m.spec_literal(spec).lower() if spec[0] in _GATED else ""
            self.lazy.append((m.value_test(spec), gate if gate.isascii() else ""))
        return found

    def seal(self) -> None:
        """Build the automaton once every rule has registered its atoms."""
        if self._literals:
            self.automaton = ahocorasick.Automaton()
            for number, (text, entry) in enumerate(self._literals.items()):
                self.automaton.add_word(text, number)
                self._table.append(entry)
            self.automaton.make_automaton()

    def strings(self, value: Any) -> frozenset[int]:
        """The string atoms a value satisfies (any element of a list)."""
        if isinstance(value, list):
            out: set[int] = set()
            for item in value:
                if not isinstance(item, list):
                    out |= self.strings(item)
            return frozenset(out)
        t = m.text(value)
        if t is None:
            return frozenset()
        low = t.lower()
        found: list[int] = []
        for kind, atom in self._empty:
            if kind != "eq" or not low:
                found.append(atom)
        if self.automaton is not None:
            table = self._table
            for number in {number for _, number in self.automaton.iter(low)}:
                entry = table[number]
                found += entry.contains
                if entry.prefix and low.startswith(entry.text):
                    found += entry.prefix
                if entry.suffix and low.endswith(entry.text):
                    found += entry.suffix
                if entry.eq and low == entry.text:
                    found += entry.eq
        return frozenset(found)

    def lazy_holds(self, atom: int, value: Any) -> bool:
        """Whether a value satisfies a lazy atom (any element of a list)."""
        if isinstance(value, list):
            return any(self.lazy_holds(atom, item) for item in value if not isinstance(item, list))
        if value is None:
            return False
        test, gate = self.lazy[atom]
        if gate and value.__class__ is str and value.isascii() and gate not in value.lower():
            return False
        return test(value)
