"""Running the real ``secops collect syslog`` for tests: a throwaway TLS identity, start, stop, send."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require

_LISTENING = re.compile(r"listening on (udp|tcp|tls)://([\d.]+):(\d+)")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl tool; the key readable by its owner only."""
    require(shutil.which("openssl") is not None, "the openssl command is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subject = ["-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), *subject],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)
    return cert, key


@dataclass
class Collector:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path

    def stop(self, timeout: float = 500) -> str:
        """SIGTERM, wait for the collector to store everything and exit; returns its stderr."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=timeout)
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def start(tmp_path: Path, data_dir: Path, listen: list[str], *, run: int = 0, tls: bool = False) -> Collector:
    config = tmp_path / "secops.toml"
    lines = ['timezone = "UTC"', "[syslog]", "flush_interval = 0.5"]
    if tls:
        cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
        if not cert.exists():
            make_certificate(tmp_path)
        lines += [f'tls_cert = "{cert}"', f'tls_key = "{key}"']
    config.write_text("\n".join(lines) + "\n")
    log = tmp_path / f"collector-{run}.err"
    command = [sys.executable, "-m", "secops", "--config", str(config), "--data-dir", str(data_dir), "collect"]
    command += ["syslog", "--batch-size", "20000"] + [arg for address in listen for arg in ("--listen", address)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    with log.open("wb") as err:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ports = {m.group(1): int(m.group(3)) for m in _LISTENING.finditer(log.read_text(errors="replace"))}
        if len(ports) == len(listen):
            return Collector(process, ports, log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    process.wait()
    raise AssertionError(f"collector did not start: {log.read_text(errors='replace')}")


def message(tag: str, i: int) -> bytes:
    """A real Cisco ASA syslog line made unique by its user name (a promoted store column)."""
    text = f"<167>Nov 24 2026 10:00:00 fw1 : %ASA-7-111009: User '{tag}{i:07d}' executed cmd: show running-config"
    return text.encode()


def send_stream(port: int, tag: str, count: int, *, counted: bool, cafile: Path | None = None) -> None:
    """Send ``count`` messages over one TCP connection (TLS, verified against ``cafile``, when given)."""
    sock = socket.create_connection(("127.0.0.1", port))
    if cafile is not None:
        context = ssl.create_default_context(cafile=str(cafile))
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    with sock:
        batch: list[bytes] = []
        for i in range(count):
            body = message(tag, i)
            batch.append(b"%d %s" % (len(body), body) if counted else body + b"\n")
            if len(batch) == 2000:
                sock.sendall(b"".join(batch))
                batch.clear()
        sock.sendall(b"".join(batch))
        if isinstance(sock, ssl.SSLSocket):
            # Close as TLS senders should (close_notify, and read what the server sent, such as TLS 1.3
            # session tickets): closing with unread data makes the kernel reset the connection, and a reset
            # discards what the receiver has not read yet.
            with contextlib.suppress(OSError, ValueError):
                sock.unwrap()
