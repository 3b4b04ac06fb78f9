"""The firewall formats read by ``secops_native``: a line's tuple from the native reader, finished here.

Each format's native reader (``secops_native.cisco_asa`` and the rest) returns
the event with the times it could not convert and the reason the record cannot
be read; the format's ``finish`` converts those times in the context's zone,
raises the reason, and dates the event. A file's window of lines is read in one
native call (``secops_native.read_window``), which finishes by the same rule
the lines whose times need no Python (their minute is in the clock's cache or
in a fixed zone, or they are epoch values), and hands the others' tuples to
``finish`` as it goes.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import secops_native

from collectors.syslog_header import MINUTES
from secops.inputs import Line
from secops.registry import LineParser, ParseContext
from secops.types import Event


class NativeLineParser(LineParser):
    """A line format whose record ``secops_native`` reads; subclasses name the reader and say how to finish."""

    native_format: ClassVar[str]
    """The native reader's name in ``secops_native`` (and ``read_window``'s name for the format)."""
    _read: ClassVar[Callable[..., tuple[Any, ...]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._read = getattr(secops_native, cls.native_format)

    @abstractmethod
    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        """The event of the native reader's tuple; raise the record's error."""

    def parse(self, line: str, ctx: ParseContext) -> Event:
        return self.finish(self._read(line, ctx, MINUTES), ctx)

    def parse_window(
        self, lines: Sequence[Line], indices: Sequence[int], events: list[Any], ctx: ParseContext
    ) -> list[tuple[int, BaseException]]:
        try:
            return secops_native.read_window(self.native_format, lines, indices, events, ctx, MINUTES, self.finish)
        except secops_native.PanicException:
            return super().parse_window(lines, indices, events, ctx)  # line by line, to keep the others
