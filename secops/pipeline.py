"""From input files to enveloped ECS events: format choice, parsing, failure events.

This is the one place where a parser's exception becomes a counted warning and
a kept ``_parse_failure`` event: parsers stay pure and may raise on bad input,
nothing else downstream has to care.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from secops import ecs
from secops.errors import InputError
from secops.inputs import DAMAGED_STREAM, InputFile, fingerprint, iter_lines
from secops.registry import (
    LineParser,
    ParseContext,
    Parser,
    StreamParser,
    get_parser,
    line_parsers,
    sniff_file,
)
from secops.types import Event

log = logging.getLogger(__name__)

MAX_WARNINGS_KEPT = 100


@dataclass(slots=True)
class Stats:
    """What a run read: counts, and the first warnings verbatim."""

    files: int = 0
    events: int = 0
    failures: int = 0
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.failures += 1
        if len(self.warnings) < MAX_WARNINGS_KEPT:
            self.warnings.append(message)
        log.warning("%s", message)


@dataclass(slots=True)
class Item:
    """An enveloped event and the token that resumes its source after it."""

    event: Event
    source_key: str
    resume: int


class AutoLineParser:
    """Per-line format recognition: the last format that matched is tried first."""

    def __init__(self) -> None:
        self._candidates = line_parsers()
        self._last: LineParser | None = None

    def pick(self, line: str) -> LineParser | None:
        last = self._last
        if last is not None and last.sniff_line(line):
            return last
        for parser in self._candidates:
            if parser is not last and parser.sniff_line(line):
                self._last = parser
                return parser
        return None


def choose_parser(fmt: str, head: bytes) -> Parser | None:
    """The parser for a whole file: the named one, a sniffed stream format, or None (per-line auto)."""
    if fmt != "auto":
        return get_parser(fmt)
    found = sniff_file(head, None)
    return found if isinstance(found, StreamParser) else None


@dataclass(frozen=True, slots=True)
class Opened:
    """An input with its parser chosen and its fingerprint (the checkpoint key) known."""

    source: InputFile
    parser: Parser | None
    key: str


def open_input(source: InputFile, fmt: str) -> Opened:
    """Read a file's head once: choose its parser and compute its fingerprint."""
    head = source.head()
    parser = choose_parser(fmt, head)
    return Opened(source, parser, fingerprint(head, binary=isinstance(parser, StreamParser)))


def read_input(opened: Opened, ctx: ParseContext, stats: Stats, *, ingested: str, start: int = 0) -> Iterator[Item]:
    """Events of one input from ``start`` (a byte offset, or an event index for stream formats)."""
    stats.files += 1
    parser = opened.parser
    if isinstance(parser, StreamParser):
        yield from _read_stream(opened.source, parser, ctx, stats, opened.key, ingested, start)
    else:
        yield from _read_lines(opened.source, parser, ctx, stats, opened.key, ingested, start)


def _read_lines(
    source: InputFile,
    parser: Parser | None,
    ctx: ParseContext,
    stats: Stats,
    key: str,
    ingested: str,
    start: int,
) -> Iterator[Item]:
    auto = AutoLineParser() if parser is None else None
    name = source.name
    end = start
    with source.open() as fh:
        try:
            for number, line in enumerate(iter_lines(fh, start), 1):
                chosen = auto.pick(line.text) if auto else parser
                event = parse_line(chosen, line.text, ctx, stats, name, line.offset, number)
                if line.truncated:
                    _fail(event, stats, name, line.offset, f"record longer than {len(line.text)} bytes, cut")
                ev = ecs.envelope(
                    event,
                    raw=line.text,
                    identity=f"{key}:{line.offset}",
                    dataset=chosen.dataset if chosen else "secops.unparsed",
                    ingested=ingested,
                )
                log_fields = ev.setdefault("log", {})  # keep what the parser set (log.level, log.syslog)
                log_fields["file"] = {"path": name}
                log_fields["offset"] = line.offset
                stats.events += 1
                yield Item(ev, key, line.end)
                end = line.end
        except DAMAGED_STREAM as exc:
            stats.warn(
                f"{name}: compressed input is cut short or damaged after offset {end} ({exc}); kept what came before"
            )


def parse_line(
    parser: Parser | None, text: str, ctx: ParseContext, stats: Stats, name: str, offset: int, number: int
) -> Event:
    """One record through its parser; also used by inputs that read lines themselves (tail, syslog).

    A parser's failure becomes a counted warning and a kept ``_parse_failure`` event.
    """
    if parser is None:
        stats.warn(f"{name}: record {number} (offset {offset}): no parser recognises this record")
        return ecs.parse_failure(text, "no parser recognises this record")
    if not isinstance(parser, LineParser):
        raise InputError(f"format {parser.name!r} reads whole files, not lines", where=name)
    try:
        return parser.parse(text, ctx)
    # A parser meeting hostile input may fail in any way; the record is kept, the run goes on.
    except Exception as exc:  # noqa: BLE001
        message = f"{parser.name}: {type(exc).__name__}: {exc}"
        stats.warn(f"{name}: record {number} (offset {offset}): {message}")
        failed = ecs.parse_failure(text, message, dataset=parser.dataset)
        return failed


def _fail(event: Event, stats: Stats, name: str, offset: int, message: str) -> None:
    stats.warn(f"{name}: offset {offset}: {message}")
    event.setdefault("tags", []).append("_parse_failure")
    ecs.put(event, "error.message", message)


def _read_stream(
    source: InputFile,
    parser: StreamParser,
    ctx: ParseContext,
    stats: Stats,
    key: str,
    ingested: str,
    start: int,
) -> Iterator[Item]:
    name = source.name
    try:
        for parsed in parser.stream(source.source(), ctx):
            if parsed.position < start:
                continue
            ev = ecs.envelope(
                parsed.event,
                raw=parsed.raw,
                identity=f"{key}:{parsed.position}",
                dataset=parser.dataset,
                ingested=ingested,
            )
            ecs.put(ev, "log.file.path", name)
            if "_parse_failure" in ev.get("tags", ()):
                stats.warn(f"{name}: record {parsed.position}: {ecs.get(ev, 'error.message')}")
            stats.events += 1
            yield Item(ev, key, parsed.position + 1)
    except InputError:
        raise
    # Damage that ends the stream early: what was read is kept, the damage is reported.
    except Exception as exc:  # noqa: BLE001
        stats.warn(f"{name}: {parser.name}: stopped reading: {type(exc).__name__}: {exc}")


def parse_files(
    files: Iterable[InputFile], fmt: str, ctx: ParseContext, stats: Stats, *, ingested: str | None = None
) -> Iterator[Event]:
    """Every event of every file, for ``secops parse`` and offline scans."""
    stamp = ingested or ecs.now_ts()
    for source in files:
        for item in read_input(open_input(source, fmt), ctx, stats, ingested=stamp):
            yield item.event
