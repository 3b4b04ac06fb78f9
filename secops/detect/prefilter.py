"""Which rules can match an event at all, found in one pass over the event's text.

Two necessary conditions, both derived at compile time (see ``compile``):

- **anchors**: a field that must equal one of a few values (the logsource
  conditions pipelines add: ``winlog.channel``, ``event.code``, …). Each rule
  keeps the anchor on the field most rules share, checked with a set lookup.
- **literals**: at least one of a few strings must occur in the event. All
  rules' literals go into one Aho–Corasick automaton, run once per event over
  the event's JSON text lowercased. Literals are JSON-escaped and lowercased
  the same way, so a value containing a literal always shows up; anything
  extra (field names, values of other fields) only adds candidates, never
  loses one. ``event.original`` is left out of the text: it repeats the
  fields and would only add noise.

A rule is a candidate when its anchor holds and its literals are seen; rules
with neither are always candidates. Candidates are then evaluated fully.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import ahocorasick
import orjson

from secops.detect.compile import Anchor, getter
from secops.detect.modifiers import text
from secops.types import Event


def literal_key(literal: str) -> str:
    """A literal as it appears in lowercased JSON text."""
    return orjson.dumps(literal.lower()).decode()[1:-1].lower()


def haystack(event: Event) -> str | None:
    """The event as lowercased JSON without ``event.original``; None if it cannot be serialised."""
    inner = event.get("event")
    if isinstance(inner, dict) and "original" in inner:
        event = {**event, "event": {k: v for k, v in inner.items() if k != "original"}}
    if "event.original" in event:
        event = {k: v for k, v in event.items() if k != "event.original"}
    try:
        return orjson.dumps(event, default=str, option=orjson.OPT_NON_STR_KEYS).decode().lower()
    except (orjson.JSONEncodeError, TypeError):
        return None


class Prefilter:
    """The rule index: anchors by field and value, literals in one automaton."""

    def __init__(self, literals: Sequence[frozenset[str] | None], anchors: Sequence[list[Anchor]]) -> None:
        count = len(literals)
        field_use = Counter(name for rule_anchors in anchors for name, _ in rule_anchors)
        self.anchor_fields: list[str] = []
        slots: dict[str, int] = {}
        self.anchor: list[tuple[int, frozenset[str]] | None] = [None] * count
        for i, rule_anchors in enumerate(anchors):
            if not rule_anchors:
                continue
            name, values = max(rule_anchors, key=lambda a: (field_use[a[0]], -len(a[1])))
            if name not in slots:
                slots[name] = len(self.anchor_fields)
                self.anchor_fields.append(name)
            self.anchor[i] = (slots[name], values)
        self._getters: list[Callable[[Event], Any]] = [getter(f) for f in self.anchor_fields]

        self.automaton = ahocorasick.Automaton()
        keys: dict[str, int] = {}
        by_literal: list[list[int]] = []
        self.ungated: dict[tuple[int, str], list[int]] = {}
        self.always: list[int] = []
        self.gated: list[int] = []
        for i, lits in enumerate(literals):
            keyed = {literal_key(lit) for lit in lits} if lits else set()
            if not keyed or "" in keyed:
                slot = self.anchor[i]
                if slot is None:
                    self.always.append(i)
                else:
                    for value in slot[1]:
                        self.ungated.setdefault((slot[0], value), []).append(i)
                continue
            self.gated.append(i)
            for key in keyed:
                if key not in keys:
                    keys[key] = len(by_literal)
                    by_literal.append([])
                    self.automaton.add_word(key, keys[key])
                by_literal[keys[key]].append(i)
        self.by_literal: list[tuple[int, ...]] = [tuple(r) for r in by_literal]
        if keys:
            self.automaton.make_automaton()
        self.has_literals = bool(keys)

    def _anchor_values(self, event: Event) -> list[set[str]]:
        out = []
        for get in self._getters:
            v = get(event)
            vals: set[str] = set()
            for x in v if isinstance(v, list) else (v,):
                t = text(x)
                if t is not None:
                    vals.add(t.lower())
            out.append(vals)
        return out

    def candidates(self, event: Event) -> list[int]:
        """Indexes of the rules that may match, in rule order."""
        values = self._anchor_values(event)
        found: set[int] = set(self.always)
        for slot, vals in enumerate(values):
            for v in vals:
                hit = self.ungated.get((slot, v))
                if hit:
                    found.update(hit)
        if self.has_literals:
            hay = haystack(event)
            if hay is None:
                seen: set[int] = set(self.gated)
            else:
                by_literal = self.by_literal
                seen = set()
                for lid in {lid for _, lid in self.automaton.iter(hay)}:
                    seen.update(by_literal[lid])
            anchor = self.anchor
            for i in seen:
                slot = anchor[i]
                if slot is None or not values[slot[0]].isdisjoint(slot[1]):
                    found.add(i)
        return sorted(found)
