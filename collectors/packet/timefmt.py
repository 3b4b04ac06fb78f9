"""Capture timestamps (integer nanoseconds) as ECS text, cheaply and without failing."""

from __future__ import annotations

import time

_cache: dict[int, str] = {}


def ns_to_ts(ns: int) -> str:
    """RFC 3339 UTC with microseconds; times a platform cannot render clamp to the epoch."""
    sec, frac = divmod(ns, 1_000_000_000)
    head = _cache.get(sec)
    if head is None:
        try:
            head = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec))
        except (OverflowError, OSError, ValueError):
            head = "1970-01-01T00:00:00"
        if len(_cache) > 4096:
            _cache.clear()
        _cache[sec] = head
    return "%s.%06dZ" % (head, frac // 1000)  # noqa: UP031 - the fastest way on this hot path
