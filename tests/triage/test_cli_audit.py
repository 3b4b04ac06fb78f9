"""``secops audit``: the log, and ``verify`` failing on an edited, a deleted and a swapped entry (and more)."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from secops.store.sqlite import STATE_DB
from tests.triage.conftest import Cli
from tests.triage.test_cli_alerts import A1, A3, A5, B2


@pytest.fixture
def history(cli: Cli, loaded: Path) -> Path:
    """Six audited changes by two analysts."""
    cli("alerts", "ack", A1, analyst="dana")
    cli("alerts", "close", A3, "--reason", "benign", analyst="dana")
    cli("incidents", "create", A1, A5, "--title", "bob", analyst="lee")  # create + two alert moves
    cli("incidents", "note", "INC-1", "looked at it", analyst="lee")
    return loaded / STATE_DB


def test_log_shows_who_what_when_before_and_after(cli: Cli, history: Path) -> None:
    log = cli("audit", "log", "--format", "json").json()
    assert [(e["seq"], e["actor"], e["action"]) for e in log] == [
        (1, "dana", "alert.ack"),
        (2, "dana", "alert.close"),
        (3, "lee", "incident.create"),
        (4, "lee", "alert.incident"),
        (5, "lee", "alert.incident"),
        (6, "lee", "incident.note"),
    ]
    assert log[1]["before"]["status"] == "open" and log[1]["after"]["close_reason"] == "benign"
    assert log[3]["before"]["incident_id"] is None and log[3]["after"]["incident_id"] == "INC-1"
    assert all(e["prev_hash"] == p["hash"] for p, e in itertools.pairwise(log))
    assert [e["seq"] for e in cli("audit", "log", "--actor", "dana", "--format", "json").json()] == [1, 2]
    assert [e["seq"] for e in cli("audit", "log", "--target", A1, "--format", "json").json()] == [1, 4]
    assert [e["seq"] for e in cli("audit", "log", "--action", "incident.", "--format", "json").json()] == [3, 6]
    table = cli("audit", "log", "--limit", "2").rows()
    assert [r[0] for r in table] == ["5", "6"] and "incident_id: None → INC-1" in table[0][5]


def test_verify_passes_on_an_untouched_log(cli: Cli, history: Path) -> None:
    ran = cli("audit", "verify")
    assert ran.text.startswith("audit log intact: 6 entries, head ")
    assert cli("audit", "verify", "--format", "json").json()["ok"] is True


def _db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_verify_fails_on_a_modified_entry(cli: Cli, history: Path) -> None:
    with _db(history) as db:
        db.execute("UPDATE audit SET after = replace(after, 'benign', 'true_positive') WHERE seq = 2")
    ran = cli("audit", "verify", expect=1)
    assert "entry 2 edited: its content does not match its hash" in ran.text
    assert "NOT intact: 1 problem(s) in 6 entries" in ran.text


def test_verify_fails_on_a_deleted_entry(cli: Cli, history: Path) -> None:
    with _db(history) as db:
        db.execute("DELETE FROM audit WHERE seq = 3")
    ran = cli("audit", "verify", "--format", "json", expect=1).json()
    assert ran["ok"] is False
    assert [(p["seq"], p["kind"]) for p in ran["problems"]] == [(3, "deleted")]
    assert "entry 3 deleted" in ran["problems"][0]["message"]


def test_verify_fails_on_swapped_entries(cli: Cli, history: Path) -> None:
    with _db(history) as db:
        db.execute("UPDATE audit SET seq = -1 WHERE seq = 4")
        db.execute("UPDATE audit SET seq = 4 WHERE seq = 5")
        db.execute("UPDATE audit SET seq = 5 WHERE seq = -1")
    ran = cli("audit", "verify", expect=1)
    assert "entry 4 holds the record written as entry 5: entries reordered" in ran.text
    assert "entry 5 holds the record written as entry 4: entries reordered" in ran.text


def test_verify_catches_an_edit_with_a_recomputed_hash(cli: Cli, history: Path) -> None:
    from secops.store.cases_sqlite import audit_hash

    with _db(history) as db:
        row = db.execute(
            "SELECT prev_hash, seq, ts, actor, action, target, before, after FROM audit WHERE seq = 1"
        ).fetchone()
        forged = list(row)
        forged[3] = "mallory"
        db.execute("UPDATE audit SET actor = ?, hash = ? WHERE seq = 1", ("mallory", audit_hash(*forged)))
    ran = cli("audit", "verify", expect=1)
    assert "entry 1 edited and its hash rewritten" in ran.text


def test_verify_catches_a_deletion_with_renumbering(cli: Cli, history: Path) -> None:
    with _db(history) as db:
        db.execute("DELETE FROM audit WHERE seq = 2")
        db.execute("UPDATE audit SET seq = seq - 1 WHERE seq > 2")
    ran = cli("audit", "verify", "--format", "json", expect=1).json()
    assert [(p["seq"], p["kind"]) for p in ran["problems"]] == [(2, "deleted")]
    assert "1 entry(ies) deleted before it and the rest renumbered" in ran["problems"][0]["message"]
    cli("incidents", "note", "INC-1", "x")  # a fresh, valid entry after the damage does not hide it
    assert not cli("audit", "verify", "--format", "json", expect=1).json()["ok"]


def test_verify_with_a_recorded_head_catches_a_cut_tail(cli: Cli, history: Path) -> None:
    head = cli("audit", "verify", "--format", "json").json()["head"]
    cli("audit", "verify", "--head", head)
    with _db(history) as db:
        db.execute("DELETE FROM audit WHERE seq >= 5")
    assert cli("audit", "verify").code == 0  # a shorter chain is still a valid chain ...
    ran = cli("audit", "verify", "--head", head, expect=1)  # ... unless the head noted earlier is gone
    assert "entries after 4 are gone" in ran.text


def test_every_state_change_is_audited(cli: Cli, loaded: Path) -> None:
    """Each command that changes state leaves exactly the entries it should."""
    steps = [
        (("alerts", "ack", A1), ["alert.ack"]),
        (("alerts", "assign", A1, "--to", "lee"), ["alert.assign"]),
        (("alerts", "close", A3, "--reason", "true_positive"), ["alert.close"]),
        (("alerts", "reopen", A3), ["alert.reopen"]),
        (("alerts", "suppress", B2, "--reason", "lab"), ["suppression.add", "alert.suppress"]),
        (("incidents", "create", A1), ["incident.create", "alert.incident"]),
        (("incidents", "add", "INC-1", A5), ["incident.add", "alert.incident"]),
        (("incidents", "status", "INC-1", "eradication"), ["incident.state"]),
        (("incidents", "assign", "INC-1", "kim"), ["incident.assign"]),
        (("incidents", "task", "INC-1", "image the disk"), ["incident.task"]),
        (("incidents", "edit", "INC-1", "--user", "bob"), ["incident.edit"]),
        (("incidents", "evidence", "INC-1", "ev-00001"), ["incident.evidence"]),
    ]
    seen = 0
    for args, actions in steps:
        cli(*args, analyst="kim")
        log = cli("audit", "log", "--format", "json").json()
        assert [e["action"] for e in log[seen:]] == actions, args
        assert {e["actor"] for e in log[seen:]} == {"kim"}
        seen = len(log)
    assert cli("audit", "verify").code == 0
