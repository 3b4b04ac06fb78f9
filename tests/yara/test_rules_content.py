"""The project's own YARA rules are tested like code: each compiles cleanly with the
libyara secops uses and with the ``yara`` tool, names itself fully, and hits its
hit samples and none of its miss samples."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yara

from secops.detect.yara import EXTERNALS, bundled_yara_dir, check_yara, yara_files
from secops.detect.yara_scan import Scanner
from tests.conftest import require
from tests.yara.conftest import SAMPLES, decode_samples, eicar

RULES_DIR = bundled_yara_dir()
REQUIRED_META = ("id", "author", "date", "description", "reference", "level")


def _rules() -> list[yara.Rule]:
    assert RULES_DIR is not None
    return list(yara.compile(filepaths={str(p): str(p) for p in yara_files([RULES_DIR])}, externals=EXTERNALS))


RULE_NAMES = sorted(r.identifier for r in _rules())


def test_pack_has_rules_of_every_kind() -> None:
    assert RULES_DIR is not None
    kinds = {p.parent.name for p in yara_files([RULES_DIR])}
    assert {"test", "webshells", "scripts", "credential_access"} <= kinds
    assert len(RULE_NAMES) >= 12


def test_no_problems_at_all() -> None:
    assert check_yara([RULES_DIR]) == []


def test_yara_tool_compiles_every_file_without_warnings(tmp_path: Path) -> None:
    require(shutil.which("yara") is not None, "the yara tool (Debian package yara) is not installed")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    defines = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
    for path in yara_files([RULES_DIR]):
        run = subprocess.run(["yara", *defines, str(path), str(empty)], capture_output=True, text=True, check=False)
        assert run.returncode == 0 and not run.stderr, f"{path}: {run.stderr}"


def test_metadata_complete_and_ids_unique() -> None:
    ids = set()
    for rule in _rules():
        missing = [k for k in REQUIRED_META if not rule.meta.get(k)]
        assert not missing, f"{rule.identifier}: missing meta {missing}"
        assert rule.identifier.startswith("SECOPS_")
        assert rule.meta["level"] in ("informational", "low", "medium", "high", "critical")
        assert re.fullmatch(r"[0-9a-f-]{36}", rule.meta["id"])
        assert rule.meta["id"] not in ids
        ids.add(rule.meta["id"])
        if "mitre_attack" in rule.meta:
            assert re.fullmatch(r"T\d{4}(\.\d{3})?(, T\d{4}(\.\d{3})?)*", rule.meta["mitre_attack"])


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_rule_hits_its_samples_and_misses_the_others(rule: str, tmp_path: Path, bundled_scanner: Scanner) -> None:
    hits = decode_samples(rule, "hit", tmp_path)
    if rule == "SECOPS_EICAR_Test_File":
        (tmp_path / "eicar.com").write_bytes(eicar())
        hits.append(tmp_path / "eicar.com")
    misses = decode_samples(rule, "miss", tmp_path)
    assert hits, f"{rule}: no hit sample under {SAMPLES / rule}"
    assert misses, f"{rule}: no miss sample under {SAMPLES / rule}"
    for path in hits:
        found = {m.rule for m in bundled_scanner.scan_file(path).matches}
        assert rule in found, f"{path.name} should hit {rule}"
    for path in misses:
        found = {m.rule for m in bundled_scanner.scan_file(path).matches}
        assert rule not in found, f"{path.name} should not hit {rule}"


def test_every_sample_folder_names_a_rule() -> None:
    assert {p.name for p in SAMPLES.iterdir()} <= set(RULE_NAMES)
