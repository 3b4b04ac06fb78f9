"""Breach facts the reports cannot use are refused when set, stores holding them still list every clock, STIX SCOs once.

Each test names the QA finding it pins: counts of people that contradict each
other, US state codes in lower case or made up, unknown regimes and time
zones, one bad stored record stopping ``report deadlines`` for all, and the
same address repeated in a STIX bundle.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from secops.cases import incidents as ops
from secops.errors import UsageError
from secops.report import breach_model, clocks
from secops.report.facts import Facts
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.report.conftest import ATTACKER_IP, Run
from tests.triage.factory import alert, event

HIPAA = ["regimes+=hipaa", "phi_unsecured=true", "breach_discovered_at=2026-11-05T12:00Z"]


def refused(cli: Run, *assignments: str) -> str:
    """The message of an ``incidents set`` that must fail."""
    exc = cli("incidents", "set", "INC-1", *assignments, expect=1).exception
    assert isinstance(exc, UsageError), repr(exc)
    return str(exc)


def recorded(cli: Run) -> dict[str, Any]:
    return json.loads(cli("incidents", "breach", "INC-1", "--format", "json").stdout or "{}")


def stored_incident(data_dir: Path) -> Any:
    cases = SqliteCaseStore(data_dir / STATE_DB)
    try:
        return ops.load(cases, "INC-1")
    finally:
        cases.close()


# 1. A total smaller than the counts by state.


def test_a_total_below_the_sum_by_state_is_refused_with_both_numbers(populated: Path, cli: Run) -> None:
    counts = ["individuals.total=100", "individuals.by_us_state.TX=600", "individuals.by_us_state.CA=50"]
    message = refused(cli, *HIPAA, *counts)
    assert "INC-1" in message and "100" in message and "650" in message and "TX 600" in message
    assert recorded(cli) == {}  # all or none: not even the valid assignments were kept
    cli("incidents", "set", "INC-1", *HIPAA, "individuals.total=650", *counts[1:])
    assert recorded(cli)["individuals"] == {"total": 650, "by_us_state": {"TX": 600, "CA": 50}}
    assert "649" in refused(cli, "individuals.total=649")
    assert "by EU member state" in refused(cli, "individuals.by_eu_member_state.DE=651")


def test_the_toml_round_trip_gets_the_same_check(populated: Path, cli: Run, tmp_path: Path) -> None:
    cli("incidents", "set", "INC-1", "individuals.total=700", "individuals.by_us_state.TX=600")
    shown = cli("incidents", "breach", "INC-1", "--format", "toml").stdout
    edited = tmp_path / "breach.toml"
    edited.write_text(shown.replace("total = 700", "total = 500"))
    for replace in ((), ("--replace",)):
        exc = cli("incidents", "edit-breach", "INC-1", "--file", str(edited), *replace, expect=1).exception
        assert isinstance(exc, UsageError) and "500" in str(exc) and "600" in str(exc) and "breach.toml" in str(exc)
    assert recorded(cli)["individuals"]["total"] == 700


def test_the_model_itself_refuses_inconsistent_counts() -> None:
    with pytest.raises(UsageError, match=r"total is 10 .* add up to 11"):
        breach_model.read({"individuals": {"total": 10, "by_us_state": {"TX": 6, "CA": 5}}})
    assert breach_model.read({"individuals": {"by_us_state": {"TX": 6}}}).individuals.total is None


# 2. US state codes.


def test_state_codes_are_kept_upper_case_and_read_by_the_state_regime(populated: Path, cli: Run) -> None:
    cli("incidents", "set", "INC-1", "individuals.by_us_state.tx=5", "regimes+=us-state:TX")
    assert recorded(cli)["individuals"]["by_us_state"] == {"TX": 5}
    assert Facts(stored_incident(populated)).value("individuals.by_us_state.TX") == 5  # what us-state:TX reads
    cli("incidents", "set", "INC-1", "individuals.by_us_state.Tx=7")  # replaces TX, does not add a second one
    assert recorded(cli)["individuals"]["by_us_state"] == {"TX": 7}


def test_a_lower_case_code_stored_by_an_older_version_is_the_same_state(populated: Path, cli: Run) -> None:
    cases = SqliteCaseStore(populated / STATE_DB)
    incident = ops.load(cases, "INC-1")
    old = {"individuals": {"by_us_state": {"tx": 5}}}
    cases.update_incident(incident.model_copy(update={"breach": old}), actor="old", action="incident.breach")
    cases.close()
    assert recorded(cli)["individuals"]["by_us_state"] == {"TX": 5}
    cli("incidents", "set", "INC-1", "individuals.by_us_state.TX=600", "individuals.total=600")
    assert recorded(cli)["individuals"] == {"total": 600, "by_us_state": {"TX": 600}}


def test_codes_that_are_not_us_states_are_refused(populated: Path, cli: Run, tmp_path: Path) -> None:
    assert "'ZZ' is not a US state" in refused(cli, "individuals.by_us_state.ZZ=1")
    assert "'TEXAS' is not a US state" in refused(cli, "individuals.by_us_state.Texas=1")
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"individuals": {"by_us_state": {"tx": 1, "TX": 2}}}))
    exc = cli("incidents", "edit-breach", "INC-1", "--file", str(both), expect=1).exception
    assert isinstance(exc, UsageError) and "TX is given twice" in str(exc)
    for code in ("DC", "PR", "GU", "VI"):
        assert breach_model.us_state(code.lower()) == code


# 3. Unknown regimes and zones; a bad stored record does not stop ``report deadlines``.


def test_unknown_regimes_and_time_zones_are_refused_when_set(populated: Path, cli: Run) -> None:
    message = refused(cli, "regimes+=bogus")
    assert "no regime 'bogus'" in message and "us-state:CA" in message
    assert "Mars/X" in refused(cli, "reporting_org.timezone=Mars/X")
    assert "../etc" in refused(cli, "reporting_org.timezone=../etc/passwd")
    cli("incidents", "set", "INC-1", "regimes=GDPR,us-state:tx,gdpr", "reporting_org.timezone=Europe/Berlin")
    assert recorded(cli)["regimes"] == ["gdpr", "us-state:TX"]
    cli("report", "deadlines")


@pytest.fixture
def older_store(data_dir: Path) -> Path:
    """Four open incidents whose breach records were written without today's checks (as older versions did)."""
    cases = SqliteCaseStore(data_dir / STATE_DB)
    stored = cases.add_alerts([alert(n, rule=f"rule-{n}") for n in range(1, 5)])
    records = [
        {"regimes": ["bogus"]},
        {"regimes": ["gdpr"], "aware_at": "2026-11-05T12:00:00Z", "reporting_org": {"timezone": "Mars/X"}},
        {"regimes": ["hipaa"], "individuals": {"total": 100, "by_us_state": {"TX": 600}}},
        {"regimes": ["gdpr"], "aware_at": "2026-11-05T12:00:00Z"},
    ]
    for one, record in zip(stored, records, strict=True):
        incident = ops.create(cases, [one.id], actor="old", title=one.rule.name)
        cases.update_incident(incident.model_copy(update={"breach": record}), actor="old", action="incident.breach")
    cases.close()
    return data_dir


def test_deadlines_report_a_bad_stored_record_and_list_the_other_incidents(older_store: Path, cli: Run) -> None:
    cases = SqliteCaseStore(older_store / STATE_DB)
    try:
        rows = clocks.open_clocks(cases, [], now=datetime(2026, 11, 6, tzinfo=UTC), where=UTC)
    finally:
        cases.close()
    invalid = {r["incident"]: r["needs"] for r in rows if r["status"] == "invalid"}
    assert set(invalid) == {"INC-1", "INC-2", "INC-3"}
    assert "no regime 'bogus'" in invalid["INC-1"] and "Mars/X" in invalid["INC-2"] and "600" in invalid["INC-3"]
    assert ("INC-4", "gdpr", "sa-72h") in {(r["incident"], r.get("regime"), r.get("deadline")) for r in rows}
    ran = cli("report", "deadlines", "--format", "json")
    assert {r["incident"] for r in json.loads(ran.stdout)} == {"INC-1", "INC-2", "INC-3", "INC-4"}
    assert "no clocks for INC-1, INC-2, INC-3" in ran.stderr
    cli("incidents", "set", "INC-1", "regimes-=bogus")  # the record can still be repaired
    after = json.loads(cli("report", "deadlines", "--format", "json").stdout)
    assert "INC-1" not in {r["incident"] for r in after if r["status"] == "invalid"}


def test_a_mistyped_regime_option_is_still_an_error(older_store: Path, cli: Run) -> None:
    exc = cli("report", "deadlines", "--regime", "bogus", expect=1).exception
    assert isinstance(exc, UsageError) and "no regime 'bogus'" in str(exc)


# 4. STIX: one SCO per id.


@pytest.fixture
def repeated_address(data_dir: Path) -> Path:
    """Four events from the same address behind one incident."""
    events = EmbeddedEventStore(data_dir)
    events.write([event(n, source__ip=ATTACKER_IP) for n in range(1, 5)])
    events.close()
    cases = SqliteCaseStore(data_dir / STATE_DB)
    stored = cases.add_alerts([alert(1, ips=(ATTACKER_IP,), events=tuple(f"ev-{n:05d}" for n in range(1, 5)))])
    ops.create(cases, [a.id for a in stored], actor="dana", title="Brute force")
    cases.close()
    return data_dir


def test_stix_lists_each_observable_once_in_order(repeated_address: Path, cli: Run) -> None:
    text = cli("report", "breach", "INC-1", "--regime", "cisa-federal", "--format", "stix").stdout
    objects = json.loads(text)["objects"]
    ids = [o["id"] for o in objects]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    report = next(o for o in objects if o["type"] == "report")
    assert len(report["object_refs"]) == len(set(report["object_refs"])) == len(ids) - 2  # all but identity, report
    address = next(o["id"] for o in objects if o["type"] == "ipv4-addr" and o["value"] == ATTACKER_IP)
    observed = [o for o in objects if o["type"] == "observed-data"]
    assert len(observed) == 4 and all(address in o["object_refs"] for o in observed)
    assert ids.index(address) < ids.index(observed[0]["id"])  # first seen, first listed
