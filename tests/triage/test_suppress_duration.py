"""``alerts suppress`` takes one way of saying how long an exception holds, and refuses two."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secops.errors import UsageError
from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1


@pytest.mark.parametrize(
    "lifetime",
    [
        ["--for", "7d", "--permanent"],
        ["--for", "7d", "--until", "2099-01-01"],
        ["--until", "2099-01-01", "--permanent"],
    ],
)
def test_two_lifetimes_are_refused_and_nothing_is_suppressed(cli: Cli, loaded, lifetime: list[str]) -> None:
    ran = cli("alerts", "suppress", A1, "--reason", "patch window", *lifetime, expect=None)
    assert isinstance(ran.exception, UsageError) and "one of --for, --until or --permanent" in str(ran.exception)
    assert cli("alerts", "suppressions", "--format", "json").json() == []
    assert cli("alerts", "show", A1, "--format", "json").json()["alert"]["status"] == "open"


def test_without_a_lifetime_an_exception_holds_thirty_days(cli: Cli, loaded) -> None:
    made = cli("alerts", "suppress", A1, "--reason", "patch window", "--format", "json").json()
    expires = datetime.fromisoformat(made["expires"].replace("Z", "+00:00"))
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
