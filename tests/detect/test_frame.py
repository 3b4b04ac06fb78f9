"""Frames read fields exactly as the per-event getter does, whether a partition shares its batch's levels or not."""

from __future__ import annotations

import numpy as np

from secops.detect.compile import getter
from secops.detect.frame import Frame

EVENTS = [
    {"winlog": {"event_data": {"Image": "a.exe", "User": "x"}}, "event": {"code": "1"}},
    {"winlog": {"event_data": {"Image": "b.exe"}}, "event": {"code": "2"}},
    {"winlog": {"event_data.Image": "dotted.exe"}, "event": {"code": "1"}},  # a literal dotted key
    {"winlog": [{"event_data": {"Image": "in-a-list.exe"}}], "event": {"code": "1"}},
    {"process": {"name": "c.exe"}, "event": {"code": "3"}},
    {"winlog": {"event_data": {"Image": "d.exe", "User": "y"}}, "event": {"code": "1"}},
]
FIELDS = ["winlog.event_data.Image", "winlog.event_data.User", "process.name", "event.code", "absent.field"]


def test_partition_frames_read_like_the_getter() -> None:
    for rows in ([0, 1, 4, 5], [0, 2, 5], [1, 3], [4]):
        picked = np.array(rows)
        events = [EVENTS[i] for i in rows]
        expected = {f: [getter(f)(e) for e in events] for f in FIELDS}
        root = Frame(EVENTS)
        for field in FIELDS:  # the batch reads every level first: the partition shares them
            root.column(field)
        shared = Frame(events, picked, root)
        alone = Frame(events, picked)
        for field in FIELDS:
            assert shared.values(field) == expected[field], (rows, field)
            assert alone.values(field) == expected[field], (rows, field)


def test_a_partition_reads_levels_its_batch_has_not() -> None:
    root = Frame(EVENTS)
    root.column("event.code")
    part = Frame([EVENTS[i] for i in (0, 1, 5)], np.array([0, 1, 5]), root)
    assert part.values("winlog.event_data.User") == ["x", None, "y"]
    assert part.values("winlog.event_data.Image") == ["a.exe", "b.exe", "d.exe"]
