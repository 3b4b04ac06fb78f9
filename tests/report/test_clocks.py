"""Deadline edge cases: business days, month ends, the HIPAA year-end log, overdue, met, late, provisional clocks."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.report.deadlines import due
from tests.report.conftest import breach_record
from tests.report.test_regimes import report_for


def clock(report, deadline_id):
    return next(c for c in report.deadlines if c.id == deadline_id)


def test_business_days_skip_weekends_in_the_org_zone() -> None:
    # recovered Friday 2026-03-13 11:00 EDT; 10 business days later is Friday 2026-03-27 11:00 EDT.
    record = breach_record(reporting_org__org_type="state-agency")
    got = clock(report_for(record, "us-state:TX", "UTC"), "dir-10bd")
    assert got.due_at == "2026-03-27T15:00:00Z"
    assert clock(report_for(record, "us-state:TX", "UTC"), "dir-48h").due_at == "2026-03-09T20:00:00Z"


def test_a_month_after_the_31st_ends_on_the_last_day_of_the_next_month() -> None:
    sent = {"regime": "nis2", "recipient": "CSIRT", "stage": "incident-notification", "sent_at": "2026-03-31T10:00:00Z"}
    got = clock(report_for(breach_record(notifications=[sent]), "nis2", "UTC"), "final-1mo")
    assert (got.status, got.due_at) == ("open", "2026-04-30T10:00:00Z")


def test_small_hipaa_breaches_are_due_sixty_days_after_the_year_ends() -> None:
    got = clock(report_for(breach_record(individuals={"total": 40}), "hipaa", "UTC"), "hhs-annual")
    # 2027-01-01 00:00 EST + 60 days = 2027-03-02 00:00 EST, the end of 1 March.
    assert (got.status, got.due_at) == ("open", "2027-03-02T05:00:00Z")
    assert clock(report_for(breach_record(individuals={"total": 40}), "hipaa", "UTC"), "hhs-60d").status == (
        "not applicable"
    )


def test_calendar_days_keep_the_wall_clock_time_across_dst() -> None:
    new_york = __import__("zoneinfo").ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 20, tzinfo=UTC)  # 15:00 EST
    assert due(start, "1d", new_york) == datetime(2026, 3, 8, 19, tzinfo=UTC)  # 15:00 EDT: 23 h later
    assert due(start, "24h", new_york) == datetime(2026, 3, 8, 20, tzinfo=UTC)  # 24 h later: 16:00 EDT
    assert due(start, "1d", UTC) == datetime(2026, 3, 8, 20, tzinfo=UTC)


def test_overdue_met_and_late() -> None:
    after = datetime(2026, 3, 8, 9, 10, tzinfo=UTC)
    overdue = clock(report_for(breach_record(), "cisa-federal", "UTC", now=after), "cisa-1h")
    assert overdue.status == "overdue" and overdue.summary == "overdue by 1 h 30 min"
    on_time = {"regime": "cisa-federal", "recipient": "CISA", "sent_at": "2026-03-08T07:10:00Z", "reference_no": "T-1"}
    met = clock(report_for(breach_record(notifications=[on_time]), "cisa-federal", "UTC", now=after), "cisa-1h")
    assert (met.status, met.met_reference, met.summary) == ("met", "T-1", "met, 30 min before the deadline")
    late = dict(on_time, sent_at="2026-03-08T08:00:00Z")
    got = clock(report_for(breach_record(notifications=[late]), "cisa-federal", "UTC", now=after), "cisa-1h")
    assert got.status == "met late" and got.summary == "met late, 20 min after the deadline"


def test_a_late_gdpr_notification_needs_the_reasons_for_delay() -> None:
    late = datetime(2026, 4, 2, tzinfo=UTC)
    report = report_for(breach_record(delay_reason=None), "gdpr", "UTC", now=late)
    assert clock(report, "sa-72h").status == "overdue"
    assert "delay_reason" in [m.path for m in report.checklist]
    on_time = report_for(breach_record(delay_reason=None), "gdpr", "UTC", now=datetime(2026, 3, 30, tzinfo=UTC))
    assert "delay_reason" not in [m.path for m in on_time.checklist]


def test_a_missing_trigger_counts_from_an_earlier_moment_and_says_so() -> None:
    report = report_for(breach_record(aware_at=None), "gdpr", "UTC")
    got = clock(report, "sa-72h")
    # identified_at (2026-03-08 06:40Z) stands in: provisional, and aware_at goes to the checklist.
    assert got.provisional and got.counted_from == "identified_at" and got.due_at == "2026-03-11T06:40:00Z"
    assert "aware_at" in [m.path for m in report.checklist]


def test_an_undecided_condition_leaves_the_deadline_undetermined() -> None:
    report = report_for(breach_record(nis2_significant=None), "nis2", "UTC")
    got = clock(report, "early-warning-24h")
    assert got.status == "undetermined" and got.due_at == "2026-03-30T00:30:00Z"
    assert "nis2_significant" in [m.path for m in report.checklist]
    assert clock(report_for(breach_record(nis2_significant=False), "nis2", "UTC"), "early-warning-24h").status == (
        "not applicable"
    )
