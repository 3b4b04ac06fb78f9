"""The parser registry: every collector format is a small registered plugin.

A parser module under ``collectors/`` defines one class and decorates it with
``@register``. Discovery walks ``collectors`` with ``pkgutil`` once and imports
the modules whose source says ``@register``, so adding a format is adding a
file, and helpers (numpy for captures, the ingest loop for tailing) load only
when a parser or command uses them. Names are unique: a second parser claiming
a name is a programming error and fails loudly.

Two shapes of parser exist:

``LineParser``
    one text line in, one ECS event out (a pure function). Firewall syslog,
    auth logs, CEF, Suricata EVE, … The pipeline adds the envelope
    (``event.id``, ``event.original``, ``event.ingested``, ``log.*``).
``StreamParser``
    formats whose records are not lines or whose events span several records
    (EVTX, pcap flows, auditd's multi-record events, Zeek TSV headers). It
    reads the source and yields ``Parsed`` items in a deterministic order.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, TypeVar

import secops_native

from secops.errors import InputError
from secops.types import Event

if TYPE_CHECKING:
    from collections.abc import Sequence

    from secops.inputs import Line


@dataclass(frozen=True, slots=True)
class ParseContext:
    """What a parser may need beyond the record itself."""

    timezone: tzinfo = UTC
    """Zone for timestamps that carry none (RFC 3164 syslog, many vendor logs)."""
    year: int | None = None
    """Year for timestamps without one; ``None`` infers it from the current date."""
    options: dict[str, str] = field(default_factory=dict)
    """Format-specific settings from the configuration (``[parsers.<name>]``)."""


@dataclass(slots=True)
class Parsed:
    """One event from a stream parser, with the raw record it came from."""

    event: Event
    raw: str
    position: int
    """Deterministic index of this event within its source (identity and resume point)."""


@dataclass(frozen=True, slots=True)
class Source:
    """An input for stream parsers: its display name and how to open it (plain, .gz or zip member)."""

    name: str
    opener: Callable[[], IO[bytes]]

    def open(self) -> IO[bytes]:
        """A fresh binary reader positioned at the start."""
        return self.opener()


class Parser(ABC):
    """What every parser declares."""

    name: ClassVar[str]
    """The ``--format`` name, e.g. ``cisco-asa``."""
    dataset: ClassVar[str]
    """Default ``event.dataset`` for its events, e.g. ``cisco_asa.log``."""
    priority: ClassVar[int] = 100
    """Sniffing order for ``--format auto``: lower is tried first (specific before generic)."""
    fallback: ClassVar[bool] = False
    """Claims only lines no other parser recognises (plain syslog): always tried last."""
    sniff_tokens: ClassVar[tuple[str, ...]] = ()
    """Strings of which every line ``sniff_line`` accepts contains at least one (``%ASA``, ``%FTD``):
    per-line ``auto`` skips this parser on lines with none of them. Empty: no such promise, always asked."""
    native_sniff: ClassVar[secops_native.Sniff | None] = None
    """The format's line test in native code (``secops_native.Sniff(name)``, ``collectors/native/src/sniff.rs``),
    if it has one: ``sniff_line`` runs it, and per-line ``auto`` runs it in the same call as the token scan."""

    def sniff_file(self, head: bytes, path: Path | None) -> bool:
        """Recognise a whole file from its first bytes (binary formats, headers)."""
        first = head.split(b"\n", 1)[0].decode("utf-8", "replace")
        return self.sniff_line(first)

    def sniff_line(self, line: str) -> bool:
        """Recognise one line; line parsers override this (or set ``native_sniff``) for per-line ``auto``."""
        test = self.native_sniff
        return test is not None and test(line)


class LineParser(Parser):
    """One line in, one event out."""

    @abstractmethod
    def parse(self, line: str, ctx: ParseContext) -> Event:
        """Turn one record into an ECS event; raise on records it cannot read."""

    def parse_window(
        self, lines: Sequence[Line], indices: Sequence[int], events: list[Any], ctx: ParseContext
    ) -> list[tuple[int, BaseException]]:
        """Parse ``lines[i]`` into ``events[i]`` for each ``i`` of ``indices``; what each line that failed raised.

        A file's lines come a window at a time (``LineEvents.window``); a
        format read natively overrides this to read them in one call.
        """
        failed = []
        parse = self.parse
        for index in indices:
            try:
                events[index] = parse(lines[index].text, ctx)
            # A parser meeting hostile input may fail in any way; the record is kept, the run goes on. A panic in
            # the native parsers arrives as a BaseException, which ``Exception`` alone would let stop the run.
            except (Exception, secops_native.PanicException) as exc:  # noqa: BLE001
                failed.append((index, exc))
        return failed


class StreamParser(Parser):
    """Formats whose events are not one per line."""

    @abstractmethod
    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        """Yield events in a deterministic order; damage is reported, readable records kept."""


P = TypeVar("P", bound=type[Parser])

_REGISTRY: dict[str, Parser] = {}
_DISCOVERED = False


def register(cls: P) -> P:
    """Class decorator: add a parser under its ``name``; duplicates are an error."""
    name = cls.name
    if name in _REGISTRY and type(_REGISTRY[name]) is not cls:
        raise RuntimeError(f"parser name {name!r} registered twice ({_REGISTRY[name]!r} and {cls!r})")
    _REGISTRY[name] = cls()
    return cls


def discover() -> None:
    """Import the parser modules under ``collectors`` once so their parsers register."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    import collectors

    for info in pkgutil.walk_packages(collectors.__path__, prefix="collectors."):
        if not info.ispkg and _registers(info):
            importlib.import_module(info.name)
    _DISCOVERED = True


REGISTER_MARK = b"\n@register"
"""How a parser module's source registers its class (see the module docstring); a false match only imports a module."""


def _registers(info: pkgutil.ModuleInfo) -> bool:
    """Whether a module's source decorates a parser; a module not on disk is imported to be sure."""
    folder = getattr(info.module_finder, "path", None)
    if folder is None:
        return True
    try:
        return REGISTER_MARK in (Path(folder) / f"{info.name.rpartition('.')[2]}.py").read_bytes()
    except OSError:
        return True


def parsers() -> dict[str, Parser]:
    """All registered parsers by name."""
    discover()
    return dict(_REGISTRY)


def get_parser(name: str) -> Parser:
    """The parser for a ``--format`` name, or an error listing the known ones."""
    found = parsers().get(name)
    if found is None:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise InputError(f"unknown format {name!r} (known: auto, {known})")
    return found


def by_priority() -> list[Parser]:
    """Parsers in the order ``auto`` tries them."""
    return sorted(parsers().values(), key=lambda p: (p.priority, p.name))


def sniff_file(head: bytes, path: Path | None) -> Parser | None:
    """The first parser that recognises a file from its head, if any."""
    return next((p for p in by_priority() if p.sniff_file(head, path)), None)


def line_parsers() -> list[LineParser]:
    """Line parsers in sniffing order, for per-line ``auto``."""
    return [p for p in by_priority() if isinstance(p, LineParser)]
