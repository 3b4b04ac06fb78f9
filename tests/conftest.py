"""Fixtures shared by the whole suite.

Shared third-party data (``../shared/data`` beside the clone, or
``$SECOPS_SHARED_DATA``) is used whenever it is there. Elsewhere the tests that
need it skip and say why; under ``CI=true`` they can never skip: a missing
dependency there is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"

pytest_plugins = ["tests.es_node"]  # the real Elasticsearch node (fixtures es_url, es_prefix)


def without_file_capabilities(command: list[str]) -> list[str]:
    """``command`` run so that file modes stop it: as root (CI), without CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH (``setpriv``), so the kernel's permission check applies to root too."""
    if os.geteuid() != 0:
        return command
    require(shutil.which("setpriv") is not None, "setpriv (util-linux) is needed to drop root's file capabilities")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]


def shared_data_dir() -> Path:
    return Path(os.environ.get("SECOPS_SHARED_DATA", REPO.parent / "shared" / "data"))


def require(condition: bool, why: str) -> None:
    """Skip when something a test needs is missing, except under CI where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party test material; see ../shared/data/SOURCES.md."""
    path = shared_data_dir()
    require(path.is_dir(), f"shared test data not found at {path} (set SECOPS_SHARED_DATA)")
    return path


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh, empty secops data directory."""
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No SECOPS_* variables or config files from the developer's machine leak into a test."""
    for name in list(os.environ):
        if name.startswith("SECOPS_") and name != "SECOPS_SHARED_DATA":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.chdir(tmp_path)
    yield
