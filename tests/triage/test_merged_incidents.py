"""An incident merged into another lives on there: it is not merged again, merged into, reopened or added to."""

from __future__ import annotations

from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1, A3, A5, B2


def _merged(cli: Cli) -> None:
    cli("incidents", "create", A1, "--title", "phishing on ws-01")
    cli("incidents", "create", A3, "--title", "bob's account")
    cli("incidents", "note", "INC-2", "bob called the helpdesk", analyst="lee")
    cli("incidents", "task", "INC-2", "reset bob's password")
    cli("incidents", "merge", "INC-1", "INC-2")


def test_merging_the_same_incident_twice_is_refused_and_copies_nothing_again(cli: Cli, loaded) -> None:
    _merged(cli)
    again = cli("incidents", "merge", "INC-1", "INC-2", expect=None)
    assert "INC-2 was merged into INC-1" in str(again.exception)
    kept = cli("incidents", "show", "INC-1", "--format", "json").json()
    assert [n["text"] for n in kept["notes"]] == [
        "[from INC-2] bob called the helpdesk",
        "merged INC-2 into this incident",
    ]
    assert [t["text"] for t in kept["tasks"]] == ["reset bob's password"]


def test_a_merged_incident_takes_no_alerts_and_keeps_its_state(cli: Cli, loaded) -> None:
    _merged(cli)
    cli("incidents", "create", A5, "--title", "third")
    assert "merged into INC-1" in str(cli("incidents", "merge", "INC-2", "INC-3", expect=None).exception)
    assert "merged into INC-1" in str(cli("incidents", "add", "INC-2", B2, expect=None).exception)
    assert "merged into INC-1" in str(cli("incidents", "status", "INC-2", "analysis", expect=None).exception)
    gone = cli("incidents", "show", "INC-2", "--format", "json").json()
    assert gone["state"] == "closed" and gone["alert_ids"] == [] and gone["alerts"] == []
    assert cli("incidents", "show", "INC-3", "--format", "json").json()["alert_ids"] == [A5]
    assert cli("alerts", "show", B2, "--format", "json").json()["alert"]["incident_id"] is None
