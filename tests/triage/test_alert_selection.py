"""An alert action given ids refuses the filter options it would otherwise ignore."""

from __future__ import annotations

import pytest

from secops.errors import UsageError
from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1, B2


@pytest.mark.parametrize("narrowing", [["--severity", "critical"], ["--host", "ws-09"], ["--all"]])
def test_ids_with_filter_options_are_refused_and_change_nothing(cli: Cli, loaded, narrowing: list[str]) -> None:
    ran = cli("alerts", "close", A1, B2, "--reason", "benign", *narrowing, expect=None)
    assert isinstance(ran.exception, UsageError) and "not both" in str(ran.exception)
    assert {a["status"] for a in cli("alerts", "list", "--format", "json").json()} == {"open"}
