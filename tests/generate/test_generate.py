"""``secops generate``: reproducible, counted, parseable, and the manifest's ground truth is in the files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from secops import ecs
from secops.errors import UsageError
from secops.generate import FILE_NAMES, SHARES, generate
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext, parsers
from tests.conftest import require

EVENTS = 30_000
SEED = 424242
CTX = ParseContext(timezone=UTC, year=2026)


def secops(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "secops", *args], capture_output=True, text=True, env=dict(os.environ), timeout=300
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(out, events=EVENTS, seed=SEED, workers=2)
    return out


@pytest.fixture(scope="module")
def manifest(sample: Path) -> dict[str, Any]:
    return json.loads((sample / "manifest.json").read_text("utf-8"))


def parsed(sample: Path, fmt: str) -> tuple[list[dict[str, Any]], Stats]:
    stats = Stats()
    events = list(parse_files(expand([sample / FILE_NAMES[fmt]]), fmt, CTX, stats))
    return events, stats


def scenario(manifest: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    found = [s for s in manifest["scenarios"] if s["kind"] == kind]
    assert found, f"no {kind} scenario in the manifest"
    return found


def test_same_arguments_give_identical_bytes(sample: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate(again, events=EVENTS, seed=SEED, workers=1)  # one process here, two for the fixture: same bytes
    names = sorted(p.name for p in sample.iterdir())
    assert names == sorted(p.name for p in again.iterdir())
    for name in names:
        assert (sample / name).read_bytes() == (again / name).read_bytes(), name


def test_another_seed_gives_other_data(sample: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate(other, events=EVENTS, seed=SEED + 1, workers=1)
    assert (other / "panos.log").read_bytes() != (sample / "panos.log").read_bytes()
    assert (other / "linux-auth.log").read_bytes() != (sample / "linux-auth.log").read_bytes()


def test_counts_add_up_to_events_and_follow_the_mix(sample: Path, manifest: dict[str, Any]) -> None:
    assert manifest["total_records"] == EVENTS
    assert set(manifest["files"]) == set(SHARES)
    for fmt, info in manifest["files"].items():
        lines = (sample / info["path"]).read_bytes().count(b"\n")
        assert lines == info["records"] == info["background"] + info["scenario"], fmt
        assert abs(info["records"] - EVENTS * SHARES[fmt]) <= 1, fmt
    assert sum(s["records"].get(fmt, 0) for s in manifest["scenarios"] for fmt in SHARES) == sum(
        info["scenario"] for info in manifest["files"].values()
    )
    assert manifest["seed"] == SEED and manifest["arguments"]["events"] == EVENTS


def test_too_few_events_for_the_scenarios_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least"):
        generate(tmp_path, events=500, seed=1)


def test_linux_auth_parses_cleanly_through_the_cli(sample: Path, manifest: dict[str, Any]) -> None:
    run = secops("parse", "--format", "linux-auth", str(sample / "linux-auth.log"))
    assert run.returncode == 0, run.stderr
    assert "warning" not in run.stderr and "parse failures" not in run.stderr, run.stderr[:2000]
    events = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(events) == manifest["files"]["linux-auth"]["records"]
    assert not [e for e in events if "_parse_failure" in e.get("tags", [])]
    stamps = [e["@timestamp"] for e in events]
    seconds = [stamp[:19] for stamp in stamps]  # RFC 3164 hosts log whole seconds only
    assert seconds == sorted(seconds)  # written in time order
    start, end = manifest["span"]["start"], manifest["span"]["end"]
    assert ecs.parse_ts(stamps[0]) >= datetime.fromisoformat(start)
    assert ecs.parse_ts(stamps[-1]) <= datetime.fromisoformat(end)
    actions = Counter(ecs.get(e, "event.action") for e in events)
    assert actions["ssh_login"] > 100 and actions["sudo_command"] > 20 and actions["session_opened"] > 100


@pytest.mark.parametrize("fmt", sorted(set(SHARES) - {"linux-auth"}))
def test_generated_file_parses_with_its_parser(sample: Path, manifest: dict[str, Any], fmt: str) -> None:
    require(fmt in parsers(), f"the {fmt} parser is not in the registry yet")
    events, stats = parsed(sample, fmt)
    assert stats.failures == 0, stats.warnings[:5]
    assert len(events) == manifest["files"][fmt]["records"]


def test_ssh_spray_ground_truth(sample: Path, manifest: dict[str, Any]) -> None:
    (truth,) = scenario(manifest, "password_spray_ssh")
    (attacker,) = truth["attacker_ips"]
    events, _ = parsed(sample, "linux-auth")
    failed = [
        e
        for e in events
        if ecs.get(e, "source.ip") == attacker
        and ecs.get(e, "system.auth.ssh.event") == "Failed"
        and ecs.get(e, "event.outcome") == "failure"
    ]
    assert len(failed) == truth["details"]["failed_logins"] >= 30
    assert len({ecs.get(e, "user.name") for e in failed}) == truth["details"]["distinct_users"]
    assert {ecs.get(e, "host.hostname") for e in failed} == set(truth["victim_hosts"])
    assert not [e for e in events if ecs.get(e, "source.ip") == attacker and ecs.get(e, "event.outcome") == "success"]
    first, last = (ecs.parse_ts(e["@timestamp"]) for e in (failed[0], failed[-1]))
    assert ecs.parse_ts(truth["start"]) <= first and last <= ecs.parse_ts(truth["end"])


def test_intrusion_ground_truth(sample: Path, manifest: dict[str, Any]) -> None:
    (truth,) = scenario(manifest, "ssh_brute_force_intrusion")
    (attacker,) = truth["attacker_ips"]
    (host,) = truth["victim_hosts"]
    user, backdoor = truth["victim_users"]
    events, _ = parsed(sample, "linux-auth")
    mine = [e for e in events if ecs.get(e, "host.hostname") == host]
    failures = [
        e for e in mine if ecs.get(e, "source.ip") == attacker and ecs.get(e, "system.auth.ssh.event") == "Failed"
    ]
    success = [e for e in mine if ecs.get(e, "source.ip") == attacker and ecs.get(e, "event.outcome") == "success"]
    assert len(failures) == truth["details"]["failed_logins"]
    assert [ecs.get(e, "user.name") for e in success] == [user]
    moment = ecs.parse_ts(success[0]["@timestamp"]) - ecs.parse_ts(truth["details"]["successful_login_at"])
    assert abs(moment.total_seconds()) < 0.001
    assert success[0]["@timestamp"] > failures[-1]["@timestamp"]
    sudo = [ecs.get(e, "system.auth.sudo.command") for e in mine if ecs.get(e, "event.action") == "sudo_command"]
    assert all(command in sudo for command in truth["details"]["sudo_commands"])
    created = [e for e in mine if ecs.get(e, "event.action") == "user_created"]
    assert [ecs.get(e, "user.name") for e in created] == [backdoor]


def _winlog(sample: Path) -> list[dict[str, Any]]:
    with (sample / FILE_NAMES["winlog-json"]).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_windows_spray_and_lateral_movement_ground_truth(sample: Path, manifest: dict[str, Any]) -> None:
    (spray,) = scenario(manifest, "password_spray_windows")
    (lateral,) = scenario(manifest, "lateral_movement")
    docs = _winlog(sample)
    source = spray["attacker_ips"][0]
    data = [(d["winlog"]["event_id"], d["host"]["hostname"], d["winlog"]["event_data"], d["@timestamp"]) for d in docs]
    during = (ecs.parse_ts(spray["start"]), ecs.parse_ts(spray["end"]))
    failed = [
        x
        for x in data
        if x[0] == "4625" and x[2]["IpAddress"] == source and during[0] <= ecs.parse_ts(x[3]) <= during[1]
    ]
    assert len(failed) == spray["details"]["failed_logins"]
    assert {x[2]["TargetUserName"] for x in failed} | {spray["details"]["compromised_account"]} == set(
        spray["victim_users"]
    )
    assert {x[1] for x in failed} == set(spray["victim_hosts"])
    admin = spray["details"]["compromised_account"]
    for host in lateral["victim_hosts"]:
        logons = [
            x[2]["LogonType"]
            for x in data
            if x[0] == "4624" and x[1] == host and x[2]["IpAddress"] == source and x[2]["TargetUserName"] == admin
        ]
        assert logons == ["3"], host
        services = [x[2]["ServiceName"] for x in data if x[0] == "7045" and x[1] == host]
        assert services == ["PSEXESVC"], host
    assert Counter(x[0] for x in data)["4625"] > len(failed)  # background typos exist beside the spray


def test_exfiltration_ground_truth(sample: Path, manifest: dict[str, Any]) -> None:
    for truth in scenario(manifest, "exfiltration"):
        fmt, (destination,) = truth["details"]["format"], truth["attacker_ips"]
        raw = (sample / FILE_NAMES[fmt]).read_text("utf-8")
        assert raw.count(destination) >= truth["details"]["sessions"]  # the address is in the lines
        assert sum(raw.count(f"{destination}{sep}") for sep in ("/", ",", " ", '"')) >= truth["details"]["sessions"]
        require(fmt in parsers(), f"the {fmt} parser is not in the registry yet")
        events, _ = parsed(sample, fmt)
        flows = [e for e in events if ecs.get(e, "destination.ip") == destination]
        assert len(flows) == truth["details"]["sessions"]  # a rare address: nobody else talks to it
        assert {ecs.get(e, "destination.port") for e in flows} == {truth["details"]["port"]}
        assert sum(ecs.get(e, "source.bytes") or 0 for e in flows) == truth["details"]["bytes_out"]


def test_port_scan_ground_truth(sample: Path, manifest: dict[str, Any]) -> None:
    for truth in scenario(manifest, "port_scan"):
        (scanner,) = truth["attacker_ips"]
        for fmt, count in truth["records"].items():
            require(fmt in parsers(), f"the {fmt} parser is not in the registry yet")
            events, _ = parsed(sample, fmt)
            hits = [e for e in events if ecs.get(e, "source.ip") == scanner]
            assert len(hits) == count, fmt
            ports = {ecs.get(e, "destination.port") for e in hits}
            assert len(ports) >= truth["details"]["ports"] - 1, fmt


def test_cli_writes_files_and_reports_its_rate(tmp_path: Path) -> None:
    run = secops("generate", "--events", "4000", "--seed", "9", "--out", str(tmp_path / "g"), "--days", "0.5")
    assert run.returncode == 0, run.stderr
    assert "records/s" in run.stderr
    manifest = json.loads((tmp_path / "g" / "manifest.json").read_text("utf-8"))
    assert manifest["total_records"] == 4000
    assert manifest["span"]["end"].startswith("2026-11-02T12:00:00")
    assert f"{tmp_path / 'g' / 'panos.log'}\t" in run.stdout


def test_auto_detection_keeps_linux_auth_and_firewall_lines_apart(sample: Path) -> None:
    parser = parsers()["linux-auth"]
    for fmt, name in FILE_NAMES.items():
        if fmt == "winlog-json":
            continue
        lines = (sample / name).read_text("utf-8").splitlines()
        claimed = sum(1 for line in lines if parser.sniff_line(line))
        assert claimed == (len(lines) if fmt == "linux-auth" else 0), fmt


def test_outbound_web_sessions_name_their_user(sample: Path) -> None:
    """About 60% of outbound web flows carry a user, and the user lands in the user column, not a NAT one."""
    events, _ = parsed(sample, "panos")
    web = [e for e in events if ecs.get(e, "rule.name") == "allow-web-outbound"]
    named = [ecs.get(e, "user.name") for e in web if ecs.get(e, "user.name")]
    assert len(web) > 500
    assert 0.4 < len(named) / len(web) < 0.8
    assert all(name.startswith("agency\\") for name in named)
