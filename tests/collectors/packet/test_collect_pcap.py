"""``secops collect pcap``: live capture on loopback, ring-buffer rotation, the no-privilege error, files.

Traffic is sent to 127.0.0.1 only. Capturing needs root (or dumpcap's
capabilities); the privilege test drops to ``nobody`` with ``setpriv``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from secops.store.embedded import EmbeddedEventStore
from tests.conftest import REPO, require

SECOPS = [sys.executable, "-m", "secops"]
QUERY = bytes.fromhex("abcd01000001000000000000") + b"\x07example\x03com\x00\x00\x01\x00\x01"


def can_capture() -> None:
    require(shutil.which("dumpcap") is not None, "dumpcap (Wireshark) is not installed")
    require(os.geteuid() == 0, "live capture tests run as root")


def send_queries(stop: threading.Event, port: int, size: int = 0) -> None:
    """DNS queries (padded to ``size``) to a closed port on loopback, until told to stop."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        payload = QUERY + b"\x00" * max(0, size - len(QUERY))
        while not stop.is_set():
            sock.sendto(payload, ("127.0.0.1", port))
            time.sleep(0.002 if size else 0.05)


def collect(data_dir: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([*SECOPS, "--data-dir", str(data_dir), "collect", "pcap", *args],
                          capture_output=True, text=True, timeout=timeout, env=env, check=False)  # fmt: skip


def stored(data_dir: Path) -> list[dict]:
    store = EmbeddedEventStore(data_dir)
    try:
        return [e for batch in store.read_since(None) for e in batch.events]
    finally:
        store.close()


def run_with_traffic(data_dir: Path, args: list[str], size: int = 0) -> subprocess.CompletedProcess[str]:
    stop = threading.Event()
    sender = threading.Thread(target=send_queries, args=(stop, 53, size), daemon=True)
    sender.start()
    try:
        return collect(data_dir, *args)
    finally:
        stop.set()
        sender.join()


def test_live_capture_on_loopback(tmp_path: Path) -> None:
    can_capture()
    data = tmp_path / "data"
    done = run_with_traffic(data, ["--interface", "lo", "--bpf", "udp port 53", "--duration", "8"])
    assert done.returncode == 0, done.stderr
    events = stored(data)
    dns = [e for e in events if e["event"]["dataset"] == "network_traffic.dns"]
    flows = [e for e in events if e["event"]["dataset"] == "network_traffic.flow"]
    assert dns and flows, done.stderr
    assert {e["dns"]["question"]["name"] for e in dns} == {"example.com"}
    assert all(e["destination"]["port"] == 53 and e["source"]["ip"] == "127.0.0.1" for e in dns)
    spool = data / "spool/pcap/lo"
    assert all(e["log"]["file"]["path"].startswith(str(spool)) for e in events)


def test_rotation_keeps_the_spool_bounded(tmp_path: Path) -> None:
    can_capture()
    data = tmp_path / "data"
    args = ["--interface", "lo", "--bpf", "udp port 53", "--duration", "10", "--rotate-mb", "1", "--rotate-files", "2"]
    done = run_with_traffic(data, args, size=1400)
    assert done.returncode == 0, done.stderr
    spool = sorted((data / "spool/pcap/lo").glob("capture_*.pcapng"))
    assert 1 <= len(spool) <= 2
    sources = {e["log"]["file"]["path"] for e in stored(data)}
    assert len(sources) >= 2, "events should come from more than one rotated file"


def test_no_privilege_is_a_clear_error() -> None:
    require(shutil.which("dumpcap") is not None, "dumpcap (Wireshark) is not installed")
    require(os.geteuid() == 0 and shutil.which("setpriv") is not None, "needs root and setpriv to drop privileges")
    with tempfile.TemporaryDirectory(prefix="secops-nopriv-") as tmp:
        data = Path(tmp)
        data.chmod(0o777)
        _run_unprivileged(data)


def _run_unprivileged(data: Path) -> None:
    cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", *SECOPS]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HOME": str(data), "XDG_CONFIG_HOME": str(data)}
    done = subprocess.run([*cmd, "--data-dir", str(data), "collect", "pcap", "--interface", "lo", "--duration", "5"],
                          capture_output=True, text=True, timeout=120, env=env, check=False, cwd=data)  # fmt: skip
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "no permission to capture on 'lo'" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.shared_data
def test_capture_files_are_stored_with_carving(shared_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    capture = shared_data / "packet/zeek-traces/http/get.pcap"
    done = collect(data, str(capture))
    assert done.returncode == 0, done.stderr
    events = stored(data)
    files = [e for e in events if e["event"]["dataset"] == "network_traffic.file"]
    assert files and all(Path(e["file"]["path"]).is_file() for e in files)
    assert all(Path(e["file"]["path"]).is_relative_to(data / "carve") for e in files)
    again = collect(data, str(capture))
    assert again.returncode == 0 and len(stored(data)) == len(events), "a second run must not store duplicates"
