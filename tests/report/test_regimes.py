"""Per regime: build the incident, render every format, check required fields, deadline arithmetic and the checklist.

Deadlines are recomputed by hand here (see the comments): elapsed hours for
CISA/GDPR/NIS2/OMB, calendar days counted in the organisation's zone
(America/New_York) across the 2026-03-08 DST change, and local display in
zones with whole- and half-hour offsets.
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from stix2validator import ValidationOptions, validate_string

from secops.cases.models import Incident
from secops.report import breach, regimes
from secops.report.timefmt import zone
from tests.report.conftest import FULL, Run, breach_record, first_page_ink, pdf_text, set_breach, squeeze

NOW = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)

# regime -> (display zone, {deadline id: (status, due in UTC, due as shown)})
EXPECTED: dict[str, tuple[str, dict[str, tuple[str, str | None, str | None]]]] = {
    # identified 01:40 EST, 20 min before clocks jump to 03:00 EDT: +1 h of elapsed time shows as 03:40 EDT.
    "cisa-federal": (
        "America/New_York",
        {"cisa-1h": ("open", "2026-03-08T07:40:00Z", "2026-03-08 03:40 EDT (UTC-04:00)")},
    ),
    # aware 01:30 CET, just before the EU change at 01:00 UTC: +72 h shows as 02:30 CEST.
    "gdpr": (
        "Europe/Berlin",
        {
            "sa-72h": ("open", "2026-04-01T00:30:00Z", "2026-04-01 02:30 CEST (UTC+02:00)"),
            "subjects": ("no fixed limit", None, None),
        },
    ),
    "nis2": (
        "Europe/Berlin",
        {
            "early-warning-24h": ("open", "2026-03-30T00:30:00Z", "2026-03-30 02:30 CEST (UTC+02:00)"),
            "notification-72h": ("open", "2026-04-01T00:30:00Z", "2026-04-01 02:30 CEST (UTC+02:00)"),
            "final-1mo": ("waiting for trigger", None, None),
            "final-after-close": ("not applicable", None, None),
        },
    ),
    # discovered 15:00 EST Mar 7; 60 calendar days in New York end 15:00 EDT May 6 = 19:00 UTC
    # (59 d 23 h elapsed), shown in India (UTC+05:30) as 00:30 the next day.
    "hipaa": (
        "Asia/Kolkata",
        {
            "individuals-60d": ("open", "2026-05-06T19:00:00Z", "2026-05-07 00:30 IST (UTC+05:30)"),
            "media-60d": ("open", "2026-05-06T19:00:00Z", "2026-05-07 00:30 IST (UTC+05:30)"),
            "hhs-60d": ("open", "2026-05-06T19:00:00Z", "2026-05-07 00:30 IST (UTC+05:30)"),
            "hhs-annual": ("not applicable", None, None),
            "ba-60d": ("not applicable", None, None),
        },
    ),
    "omb-m-17-12": (
        "UTC",
        {
            "omb-1h": ("open", "2026-03-10T13:00:00Z", "2026-03-10 13:00 UTC"),
            "congress-7d": ("open", "2026-03-17T12:00:00Z", "2026-03-17 12:00 UTC"),
            "congress-30d": ("open", "2026-04-06T19:00:00Z", "2026-04-06 19:00 UTC"),
            "individuals": ("no fixed limit", None, None),
        },
    ),
    "us-state:CA": (
        "America/Los_Angeles",
        {
            "individuals-30d": ("open", "2026-04-06T19:00:00Z", "2026-04-06 12:00 PDT (UTC-07:00)"),
            "individuals-agency": ("not applicable", None, None),
            "ag-15d": ("waiting for trigger", None, None),
            "ag-agency": ("not applicable", None, None),
        },
    ),
    # determined 10:00 EDT Mar 9.
    "us-state:TX": (
        "America/Chicago",
        {
            "individuals-60d": ("open", "2026-05-08T14:00:00Z", "2026-05-08 09:00 CDT (UTC-05:00)"),
            "ag-30d": ("open", "2026-04-08T14:00:00Z", "2026-04-08 09:00 CDT (UTC-05:00)"),
            "dir-48h": ("not applicable", None, None),
            "dir-10bd": ("not applicable", None, None),
        },
    ),
    "us-state:NY": (
        "America/New_York",
        {
            "individuals-30d": ("open", "2026-04-06T19:00:00Z", "2026-04-06 15:00 EDT (UTC-04:00)"),
            "regulators": ("open", "2026-04-06T19:00:00Z", "2026-04-06 15:00 EDT (UTC-04:00)"),
            "state-entity": ("not applicable", None, None),
        },
    ),
    "us-state:FL": (
        "America/New_York",
        {
            "individuals-30d": ("open", "2026-04-08T14:00:00Z", "2026-04-08 10:00 EDT (UTC-04:00)"),
            "ag-30d": ("open", "2026-04-08T14:00:00Z", "2026-04-08 10:00 EDT (UTC-04:00)"),
        },
    ),
    "us-state:IL": (
        "America/Chicago",
        {"residents": ("no fixed limit", None, None), "ag": ("no fixed limit", None, None)},
    ),
}


def test_every_regime_file_is_tested() -> None:
    assert sorted(EXPECTED) == sorted(regimes.available())


def report_for(record: dict, name: str, where: str, now: datetime = NOW) -> breach.BreachReport:
    incident = Incident(id="INC-1", title="t", breach=record)
    return breach.build(incident, [], regimes.load(name), now=now, where=zone(where), zone_name=where)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_deadline_arithmetic(name: str) -> None:
    where, expected = EXPECTED[name]
    report = report_for(FULL, name, where)
    got = {c.id: (c.status, c.due_at, c.due_local and c.due_local.split(" = ")[0]) for c in report.deadlines}
    assert got == expected
    for clock in report.deadlines:
        if clock.status == "open":
            due = datetime.fromisoformat(clock.due_at.replace("Z", "+00:00"))
            assert clock.remaining_seconds == int((due - NOW).total_seconds())
            assert "left" in clock.summary


def first_required(name: str) -> tuple[str, str]:
    regime = regimes.load(name)
    for section in regime.sections:
        for spec in section.fields:
            if spec.required and not spec.path.startswith(("derived.", "incident.")):
                return spec.path, spec.label
    raise AssertionError(name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_format_fills_the_required_fields_and_lists_a_missing_one(
    name: str, populated: Path, cli: Run, tmp_path: Path
) -> None:
    where, expected = EXPECTED[name]
    outputs = {}
    for removed in (False, True):
        path, label = first_required(name)
        record = breach_record(**{path.replace(".", "__"): None}) if removed else breach_record()
        set_breach(populated, record, tmp_path, cli)
        for fmt in ("json", "md", "html", "pdf"):
            out = tmp_path / f"{removed}.{fmt}"
            cli("report", "breach", "INC-1", "--regime", name, "--format", fmt, "--timezone", where, "-o", str(out))
            outputs[removed, fmt] = out
    full = json.loads(outputs[False, "json"].read_text())
    assert full["incident_id"] == "INC-1" and full["regime"]["id"] == name
    required = [i for s in full["sections"] for i in s["items"] if i["required"]]
    assert required and all(not i["missing"] for i in required), [i["path"] for i in required if i["missing"]]
    assert full["checklist"] == []
    texts = {
        "md": outputs[False, "md"].read_text().replace("\\", ""),
        "html": html.unescape(outputs[False, "html"].read_text()),
        "pdf": pdf_text(outputs[False, "pdf"]),
    }
    for fmt, text in texts.items():
        flat = squeeze(text)
        for item in required:
            for line in item["text"]:
                assert squeeze(line) in flat, (fmt, item["path"], line)
        for deadline_id, (_status, _utc, shown) in expected.items():
            if shown:
                assert squeeze(shown) in flat, (fmt, deadline_id, shown)
    assert "INC-1" in texts["pdf"] and regimes.load(name).name in texts["pdf"]
    assert first_page_ink(outputs[False, "pdf"], tmp_path) > 0.01

    gap = json.loads(outputs[True, "json"].read_text())
    path, label = first_required(name)
    assert path in [m["path"] for m in gap["checklist"]]
    item = next(i for s in gap["sections"] for i in s["items"] if i["path"] == path)
    assert item["missing"] and item["value"] is None
    value_lines = next(i for s in full["sections"] for i in s["items"] if i["path"] == path)["text"]
    gap_texts = {
        "md": outputs[True, "md"].read_text().replace("\\", ""),
        "html": html.unescape(outputs[True, "html"].read_text()),
        "pdf": pdf_text(outputs[True, "pdf"]),
    }
    for fmt, text in gap_texts.items():
        assert squeeze(label) in squeeze(text), fmt
        assert "not recorded" in text or "notrecorded" in squeeze(text), fmt
        for line in value_lines:
            if line not in ("yes", "no") and len(line) > 3:
                assert squeeze(line) not in squeeze(text), (fmt, path, line)

    stix_out = tmp_path / "bundle.json"
    cli("report", "breach", "INC-1", "--regime", name, "--format", "stix", "-o", str(stix_out))
    result = validate_string(stix_out.read_text(), ValidationOptions(version="2.1"))
    assert result.is_valid and not result.errors, [str(e) for e in result.errors]
