"""``evtx``: Windows event log files, read by the Rust ``evtx`` library, mapped like Winlogbeat.

Format: a binary file, ``ElfFile\\0`` header and 64 KiB ``ElfChnk\\0`` chunks of
BinXML records (see ``evtx_repair`` for the layout). One record looks, once
rendered, like::

    {"Event": {"System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", …}},
     "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "ws1", …},
     "EventData": {"Image": "C:\\\\Windows\\\\System32\\\\cmd.exe", "CommandLine": "cmd /c whoami", …}}}

Reference: https://learn.microsoft.com/windows/win32/wes/windows-event-log ;
library: https://github.com/omerbenamram/pyevtx-rs.

The library renders each record as JSON (its ``records_json``); the native
Windows mapping reads that text straight into an ECS event
(``winlog_ecs.evtx_to_ecs``). The JSON string is the event's
``event.original``. Damage: ``evtx_repair`` mends the file's structure
first, a record the library cannot read becomes a kept ``_parse_failure``
event, and a chunk it rejects is re-read with its lookup tables cleared, so
every readable record is kept and every damaged one named.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import secops_native
from evtx import PyEvtxParser

from collectors.endpoint import evtx_repair
from collectors.endpoint.winlog_ecs import evtx_to_ecs
from secops import ecs
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

DATASET = "windows.eventlog"
_CHUNK_ERROR = re.compile(r"chunk (?:number (\d+)|containing record IDs (\d+)\.\.(\d+))")


@register
class EvtxParser(StreamParser):
    """Windows ``.evtx`` files (also inside .zip and .gz)."""

    name = "evtx"
    dataset = DATASET
    priority = 10

    def sniff_file(self, head: bytes, path: Any) -> bool:
        start = evtx_repair.HEADER_BLOCK
        return head[:8] == evtx_repair.FILE_MAGIC or head[start : start + 8] == evtx_repair.CHUNK_MAGIC

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        threads = int(ctx.options.get("threads", "1"))
        with _local_path(source) as path:
            with open(path, "rb") as fh:
                found = evtx_repair.scan(fh)
            if not found.structure:  # e.g. a README given with --format evtx: one clear failure, not a repair
                message = "not an EVTX file: no file header, chunk header or record found"
                yield Parsed(_failure(message), message, 0)
                return
            position = 0
            for damage in found.damages:
                yield Parsed(_failure(damage.message), damage.data.hex() or damage.message, position)
                position += 1
            if not found.needs_repair:
                yield from _read(path, found, threads, position)
                return
            with tempfile.NamedTemporaryFile(prefix="secops-evtx-mended-", suffix=".evtx") as mended:
                with open(path, "rb") as src:
                    evtx_repair.apply(found, src, mended)
                yield from _read(mended.name, found, threads, position)


@contextmanager
def _local_path(source: Source) -> Iterator[str]:
    """The library reads a file on disk: a plain file as is, .gz/.zip members via a temp copy."""
    with source.open() as fh:
        name = getattr(fh, "name", None)
        if isinstance(fh, io.BufferedReader) and isinstance(name, str) and os.path.isfile(name):
            yield name
            return
        with tempfile.NamedTemporaryFile(prefix="secops-evtx-", suffix=".evtx") as copy:
            shutil.copyfileobj(fh, copy, 1 << 20)
            copy.flush()
            yield copy.name


def _records(parser: PyEvtxParser) -> Iterator[dict[str, Any]]:
    """The parser's records as JSON; its stub types each as Optional, pyo3's way of ending an iterator."""
    return cast("Iterator[dict[str, Any]]", parser.records_json())


def _read(path: str, found: evtx_repair.Scan, threads: int, position: int) -> Iterator[Parsed]:
    records = _records(PyEvtxParser(path, number_of_threads=threads))
    retried: set[int] = set()
    while True:
        try:
            for record in records:
                yield _parsed(record["data"], position)
                position += 1
            return
        except RuntimeError as exc:
            message = f"evtx: {exc}"
            yield Parsed(_failure(message), message, position)
            position += 1
            index = _failed_chunk(str(exc), found)
            if index is not None and index not in retried:
                retried.add(index)
                for parsed in _retry_chunk(path, index, threads, position):
                    yield parsed
                    position += 1
        # A Rust panic surfaces as pyo3's PanicException (a BaseException): end this file, keep what was read.
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":
                raise
            message = f"evtx: the library gave up on this file: {exc}"
            yield Parsed(_failure(message), message, position)
            return


def _parsed(data: str, position: int) -> Parsed:
    try:
        event = evtx_to_ecs(data)
    # A record may be malformed in any way: it is kept as a failure event and the file goes on. A panic
    # in the native mapping is this record's too, not the library giving up on the file (see ``_read``).
    except (ValueError, secops_native.PanicException) as exc:
        event = _failure(f"evtx: record not mappable: {exc}")
    return Parsed(event, data, position)


def _failed_chunk(message: str, found: evtx_repair.Scan) -> int | None:
    match = _CHUNK_ERROR.search(message)
    if match is None:
        return None
    if match.group(1) is not None:
        return int(match.group(1))
    first, last = int(match.group(2)), int(match.group(3))
    return next((index for lo, hi, index in found.record_ids if lo == first and hi == last), None)


def _retry_chunk(path: str, index: int, threads: int, position: int) -> Iterator[Parsed]:
    """Re-read one rejected chunk alone with its lookup tables cleared; yield what it gives."""
    with open(path, "rb") as fh:
        data = evtx_repair.single_chunk(fh, index)
    records = _records(PyEvtxParser(io.BytesIO(data), number_of_threads=threads))
    while True:
        try:
            for record in records:
                yield _parsed(record["data"], position)
                position += 1
            return
        except RuntimeError as exc:
            if _CHUNK_ERROR.search(str(exc)):
                return  # still unreadable as a whole: the failure event already says so
            message = f"evtx: chunk {index}: {exc}"
            yield Parsed(_failure(message), message, position)
            position += 1


def _failure(message: str) -> Event:
    event = ecs.parse_failure("", message, dataset=DATASET)
    del event["message"]
    return event
