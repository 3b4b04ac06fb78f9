"""File names are attacker-chosen bytes: every one is scanned, reaches the rules, and shows in every format."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from typer.testing import CliRunner

from secops.cli import app
from tests.yara.conftest import eicar

NOT_UTF8 = b"r\xe9sum\xe9.com"
"""A Latin-1 name, as an old archive or a Windows share mounted without iocharset leaves it."""


def _run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "yara", "scan", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_a_name_that_is_not_utf8_is_scanned_and_shown_escaped(clean_env: None, tmp_path: Path, data_dir: Path) -> None:
    tree = tmp_path / "evidence"
    tree.mkdir()
    (tree / "plain.com").write_bytes(eicar())
    with open(os.path.join(os.fsencode(tree), NOT_UTF8), "wb") as fh:
        fh.write(eicar())
    rules = tmp_path / "names.yar"
    rules.write_text('rule Name_Seen { condition: filename matches /^r\\\\xe9sum/ and extension == ".com" }\n')
    shown = f"{tree}/r\\xe9sum\\xe9.com"

    code, out, err = _run(data_dir, str(tree), "-r", str(rules), "-f", "json", "--store")
    assert code == 0, err
    hits = sorted((a["details"]["file"]["path"], a["rule"]["name"]) for a in json.loads(out))
    assert hits == [
        (f"{tree}/plain.com", "SECOPS_EICAR_Test_File"),
        (shown, "Name_Seen"),
        (shown, "SECOPS_EICAR_Test_File"),
    ]
    assert "2 files scanned" in err and "stored 2 new of 3 alerts" in err

    _, out, _ = _run(data_dir, str(tree), "-r", str(rules), "-f", "ndjson")
    assert sorted(json.loads(line)["entities"]["files"][0] for line in out.splitlines()) == sorted(
        [f"{tree}/plain.com", shown, shown]
    )
    _, out, _ = _run(data_dir, str(tree), "-r", str(rules), "-f", "csv")
    assert [row["file"] for row in csv.DictReader(io.StringIO(out))].count(shown) == 2
