"""``evtx_repair.scan`` on chunks built here: the record-chain walk finds exactly the damage put in."""

from __future__ import annotations

import io
import struct
import zlib

from collectors.endpoint import evtx_repair as er


def record(record_id: int, size: int = 40) -> bytes:
    body = er.RECORD_MAGIC + struct.pack("<IQQ", size, record_id, 0)
    return body + bytes(size - len(body) - 4) + struct.pack("<I", size)


def chunk(records: bytes) -> bytes:
    """A chunk with a sound header (magic, free-space offset, checksum) around ``records``."""
    header = bytearray(er.CHUNK_HEADER)
    header[:8] = er.CHUNK_MAGIC
    struct.pack_into("<I", header, 48, er.CHUNK_HEADER + len(records))
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120]) + bytes(header[128:])))
    return (bytes(header) + records).ljust(er.CHUNK, b"\0")


def scan(*chunks: bytes) -> er.Scan:
    header = bytearray(er.HEADER_BLOCK)
    header[:8] = er.FILE_MAGIC
    return er.scan(io.BytesIO(bytes(header) + b"".join(chunks)))


def test_an_intact_chain_needs_no_repair_and_names_its_ids() -> None:
    found = scan(chunk(b"".join(record(n) for n in range(1, 301))), chunk(record(301) + record(302, 64)))
    assert not found.damages and not found.needs_repair
    assert found.record_ids == [(1, 300, 0), (301, 302, 1)]


def test_a_broken_record_between_intact_ones_is_bridged_and_reported_once() -> None:
    broken = bytearray(record(3))
    broken[-1] ^= 0xFF  # its size copy no longer agrees, and the next record does not start where it says
    broken[5] ^= 0x01
    found = scan(chunk(record(1) + record(2) + bytes(broken) + record(4) + record(5)))
    assert [d.offset for d in found.damages] == [er.HEADER_BLOCK + er.CHUNK_HEADER + 80]
    assert "damaged record after record 2" in found.damages[0].message
    assert found.record_ids == [(1, 5, 0)]  # the bridge takes id 3, the walk goes on to 4 and 5
    assert found.needs_repair


def test_older_records_in_slack_end_the_chain_silently() -> None:
    # Walking on past record 4 (older than the chunk's first) would report the bytes after it as damage.
    found = scan(chunk(record(10) + record(11) + record(4) + b"not a record" * 8))
    assert not found.damages and found.record_ids == [(10, 11, 0)]
