"""A STIX 2.1 bundle of an incident, for sharing with CISA (AIS) or an ISAC (compliance.md §6).

Objects: the reporting organisation (``identity``), the ``incident`` (with
the OASIS Incident Core Extension properties we know), ``indicator`` per IoC,
``observed-data`` per stored event behind the alerts (network addresses,
domains, URLs, file hashes seen), ``sighting`` per indicator seen here,
``attack-pattern`` per ATT&CK technique of the alerts, and a ``report``
wrapping it all. Ids derive from the incident id (UUIDv5), so exporting the
same incident twice gives the same objects.

Personal data is left out on purpose (AIS practice: share indicators, not
people): no user accounts, e-mail addresses or contact names.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import stix2

from secops import ecs
from secops.cases.models import Alert, Incident
from secops.report.facts import Facts
from secops.store.base import EventStore
from secops.types import Event, Severity

INCIDENT_CORE = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
NAMESPACE = uuid.UUID("6b9f3a52-3f1e-5b8e-9d0c-5ec0b5a1c0de")
MAX_EVENTS = 1000
CRITICALITY = {
    Severity.INFORMATIONAL: 10,
    Severity.LOW: 25,
    Severity.MEDIUM: 50,
    Severity.HIGH: 75,
    Severity.CRITICAL: 95,
}
PATTERN = {
    "ip": "ipv4-addr:value",
    "ipv4": "ipv4-addr:value",
    "ipv6": "ipv6-addr:value",
    "network": "ipv4-addr:value",
    "domain": "domain-name:value",
    "url": "url:value",
    "md5": "file:hashes.MD5",
    "sha1": "file:hashes.'SHA-1'",
    "sha256": "file:hashes.'SHA-256'",
}


def _id(kind: str, incident: Incident, key: str = "") -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{incident.id}|{kind}|{key}')}"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _when(value: Any) -> datetime | None:
    try:
        return ecs.parse_ts(str(value)) if value else None
    except ValueError:
        return None


def _observables(event: Event) -> list[Any]:
    """Non-personal cyber observables of one event."""
    found: list[Any] = []
    for field in ("source.ip", "destination.ip", "client.ip", "server.ip"):
        value = ecs.get(event, field)
        if isinstance(value, str) and value:
            found.append(stix2.IPv6Address(value=value) if ":" in value else stix2.IPv4Address(value=value))
    for field in ("dns.question.name", "url.domain", "destination.domain"):
        value = ecs.get(event, field)
        if isinstance(value, str) and "." in value:
            found.append(stix2.DomainName(value=value.rstrip(".").lower()))
    url = ecs.get(event, "url.full") or ecs.get(event, "url.original")
    if isinstance(url, str) and "://" in url:
        found.append(stix2.URL(value=url))
    hashes = {
        k: ecs.get(event, f"file.hash.{f}") for k, f in (("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"))
    }
    hashes = {k: v for k, v in hashes.items() if isinstance(v, str) and v}
    if hashes:
        found.append(stix2.File(hashes=hashes, name=ecs.get(event, "file.name")))
    return list({o.id: o for o in found}.values())


def _events(events: EventStore, incident: Incident, alerts: Sequence[Alert]) -> list[Event]:
    ids = list(dict.fromkeys([e.event_id for e in incident.evidence] + [m.id for a in alerts for m in a.events]))
    return events.get(ids[:MAX_EVENTS]) if ids else []


def bundle(events: EventStore, incident: Incident, alerts: Sequence[Alert]) -> stix2.Bundle:
    """The incident as a STIX 2.1 bundle."""
    facts = Facts(incident, alerts)
    b = facts.breach
    now = datetime.now(UTC)
    org = stix2.Identity(
        id=_id("identity", incident, "org"),
        name=b.reporting_org.name or "secops reporting organisation",
        identity_class="organization",
        sectors=["government"]
        if (b.reporting_org.org_type or "").startswith(("federal", "state", "local", "EU"))
        else None,
    )
    objects: list[Any] = [org]
    core: dict[str, Any] = {
        "extension_type": "property-extension",
        "investigation_status": "closed" if incident.state.value == "closed" else "open",
        "criticality": CRITICALITY[incident.severity],
    }
    if b.determination:
        core["determination"] = b.determination.value
    if b.recoverability:
        core["recoverability"] = b.recoverability.value.lower().replace(" ", "-")
    counts = {"individual": b.individuals.total, "system": b.counts.systems, "user-account": b.counts.users}
    if any(v is not None for v in counts.values()):
        core["impacted_entity_counts"] = {k: v for k, v in counts.items() if v is not None}
    the_incident = stix2.Incident(
        id=_id("incident", incident),
        created_by_ref=org.id,
        name=incident.title,
        description=b.narrative,
        external_references=[{"source_name": "secops", "external_id": incident.id}],
        extensions={INCIDENT_CORE: core},
        allow_custom=True,
    )
    objects.append(the_incident)

    observed = []
    for event in _events(events, incident, alerts):
        scos = _observables(event)
        moment = _when(ecs.get(event, "@timestamp"))
        if not scos or moment is None:
            continue
        objects.extend(scos)
        observed.append(
            stix2.ObservedData(
                id=_id("observed-data", incident, str(ecs.get(event, "event.id"))),
                created_by_ref=org.id,
                first_observed=moment,
                last_observed=moment,
                number_observed=1,
                object_refs=[s.id for s in scos],
            )
        )
    objects.extend(observed)

    iocs = [(i.type, i.value) for i in b.iocs]
    iocs += [
        (str(a.details["ioc"].get("type")), str(a.details["ioc"].get("value"))) for a in alerts if "ioc" in a.details
    ]
    for kind, value in dict.fromkeys(iocs):
        path = PATTERN.get(kind.lower())
        if path is None:
            continue
        indicator = stix2.Indicator(
            id=_id("indicator", incident, f"{kind}:{value}"),
            created_by_ref=org.id,
            name=f"{kind} {value}",
            description=f"Indicator of compromise of {incident.id}, recorded or matched by secops.",
            indicator_types=["malicious-activity"],
            pattern=f"[{path} = '{_quote(value)}']",
            pattern_type="stix",
            valid_from=incident.first_seen or incident.created,
        )
        seen = [o for o in observed if any(str(getattr(s, "value", "")) == value for s in _refs(objects, o))]
        sighting = stix2.Sighting(
            id=_id("sighting", incident, f"{kind}:{value}"),
            created_by_ref=org.id,
            sighting_of_ref=indicator.id,
            where_sighted_refs=[org.id],
            observed_data_refs=[o.id for o in seen] or None,
            count=max(len(seen), 1),
            first_seen=min((o.first_observed for o in seen), default=None),
            last_seen=max((o.last_observed for o in seen), default=None),
        )
        objects += [indicator, sighting]

    by_technique: dict[str, set[str]] = {}
    for alert in alerts:
        for technique in alert.techniques:
            by_technique.setdefault(technique.upper(), set()).update(alert.tactics)
    for technique, its_tactics in sorted(by_technique.items()):
        url_path = technique.replace(".", "/")
        objects.append(
            stix2.AttackPattern(
                id=_id("attack-pattern", incident, technique),
                created_by_ref=org.id,
                name=technique,
                external_references=[
                    {
                        "source_name": "mitre-attack",
                        "external_id": technique,
                        "url": f"https://attack.mitre.org/techniques/{url_path}/",
                    }
                ],
                kill_chain_phases=[{"kill_chain_name": "mitre-attack", "phase_name": t} for t in sorted(its_tactics)]
                or None,
            )
        )
    unique: dict[str, Any] = {}
    for obj in objects:  # an address seen in many events is one SCO, listed where it first appears
        unique.setdefault(obj.id, obj)
    objects = list(unique.values())
    refs = [o.id for o in objects if o.id != org.id]
    report = stix2.Report(
        id=_id("report", incident),
        created_by_ref=org.id,
        name=f"{incident.id}: {incident.title}",
        report_types=["threat-report"],
        published=now,
        object_refs=refs,
    )
    return stix2.Bundle(*objects, report, allow_custom=True)


def _refs(objects: Sequence[Any], observed: Any) -> list[Any]:
    wanted = set(observed.object_refs)
    return [o for o in objects if getattr(o, "id", None) in wanted]
