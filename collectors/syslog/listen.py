"""Syslog listeners: UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425), feeding the spool.

Each listener runs in its own thread; each TCP/TLS connection gets a thread
that reads large chunks, frames them (``framing.Framer``) and appends the
messages to the spool in one write. Nothing is parsed here: receiving stays
fast and a parser problem can never stall or crash a listener. Peers are
hostile by assumption: frames are size-capped, connections are capped in
number, a TLS handshake that stalls times out, and any error on one
connection closes that connection only.

Addresses are ``udp://host:port``, ``tcp://host:port``, ``tls://host:port``
(IPv6 as ``[::1]``); port 0 picks a free port, reported by ``bound``.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from collectors.syslog.framing import Framer
from collectors.syslog.spool import SpoolWriter
from secops.errors import ConfigError, UsageError

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"udp": 514, "tcp": 601, "tls": 6514}
RECV_BYTES = 256 * 1024
UDP_BUFFER = 8 << 20
HANDSHAKE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Address:
    transport: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport}://{host}:{self.port}"


def parse_address(text: str) -> Address:
    """``udp://127.0.0.1:5514`` → Address; a clear error for anything else."""
    parts = urlsplit(text)
    transport = parts.scheme.lower()
    if transport not in DEFAULT_PORTS or not parts.hostname:
        raise UsageError("expected udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT", where=text)
    try:
        port = parts.port if parts.port is not None else DEFAULT_PORTS[transport]
    except ValueError as exc:
        raise UsageError("bad port", where=text) from exc
    return Address(transport, parts.hostname, port)


@dataclass(frozen=True, slots=True)
class TlsSettings:
    cert: Path
    key: Path
    password: str | None = None
    client_ca: Path | None = None
    require_client_cert: bool = False

    def context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # No TLS 1.3 session tickets: a sender never reads them, and a socket closed with unread data is
        # reset, which makes the kernel discard what this side has not read yet (the sender's last messages).
        context.num_tickets = 0
        try:
            context.load_cert_chain(self.cert, self.key, self.password)
            if self.client_ca is not None:
                context.load_verify_locations(self.client_ca)
                context.verify_mode = ssl.CERT_REQUIRED if self.require_client_cert else ssl.CERT_OPTIONAL
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"cannot load TLS certificate or key: {exc}", where=str(self.cert)) from exc
        return context


class Listener:
    """One bound socket and the threads serving it."""

    def __init__(
        self,
        address: Address,
        spool: SpoolWriter,
        *,
        max_message: int,
        tls: ssl.SSLContext | None = None,
        max_connections: int = 256,
    ) -> None:
        if address.transport == "tls" and tls is None:
            raise ConfigError("a tls:// listener needs [syslog] tls_cert and tls_key", where=str(address))
        self.address = address
        self.spool = spool
        self.max_message = max_message
        self.tls = tls if address.transport == "tls" else None
        self.stop = threading.Event()
        self.connections = threading.BoundedSemaphore(max_connections)
        self.errors = 0
        family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        kind = socket.SOCK_DGRAM if address.transport == "udp" else socket.SOCK_STREAM
        self.sock = socket.socket(family, kind)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if kind == socket.SOCK_DGRAM:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_BUFFER)
        try:
            self.sock.bind((address.host, address.port))
        except OSError as exc:
            self.sock.close()
            raise UsageError(f"cannot listen: {exc.strerror or exc}", where=str(address)) from exc
        if kind == socket.SOCK_STREAM:
            self.sock.listen(128)
        self.sock.settimeout(0.5)
        self.bound = Address(address.transport, address.host, self.sock.getsockname()[1])
        serve = self._serve_udp if kind == socket.SOCK_DGRAM else self._serve_stream
        self.thread = threading.Thread(target=serve, name=f"listen-{self.bound}", daemon=True)
        self.workers: list[threading.Thread] = []
        self._live: set[socket.socket] = set()
        self._live_lock = threading.Lock()

    def start(self) -> None:
        self.thread.start()

    def close(self, drain_timeout: float = 60.0) -> None:
        """Stop accepting; let open connections deliver what they still have, then close.

        A connection ends when its peer closes it or stays idle for half a
        second; one that keeps sending past ``drain_timeout`` is cut off.
        """
        self.stop.set()
        self.thread.join()
        deadline = time.monotonic() + drain_timeout
        for worker in self.workers:
            worker.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._live_lock:
            for conn in self._live:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for worker in self.workers:
            worker.join()
        self.sock.close()

    def _serve_udp(self) -> None:
        recv = self.sock.recvfrom
        while not self.stop.is_set():
            try:
                data, peer = recv(65535)
            except TimeoutError:
                continue
            except OSError as exc:
                self.errors += 1
                log.warning("%s: receive failed: %s", self.bound, exc)
                continue
            self._datagram(data, peer)
        self.sock.setblocking(False)  # what the kernel still holds is received too
        while True:
            try:
                data, peer = recv(65535)
            except OSError:
                break
            self._datagram(data, peer)

    def _datagram(self, data: bytes, peer: tuple[str, int]) -> None:
        message = data.rstrip(b"\r\n\x00")
        if message:
            limit = self.max_message
            self.spool.append([(message[:limit], len(message) > limit)], _peer(peer), "udp")

    def _serve_stream(self) -> None:
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                self.errors += 1
                log.warning("%s: accept failed: %s", self.bound, exc)
                continue
            if not self.connections.acquire(blocking=False):
                log.warning("%s: too many connections, refusing %s", self.bound, _peer(peer))
                conn.close()
                continue
            worker = threading.Thread(target=self._connection, args=(conn, _peer(peer)), daemon=True)
            self.workers = [w for w in self.workers if w.is_alive()]
            self.workers.append(worker)
            worker.start()

    def _connection(self, conn: socket.socket, peer: str) -> None:
        framer = Framer(self.max_message)
        transport = self.address.transport
        try:
            if self.tls is not None:
                conn.settimeout(HANDSHAKE_TIMEOUT)
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(0.5)
            with self._live_lock:
                self._live.add(conn)
            while True:
                try:
                    chunk = conn.recv(RECV_BYTES)
                except TimeoutError:
                    if self.stop.is_set():
                        break
                    continue
                if not chunk:
                    break
                self.spool.append(framer.feed(chunk), peer, transport)
            self.spool.append(framer.close(), peer, transport)
            if isinstance(conn, ssl.SSLSocket) and not self.stop.is_set():
                with contextlib.suppress(OSError):
                    conn.unwrap()  # answer the peer's close_notify
        except (OSError, ssl.SSLError) as exc:  # one peer's failure ends that connection only
            self.errors += 1
            log.warning("%s: connection from %s ended: %s", self.bound, peer, exc)
            self.spool.append(framer.close(), peer, transport)
        finally:
            with self._live_lock:
                self._live.discard(conn)
            conn.close()
            self.connections.release()


def _peer(peer: tuple[str, int] | tuple[str, int, int, int]) -> str:
    host, port = peer[0], peer[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
