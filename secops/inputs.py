"""Input files: expanding paths, opening plain/.gz/.zip, fingerprints, bounded lines.

A file's identity is a *fingerprint* of its content head, not its path, so a
rotated, renamed, copied or gzipped file is still the same source: its events
keep their ids and its checkpoint still applies. Text files are known by their
first KiB (the first line alone is not enough: Zeek logs and CSV exports share
headers); a text file shorter than that may still grow, and inputs that follow
growing files wait until it is long enough before trusting its fingerprint.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import io
import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, NoReturn, Protocol, cast

import secops_native

from secops.errors import InputError
from secops.registry import Source

DAMAGED_STREAM = (EOFError, zlib.error, gzip.BadGzipFile, zipfile.BadZipFile)
"""What reading a cut or corrupt .gz/.zip raises; readers keep what came before and report it."""
MAX_RECORD_BYTES = 4 * 1024 * 1024
"""Longer lines are cut here (and flagged) so one hostile line cannot exhaust memory."""
HEAD_BYTES = 64 * 1024
"""How much of a file is read for sniffing and, for binary files, the fingerprint."""
TEXT_FINGERPRINT_BYTES = 1024
"""How much of a text file its fingerprint covers."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One readable input: a file on disk, a decompressed .gz, or a zip member."""

    name: str
    """What to show and store as ``log.file.path``."""
    opener: Callable[[], IO[bytes]]

    def open(self) -> IO[bytes]:
        return self.opener()

    def head(self) -> bytes:
        """The first bytes, for sniffing and fingerprints (fewer if a compressed stream is cut short)."""
        chunks: list[bytes] = []
        with self.open() as fh:
            try:
                while (got := sum(map(len, chunks))) < HEAD_BYTES and (chunk := fh.read(HEAD_BYTES - got)):
                    chunks.append(chunk)
            except DAMAGED_STREAM:
                pass  # the reader that follows meets the damage again and reports it with the record number
        return b"".join(chunks)

    def source(self) -> Source:
        return Source(self.name, self.opener)


def fingerprint(head: bytes, *, binary: bool) -> str:
    """Identity of a source: its first KiB (text) or its first 64 KiB (binary)."""
    data = head[:HEAD_BYTES] if binary else head[:TEXT_FINGERPRINT_BYTES]
    return secops_native.blake2b_hex(data, 12)  # hashlib's blake2b digest, computed faster


def expand(paths: list[str | Path], *, skip_hidden: bool = True) -> Iterator[InputFile]:
    """Expand files, directories (recursively, sorted), globs, .gz files and .zip members."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from _inputs_below(path, skip_hidden=skip_hidden)
        elif path.exists():
            yield from _open_file(path)
        elif glob.has_magic(str(raw)):
            matches = sorted(glob.glob(str(raw), recursive=True))
            if not matches:
                raise InputError("no file matches this pattern", where=str(raw))
            yield from expand(list(matches), skip_hidden=skip_hidden)
        else:
            raise InputError("no such file or directory", where=str(raw))


def _inputs_below(folder: Path, *, skip_hidden: bool) -> Iterator[InputFile]:
    """Inputs under ``folder`` in path order, without following directory links.

    ``os.scandir`` knows each entry's type from the directory itself, so a
    folder of thousands of small files (a responder's EVTX collection) costs
    no ``stat`` per file. A directory that cannot be listed becomes an input
    that fails when read: the reader names it and goes on with the rest.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        yield _unreadable(folder, exc.errno, exc.strerror or str(exc))
        return
    for entry in entries:
        if skip_hidden and entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _inputs_below(Path(entry.path), skip_hidden=skip_hidden)
        elif entry.is_file():
            yield from _open_regular(Path(entry.path))


def _open_file(path: Path) -> Iterator[InputFile]:
    """A path given by name: refused unless it is a regular file (a FIFO would block the run)."""
    if not stat.S_ISREG(path.stat().st_mode):
        raise InputError("not a regular file", where=str(path))
    yield from _open_regular(path)


def _open_regular(path: Path) -> Iterator[InputFile]:
    """A regular file as one input, or one per member of a zip archive."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        yield _unreadable(path, exc.errno, exc.strerror or str(exc))
        return
    # The ignores: typeshed does not count BufferedIOBase streams (GzipFile, _ZipMember) as IO[bytes],
    # and mypy types partial() of the overloaded Path.open by its first (text) overload.
    if magic[:2] == b"\x1f\x8b":
        yield InputFile(str(path), partial(gzip.open, path, "rb"))  # type: ignore[arg-type]
    elif magic == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as archive:
                members = [m.filename for m in archive.infolist() if not m.is_dir()]
        except (OSError, zipfile.BadZipFile) as exc:
            yield _unreadable(path, getattr(exc, "errno", None), f"damaged zip archive ({exc})")
            return
        for member in members:
            yield InputFile(f"{path}!{member}", partial(_ZipMember, path, member))  # type: ignore[arg-type]
    else:
        yield InputFile(str(path), partial(path.open, "rb"))  # type: ignore[arg-type]


def _unreadable(path: Path, errno: int | None, reason: str) -> InputFile:
    """An input that raises the error reading it met, when the reader gets to it in its turn."""
    return InputFile(str(path), partial(_raise_os_error, errno, reason, str(path)))


def _raise_os_error(errno: int | None, strerror: str, filename: str) -> NoReturn:
    raise OSError(errno, strerror, filename)


class _ZipMember(io.BufferedIOBase):
    """A zip member stream that closes its archive with it."""

    def __init__(self, path: Path, member: str) -> None:
        self._archive = zipfile.ZipFile(path)
        try:
            # Read mode always gives a ZipExtFile (read1, peek); typeshed types every mode as IO[bytes].
            self._stream = cast(zipfile.ZipExtFile, self._archive.open(member))
        # Encrypted members (evidence is often zipped with a password) and unknown compression methods.
        except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as exc:
            self._archive.close()
            raise OSError(None, f"zip member: {exc}", f"{path}!{member}") from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self._stream.seekable()

    def read(self, size: int | None = -1) -> bytes:
        return self._stream.read(size)

    def read1(self, size: int = -1) -> bytes:
        return self._stream.read1(size)

    def readline(self, size: int | None = -1) -> bytes:
        # None means no limit for io streams, but ZipExtFile.readline compares it with 0 and raises.
        return self._stream.readline(-1 if size is None else size)

    def peek(self, size: int = 0) -> bytes:
        return self._stream.peek(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()

    def close(self) -> None:
        self._stream.close()
        self._archive.close()
        super().close()


class Line(Protocol):
    """One line record with its byte offset and where the next one starts (``secops_native.Line`` makes them)."""

    @property
    def text(self) -> str: ...
    @property
    def offset(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def truncated(self) -> bool: ...


LINE_BLOCK = 1 << 20
"""Bytes read at a time for splitting into lines: a batch of lines is at most this plus one record."""
_UTF16 = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}


def line_batches(fh: IO[bytes], start: int = 0) -> Iterator[list[Line]]:
    """Lines with byte offsets, a block's worth at a time; CR/LF stripped, blank lines skipped, overlong ones cut.

    Invalid UTF-8 is kept as ``\\xNN`` escapes so the original stays visible and
    every event stays valid JSON. A byte order mark is not part of the first
    record, and one for UTF-16 (Windows PowerShell writes it so) decodes the
    whole file as UTF-16; offsets stay those of the file's bytes. The splitting
    is native (``secops_native.LineSplitter``): a line at a time in Python was
    6.6% of a firewall line's parse + normalise.
    """
    codec = _UTF16.get(_first_bytes(fh, 2))
    if codec is not None:
        start = max(start, 2)
    if start:
        _seek(fh, start)
    split = secops_native.LineSplitter(start, MAX_RECORD_BYTES, codec or "utf-8")
    # One read at most per call: a cut compressed stream then loses no line it had already given.
    read = getattr(fh, "read1", fh.read)
    while block := read(LINE_BLOCK):
        if lines := split.feed(block):
            yield lines
    if lines := split.finish():
        yield lines


def iter_lines(fh: IO[bytes], start: int = 0) -> Iterator[Line]:
    """``line_batches``, a line at a time."""
    for batch in line_batches(fh, start):
        yield from batch


def _first_bytes(fh: IO[bytes], count: int) -> bytes:
    """The first bytes of a freshly opened stream, leaving it where it was."""
    peek = getattr(fh, "peek", None)
    if peek is not None:
        return bytes(peek(count)[:count])
    if fh.seekable():
        head = fh.read(count)
        fh.seek(0)
        return head
    return b""


def _seek(fh: IO[bytes], offset: int) -> None:
    if fh.seekable():
        fh.seek(offset)
        return
    remaining = offset  # gzip/zip streams: read forward
    while remaining:
        got = fh.read(min(remaining, 1 << 20))
        if not got:
            return
        remaining -= len(got)
