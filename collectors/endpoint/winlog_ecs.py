"""One Windows event → one ECS event, the way Winlogbeat lays it out.

Every Windows format (``evtx``, ``winlog-json``, ``winlog-xml``, ``sysmon-linux``)
first turns its record into the same ``winlog`` dict (Winlogbeat's
``winlog.*`` object: channel, provider, event_id, record_id, computer_name,
event_data, …) and then calls :func:`to_ecs`, so the same record gives the same
event whatever its container. The field tables are data in ``winlog_tables``,
the converters they name are in ``winlog_convert``; this module compiles them
once per kind of event (the hot path of ``evtx`` runs here for every record).
"""

from __future__ import annotations

from typing import Any

from collectors.endpoint import winlog_tables as t
from collectors.endpoint.winlog_convert import CONVERTERS, Op, apply_powershell_details
from secops import ecs
from secops.types import Event


def _both(first: Op, second: Op) -> Op:
    def op(ev: Event, v: Any) -> None:
        first(ev, v)
        second(ev, v)

    return op


class Compiled:
    """A compiled event spec: category, type, action and EventData name → one setter.

    Mappings come in layers (generic, then per family, then per event): a layer
    that maps a name replaces what earlier layers did with it; several mappings
    of one name within a layer all apply.
    """

    __slots__ = ("action", "category", "ops", "types")

    def __init__(self, category: tuple[str, ...], types: tuple[str, ...], action: str, *layers: tuple) -> None:
        self.category, self.types, self.action = category, types, action
        ops: dict[str, Op] = {}
        for layer in layers:
            mine: dict[str, Op] = {}
            for name, target, kind in layer:
                op = CONVERTERS[kind](target)
                mine[name] = _both(mine[name], op) if name in mine else op
            ops.update(mine)
        self.ops = ops


def _compile_all() -> tuple[dict[tuple[str, str], Compiled], dict[str, Compiled]]:
    specs: dict[tuple[str, str], Compiled] = {}
    generic = t.GENERIC
    for eid, (category, types, action, maps) in t.SYSMON.items():
        specs["sysmon", eid] = Compiled(category, types, action, generic, t.SYSMON_COMMON, maps)
    for eid, (category, types, action, users, maps) in t.SECURITY.items():
        specs["security", eid] = Compiled(category, types, action, generic, t.SECURITY_COMMON, users, maps)
    for eid, maps in t.POWERSHELL_OPERATIONAL.items():
        specs["powershell", eid] = Compiled(("process",), ("info",), "", generic, maps)
    for eid, (action, category, types) in t.POWERSHELL_CLASSIC_ACTIONS.items():
        specs["powershell_classic", eid] = Compiled(category, types, action, generic)
    defaults = {
        "sysmon": Compiled((), (), "", generic, t.SYSMON_COMMON),
        "security": Compiled((), (), "", generic, t.SECURITY_COMMON, t.USER_SUBJECT),
        "powershell": Compiled((), (), "", generic),
        "powershell_classic": Compiled((), (), "", generic),
        "": Compiled((), (), "", generic),
    }
    return specs, defaults


SPECS, DEFAULTS = _compile_all()

FAMILIES = {
    "Microsoft-Windows-Sysmon": "sysmon",
    "Linux-Sysmon": "sysmon",
    "Microsoft-Windows-Security-Auditing": "security",
    "Microsoft-Windows-PowerShell": "powershell",
    "PowerShellCore": "powershell",  # PowerShell 7: same events, channel PowerShellCore/Operational
    "PowerShell": "powershell_classic",
}


_PREPARED: dict[tuple[str, str, str], tuple[Compiled, dict[str, Any], bool]] = {}


def _prepare(provider: str, eid: str, channel: str) -> tuple[Compiled, dict[str, Any], bool]:
    """The spec and the constant part of ``event.*`` for one kind of event (cached)."""
    fam = FAMILIES.get(provider, "")
    if not fam and provider == "Microsoft-Windows-Eventlog" and channel == "Security":
        fam = "security"
    spec = SPECS.get((fam, eid)) or DEFAULTS[fam]
    dataset, module = t.DATASETS.get(channel, t.DEFAULT_DATASET)
    meta: dict[str, Any] = {"kind": "event", "code": eid, "dataset": dataset, "module": module}
    if provider:
        meta["provider"] = provider
    if spec.action:
        meta["action"] = spec.action
    if len(_PREPARED) > 8192:  # bounded: hostile input can invent endless provider names
        _PREPARED.clear()
    prepared = _PREPARED[provider, eid, channel] = (spec, meta, fam == "powershell_classic")
    return prepared


def to_ecs(winlog: dict[str, Any], timestamp: str | None, level: str | None, message: str | None = None) -> Event:
    """Build the ECS event around a ``winlog`` dict (which becomes ``event.winlog`` as is)."""
    eid = winlog.get("event_id", "")
    provider = winlog.get("provider_name", "")
    channel = winlog.get("channel", "")
    prepared = _PREPARED.get((provider, eid, channel)) or _prepare(provider, eid, channel)
    spec, meta, classic = prepared
    ev_meta = meta.copy()
    ev_meta["category"] = list(spec.category)
    ev_meta["type"] = list(spec.types)
    if not spec.action and winlog.get("task"):
        ev_meta["action"] = winlog["task"]  # Winlogbeat's action where no module names one: the task
    keywords = winlog.get("keywords")
    if keywords:
        if "Audit Success" in keywords:
            ev_meta["outcome"] = "success"
        elif "Audit Failure" in keywords:
            ev_meta["outcome"] = "failure"
    event: Event = {"event": ev_meta, "winlog": winlog}
    if timestamp:
        event["@timestamp"] = timestamp
    computer = winlog.get("computer_name")
    if computer:
        event["host"] = {"name": computer}
    if level:
        event["log"] = {"level": level}
    if message:
        event["message"] = message
    data = winlog.get("event_data")
    ops = spec.ops
    # Some events keep their fields in UserData instead (1102, the audit log cleared, names who
    # cleared it there); EventData wins where both have a field.
    for block in (winlog.get("user_data"), data):
        if block:
            for name, value in block.items():
                op = ops.get(name)
                if op is not None and value.__class__ is str:
                    op(event, value)
    if classic:
        _classic_powershell(event, data or {}, message)
    _RELATED.fill(event)
    return event


_RELATED = ecs.Related(
    {
        "ip": ("source.ip", "destination.ip"),
        "user": ("user.name", "user.target.name", "user.changes.name"),
        "hash": ("process.hash", "process.pe.imphash", "file.hash", "file.pe.imphash"),
    }
)
"""``related.*`` as Winlogbeat fills it: a search of ``related.ip`` or ``related.user`` meets
Windows events as it meets the rest."""


def _classic_powershell(event: Event, data: dict[str, Any], message: str | None) -> None:
    """Classic PowerShell events carry ``Key=Value`` lines in unnamed data (``param2``/``param3``);
    exports that drop unnamed data (NXLog) still have them in the rendered message."""
    texts = [value for name in ("param2", "param3") if (value := data.get(name)) and "=" in value]
    if not texts and message and "=" in message:
        texts = [message]
    for text in texts:
        apply_powershell_details(event, (line.partition("=") for line in text.splitlines()))
