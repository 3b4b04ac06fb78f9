"""The batch evaluator: every rule over a batch of events at once, column by column.

The hot path for every caller that has a batch (``detect run``, ``detect
scan``, ``collect --detect``, the Elasticsearch pushdown's native part). It
gives exactly the matches of the per-event engine, in the same order per event.

1. **Partitions.** The logsource conditions pipelines add (``winlog.channel``,
   ``event.code``, ``event.category`` …) are equality *anchors* (see
   ``compile``). Rules are grouped by their anchors; per batch the rows of
   each group are found from the anchor columns, and a group whose rows are
   absent costs one lookup. Inside a group the anchor conditions hold on every
   row, so they are dropped from the rules' programs.
2. **Columns.** A field is read once per partition (``frame``) and
   dictionary-encoded; predicates are evaluated on the distinct values only.
3. **Shared atoms.** Every value test of a field is an atom (``atoms``) shared
   by all rules: the string atoms of a distinct value come from one
   Aho–Corasick pass, and a predicate's rows are the rows of the values that
   hold one of its atoms. Results are memoised per batch.
4. **Programs.** A rule's condition becomes a function of a frame and the set
   of rows still in question (a bitset): AND narrows that set child by child,
   cheapest child first, OR takes out rows already matched. Expensive tests —
   regexes and other lazy atoms, and the per-event fallback for keywords and
   field references — run only on the values or rows still in question.
5. **Keywords.** A partition's keyword literals are one literal set
   (``KeywordIndex``); each row's JSON text is searched once, and a keyword
   program tests per event only the rows that hold one of its literals.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from secops.detect import modifiers as m
from secops.detect.atoms import FieldAtoms
from secops.detect.compile import keyword_test, special_test
from secops.detect.event_text import gate_text, gates, json_text, literal_key
from secops.detect.frame import Column, Frame, bits_from_rows, rows_of
from secops.detect.literals import LiteralSet
from secops.detect.plan import Plan
from secops.types import Event

Program = Callable[[Frame, int], int]
"""A compiled condition: (frame, rows in question) → the rows among them that match."""
AnchorKey = tuple[tuple[str, frozenset[str]], ...]
EAGER, LAZY, ROWS, EVERY_ROW = 0, 1, 2, 3
"""Cost classes: AND evaluates its children in this order (ROWS: a per-row test on rows a search
found; EVERY_ROW: a per-row test on every row in question)."""


def top_anchors(plan: Plan) -> list[tuple[Plan, bool]]:
    """Equality leaves every match must satisfy (under ANDs from the root), with their logsource flag."""
    if plan[0] == "and":
        return [found for child in plan[1] for found in top_anchors(child)]
    if plan[0] == "field" and plan[2] and all(spec[0] == "eq" for spec in plan[2]):
        return [(plan, bool(plan[3]))]
    return []


def _anchor_holds(value: Any, wanted: frozenset[str]) -> bool:
    """The equality test of ``compile``: the lowercased text of the value (or of a list element)."""
    for item in value if isinstance(value, list) else (value,):
        t = m.text(item)
        if t is not None and t.lower() in wanted:
            return True
    return False


class BatchEngine:
    """Rules compiled into per-partition programs; ``match`` evaluates a batch."""

    def __init__(self, plans: Sequence[tuple[int, Plan]]) -> None:
        self.fields: dict[str, FieldAtoms] = {}
        self._strings: dict[str, dict[Any, frozenset[int]]] = {}
        """Per field, the string atoms of each value seen in the batch (shared by its partitions)."""
        self._predicates: dict[Any, int] = {}
        self.keywords: KeywordIndex
        """The literal index of the partition being compiled: ``_compile`` registers keywords there."""
        groups: dict[AnchorKey, list[tuple[int, Program]]] = defaultdict(list)
        keywords: dict[AnchorKey, KeywordIndex] = {}
        for index, plan in plans:
            key, rest = self._split(plan)
            # One literal index per partition: its rows are searched for its own rules' literals only.
            self.keywords = keywords.setdefault(key, KeywordIndex())
            program = self._compile(rest)[0] if rest is not None else _everything
            groups[key].append((index, program))
        self.groups = list(groups.items())
        for atoms in self.fields.values():
            atoms.seal()
        for found in keywords.values():
            found.seal()

    # -- compilation ------------------------------------------------------------------
    def _split(self, plan: Plan) -> tuple[AnchorKey, Plan | None]:
        """The rule's partition key and its condition without the anchors the partition guarantees."""
        found = top_anchors(plan)
        chosen = [leaf for leaf, logsource in found if logsource] or [leaf for leaf, _ in found]
        named = {(leaf[1], tuple(sorted({spec[1] for spec in leaf[2]}))) for leaf in chosen}
        key = tuple((name, frozenset(values)) for name, values in sorted(named))
        if not chosen:
            return (), plan
        dropped = {id(leaf) for leaf in chosen}
        rest = [child for child in _and_chain(plan) if id(child) not in dropped]
        if not rest:
            return key, None
        return key, rest[0] if len(rest) == 1 else ["and", rest]

    def _field_atoms(self, name: str) -> FieldAtoms:
        found = self.fields.get(name)
        if found is None:
            found = self.fields[name] = FieldAtoms(name)
        return found

    def _predicate_id(self, key: Any) -> int:
        return self._predicates.setdefault(key, len(self._predicates))

    def _compile(self, plan: Plan) -> tuple[Program, int]:
        kind = plan[0]
        if kind == "and":
            children = sorted((self._compile(c) for c in plan[1]), key=lambda pc: pc[1])
            return _and(tuple(p for p, _ in children)), max(c for _, c in children)
        if kind == "or":
            # Keywords OR-ed together are one keyword search: any value matching any of them.
            words = [spec for c in plan[1] if c[0] == "kw" for spec in c[1]]
            merged = [c for c in plan[1] if c[0] != "kw"] + ([["kw", words]] if words else [])
            if len(merged) == 1:
                return self._compile(merged[0])
            children = sorted((self._compile(c) for c in merged), key=lambda pc: pc[1])
            return _or(tuple(p for p, _ in children)), max(c for _, c in children)
        if kind == "not":
            inner, cost = self._compile(plan[1])
            return (lambda frame, care: care ^ (inner(frame, care) & care)), cost
        if kind == "field":
            return self._field(plan[1], plan[2])
        if kind == "kw":
            return _keywords(plan[1], self.keywords)
        raise ValueError(f"unknown plan node {kind!r}")

    def _field(self, name: str, specs: list[list[Any]]) -> tuple[Program, int]:
        atoms = self._field_atoms(name)
        strings: list[int] = []
        lazy: list[int] = []
        parts: list[tuple[Program, int]] = []
        for spec in specs:
            kind = spec[0]
            if kind in m.STRING_KINDS:
                strings.append(atoms.string_atom(kind, spec[1]))
            elif kind in ("null", "exists"):
                parts.append((self._present(name, kind == "null" or not spec[1]), EAGER))
            elif kind == "fieldref":
                parts.append((_rows(special_test(name, spec)), EVERY_ROW))
            else:
                lazy.append(atoms.lazy_atom(spec))
        if strings:
            parts.append((self._strings_program(atoms, tuple(sorted(set(strings)))), EAGER))
        if lazy:
            parts.append((self._lazy_program(atoms, tuple(sorted(set(lazy)))), LAZY))
        parts.sort(key=lambda pc: pc[1])
        if len(parts) == 1:
            return parts[0]
        return _or(tuple(p for p, _ in parts)), max(c for _, c in parts)

    def _strings_program(self, atoms: FieldAtoms, wanted: tuple[int, ...]) -> Program:
        pid = self._predicate_id(("s", atoms.name, wanted))
        strings = self._strings

        def run(frame: Frame, care: int) -> int:
            memo = frame.memo
            bits = memo.get(pid)
            if bits is None:
                column = frame.column(atoms.name)
                inverted = column.memo.get("strings")
                if inverted is None:
                    inverted = column.memo["strings"] = _invert(column, atoms, strings.setdefault(atoms.name, {}))
                good: set[int] = set()
                for atom in wanted:
                    hit = inverted.get(atom)
                    if hit:
                        good.update(hit)
                bits = memo[pid] = column.rows_where(sorted(good))
            return bits

        return run

    def _lazy_program(self, atoms: FieldAtoms, wanted: tuple[int, ...]) -> Program:
        pid = self._predicate_id(("l", atoms.name, wanted))
        holds = atoms.lazy_holds

        def run(frame: Frame, care: int) -> int:
            column = frame.column(atoms.name)
            values = column.values
            if len(values) == 1 and values[0] is None:
                return 0
            if care == frame.full:
                codes: list[int] = list(range(len(values)))
            else:
                codes = np.unique(column.codes()[rows_of(care, frame.count)]).tolist()
            memo: dict[int, bool] = column.memo.setdefault(pid, {})
            good = []
            for code in codes:
                result = memo.get(code)
                if result is None:
                    value = values[code]
                    result = memo[code] = any(holds(atom, value) for atom in wanted)
                if result:
                    good.append(code)
            return column.rows_where(good)

        return run

    def _present(self, name: str, absent: bool) -> Program:
        """``exists`` (present) and ``null`` / ``exists: false`` (absent): a value other than none or []."""
        pid = self._predicate_id(("p", name))

        def run(frame: Frame, care: int) -> int:
            memo = frame.memo
            bits = memo.get(pid)
            if bits is None:
                column = frame.column(name)
                good = [i for i, v in enumerate(column.values) if v is not None and v != []]
                bits = memo[pid] = column.rows_where(good)
            return frame.full ^ bits if absent else bits

        return run

    # -- evaluation -------------------------------------------------------------------
    def match(self, events: list[Event]) -> list[tuple[int, list[int]]]:
        """Per event with matches: its row and the indexes of the rules it matches, ascending."""
        if not events:
            return []
        root = Frame(events)
        self._strings.clear()
        masks: dict[tuple[str, frozenset[str]], np.ndarray] = {}
        frames: dict[bytes, Frame] = {}
        pairs: list[tuple[int, int]] = []
        for key, members in self.groups:
            frame = self._frame(root, key, masks, frames)
            if frame is None:
                continue
            for index, program in members:
                bits = program(frame, frame.full)
                if bits:
                    local = rows_of(bits, frame.count)
                    rows = frame.rows[local] if frame.rows is not None else local
                    pairs.extend((row, index) for row in rows.tolist())
        self._strings.clear()
        pairs.sort()
        out: list[tuple[int, list[int]]] = []
        for row, index in pairs:
            if out and out[-1][0] == row:
                out[-1][1].append(index)
            else:
                out.append((row, [index]))
        return out

    def _frame(
        self,
        root: Frame,
        key: AnchorKey,
        masks: dict[tuple[str, frozenset[str]], np.ndarray],
        frames: dict[bytes, Frame],
    ) -> Frame | None:
        """The frame of a partition (None when no event of the batch is in it)."""
        if not key:
            return root
        selected: np.ndarray | None = None
        for anchor in key:
            mask = masks.get(anchor)
            if mask is None:
                column = root.column(anchor[0])
                good = [i for i, v in enumerate(column.values) if _anchor_holds(v, anchor[1])]
                if not good:
                    mask = np.zeros(root.count, bool)
                else:
                    lut = np.zeros(len(column.values), bool)
                    lut[good] = True
                    mask = lut[column.codes()]
                masks[anchor] = mask
            selected = mask if selected is None else selected & mask
            if not selected.any():
                return None
        assert selected is not None
        rows = np.flatnonzero(selected)
        if len(rows) == root.count:
            return root
        found = frames.get(rows.tobytes())
        if found is None:
            events = root.events
            found = frames[rows.tobytes()] = Frame([events[i] for i in rows.tolist()], rows, root)
        return found


def _and_chain(plan: Plan) -> list[Plan]:
    if plan[0] == "and":
        return [leaf for child in plan[1] for leaf in _and_chain(child)]
    return [plan]


def _everything(frame: Frame, care: int) -> int:
    return care


def _and(programs: tuple[Program, ...]) -> Program:
    def run(frame: Frame, care: int) -> int:
        for program in programs:
            care &= program(frame, care)
            if not care:
                return 0
        return care

    return run


def _or(programs: tuple[Program, ...]) -> Program:
    def run(frame: Frame, care: int) -> int:
        found = 0
        for program in programs:
            hit = program(frame, care) & care
            if hit:
                found |= hit
                care ^= hit
                if not care:
                    break
        return found

    return run


def _rows(test: Callable[[Event], bool]) -> Program:
    """The per-event fallback, run on the rows still in question only."""

    def run(frame: Frame, care: int) -> int:
        events = frame.events
        return bits_from_rows(row for row in rows_of(care, frame.count).tolist() if test(events[row]))

    return run


class KeywordIndex:
    """The keyword literals of one partition, searched together (``literals.LiteralSet``).

    A row's JSON text is searched once for the literals of all the
    partition's keyword programs, instead of once per program and literal:
    Linux rules are mostly keyword lists with no logsource anchor, and testing
    each list on each row with ``in`` took most of a Linux batch's time. The
    hits of a frame's rows are kept inverted, literal → rows, so a program
    finds its candidate rows with a few list joins instead of asking row by row.

    ASCII text (nearly every event) is searched as orjson wrote it, case-blind;
    other text is lowercased first, because Python's lowercasing, which the
    literals went through, is more than an ASCII case fold (``İ`` lowercases
    to two characters), and searched as ``event_text.gate_text`` says.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.searcher: LiteralSet | None = None

    def add(self, keys: set[str]) -> frozenset[int]:
        """Register a program's literal keys; returns their ids."""
        return frozenset(self.ids.setdefault(key, len(self.ids)) for key in keys)

    def seal(self) -> None:
        if self.ids:
            self.searcher = LiteralSet(list(self.ids))  # ids are in insertion order

    def search(self, event: Event) -> list[int] | None:
        """The ids of the literals in an event's text; None when it cannot be serialised."""
        text = json_text(event)
        if text is None:
            return None
        assert self.searcher is not None, "searched before seal()"
        return self.searcher.search(text if text.isascii() else gate_text(text.decode().lower()).encode())

    def candidates(self, frame: Frame, care: int, wanted: frozenset[int]) -> int:
        """The rows in question whose text holds one of the ``wanted`` literals (or cannot be read)."""
        hits: _Hits | None = frame.memo.get(self)
        if hits is None:
            hits = frame.memo[self] = _Hits()
        todo = care & ~hits.searched
        if todo:
            events, rows = frame.events, hits.rows
            for row in rows_of(todo, frame.count).tolist():
                found = self.search(events[row])
                if found is None:
                    hits.unreadable.append(row)
                for lid in found or ():
                    rows[lid].append(row)
            hits.searched |= todo
            hits.joined.clear()
        bits = hits.joined.get(wanted)
        if bits is None:
            joined = list(hits.unreadable)
            for lid in wanted:
                joined.extend(hits.rows.get(lid, ()))
            bits = hits.joined[wanted] = bits_from_rows(joined)
        return bits & care


class _Hits:
    """A frame's keyword search so far: the rows searched, and per literal the rows holding it."""

    __slots__ = ("joined", "rows", "searched", "unreadable")

    def __init__(self) -> None:
        self.searched = 0
        self.rows: defaultdict[int, list[int]] = defaultdict(list)
        self.unreadable: list[int] = []
        self.joined: dict[frozenset[int], int] = {}
        """Per program's literal set, its candidate rows (until more rows are searched)."""


def _keywords(specs: list[list[Any]], index: KeywordIndex) -> tuple[Program, int]:
    """Keywords: any value of the event matches. Rows whose JSON text lacks every literal are skipped.

    A row whose JSON text (``json_text``) holds none of the literals cannot
    match them. Specs without a literal that ``event_text.gates`` (regexes,
    numbers, text a float could print, ``:`` or ``@``) are tested on every
    row in question.
    """
    gated: list[list[Any]] = []
    always: list[list[Any]] = []
    for spec in specs:
        (gated if spec[0] != "re" and gates(m.spec_literal(spec)) else always).append(spec)
    wanted = index.add({literal_key(m.spec_literal(spec)) for spec in gated})
    test_gated = keyword_test(gated) if gated else None
    test_always = keyword_test(always) if always else None

    def run(frame: Frame, care: int) -> int:
        events = frame.events
        found = 0
        if test_always is not None:
            found = bits_from_rows(row for row in rows_of(care, frame.count).tolist() if test_always(events[row]))
            care ^= found
        if test_gated is not None and care:
            maybe = index.candidates(frame, care, wanted)
            if maybe:
                found |= bits_from_rows(row for row in rows_of(maybe, frame.count).tolist() if test_gated(events[row]))
        return found

    return run, EVERY_ROW if always else ROWS


def _invert(column: Column, atoms: FieldAtoms, memo: dict[Any, frozenset[int]]) -> dict[int, list[int]]:
    """For a column: each string atom and the distinct values (codes) that satisfy it."""
    inverted: dict[int, list[int]] = defaultdict(list)
    strings = atoms.strings
    for code, (key, value) in enumerate(zip(column.distinct, column.values, strict=True)):
        found = memo.get(key)
        if found is None:
            found = memo[key] = strings(value)
        for atom in found:
            inverted[atom].append(code)
    return inverted
