"""What a report may say about an incident: its breach record, the incident itself, and facts derived from its alerts.

Regime files name values by dotted path: breach fields as they are
(``aware_at``, ``individuals.by_us_state.CA``), ``incident.*`` for the triage
record, ``derived.*`` for what secops computes from stored data (ATT&CK
techniques of the alerts, containment actions …). Nothing here guesses: a
value absent from all three is absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from secops.cases.models import Alert, Incident
from secops.errors import UsageError
from secops.report.breach_model import Breach, problems
from secops.report.vocab import ActionKind


@dataclass
class Facts:
    incident: Incident
    alerts: Sequence[Alert] = ()
    breach: Breach = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.breach = Breach.model_validate(self.incident.breach)
        except ValidationError as exc:
            # Stores written before a check existed may hold what is now refused: say which incident and what.
            message = f"the stored breach record is not valid: {problems(exc)}"
            raise UsageError(message, where=self.incident.id) from exc

    @cached_property
    def org_zone(self) -> tzinfo:
        """The zone calendar-day deadlines are counted in."""
        name = self.breach.reporting_org.timezone
        if not name:
            return UTC
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise UsageError(f"{self.incident.id}: unknown zone in reporting_org.timezone: {name!r}") from exc

    @cached_property
    def derived(self) -> dict[str, Any]:
        actions = self.breach.actions
        techniques = sorted({t for a in self.alerts for t in a.techniques})
        tactics = sorted({t for a in self.alerts for t in a.tactics})
        rules = sorted({a.rule.name for a in self.alerts})
        ioc_hits = [a.details["ioc"] for a in self.alerts if isinstance(a.details.get("ioc"), dict)]
        iocs = [f"{i.type}: {i.value}" for i in self.breach.iocs]
        for hit in ioc_hits:
            text = f"{hit.get('type')}: {hit.get('value')}"
            if text not in iocs:
                iocs.append(text)
        return {
            "containment": [a for a in actions if a.kind is ActionKind.CONTAINMENT],
            "mitigation": [
                a for a in actions if a.kind in (ActionKind.MITIGATION, ActionKind.ERADICATION, ActionKind.RECOVERY)
            ],
            "techniques": techniques,
            "tactics": tactics,
            "rules": rules,
            "alert_count": len(self.alerts),
            "iocs": iocs,
            "max_state_count": max(self.breach.individuals.by_us_state.values(), default=None),
            "hosts": list(dict.fromkeys([*self.incident.entities.hosts, *self.incident.affected.hosts])),
        }

    def value(self, path: str) -> Any:
        """The value at a dotted path, or None when it is not recorded (empty lists and mappings count as absent)."""
        head, _, rest = path.partition(".")
        if head == "incident":
            node: Any = self.incident
        elif head == "derived":
            node = self.derived
        else:
            node, rest = self.breach, path
        for part in rest.split(".") if rest else []:
            node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
            if node is None:
                return None
        if node in ([], {}, ""):
            return None
        if hasattr(node, "model_dump") and not node.model_dump(exclude_defaults=True):
            return None
        return node

    def estimated(self, path: str) -> bool:
        return any(path == e or path.startswith(e + ".") for e in self.breach.estimates)
