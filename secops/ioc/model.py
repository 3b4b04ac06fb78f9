"""An indicator of compromise, normalised so that the same indicator from two feeds is one record.

Values are stored in the form they are compared in: IPs and networks in
``ipaddress`` canonical text, domains lower-case without a trailing dot,
hashes lower-case hex, URLs as given (a URL's path is case-sensitive).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from secops.cases.models import utcnow
from secops.types import Severity


class IndicatorType(StrEnum):
    IP = "ip"
    NETWORK = "network"
    DOMAIN = "domain"
    URL = "url"
    MD5 = "md5"
    SHA1 = "sha1"
    SHA256 = "sha256"


HASH_LENGTHS = {32: IndicatorType.MD5, 40: IndicatorType.SHA1, 64: IndicatorType.SHA256}
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


class Indicator(BaseModel):
    """One indicator: what to look for, where it came from, how bad a hit is."""

    model_config = ConfigDict(extra="forbid")

    type: IndicatorType
    value: str
    source: str
    """The feed or file it was imported from."""
    description: str | None = None
    severity: Severity = Severity.HIGH
    tags: list[str] = Field(default_factory=list)
    references: list[str] = Field(default_factory=list)
    added: datetime = Field(default_factory=utcnow)
    expires: datetime | None = None

    @property
    def key(self) -> str:
        """Identity: the same type and value from another feed is the same indicator."""
        return f"{self.type.value}:{self.value}"


def normalise(kind: IndicatorType, value: str) -> str:
    """The comparison form of a value; raises ``ValueError`` when it is not a valid value of that type."""
    text = value.strip()
    if kind is IndicatorType.IP:
        return str(ipaddress.ip_address(text))
    if kind is IndicatorType.NETWORK:
        network = ipaddress.ip_network(text, strict=False)
        return str(network)
    if kind is IndicatorType.DOMAIN:
        domain = text.lower().rstrip(".")
        if not _DOMAIN.match(domain):
            raise ValueError(f"not a domain name: {value!r}")
        return domain
    if kind is IndicatorType.URL:
        if not _URL.match(text):
            raise ValueError(f"not a URL: {value!r}")
        return text
    digest = text.lower()
    if not _HEX.match(digest) or HASH_LENGTHS.get(len(digest)) is not kind:
        raise ValueError(f"not a {kind.value} hash: {value!r}")
    return digest


def guess_type(value: str) -> IndicatorType | None:
    """The type of a bare value in a plain list: IP, network, URL, hash by length, or domain."""
    text = value.strip()
    try:
        ipaddress.ip_address(text)
        return IndicatorType.IP
    except ValueError:
        pass
    if "/" in text and not _URL.match(text):
        try:
            ipaddress.ip_network(text, strict=False)
            return IndicatorType.NETWORK
        except ValueError:
            return None
    if _URL.match(text):
        return IndicatorType.URL
    if _HEX.match(text) and len(text) in HASH_LENGTHS:
        return HASH_LENGTHS[len(text)]
    if _DOMAIN.match(text.lower().rstrip(".")):
        return IndicatorType.DOMAIN
    return None


def make(kind: IndicatorType, value: str, source: str, **extra: object) -> Indicator:
    """A validated, normalised indicator."""
    return Indicator(type=kind, value=normalise(kind, value), source=source, **extra)  # type: ignore[arg-type]
