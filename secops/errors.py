"""The one exception tree of secops.

Library code raises these; only the CLI turns them into a one-line message and
an exit code. Every error says *where* (a file and line, a record number, a
segment, an index) so an analyst can go and look.

    SecopsError                     exit 2 unless stated otherwise
    ├── ConfigError                 bad or unreadable configuration, insecure secret file
    ├── UsageError                  a request that cannot be served as asked
    ├── InputError                  an input file is missing, unreadable or of an unknown format
    │   └── ParseError              one record could not be parsed (kept as a _parse_failure event)
    ├── RuleError                   a Sigma or YARA rule cannot be loaded or evaluated
    ├── StoreError                  the event or case store failed
    │   ├── CorruptSegmentError     a segment file of the embedded store is damaged
    │   └── BackendUnavailable      the Elasticsearch cluster cannot be reached
    └── LockHeld                    another process holds a job lock
"""

from __future__ import annotations


class SecopsError(Exception):
    """Root of every error secops raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ConfigError(SecopsError):
    """The configuration cannot be read or is unsafe."""


class UsageError(SecopsError):
    """The request cannot be served as asked."""


class InputError(SecopsError):
    """An input is missing, unreadable or of an unknown format."""


class ParseError(InputError):
    """One record could not be parsed; its event keeps the original."""


class RuleError(SecopsError):
    """A detection rule cannot be loaded or evaluated."""


class StoreError(SecopsError):
    """The event or case store failed."""


class CorruptSegmentError(StoreError):
    """A segment of the embedded store cannot be read."""


class BackendUnavailable(StoreError):
    """The Elasticsearch cluster cannot be reached."""


class LockHeld(SecopsError):
    """Another process is already running this job."""
