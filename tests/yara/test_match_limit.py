"""libyara keeps at most a million matches of one string in one file; past that, counts and offsets
are cut short and a rule that counts can be wrong either way. Every file where that happens says so."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from secops.cli import app

RULES = """rule Many_Requests { strings: $get = "GET / " condition: #get > 1000000 }
rule Any_Request { strings: $get = "GET / " condition: $get }
"""


def test_a_string_past_the_match_limit_is_named_per_file_and_alert(
    clean_env: None, tmp_path: Path, data_dir: Path
) -> None:
    """It used to be one Python RuntimeWarning per process, naming no file."""
    tree = tmp_path / "evidence"
    tree.mkdir()
    for name in ("first.log", "second.log"):
        (tree / name).write_bytes(b"GET / \n" * 1_100_000)
    rules = tmp_path / "count.yar"
    rules.write_text(RULES)
    args = ["--data-dir", str(data_dir), "yara", "scan", str(tree), "--no-bundled", "-r", str(rules), "-f", "json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    for name in ("first.log", "second.log"):
        for rule in ("Many_Requests", "Any_Request"):
            assert f"secops: yara: {tree / name}: warning: $get of rule {rule} matched too often" in result.stderr
    alerts = json.loads(result.stdout)
    # 1.1 million requests, but the count stopped at the limit: Many_Requests stays silent.
    assert sorted(a["rule"]["name"] for a in alerts) == ["Any_Request", "Any_Request"]
    assert all(a["details"]["yara"]["too_many_matches"] == ["$get"] for a in alerts)
