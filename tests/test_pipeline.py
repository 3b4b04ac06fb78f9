"""The parse loop: damaged compressed input keeps what came before and says where it stopped."""

from __future__ import annotations

import gzip
from pathlib import Path

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext


def test_cut_gzip_keeps_complete_records_and_warns(tmp_path: Path) -> None:
    lines = [
        f"Nov 20 10:00:{i % 60:02d} host sshd[{i}]: Failed password for root from 10.0.0.1 port {i} ssh2\n"
        for i in range(5000)
    ]
    packed = gzip.compress("".join(lines).encode())
    cut = tmp_path / "auth.log.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    stats = Stats()
    events = list(parse_files(expand([cut]), "linux-auth", ParseContext(), stats))
    assert 0 < len(events) < len(lines)
    assert [e["process"]["pid"] for e in events] == list(range(len(events)))  # nothing skipped before the cut
    assert stats.failures == 1 and str(cut) in stats.warnings[0] and "cut short" in stats.warnings[0]


def test_gzip_cut_inside_its_head_is_still_read(tmp_path: Path) -> None:
    packed = gzip.compress(
        b"".join(
            b"Nov 20 10:00:00 host sshd[1]: Accepted password for a from 10.0.0.2 port 1 ssh2\n" for _ in range(10)
        )
    )
    cut = tmp_path / "tiny.log.gz"
    cut.write_bytes(packed[:-12])  # trailer gone
    stats = Stats()
    events = list(parse_files(expand([cut]), "auto", ParseContext(), stats))
    assert len(events) >= 1 and stats.failures == 1
