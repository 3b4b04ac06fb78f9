"""Following files into the real embedded store: growth, partial lines, rotation, truncation, .gz, short files."""

from __future__ import annotations

import gzip
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from collectors.tail import Follower
from secops.inputs import TEXT_FINGERPRINT_BYTES
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.base import CaseStore, EventStore
from tests.inputs.conftest import asa_line, stored_users

_OPEN: list[Follower] = []


@pytest.fixture(autouse=True)
def _close_followers() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def follower(patterns: list[str], stores: tuple[EventStore, CaseStore], stats: Stats | None = None) -> Follower:
    events, cases = stores
    fo = Follower(patterns, "auto", ParseContext(), events, cases, stats or Stats(), batch_size=500, rotate_grace=0.3)
    _OPEN.append(fo)
    return fo


def settle(fo: Follower, seconds: float = 1.0) -> None:
    """Poll until nothing new was read for ``seconds``, then store."""
    quiet = time.monotonic()
    while time.monotonic() - quiet < seconds:
        if fo.poll():
            quiet = time.monotonic()
        time.sleep(0.05)
    fo.flush()


def append(path: Path, lines: list[str], *, end: str = "\n") -> None:
    with path.open("a") as fh:
        fh.write("\n".join(lines) + end)


def test_grows_and_only_complete_lines_are_read(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    log = tmp_path / "app.log"
    append(log, [asa_line(i) for i in range(100)])
    fo = follower([str(log)], stores)
    settle(fo, 0.3)
    with log.open("a") as fh:
        fh.write(asa_line(100)[:40])  # a line being written
    settle(fo, 0.3)
    assert stores[0].count() == 100
    with log.open("a") as fh:
        fh.write(asa_line(100)[40:] + "\n")
    settle(fo, 0.3)
    users = stored_users(stores[0])
    assert len(users) == 101 and max(users.values()) == 1
    assert "t0000100" in users


def test_rotation_by_rename_drains_the_old_file(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    log = tmp_path / "app.log"
    append(log, [asa_line(i) for i in range(200)])
    fo = follower([str(log)], stores)  # only the live name: the old file is kept open and drained
    fo.poll()
    os.rename(log, tmp_path / "app.log.1")
    append(tmp_path / "app.log.1", [asa_line(i) for i in range(200, 300)])  # the writer had not reopened yet
    append(log, [asa_line(i) for i in range(300, 400)])
    settle(fo)
    users = stored_users(stores[0])
    assert len(users) == 400 and max(users.values()) == 1
    assert not fo.open or all(t.path == str(log) for t in fo.open.values())


def test_copytruncate_rotation(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    log = tmp_path / "app.log"
    append(log, [asa_line(i) for i in range(100)])
    fo = follower([str(tmp_path / "app.log*")], stores)
    settle(fo, 0.3)
    append(log, [asa_line(i) for i in range(100, 150)])  # written after our last read, then copied and truncated
    (tmp_path / "app.log.1").write_bytes(log.read_bytes())
    with log.open("r+") as fh:
        fh.truncate(0)
    append(log, [asa_line(i, "n") for i in range(50)])
    settle(fo)
    users = stored_users(stores[0])
    assert len(users) == 200 and max(users.values()) == 1


def test_compressed_rotation_resumes_where_the_plain_file_stopped(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    first = tmp_path / "app.log.1"
    append(first, [asa_line(i) for i in range(300)])
    fo = follower([str(tmp_path / "app.log*")], stores)
    settle(fo, 0.3)
    fo.run(lambda: True)  # stop: close handles, as a restart would
    append(first, [asa_line(i) for i in range(300, 350)])
    with gzip.open(tmp_path / "app.log.2.gz", "wb") as gz:
        gz.write(first.read_bytes())
    first.unlink()
    fo = follower([str(tmp_path / "app.log*")], stores)
    settle(fo)
    users = stored_users(stores[0])
    assert len(users) == 350 and max(users.values()) == 1


def test_short_files_are_postponed_until_they_can_be_identified(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    log = tmp_path / "quiet.log"
    append(log, [asa_line(0), asa_line(1)])
    assert log.stat().st_size < TEXT_FINGERPRINT_BYTES
    fo = follower([str(log)], stores)
    settle(fo, 0.3)
    assert stores[0].count() == 0
    assert fo.postponed == {str(log): log.stat().st_size}
    append(log, [asa_line(i) for i in range(2, 20)])  # past 1 KiB: identified, read from its first line
    settle(fo, 0.3)
    users = stored_users(stores[0])
    assert len(users) == 20 and max(users.values()) == 1
    assert not fo.postponed


def test_restart_resumes_from_the_stored_checkpoint(tmp_path: Path, stores: tuple[EventStore, CaseStore]) -> None:
    log = tmp_path / "app.log"
    append(log, [asa_line(i) for i in range(1000)])
    fo = follower([str(log)], stores)
    settle(fo, 0.3)
    fo.run(lambda: True)
    append(log, [asa_line(i) for i in range(1000, 1100)])
    fo = follower([str(log)], stores)
    settle(fo, 0.3)
    users = stored_users(stores[0])
    assert len(users) == 1100 and max(users.values()) == 1


def test_hostile_content_is_kept_and_never_stops_the_follower(
    tmp_path: Path, stores: tuple[EventStore, CaseStore]
) -> None:
    log = tmp_path / "bad.log"
    rng = __import__("random").Random(3)
    with log.open("wb") as fh:
        fh.write((asa_line(0) + "\n").encode())
        fh.write(rng.randbytes(5000).replace(b"\n", b"") + b"\n")  # random bytes, invalid UTF-8
        fh.write(b"<134>Nov 24\n")  # a truncated header
        fh.write(b"%ASA-6-302013: " + b"x" * 5_000_000 + b"\n")  # longer than a record may be
        fh.write((asa_line(1) + "\n").encode())
    stats = Stats()
    fo = follower([str(log)], stores, stats)
    settle(fo, 0.3)
    events = list(stores[0].search())
    assert len(events) == 5
    cut = [e for e in events if "cut" in str(e.get("error", {}).get("message", ""))]
    assert len(cut) == 1 and len(cut[0]["event"]["original"]) <= 4 * 1024 * 1024
    assert {e["user"]["name"] for e in events if "user" in e} == {"t0000000", "t0000001"}
