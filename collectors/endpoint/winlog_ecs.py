"""One Windows event → one ECS event, the way Winlogbeat lays it out.

Every Windows format (``evtx``, ``winlog-json``, ``winlog-xml``, ``sysmon-linux``)
first has its record as the same ``winlog`` object (Winlogbeat's ``winlog.*``:
channel, provider, event_id, record_id, computer_name, event_data, …) and then
maps it here, so the same record gives the same event whatever its container.

The mapping runs natively (``secops_native.WinlogMapper``): it is the hot path
of ``evtx``, once per record. What it maps stays data in ``winlog_tables``;
this module lays the tables out for it once, in layers per kind of event.
EVTX records go to it as the library's JSON text (:func:`evtx_to_ecs`), and
so do Winlogbeat documents and evtx_dump lines (``MAPPER.document``, from
``winlog_json``): each is read into a ``winlog`` object natively too. The XML,
NXLog and Sysmon-for-Linux readers build the ``winlog`` dict in Python and call
:func:`to_ecs`.
"""

from __future__ import annotations

from typing import Any

import secops_native

from collectors.endpoint import winlog_tables as t
from collectors.endpoint.winlog_record import system_time
from collectors.firewall.net import IANA_PROTOCOLS
from secops.types import Event

FAMILIES = {
    "Microsoft-Windows-Sysmon": "sysmon",
    "Linux-Sysmon": "sysmon",
    "Microsoft-Windows-Security-Auditing": "security",
    "Microsoft-Windows-PowerShell": "powershell",
    "PowerShellCore": "powershell",  # PowerShell 7: same events, channel PowerShellCore/Operational
    "PowerShell": "powershell_classic",
}
"""Providers whose events have their own tables (the Security channel's ``Eventlog`` events are
``security`` too)."""

Layers = tuple[tuple[t.Mapping, ...], ...]


def spec_rows() -> list[tuple[str, str, tuple[str, ...], tuple[str, ...], str, Layers]]:
    """Each kind of event as ``(family, event id, category, type, action, layers)``.

    Layers apply in order (generic, then per family, then per event): a layer that maps a name
    replaces what earlier layers did with it. Event id ``""`` is a family's default.
    """
    generic = t.GENERIC
    rows: list[tuple[str, str, tuple[str, ...], tuple[str, ...], str, Layers]] = []
    for eid, (category, types, action, maps) in t.SYSMON.items():
        rows.append(("sysmon", eid, category, types, action, (generic, t.SYSMON_COMMON, maps)))
    for eid, (category, types, action, users, maps) in t.SECURITY.items():
        rows.append(("security", eid, category, types, action, (generic, t.SECURITY_COMMON, users, maps)))
    for eid, maps in t.POWERSHELL_OPERATIONAL.items():
        rows.append(("powershell", eid, ("process",), ("info",), "", (generic, maps)))
    for eid, (action, category, types) in t.POWERSHELL_CLASSIC_ACTIONS.items():
        rows.append(("powershell_classic", eid, category, types, action, (generic,)))
    rows.append(("sysmon", "", (), (), "", (generic, t.SYSMON_COMMON)))
    rows.append(("security", "", (), (), "", (generic, t.SECURITY_COMMON, t.USER_SUBJECT)))
    rows.extend((family, "", (), (), "", (generic,)) for family in ("powershell", "powershell_classic", ""))
    return rows


MAPPER_TABLES = (t.LOGON_TYPES, t.NTSTATUS, t.FAILURE_REASONS, t.WFP_DIRECTIONS, IANA_PROTOCOLS, t.POWERSHELL_FIELDS)
"""What the converters look values up in, in the order the native mapper takes them."""

MAPPER = secops_native.WinlogMapper(
    spec_rows(),
    FAMILIES,
    t.DATASETS,
    t.DEFAULT_DATASET,
    t.LEVELS,
    t.OPCODES,
    list(t.KEYWORD_BITS),
    MAPPER_TABLES,
    list(t.KNOWN_CHANNELS),
    system_time,
)


def to_ecs(winlog: dict[str, Any], timestamp: str | None, level: str | None, message: str | None = None) -> Event:
    """Build the ECS event around a ``winlog`` dict (a copy of it becomes ``event.winlog``)."""
    event: Event = MAPPER.winlog(winlog, timestamp, level, message)
    return event


def evtx_to_ecs(data: str) -> Event:
    """One record of the ``evtx`` library's JSON rendering (``{"Event": …}``) → its ECS event.

    Raises ValueError for a record that cannot be mapped; callers keep it as a failure.
    """
    event: Event = MAPPER.evtx(data)
    return event
