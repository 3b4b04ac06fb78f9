"""``secops parse`` and ``secops collect file`` on EVTX in files, directories, globs, .gz and .zip."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from evtx import PyEvtxParser

pytestmark = pytest.mark.shared_data


def secops(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secops", *args], capture_output=True, text=True, env=env, check=False)


def records(path: Path) -> int:
    return sum(1 for _ in PyEvtxParser(str(path)).records_json())


@pytest.fixture
def evidence(evtx_files: list[Path], tmp_path: Path) -> tuple[Path, int, int]:
    """A folder as responders hand it over: a plain .evtx, a .zip of logs and a .evtx.gz."""
    plain, zipped, packed = evtx_files[3], evtx_files[40], evtx_files[80]
    folder = tmp_path / "case-17"
    (folder / "host-a").mkdir(parents=True)
    shutil.copy(plain, folder / "host-a" / "Security.evtx")
    with zipfile.ZipFile(folder / "host-b.zip", "w") as archive:
        archive.write(zipped, arcname="logs/Sysmon.evtx")
    with packed.open("rb") as src, gzip.open(folder / "host-c.evtx.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    return folder, records(plain), records(plain) + records(zipped) + records(packed)


def test_parse_directory_glob_zip_and_gz(evidence: tuple[Path, int, int], clean_env: None) -> None:
    folder, plain_count, total = evidence
    env = dict(os.environ)
    done = secops("parse", str(folder), env=env)
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(events) == total
    paths = {e["log"]["file"]["path"] for e in events}
    assert any(p.endswith("host-b.zip!logs/Sysmon.evtx") for p in paths) and any(p.endswith(".gz") for p in paths)
    assert all(e["event"]["kind"] == "event" and e["winlog"]["event_id"] for e in events)
    globbed = secops("parse", "--format", "evtx", str(folder / "*" / "*.evtx"), env=env)
    assert globbed.returncode == 0 and len(globbed.stdout.splitlines()) == plain_count


def test_collect_file_stores_every_record_once(
    evidence: tuple[Path, int, int], tmp_path: Path, clean_env: None
) -> None:
    folder, _, total = evidence
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    first = secops("collect", "file", str(folder), env=env)
    assert first.returncode == 0, first.stderr
    again = secops("collect", "file", str(folder), env=env)  # checkpoints: nothing new the second time
    assert again.returncode == 0, again.stderr
    info = secops("store", "info", "--format", "json", env=env)
    assert json.loads(info.stdout)["events"] == total
