"""Running ``secops`` commands in-process against a fresh data directory, and a loaded one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from secops.cli import app
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.triage.factory import alert, event


@dataclass
class Ran:
    code: int
    out: bytes
    err: str
    exception: BaseException | None

    @property
    def text(self) -> str:
        return self.out.decode()

    def json(self) -> Any:
        return orjson.loads(self.out)

    def ndjson(self) -> list:
        return [orjson.loads(line) for line in self.out.splitlines() if line]

    def rows(self) -> list[list[str]]:
        """Plain (piped) table output: tab-separated lines without the header."""
        return [line.split("\t") for line in self.text.splitlines()[1:]]


Cli = Callable[..., Ran]


@pytest.fixture
def cli(data_dir: Path, clean_env: None) -> Cli:
    """``cli("alerts", "list", analyst="dana")`` runs one command against ``data_dir``."""
    runner = CliRunner()

    def run(*args: str, analyst: str = "tester", expect: int | None = 0) -> Ran:
        result = runner.invoke(app, ["--data-dir", str(data_dir), "--analyst", analyst, *args])
        ran = Ran(result.exit_code, result.stdout_bytes, result.stderr, result.exception)
        if expect is not None and ran.code != expect:
            raise AssertionError(f"exit {ran.code} (wanted {expect}): {ran.exception!r}\n{ran.err}\n{ran.text}")
        return ran

    return run


@pytest.fixture
def loaded(data_dir: Path) -> Path:
    """Events and alerts about two hosts, built with the store APIs as the detection engine would."""
    events = EmbeddedEventStore(data_dir)
    events.write([event(n, host__name="ws-01" if n % 2 else "ws-09") for n in range(120)])
    events.close()
    cases = SqliteCaseStore(data_dir / STATE_DB)
    cases.add_alerts(
        [alert(n, hosts=("ws-01",), users=("bob",), events=(f"ev-{n:05d}",)) for n in (1, 3, 5)]
        + [alert(n, rule="b", hosts=("ws-09",), events=(f"ev-{n:05d}",), techniques=("T1021",)) for n in (2, 4)]
        + [alert(100, rule="c", hosts=("srv-7",))]
    )
    cases.close()
    return data_dir


def ids_of(ran: Ran) -> list[str]:
    return [a["id"] for a in ran.json()]
