"""Acceptance: the real ``secops collect syslog`` on loopback, into a real embedded store.

- 200,000 messages over TCP with octet counting, 200,000 over TCP with LF
  framing and 200,000 over TLS (RFC 5425, octet counting), concurrently:
  zero lost, zero duplicated. A UDP run reports what arrived (UDP may drop).
- SIGKILL while the spool is being stored, twice: the restarted collector
  stores every received message exactly once.
- Garbage on every transport never stops a listener.
"""

from __future__ import annotations

import random
import socket
import ssl
import threading
import time
from pathlib import Path

import pytest

from collectors.syslog.spool import read_records, segments, spool_dir
from secops.config import Config
from secops.store import open_event_store
from tests.inputs.syslog_harness import make_certificate, message, send_stream, start

N = 200_000


def users_by_prefix(data_dir: Path) -> dict[str, tuple[int, int]]:
    """For each user-name prefix: (distinct names, highest count of one name)."""
    events = open_event_store(Config(), data_dir)
    try:
        found: dict[str, tuple[int, int]] = {}
        for name, count in events.top("user.name", size=10_000_000):
            distinct, worst = found.get(name[0], (0, 0))
            found[name[0]] = (distinct + 1, max(worst, count))
        return found
    finally:
        events.close()


@pytest.mark.slow
def test_tcp_both_framings_and_tls_lose_and_duplicate_nothing(tmp_path: Path, data_dir: Path) -> None:
    cert, _ = make_certificate(tmp_path)
    collector = start(tmp_path, data_dir, ["tcp://127.0.0.1:0", "tls://127.0.0.1:0", "udp://127.0.0.1:0"], tls=True)
    senders = [
        threading.Thread(target=send_stream, args=(collector.ports["tcp"], "o", N), kwargs={"counted": True}),
        threading.Thread(target=send_stream, args=(collector.ports["tcp"], "l", N), kwargs={"counted": False}),
        threading.Thread(
            target=send_stream, args=(collector.ports["tls"], "s", N), kwargs={"counted": True, "cafile": cert}
        ),
    ]
    started = time.monotonic()
    for sender in senders:
        sender.start()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp_sent = 20_000
    for i in range(udp_sent):
        udp.sendto(message("u", i), ("127.0.0.1", collector.ports["udp"]))
    udp.close()
    for sender in senders:
        sender.join()
    sent = time.monotonic() - started
    stderr = collector.stop()
    assert collector.process.returncode == 0, stderr
    found = users_by_prefix(data_dir)
    print(f"\nsent 3 x {N:,} stream messages in {sent:.1f}s; collector said: {stderr.strip().splitlines()[-1]}")
    for tag, what in (("o", "TCP octet-counted"), ("l", "TCP LF-framed"), ("s", "TLS")):
        distinct, worst = found.get(tag, (0, 0))
        print(f"{what}: {distinct:,} of {N:,} stored, most copies of one message: {worst}")
        assert (distinct, worst) == (N, 1), what
    udp_got = found.get("u", (0, 0))[0]
    print(f"UDP: {udp_got:,} of {udp_sent:,} datagrams received and stored")
    assert udp_got > 0 and found.get("u", (0, 0))[1] <= 1


def stored(data_dir: Path) -> int:
    events = open_event_store(Config(), data_dir)
    try:
        return events.count()
    finally:
        events.close()


def spooled(data_dir: Path) -> int:
    folder = spool_dir(data_dir)
    return sum(1 for path in segments(folder) for _ in read_records(path, 0, final=False))


@pytest.mark.slow
def test_sigkill_while_storing_loses_and_duplicates_nothing(tmp_path: Path, data_dir: Path) -> None:
    total = 100_000
    collector = start(tmp_path, data_dir, ["tcp://127.0.0.1:0"])
    send_stream(collector.ports["tcp"], "k", total, counted=True)
    deadline = time.monotonic() + 60
    while spooled(data_dir) < total and time.monotonic() < deadline:  # every message has reached the spool
        time.sleep(0.05)
    assert spooled(data_dir) == total
    rng = random.Random()
    kills: list[tuple[int, int]] = []
    for run in (1, 2):
        before = stored(data_dir)
        deadline = time.monotonic() + 120
        while stored(data_dir) <= before and time.monotonic() < deadline:  # the collector is storing
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.5))
        collector.kill()
        kills.append((before, stored(data_dir)))
        collector = start(tmp_path, data_dir, ["tcp://127.0.0.1:0"], run=run)
    assert all(before < after < total for before, after in kills), f"not killed while storing: {kills}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and spool_dir(data_dir).exists() and len(segments(spool_dir(data_dir))) > 1:
        time.sleep(0.2)
    stderr = collector.stop()
    assert collector.process.returncode == 0, stderr
    distinct, worst = users_by_prefix(data_dir).get("k", (0, 0))
    assert (distinct, worst) == (total, 1)
    assert segments(spool_dir(data_dir)) == []  # stored segments are removed


@pytest.mark.slow
def test_garbage_never_stops_a_listener(tmp_path: Path, data_dir: Path) -> None:
    cert, _ = make_certificate(tmp_path)
    collector = start(tmp_path, data_dir, ["tcp://127.0.0.1:0", "tls://127.0.0.1:0", "udp://127.0.0.1:0"], tls=True)
    rng = random.Random(5)
    tcp, tls_port, udp_port = collector.ports["tcp"], collector.ports["tls"], collector.ports["udp"]
    hostile = [
        rng.randbytes(1 << 20),  # random bytes
        b"<134>" + b"x" * 1_000_000 + b"\n",  # a 1 MB line
        b"\xff\xfe\xfd invalid \xc3\x28 utf-8 \xed\xa0\x80\n",
        b"<13\n<134>Nov\n<134>1 2026-\n",  # truncated headers
        b"9999999999 " + rng.randbytes(4096),  # a length that lies
        b"12 <13>short",  # a frame cut by disconnect
    ]
    for blob in hostile:
        with socket.create_connection(("127.0.0.1", tcp)) as sock:
            sock.sendall(blob)
    with socket.create_connection(("127.0.0.1", tls_port)) as sock:
        sock.sendall(rng.randbytes(10_000))  # not TLS at all
    context = ssl.create_default_context(cafile=str(cert))
    with context.wrap_socket(socket.create_connection(("127.0.0.1", tls_port)), server_hostname="127.0.0.1") as sock:
        sock.sendall(b"5 <13>x" + rng.randbytes(3000) + b"\n")
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(200):
        udp.sendto(rng.randbytes(rng.randint(1, 60000)), ("127.0.0.1", udp_port))
    time.sleep(0.5)
    # every listener still works
    send_stream(tcp, "g", 10, counted=False)
    send_stream(tls_port, "h", 10, counted=True, cafile=cert)
    for i in range(10):
        udp.sendto(message("v", i), ("127.0.0.1", udp_port))
    udp.close()
    time.sleep(1.0)
    stderr = collector.stop()
    assert collector.process.returncode == 0, stderr
    found = users_by_prefix(data_dir)
    assert found.get("g") == (10, 1) and found.get("h") == (10, 1)
    assert found.get("v", (0, 0))[0] > 0
    events = open_event_store(Config(), data_dir)
    try:
        kept = list(events.search())
    finally:
        events.close()
    failures = [e for e in kept if "_parse_failure" in e.get("tags", ())]
    assert failures, "garbage must be kept as _parse_failure events, not dropped"
    assert all(e["event"]["original"] for e in failures)
    assert any("cut" in e["error"]["message"] for e in failures)
    assert max(len(e["event"]["original"]) for e in kept) <= 1 << 22
