"""Ingesting files, on every backend: each line once, re-runs and appends neither duplicate nor skip.

On Elasticsearch the next batch is parsed and serialised while the last ones
are in flight (``parse_ahead``, ``submit``, ``in_flight``); the same outcome
must hold there as on the embedded store.
"""

from __future__ import annotations

from pathlib import Path

from secops.ingest import ingest_files
from secops.inputs import expand
from secops.pipeline import Stats
from secops.query import Match
from secops.registry import ParseContext
from secops.types import Event
from tests.store.conftest import Stores


def auth_lines(first: int, count: int) -> str:
    return "".join(
        f"Nov 20 10:{i // 60 % 60:02d}:{i % 60:02d} host sshd[{i}]: "
        f"Failed password for root from 10.0.{i // 250 % 250}.{i % 250} port {i} ssh2\n"
        for i in range(first, first + count)
    )


def ingest(stores: Stores, *paths: Path, batch_size: int = 700) -> tuple[int, int, Stats]:
    stats = Stats()
    files = expand(list(paths))
    result = ingest_files(files, "auto", ParseContext(), stores.events, stores.cases, stats, batch_size=batch_size)
    stores.refresh()
    return result.read, result.stored, stats


def test_each_line_is_stored_once_across_reruns_and_appends(stores: Stores, tmp_path: Path) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text(auth_lines(0, 2_500))
    second.write_text(auth_lines(2_500, 1_200))
    assert ingest(stores, first, second)[:2] == (3_700, 3_700)
    assert ingest(stores, first, second)[:2] == (0, 0)  # both checkpoints at their ends
    with first.open("a") as fh:
        fh.write(auth_lines(3_700, 333))
    read, stored, stats = ingest(stores, first, second)
    assert (read, stored, stats.failures) == (333, 333, 0)
    pids = sorted(e["process"]["pid"] for e in stores.events.search())
    assert pids == list(range(4_033))


def test_the_hook_gets_each_batch_once_in_order_when_it_is_durable(stores: Stores, tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text(auth_lines(0, 3_000))
    pids: list[int] = []
    stored_before_hook: list[bool] = []

    def hook(batch: list[Event]) -> None:
        stores.refresh()
        ids = [e["event"]["id"] for e in batch]
        stored_before_hook.append(len(stores.events.get(ids)) == len(ids))
        pids.extend(e["process"]["pid"] for e in batch)

    files, ctx = expand([log]), ParseContext()
    result = ingest_files(files, "auto", ctx, stores.events, stores.cases, Stats(), batch_size=700, on_batch=hook)
    assert (result.read, result.stored) == (3_000, 3_000)
    assert pids == list(range(3_000))
    assert len(stored_before_hook) == result.batches and all(stored_before_hook)


def test_bad_lines_are_kept_in_place_among_the_good(stores: Stores, tmp_path: Path) -> None:
    log = tmp_path / "mixed.log"
    log.write_text(auth_lines(0, 900) + "\x00\x01 binary junk \x1b[31m\n" + auth_lines(900, 900))
    read, stored, stats = ingest(stores, log, batch_size=250)
    assert (read, stored, stats.failures) == (1_801, 1_801, 1)
    assert f"{log}: record 901" in stats.warnings[0]
    failed = list(stores.events.search(Match("tags", "_parse_failure")))
    assert [e["event"]["original"] for e in failed] == ["\x00\x01 binary junk \x1b[31m"]
    assert failed[0]["log"]["offset"] == len(auth_lines(0, 900).encode())
