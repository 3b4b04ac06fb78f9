"""``auditd``: Linux audit logs, the records of each event joined into one ECS event.

An event is every record that shares ``msg=audit(<time>:<serial>)`` (and
``node=``): a SYSCALL with its EXECVE, CWD, PATH, PROCTITLE, SOCKADDR … ended
by an ``EOE`` record. Records of different events may interleave (the kernel
and auditd write concurrently), so events are assembled in a small table of
open events and emitted when

- their ``EOE`` arrives, or they are a one-record user-space message
  (``USER_LOGIN``, ``ADD_USER`` …, which never get an ``EOE``);
- ``WINDOW`` records of other events have passed since their last record
  (older logs have no ``EOE``; go-libaudit's reassembler works the same way);
- more than ``MAX_OPEN`` events are open (memory stays bounded), or input ends.

Emission order is a pure function of the input, so positions (and event ids)
are stable across runs. Sample and reference: see ``auditd_records``; mapping:
``auditd_ecs``. A line that is not an audit record becomes a kept
``_parse_failure`` event on its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from collectors.endpoint.auditd_ecs import to_ecs
from collectors.endpoint.auditd_records import Record, parse_record
from collectors.endpoint.auditd_tables import STANDALONE_PREFIXES
from secops import ecs
from secops.errors import ParseError
from secops.inputs import iter_lines
from secops.registry import ParseContext, Parsed, Source, StreamParser, register
from secops.types import Event

DATASET = "auditd.log"
WINDOW = 64
"""Records of other events after which an event without ``EOE`` is considered complete."""
MAX_OPEN = 4096


class _Open:
    __slots__ = ("last", "lines", "records")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.records: list[Record] = []
        self.last = 0


@register
class AuditdParser(StreamParser):
    """Linux audit logs (audit.log, also with syslog headers or ``node=``)."""

    name = "auditd"
    dataset = DATASET
    priority = 40

    def sniff_file(self, head: bytes, path: object) -> bool:
        lines = [line for line in head.split(b"\n", 8)[:8] if line.strip()]
        complete = lines[:-1] if len(lines) > 1 else lines  # the last may be cut by the head's end
        return bool(complete) and all(b"type=" in line and b"audit(" in line for line in complete)

    def sniff_line(self, line: str) -> bool:
        return "type=" in line and "audit(" in line

    def stream(self, source: Source, ctx: ParseContext) -> Iterator[Parsed]:
        open_events: OrderedDict[tuple[str, str], _Open] = OrderedDict()
        position = 0
        with source.open() as fh:
            for number, line in enumerate(iter_lines(fh), 1):
                try:
                    record = parse_record(line.text)
                except ParseError as exc:
                    yield Parsed(_failure(line.text, f"line {number}: {exc}"), line.text, position)
                    position += 1
                    continue
                current = open_events.get(record.key)
                if current is None:
                    current = open_events[record.key] = _Open()
                else:
                    open_events.move_to_end(record.key)
                current.last = number
                if record.type != "EOE":
                    current.lines.append(line.text)
                    current.records.append(record)
                if record.type == "EOE" or (len(current.records) == 1 and record.type.startswith(STANDALONE_PREFIXES)):
                    del open_events[record.key]
                    if current.records:
                        yield _emit(current, position)
                        position += 1
                while open_events:
                    key, oldest = next(iter(open_events.items()))
                    if number - oldest.last <= WINDOW and len(open_events) <= MAX_OPEN:
                        break
                    del open_events[key]
                    yield _emit(oldest, position)
                    position += 1
        for pending in open_events.values():
            yield _emit(pending, position)
            position += 1


def _emit(event: _Open, position: int) -> Parsed:
    raw = "\n".join(event.lines)
    try:
        parsed = to_ecs(event.records)
    # Hostile records may break the mapping in any way: the event is kept as a failure.
    except Exception as exc:  # noqa: BLE001
        parsed = _failure(raw, f"auditd: event not mappable: {type(exc).__name__}: {exc}")
    return Parsed(parsed, raw, position)


def _failure(raw: str, message: str) -> Event:
    return ecs.parse_failure(raw, message, dataset=DATASET)
