"""The Windows Firewall log parser on plaso's sample log and on logs written here.

``pfirewall-plaso-test.log`` comes from log2timeline/plaso (Apache-2.0) and is
read from ``../shared/data``; the other lines were written for these tests
from Microsoft's description of the pfirewall.log format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from secops import ecs
from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext

BERLIN = ParseContext(timezone=ZoneInfo("Europe/Berlin"))
HEADER = (
    "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
    "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn tcpack tcpwin "
    "icmptype icmpcode info path"
)
PID_HEADER = HEADER + " pid"


def run(path: Path, fmt: str = "auto", ctx: ParseContext = BERLIN) -> tuple[list[dict[str, Any]], Stats]:
    stats = Stats()
    events = [ecs.flatten(e) for e in parse_files(expand([path]), fmt, ctx, stats)]
    return events, stats


def write(tmp_path: Path, text: str, name: str = "pfirewall.log") -> Path:
    path = tmp_path / name
    path.write_text(text + "\n")
    return path


@pytest.mark.shared_data
def test_plaso_sample_one_event_per_record_with_local_times(shared_data: Path) -> None:
    path = shared_data / "firewall" / "extra" / "windows_firewall" / "pfirewall-plaso-test.log"
    records = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    events, stats = run(path)
    assert len(events) == len(records) == 15
    assert stats.failures == 0, stats.warnings
    assert {e["event.dataset"] for e in events} == {"windows_firewall.log"}
    assert not {k for e in events for k in e if not ecs.is_known_field(k)} - {"log.offset"}
    assert all(not ecs.get(ecs.unflatten(e), "tags") for e in events)
    first = events[0]  # 2005-04-11 08:05:57 DROP UDP 123.45.78.90 123.156.78.255 137 137 78 ... RECEIVE
    assert first["@timestamp"] == "2005-04-11T06:05:57.000Z"  # CEST, UTC+2
    assert (first["source.ip"], first["source.port"], first["destination.ip"], first["destination.port"]) == (
        "123.45.78.90",
        137,
        "123.156.78.255",
        137,
    )
    assert (first["event.action"], first["event.type"], first["event.outcome"]) == (
        "drop",
        ["connection", "denied"],
        "failure",
    )
    assert (first["network.transport"], first["network.iana_number"], first["network.bytes"]) == ("udp", "17", 78)
    assert first["network.direction"] == "ingress"
    assert first["observer.vendor"] == "Microsoft"
    opened = events[2]  # 08:05:58 OPEN UDP ... 500 500 - ... -
    assert opened["event.action"] == "open" and "network.direction" not in opened and "network.bytes" not in opened
    tcp = events[8]  # 08:06:27 DROP TCP 123.45.78.90 123.156.78.90 80 1774 576 AP 123456789 987654321 12345
    assert tcp["windows_firewall.tcp.flags"] == "AP"
    assert (tcp["windows_firewall.tcp.syn"], tcp["windows_firewall.tcp.ack"], tcp["windows_firewall.tcp.window"]) == (
        123456789,
        987654321,
        12345,
    )
    icmp = events[9]  # 08:08:58 DROP ICMP ... icmptype 8 icmpcode 0
    assert (icmp["network.transport"], icmp["windows_firewall.icmp.type"], icmp["windows_firewall.icmp.code"]) == (
        "icmp",
        8,
        0,
    )
    lost = events[-1]  # 08:52:26 INFO-EVENTS-LOST - ... 59 -
    assert lost["event.action"] == "info-events-lost" and lost["windows_firewall.events_lost"] == 59
    assert "source.ip" not in lost and lost["@timestamp"] == "2005-04-11T06:52:26.000Z"


def test_header_with_pid_ipv6_and_send_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        PID_HEADER + "\n"
        "2026-01-15 09:30:00 ALLOW TCP 192.168.1.20 93.184.216.34 50123 443 0 - - - - - - - SEND 4312\n"
        "2026-07-15 09:30:01 DROP ICMPv6 fe80::1 ff02::1 - - 72 - - - - 135 0 - RECEIVE 4\n"
        "2026-07-15 09:30:02 ALLOW 41 2001:db8::5 2001:db8::6 - - 100 - - - - - - - FORWARD -",
    )
    events, stats = run(path)
    assert stats.failures == 0, stats.warnings
    allow, v6, other = events
    assert allow["@timestamp"] == "2026-01-15T08:30:00.000Z"  # CET in January
    assert (allow["event.type"], allow["network.direction"], allow["process.pid"]) == (
        ["connection", "allowed"],
        "egress",
        4312,
    )
    assert v6["@timestamp"] == "2026-07-15T07:30:01.000Z"
    assert (v6["source.ip"], v6["destination.ip"], v6["network.type"]) == ("fe80::1", "ff02::1", "ipv6")
    assert (v6["network.transport"], v6["network.iana_number"], v6["windows_firewall.icmp.type"]) == (
        "ipv6-icmp",
        "58",
        135,
    )
    assert "source.port" not in v6
    assert (other["network.transport"], other["network.iana_number"]) == ("ipv6", "41")
    assert other["network.direction"] == "external" and "process.pid" not in other


def test_headerless_file_uses_the_standard_columns_and_utc_header_is_honoured(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2026-03-02 14:07:31 DROP TCP 198.51.100.23 192.168.1.20 51712 3389 52 S 1907040117 0 64240 - - - RECEIVE\n"
        "#Time Format: UTC\n"
        "2026-03-02 14:07:32 DROP TCP 198.51.100.23 192.168.1.20 51713 3389 52 S 1907040118 0 64240 - - - RECEIVE",
    )
    events, stats = run(path)  # recognised from the first record alone
    assert stats.failures == 0, stats.warnings
    assert [e["event.dataset"] for e in events] == ["windows_firewall.log"] * 2
    assert events[0]["@timestamp"] == "2026-03-02T13:07:31.000Z"
    assert events[1]["@timestamp"] == "2026-03-02T14:07:32.000Z"
    assert events[0]["destination.port"] == 3389 and events[0]["windows_firewall.tcp.flags"] == "S"


def test_dash_in_every_optional_column(tmp_path: Path) -> None:
    path = write(tmp_path, PID_HEADER + "\n2026-03-02 14:07:31 DROP - - - - - - - - - - - - - - -")
    events, stats = run(path)
    assert stats.failures == 0, stats.warnings
    (event,) = events
    assert event["event.action"] == "drop" and event["@timestamp"] == "2026-03-02T13:07:31.000Z"
    assert not [k for k in event if k.startswith(("source.", "destination.", "network.", "process.", "windows_"))]


def test_bad_records_are_kept_as_failures_and_reading_goes_on(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "\n"
        "2026-03-02 14:07:31 DROP UDP 10.0.0.1 10.0.0.2 1 2 3 - - - - - - - RECEIVE\n"
        "2026-03-02 14:07:32 DROP UDP 10.0.0.1 10.0.0.2 1 2\n"
        "2026-02-30 14:07:33 DROP UDP 10.0.0.1 10.0.0.2 1 2 3 - - - - - - - RECEIVE\n"
        "\x00\xff garbage \u202e line\n"
        "2026-03-02 14:07:34 ALLOW UDP 10.0.0.1 10.0.0.2 1 2 3 - - - - - - - SEND",
    )
    events, stats = run(path)
    assert len(events) == 5 and stats.failures == 3
    failed = [e for e in events if "_parse_failure" in e.get("tags", [])]
    assert [e["event.original"] for e in failed] == [line for line in path.read_text().splitlines()[5:8]]
    assert all(e["event.dataset"] == "windows_firewall.log" for e in failed)
    assert "8 values for the 17 columns" in failed[0]["error.message"]
    assert "bad timestamp" in failed[1]["error.message"]
    assert events[-1]["event.action"] == "allow" and events[-1]["network.direction"] == "egress"


def test_resume_skips_exactly_what_was_read(tmp_path: Path) -> None:
    from secops.inputs import expand as files
    from secops.pipeline import open_input, read_input

    lines = [f"2026-03-02 14:07:{n:02d} DROP UDP 10.0.0.1 10.0.0.2 {n} 53 60 - - - - - - - RECEIVE" for n in range(5)]
    path = write(tmp_path, HEADER + "\n" + "\n".join(lines))
    (source,) = files([path])
    items = list(read_input(open_input(source, "auto"), BERLIN, Stats(), ingested="2026-03-02T00:00:00Z"))
    resumed = list(
        read_input(open_input(source, "auto"), BERLIN, Stats(), ingested="2026-03-02T00:00:00Z", start=items[2].resume)
    )
    assert [i.event["source"]["port"] for i in resumed] == [3, 4]
    assert [i.event["event"]["id"] for i in resumed] == [i.event["event"]["id"] for i in items[3:]]


def test_other_text_logs_are_not_claimed(tmp_path: Path) -> None:
    path = write(tmp_path, "#Fields: ts uid id.orig_h\n2026-03-02 14:07:31 hello world", name="other.log")
    events, _ = run(path)
    assert all(e["event.dataset"] != "windows_firewall.log" for e in events)
