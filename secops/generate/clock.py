"""When things happen: office-hours weighted, time-ordered moments over the simulated span.

Background records of one file are ``n`` moments in increasing order. Each
record gets its own slice of the span's cumulative activity (stratified
sampling), mapped through the activity curve, so the output is sorted without
holding it in memory and busy hours carry more records than nights and weekends.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime

HOUR = 3600.0

# Relative activity per hour of a weekday (UTC here: the agency runs its clocks on UTC).
_WEEKDAY = (2, 2, 2, 2, 2, 3, 5, 9, 14, 16, 16, 15, 13, 15, 16, 15, 13, 9, 6, 5, 4, 3, 3, 2)
_WEEKEND = (2, 2, 2, 2, 2, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2)


class Clock:
    """The activity curve over ``[start, start + days)`` and moments drawn from it."""

    def __init__(self, start: datetime, days: float) -> None:
        self.start = start.timestamp()
        self.end = self.start + days * 86400.0
        hours = max(1, int(days * 24 + 0.999999))
        weights = []
        for index in range(hours):
            moment = datetime.fromtimestamp(self.start + index * HOUR, start.tzinfo)
            table = _WEEKEND if moment.weekday() >= 5 else _WEEKDAY
            weights.append(float(table[moment.hour]))
        last_fraction = days * 24 - (hours - 1)
        weights[-1] *= last_fraction
        total = sum(weights)
        self._share = [w / total for w in weights]
        self._cumulative = []
        running = 0.0
        for share in self._share:
            self._cumulative.append(running)
            running += share

    def at(self, fraction: float) -> float:
        """The moment a given fraction of the span's *wall-clock* time in (for scenarios)."""
        return self.start + fraction * (self.end - self.start)

    def moments(self, count: int, rng: random.Random) -> Iterator[float]:
        """``count`` increasing moments following the activity curve."""
        cumulative, share = self._cumulative, self._share
        last = len(share) - 1
        hour = 0
        start = self.start
        end = self.end
        for index in range(count):
            u = (index + rng.random()) / count
            while hour < last and cumulative[hour + 1] <= u:
                hour += 1
            offset = (u - cumulative[hour]) / share[hour] if share[hour] else 0.0
            yield min(start + (hour + offset) * HOUR, end - 0.000001)
