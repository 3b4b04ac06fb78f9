"""Which files a YARA scan reads, and reading each one exactly once.

The walk never leaves the trees it was given unless asked: a symlink inside a
directory is not followed (its target, when inside the tree, is scanned under
its own path; when outside, only with ``follow_symlinks``), every directory is
entered once (by device and inode, so loops and overlapping roots end), and
devices, FIFOs and sockets are never opened for reading. Every path that is
not scanned comes back as a ``Skip`` with the reason, so nothing is left out
silently.

A file is opened without following links and without blocking, checked to be
a regular file within the size limit, read into memory in one pass, and
``fstat``-ed again afterwards: when its size or times moved while it was read,
the result says so (the bytes read are still what gets scanned and hashed, so
hash and hits always describe the same bytes). The scanning threads share one
``MemoryBudget``: a file's bytes are read only when they fit beside the files
the other threads hold, so a raised size limit cannot take the machine's memory.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """The documented result of one path."""

    OK = "ok"
    CHANGED = "changed"
    """Scanned, but the file changed while it was read: hits and hashes are for the bytes read."""
    TOO_LARGE = "too_large"
    SPECIAL = "special"
    """A device, FIFO or socket: never opened."""
    SYMLINK = "symlink"
    MISSING = "missing"
    UNREADABLE = "unreadable"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Target:
    """A regular file to scan: the path shown, and the path opened (a followed link's target)."""

    path: str
    open_path: str
    size: int = 0
    """The size the walk saw, so that the scanner can start large files first."""


@dataclass(frozen=True, slots=True)
class Skip:
    path: str
    status: Status
    reason: str


@dataclass(slots=True)
class Content:
    """What one read of a file gave."""

    data: memoryview
    info: os.stat_result
    changed: bool
    held: int = 0
    """Bytes taken from the ``MemoryBudget``: give them back once the data is no longer used."""


class ReadFailed(Exception):
    """A file could not be read as a regular file within the limit; carries the result."""

    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def walk(roots: Iterable[str | os.PathLike[str]], *, follow_symlinks: bool = False) -> Iterator[Target | Skip]:
    """Regular files under the roots, and a ``Skip`` for every path passed over."""
    visited: set[tuple[int, int]] = set()
    followed: set[str] = set()
    for raw in roots:
        root = os.path.abspath(raw)
        try:
            info = os.stat(root)
        except OSError as exc:
            yield _os_skip(root, exc, "stat")
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk_dir(root, os.path.realpath(root), visited, followed, follow_symlinks)
        elif stat.S_ISREG(info.st_mode):
            yield Target(root, os.path.realpath(root), info.st_size)
        else:
            yield Skip(root, Status.SPECIAL, _kind(info.st_mode))


def _walk_dir(
    root: str, boundary: str, visited: set[tuple[int, int]], followed: set[str], follow: bool
) -> Iterator[Target | Skip]:
    """Depth-first, in name order. Folders reached through a followed link are ``outside``: their
    files are deduplicated by real path, since a second link may reach them again."""
    stack: list[tuple[str, bool]] = [(root, False)]
    while stack:
        folder, outside = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in visited:
                yield Skip(folder, Status.SYMLINK, "directory already scanned (symlink loop or overlapping paths)")
                continue
            visited.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield _os_skip(folder, exc, "cannot list directory")
            continue
        subdirs: list[tuple[str, bool]] = []
        for entry in entries:
            try:
                if entry.is_symlink():
                    yield from _symlink(entry.path, boundary, followed, follow, subdirs)
                elif entry.is_dir(follow_symlinks=False):
                    subdirs.append((entry.path, outside))
                elif entry.is_file(follow_symlinks=False):
                    size = entry.stat(follow_symlinks=False).st_size
                    if outside:
                        yield _target(entry.path, os.path.realpath(entry.path), followed, size)
                    else:
                        yield Target(entry.path, entry.path, size)
                else:
                    yield Skip(entry.path, Status.SPECIAL, _kind(entry.stat(follow_symlinks=False).st_mode))
            except OSError as exc:
                yield _os_skip(entry.path, exc, "stat")
        stack.extend(reversed(subdirs))


def _symlink(
    path: str, boundary: str, followed: set[str], follow: bool, subdirs: list[tuple[str, bool]]
) -> Iterator[Target | Skip]:
    try:
        target = os.path.realpath(path, strict=True)
        info = os.stat(target)
    except OSError as exc:
        yield _os_skip(path, exc, "symlink")
        return
    if target == boundary or target.startswith(boundary.rstrip(os.sep) + os.sep):
        yield Skip(path, Status.SYMLINK, f"points inside the tree, scanned as {target}")
    elif not follow:
        yield Skip(path, Status.SYMLINK, f"points out of the tree to {target} (not followed unless asked)")
    elif stat.S_ISDIR(info.st_mode):
        subdirs.append((path, True))
    elif not stat.S_ISREG(info.st_mode):
        yield Skip(path, Status.SPECIAL, _kind(info.st_mode))
    else:
        yield _target(path, target, followed, info.st_size)


def _target(path: str, real: str, followed: set[str], size: int) -> Target | Skip:
    """A file reached through a followed link, unless another path reached it first."""
    if real in followed:
        return Skip(path, Status.SYMLINK, f"{real} already scanned through another link")
    followed.add(real)
    return Target(path, real, size)


class MemoryBudget:
    """Bytes that file contents may hold in memory at once, shared by the scanning threads.

    Each file takes its size before it is read and gives it back after its scan; requests are
    served in order, so a large file waits for the small ones before it and none overtake it. A
    file larger than the whole budget is never read: it is ``too_large``, not a ``MemoryError``
    that ends the scan, nor two large files read side by side until the kernel kills the process.
    """

    def __init__(self, total: int | None = None) -> None:
        self.total = total if total is not None else default_memory_budget()
        self._free = self.total
        self._turn = threading.Condition()
        self._next = 0
        self._serving = 0

    def take(self, nbytes: int) -> None:
        """Wait for ``nbytes`` (at most ``total``) to be free, then hold them."""
        if nbytes > self.total:
            raise ValueError(f"{nbytes:,} bytes asked of a {self.total:,}-byte budget")
        with self._turn:
            ticket = self._next
            self._next += 1
            self._turn.wait_for(lambda: self._serving == ticket and self._free >= nbytes)
            self._serving += 1
            self._free -= nbytes
            self._turn.notify_all()

    @property
    def free(self) -> int:
        return self._free

    def give(self, nbytes: int) -> None:
        with self._turn:
            self._free += nbytes
            self._turn.notify_all()


def default_memory_budget() -> int:
    """Half the memory this process may use: the machine's, or its cgroup's limit when lower."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        physical = min(physical, int(limit)) if limit.isdecimal() else physical
    except OSError:
        pass
    return physical // 2


def read_once(target: Target, max_size: int, budget: MemoryBudget) -> Content:
    """The whole file in one pass, or ``ReadFailed`` saying why not.

    The bytes are taken from ``budget`` (``Content.held``); on failure they are already given back."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    try:
        fd = os.open(target.open_path, flags)
    except OSError as exc:
        skip = _os_skip(target.path, exc, "open")
        raise ReadFailed(skip.status, skip.reason) from exc
    with os.fdopen(fd, "rb", buffering=0) as fh:
        try:
            before = os.fstat(fd)
            if not stat.S_ISREG(before.st_mode):
                raise ReadFailed(Status.SPECIAL, _kind(before.st_mode) + " (replaced during the scan)")
            if before.st_size > max_size:
                raise ReadFailed(Status.TOO_LARGE, f"{before.st_size:,} bytes, over the {max_size:,}-byte limit")
            # One byte more than expected, so a file that grew is noticed without a second read.
            held = before.st_size + 1
            if held > budget.total:
                raise ReadFailed(
                    Status.TOO_LARGE,
                    f"{before.st_size:,} bytes, more than the {budget.total:,} bytes of memory a scan may use",
                )
            budget.take(held)
        except OSError as exc:
            skip = _os_skip(target.path, exc, "read")
            raise ReadFailed(skip.status, skip.reason) from exc
        try:
            view, filled, after = _read_all(fh, held, target)
        except BaseException:
            budget.give(held)
            raise
    changed = filled != before.st_size or _stamp(before) != _stamp(after)
    if changed and after.st_size > max_size:
        budget.give(held)
        raise ReadFailed(Status.TOO_LARGE, f"grew to {after.st_size:,} bytes while read, over the limit")
    return Content(view[: min(filled, before.st_size)], after, changed, held)


def _read_all(fh: io.FileIO, length: int, target: Target) -> tuple[memoryview, int, os.stat_result]:
    """Up to ``length`` bytes of an open file, how many came, and its ``fstat`` afterwards."""
    try:
        buffer = bytearray(length)
    except MemoryError as exc:
        raise ReadFailed(Status.TOO_LARGE, f"no memory to read {length - 1:,} bytes") from exc
    view = memoryview(buffer)
    filled = 0
    try:
        while filled < length:
            got = fh.readinto(view[filled:])
            if not got:
                break
            filled += got
        return view, filled, os.fstat(fh.fileno())
    except OSError as exc:
        skip = _os_skip(target.path, exc, "read")
        raise ReadFailed(skip.status, skip.reason) from exc


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO, not read"
    if stat.S_ISSOCK(mode):
        return "socket, not read"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device, not read"
    return "not a regular file, not read"


def _os_skip(path: str, exc: OSError, doing: str) -> Skip:
    """An OS error met while ``doing`` something to a path, as the documented result."""
    reason = f"{doing}: {exc.strerror or exc}"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Skip(path, Status.UNREADABLE, reason)
    if exc.errno == errno.ENOENT:
        missing = {"symlink": "dangling symlink", "open": "removed before it was read"}
        return Skip(path, Status.MISSING, missing.get(doing, reason))
    if exc.errno == errno.ELOOP:
        loop = "replaced by a symlink during the scan" if doing == "open" else "symlink loop"
        return Skip(path, Status.SYMLINK, loop)
    return Skip(path, Status.ERROR, reason)
