"""Types declared once and shared by every layer."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeAlias

Event: TypeAlias = dict[str, Any]
"""An ECS event: a plain nested dict, as Elasticsearch stores it."""

EcsField: TypeAlias = str
"""A dotted ECS field name such as ``source.ip``."""

TechniqueId: TypeAlias = str
"""An ATT&CK technique id such as ``T1110.003``."""


class Severity(StrEnum):
    """Alert and rule severity, in Sigma's vocabulary (ordered)."""

    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


class OutputFormat(StrEnum):
    """The formats every listing command offers."""

    TABLE = "table"
    JSON = "json"
    NDJSON = "ndjson"
    CSV = "csv"
