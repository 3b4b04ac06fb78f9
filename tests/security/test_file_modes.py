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
