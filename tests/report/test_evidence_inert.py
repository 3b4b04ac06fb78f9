"""The evidence CSV shows bidi overrides and C1 controls as escapes, and its JSON records still decode exactly."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from secops.cases import incidents as ops
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.report.conftest import Run
from tests.triage.factory import alert, event

SPOOFED = "admin\u202egnp.exe"  # shown raw, a right-to-left override makes it read "adminexe.png"
CSI = "x\u009b2Jy"  # a C1 control: on many terminals, "clear screen"


def test_evidence_csv_is_inert_and_keeps_records_exact(data_dir: Path, cli: Run) -> None:
    events = EmbeddedEventStore(data_dir)
    events.write([event(1, user__name=SPOOFED, host__name=CSI), event(2, host__name="ws-02")])
    events.close()
    cases = SqliteCaseStore(data_dir / STATE_DB)
    stored = cases.add_alerts([alert(1, rule=SPOOFED, events=("ev-00001",)), alert(2, events=("ev-00002",))])
    ops.create(cases, [a.id for a in stored], actor=SPOOFED, title="spoofed names")
    cases.close()
    text = cli("report", "evidence", "INC-1", "--format", "csv").stdout
    assert "\u202e" not in text and "\u009b" not in text
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    audit = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[0] == "audit"]
    assert audit and all(row["actor"] == "admin\\u202egnp.exe" for row in audit)  # visible, not applied
    records = [json.loads(r[-1]) for r in rows[1:] if r[0] == "event"]
    assert {(d["user"]["name"], d["host"]["name"]) for d in records} >= {(SPOOFED, CSI)}  # exact after decoding
