"""The prescribed vocabularies of breach reporting, as enumerations (compliance.md §1.1, §3, §6, §7.1).

Regulators prescribe these lists (CISA impact categories, attack vectors,
location levels; HHS portal breach types and locations; STIX incident
determinations), so they are stored as enumerations, never free text.
Input is matched loosely — case, ``-``, ``_`` and dashes do not matter, and a
CISA location level may be given as ``L3`` — and stored canonically.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class Vocabulary(StrEnum):
    """A StrEnum that finds its member from a loosely written value."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        wanted = _key(value)
        for member in cls:
            if wanted in (_key(member.value), _key(member.name)):
                return member
        return cls._alias(wanted)

    @classmethod
    def _alias(cls, key: str) -> Any:
        return None


class FunctionalImpact(Vocabulary):
    """CISA: impact on the ability to provide services [V]."""

    NO_IMPACT = "NO IMPACT"
    NO_IMPACT_TO_SERVICES = "NO IMPACT TO SERVICES"
    MINIMAL_NON_CRITICAL = "MINIMAL IMPACT TO NON-CRITICAL SERVICES"
    MINIMAL_CRITICAL = "MINIMAL IMPACT TO CRITICAL SERVICES"
    SIGNIFICANT_NON_CRITICAL = "SIGNIFICANT IMPACT TO NON-CRITICAL SERVICES"
    DENIAL_NON_CRITICAL = "DENIAL OF NON-CRITICAL SERVICES"
    SIGNIFICANT_CRITICAL = "SIGNIFICANT IMPACT TO CRITICAL SERVICES"
    DENIAL_CRITICAL = "DENIAL OF CRITICAL SERVICES/LOSS OF CONTROL"


class InformationImpact(Vocabulary):
    """CISA: type of information lost, compromised or corrupted; several may apply [V]."""

    NO_IMPACT = "NO IMPACT"
    SUSPECTED = "SUSPECTED BUT NOT IDENTIFIED"
    PRIVACY = "PRIVACY DATA BREACH"
    PROPRIETARY = "PROPRIETARY INFORMATION BREACH"
    DESTRUCTION_NON_CRITICAL = "DESTRUCTION OF NON-CRITICAL SYSTEMS"
    CRITICAL_DATA = "CRITICAL SYSTEMS DATA BREACH"
    CORE_CREDENTIAL = "CORE CREDENTIAL COMPROMISE"
    DESTRUCTION_CRITICAL = "DESTRUCTION OF CRITICAL SYSTEM"


class Recoverability(Vocabulary):
    """CISA recoverability; the same scale as the STIX Incident Core Extension (which adds not-applicable) [V]."""

    REGULAR = "REGULAR"
    SUPPLEMENTED = "SUPPLEMENTED"
    EXTENDED = "EXTENDED"
    NOT_RECOVERABLE = "NOT RECOVERABLE"
    NOT_APPLICABLE = "NOT APPLICABLE"


class ObservedLocation(Vocabulary):
    """CISA location of observed activity [V]."""

    L1 = "LEVEL 1 – BUSINESS DMZ"
    L2 = "LEVEL 2 – BUSINESS NETWORK"
    L3 = "LEVEL 3 – BUSINESS NETWORK MANAGEMENT"
    L4 = "LEVEL 4 – CRITICAL SYSTEM DMZ"
    L5 = "LEVEL 5 – CRITICAL SYSTEM MANAGEMENT"
    L6 = "LEVEL 6 – CRITICAL SYSTEMS"
    L7 = "LEVEL 7 – SAFETY SYSTEMS"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def _alias(cls, key: str) -> Any:
        match = re.fullmatch(r"(?:level )?l?([1-7])", key)
        return cls[f"L{match.group(1)}"] if match else None


class AttackVector(Vocabulary):
    """CISA attack vectors taxonomy, derived from SP 800-61r2 [V]."""

    UNKNOWN = "Unknown"
    ATTRITION = "Attrition"
    WEB = "Web"
    EMAIL = "Email/Phishing"
    MEDIA = "External/Removable Media"
    IMPERSONATION = "Impersonation/Spoofing"
    IMPROPER_USAGE = "Improper Usage"
    LOSS_THEFT = "Loss or Theft of Equipment"
    OTHER = "Other"


class Determination(Vocabulary):
    """STIX Incident Core Extension determination [V]."""

    SUSPECTED = "suspected"
    SUCCESSFUL_ATTEMPT = "successful-attempt"
    FAILED_ATTEMPT = "failed-attempt"
    BLOCKED = "blocked"
    LOW_VALUE = "low-value"
    FALSE_POSITIVE = "false-positive"


class HipaaBreachType(Vocabulary):
    """HHS breach portal: type of breach [V/S]."""

    HACKING = "Hacking/IT Incident"
    UNAUTHORIZED = "Unauthorized Access/Disclosure"
    THEFT = "Theft"
    LOSS = "Loss"
    DISPOSAL = "Improper Disposal"
    OTHER = "Other"


class HipaaLocation(Vocabulary):
    """HHS breach portal: location of breached information [V/S]."""

    LAPTOP = "Laptop"
    DESKTOP = "Desktop Computer"
    SERVER = "Network Server"
    EMAIL = "E-mail"
    PORTABLE = "Other Portable Electronic Device"
    EMR = "Electronic Medical Record"
    PAPER = "Paper/Films"
    OTHER = "Other"


class Risk(Vocabulary):
    """GDPR risk to individuals: none (no notice), risk (Art. 33), high (Art. 34 too)."""

    NONE = "none"
    RISK = "risk"
    HIGH = "high"


class ActionKind(Vocabulary):
    CONTAINMENT = "containment"
    ERADICATION = "eradication"
    RECOVERY = "recovery"
    MITIGATION = "mitigation"
    NOTIFICATION = "notification"
    OTHER = "other"


class Stage(Vocabulary):
    """Where a submission stands in a regime's staged reporting (compliance.md §7.1 ``Notification``)."""

    INITIAL = "initial"
    EARLY_WARNING = "early-warning"
    INCIDENT_NOTIFICATION = "incident-notification"
    UPDATE = "update"
    INTERMEDIATE = "intermediate"
    SUPPLEMENTAL = "supplemental"
    PROGRESS = "progress"
    FINAL = "final"
    ANNUAL = "annual"
    ADDENDUM = "addendum"
