"""A bulk request that times out after the node applied it: resent with ``index``, stored once, stamped again.

A loopback proxy in front of the real node holds the answer to the first
``_bulk`` request past the client's timeout. The node has already stored the
documents; the writer must resend them with ``index`` (not ``create``, which
would answer 409 and leave the first, now stale ``event.ingested`` stamp), so
each document ends up once, with the resend's stamp.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from secops import ecs
from secops.store.elastic import ElasticEventStore
from secops.store.elastic_bulk import RetryPolicy
from tests.elastic.conftest import make_event
from tests.es_node import store_client

BULK_REQUEST = re.compile(rb"[A-Z]+ /_bulk[?\s]")
TIMEOUT = 1.0
HOLD = 2.5


class HoldingProxy:
    """Forwards loopback connections to the node; the first ``_bulk`` answer is held for ``HOLD`` seconds."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.held = threading.Event()
        self.held_at: datetime | None = None
        self.bulk_requests = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            hold = threading.Event()
            threading.Thread(target=self._requests, args=(client, server, hold), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, client, hold), daemon=True).start()

    def _requests(self, client: socket.socket, server: socket.socket, hold: threading.Event) -> None:
        while chunk := _recv(client):
            if BULK_REQUEST.match(chunk):
                self.bulk_requests += 1
                if not self.held.is_set():
                    self.held_at = datetime.now(UTC)  # after the held request's stamp was taken
                    self.held.set()
                    hold.set()
            server.sendall(chunk)
        server.close()

    def _answers(self, server: socket.socket, client: socket.socket, hold: threading.Event) -> None:
        while chunk := _recv(server):
            if hold.is_set():
                time.sleep(HOLD)  # the client has given up on this connection by now
                client.close()
                server.close()
                return
            try:
                client.sendall(chunk)
            except OSError:
                break
        client.close()

    def close(self) -> None:
        self.listener.close()


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(1 << 16)
    except OSError:
        return b""


@pytest.fixture
def proxy(es_url: str) -> Iterator[HoldingProxy]:
    parts = urlsplit(es_url)
    holding = HoldingProxy((parts.hostname or "127.0.0.1", parts.port or 9200))
    yield holding
    holding.close()


def test_a_timed_out_bulk_is_resent_with_index_and_stored_once(
    proxy: HoldingProxy, es_url: str, es_prefix: str, data_dir: Path
) -> None:
    policy = RetryPolicy(first_delay=0.05)
    through_proxy = store_client(f"http://127.0.0.1:{proxy.port}", timeout=TIMEOUT)
    store = ElasticEventStore(through_proxy, data_dir, prefix=es_prefix, timeout=TIMEOUT, policy=policy, read_lag=0)
    events = [make_event(i) for i in range(300)]
    store.write(events)
    finished = datetime.now(UTC)
    store.close()
    assert proxy.held.is_set() and proxy.bulk_requests == 2  # the held request, then one resend

    direct = ElasticEventStore(store_client(es_url), data_dir, prefix=es_prefix, read_lag=0)
    direct.refresh()
    stored = list(direct.search(limit=1000))
    direct.close()
    assert sorted(e["event"]["id"] for e in stored) == [f"e{i:08d}" for i in range(300)]
    stamps = {e["event"]["ingested"] for e in stored}
    assert len(stamps) == 1  # one request stored them all: the resend overwrote the held one's copies
    stamp = ecs.parse_ts(stamps.pop())
    assert proxy.held_at is not None and stamp <= finished
    assert (stamp - proxy.held_at).total_seconds() >= TIMEOUT / 2  # the resend's stamp, not the held one's
