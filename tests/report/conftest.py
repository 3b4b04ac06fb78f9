"""An incident with a complete breach record, on a fresh embedded store, and the ``secops`` CLI over it.

``FULL`` fills every field any regime file asks for with a distinctive value
and puts the clock-start times next to DST changes: ``identified_at`` 20 min
before New York springs forward (2026-03-08 02:00 EST), ``aware_at`` 30 min
before the EU does (2026-03-29 01:00 UTC). The organisation counts calendar
days in New York time; reports are read in zones with whole- and half-hour
offsets (Asia/Kolkata is UTC+05:30).
"""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from secops.cli import app
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.conftest import require
from tests.triage.factory import alert, event

HOSTILE = "<script>alert('pwn')</script><a href=\"javascript:alert(1)\">x</a>"
ATTACKER_IP = "203.0.113.77"

FULL: dict[str, Any] = {
    "narrative": "Credential stuffing against the benefits portal exposed claimant records",
    "reporting_org": {
        "name": "Agency of Examples",
        "org_type": "business",
        "sector": "government",
        "timezone": "America/New_York",
        "nis2_class": "essential",
        "hipaa_role": "covered entity",
    },
    "poc": {"name": "Pat Contact", "role": "CISO", "phone": "+1 202 555 0100", "email": "soc@agency.example"},
    "dpo_contact": {"name": "Dana Privacy", "email": "dpo@agency.example", "phone": "+1 202 555 0101"},
    "public_contact": {
        "toll_free_phone": "1-800-555-0199",
        "email": "help@agency.example",
        "website": "agency.example/breach",
        "postal_address": "1 Example Plaza, Washington DC",
    },
    "occurred_start": "2026-03-06T22:00:00Z",
    "first_detected_at": "2026-03-07T19:40:00Z",
    "identified_at": "2026-03-08T06:40:00Z",
    "aware_at": "2026-03-29T00:30:00Z",
    "aware_rationale": "forensic image confirmed exfiltration",
    "breach_discovered_at": "2026-03-07T20:00:00Z",
    "breach_determined_at": "2026-03-09T14:00:00Z",
    "major_determined_at": "2026-03-10T12:00:00Z",
    "recovered_at": "2026-03-13T15:00:00Z",
    "closed_at": "2026-03-20T15:00:00Z",
    "determination": "successful-attempt",
    "functional_impact": "significant impact to critical services",
    "information_impact": ["privacy data breach", "core credential compromise"],
    "recoverability": "supplemented",
    "observed_location": "L2",
    "attack_vectors": ["web"],
    "suspected_malicious": True,
    "cross_border": {"impact": True, "member_states": ["DE", "FR"]},
    "nis2_significant": True,
    "fisma_major": True,
    "gdpr_risk": "high",
    "phi_unsecured": True,
    "hipaa_breach_type": "hacking",
    "hipaa_locations": ["network server"],
    "counts": {"systems": 14, "records": 52000, "users": 1300},
    "individuals": {
        "total": 2400,
        "by_us_state": {"CA": 700, "TX": 300, "NY": 120, "FL": 510, "IL": 620},
        "by_eu_member_state": {"DE": 40},
    },
    "data_subject_categories": ["claimants", "employees"],
    "record_categories": ["benefit claims"],
    "data_elements": ["name", "SSN", "date of birth"],
    "protection": {"encrypted": False, "other_safeguards": "MFA on staff accounts only"},
    "likely_consequences": "identity theft and benefit fraud",
    "iocs": [{"type": "ip", "value": ATTACKER_IP}],
    "root_cause": "reused passwords without MFA on the claimant portal",
    "actions": [
        {"ts": "2026-03-08T08:00:00Z", "kind": "containment", "description": "blocked the attacking network"},
        {"ts": "2026-03-09T08:00:00Z", "kind": "mitigation", "description": "forced password resets"},
    ],
    "individual_guidance": "reset passwords; place a fraud alert with the credit bureaus",
    "services_offered": "24 months of credit monitoring",
    "law_enforcement_hold": {"agency": "FBI field office", "reason": "active investigation"},
    "delay_reason": "forensic confirmation of the data taken",
}


def breach_record(**changes: Any) -> dict[str, Any]:
    """``FULL`` with dotted keys changed (``None`` removes a key)."""
    record = copy.deepcopy(FULL)
    for dotted, value in changes.items():
        parts = dotted.split("__")
        node = record
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value
    return record


@pytest.fixture
def populated(data_dir: Path) -> Path:
    """Events (one hostile, one from the attacker's address) and alerts about them, grouped into INC-1."""
    events = EmbeddedEventStore(data_dir)
    events.write(
        [
            event(1, source__ip=ATTACKER_IP, user__name="bob", host__name="ws-01"),
            event(2, message=HOSTILE, user__name="=cmd|' /C calc'!A0", host__name="ws-01"),
            event(3, user__name="alice", user__email="alice@example.org", source__ip="10.9.8.7", host__name="db-02"),
        ]
    )
    events.close()
    cases = SqliteCaseStore(data_dir / STATE_DB)
    stored = cases.add_alerts(
        [
            alert(1, hosts=("ws-01",), users=("bob",), ips=(ATTACKER_IP,), events=("ev-00001",)),
            alert(
                2,
                rule="hostile",
                hosts=("ws-01",),
                events=("ev-00002",),
                techniques=("T1059.001",),
                tactics=("execution",),
            ),
            alert(3, rule="exfil", hosts=("db-02",), users=("alice",), ips=("10.9.8.7",), events=("ev-00003",)),
        ]
    )
    from secops.cases import incidents as ops

    ops.create(cases, [a.id for a in stored], actor="dana", title=f"Portal breach {HOSTILE}")
    cases.close()
    return data_dir


Run = Callable[..., Any]


@pytest.fixture
def cli(data_dir: Path, clean_env: None) -> Run:
    """``cli("report", "breach", ...)`` in-process; returns (exit code, stdout bytes, stderr text)."""
    runner = CliRunner()

    def run(*args: str, expect: int = 0) -> Any:
        result = runner.invoke(app, ["--data-dir", str(data_dir), "--analyst", "dana", *args])
        if result.exit_code != expect:
            raise AssertionError(f"exit {result.exit_code}: {result.exception!r}\n{result.stderr}\n{result.stdout}")
        return result

    return run


def set_breach(data_dir: Path, record: dict[str, Any], tmp_path: Path, cli: Run) -> None:
    path = tmp_path / "breach.json"
    path.write_text(json.dumps(record))
    cli("incidents", "edit-breach", "INC-1", "--file", str(path), "--replace", "--format", "json")


def pdf_text(path: Path) -> str:
    require(bool(subprocess.run(["which", "pdftotext"], capture_output=True).returncode == 0), "poppler-utils")
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout


def first_page_ink(path: Path, tmp_path: Path) -> float:
    """Share of non-white pixels on page 1 (pdftoppm at 40 dpi)."""
    from PIL import Image

    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(out)], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    histogram = image.histogram()
    return sum(histogram[:200]) / sum(histogram)


def squeeze(text: str) -> str:
    return "".join(text.split())
