"""Truncated, corrupt and empty captures: every readable packet, a warning naming the file, no crash.

The damaged files are made in a temporary directory from shared captures;
how many packets are readable comes from tshark on the same damaged file.
"""

from __future__ import annotations

import gzip
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from packet_support import parse_capture

from secops import ecs
from secops.pipeline import Stats
from tests.conftest import require

SOURCE = "packet/zeek-traces/http/206_example_c.pcap"
SOURCE_NG = "packet/zeek-traces/pcapng-multi-interface.pcapng"


def tshark_frames(path: Path) -> int:
    require(shutil.which("tshark") is not None, "tshark is not installed")
    out = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "fields", "-e", "frame.number"],
                         capture_output=True, text=True, check=False, timeout=120)  # fmt: skip
    return len(out.stdout.split())


def packets_read(events: list) -> int:
    failures = [e for e in events if "_parse_failure" in e.get("tags", [])]
    assert failures, "a damaged capture must produce a warning event"
    return ecs.get(failures[-1], "secops.pcap.packets_read")


def record_offsets(data: bytes) -> list[int]:
    """Byte offsets of the records of a little-endian pcap file."""
    offsets, off = [], 24
    while off + 16 <= len(data):
        offsets.append(off)
        off += 16 + struct.unpack_from("<I", data, off + 8)[0]
    return offsets


@pytest.fixture
def capture(shared_data: Path) -> bytes:
    return (shared_data / SOURCE).read_bytes()


def test_cut_in_the_middle_of_a_record(capture: bytes, tmp_path: Path) -> None:
    offsets = record_offsets(capture)
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(capture[: offsets[len(offsets) // 2] + 20])
    stats = Stats()
    events = parse_capture(cut, stats)
    assert stats.failures == 1
    assert str(cut) in stats.warnings[0] and "cut short" in stats.warnings[0]
    assert packets_read(events) == tshark_frames(cut) == len(offsets) // 2
    assert any(e["event"]["dataset"] == "network_traffic.flow" for e in events)


def test_impossible_record_length(capture: bytes, tmp_path: Path) -> None:
    offsets = record_offsets(capture)
    data = bytearray(capture)
    struct.pack_into("<I", data, offsets[10] + 8, 0x7FFFFFF0)
    bad = tmp_path / "corrupt.pcap"
    bad.write_bytes(bytes(data))
    stats = Stats()
    events = parse_capture(bad, stats)
    assert stats.failures == 1 and str(bad) in stats.warnings[0]
    assert packets_read(events) == tshark_frames(bad) == 10


def test_zero_length_and_header_only(tmp_path: Path, capture: bytes) -> None:
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    stats = Stats()
    events = parse_capture(empty, stats)
    assert stats.failures == 1 and str(empty) in stats.warnings[0]
    assert len(events) == 1 and packets_read(events) == 0
    header_only = tmp_path / "header.pcap"
    header_only.write_bytes(capture[:24])
    stats = Stats()
    assert parse_capture(header_only, stats) == [] and stats.failures == 0


def test_not_a_capture(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture at all\n" * 10)
    stats = Stats()
    parse_capture(junk, stats)
    assert stats.failures == 1 and "not a pcap" in stats.warnings[0] and str(junk) in stats.warnings[0]


def test_truncated_pcapng_and_gzip(shared_data: Path, tmp_path: Path) -> None:
    data = (shared_data / SOURCE_NG).read_bytes()
    cut = tmp_path / "cut.pcapng"
    cut.write_bytes(data[: len(data) * 2 // 3])
    stats = Stats()
    events = parse_capture(cut, stats)
    assert stats.failures == 1 and str(cut) in stats.warnings[0]
    assert packets_read(events) == tshark_frames(cut) > 0
    zipped = tmp_path / "cut.pcap.gz"
    zipped.write_bytes(gzip.compress((shared_data / SOURCE).read_bytes())[:-200])
    stats = Stats()
    events = parse_capture(zipped, stats)
    assert stats.failures >= 1 and str(zipped) in stats.warnings[0]
    assert any(e["event"]["dataset"] == "network_traffic.flow" for e in events)


def test_truncated_packets_inside_a_good_file(shared_data: Path) -> None:
    """Zeek's trunc/ traces hold packets whose headers are cut: decoding skips them, nothing crashes."""
    for path in sorted((shared_data / "packet/zeek-traces/trunc").iterdir()):
        stats = Stats()
        events = parse_capture(path, stats)
        assert stats.failures == 0, (path, stats.warnings)
        assert all("@timestamp" in e for e in events)


def test_mutated_captures_never_escape_the_parser(shared_data: Path) -> None:
    """Seeded byte mutations of shared captures (headers and payloads): the parser ends every one cleanly."""
    import io
    import random

    from collectors.packet.pcap import PcapParser
    from secops.registry import ParseContext, Source

    root = shared_data / "packet"
    files = sorted(root.glob("zeek-traces/*/*.pcap"))[::5] + sorted(root.glob("zeek-traces/*.pcapng"))
    rnd = random.Random(20261125)
    total = 0
    for _ in range(300):
        data = bytearray(rnd.choice(files).read_bytes())
        for _ in range(rnd.randint(1, 60)):
            data[rnd.randrange(8, len(data))] = rnd.randrange(256)
        blob = bytes(data)
        source = Source("mutated", lambda blob=blob: io.BytesIO(blob))
        events = list(PcapParser().stream(source, ParseContext()))
        total += len(events)
        assert all("@timestamp" in e.event or "_parse_failure" in e.event.get("tags", []) for e in events)
    assert total > 1000, "the mutated captures should still yield most of their events"
