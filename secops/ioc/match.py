"""Matching indicators against events, at ingest (a batch hook) and over stored events (``ioc match``).

Both paths use one ``Matcher``, so a stored event gives the same alert
whichever path finds it. What is compared:

- IPs and networks against the IP fields below (networks by prefix: one set
  lookup per distinct prefix length);
- domains against the domain fields, the domain itself or any parent
  (``evil.example`` matches ``a.b.evil.example``), without case;
- URLs exactly; hashes without case.

An alert is one indicator seen about one host (or source address) on one
UTC day: its dedup key says so, and later events of that day merge into it.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from secops import ecs
from secops.cases.entities import entities_of
from secops.cases.models import Alert, MatchedEvent, RuleRef
from secops.cases.suppress import LiveSuppressor, Suppressor
from secops.ioc.model import Indicator, IndicatorType
from secops.query import AnyOf, Cidr, Exists, Match, Or, Query, Wildcard
from secops.store.base import CaseStore, EventStore, Window
from secops.store.cases_sqlite import MAX_EVENTS_PER_ALERT
from secops.types import Event

log = logging.getLogger(__name__)

IP_FIELDS = ("source.ip", "destination.ip", "client.ip", "server.ip", "host.ip", "related.ip", "dns.resolved_ip")
DOMAIN_FIELDS = (
    "destination.domain",
    "source.domain",
    "client.domain",
    "server.domain",
    "url.domain",
    "dns.question.name",
    "tls.client.server_name",
    "related.hosts",
)
URL_FIELDS = ("url.full", "url.original")
HASH_FIELDS = {
    IndicatorType.MD5: ("file.hash.md5", "process.hash.md5", "dll.hash.md5", "related.hash"),
    IndicatorType.SHA1: ("file.hash.sha1", "process.hash.sha1", "dll.hash.sha1", "related.hash"),
    IndicatorType.SHA256: ("file.hash.sha256", "process.hash.sha256", "dll.hash.sha256", "related.hash"),
}
FIELDS: dict[IndicatorType, tuple[str, ...]] = {
    IndicatorType.IP: IP_FIELDS,
    IndicatorType.NETWORK: IP_FIELDS,
    IndicatorType.DOMAIN: DOMAIN_FIELDS,
    IndicatorType.URL: URL_FIELDS,
    **HASH_FIELDS,
}
ALL_FIELDS = tuple(dict.fromkeys(f for fields in FIELDS.values() for f in fields))
GENERATION = "ioc.generation"
"""Watermark bumped by every import, so long-running hooks know to reload."""
PUSHDOWN_LIMIT = 2_000
"""Up to this many indicators, ``ioc match`` asks the store for them; beyond, it scans the window once."""
CHUNK = 100


@dataclass(frozen=True, slots=True)
class Hit:
    indicator: Indicator
    field: str
    observed: str


def _values(event: Event, name: str) -> Iterator[str]:
    value = ecs.get(event, name)
    for item in value if isinstance(value, list) else [value]:
        if item is not None and item != "":
            yield str(item)


class Matcher:
    """The indicators in force, indexed for lookups per event field value."""

    def __init__(self, indicators: Iterable[Indicator], now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        self.exact: dict[IndicatorType, dict[str, Indicator]] = {kind: {} for kind in IndicatorType}
        self.networks: dict[int, dict[int, Indicator]] = {}
        self.count = 0
        for indicator in indicators:
            if indicator.expires is not None and indicator.expires <= moment:
                continue
            self.count += 1
            if indicator.type is IndicatorType.NETWORK:
                network = ipaddress.ip_network(indicator.value)
                key = network.prefixlen + (1000 if network.version == 6 else 0)
                self.networks.setdefault(key, {})[int(network.network_address)] = indicator
            else:
                self.exact[indicator.type][indicator.value] = indicator
        self.hashes = {k: self.exact[k] for k in HASH_FIELDS if self.exact[k]}

    def __bool__(self) -> bool:
        return self.count > 0

    def _ip(self, text: str) -> Indicator | None:
        found = self.exact[IndicatorType.IP].get(text)
        if found is not None or not (self.networks or ":" in text):
            return found
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return None
        found = self.exact[IndicatorType.IP].get(str(address))
        if found is not None:
            return found
        bits = 128 if address.version == 6 else 32
        offset = 1000 if address.version == 6 else 0
        number = int(address)
        for key, table in self.networks.items():
            prefix = key - offset
            if 0 <= prefix <= bits and (key >= 1000) == (address.version == 6):
                masked = number >> (bits - prefix) << (bits - prefix)
                if masked in table:
                    return table[masked]
        return None

    def _domain(self, text: str) -> Indicator | None:
        domains = self.exact[IndicatorType.DOMAIN]
        name = text.lower().rstrip(".")
        while name:
            if name in domains:
                return domains[name]
            _, _, name = name.partition(".")
        return None

    def match(self, event: Event) -> list[Hit]:
        """Every indicator an event carries, once per indicator."""
        hits: dict[str, Hit] = {}
        if self.exact[IndicatorType.IP] or self.networks:
            for name in IP_FIELDS:
                for value in _values(event, name):
                    if (found := self._ip(value)) is not None:
                        hits.setdefault(found.key, Hit(found, name, value))
        if self.exact[IndicatorType.DOMAIN]:
            for name in DOMAIN_FIELDS:
                for value in _values(event, name):
                    if (found := self._domain(value)) is not None:
                        hits.setdefault(found.key, Hit(found, name, value))
        if self.exact[IndicatorType.URL]:
            for name in URL_FIELDS:
                for value in _values(event, name):
                    if (found := self.exact[IndicatorType.URL].get(value)) is not None:
                        hits.setdefault(found.key, Hit(found, name, value))
        for kind, table in self.hashes.items():
            for name in HASH_FIELDS[kind]:
                for value in _values(event, name):
                    if (found := table.get(value.lower())) is not None:
                        hits.setdefault(found.key, Hit(found, name, value))
        return list(hits.values())

    def alerts(self, events: Iterable[Event]) -> list[Alert]:
        """Alerts for the hits in a run of events (merged by dedup key)."""
        found: dict[str, Alert] = {}
        for event in events:
            for hit in self.match(event):
                alert = ioc_alert(hit, event)
                existing = found.setdefault(alert.dedup_key, alert)
                if existing is not alert:
                    fold_into(existing, alert)
        return list(found.values())


def fold_into(existing: Alert, again: Alert) -> None:
    """Another event of the same alert: listed up to the store's cap, always counted."""
    known = {e.id for e in existing.events}
    extra = [e for e in again.events if e.id not in known]
    if not extra:
        return
    existing.details["event_count"] = int(existing.details.get("event_count", len(existing.events))) + len(extra)
    existing.events.extend(extra[: max(0, MAX_EVENTS_PER_ALERT - len(existing.events))])


def ioc_alert(hit: Hit, event: Event) -> Alert:
    """The alert for one indicator hit on one event."""
    indicator = hit.indicator
    stamp = ecs.get(event, "@timestamp")
    try:
        moment = ecs.parse_ts(str(stamp))
    except (TypeError, ValueError):
        moment = datetime.now(UTC)
    entities = entities_of(event)
    subject = (entities.hosts or entities.ips or ["-"])[0]
    key = f"ioc|{indicator.key}|{subject}|{moment.astimezone(UTC).date().isoformat()}"
    offset = ecs.get(event, "log.offset")
    return Alert(
        id=Alert.make_id(key),
        dedup_key=key,
        timestamp=moment,
        rule=RuleRef(
            id=f"ioc:{indicator.key}",
            name=f"IOC match: {indicator.type.value} {indicator.value}",
            author=indicator.source,
            level=indicator.severity,
            description=indicator.description or f"An indicator from {indicator.source} was seen in an event.",
            references=indicator.references,
            tags=indicator.tags,
            source="ioc",
            path=indicator.source,
        ),
        severity=indicator.severity,
        events=[
            MatchedEvent(
                id=str(ecs.get(event, "event.id") or ""),
                timestamp=str(stamp) if stamp else None,
                file=ecs.get(event, "log.file.path"),
                offset=offset if isinstance(offset, int) else None,
            )
        ],
        entities=entities,
        details={
            "ioc": {
                "type": indicator.type.value,
                "value": indicator.value,
                "source": indicator.source,
                "field": hit.field,
                "observed": hit.observed,
            }
        },
    )


def import_indicators(cases: CaseStore, indicators: Sequence[Indicator], *, actor: str, source: str) -> int:
    """Store indicators (audited) and tell running ingest hooks to reload; returns how many were new."""
    new = cases.add_indicators(indicators, actor=actor, source=source)
    cases.set_watermark(GENERATION, datetime.now(UTC).isoformat())
    return new


class IngestHook:
    """A ``secops.ingest.BatchHook``: matches each stored batch and stores the alerts.

    It reloads the indicators when an import happened, and the suppressions
    it honours, checking at most every ``refresh_s`` seconds.
    """

    def __init__(self, cases: CaseStore, *, refresh_s: float = 30.0) -> None:
        self.cases = cases
        self.refresh_s = refresh_s
        self.generation: str | None = None
        self.checked = 0.0
        self.matcher = Matcher(())
        self.suppressions = LiveSuppressor(cases, refresh_s)
        self.stored = 0

    def _refresh(self) -> None:
        now = time.monotonic()
        if now - self.checked < self.refresh_s and self.checked:
            return
        self.checked = now
        generation = self.cases.watermark(GENERATION)
        if generation != self.generation or not self.matcher:
            self.generation = generation
            self.matcher = Matcher(self.cases.indicators())

    def __call__(self, batch: list[Event]) -> None:
        self._refresh()
        if not self.matcher:
            return
        alerts = self.suppressions.current().keep(self.matcher.alerts(batch))
        if alerts:
            self.stored += len(self.cases.add_alerts(alerts))


@dataclass(slots=True)
class RetroResult:
    indicators: int = 0
    events_matched: int = 0
    alerts: list[Alert] = field(default_factory=list)
    new_alerts: int = 0
    suppressed: int = 0


def _pushdown(indicators: Sequence[Indicator]) -> Iterator[Query]:
    """Store queries that together find every event an indicator could match (chunked)."""
    for start in range(0, len(indicators), CHUNK):
        items: list[Query] = []
        exact: dict[tuple[str, bool], list[str]] = {}
        for ind in indicators[start : start + CHUNK]:
            for name in FIELDS[ind.type]:
                if ind.type is IndicatorType.NETWORK:
                    items.append(Cidr(name, ind.value))
                elif ind.type is IndicatorType.DOMAIN:
                    items += [Match(name, ind.value, case_insensitive=True), Wildcard(name, f"*.{ind.value}", True)]
                else:
                    exact.setdefault((name, ind.type is not IndicatorType.URL), []).append(ind.value)
        items += [AnyOf(name, tuple(values), caseless) for (name, caseless), values in exact.items()]
        yield Or(tuple(items))


def match_stored(cases: CaseStore, events: EventStore, window: Window, *, dry_run: bool = False) -> RetroResult:
    """Match the stored indicators against stored events in a window; store the alerts (unless dry run)."""
    indicators = cases.indicators()
    matcher = Matcher(indicators)
    result = RetroResult(indicators=matcher.count)
    if not matcher:
        return result
    live = [i for i in indicators if i.expires is None or i.expires > datetime.now(UTC)]
    queries = list(_pushdown(live)) if len(live) <= PUSHDOWN_LIMIT else [Or(tuple(Exists(f) for f in ALL_FIELDS))]
    found: dict[str, Alert] = {}
    seen: set[str] = set()
    """Events already matched: chunked queries can return an event twice (only candidates are kept)."""
    for query in queries:
        for event in events.search(query, window):
            alerts = matcher.alerts([event])
            if not alerts:
                continue
            event_id = str(ecs.get(event, "event.id") or "")
            if event_id in seen:
                continue
            seen.add(event_id)
            result.events_matched += 1
            for alert in alerts:
                existing = found.setdefault(alert.dedup_key, alert)
                if existing is not alert:
                    fold_into(existing, alert)
    suppressor = Suppressor.from_store(cases)
    result.alerts = suppressor.keep(found.values())
    result.suppressed = len(found) - len(result.alerts)
    if not dry_run and result.alerts:
        result.new_alerts = len(cases.add_alerts(result.alerts))
    log.info("ioc match: %d indicators, %d events matched", result.indicators, result.events_matched)
    return result
