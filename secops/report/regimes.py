"""Reporting regimes as data: one TOML file per regime under ``regimes/``.

A regime file holds what compliance.md says a filing needs — its citation,
version and effective date, the sections and fields required, the deadlines
(which trigger, what offset, to whom, at which stage) and the confidence of
each statement ([V] primary text, [S] secondary source, [M] unverified) — so
a compliance officer can read, check and change the rules without touching
code. ``us-state:XX`` picks ``us-state-xx.toml``; ``{state}`` in a field path
of such a file stands for the state code.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from secops.errors import ConfigError, UsageError

Confidence = Literal["V", "S", "M", "S/M", "V/S", "V/M", "P"]
"""Tags of compliance.md; ``P`` marks a proposal that is not law."""

OFFSET = re.compile(r"^(?:(?P<n>\d+)(?P<unit>h|d|bd|mo)|year_end\+(?P<ye>\d+)d|none)$")
"""``72h`` elapsed hours; ``60d`` calendar days and ``10bd`` business days in the organisation's zone;
``1mo`` a calendar month; ``year_end+60d`` days after 31 December of the trigger's year; ``none`` no fixed limit."""

OPS = ("==", "!=", "in", ">=", ">", "<=", "<", "set")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(Strict):
    path: str
    """Dotted path into the report facts: breach fields, ``incident.*``, ``derived.*``."""
    label: str
    required: bool = True
    confidence: Confidence = "V"
    hint: str | None = None


class Section(Strict):
    id: str
    title: str
    cite: str | None = None
    fields: list[FieldSpec]


Condition = tuple[str, str, Any] | tuple[str, str]


class Deadline(Strict):
    id: str
    title: str
    stage: str
    recipient: str
    trigger: str
    """A breach time field, or ``notified:<deadline id or stage>`` (when this regime's submission for it was sent)."""
    fallback: list[str] = Field(default_factory=list)
    """Earlier moments to count from, marked provisional, while the trigger is not recorded."""
    offset: str
    cite: str
    confidence: Confidence = "V"
    when: list[Condition] = Field(default_factory=list)
    """Every condition must hold for the deadline to apply: ``[path, op, value]``; unknown → undetermined."""
    when_any: list[Condition] = Field(default_factory=list)
    """If given, at least one of these must hold too (M-17-12: declared major, or 100,000 or more individuals)."""
    met_by_recipient: str | None = None
    """A sent notification of this stage counts only if its recipient contains this text."""
    late_requires: str | None = None
    """A field a late (or overdue) submission must carry, e.g. the reasons for delay."""
    after_due_of: str | None = None
    """An earlier deadline of the regime: this one applies only if its trigger comes after that one's due time,
    or has not come by then (NIS2: the final report after closure when the incident outlasted the first one)."""
    note: str | None = None

    @field_validator("offset")
    @classmethod
    def _offset(cls, value: str) -> str:
        if not OFFSET.match(value):
            raise ValueError(f"not an offset: {value!r} (72h, 60d, 10bd, 1mo, year_end+60d, none)")
        return value

    @field_validator("when", "when_any")
    @classmethod
    def _when(cls, value: list[Condition]) -> list[Condition]:
        for cond in value:
            if cond[1] not in OPS:
                raise ValueError(f"unknown operator {cond[1]!r} in {list(cond)} (use {', '.join(OPS)})")
        return value


class Regime(Strict):
    id: str
    name: str
    citation: str
    version: str
    effective_from: date | None = None
    status: str
    """``in force``, ``proposal`` or ``not yet in force``, as compliance.md found it."""
    confidence: Confidence
    jurisdiction: str
    applies_to: str
    source: str
    """Where compliance.md checked the rule."""
    notes: list[str] = Field(default_factory=list)
    """Confidence notes a compliance officer must see (unverified statements, open items)."""
    holidays: list[date] = Field(default_factory=list)
    """Non-business days for ``bd`` offsets besides weekends (keep current per jurisdiction)."""
    sections: list[Section]
    deadlines: list[Deadline]
    state: str | None = None
    """For ``us-state:XX``: the state code substituted for ``{state}``."""

    @model_validator(mode="after")
    def _earlier(self) -> Regime:
        seen: set[str] = set()
        for deadline in self.deadlines:
            if deadline.after_due_of is not None and deadline.after_due_of not in seen:
                raise ValueError(f"{deadline.id}: after_due_of {deadline.after_due_of!r} is not an earlier deadline")
            seen.add(deadline.id)
        return self


def _directory() -> Path:
    return Path(str(resources.files("secops.report") / "regimes"))


def file_for(name: str) -> Path:
    key = name.strip().lower()
    if key.startswith("us-state:"):
        key = "us-state-" + key.split(":", 1)[1]
    if not re.fullmatch(r"[a-z0-9-]+", key):
        raise UsageError(f"not a regime name: {name!r}")
    return _directory() / f"{key}.toml"


def available() -> list[str]:
    """Every regime name the files provide (``us-state-ca.toml`` → ``us-state:CA``)."""
    names = []
    for path in sorted(_directory().glob("*.toml")):
        stem = path.stem
        names.append(f"us-state:{stem[9:].upper()}" if stem.startswith("us-state-") else stem)
    return names


def load(name: str) -> Regime:
    """A regime by name; an unknown one is an error listing those available."""
    path = file_for(name)
    if not path.is_file():
        raise UsageError(f"no regime {name!r}; available: {', '.join(available())}")
    try:
        data = tomllib.loads(path.read_text("utf-8"))
        regime = Regime.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where=str(path)) from exc
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise ConfigError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}", where=str(path)) from exc
    if regime.state:
        return _for_state(regime)
    return regime


def _for_state(regime: Regime) -> Regime:
    """Substitute the state code into field paths and conditions."""
    code = regime.state or ""

    def sub(text: str) -> str:
        return text.replace("{state}", code)

    sections = [
        s.model_copy(update={"fields": [f.model_copy(update={"path": sub(f.path)}) for f in s.fields]})
        for s in regime.sections
    ]
    deadlines = [
        d.model_copy(
            update={
                "when": [(sub(c[0]), *c[1:]) for c in d.when],
                "when_any": [(sub(c[0]), *c[1:]) for c in d.when_any],
                "trigger": sub(d.trigger),
            }
        )
        for d in regime.deadlines
    ]
    return regime.model_copy(update={"sections": sections, "deadlines": deadlines})
