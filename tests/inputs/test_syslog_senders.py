"""Listeners against senders as they really behave: closing abruptly, stopping mid-frame.

Each test runs a real listener on loopback writing to a real spool, and reads
the spool back.
"""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path

from collectors.syslog.listen import Address, Listener, TlsSettings
from collectors.syslog.spool import Record, SpoolWriter, read_records, segments
from tests.inputs.syslog_harness import make_certificate, message


def spooled(folder: Path) -> list[Record]:
    return [record for path in segments(folder) for record in read_records(path, 0, final=True)]


def wait_for(folder: Path, count: int, seconds: float = 10.0) -> list[Record]:
    deadline = time.monotonic() + seconds
    while True:
        records = spooled(folder)
        if len(records) >= count or time.monotonic() > deadline:
            return records
        time.sleep(0.1)


def test_a_tls_sender_that_closes_without_reading_loses_nothing(tmp_path: Path) -> None:
    """Syslog senders write and never read: a TLS 1.3 server's session tickets then stay unread in the
    sender's socket, and closing it resets the connection, discarding what the listener had not read yet."""
    cert, key = make_certificate(tmp_path)
    folder = tmp_path / "spool"
    spool = SpoolWriter(folder)
    listener = Listener(
        Address("tls", "127.0.0.1", 0), spool, max_message=1 << 20, tls=TlsSettings(cert, key).context()
    )
    listener.start()
    try:
        client = ssl.create_default_context(cafile=str(cert))
        count = 20_000
        with socket.create_connection(("127.0.0.1", listener.bound.port)) as raw:
            sock = client.wrap_socket(raw, server_hostname="127.0.0.1")
            frames = [b"%d %s" % (len(body), body) for body in (message("s", i) for i in range(count))]
            sock.sendall(b"".join(frames))
            sock.close()  # no close_notify, nothing read: as a sender process that exits
        records = wait_for(folder, count)
    finally:
        listener.close()
        spool.close()
    assert len(records) == count
    assert records[-1].payload == message("s", count - 1)
