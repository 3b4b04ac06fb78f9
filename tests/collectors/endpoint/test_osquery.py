"""``osquery``: result lines (differential, batched, snapshot) → one ECS event per row, by table.

The shared excerpt (Elastic licence) is read from ../shared/data; the other
lines are written here in osquery's documented result format.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from endpoint_support import failed, run

ANY = "0.0.0.0"  # noqa: S104 (a listening address in test data, nothing binds)
HEAD = {
    "hostIdentifier": "web-3",
    "calendarTime": "Thu May  2 10:00:00 2024 UTC",
    "unixTime": 1714644000,
    "epoch": 0,
    "counter": 4,
    "decorations": {"host_uuid": "9F1C-77"},
}


def write(path: Path, *docs: dict) -> Path:
    path.write_bytes(b"".join(orjson.dumps(doc) + b"\n" for doc in docs))
    return path


def test_snapshot_and_batched_rows_become_one_event_each(tmp_path: Path) -> None:
    processes = [
        {
            "pid": "4242",
            "name": "nc",
            "path": "/usr/bin/nc",
            "cmdline": "nc -lvp 4444",
            "parent": "1",
            "uid": "33",
            "gid": "33",
            "cwd": "/var/www",
            "start_time": "1714643990",
        },
        {
            "pid": "1",
            "name": "systemd",
            "path": "/usr/lib/systemd/systemd",
            "cmdline": "/sbin/init",
            "parent": "0",
            "uid": "0",
            "gid": "0",
            "cwd": "/",
            "start_time": "0",
        },
    ]
    ports = {
        "pid": "4242",
        "port": "4444",
        "protocol": "6",
        "family": "2",
        "address": ANY,
        "fd": "3",
        "socket": "99",
        "path": "",
    }
    log = write(
        tmp_path / "osqueryd.results.log",
        {**HEAD, "name": "pack_ir_processes", "action": "snapshot", "snapshot": processes},
        {**HEAD, "name": "listening", "diffResults": {"added": [ports], "removed": []}},
        {
            **HEAD,
            "name": "users",
            "action": "removed",
            "columns": {
                "uid": "1001",
                "gid": "1001",
                "username": "olduser",
                "description": "Old User",
                "directory": "/home/o",
                "shell": "/bin/bash",
            },
        },
    )
    events, stats = run([log])  # auto picks osquery from the head
    assert stats.failures == 0 and len(events) == 4
    nc, init, listener, user = events
    assert nc["event"]["kind"] == "state" and nc["event"]["category"] == ["process"]
    assert nc["process"] == {
        "pid": 4242,
        "name": "nc",
        "executable": "/usr/bin/nc",
        "command_line": "nc -lvp 4444",
        "working_directory": "/var/www",
        "parent": {"pid": 1},
        "start": "2024-05-02T09:59:50.000Z",
    }
    assert nc["user"] == {"id": "33", "group": {"id": "33"}}
    assert "start" not in init["process"]  # start_time 0 means unknown
    assert nc["osquery"]["result"]["table"] == "processes" and nc["osquery"]["result"]["name"] == "pack_ir_processes"
    assert nc["event"]["id"] != init["event"]["id"] and nc["event"]["original"] == init["event"]["original"]
    assert listener["server"] == {"ip": ANY, "port": 4444}
    assert listener["network"] == {"transport": "tcp", "type": "ipv4"} and listener["event"]["action"] == "added"
    assert user["event"]["action"] == "removed" and user["user"]["name"] == "olduser"
    assert user["event"]["category"] == ["iam"] and user["user"]["full_name"] == "Old User"
    assert all(e["@timestamp"] == "2024-05-02T10:00:00.000Z" and e["host"]["name"] == "web-3" for e in events)


def test_file_events_and_a_broken_line(tmp_path: Path) -> None:
    fim = {
        "target_path": "/etc/cron.d/backdoor",
        "action": "CREATED",
        "transaction_id": "7",
        "inode": "9001",
        "uid": "0",
        "gid": "0",
        "mode": "0644",
        "size": "51",
        "mtime": "1714644000",
        "sha256": "ab" * 32,
    }
    log = write(tmp_path / "fim.log", {**HEAD, "name": "fim", "action": "added", "columns": fim})
    with log.open("a") as fh:
        fh.write('{"hostIdentifier": "web-3", "columns": \n')
    events, stats = run([log], fmt="osquery")
    assert len(events) == 2 and stats.failures == 1 and failed(events[1])
    event = events[0]
    assert event["event"]["type"] == ["creation"] and event["event"]["category"] == ["file"]
    assert event["file"]["path"] == "/etc/cron.d/backdoor" and event["file"]["name"] == "backdoor"
    assert event["file"]["directory"] == "/etc/cron.d" and event["file"]["hash"]["sha256"] == "ab" * 32
    assert event["file"]["mode"] == "0644" and event["file"]["size"] == 51


@pytest.mark.shared_data
def test_shared_osquery_excerpt(shared_data: Path) -> None:
    path = shared_data / "endpoint" / "osquery" / "test-osquery-excerpt.log"
    events, stats = run([path])
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert stats.failures == 0 and len(events) == len(lines) == 3
    first = events[0]
    assert first["event"]["action"] == "removed" and first["host"]["name"] == "192-168-0-4.rdsnet.ro"
    assert first["@timestamp"] == "2017-12-28T14:40:08.000Z"
    assert first["osquery"]["result"]["columns"]["path"] == "/private/var/vm"
    assert first["osquery"]["result"]["decorations"]["username"] == "tsg"
