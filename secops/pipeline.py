"""From input files to enveloped ECS events: format choice, parsing, failure events.

This is the one place where a parser's exception becomes a counted warning and
a kept ``_parse_failure`` event: parsers stay pure and may raise on bad input,
nothing else downstream has to care.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import secops_native

from secops import ecs
from secops.errors import InputError, UsageError
from secops.inputs import DAMAGED_STREAM, MAX_RECORD_BYTES, InputFile, Line, fingerprint, line_batches
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
WINDOW_LINES = 256
"""A file's lines are parsed a window at a time (``LineEvents.window``), from one batch (``line_batches``)."""


@dataclass(slots=True)
class Stats:
    """What a run read: counts, and the first warnings verbatim."""

    files: int = 0
    events: int = 0
    failures: int = 0
    unreadable: int = 0
    """Inputs that could not be opened at all: not records, so not among ``failures``."""
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.failures += 1
        self._keep(message)

    def refuse(self, message: str) -> None:
        """An input that cannot be read is named like a failed record and counted apart."""
        self.unreadable += 1
        self._keep(message)

    def _keep(self, message: str) -> None:
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
    """Per-line format recognition: only parsers whose ``sniff_tokens`` the line holds are asked, fallbacks last.

    One native scan finds every parser's tokens and runs the native line
    tests (``native_sniff``) of those it leaves; the others are then asked in
    priority order (a mixed file's line was asked of six parsers on average
    before the scan). While lines keep coming in one format, the last format
    is asked first and the scan is skipped; once a line is of another format,
    lines go through the scan first until one repeats its predecessor's
    format, as in an interleaved syslog stream that would fail the last
    format's test at almost every line.
    """

    def __init__(self) -> None:
        candidates = line_parsers()
        specific = tuple(p for p in candidates if not p.fallback)
        # The choice is made natively (``secops_native.Picker``): in Python it was a method call and a loop a line.
        picker = secops_native.Picker(_prefilter(specific), specific, [p for p in candidates if p.fallback])
        self.pick: Callable[[str], LineParser | None] = picker.pick
        # The lines of each parser (or None: no parser's), by index.
        self.pick_lines: Callable[[list[Line]], dict[LineParser | None, list[int]]] = picker.pick_lines


@cache
def _prefilter(candidates: tuple[LineParser, ...]) -> secops_native.Prefilter:
    """Built once per set of parsers: it costs about 0.2 ms, and every file of a directory makes its own
    ``AutoLineParser``."""
    return secops_native.Prefilter(
        [list(parser.sniff_tokens) for parser in candidates], [parser.native_sniff for parser in candidates]
    )


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


def open_inputs(files: Iterable[InputFile], fmt: str, stats: Stats) -> Iterator[Opened]:
    """Each input opened in turn; one that cannot be read is reported by name and the rest go on."""
    for source in files:
        try:
            yield open_input(source, fmt)
        except OSError as exc:
            stats.refuse(f"{source.name}: cannot read: {exc.strerror or exc}")


def read_input(opened: Opened, ctx: ParseContext, stats: Stats, *, ingested: str, start: int = 0) -> Iterator[Item]:
    """Events of one input from ``start`` (a byte offset, or an event index for stream formats)."""
    key = opened.key
    for events, resumes in read_windows(opened, ctx, stats, ingested=ingested, start=start):
        for event, resume in zip(events, resumes, strict=True):
            yield Item(event, key, resume)


def read_windows(
    opened: Opened, ctx: ParseContext, stats: Stats, *, ingested: str, start: int = 0
) -> Iterator[tuple[list[Event], list[int]]]:
    """``read_input`` a run of events at a time, each with the token that resumes the input after it.

    ``parse_files`` takes the events a window at a time, without an ``Item``
    and a generator's step for each (with the window loop's own tidying, 3% of a
    firewall line's instructions).
    """
    stats.files += 1
    parser = opened.parser
    if isinstance(parser, StreamParser):
        yield from _read_stream(opened.source, parser, ctx, stats, opened.key, ingested, start)
    else:
        yield from _read_lines(opened.source, parser, ctx, stats, opened.key, ingested, start)


class LineEvents:
    """Lines of any source become events the same way: parser choice, kept failures, envelope.

    Files, tailed files and syslog listeners all go through here, so a line
    gives the same event whichever way it arrived; each says where the line
    came from: a file's ``log.file`` and ``log.offset`` here, a syslog
    message's ``syslog.source`` after ``event``.
    """

    def __init__(self, parser: Parser | None, ctx: ParseContext, stats: Stats) -> None:
        if parser is not None and not isinstance(parser, LineParser):
            raise InputError(f"format {parser.name!r} reads whole files, not lines")
        self.parser: LineParser | None = parser
        self.ctx, self.stats = ctx, stats
        self.auto = AutoLineParser() if parser is None else None

    def event(
        self,
        text: str,
        *,
        where: str,
        offset: int,
        number: int,
        identity: str,
        ingested: str,
        problem: str | None = None,
        path: str | None = None,
    ) -> Event:
        """One line as an enveloped event; ``problem`` (a cut record, a damaged spool) marks it a failure.

        ``path``: the file the line is from, for ``log.file.path`` and ``log.offset``.
        """
        chosen = self.auto.pick(text) if self.auto else self.parser
        event, failure = _parse_line(chosen, text, self.ctx)
        self._report(event, failure, problem, where, offset, number)
        self.stats.events += 1
        return ecs.envelope(
            event,
            raw=text,
            identity=identity,
            dataset=chosen.dataset if chosen else ecs.UNPARSED,
            ingested=ingested,
            path=path,
            offset=offset if path is not None else None,
        )

    def window(self, lines: list[Line], *, where: str, first: int, key: str, ingested: str) -> list[Event]:
        """A run of a file's lines as events, in order; ``first`` is the record number of the first line.

        ``where`` names the file in warnings and is each event's ``log.file.path``; ``log.offset`` is the
        line's.

        In a mixed file each line may need another parser. Parsing the lines
        of one format together keeps that parser's code and data in the CPU's
        caches: a third less time per line than alternating formats line by
        line. Parsers are pure, so the order they run in changes nothing. A
        line that parses and is whole takes no helper's call here (they were a
        tenth of the interpreter's work on a mixed file).
        """
        ctx = self.ctx
        groups: Mapping[LineParser | None, Sequence[int]]
        groups = {self.parser: range(len(lines))} if self.auto is None else self.auto.pick_lines(lines)
        events: list[Any] = [None] * len(lines)  # filled group by group
        datasets = [ecs.UNPARSED] * len(lines)
        failures: dict[int, str] = {}
        for parser, indices in groups.items():
            if parser is None:
                for index in indices:
                    events[index], failures[index] = _unrecognised(lines[index].text)
                continue
            dataset = parser.dataset
            for index in indices:
                datasets[index] = dataset
            for index, exc in parser.parse_window(lines, indices, events, ctx):
                events[index], failures[index] = _failure(parser, lines[index].text, exc)
        cut = [index for index, line in enumerate(lines) if line.truncated]
        for index in sorted({*failures, *cut}):  # reported in the file's order
            line = lines[index]
            problem = f"record longer than {MAX_RECORD_BYTES} bytes, cut" if line.truncated else None
            self._report(events[index], failures.get(index), problem, where, line.offset, first + index)
        ecs.envelope_lines(events, lines, datasets, key, ingested, where)
        self.stats.events += len(lines)
        return events

    def _report(
        self, event: Event, failure: str | None, problem: str | None, where: str, offset: int, number: int
    ) -> None:
        """Count and name a record that failed to parse; mark a cut or damaged one as a failure."""
        if failure:
            self.stats.warn(f"{where}: record {number} (offset {offset}): {failure}")
        if problem:
            self.stats.warn(f"{where}: offset {offset}: {problem}")
            tags = event.setdefault("tags", [])
            if "_parse_failure" not in tags:
                tags.append("_parse_failure")
            ecs.put(event, "error.message", problem)


def line_parser(fmt: str, why: str) -> LineParser | None:
    """The parser a line-by-line input uses (None: recognise each line); ``why`` ends the refusal."""
    if fmt == "auto":
        return None
    chosen = get_parser(fmt)
    if not isinstance(chosen, LineParser):
        raise UsageError(f"format {fmt!r} reads whole files, {why}", where="--format")
    return chosen


def _read_lines(
    source: InputFile,
    parser: Parser | None,
    ctx: ParseContext,
    stats: Stats,
    key: str,
    ingested: str,
    start: int,
) -> Iterator[tuple[list[Event], list[int]]]:
    lines = LineEvents(parser, ctx, stats)
    name = source.name
    number = 1
    with source.open() as fh:
        batches = line_batches(fh, start)
        while True:
            try:
                batch = next(batches, None)
            except DAMAGED_STREAM as exc:
                stats.warn(
                    f"{name}: compressed input is cut short or damaged after offset {start} ({exc}); "
                    "kept what came before"
                )
                return
            if batch is None:
                return
            for first in range(0, len(batch), WINDOW_LINES):
                window = batch[first : first + WINDOW_LINES]
                events = lines.window(window, where=name, first=number, key=key, ingested=ingested)
                yield events, [line.end for line in window]
                number += len(window)
            start = batch[-1].end


def _parse_line(parser: LineParser | None, text: str, ctx: ParseContext) -> tuple[Event, str | None]:
    """One record through its parser, and why it failed (``LineEvents`` is the way in for every line input).

    A parser's failure becomes a kept ``_parse_failure`` event; the caller
    counts it and names the record.
    """
    if parser is None:
        return _unrecognised(text)
    try:
        return parser.parse(text, ctx), None
    # A parser meeting hostile input may fail in any way; the record is kept, the run goes on. A panic in
    # the native parsers arrives as a BaseException, which ``Exception`` alone would let stop the run.
    except (Exception, secops_native.PanicException) as exc:  # noqa: BLE001
        return _failure(parser, text, exc)


def _unrecognised(text: str) -> tuple[Event, str]:
    """The kept ``_parse_failure`` event of a record no parser recognises, and the message saying so."""
    reason = "no parser recognises this record"
    return ecs.parse_failure(text, reason), reason


def _failure(parser: LineParser, text: str, exc: BaseException) -> tuple[Event, str]:
    """The kept ``_parse_failure`` event of a record its parser raised on, and the message naming why."""
    message = f"{parser.name}: {type(exc).__name__}: {exc}"
    return ecs.parse_failure(text, message, dataset=parser.dataset), message


def _read_stream(
    source: InputFile,
    parser: StreamParser,
    ctx: ParseContext,
    stats: Stats,
    key: str,
    ingested: str,
    start: int,
) -> Iterator[tuple[list[Event], list[int]]]:
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
                path=name,
            )
            if "_parse_failure" in ev.get("tags", ()):
                stats.warn(f"{name}: record {parsed.position}: {ecs.get(ev, 'error.message')}")
            stats.events += 1
            yield [ev], [parsed.position + 1]
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
    for opened in open_inputs(files, fmt, stats):
        for events, _ in read_windows(opened, ctx, stats, ingested=stamp):
            yield from events
