"""Deadlines compliance.md asks for that the regime files or the evaluator missed.

Each test names the section of compliance.md it holds the code to. Times are
those of ``FULL`` (tests/report/conftest.py): discovery 2026-03-07 20:00 UTC
(15:00 EST), the organisation counting days in New York time; ``NOW`` is
2026-03-08 07:00 UTC.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from secops.report import regimes
from secops.report.breach import BreachReport, ClockOut
from tests.report.conftest import breach_record
from tests.report.test_regimes import report_for


def clock(report: BreachReport, deadline_id: str) -> ClockOut:
    return next(c for c in report.deadlines if c.id == deadline_id)


def checklist(report: BreachReport) -> list[str]:
    return [m.path for m in report.checklist]


NO_TIMES = {
    "major_determined_at": None,
    "breach_discovered_at": None,
    "identified_at": None,
    "first_detected_at": None,
    "aware_at": None,
}


# --- OMB M-17-12 / FISMA major incident (compliance.md §1.2, §1.3, §7.2) ---


def test_a_missing_major_determination_still_shows_the_omb_and_congress_clocks_provisionally() -> None:
    # §7.2: a missing trigger raises "the clock may already be running" rather than hiding the deadline.
    report = report_for(breach_record(major_determined_at=None), "omb-m-17-12", "UTC")
    omb, congress = clock(report, "omb-1h"), clock(report, "congress-7d")
    # counted from breach_discovered_at, 2026-03-07 20:00 UTC: +1 h elapsed; +7 calendar days in New York
    # (15:00 EST → 15:00 EDT on 2026-03-14, 19:00 UTC).
    assert (omb.status, omb.provisional, omb.counted_from) == ("overdue", True, "breach_discovered_at")
    assert omb.due_at == "2026-03-07T21:00:00Z"
    assert (congress.status, congress.provisional, congress.due_at) == ("open", True, "2026-03-14T19:00:00Z")
    assert "major_determined_at" in checklist(report)


def test_a_missing_trigger_is_asked_for_even_when_there_is_nothing_to_count_from() -> None:
    record = breach_record(reporting_org__org_type="state-agency", recovered_at=None)
    report = report_for(record, "us-state:TX", "UTC")
    assert clock(report, "dir-10bd").status == "waiting for trigger"
    assert "recovered_at" in checklist(report)


def test_an_undecided_major_incident_is_undetermined_not_waiting() -> None:
    record = breach_record(**NO_TIMES, fisma_major=None, individuals={"total": 50_000})
    got = clock(report_for(record, "omb-m-17-12", "UTC"), "omb-1h")
    assert got.status == "undetermined"
    assert "fisma_major" in got.summary and got.summary.startswith("undetermined: needs")


def test_undetermined_applicability_wins_over_waiting_for_a_trigger_without_fallback() -> None:
    record = breach_record(reporting_org__org_type=None, recovered_at=None)
    got = clock(report_for(record, "us-state:TX", "UTC"), "dir-10bd")
    assert got.status == "undetermined"
    assert got.summary == "undetermined: needs recovered_at, reporting_org.org_type"


@pytest.mark.parametrize(
    ("fisma_major", "total", "status"),
    [
        (None, 150_000, "open"),  # automatically major: applies although nobody has decided yet
        (False, 150_000, "open"),  # "automatically": the agency's "no" does not switch it off
        (None, 100_000, "open"),  # "100,000 or more": the boundary is in
        (False, 99_999, "not applicable"),
        (True, 10, "open"),  # the SAOP may declare smaller breaches major
        (None, 99_999, "undetermined"),
    ],
)
def test_pii_of_100000_or_more_individuals_is_automatically_a_major_incident(
    fisma_major: bool | None, total: int, status: str
) -> None:
    # §1.2 (b): access to the PII of 100,000 or more individuals is automatically a major incident.
    individuals: dict[str, Any] = {"total": total}
    report = report_for(breach_record(fisma_major=fisma_major, individuals=individuals), "omb-m-17-12", "UTC")
    for deadline_id in ("omb-1h", "congress-7d", "congress-30d"):
        assert clock(report, deadline_id).status == status, deadline_id


# --- GDPR Art. 33(1): a late notification gives its reasons (compliance.md §4.1) ---

LATE = datetime(2026, 4, 3, tzinfo=UTC)
LATE_FILING = {"regime": "gdpr", "recipient": "Supervisory authority DPC", "sent_at": "2026-04-02T10:00:00Z"}


def test_the_reason_given_with_a_late_notification_satisfies_the_checklist() -> None:
    sent = dict(LATE_FILING, delay_reason="forensics")
    report = report_for(breach_record(delay_reason=None, notifications=[sent]), "gdpr", "UTC", now=LATE)
    assert clock(report, "sa-72h").status == "met late"
    assert "delay_reason" not in checklist(report)


def test_a_late_notification_without_any_reason_still_asks_for_one() -> None:
    report = report_for(breach_record(delay_reason=None, notifications=[LATE_FILING]), "gdpr", "UTC", now=LATE)
    assert clock(report, "sa-72h").status == "met late"
    assert "delay_reason" in checklist(report)


# --- Illinois PIPA: State agencies notify the AG above 250 residents (compliance.md §5.2, §7.2) ---


@pytest.mark.parametrize(
    ("org_type", "residents", "status"),
    [
        ("state-agency", 300, "no fixed limit"),
        ("state-agency", 250, "not applicable"),  # "more than 250"
        ("business", 300, "not applicable"),
        ("business", 501, "no fixed limit"),
        (None, 501, "no fixed limit"),
        (None, 300, "undetermined"),
    ],
)
def test_illinois_state_agencies_notify_the_attorney_general_above_250_residents(
    org_type: str | None, residents: int, status: str
) -> None:
    record = breach_record(
        reporting_org__org_type=org_type, individuals={"total": 2400, "by_us_state": {"IL": residents}}
    )
    report = report_for(record, "us-state:IL", "UTC")
    assert clock(report, "ag").status == status
    assert ("reporting_org.org_type" in checklist(report)) is (status == "undetermined")


# --- NIS2 Art. 23(4)(d)-(e): final report one month after closure when still ongoing (compliance.md §4.4, §7.2) ---

NOTIFIED = {"regime": "nis2", "recipient": "CSIRT", "stage": "incident-notification", "sent_at": "2026-03-31T10:00:00Z"}
# The first final report falls due a month later: 2026-04-30 06:00 EDT, 10:00 UTC.


@pytest.mark.parametrize(
    ("closed_at", "now", "status", "due_at"),
    [
        ("2026-04-10T12:00:00Z", datetime(2026, 5, 1, tzinfo=UTC), "not applicable", None),
        ("2026-04-30T10:00:00Z", datetime(2026, 5, 1, tzinfo=UTC), "not applicable", None),  # closed on time
        # closed 08:00 EDT 2026-05-10: a month later is 08:00 EDT 2026-06-10.
        ("2026-05-10T12:00:00Z", datetime(2026, 5, 11, tzinfo=UTC), "open", "2026-06-10T12:00:00Z"),
        (None, datetime(2026, 5, 1, tzinfo=UTC), "waiting for trigger", None),  # ongoing past the first date
        (None, datetime(2026, 4, 15, tzinfo=UTC), "undetermined", None),  # may still close in time
    ],
)
def test_nis2_final_report_is_due_a_month_after_closure_when_the_incident_outlasts_the_first_date(
    closed_at: str | None, now: datetime, status: str, due_at: str | None
) -> None:
    record = breach_record(closed_at=closed_at, notifications=[NOTIFIED])
    report = report_for(record, "nis2", "UTC", now=now)
    got = clock(report, "final-after-close")
    assert (got.status, got.due_at) == (status, due_at)
    assert ("closed_at" in checklist(report)) is (closed_at is None)
    assert clock(report, "final-1mo").due_at == "2026-04-30T10:00:00Z"


def test_nis2_final_report_after_closure_waits_for_the_incident_notification_and_significance() -> None:
    assert clock(report_for(breach_record(), "nis2", "UTC"), "final-after-close").status == "not applicable"
    record = breach_record(nis2_significant=False, closed_at=None, notifications=[NOTIFIED])
    late = datetime(2026, 6, 1, tzinfo=UTC)
    assert clock(report_for(record, "nis2", "UTC", now=late), "final-after-close").status == "not applicable"


def test_a_deadline_can_only_follow_an_earlier_one() -> None:
    data = tomllib.loads(regimes.file_for("nis2").read_text("utf-8"))
    data["deadlines"][-1]["after_due_of"] = "no-such-deadline"
    with pytest.raises(ValidationError, match="not an earlier deadline"):
        regimes.Regime.model_validate(data)


# --- HIPAA 45 CFR 164.410: business associate to covered entity (compliance.md §3, §7.2) ---


@pytest.mark.parametrize(
    ("changes", "status"),
    [
        ({"reporting_org__hipaa_role": "business associate"}, "open"),
        ({"reporting_org__hipaa_role": None, "reporting_org__org_type": "BA"}, "open"),
        ({"reporting_org__hipaa_role": "covered entity"}, "not applicable"),
        ({"reporting_org__hipaa_role": "BA", "phi_unsecured": False}, "not applicable"),
        ({"reporting_org__hipaa_role": None}, "undetermined"),
    ],
)
def test_a_business_associate_tells_the_covered_entity_within_60_days(changes: dict[str, Any], status: str) -> None:
    report = report_for(breach_record(**changes), "hipaa", "UTC")
    got = clock(report, "ba-60d")
    assert got.status == status
    if status != "not applicable":
        # discovered 15:00 EST 2026-03-07; 60 calendar days in New York end 15:00 EDT 2026-05-06.
        assert got.due_at == "2026-05-06T19:00:00Z"
    assert ("reporting_org.hipaa_role" in checklist(report)) is (status == "undetermined")


# --- California Civ. Code §1798.29(e): agencies send the AG a sample notice above 500 (compliance.md §5.2) ---

AGENCY = {"reporting_org__org_type": "state-agency"}
RESIDENTS = {"regime": "us-state:CA", "recipient": "CA residents", "deadline": "individuals-agency"}


def test_a_california_agency_sends_the_attorney_general_a_sample_notice_above_500_residents() -> None:
    assert clock(report_for(breach_record(**AGENCY), "us-state:CA", "UTC"), "ag-agency").status == (
        "waiting for trigger"
    )
    sent = [dict(RESIDENTS, sent_at="2026-03-08T06:00:00Z")]
    got = clock(report_for(breach_record(**AGENCY, notifications=sent), "us-state:CA", "UTC"), "ag-agency")
    assert (got.status, got.due_at, got.summary) == ("no fixed limit", None, "no fixed limit; 1 h 00 min elapsed")
    ag = {"regime": "us-state:CA", "recipient": "California Attorney General", "sent_at": "2026-03-08T06:30:00Z"}
    done = breach_record(**AGENCY, notifications=[*sent, ag])
    assert clock(report_for(done, "us-state:CA", "UTC"), "ag-agency").status == "met"


@pytest.mark.parametrize(("org_type", "residents"), [("state-agency", 500), ("business", 700)])
def test_the_agency_sample_notice_needs_more_than_500_residents_and_an_agency(org_type: str, residents: int) -> None:
    record = breach_record(
        reporting_org__org_type=org_type, individuals={"total": 2400, "by_us_state": {"CA": residents}}
    )
    assert clock(report_for(record, "us-state:CA", "UTC"), "ag-agency").status == "not applicable"
