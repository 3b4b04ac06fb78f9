"""``audit log`` writes its times as every other listing does: RFC 3339 in UTC with a ``Z``."""

from __future__ import annotations

import re

from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1

UTC_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(\d{3})?Z$")


def test_audit_table_times_are_utc_with_a_z(cli: Cli, loaded) -> None:
    cli("alerts", "ack", A1, analyst="dana")
    rows = cli("audit", "log").rows()
    assert rows and all(UTC_STAMP.match(row[1]) for row in rows), [row[1] for row in rows]
    alert_list_time = cli("alerts", "list", "--limit", "1").rows()[0][1]
    assert UTC_STAMP.match(alert_list_time)
