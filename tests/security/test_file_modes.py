"""Files secops writes that may hold secrets or log content are its user's alone, whatever the umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path


def secops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The real CLI under the common umask 022, with no SECOPS_* setting from the machine."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    env.update(XDG_CONFIG_HOME=str(cwd / "xdg-config"), XDG_DATA_HOME=str(cwd / "xdg-data"))
    return subprocess.run(
        [sys.executable, "-m", "secops", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
        umask=0o022,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_config_init_writes_a_file_only_its_owner_can_read(tmp_path: Path) -> None:
    done = secops("config", "init", "secops.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "secops.toml") == 0o600


def test_config_init_force_leaves_no_looser_file_behind(tmp_path: Path) -> None:
    old = tmp_path / "secops.toml"
    old.write_text("store = 'embedded'\n")
    old.chmod(0o644)
    done = secops("config", "init", "--force", "secops.toml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(old) == 0o600 and "[es]" in old.read_text()


def test_config_init_to_stdout_still_prints_the_template(tmp_path: Path) -> None:
    done = secops("config", "init", "-", cwd=tmp_path)
    assert done.returncode == 0 and "[es]" in done.stdout


def test_the_data_directory_is_created_for_its_owner_only(tmp_path: Path) -> None:
    """Spool, dead letters, the audit log, caches and the stores live there, some written with the umask."""
    done = secops("--data-dir", "new/data", "alerts", "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "new" / "data") == 0o700
    done = secops("alerts", "list", cwd=tmp_path)  # the default place, under XDG_DATA_HOME
    assert done.returncode == 0, done.stderr
    assert mode(tmp_path / "xdg-data" / "secops") == 0o700


def test_files_written_into_an_older_open_data_directory_are_owner_only(tmp_path: Path) -> None:
    """A data directory made 0755 by an older version: the state database and the segments are still private."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    log = tmp_path / "auth.log"
    log.write_text("Nov 24 10:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2\n")
    done = secops("--data-dir", str(data), "collect", "file", str(log), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = [p for p in data.rglob("*") if p.is_file() and not p.name.endswith(".lock")]
    assert any(p.suffix == ".parquet" for p in written) and (data / "secops.db").is_file()
    assert {str(p.relative_to(data)): oct(mode(p)) for p in written if mode(p) & 0o077} == {}


def test_the_elasticsearch_spool_is_owner_only(tmp_path: Path) -> None:
    """With the cluster unreachable, collected events wait in the spool: log content, for the owner only."""
    log = tmp_path / "auth.log"
    log.write_text("Nov 24 10:00:00 host sshd[1]: Failed password for root from 192.0.2.1 port 22 ssh2\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    env.update(SECOPS_STORE="elasticsearch", SECOPS_ES_URL="http://127.0.0.1:9", SECOPS_DATA_DIR=str(tmp_path / "d"))
    done = subprocess.run(
        [sys.executable, "-m", "secops", "collect", "file", str(log)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        umask=0o022,
    )
    spooled = [
        p for p in (tmp_path / "d").rglob("*") if p.is_file() and "spool" in str(p) and not p.name.endswith(".lock")
    ]
    assert spooled, (done.returncode, done.stderr)
    assert {p.name: oct(mode(p)) for p in spooled if mode(p) & 0o077} == {}
