"""Ground truth of the injected scenarios, and the collector of their records per format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from secops.generate.stamps import iso_milli_z


@dataclass
class Truth:
    kind: str
    techniques: list[str]
    start: str = ""
    end: str = ""
    attacker_ips: list[str] = field(default_factory=list)
    victim_hosts: list[str] = field(default_factory=list)
    victim_users: list[str] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Injected:
    """Scenario records per format, to be merged into the background in time order."""

    def __init__(self) -> None:
        self.by_format: dict[str, list[tuple[float, int, str]]] = {}
        self._sequence = 0
        self.truth: Truth | None = None
        self._first = 0.0
        self._last = 0.0

    def begin(self, truth: Truth) -> Truth:
        self.truth, self._first, self._last = truth, float("inf"), 0.0
        return truth

    def add(self, fmt: str, t: float, line: str) -> None:
        self._sequence += 1
        self.by_format.setdefault(fmt, []).append((t, self._sequence, line))
        assert self.truth is not None
        self.truth.records[fmt] = self.truth.records.get(fmt, 0) + 1
        self._first, self._last = min(self._first, t), max(self._last, t)

    def end(self) -> Truth:
        truth = self.truth
        assert truth is not None
        truth.start, truth.end = iso_milli_z(self._first), iso_milli_z(self._last)
        self.truth = None
        return truth
