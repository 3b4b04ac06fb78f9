"""A bounded, content-addressed store for payloads carved from traffic (HTTP bodies).

Layout: ``<data dir>/carve/<sha256[:2]>/<sha256>``; identical payloads are
stored once. Each payload is hashed while it streams in; it is kept in memory
up to ``SPILL_BYTES`` and then spilled to a temporary file, so a large
download costs disk, not memory. Payloads above the per-file cap are hashed
and measured but not kept; when the directory passes its total cap the
oldest files are evicted. The ``network_traffic.file`` events that record
each payload are what the YARA scanner consumes (``file.path``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MAX_FILE = 32 << 20
MAX_TOTAL = 1 << 30
SPILL_BYTES = 256 << 10
MAX_OPEN = 128
MAGIC = (
    (b"MZ", "application/x-dosexec"),
    (b"\x7fELF", "application/x-executable"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF8", "image/gif"),
    (b"Rar!", "application/x-rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\xd0\xcf\x11\xe0", "application/x-ole-storage"),
    (b"MSCF", "application/vnd.ms-cab-compressed"),
)


def sniff_mime(head: bytes) -> str | None:
    """A MIME type from the first bytes, for the formats that announce themselves."""
    for magic, mime in MAGIC:
        if head.startswith(magic):
            return mime
    text = head[:64].lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return None


def carved_file(event: dict) -> Path | None:
    """The stored copy an event points to, for scanners: ``network_traffic.file`` events with ``file.path``."""
    if event.get("event", {}).get("dataset") != "network_traffic.file":
        return None
    path = event.get("file", {}).get("path")
    return Path(path) if path else None


def carve_path(root: Path, sha256: str) -> Path:
    """Where the payload with this SHA-256 lives in a carve directory."""
    return root / sha256[:2] / sha256


@dataclass(frozen=True, slots=True)
class Carved:
    sha256: str
    size: int
    head: bytes
    path: Path | None
    """The stored copy; None when carving is off, the payload is over the cap, or it was cut short."""
    complete: bool


class CarveStore:
    """The carve directory: content-addressed files, a per-file and a total size cap."""

    def __init__(self, root: Path, max_file: int = MAX_FILE, max_total: int = MAX_TOTAL) -> None:
        self.root = root
        self.max_file = max_file
        self.max_total = max_total
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.open_files = 0
        self._names = itertools.count()
        found = []
        for entry in root.glob("??/*"):
            info = entry.stat()
            found.append((info.st_mtime_ns, info.st_size, entry))
        found.sort()
        self.files: deque[tuple[int, Path]] = deque((size, path) for _, size, path in found)
        self.total = sum(size for size, _ in self.files)

    def sink(self) -> PayloadSink:
        return PayloadSink(self)

    def temp_file(self) -> tuple[Path, IO[bytes]] | None:
        if self.open_files >= MAX_OPEN:
            return None
        path = self.tmp / f"{os.getpid()}-{next(self._names)}"
        self.open_files += 1
        return path, path.open("wb")

    def keep(self, sha256: str, data: bytes | None, temp: Path | None) -> Path:
        """Move a finished payload into place (once per content) and evict past the total cap."""
        target = carve_path(self.root, sha256)
        if target.exists():
            if temp is not None:
                temp.unlink(missing_ok=True)
            return target
        target.parent.mkdir(exist_ok=True)
        if temp is not None:
            os.replace(temp, target)
        else:
            part = target.with_suffix(".part")
            part.write_bytes(data or b"")
            os.replace(part, target)
        size = target.stat().st_size
        self.files.append((size, target))
        self.total += size
        while self.total > self.max_total and len(self.files) > 1:
            old_size, old = self.files.popleft()
            old.unlink(missing_ok=True)
            self.total -= old_size
        return target


class PayloadSink:
    """One payload being carved: hashed as it streams, kept if it fits."""

    def __init__(self, store: CarveStore | None) -> None:
        self.store = store
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""
        self.buf: list[bytes] | None = []
        self.temp: tuple[Path, IO[bytes]] | None = None
        self.over = store is None

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.hash.update(chunk)
        if len(self.head) < 512:
            self.head = (self.head + chunk)[:512]
        self.size += len(chunk)
        if self.over:
            return
        assert self.store is not None
        if self.size > self.store.max_file:
            self._drop()
            return
        if self.temp is not None:
            self.temp[1].write(chunk)
            return
        assert self.buf is not None
        self.buf.append(chunk)
        if self.size > SPILL_BYTES:
            self.temp = self.store.temp_file()
            if self.temp is None:
                self._drop()
                return
            self.temp[1].write(b"".join(self.buf))
            self.buf = None

    def _drop(self) -> None:
        self.over = True
        self.buf = None
        self._close_temp(remove=True)

    def _close_temp(self, *, remove: bool) -> Path | None:
        if self.temp is None:
            return None
        path, fh = self.temp
        fh.close()
        self.temp = None
        if self.store is not None:
            self.store.open_files -= 1
        if remove:
            path.unlink(missing_ok=True)
            return None
        return path

    def finish(self, *, complete: bool = True) -> Carved:
        """Close the payload; it is kept only when it arrived whole and fits the cap."""
        sha = self.hash.hexdigest()
        path = None
        if complete and not self.over and self.store is not None and self.size:
            temp = self._close_temp(remove=False)
            data = b"".join(self.buf) if self.buf is not None else None
            path = self.store.keep(sha, data, temp)
        else:
            self._close_temp(remove=True)
        self.buf = None
        return Carved(sha, self.size, self.head, path, complete)
