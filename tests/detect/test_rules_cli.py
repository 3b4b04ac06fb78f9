"""``secops rules check|list|add`` on real files: every problem located, nothing silently dropped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

GOOD = """title: Good
id: 88888888-8888-4888-8888-888888888888
taxonomy: ecs
logsource: {product: test}
detection:
  s: {user.name: x}
  condition: s
level: low
"""
BAD_MODIFIER = """title: Bad modifier
id: 99999999-9999-4999-8999-999999999999
logsource: {product: test}
detection:
  s:
    user.name|nosuchmodifier: x
  condition: s
"""
BAD_REGEX = """title: Lookbehind
id: aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
taxonomy: ecs
logsource: {product: test}
detection:
  s: {message|re: '(?<=a)b'}
  condition: s
"""


def secops(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "secops", *args], capture_output=True, text=True, cwd=cwd, env=env)


def test_check_lists_each_problem_with_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "good.yml").write_text(GOOD, "utf-8")
    (folder / "multi.yml").write_text(GOOD.replace("8888", "7878") + "---\n" + BAD_MODIFIER, "utf-8")
    (folder / "regex.yml").write_text(BAD_REGEX, "utf-8")
    (folder / "broken.yml").write_text("title: x\ndetection: [unclosed\n", "utf-8")
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    done = secops("rules", "check", str(folder), "-f", "csv", cwd=tmp_path, env=env)
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if ",error," in line]
    assert any(f"{folder / 'multi.yml'}:" in line and "nosuchmodifier" in line for line in errors), errors
    assert any(f"{folder / 'regex.yml'}:1" in line and "cannot evaluate" in line for line in errors), errors
    assert any(f"{folder / 'broken.yml'}:" in line and "invalid YAML" in line for line in errors), errors
    multi = next(line for line in errors if "nosuchmodifier" in line)
    assert multi.split(",")[0] == f"{folder / 'multi.yml'}:15"  # the line of the bad key, in the second document
    assert len([line for line in errors if "nosuchmodifier" in line]) == 1


def test_list_and_add(tmp_path: Path) -> None:
    rule = tmp_path / "good.yml"
    rule.write_text(GOOD, "utf-8")
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    listed = secops("rules", "list", "--rules", str(rule), "--no-bundled", "-f", "csv", cwd=tmp_path, env=env)
    assert listed.returncode == 0 and "88888888-8888-4888-8888-888888888888,Good,low" in listed.stdout
    added = secops("rules", "add", str(rule), cwd=tmp_path, env=env)
    assert added.returncode == 0 and (tmp_path / "data" / "rules" / "sigma" / "good.yml").is_file()
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_REGEX, "utf-8")
    refused = secops("rules", "add", str(bad), cwd=tmp_path, env=env)
    assert refused.returncode == 2 and not (tmp_path / "data" / "rules" / "sigma" / "bad.yml").exists()


PIPE_SYNTAX = """title: Many failures (retired aggregation syntax)
id: bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb
logsource: {category: authentication}
detection:
  fail: {event.outcome: failure}
  timeframe: 10m
  condition: fail | count() by source.ip > 20
"""


def test_check_survives_rules_the_validators_cannot_read(tmp_path: Path) -> None:
    """A retired pipe condition is an error of its rule; every other rule is still validated, offline."""
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "pipe.yml").write_text(PIPE_SYNTAX, "utf-8")
    (folder / "good.yml").write_text(GOOD.replace("level: low\n", ""), "utf-8")
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    done = secops("rules", "check", str(folder), "-f", "csv", cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    rows = done.stdout.splitlines()
    assert any(row.startswith(f"{folder / 'pipe.yml'}:1,error,") and "pipe syntax" in row for row in rows), rows
    # The validators went on past the unreadable rule: the good rule's missing level is still found.
    assert any(row.startswith(f"{folder / 'good.yml'}:") and "level" in row for row in rows), rows
    skipped = [row for row in rows if row.startswith("<validators>")]
    assert skipped and all("give --validator-data" in row for row in skipped), skipped


def test_a_rule_file_named_alone_is_checked_as_its_kind(tmp_path: Path) -> None:
    """A Sigma file is not compiled as YARA, nor a YARA file read as Sigma YAML."""
    sigma, yara = tmp_path / "good.yml", tmp_path / "marker.yar"
    sigma.write_text(GOOD, "utf-8")
    yara.write_text('rule Marker { strings: $m = "MARKER-7" condition: $m }\n', "utf-8")
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    for path in (sigma, yara):
        done = secops("rules", "check", str(path), "-f", "csv", cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 errors" in done.stderr
