"""Warnings about a threat feed's bad entries quote the feed, and the feed is third-party text: shown inert."""

from __future__ import annotations

from pathlib import Path

import orjson

from tests.triage.conftest import Cli


def test_a_misp_export_with_escape_sequences_in_its_ids_warns_without_them(cli: Cli, tmp_path: Path) -> None:
    export = {
        "Event": {
            "uuid": "5f1c0d3e-\x1b[2J\x1b]8;;https://evil.example\x07",
            "info": "phishing wave",
            "threat_level_id": "1",
            "Attribute": [
                {"type": "ip-dst|port", "value": "203.0.113.9", "to_ids": True},  # one value for two types
                {"type": "domain", "value": "login.bad.example", "to_ids": True},
            ],
        }
    }
    feed = tmp_path / "misp.json"
    feed.write_bytes(orjson.dumps(export))
    ran = cli("ioc", "import", str(feed), "--format", "json")
    assert ran.json()[0]["indicators"] == 1 and ran.json()[0]["problems"] == 1
    assert "value does not fit type ip-dst|port" in ran.err
    assert "\x1b" not in ran.err and "\x07" not in ran.err and "\\x1b[2J" in ran.err
