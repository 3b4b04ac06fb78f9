"""Suppressions: analyst-made exceptions that the detection engine honours until they expire.

``alerts suppress`` turns an alert into a ``Suppression`` (its rule, and the
entities chosen from it); the engine asks a ``Suppressor`` built once per run
(or refreshed by a long-running collector) before it emits an alert::

    suppressor = Suppressor.from_store(cases)
    if suppressor.match_alert(alert) is None:
        keep(alert)

``match(rule_id, event)`` does the same for one event before an alert is built.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from secops.cases.entities import ENTITY_FIELDS, fold, values_of
from secops.cases.models import Alert, Entities, Suppression
from secops.store.base import CaseStore

ANY_RULE = "*"


def _suppression_id(rule_id: str, entities: Entities, created: datetime) -> str:
    seed = f"{rule_id}|{entities.model_dump_json()}|{created.isoformat()}"
    return "sup-" + hashlib.blake2b(seed.encode(), digest_size=6).hexdigest()


def _conditions(suppression: Suppression) -> list[tuple[str, frozenset[str]]]:
    return [
        (kind, frozenset(fold(kind, v) for v in values))
        for kind, values in suppression.entities.model_dump().items()
        if values
    ]


class Suppressor:
    """The suppressions in force at one moment, indexed by rule."""

    def __init__(self, suppressions: Iterable[Suppression], now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        self.by_rule: dict[str, list[tuple[Suppression, list[tuple[str, frozenset[str]]]]]] = defaultdict(list)
        for suppression in suppressions:
            if suppression.active(moment):
                self.by_rule[suppression.rule_id].append((suppression, _conditions(suppression)))

    @classmethod
    def from_store(cls, cases: CaseStore, now: datetime | None = None) -> Suppressor:
        moment = now or datetime.now(UTC)
        return cls(cases.active_suppressions(moment), moment)

    def __bool__(self) -> bool:
        return bool(self.by_rule)

    def _candidates(self, rule_id: str) -> list[tuple[Suppression, list[tuple[str, frozenset[str]]]]]:
        return self.by_rule.get(rule_id, []) + self.by_rule.get(ANY_RULE, [])

    def match(self, rule_id: str, event: Mapping[str, Any]) -> Suppression | None:
        """The suppression that silences this rule on this event, if any."""
        for suppression, conditions in self._candidates(rule_id):
            if all(any(fold(kind, v) in wanted for v in values_of(event, kind)) for kind, wanted in conditions):
                return suppression
        return None

    def match_alert(self, alert: Alert) -> Suppression | None:
        """The suppression that silences an alert, judged on its rule and entities."""
        for suppression, conditions in self._candidates(alert.rule.id):
            if all(any(fold(kind, v) in wanted for v in getattr(alert.entities, kind)) for kind, wanted in conditions):
                return suppression
        return None

    def keep(self, alerts: Iterable[Alert]) -> list[Alert]:
        """The alerts no suppression silences, in order: what a detection path may store."""
        return [alert for alert in alerts if self.match_alert(alert) is None]


def from_alert(
    alert: Alert,
    *,
    actor: str,
    reason: str,
    kinds: Iterable[str],
    expires: datetime | None,
    any_rule: bool = False,
) -> Suppression:
    """A suppression for an alert's rule on the alert's values of the chosen entity kinds."""
    unknown = set(kinds) - set(ENTITY_FIELDS)
    if unknown:
        raise ValueError(f"unknown entity kind(s): {', '.join(sorted(unknown))}")
    chosen = Entities(**{kind: list(getattr(alert.entities, kind)) for kind in kinds})
    return new_suppression(
        ANY_RULE if any_rule else alert.rule.id,
        chosen,
        rule_name=None if any_rule else alert.rule.name,
        reason=reason,
        actor=actor,
        expires=expires,
        source_alert=alert.id,
    )


def new_suppression(
    rule_id: str,
    entities: Entities,
    *,
    rule_name: str | None,
    reason: str,
    actor: str,
    expires: datetime | None = None,
    source_alert: str | None = None,
) -> Suppression:
    """A suppression made now; its id derives from the rule, the entities and the time."""
    created = datetime.now(UTC)
    return Suppression(
        id=_suppression_id(rule_id, entities, created),
        rule_id=rule_id,
        rule_name=rule_name,
        entities=entities,
        reason=reason,
        created=created,
        created_by=actor,
        expires=expires,
        source_alert=source_alert,
    )


class LiveSuppressor:
    """The suppressions in force for a long-running hook, re-read at most every ``every`` seconds.

    ``collect --detect`` and the IOC hook run for days; an analyst's new
    exception takes effect within ``every`` seconds without a restart.
    """

    def __init__(self, cases: CaseStore, every: float = 30.0) -> None:
        self.cases = cases
        self.every = every
        self.read_at: float | None = None
        self.suppressor = Suppressor(())

    def current(self) -> Suppressor:
        now = time.monotonic()
        if self.read_at is None or now - self.read_at >= self.every:
            self.read_at = now
            self.suppressor = Suppressor.from_store(self.cases)
        return self.suppressor
