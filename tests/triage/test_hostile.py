"""Hostile log content is printed inert by ``alerts list``, ``alerts show``, ``hunt`` and ``incidents timeline``.

Events and alerts carry Rich markup, ANSI escape sequences, terminal control
characters, CSV formula prefixes and HTML. Each command runs in every format
(the table on a real pseudo-terminal, as an analyst would see it, and piped);
the test reads the raw bytes written and checks that nothing a terminal or a
spreadsheet would act on got through, while JSON gives back every value exactly.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import tty
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from secops.cases.models import Alert, Entities, MatchedEvent, RuleRef
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.triage.factory import T0, event

MARKUP = "[bold red]ALERT[/bold red] [link=https://evil.example/x]click[/link]"
ANSI = "\x1b[2J\x1b[1;31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07"
CONTROL = "bell\x07 back\x08\x08 cr\roverwrite c1\x9b31m rtl\u202egnp.exe"
FORMULA = '=HYPERLINK("http://evil.example","x")'
PLUS, MINUS, AT = "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"
HTML = "<script>alert(1)</script><img src=x onerror=alert(2)>"
PAYLOADS = (MARKUP, ANSI, CONTROL, FORMULA, PLUS, MINUS, AT, HTML)

FORBIDDEN = {
    "erase screen": b"\x1b[2J",
    "hyperlink": b"\x1b]8;",
    "red from the log": b"\x1b[1;31mred",
    "bell": b"\x07",
    "backspace": b"\x08",
    "carriage return": b"\r",
    "C1 CSI": b"\xc2\x9b",
    "right-to-left override": b"\xe2\x80\xae",
}
RICH_STYLE = re.compile(rb"\x1b\[[0-9;]*m")
"""The SGR sequences Rich itself writes for table styling; anything else starting with ESC is a leak."""


def hostile_events() -> list[dict]:
    return [
        event(1, user__name=MARKUP, event__action=FORMULA, event__outcome=PLUS, message=ANSI + " " + CONTROL),
        event(2, user__name=MARKUP, event__action=MINUS, event__outcome=AT, message=HTML),
        event(3, host__name="ws-01", user__name="bob", event__original=ANSI + CONTROL + HTML, url__original=FORMULA),
    ]


def hostile_alert() -> Alert:
    return Alert(
        id=Alert.make_id("hostile"),
        dedup_key="hostile",
        timestamp=T0 + timedelta(minutes=1),
        rule=RuleRef(id="r-hostile", name=FORMULA, author=MARKUP, description=ANSI + CONTROL, references=[HTML]),
        severity="high",
        techniques=[PLUS],
        events=[MatchedEvent(id=f"ev-{n:05d}") for n in (1, 2, 3)],
        entities=Entities(hosts=["ws-01"], users=[MARKUP, ANSI + CONTROL], ips=[MINUS]),
        details={"why": HTML + AT},
    )


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("hostile") / "data"
    events = EmbeddedEventStore(data)
    events.write(hostile_events())
    events.close()
    cases = SqliteCaseStore(data / STATE_DB)
    cases.add_alerts([hostile_alert()])
    from secops.cases import incidents

    incidents.create(cases, [hostile_alert().id], actor="dana")
    cases.close()
    return data


COMMANDS = {
    "alerts list": ["alerts", "list"],
    "alerts show": ["alerts", "show", Alert.make_id("hostile")],
    "hunt": ["hunt", "host.name:ws-01"],
    "incidents timeline": ["incidents", "timeline", "INC-1"],
}


def run_piped(data: Path, args: list[str]) -> bytes:
    result = subprocess.run(
        [sys.executable, "-m", "secops", "--data-dir", str(data), *args],
        capture_output=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "3000"},
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def run_on_terminal(data: Path, args: list[str]) -> bytes:
    """Run with stdout on a raw pseudo-terminal 3000 columns wide and return every byte written to it."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 3000, 0, 0))
    env = {**os.environ, "COLUMNS": "3000", "LINES": "50", "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "secops", "--data-dir", str(data), *args],
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            process.kill()
            raise AssertionError("no output from the command on the terminal")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err.decode()
    return b"".join(chunks)


def assert_inert(out: bytes, *, terminal: bool) -> None:
    for name, sequence in FORBIDDEN.items():
        assert sequence not in out, f"{name} reached the output"
    rest = RICH_STYLE.sub(b"", out) if terminal else out
    assert b"\x1b" not in rest, "an escape sequence reached the output"
    if terminal:
        assert b"[bold red]ALERT[/bold red]" in out and b"[link=https://evil.example/x]" in out  # shown, not applied
    assert b"\\x1b[2J" in out or b"\\u001b[2J" in out  # the escape is visible as text


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_table_on_a_terminal(hostile_dir: Path, command: str) -> None:
    out = run_on_terminal(hostile_dir, COMMANDS[command])
    assert "┃".encode() in out  # a Rich table was drawn: the command saw a terminal
    assert_inert(out, terminal=True)
    assert b"<script>alert(1)</script>" in out or command == "alerts list"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_table_piped_and_csv(hostile_dir: Path, command: str) -> None:
    piped = run_piped(hostile_dir, COMMANDS[command])
    assert_inert(piped, terminal=False)
    assert b"[bold red]ALERT[/bold red]" in piped
    out = run_piped(hostile_dir, [*COMMANDS[command], "--format", "csv"])
    assert_inert(out, terminal=False)
    cells = [cell for row in csv.reader(io.StringIO(out.decode())) for cell in row]
    assert cells, "no CSV written"
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == [], f"cells a spreadsheet would evaluate: {dangerous[:3]}"
    assert any(c.startswith("'=HYPERLINK(") for c in cells)


def stored(data: Path) -> tuple[dict, dict[str, dict]]:
    """The hostile alert and events as the stores give them back (the truth JSON output must equal)."""
    cases, events = SqliteCaseStore(data / STATE_DB), EmbeddedEventStore(data)
    try:
        alert = cases.get_alert(Alert.make_id("hostile"))
        assert alert is not None
        found = {e["event"]["id"]: e for e in events.get([f"ev-{n:05d}" for n in (1, 2, 3)])}
    finally:
        cases.close()
        events.close()
    return alert.model_dump(mode="json"), found


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_json_round_trips_exactly(hostile_dir: Path, command: str, fmt: str) -> None:
    out = run_piped(hostile_dir, [*COMMANDS[command], "--format", fmt])
    assert_inert(out, terminal=False)
    if fmt == "ndjson":
        docs = [orjson.loads(line) for line in out.splitlines() if line.strip()]
    else:
        loaded = orjson.loads(out)
        docs = loaded if isinstance(loaded, list) else [loaded]
    alert, events = stored(hostile_dir)
    assert alert["rule"]["name"] == FORMULA and alert["rule"]["description"] == ANSI + CONTROL
    assert events["ev-00001"]["message"] == ANSI + " " + CONTROL and events["ev-00003"]["event"]["original"].startswith(
        ANSI
    )
    if command == "hunt":
        assert sorted(docs, key=lambda e: e["event"]["id"]) == [events[k] for k in sorted(events)]
    elif command == "alerts list":
        assert docs == [alert]
    elif command == "alerts show":
        (shown,) = docs
        assert shown["alert"] == alert and shown["events"] == [events[k] for k in sorted(events)]
    else:
        assert [d["doc"] for d in docs if d["kind"] == "alert"] == [alert]
        assert {d["id"]: d["doc"] for d in docs if d["kind"] == "event"} == events
