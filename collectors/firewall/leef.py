"""IBM QRadar Log Event Extended Format (LEEF 1.0 and 2.0), alone or after a syslog header.

Samples::

    LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5\tcat=anomaly\tsrcPort=81
    <13>Jan 18 11:07:53 host LEEF:2.0|Lancope|StealthWatch|1.0|41|^|src=192.0.2.0^dst=172.50.123.1^sev=5

LEEF 1.0 separates attributes with tabs; LEEF 2.0 names its delimiter in a
sixth header field (a character, or ``x09``/``0x09`` as hex). Predefined
attributes map to ECS (addresses, ports, NAT pre/post, bytes, packets,
``usrName``, ``devTime`` with ``devTimeFormat``'s common shapes); all
attributes are kept under ``leef.attributes``. A syslog header's host is
``observer.hostname``; its time is ``@timestamp`` when there is no ``devTime``.

The line is read by ``secops_native`` (``collectors/native/src/leef.rs``);
``devTime`` and the header's time are converted here, in the configured zone.

Reference: IBM QRadar "Log Event Extended Format (LEEF)" version 2 specification.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import secops_native

from collectors.firewall.native import NativeLineParser
from collectors.syslog_header import header_timestamp
from collectors.syslog_time import MONTHS, device_timestamp, zone_minutes
from secops import ecs
from secops.errors import ParseError
from secops.registry import ParseContext, register
from secops.types import Event

DATASET = "leef.log"


@register
class LeefParser(NativeLineParser):
    """LEEF from any vendor; attributes kept under ``leef.attributes``."""

    name = "leef"
    dataset = DATASET
    priority = 80  # generic: after the vendor formats
    sniff_tokens = ("LEEF:",)

    native_sniff = secops_native.Sniff(name)
    native_format = "leef"

    def finish(self, result: tuple[Any, ...], ctx: ParseContext) -> Event:
        event, time, error, dev_time, dev_time_format = result
        if error:  # the record's error first: the header is read only after a readable one
            raise ParseError(error)
        if dev_time is not None:
            stamp = device_timestamp(dev_time, ctx)
            if stamp is None and dev_time_format is not None:
                stamp = _java_time(dev_time, dev_time_format, ctx)
            if stamp:
                event["@timestamp"] = stamp
        stamp = header_timestamp(time, ctx)  # a syslog header's time dates the record when devTime does not
        if stamp and "@timestamp" not in event:
            event["@timestamp"] = stamp
        return event


_JAVA_TOKEN = re.compile(r"'([^']*)'|y+|M+|d+|H+|h+|k+|K+|m+|s+|S+|a+|E+|z+|Z+|X+|.", re.DOTALL)
_JAVA_PART = {
    "y": ("y", r"\d{4}|\d{2}"), "M": ("M", r"\d{1,2}"), "MMM": ("N", r"[A-Za-z]{3,9}\.?"),
    "d": ("d", r"\d{1,2}"), "H": ("H", r"\d{1,2}"), "k": ("H", r"\d{1,2}"), "h": ("h", r"\d{1,2}"),
    "K": ("h", r"\d{1,2}"), "m": ("m", r"\d{1,2}"), "s": ("s", r"\d{1,2}"), "S": ("S", r"\d{1,9}"),
    "a": ("a", r"[AaPp][Mm]"), "E": ("", r"[A-Za-z]{2,9}\.?"),
    "z": ("z", r"Z|[A-Za-z]{1,5}(?:[+-]\d\d?:?\d\d)?|[+-]\d\d:?\d\d"),
}  # fmt: skip
"""Pattern letter (``MMM`` for a month name, ``z`` for every zone letter) → (group, regex)."""
_MONTH_NUMBER = {name.lower(): number for name, number in MONTHS.items()}


@lru_cache(maxsize=64)
def _java_pattern(layout: str) -> re.Pattern[str] | None:
    """A Java ``SimpleDateFormat`` layout (``devTimeFormat``) as a regex with named parts, or None."""
    parts: list[str] = []
    seen: set[str] = set()
    for token in _JAVA_TOKEN.finditer(layout):
        text = token.group(0)
        if token.group(1) is not None:  # 'quoted text', '' a quote
            parts.append(re.escape(token.group(1) or "'"))
            continue
        letter = text[0]
        key = "MMM" if letter == "M" and len(text) >= 3 else "z" if letter in "zZX" else letter
        if key not in _JAVA_PART:
            if letter.isalpha():
                return None  # a field this reader does not know (week numbers, eras)
            parts.append(re.escape(text))
            continue
        group, regex = _JAVA_PART[key]
        if group in seen:
            return None
        if group:
            seen.add(group)
            regex = f"(?P<{group}>{regex})"
        parts.append(regex)
    if not ({"y", "d"} <= seen and seen & {"M", "N"}):
        return None
    return re.compile("".join(parts) + "$")


def _java_time(value: str, layout: str, ctx: ParseContext) -> str | None:
    """``devTime`` read with its ``devTimeFormat``; None when they do not fit together."""
    pattern = _java_pattern(layout)
    found = pattern.match(value.strip()) if pattern is not None else None
    if found is None:
        return None
    part = found.groupdict()
    year = int(part["y"])
    year += 2000 if year < 100 else 0
    month = int(part["M"]) if part.get("M") else _MONTH_NUMBER.get(part["N"][:3].lower())
    hour = int(part.get("H") or part.get("h") or 0)
    if part.get("a"):
        hour = hour % 12 + (12 if part["a"].lower() == "pm" else 0)
    micro = int((part.get("S") or "0").ljust(6, "0")[:6])
    minutes = zone_minutes(part["z"]) if part.get("z") else None
    zone = ctx.timezone if minutes is None else timezone(timedelta(minutes=minutes))
    try:
        moment = datetime(
            year, month or 0, int(part["d"]), hour, int(part.get("m") or 0), int(part.get("s") or 0), micro, zone
        )
    except ValueError:
        return None
    return ecs.format_ts(moment)
