"""Files replaced whole or not at all: caches and state that a crash must never leave half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file inside ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def owner_only(path: Path, *, append: bool = False) -> BinaryIO:
    """Open ``path`` to write, created readable and writable by its owner only (0600 whatever the umask).

    Spool, dead letters, segments and the state database hold log content and
    cases; a data directory made before it was created owner-only may be 0755.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC | (os.O_APPEND if append else os.O_TRUNC)
    return os.fdopen(os.open(path, flags, 0o600), "ab" if append else "wb")


def write_file(path: Path, blob: bytes) -> None:
    """Replace a file atomically: a temporary file beside it, fsync, rename, fsync of the folder.

    The file is readable and writable by its owner only (``mkstemp`` makes it
    0600 whatever the umask), as every cache and state file holds log content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    # Never the target's suffix: a folder scan for "*.json" or "*.yarc" must not meet a file half-written.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
