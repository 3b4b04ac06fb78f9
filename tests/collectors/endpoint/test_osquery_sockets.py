"""``osquery`` socket tables: numbers become names, a Unix socket's path is not the process's.

osquery's schema: ``process_open_sockets`` and ``listening_ports`` have
``path`` "for UNIX sockets (family=AF_UNIX), the domain path", ``family`` and
``protocol`` as numbers (AF_UNIX 1, AF_INET 2, AF_INET6 10; IPPROTO_TCP 6,
UDP 17; 0 for a Unix socket) and ports 0 where there is none;
``socket_events.path`` is the executable that made the call.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import run

from secops import ecs

HEAD = {"hostIdentifier": "web1", "unixTime": 1515423115, "action": "added"}
UNIX_OPEN = {
    "pid": "812", "fd": "7", "socket": "23456", "family": "1", "protocol": "0", "local_address": "",
    "remote_address": "", "local_port": "0", "remote_port": "0", "path": "/run/dbus/system_bus_socket",
    "state": "", "net_namespace": "4026531992",
}  # fmt: skip
UNIX_LISTEN = {
    "pid": "900", "port": "0", "protocol": "0", "family": "1", "address": "", "fd": "3", "socket": "1111",
    "path": "/var/run/docker.sock", "net_namespace": "0",
}  # fmt: skip
TCP_OPEN = {
    "pid": "77", "fd": "4", "socket": "5150", "family": "2", "protocol": "6", "local_address": "10.0.0.5",
    "remote_address": "192.0.2.80", "local_port": "51000", "remote_port": "443", "path": "", "state": "ESTABLISHED",
    "net_namespace": "4026531992",
}  # fmt: skip
UDP6_LISTEN = {
    "pid": "901", "port": "53", "protocol": "17", "family": "10", "address": "::", "fd": "5", "socket": "2222",
    "path": "", "net_namespace": "0",
}  # fmt: skip
SOCKET_EVENT = {
    "action": "connect", "pid": "4242", "path": "/usr/bin/curl", "fd": "3", "auid": "1000", "success": "1",
    "family": "2", "protocol": "6", "local_address": "", "remote_address": "192.0.2.7", "local_port": "0",
    "remote_port": "80", "socket": "", "time": "1515423100",
}  # fmt: skip
RAW_OPEN = {**TCP_OPEN, "protocol": "47", "local_port": "0", "remote_port": "0"}  # a GRE raw socket


def events_of(tmp_path: Path, *rows: dict) -> list[dict]:
    log = tmp_path / "osqueryd.results.log"
    log.write_bytes(b"".join(orjson.dumps({**HEAD, "name": f"q{i}", "columns": r}) + b"\n" for i, r in enumerate(rows)))
    events, stats = run([log], fmt="osquery")
    assert stats.failures == 0 and len(events) == len(rows)
    for event in events:
        assert [f for f in ecs.flatten(event) if not ecs.is_known_field(f)] == []
    return events


def test_a_unix_socket_has_no_executable_transport_or_ports(tmp_path: Path) -> None:
    for event, row in zip(events_of(tmp_path, UNIX_OPEN, UNIX_LISTEN), (UNIX_OPEN, UNIX_LISTEN), strict=True):
        assert event["process"] == {"pid": int(row["pid"])}
        assert event["network"] == {"type": "unix"}
        assert not {"source", "destination", "server"} & event.keys()
        assert event["osquery"]["result"]["columns"]["path"] == row["path"]  # where the socket path is kept


def test_ip_sockets_get_names_and_ports(tmp_path: Path) -> None:
    tcp, udp6, raw = events_of(tmp_path, TCP_OPEN, UDP6_LISTEN, RAW_OPEN)
    assert tcp["network"] == {"type": "ipv4", "transport": "tcp"}
    assert tcp["source"] == {"ip": "10.0.0.5", "port": 51000} and tcp["destination"] == {
        "ip": "192.0.2.80",
        "port": 443,
    }
    assert "executable" not in tcp["process"]
    assert udp6["network"] == {"type": "ipv6", "transport": "udp"} and udp6["server"] == {"ip": "::", "port": 53}
    assert raw["network"] == {"type": "ipv4", "iana_number": "47"}  # a number, never a name
    assert raw["source"] == {"ip": "10.0.0.5"} and raw["destination"] == {"ip": "192.0.2.80"}


def test_socket_events_path_is_the_executable(tmp_path: Path) -> None:
    (event,) = events_of(tmp_path, SOCKET_EVENT)
    assert event["osquery"]["result"]["table"] == "socket_events"
    assert event["process"] == {"pid": 4242, "executable": "/usr/bin/curl"}
    assert event["network"] == {"type": "ipv4", "transport": "tcp"}
    assert event["destination"] == {"ip": "192.0.2.7", "port": 80} and "source" not in event
