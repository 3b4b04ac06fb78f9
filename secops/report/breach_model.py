"""The breach facts of an incident: the unified model of compliance.md §7, kept in ``Incident.breach``.

The triage model stores these as a free-form mapping; this module is the one
place that validates and reads it, so a new regulation changes the report
layer, not the incident. Every field is optional: a report shows what is set
and lists what a regime still needs, and never fills a gap itself.

Times are aware datetimes stored in UTC. Every regime starts its clock from a
different moment, so there are several (``identified_at`` for CISA,
``aware_at`` for GDPR/NIS2, ``breach_discovered_at`` for HIPAA and most
states, ``breach_determined_at`` for Texas and Florida …). Counts of people
are kept per US state and EU member state because thresholds are per
jurisdiction. ``estimates`` names the fields that are best estimates, which
every regime accepts at first and reports must mark as such.

Values the reports cannot use are refused here, whichever way they arrive
(``incidents set``, ``edit-breach``, a stored record): a total of affected
people smaller than its parts by US state or EU member state, a US state code
that is not one (codes are kept upper case), a regime no file describes, a
time zone that does not exist.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from secops.errors import UsageError
from secops.report import regimes as known_regimes
from secops.report.vocab import (
    ActionKind,
    AttackVector,
    Determination,
    FunctionalImpact,
    HipaaBreachType,
    HipaaLocation,
    InformationImpact,
    ObservedLocation,
    Recoverability,
    Risk,
    Stage,
)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a time needs its zone (e.g. 2026-11-20T09:30Z or +01:00)")
    return moment.astimezone(UTC)


Moment = Annotated[datetime, AfterValidator(_utc)]

_US_POSTAL_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR"
    " PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI"
)
US_STATES = frozenset(_US_POSTAL_CODES.split())
"""USPS codes of the 50 states, the District of Columbia and the inhabited territories (state breach laws' scope)."""


def us_state(code: str) -> str:
    """A US state or territory postal code, upper case (``tx`` → ``TX``); anything else is refused."""
    canonical = code.strip().upper()
    if canonical not in US_STATES:
        raise ValueError(f"{code!r} is not a US state or territory postal code (e.g. CA, TX, DC, PR)")
    return canonical


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Organisation(Part):
    name: str | None = None
    org_type: str | None = None
    """federal-civilian, state-agency, local-gov, business, EU-central, EU-regional, EU-local, health-CE, BA."""
    sector: str | None = None
    jurisdictions: list[str] = Field(default_factory=list)
    timezone: str | None = None
    """The zone calendar-day deadlines are counted in (IANA name); UTC when unset."""
    nis2_class: str | None = None
    hipaa_role: str | None = None
    gdpr_role: str | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {name!r} (use an IANA name such as America/New_York or UTC)") from None
        return name


class Contact(Part):
    name: str | None = None
    role: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None


class PublicContact(Part):
    toll_free_phone: str | None = None
    email: str | None = None
    website: str | None = None
    postal_address: str | None = None


class Counts(Part):
    """CISA element 5: systems, records and users impacted."""

    systems: int | None = Field(default=None, ge=0)
    records: int | None = Field(default=None, ge=0)
    users: int | None = Field(default=None, ge=0)


class Individuals(Part):
    """Affected people, per jurisdiction: HIPAA, FISMA and state thresholds are per state or in total."""

    total: int | None = Field(default=None, ge=0)
    by_us_state: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    by_eu_member_state: dict[str, Annotated[int, Field(ge=0)]] = Field(default_factory=dict)
    notified_count: int | None = Field(default=None, ge=0)

    @field_validator("by_us_state", mode="before")
    @classmethod
    def _state_codes(cls, counts: Any) -> Any:
        if not isinstance(counts, dict):
            return counts  # the declared type reports it
        out: dict[str, Any] = {}
        given: dict[str, str] = {}
        for code, count in counts.items():
            canonical = us_state(str(code))
            if canonical in out:
                raise ValueError(f"{canonical} is given twice ({given[canonical]!r} and {code!r})")
            out[canonical], given[canonical] = count, str(code)
        return out

    @model_validator(mode="after")
    def _parts_within_total(self) -> Self:
        if self.total is None:
            return self
        for name, parts in (("US state", self.by_us_state), ("EU member state", self.by_eu_member_state)):
            if sum(parts.values()) > self.total:
                terms = " + ".join(f"{code} {count}" for code, count in parts.items())
                raise ValueError(
                    f"total is {self.total} but the counts by {name} add up to {sum(parts.values())} ({terms}):"
                    " the total must be at least their sum"
                )
        return self


class Protection(Part):
    encrypted: bool | None = None
    standard: str | None = None
    key_compromised: bool | None = None
    other_safeguards: str | None = None


class CrossBorder(Part):
    impact: bool | None = None
    member_states: list[str] = Field(default_factory=list)


class LawEnforcementHold(Part):
    agency: str | None = None
    form: str | None = None
    requested_at: Moment | None = None
    until: Moment | None = None
    reason: str | None = None


class Ioc(Part):
    type: str
    value: str
    first_seen: Moment | None = None
    confidence: int | None = Field(default=None, ge=0, le=100)


class Action(Part):
    """One response step (containment measures, mitigation …): append-only in practice."""

    ts: Moment
    kind: ActionKind = ActionKind.OTHER
    description: str
    actor: str | None = None


class Notification(Part):
    """One submission made: to whom, when, what was sent (its sha256) and the reference the recipient gave."""

    regime: str
    recipient: str
    stage: Stage = Stage.INITIAL
    deadline: str | None = None
    """The regime deadline this submission answers (its id in the regime file), when one was named."""
    sent_at: Moment
    method: str | None = None
    reference_no: str | None = None
    payload_format: str | None = None
    payload_sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")
    delay_reason: str | None = None
    recorded_by: str | None = None


class Breach(Part):
    """Everything the regimes of compliance.md ask about an incident, all optional."""

    regimes: list[str] = Field(default_factory=list)
    """Regimes this incident is reported under (``gdpr``, ``us-state:CA`` …): what ``report deadlines`` shows."""
    narrative: str | None = None
    reporting_org: Organisation = Field(default_factory=Organisation)
    poc: Contact = Field(default_factory=Contact)
    dpo_contact: Contact = Field(default_factory=Contact)
    public_contact: PublicContact = Field(default_factory=PublicContact)

    occurred_start: Moment | None = None
    occurred_end: Moment | None = None
    first_detected_at: Moment | None = None
    identified_at: Moment | None = None
    declared_at: Moment | None = None
    aware_at: Moment | None = None
    aware_rationale: str | None = None
    breach_discovered_at: Moment | None = None
    breach_determined_at: Moment | None = None
    major_determined_at: Moment | None = None
    reasonable_belief_at: Moment | None = None
    contained_at: Moment | None = None
    eradicated_at: Moment | None = None
    recovered_at: Moment | None = None
    closed_at: Moment | None = None

    determination: Determination | None = None
    functional_impact: FunctionalImpact | None = None
    information_impact: list[InformationImpact] = Field(default_factory=list)
    recoverability: Recoverability | None = None
    observed_location: ObservedLocation | None = None
    attack_vectors: list[AttackVector] = Field(default_factory=list)
    suspected_malicious: bool | None = None
    cross_border: CrossBorder = Field(default_factory=CrossBorder)
    nis2_significant: bool | None = None
    fisma_major: bool | None = None
    gdpr_risk: Risk | None = None
    phi_unsecured: bool | None = None
    hipaa_breach_type: HipaaBreachType | None = None
    hipaa_locations: list[HipaaLocation] = Field(default_factory=list)

    counts: Counts = Field(default_factory=Counts)
    individuals: Individuals = Field(default_factory=Individuals)
    data_subject_categories: list[str] = Field(default_factory=list)
    record_categories: list[str] = Field(default_factory=list)
    data_elements: list[str] = Field(default_factory=list)
    protection: Protection = Field(default_factory=Protection)
    likely_consequences: str | None = None

    iocs: list[Ioc] = Field(default_factory=list)
    vulnerabilities: list[str] = Field(default_factory=list)
    threat_actor: str | None = None
    root_cause: str | None = None

    actions: list[Action] = Field(default_factory=list)
    individual_guidance: str | None = None
    services_offered: str | None = None
    law_enforcement_hold: LawEnforcementHold = Field(default_factory=LawEnforcementHold)
    delay_reason: str | None = None
    notifications: list[Notification] = Field(default_factory=list)
    estimates: list[str] = Field(default_factory=list)
    """Dotted names of fields whose value is a best estimate (shown as such in every report)."""

    @field_validator("regimes")
    @classmethod
    def _regimes(cls, names: list[str]) -> list[str]:
        """Only regimes a file describes, spelt as ``regimes.available()`` spells them, each once."""
        available = known_regimes.available()
        by_key = {name.lower(): name for name in available}
        out: list[str] = []
        for name in names:
            canonical = by_key.get(name.strip().lower())
            if canonical is None:
                raise ValueError(f"no regime {name!r}; available: {', '.join(available)}")
            if canonical not in out:
                out.append(canonical)
        return out


def problems(exc: ValidationError) -> str:
    """Every error of a validation, ``dotted.path: message``, joined."""
    found = []
    for err in exc.errors(include_url=False):
        message = err["msg"].removeprefix("Value error, ")
        found.append(f"{'.'.join(str(p) for p in err['loc'])}: {message}")
    return "; ".join(found)


def read(data: dict[str, Any], *, where: str | None = None) -> Breach:
    """The incident's breach mapping, validated; a bad one is a ``UsageError`` naming every problem."""
    try:
        return Breach.model_validate(data)
    except ValidationError as exc:
        raise UsageError(f"breach record rejected: {problems(exc)}", where=where) from exc


def stored(breach: Breach) -> dict[str, Any]:
    """The mapping to keep in ``Incident.breach``: only what is set, JSON-ready, times in UTC."""
    data: dict[str, Any] = breach.model_dump(mode="json", exclude_defaults=True)
    return data
