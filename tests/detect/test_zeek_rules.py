"""Sigma rules for Zeek's conn log meet our zeek.connection events (Elastic's name for it)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

RULE = """title: Zeek connection to a listener port
id: 0c0c0c0c-0c0c-4c0c-8c0c-0c0c0c0c0c0c
logsource: {product: zeek, service: conn}
detection:
  s: {dst_port: 4444}
  condition: s
level: high
"""
CONN = (
    '{"_path":"conn","ts":1700000000.123,"uid":"C%d","id.orig_h":"10.0.0.5","id.orig_p":50000,'
    '"id.resp_h":"198.51.100.7","id.resp_p":%d,"proto":"tcp","conn_state":"SF"}\n'
)


def test_a_conn_rule_fires_on_zeek_connection_events(tmp_path: Path) -> None:
    rule, log = tmp_path / "rule.yml", tmp_path / "conn.log"
    rule.write_text(RULE, "utf-8")
    log.write_text(CONN % (1, 4444) + CONN % (2, 443), "utf-8")
    env = {**os.environ, "SECOPS_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "secops", "detect", "scan", str(log), "-r", str(rule), "--no-bundled", "-f", "csv"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(row["rule"], row["events"]) for row in rows] == [("Zeek connection to a listener port", "1")]
    assert rows[0]["first event"] == str(log)  # a JSON stream has no byte offset to print, and no ":None"
