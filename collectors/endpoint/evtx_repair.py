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
from dataclasses import dataclass, field
from typing import IO

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

    @property
    def needs_repair(self) -> bool:
        return bool(self.patches) or self.pad_to > 0


def scan(fh: IO[bytes]) -> Scan:
    """Walk the file once, chunk by chunk (memory stays at one chunk)."""
    result = Scan()
    header = fh.read(HEADER_BLOCK)
    if header[:8] != FILE_MAGIC:
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


def _record_size(block: bytes, offset: int, limit: int) -> int:
    """The size of an intact record at ``offset`` (magic and both size fields agree), else 0."""
    if block[offset : offset + 4] != RECORD_MAGIC or offset + MIN_RECORD > limit:
        return 0
    size = _U32.unpack_from(block, offset + 4)[0]
    if size < MIN_RECORD or offset + size > limit or _U32.unpack_from(block, offset + size - 4)[0] != size:
        return 0
    return size


def _next_record(block: bytes, start: int, limit: int) -> int:
    offset = block.find(RECORD_MAGIC, start, limit)
    while offset >= 0:
        if _record_size(block, offset, limit):
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
    free = _U32.unpack_from(block, 48)[0]
    free_sane = CHUNK_HEADER <= free <= CHUNK
    limit = min(free if free_sane else CHUNK, len(block))
    end, last, mended, ids = _walk(result, block, base, limit, where)
    if ids:
        result.record_ids.append((ids[0], ids[1], index))
    if end == CHUNK_HEADER:
        if not header_ok:
            result.damages.append(Damage(base, f"{where}: chunk header damaged, no readable record", block[:512]))
        return
    header_crc = zlib.crc32(block[:120] + block[128:512]) == _U32.unpack_from(block, 124)[0]
    if header_ok and free_sane and end == free and header_crc and not truncated:
        return
    if not header_ok or not header_crc:
        result.damages.append(Damage(base, f"{where}: chunk header damaged; rebuilt from its records", block[:512]))
    if header_ok and header_crc and end == free and not mended:
        return
    header = bytearray(block[:CHUNK_HEADER])
    header[:8] = CHUNK_MAGIC
    struct.pack_into("<II", header, 44, last, end)
    header[128:CHUNK_HEADER] = bytes(CHUNK_HEADER - 128)
    result.patches.append((base, bytes(header)))


def _walk(
    result: Scan, block: bytes, base: int, limit: int, where: str
) -> tuple[int, int, bool, tuple[int, int] | None]:
    """Follow the record chain; bridge broken stretches.

    Returns the chain's end, the last record's offset, whether a stretch was
    bridged, and the first and last record ids seen.
    """
    offset = last = CHUNK_HEADER
    record_id = first_id = 0
    mended = False
    while offset < limit:
        size = _record_size(block, offset, limit)
        if size:
            record_id = _RECORD_HEAD.unpack_from(block, offset)[2]
            first_id = first_id or record_id
            last, offset = offset, offset + size
            continue
        following = _next_record(block, offset + 1, limit)
        if following < 0:
            tail = block[offset:limit]
            if tail.strip(b"\x00"):
                message = f"{where}: {limit - offset} bytes after record {record_id} unreadable ({base + offset:#x})"
                result.damages.append(Damage(base + offset, message, tail[:KEPT_BYTES]))
            break
        gap = following - offset
        message = f"{where}: damaged record after record {record_id} (offset {base + offset:#x}, {gap} bytes)"
        result.damages.append(Damage(base + offset, message, block[offset:following][:KEPT_BYTES]))
        if gap >= MIN_RECORD:
            pseudo = _RECORD_HEAD.pack(RECORD_MAGIC, gap, record_id + 1) + bytes(8)
            result.patches.append((base + offset, pseudo))
            result.patches.append((base + following - 4, _U32.pack(gap)))
            mended = True
            last, offset = offset, following
        else:
            break  # too short to bridge (a record is never this small): give up on this chunk's tail
    return offset, last, mended, (first_id, record_id) if first_id else None


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
