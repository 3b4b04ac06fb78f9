"""Which rules can match an event at all, found in one pass over the event's text.

Two necessary conditions, both derived at compile time (see ``compile``):

- **anchors**: a field that must equal one of a few values (the logsource
  conditions pipelines add: ``winlog.channel``, ``event.code``, …). Each rule
  keeps the anchor on the field most rules share, checked with a set lookup.
- **literals**: at least one of a few strings must occur in the event. All
  rules' literals go into one Aho–Corasick automaton, run once per event over
  the event's JSON text lowercased (``json_text``). Literals are
  JSON-escaped and lowercased the same way, so a value containing a literal
  always shows up (``event_text.gates`` says which literals are used);
  anything extra (field names, values of other fields) only adds candidates,
  never loses one.

A rule is a candidate when its anchor holds and its literals are seen; rules
with neither are always candidates. Candidates are then evaluated fully.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import ahocorasick

from secops.detect.compile import Anchor, getter
from secops.detect.event_text import gate_text, json_text, literal_key
from secops.detect.modifiers import text
from secops.types import Event


def haystack(event: Event) -> str | None:
    """The event as lowercased JSON without ``event.original`` (``gate_text``); None if it cannot be serialised."""
    text = json_text(event)
    return None if text is None else gate_text(text.decode().lower())


class _Group:
    """The rules sharing one anchor value (say ``event.code`` 4688): their literals, one automaton."""

    def __init__(self) -> None:
        self.ungated: list[int] = []
        self.words: dict[str, list[int]] = {}
        self.automaton: Any = None
        self.by_literal: list[tuple[int, ...]] = []

    def build(self) -> None:
        if not self.words:
            return
        self.automaton = ahocorasick.Automaton()
        for lid, (key, rules) in enumerate(self.words.items()):
            self.automaton.add_word(key, lid)
            self.by_literal.append(tuple(rules))
        self.automaton.make_automaton()


class Prefilter:
    """Rules grouped by their most selective anchor value; within a group, literals in one automaton.

    An event visits the groups of its own anchor values (and the group of rules
    without anchors): only the literals of rules that could apply to this kind
    of event are searched, and the other anchors of a candidate are checked last.
    """

    def __init__(self, literals: Sequence[frozenset[str] | None], anchors: Sequence[list[Anchor]]) -> None:
        distinct: dict[str, set[str]] = {}
        for rule_anchors in anchors:
            for name, values in rule_anchors:
                distinct.setdefault(name, set()).update(values)
        self.anchor_fields = sorted(distinct)
        slots = {name: i for i, name in enumerate(self.anchor_fields)}
        self._getters: list[Callable[[Event], Any]] = [getter(f) for f in self.anchor_fields]
        self.anchors: list[tuple[tuple[int, frozenset[str]], ...]] = [
            tuple((slots[name], values) for name, values in rule_anchors) for rule_anchors in anchors
        ]
        self.unanchored = _Group()
        self.groups: dict[tuple[int, str], _Group] = {}
        for i, lits in enumerate(literals):
            keyed = {literal_key(lit) for lit in lits} if lits else set()
            if anchors[i]:
                # The anchor on the field with the most distinct values (event codes, say) splits finest.
                name, values = max(anchors[i], key=lambda a: (len(distinct[a[0]]), -len(a[1])))
                homes = [self.groups.setdefault((slots[name], v), _Group()) for v in values]
            else:
                homes = [self.unanchored]
            for group in homes:
                if not keyed or "" in keyed:
                    group.ungated.append(i)
                else:
                    for key in keyed:
                        group.words.setdefault(key, []).append(i)
        for group in [self.unanchored, *self.groups.values()]:
            group.build()
        self.index_slots = sorted({slot for slot, _ in self.groups})

    def _values(self, event: Event, slot: int, cache: dict[int, set[str]]) -> set[str]:
        """Lowercased text values of an anchor field, read once per event."""
        found = cache.get(slot)
        if found is None:
            v = self._getters[slot](event)
            found = cache[slot] = {
                t.lower() for x in (v if isinstance(v, list) else (v,)) if (t := text(x)) is not None
            }
        return found

    def candidates(self, event: Event) -> list[int]:
        """Indexes of the rules that may match, in rule order."""
        cache: dict[int, set[str]] = {}
        groups = [self.unanchored]
        for slot in self.index_slots:
            for v in self._values(event, slot, cache):
                group = self.groups.get((slot, v))
                if group is not None:
                    groups.append(group)
        seen: set[int] = set()
        hay: str | None = None
        unreadable = False
        for group in groups:
            seen.update(group.ungated)
            if group.automaton is None:
                continue
            if hay is None and not unreadable:
                hay = haystack(event)
                unreadable = hay is None
            if hay is None:  # not serialisable: every rule of the group stays a candidate
                for rules in group.by_literal:
                    seen.update(rules)
                continue
            by_literal = group.by_literal
            for lid in {lid for _, lid in group.automaton.iter(hay)}:
                seen.update(by_literal[lid])
        anchors, values = self.anchors, self._values
        return sorted(
            i for i in seen if all(not values(event, slot, cache).isdisjoint(wanted) for slot, wanted in anchors[i])
        )
