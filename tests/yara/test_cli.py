"""``secops yara scan`` end to end: every output format, --store into the case store, exit codes."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from secops.cases import alerts as triage
from secops.cli import app
from secops.errors import InputError
from secops.store import STATE_DB
from secops.store.cases_sqlite import SqliteCaseStore
from tests.conftest import REPO, without_file_capabilities
from tests.yara.conftest import eicar


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "evidence"
    (root / "www").mkdir(parents=True)
    (root / "eicar.com").write_bytes(eicar())
    # A hit whose file name carries terminal escapes and spreadsheet formula characters.
    (root / "www" / "=cmd|\x1b[31mred.php").write_text("<?php system($_GET['c']); ?>")
    (root / "www" / "index.html").write_text("<html>hello</html>")
    return root


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "yara", "scan", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_json_lists_alerts_sorted_by_file(clean_env: None, tree: Path, data_dir: Path) -> None:
    code, out, err = _run(data_dir, str(tree), "-f", "json")
    assert code == 0, err
    alerts = json.loads(out)
    assert [(Path(a["details"]["file"]["path"]).name, a["rule"]["name"]) for a in alerts] == [
        ("eicar.com", "SECOPS_EICAR_Test_File"),
        ("=cmd|\x1b[31mred.php", "SECOPS_Webshell_PHP_Request_To_Exec"),
    ]
    assert all(a["rule"]["source"] == "yara" for a in alerts)
    assert "3 files scanned" in err and "2 alerts" in err


def test_ndjson_and_csv_and_table(clean_env: None, tree: Path, data_dir: Path) -> None:
    _, out, _ = _run(data_dir, str(tree), "-f", "ndjson")
    assert sorted(json.loads(line)["rule"]["name"] for line in out.splitlines()) == [
        "SECOPS_EICAR_Test_File",
        "SECOPS_Webshell_PHP_Request_To_Exec",
    ]
    _, out, _ = _run(data_dir, str(tree), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["strings"] == "$eicar@0" and rows[0]["size"] == "68"
    _, out, _ = _run(data_dir, str(tree), "-f", "table")
    assert "\x1b" not in out and "\\x1b[31mred.php" in out


def test_store_saves_alerts_once(clean_env: None, tree: Path, data_dir: Path) -> None:
    code, _, err = _run(data_dir, str(tree), "--store", "-f", "json")
    assert code == 0 and "stored 2 new of 2 alerts (0 suppressed)" in err
    code, _, err = _run(data_dir, str(tree), "--store", "-f", "json")
    assert "stored 0 new of 2 alerts (0 suppressed)" in err
    store = SqliteCaseStore(data_dir / STATE_DB)
    try:
        stored = store.alerts()
    finally:
        store.close()
    assert sorted(a.rule.name for a in stored) == ["SECOPS_EICAR_Test_File", "SECOPS_Webshell_PHP_Request_To_Exec"]
    assert all(a.rule.source == "yara" and a.details["file"]["hash"]["sha256"] for a in stored)


def test_fail_on_and_user_rules_with_a_broken_file(clean_env: None, tree: Path, data_dir: Path, tmp_path: Path) -> None:
    rules = tmp_path / "myrules"
    rules.mkdir()
    (rules / "mine.yar").write_text('rule Mine_Hello { meta: level = "critical" strings: $h = "hello" condition: $h }')
    (rules / "broken.yar").write_text("rule Broken { condition: nope }\n")
    code, out, err = _run(data_dir, str(tree), "--no-bundled", "-r", str(rules), "-f", "json", "--fail-on", "high")
    assert code == 1
    assert f'secops: error: {rules / "broken.yar"}:1: undefined identifier "nope"' in err
    assert [a["rule"]["name"] for a in json.loads(out)] == ["Mine_Hello"]
    assert json.loads(out)[0]["severity"] == "critical"
    code, _, _ = _run(data_dir, str(tree), "--no-bundled", "-r", str(rules), "-f", "json", "--fail-on", "critical")
    assert code == 1
    code, _, _ = _run(data_dir, str(tree / "www" / "index.html"), "-f", "json", "--fail-on", "low")
    assert code == 0


def test_second_run_loads_the_cache(clean_env: None, tree: Path, data_dir: Path) -> None:
    _run(data_dir, str(tree), "-f", "json")
    cached = list((data_dir / "cache" / "yara").glob("*.yarc"))
    assert len(cached) == 1
    before = cached[0].stat().st_mtime_ns
    _, out, _ = _run(data_dir, str(tree), "-f", "json")
    assert len(json.loads(out)) == 2
    assert list((data_dir / "cache" / "yara").glob("*.yarc")) == cached
    assert cached[0].stat().st_mtime_ns >= before


def test_store_skips_what_a_suppression_covers(clean_env: None, tree: Path, data_dir: Path) -> None:
    _run(data_dir, str(tree), "--store", "-f", "json")
    store = SqliteCaseStore(data_dir / STATE_DB)
    try:
        webshell = next(a for a in store.alerts() if a.rule.name == "SECOPS_Webshell_PHP_Request_To_Exec")
        triage.suppress(store, webshell.id, actor="analyst", reason="our own test page", kinds=["files"], expires=None)
    finally:
        store.close()
    (tree / "www" / "other.php").write_text("<?php system($_GET['d']); ?>")  # same rule, another file
    code, out, err = _run(data_dir, str(tree), "--store", "-f", "json")
    assert code == 0 and len(json.loads(out)) == 3  # the scan still shows every hit
    assert "stored 1 new of 3 alerts (1 suppressed)" in err


def test_a_named_path_that_does_not_exist_is_an_input_error(clean_env: None, tree: Path, data_dir: Path) -> None:
    """A mistyped evidence path used to give exit 0 and '0 files scanned': a clean result to a script."""
    with pytest.raises(InputError) as raised:  # main() prints it as one line and exits 2
        _run(data_dir, str(tree), str(tree.parent / "evidnce"), "-f", "json", "--fail-on", "high")
    assert str(raised.value) == f"{tree.parent / 'evidnce'}: no such file or directory"
    assert raised.value.exit_code == 2


def test_a_named_device_or_fifo_is_said_not_scanned(clean_env: None, tmp_path: Path, data_dir: Path) -> None:
    """Inside a tree a FIFO is only counted; named on the command line, the user is told it was not read."""
    fifo = tmp_path / "capture.pipe"
    os.mkfifo(fifo)
    code, _, err = _run(data_dir, str(fifo), "/dev/null", "-f", "csv")
    assert code == 0
    assert f"secops: yara: {fifo}: special: FIFO, not read" in err
    assert "secops: yara: /dev/null: special: device, not read" in err


def test_two_rules_sharing_a_name_in_two_files_store_two_alerts(
    clean_env: None, tmp_path: Path, data_dir: Path
) -> None:
    """Each rule file is its own namespace, so both rules fire; both alerts must reach the store."""
    ours, theirs = tmp_path / "ours", tmp_path / "vendor"
    ours.mkdir()
    theirs.mkdir()
    (ours / "loader.yar").write_text(
        'rule Loader_Config { meta: id = "8d0c4f1e-3b55-4a8e-9a59-6f7a1c2b9e10" level = "high"'
        ' strings: $a = "stage2.bin" condition: $a }\n'
    )
    (theirs / "loader.yar").write_text(
        'rule Loader_Config { meta: id = "0f6e2b7a-91c4-4d3e-8b1a-2c5d7e9f4a36" level = "low"'
        ' strings: $a = "beacon.dat" condition: $a }\n'
    )
    sample = tmp_path / "dropper.cfg"
    sample.write_bytes(b"get stage2.bin then write beacon.dat\n")
    code, out, err = _run(
        data_dir, str(sample), "--no-bundled", "-r", str(ours), "-r", str(theirs), "--store", "-f", "json"
    )
    assert code == 0, err
    assert sorted(a["severity"] for a in json.loads(out)) == ["high", "low"]
    assert "stored 2 new of 2 alerts" in err
    code, _, err = _run(
        data_dir, str(sample), "--no-bundled", "-r", str(ours), "-r", str(theirs), "--store", "-f", "json"
    )
    assert "stored 0 new of 2 alerts" in err


def test_a_mistyped_rules_path_is_an_input_error(clean_env: None, tree: Path, data_dir: Path) -> None:
    """It used to be left out without a word, and the scan ran with the bundled rules alone."""
    with pytest.raises(InputError) as raised:
        _run(data_dir, str(tree), "-r", str(tree.parent / "rulez"), "-f", "json")
    assert str(raised.value) == f"--rules {tree.parent / 'rulez'}: no such file or directory"


def test_an_unreadable_rules_folder_is_an_error_and_the_rest_loads(tmp_path: Path) -> None:
    """Mode 000 stops everyone but root, and root too without its file capabilities."""
    rules = tmp_path / "rules"
    (rules / "private").mkdir(parents=True)
    (rules / "private" / "alpha.yar").write_text('rule Alpha { strings: $a = "ALPHA-1" condition: $a }\n')
    (rules / "bravo.yar").write_text('rule Bravo { strings: $b = "BRAVO-2" condition: $b }\n')
    (rules / "private").chmod(0)
    sample = tmp_path / "sample.txt"
    sample.write_bytes(b"ALPHA-1 BRAVO-2")
    command = [sys.executable, "-m", "secops", "--data-dir", str(tmp_path / "data"), "yara", "scan", str(sample)]
    command = without_file_capabilities([*command, "--no-bundled", "-r", str(rules), "-f", "json"])
    for _ in range(2):  # compiled, then from the cache: the folder is named both times
        run = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        assert f"secops: error: {rules / 'private'}: cannot list: Permission denied" in run.stderr
        assert [a["rule"]["name"] for a in json.loads(run.stdout)] == ["Bravo"]


def test_alerts_name_their_rule_file_by_absolute_path(clean_env: None, tmp_path: Path, data_dir: Path) -> None:
    """A relative --rules path used to become the namespace as given: a stored alert named "mine/m.yar"
    with nothing to say where that was."""
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "m.yar").write_text('rule Mine_Hello { strings: $h = "hello" condition: $h }\n')
    (tmp_path / "note.txt").write_text("hello")
    code, out, err = _run(data_dir, "note.txt", "--no-bundled", "-r", "mine", "-f", "json")  # cwd is tmp_path
    assert code == 0, err
    [alert] = json.loads(out)
    assert alert["rule"]["path"] == alert["details"]["yara"]["namespace"] == str(tmp_path / "mine" / "m.yar")
    assert alert["details"]["file"]["path"] == str(tmp_path / "note.txt")
