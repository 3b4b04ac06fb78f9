"""SigmaHQ's regression cases through the offline scan, with the SigmaHQ rules.

Each case names the rule its EVTX sample must trigger and, usually, how many
times. The EVTX is parsed by our own collector (the EVTX is the truth, see
../shared/data/sigma/README.md), mapped by the ECS pipelines, and matched by
the native engine. The pass rate is printed; below 95 % the test fails.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from secops.detect.detector import Detector
from secops.detect.rules import load_rules
from secops.detect.scan import scan_with

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]
RULE_FOLDERS = ("rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance", "rules-placeholder")


def cases(sigma: Path) -> list[tuple[str, Path, str, int | None]]:
    found = []
    for info in sorted((sigma / "regression").rglob("info.yml")):
        meta = yaml.safe_load(info.read_text("utf-8"))
        tests = meta.get("regression_tests_info") or []
        samples = sorted(info.parent.glob("*.evtx"))
        if not tests or not samples:
            continue
        found.append((info.parent.name, samples[0], str(meta["rule_metadata"][0]["id"]), tests[0].get("match_count")))
    return found


def test_regression_pass_rate(shared_data: Path) -> None:
    sigma = shared_data / "sigma"
    detector = Detector(load_rules([sigma / f for f in RULE_FOLDERS if (sigma / f).is_dir()]))
    failures = []
    all_cases = cases(sigma)
    assert len(all_cases) >= 100
    for name, sample, rule, expected in all_cases:
        result = scan_with(detector.fresh(), [sample])
        got = sum(1 for alert in result.alerts if alert.rule.id == rule)
        if (got != expected) if expected is not None else got < 1:
            failures.append(f"{name}: {got} matches, expected {expected if expected is not None else '>= 1'}")
    rate = 1 - len(failures) / len(all_cases)
    print(f"\nSigmaHQ regression: {len(all_cases) - len(failures)}/{len(all_cases)} cases pass ({rate:.1%})")
    for line in failures:
        print("  FAIL", line)
    assert rate >= 0.95, "\n".join(failures)


def test_scan_command_on_one_case(shared_data: Path, tmp_path: Path) -> None:
    """The same through the command line: JSON alerts on stdout, --fail-on sets the exit code."""
    sigma = shared_data / "sigma"
    case = sigma / "regression/rules/windows/process_creation/proc_creation_win_sc_stop_service"
    rule = sigma / "rules/windows/process_creation/proc_creation_win_sc_stop_service.yml"
    command = [sys.executable, "-m", "secops", "detect", "scan", str(next(case.glob("*.evtx"))), "--rules", str(rule)]
    done = subprocess.run(
        [*command, "--no-bundled", "--format", "ndjson"], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    lines = [yaml.safe_load(line) for line in done.stdout.splitlines()]
    assert [a["rule"]["id"] for a in lines] == ["81bcb81b-5b1f-474b-b373-52c871aaa7b1"]
    assert lines[0]["rule"]["author"] and lines[0]["events"][0]["file"].endswith(".evtx")
    failing = subprocess.run(
        [*command, "--no-bundled", "--fail-on", "low"], capture_output=True, text=True, cwd=tmp_path
    )
    assert failing.returncode == 1
    quiet = subprocess.run(
        [*command, "--no-bundled", "--fail-on", "high"], capture_output=True, text=True, cwd=tmp_path
    )
    assert quiet.returncode == 0
