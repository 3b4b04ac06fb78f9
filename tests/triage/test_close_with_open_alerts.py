"""Closing an incident whose alerts are still open says so: they stay in the queue, under a closed incident."""

from __future__ import annotations

from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1, A3


def test_closing_an_incident_with_open_alerts_warns_and_names_the_way_out(cli: Cli, loaded) -> None:
    cli("incidents", "create", A1, A3)
    cli("alerts", "ack", A1)
    closed = cli("incidents", "status", "INC-1", "closed")
    assert "INC-1 is closed with 2 alert(s) still open" in closed.err
    assert "secops alerts close --incident INC-1" in closed.err
    cli("incidents", "status", "INC-1", "recovery")
    cli("alerts", "close", "--incident", "INC-1", "--reason", "true_positive")
    assert "still open" not in cli("incidents", "status", "INC-1", "closed").err
