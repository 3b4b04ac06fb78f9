"""Find damage in an EVTX file and mend its structure so every intact record can be read.

An EVTX file is a 4 KiB file header (``ElfFile\\0``) and 64 KiB chunks
(``ElfChnk\\0``, a 512-byte header, then records ``**\\0\\0`` + size + id + time +
BinXML + size again). Reference: Joachim Metz, "Windows XML Event Log (EVTX)
format" (libevtx documentation).

What the ``evtx`` library does with damage, measured: a bad file header refuses
the whole file; a bad chunk header, or a damaged string/template table, loses
the whole chunk (with an error); a record whose magic or size is broken ends its
chunk *silently*; a truncated last chunk is dropped *silently*; a chunk's
``free_space_offset`` bounds its records. So before the library reads a file,
:func:`scan` walks every chunk's record chain and plans byte patches:

- a rebuilt file header when its magic is wrong;
- a chunk header with the right magic, zeroed lookup tables (they are only
  caches: the library reads every record without them) and a free-space offset
  that covers the records the chain walk found;
- a broken stretch between two intact records rewritten as one pseudo-record
  (valid magic and sizes), so the library reports that one and goes on;
- a truncated last chunk padded to 64 KiB.

Every mended place is reported as a :class:`Damage` with its bytes, so the
caller keeps it as a ``_parse_failure`` event. Slack after a chunk's free
space is never read: that would resurrect records the log no longer holds.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

import secops_native

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"**\x00\x00"
HEADER_BLOCK = 4096
CHUNK = 65536
CHUNK_HEADER = 512
MIN_RECORD = 28
KEPT_BYTES = 4096
"""How much of a damaged stretch is kept (hex) in its failure event."""

_U32 = struct.Struct("<I")
_RECORD_HEAD = struct.Struct("<4sIQ")
_ZERO_CHUNK = bytes(CHUNK)


@dataclass(frozen=True, slots=True)
class Damage:
    offset: int
    message: str
    data: bytes


@dataclass(slots=True)
class Scan:
    """What is wrong with a file and the patches that mend it."""

    damages: list[Damage] = field(default_factory=list)
    patches: list[tuple[int, bytes]] = field(default_factory=list)
    pad_to: int = 0
    chunks: int = 0
    record_ids: list[tuple[int, int, int]] = field(default_factory=list)
    """(first record id, last record id, chunk index) of every chunk with records."""
    structure: bool = False
    """Whether any EVTX structure was seen: the file header, a chunk header or a record."""

    @property
    def needs_repair(self) -> bool:
        return bool(self.patches) or self.pad_to > 0


def scan(fh: IO[bytes]) -> Scan:
    """Walk the file once, chunk by chunk (memory stays at one chunk)."""
    result = Scan()
    header = fh.read(HEADER_BLOCK)
    result.structure = header[:8] == FILE_MAGIC
    if not result.structure:
        result.damages.append(Damage(0, "file header damaged (bad magic); rebuilt", header[:128]))
        result.patches.append((0, b""))  # placeholder: the header is rebuilt once the chunk count is known
    index = 0
    while block := fh.read(CHUNK):
        _scan_chunk(result, index, HEADER_BLOCK + index * CHUNK, block)
        index += 1
    result.chunks = index
    if result.patches and result.patches[0] == (0, b""):
        result.patches[0] = (0, _file_header(index))
    return result


def _file_header(chunks: int) -> bytes:
    header = bytearray(HEADER_BLOCK)
    struct.pack_into("<8sQQQIHHHH", header, 0, FILE_MAGIC, 0, max(chunks - 1, 0), 0, 128, 1, 3, HEADER_BLOCK, chunks)
    _U32.pack_into(header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header)


_record_size: Callable[[bytes, int, int], int] = secops_native.evtx_record_size
"""The size of an intact record at ``offset`` (magic and both size fields agree, within ``limit``), else 0.
Native (``collectors/native/src/evtx_chain.rs``), where the walk over intact records uses it too."""


def _loose_record_size(block: bytes, offset: int, limit: int) -> int:
    """A record whose trailing size copy is damaged but whose size leads to the next record."""
    if block[offset : offset + 4] != RECORD_MAGIC or offset + MIN_RECORD > limit:
        return 0
    size = _U32.unpack_from(block, offset + 4)[0]
    following = offset + size
    if size < MIN_RECORD or following > limit:
        return 0
    return size if following == limit or _record_size(block, following, limit) else 0


def _next_record(block: bytes, start: int, limit: int, first_id: int) -> int:
    """The next intact record of this chunk's generation (id not below ``first_id``), or -1."""
    offset = block.find(RECORD_MAGIC, start, limit)
    while offset >= 0:
        if _record_size(block, offset, limit) and _RECORD_HEAD.unpack_from(block, offset)[2] >= first_id:
            return offset
        offset = block.find(RECORD_MAGIC, offset + 1, limit)
    return -1


def _scan_chunk(result: Scan, index: int, base: int, block: bytes) -> None:
    truncated = len(block) < CHUNK
    if not truncated and block == _ZERO_CHUNK:
        return  # a chunk the log has not used yet
    where = f"chunk {index} (offset {base:#x})"
    if truncated:
        result.pad_to = base + CHUNK
        result.damages.append(Damage(base, f"{where}: file truncated after {len(block)} of {CHUNK} bytes", b""))
        if len(block) < CHUNK_HEADER:
            return
    header_ok = block[:8] == CHUNK_MAGIC
    result.structure = result.structure or header_ok
    free = _U32.unpack_from(block, 48)[0]
    free_sane = CHUNK_HEADER <= free <= CHUNK
    limit = min(free if free_sane else CHUNK, len(block))
    walk = _walk(result, block, base, limit, where, report_tail=free_sane)
    if walk.first:
        result.structure = True
        result.record_ids.append((walk.first, walk.last_id, index))
    if walk.end == CHUNK_HEADER:
        if not header_ok:
            result.damages.append(Damage(base, f"{where}: chunk header damaged, no readable record", block[:512]))
        return
    header_crc = zlib.crc32(block[:120] + block[128:512]) == _U32.unpack_from(block, 124)[0]
    if header_ok and header_crc and free_sane and not truncated:
        return  # a sound header: the library bounds the chunk itself and may read past a loose end
    if not header_ok or not header_crc:
        result.damages.append(Damage(base, f"{where}: chunk header damaged; rebuilt from its records", block[:512]))
    header = bytearray(block[:CHUNK_HEADER])
    struct.pack_into("<8sQQQQ", header, 0, CHUNK_MAGIC, walk.first, walk.last_id, walk.first, walk.last_id)
    struct.pack_into("<II", header, 44, walk.last_offset, walk.end)
    header[128:CHUNK_HEADER] = bytes(CHUNK_HEADER - 128)
    result.patches.append((base, bytes(header)))


@dataclass(slots=True)
class _Walk:
    end: int = CHUNK_HEADER
    last_offset: int = CHUNK_HEADER
    first: int = 0
    last_id: int = 0


def _walk(result: Scan, block: bytes, base: int, limit: int, where: str, *, report_tail: bool) -> _Walk:
    """Follow the record chain up to ``limit``, bridging broken stretches.

    A chunk's records never have ids below its first record's: such a record
    is older data left in slack, where the chain ends. A record whose
    trailing size copy is off is still followed when the next record (or the
    limit) starts where its size says: the library reads it.
    """
    walk = _Walk()
    offset = CHUNK_HEADER
    while offset < limit:
        # The intact records, nearly all of them, natively; what follows them is looked at here.
        offset, walk.first, walk.last_id, walk.last_offset = secops_native.evtx_intact_run(
            block, offset, limit, walk.first, walk.last_id, walk.last_offset
        )
        if offset >= limit:
            break
        size = _record_size(block, offset, limit) or _loose_record_size(block, offset, limit)
        record_id = _RECORD_HEAD.unpack_from(block, offset)[2] if size else 0
        if size and record_id >= walk.first:
            walk.first = walk.first or record_id
            walk.last_id, walk.last_offset, offset = max(record_id, walk.last_id), offset, offset + size
            continue
        if size:
            break  # older records in slack
        following = _next_record(block, offset + 1, limit, walk.first)
        if following < 0:
            tail = block[offset:limit]
            if report_tail and tail.strip(b"\x00"):
                message = f"{where}: {limit - offset} bytes after record {walk.last_id} unreadable ({base + offset:#x})"
                result.damages.append(Damage(base + offset, message, tail[:KEPT_BYTES]))
            break
        gap = following - offset
        message = f"{where}: damaged record after record {walk.last_id} (offset {base + offset:#x}, {gap} bytes)"
        result.damages.append(Damage(base + offset, message, block[offset:following][:KEPT_BYTES]))
        if gap < MIN_RECORD:
            break  # too short to bridge (no record is this small): the chain ends here
        walk.last_id += 1
        result.patches.append((base + offset, _RECORD_HEAD.pack(RECORD_MAGIC, gap, walk.last_id) + bytes(8)))
        result.patches.append((base + following - 4, _U32.pack(gap)))
        walk.first = walk.first or walk.last_id
        walk.last_offset, offset = offset, following
    walk.end = offset
    return walk


def apply(scan_result: Scan, src: IO[bytes], dst: IO[bytes]) -> None:
    """Copy ``src`` to ``dst`` with the patches applied and the last chunk padded."""
    while chunk := src.read(1 << 20):
        dst.write(chunk)
    if scan_result.pad_to:
        dst.seek(0, 2)
        missing = scan_result.pad_to - dst.tell()
        if missing > 0:
            dst.write(bytes(missing))
    for offset, data in scan_result.patches:
        dst.seek(offset)
        dst.write(data)
    dst.flush()


def single_chunk(fh: IO[bytes], index: int) -> bytes:
    """A one-chunk EVTX file holding chunk ``index`` with its lookup tables cleared.

    Used when the library rejects a whole chunk (e.g. "Failed to build string
    cache"): its records can often still be read without the damaged caches.
    """
    fh.seek(HEADER_BLOCK + index * CHUNK)
    block = bytearray(fh.read(CHUNK).ljust(CHUNK, b"\x00"))
    block[:8] = CHUNK_MAGIC
    block[128:CHUNK_HEADER] = bytes(CHUNK_HEADER - 128)
    return _file_header(1) + bytes(block)
