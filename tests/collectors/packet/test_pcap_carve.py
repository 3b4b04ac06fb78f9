"""Carving HTTP bodies: the stored payloads equal tshark's exported HTTP objects; the directory stays bounded."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from packet_support import of, parse_capture

from collectors.packet.carve import CarveStore, carve_path, carved_file
from secops import ecs
from tests.conftest import require

HTTP_TRACES = "packet/zeek-traces/http"


def tshark_objects(capture: Path, out: Path) -> set[str]:
    """SHA-256 of every HTTP object ``tshark --export-objects`` writes for a capture."""
    out.mkdir()
    cmd = ["tshark", "-n", "-o", "tcp.try_heuristic_first:TRUE", "-r", str(capture), "-q"]
    subprocess.run([*cmd, "--export-objects", f"http,{out}"], capture_output=True, check=False, timeout=300)
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir() if p.is_file()}


@pytest.mark.shared_data
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_carved_bodies_equal_tshark_exports(shared_data: Path, tmp_path: Path) -> None:
    require(shutil.which("tshark") is not None, "tshark is not installed")
    carve = tmp_path / "carve"
    same = total = 0
    differences = []
    for n, capture in enumerate(sorted((shared_data / HTTP_TRACES).glob("*.pcap*"))):
        theirs = tshark_objects(capture, tmp_path / f"t{n}")
        events = of(parse_capture(capture, carve_dir=str(carve)), "file")
        stored = {ecs.get(e, "file.hash.sha256") for e in events if ecs.get(e, "file.path")}
        for event in events:
            path = ecs.get(event, "file.path")
            assert carved_file(event) == (Path(path) if path else None)
            if path:
                data = Path(path).read_bytes()
                assert hashlib.sha256(data).hexdigest() == ecs.get(event, "file.hash.sha256")
                assert len(data) == ecs.get(event, "file.size")
                assert Path(path) == carve_path(carve, ecs.get(event, "file.hash.sha256"))
                assert ecs.get(event, "network.community_id")
        same += len(theirs & stored)
        total += len(theirs | stored)
        if theirs != stored:
            differences.append((capture.name, len(theirs - stored), len(stored - theirs)))
    print(f"\ncarved objects equal to tshark's: {same}/{total}; differing captures: {differences}")
    # Known differences (see /work/notes/issue-5.md): HTTP/0.9 responses and lower-case methods are not decoded.
    assert total > 60 and same / total >= 0.85


def test_store_caps_and_evicts_oldest(tmp_path: Path) -> None:
    store = CarveStore(tmp_path / "carve", max_file=1000, max_total=2500)
    kept = []
    for n in range(4):
        sink = store.sink()
        sink.write(bytes([n]) * 800)
        kept.append(sink.finish())
    assert all(c.path is not None for c in kept)
    # Four payloads of 800 bytes under a 2500-byte cap: the oldest goes, the three newest stay.
    assert not kept[0].path.exists()
    assert all(c.path.exists() for c in kept[1:])
    assert store.total <= 2500
    big = store.sink()
    for _ in range(3):
        big.write(b"x" * 600)
    carved = big.finish()
    assert carved.path is None and carved.size == 1800
    assert carved.sha256 == hashlib.sha256(b"x" * 1800).hexdigest()
    assert not any((tmp_path / "carve" / "tmp").iterdir())


def test_identical_payloads_stored_once_and_spill_to_disk(tmp_path: Path) -> None:
    store = CarveStore(tmp_path / "carve", max_file=4 << 20)
    payload = bytes(range(256)) * 4096
    paths = set()
    for _ in range(2):
        sink = store.sink()
        for start in range(0, len(payload), 65536):
            sink.write(payload[start : start + 65536])
        paths.add(sink.finish().path)
    assert len(paths) == 1
    (path,) = paths
    assert path is not None and path.read_bytes() == payload
    reopened = CarveStore(tmp_path / "carve")
    assert reopened.total == len(payload)


def test_cut_payload_is_hashed_but_not_kept(tmp_path: Path) -> None:
    store = CarveStore(tmp_path / "carve")
    sink = store.sink()
    sink.write(b"partial body")
    carved = sink.finish(complete=False)
    assert carved.path is None and carved.size == 12 and not carved.complete


def test_content_coding_is_undone_or_marked_broken() -> None:
    """gzip and raw deflate bodies are decoded for the carve; a body that is not what it claims is marked."""
    import gzip
    import zlib

    from collectors.packet.carve import PayloadSink
    from collectors.packet.http import Message

    text = b"carved body " * 500
    raw = zlib.compressobj(wbits=-15)
    cases = [("gzip", gzip.compress(text), False), ("deflate", raw.compress(text) + raw.flush(), False),
             ("gzip", b"not compressed at all" * 20, True)]  # fmt: skip
    for coding, body, broken in cases:
        msg = Message(0, "HTTP/1.1 200 OK", {"content-encoding": coding}, PayloadSink(None))
        for start in range(0, len(body), 100):
            msg.body(body[start : start + 100])
        carved = msg.sink.finish()
        assert msg.broken is broken and msg.body_bytes == len(body)
        if not broken:
            assert carved.sha256 == hashlib.sha256(text).hexdigest()
