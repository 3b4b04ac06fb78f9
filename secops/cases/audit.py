"""Checking the hash-chained audit log: every edited, deleted or reordered entry, named.

Each stored entry carries ``hash = H(prev_hash, seq, ts, actor, action,
target, before, after)`` (``secops.store.cases_sqlite.audit_hash``) over the
exact stored text, and ``prev_hash`` is the previous entry's ``hash``. The
check recomputes every link from the stored rows and explains a break:

- an entry whose content no longer gives its hash was **edited**;
- an entry whose hash is right but whose ``prev_hash`` is not its
  predecessor's hash follows an entry that was edited *and re-hashed*;
- a gap in ``seq`` (or a link to a hash that is gone) is a **deletion**;
- an entry whose content is intact under another position (it links to a
  later entry, or hashes right under another ``seq``) was **reordered**.

Truncating the tail leaves a valid shorter chain; ``head`` (the last hash
noted earlier, e.g. in a ticket or a report) catches that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from secops.store.base import AuditRecord
from secops.store.cases_sqlite import GENESIS, audit_hash

RESEQUENCE_SEARCH = 16
"""How far to look for the position an out-of-place entry was hashed at."""


@dataclass(slots=True)
class Problem:
    seq: int
    kind: str
    """``edited``, ``rehashed``, ``deleted``, ``reordered`` or ``truncated``."""
    message: str


@dataclass(slots=True)
class Verdict:
    entries: int = 0
    head: str = GENESIS
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _hash_at(record: AuditRecord, seq: int) -> str:
    return audit_hash(
        record.prev_hash,
        seq,
        record.ts,
        record.actor,
        record.action,
        record.target,
        record.before,
        record.after,
    )


def verify(records: Iterable[AuditRecord], *, head: str | None = None) -> Verdict:
    """Recompute the chain; every problem found names the entry it is about."""
    rows = list(records)
    verdict = Verdict(entries=len(rows), head=rows[-1].hash if rows else GENESIS)
    seq_of_hash = {r.hash: r.seq for r in rows}
    previous: AuditRecord | None = None
    previous_misplaced = False
    """A link break right after a reported edit or reordering is its consequence, not a second problem."""
    shift = 0
    """Set once entries were found renumbered after a deletion: later ones are checked at their written seq."""
    for row in rows:
        expected_seq = previous.seq + 1 if previous else 1
        expected_prev = previous.hash if previous else GENESIS
        gap = row.seq > expected_seq
        if gap:
            missing = f"{expected_seq}" if row.seq == expected_seq + 1 else f"{expected_seq}-{row.seq - 1}"
            verdict.problems.append(
                Problem(expected_seq, "deleted", f"entry {missing} deleted: the sequence jumps to {row.seq}")
            )
        misplaced = _hash_at(row, row.seq + shift) != row.hash
        if misplaced:
            problem, written_at = _misplaced(row, seq_of_hash)
            if problem.kind == "deleted" and written_at is not None:
                shift = written_at - row.seq
            verdict.problems.append(problem)
        elif row.prev_hash != expected_prev and not gap and not previous_misplaced:
            if row.prev_hash in seq_of_hash:
                message = f"entry {row.seq} is chained after entry {seq_of_hash[row.prev_hash]}: reordered"
                verdict.problems.append(Problem(row.seq, "reordered", message))
            elif previous is not None:
                message = (
                    f"entry {previous.seq} edited and its hash rewritten: "
                    f"entry {row.seq} was chained to a different entry {previous.seq}"
                )
                verdict.problems.append(Problem(previous.seq, "rehashed", message))
        previous, previous_misplaced = row, misplaced
    if head is not None and head not in seq_of_hash:
        last = rows[-1].seq if rows else 0
        message = f"the recorded head {head[:16]}... is not in the log: entries after {last} are gone"
        verdict.problems.append(Problem(last + 1, "truncated", message))
    return verdict


def _misplaced(row: AuditRecord, seq_of_hash: dict[str, int]) -> tuple[Problem, int | None]:
    """An entry whose content does not give its hash: edited, or intact but hashed at another position."""
    candidates = [1] if row.prev_hash == GENESIS else []
    if row.prev_hash in seq_of_hash:
        candidates.append(seq_of_hash[row.prev_hash] + 1)
    candidates += [row.seq + d for d in range(-RESEQUENCE_SEARCH, RESEQUENCE_SEARCH + 1) if d and row.seq + d > 0]
    for seq in candidates:
        if _hash_at(row, seq) != row.hash:
            continue
        if seq > row.seq and row.prev_hash not in seq_of_hash:
            message = (
                f"entry {row.seq} holds the record written as entry {seq}: "
                f"{seq - row.seq} entry(ies) deleted before it and the rest renumbered"
            )
            return Problem(row.seq, "deleted", message), seq
        message = f"entry {row.seq} holds the record written as entry {seq}: entries reordered"
        return Problem(row.seq, "reordered", message), seq
    return Problem(row.seq, "edited", f"entry {row.seq} edited: its content does not match its hash"), None
