"""Scanning files with compiled YARA rules, in parallel, each file read once.

libyara releases the GIL while it scans, so a pool of threads keeps every core
busy with one process and one copy of the rules; the walk runs in the calling
thread, and each scanning thread holds one file in memory at a time (all of them
together within the scan's ``MemoryBudget``). Every path
gives one ``FileResult``: hits, or the documented reason it was not scanned
(see ``yara_files.Status``).

Each file's external variables are filled the way THOR and LOKI fill them,
because signature-base's rules test them: ``filename`` (base name),
``filepath`` (the directory), ``extension`` (lower case, with the dot),
``filetype`` (from the magic bytes, THOR's upper-case names) and ``owner``.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import os
import pwd
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yara

from secops.detect.yara_files import Content, MemoryBudget, ReadFailed, Skip, Status, Target, read_once, walk

DEFAULT_MAX_SIZE = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 60
LOOKAHEAD = 256
"""Files the walk may run ahead of the scan (paths only; no file is read before its turn)."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "EXE"),
    (b"\x7fELF", "ELF"),
    (b"\xfe\xed\xfa\xce", "MACH-O"),
    (b"\xfe\xed\xfa\xcf", "MACH-O"),
    (b"\xce\xfa\xed\xfe", "MACH-O"),
    (b"\xcf\xfa\xed\xfe", "MACH-O"),
    (b"\xca\xfe\xba\xbe", "JAVA"),
    (b"%PDF", "PDF"),
    (b"{\\rtf", "RTF"),
    (b"MDMP", "MDMP"),
    (b"PK\x03\x04", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7Z"),
    (b"\x1f\x8b", "GZIP"),
    (b"GIF8", "GIF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"<?php", "PHP"),
    (b"#!", "SCRIPT"),
)
"""Leading bytes to THOR-style type names; the first match wins, otherwise the type is empty."""


@dataclass(frozen=True, slots=True)
class ScanOptions:
    max_size: int = DEFAULT_MAX_SIZE
    """Larger files are skipped (``too_large``) without being read."""
    timeout: int = DEFAULT_TIMEOUT
    """Seconds libyara may spend on one file before giving up on it (``timeout``)."""
    threads: int = os.cpu_count() or 2
    follow_symlinks: bool = False
    file_externals: bool = True
    """Fill the external variables per file; off, they stay empty (as ``yara -d name=`` sets them)."""
    memory: int | None = None
    """Bytes of file content the threads may hold at once; None: half the memory (see ``MemoryBudget``)."""


@dataclass(slots=True)
class FileResult:
    """What happened to one path: its hits, or why it was not scanned."""

    path: str
    status: Status
    message: str = ""
    size: int | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    """md5, sha1 and sha256 of the bytes scanned; computed only for files with hits."""
    matches: list[yara.Match] = field(default_factory=list)
    too_many_matches: list[tuple[str, str, str]] = field(default_factory=list)
    """(namespace, rule, string) whose matches libyara stopped recording at its limit: counts and
    offsets of that string are cut short, so the rule's result may be wrong either way."""

    @property
    def scanned(self) -> bool:
        return self.status in (Status.OK, Status.CHANGED)


class Scanner:
    """Compiled rules plus the options of one scan; safe to share between threads."""

    def __init__(self, rules: yara.Rules, options: ScanOptions | None = None) -> None:
        self.rules = rules
        self.options = options or ScanOptions()
        self.memory = MemoryBudget(self.options.memory)

    def scan(self, paths: Iterable[str | os.PathLike[str]]) -> Iterator[FileResult]:
        """One result per path under ``paths``, in completion order.

        The walk runs up to ``LOOKAHEAD`` files ahead and the largest of those starts first, so a
        large file met late does not keep one core busy alone at the end.
        """
        opts = self.options
        waiting: list[tuple[int, int, Target]] = []
        in_flight: dict[Future[FileResult], int] = {}
        """Started scans and their start order: finished ones are reported in that order."""

        started = itertools.count()

        def finished() -> Iterator[FileResult]:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=in_flight.__getitem__):
                del in_flight[future]
                yield future.result()

        with ThreadPoolExecutor(max(1, opts.threads), thread_name_prefix="yara") as pool:

            def submit_largest() -> Iterator[FileResult]:
                in_flight[pool.submit(self.scan_target, heapq.heappop(waiting)[2])] = next(started)
                if len(in_flight) >= 2 * opts.threads:
                    yield from finished()

            for seq, item in enumerate(walk(paths, follow_symlinks=opts.follow_symlinks)):
                if isinstance(item, Skip):
                    yield FileResult(item.path, item.status, item.reason)
                    continue
                heapq.heappush(waiting, (-item.size, seq, item))
                if len(waiting) >= LOOKAHEAD:
                    yield from submit_largest()
            while waiting:
                yield from submit_largest()
            while in_flight:
                yield from finished()

    def scan_file(self, path: str | os.PathLike[str]) -> FileResult:
        """One named file (followed if it is a link), in the calling thread."""
        shown = os.path.abspath(path)
        return self.scan_target(Target(shown, os.path.realpath(shown)))

    def scan_target(self, target: Target) -> FileResult:
        try:
            content = read_once(target, self.options.max_size, self.memory)
        except ReadFailed as failed:
            return FileResult(target.path, failed.status, failed.reason)
        try:
            return self._match(target, content)
        finally:
            self.memory.give(content.held)

    def _match(self, target: Target, content: Content) -> FileResult:
        data, size = content.data, len(content.data)
        status = Status.CHANGED if content.changed else Status.OK
        message = f"changed while it was read; results are for the {size:,} bytes read" if content.changed else ""
        capped: list[tuple[str, str, str]] = []

        def warned(kind: int, what: Any) -> int:
            if kind == yara.CALLBACK_TOO_MANY_MATCHES:
                capped.append((what.namespace, what.rule, what.string))
            return yara.CALLBACK_CONTINUE

        externals = file_externals(target.path, data, content.info.st_uid) if self.options.file_externals else {}
        try:
            matches = self.rules.match(
                data=data,
                externals=externals,
                timeout=self.options.timeout,
                allow_duplicate_metadata=True,
                warnings_callback=warned,
            )
        except yara.TimeoutError:
            return FileResult(target.path, Status.TIMEOUT, f"scan took over {self.options.timeout}s", size)
        except yara.Error as exc:
            return FileResult(target.path, Status.ERROR, f"libyara: {exc}", size)
        hashes = digests(data) if matches else {}
        return FileResult(target.path, status, message, size, hashes, matches, capped)


def digests(data: memoryview | bytes) -> dict[str, str]:
    """md5, sha1 and sha256 of the same bytes (hashlib releases the GIL on large buffers)."""
    return {name: hashlib.new(name, data).hexdigest() for name in ("md5", "sha1", "sha256")}


def file_externals(path: str, data: memoryview | bytes, uid: int) -> dict[str, str]:
    """THOR's per-file external variables for ``path``."""
    folder, name = os.path.split(path_text(path))
    return {
        "filename": name,
        "filepath": folder,
        "extension": os.path.splitext(name)[1].lower(),
        "filetype": file_type(bytes(data[:8])),
        "owner": owner_name(uid),
    }


def file_type(head: bytes) -> str:
    """A THOR-style type name from a file's first bytes, or ``""``."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return ""


def path_text(path: str) -> str:
    """A path as valid UTF-8 text, for libyara and for alerts: file names are bytes, and those that
    are not UTF-8 (lone surrogates in a Python path) are written ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@lru_cache(maxsize=256)
def owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
