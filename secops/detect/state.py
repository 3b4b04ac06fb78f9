"""Correlation windows carried from one scheduled run to the next, in step with the watermark.

A brute force that straddles two five-minute runs must fire once. Each run
resumes the open windows of the last one (``Correlator.state``) and, after
every batch, stores its own next to the cursor they belong to, in
``detect-correlations.json`` in the data directory. The file keeps two
generations — the state at the committed watermark and the state at the
cursor about to be committed — and is replaced atomically *before* the
watermark moves:

- killed before the file is replaced: the watermark and the old state agree,
  the batch is read again and its alerts come back with the same dedup keys;
- killed between the file and the watermark: the watermark still names the
  old cursor, whose generation is in the file: same as above;
- killed after the watermark: the new generation matches it.

So a firing is neither lost nor doubled. A file that matches neither
generation (deleted, or from another store) starts the windows afresh and
says so in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from secops.files import write_file

log = logging.getLogger(__name__)

FILE = "detect-correlations.json"
FORMAT = 1


class CarriedState:
    """The two latest generations of correlation state, by the watermark cursor they belong to."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE
        self.current: list[Any] | None = None
        """``[cursor, state]`` matching the committed watermark."""

    def load(self, cursor: str | None) -> dict[str, Any]:
        """The state that belongs to the committed watermark (empty when there is none)."""
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            data = None
        except (OSError, orjson.JSONDecodeError) as exc:
            log.warning("correlation state %s is unreadable (%s); windows start afresh", self.path, exc)
            data = None
        generations = data.get("generations", []) if isinstance(data, dict) and data.get("format") == FORMAT else []
        for generation in generations:
            if isinstance(generation, list) and len(generation) == 2 and generation[0] == cursor:
                self.current = generation
                return dict(generation[1] or {})
        if data is not None:
            log.warning("correlation state %s does not match the watermark; windows start afresh", self.path)
        self.current = [cursor, {}]
        return {}

    def commit(self, cursor: str, state: dict[str, Any]) -> None:
        """Store the state for a cursor about to be committed, keeping the committed one beside it."""
        generation = [cursor, state]
        kept = [generation] if self.current is None or self.current[0] == cursor else [generation, self.current]
        write_file(self.path, orjson.dumps({"format": FORMAT, "generations": kept}, default=str))
        self.current = generation
