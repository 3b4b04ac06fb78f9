"""Plain syslog lines under ``--format auto``: any program's line is an event, specific formats still win."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from secops import ecs
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext

CTX = ParseContext(timezone=UTC, year=2026)

# Written for these tests: a /var/log/messages excerpt as syslog daemons write it.
LINES = [
    "Jun 14 15:16:01 combo ftpd[29504]: connection from 198.51.100.4 (host.example) at Fri Jun 14 15:16:01 2026",
    "Jun 14 15:16:02 combo sshd[4120]: Failed password for root from 203.0.113.9 port 40022 ssh2",
    "Jun 14 15:16:03 combo kernel: EXT4-fs (sda1): mounted filesystem with ordered data mode",
    "2026-06-14T15:16:04.250000+02:00 web01 nginx: worker process 4120 exited on signal 9",
    "<30>1 2026-06-14T15:16:05Z web01 systemd 1 - - Started Daily apt upgrade and clean activities.",
    "<166>Jun 14 2026 15:16:06: %ASA-6-302013: Built outbound TCP connection 1 for outside:192.0.2.1/443 "
    "(192.0.2.1/443) to inside:10.0.0.5/51514 (10.0.0.5/51514)",
    "Jun 14 15:16:07 combo cron[77]: (root) CMD (run-parts /etc/cron.hourly)",
    "Jun 14 15:16:08 combo last message repeated 3 times",
    "Jun 14 15:16",
    "Jun 14 15:16:09 combo",
    "just a sentence someone pasted into the log",
]


def parse(tmp_path: Path, lines: list[str]) -> tuple[list[dict], Stats]:
    path = tmp_path / "messages"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    stats = Stats()
    return list(parse_files(expand([path]), "auto", CTX, stats)), stats


def test_every_program_gets_an_event_and_specific_formats_keep_theirs(tmp_path: Path) -> None:
    events, stats = parse(tmp_path, LINES)
    datasets = [ecs.get(e, "event.dataset") for e in events]
    assert datasets == [
        "system.syslog",
        "system.auth",  # sshd is read by linux-auth, even right after a plain line
        "system.syslog",
        "system.syslog",
        "system.syslog",
        "cisco_asa.log",
        "system.auth",
        "system.syslog",  # the daemon's own line has no program tag
        "secops.unparsed",  # a cut header, a header with no message and free text are still failures, kept
        "secops.unparsed",
        "secops.unparsed",
    ]
    assert stats.failures == 3
    repeated = events[7]
    assert [ecs.get(repeated, f) for f in ("host.name", "process.name", "message")] == [
        "combo",
        None,
        "last message repeated 3 times",
    ]
    ftpd, _, kernel, nginx, systemd = events[:5]
    assert [ecs.get(ftpd, f) for f in ("@timestamp", "host.name", "process.name", "process.pid")] == [
        "2026-06-14T15:16:01.000Z",
        "combo",
        "ftpd",
        29504,
    ]
    assert ecs.get(ftpd, "message").startswith("connection from 198.51.100.4")
    assert ecs.get(kernel, "process.name") == "kernel" and ecs.get(kernel, "process.pid") is None
    assert ecs.get(nginx, "@timestamp") == "2026-06-14T13:16:04.250Z"
    assert ecs.get(systemd, "process.pid") == 1 and ecs.get(systemd, "log.syslog.priority") == 30
    assert ecs.get(systemd, "message") == "Started Daily apt upgrade and clean activities."


def test_explicit_format_refuses_a_line_without_a_header(tmp_path: Path) -> None:
    path = tmp_path / "messages"
    path.write_text("no header here\nJun 14 15:16:01 combo ftpd[1]: hello\n", "utf-8")
    stats = Stats()
    events = list(parse_files(expand([path]), "syslog", CTX, stats))
    assert ["_parse_failure" in e.get("tags", ()) for e in events] == [True, False]
    assert ecs.get(events[0], "error.message").endswith("not a syslog line (no timestamp and host)")
    assert stats.failures == 1
