"""Network field values every firewall parser needs, checked the way ECS types demand.

Elasticsearch rejects a document whose ``ip`` field holds a non-address, so
Elastic's pipelines drop such values (``1192.168.2.2`` in a Cisco log leaves
``destination.ip`` unset, the port stays). These helpers do the same, cached
because the same addresses repeat across millions of lines.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any

from secops import ecs

_MAC = re.compile(r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}")

IANA_PROTOCOLS: dict[str, str] = {
    "0": "hopopt",
    "1": "icmp",
    "2": "igmp",
    "4": "ipv4",
    "6": "tcp",
    "8": "egp",
    "9": "igp",
    "17": "udp",
    "27": "rdp",
    "41": "ipv6",
    "43": "ipv6-route",
    "44": "ipv6-frag",
    "46": "rsvp",
    "47": "gre",
    "50": "esp",
    "51": "ah",
    "58": "ipv6-icmp",
    "59": "ipv6-nonxt",
    "60": "ipv6-opts",
    "88": "eigrp",
    "89": "ospf",
    "94": "ipip",
    "103": "pim",
    "112": "vrrp",
    "115": "l2tp",
    "132": "sctp",
    "136": "udplite",
}
"""IANA protocol numbers → the lower-case keywords ``network.transport`` uses."""

PROTOCOL_NUMBERS: dict[str, str] = {name: number for number, name in IANA_PROTOCOLS.items()}
PROTOCOL_NUMBERS["icmpv6"] = PROTOCOL_NUMBERS["icmp6"] = "58"  # Cisco writes "icmp6"


@lru_cache(maxsize=1 << 16)
def ip(value: str | None) -> str | None:
    """The value if it is an IPv4/IPv6 address (kept as written), else None."""
    if not value:
        return None
    try:
        ipaddress.ip_address(value.partition("%")[0])
    except ValueError:
        return None
    return value


UNSPECIFIED = frozenset(("0.0.0.0", "::"))  # noqa: S104 - data, not a bind address
"""The unspecified addresses: devices write them in NAT fields when nothing was translated."""


def nat_ip(value: str | None) -> str | None:
    """A translated address, or None for an invalid one and for "no translation" (0.0.0.0, ::)."""
    if value in UNSPECIFIED:
        return None
    return ip(value)


def port(value: str | None) -> int | None:
    """A port number 0–65535, or None."""
    if value is None or not value.isdecimal():
        return None
    number = int(value)
    return number if number <= 65535 else None


def integer(value: str | None) -> int | None:
    """A non-negative decimal integer, or None."""
    if value is None or not value.isdecimal():
        return None
    return int(value)


def transport(value: str | None) -> str | None:
    """A protocol name or number → ``network.transport`` keyword."""
    if not value:
        return None
    if value.isdecimal():
        return IANA_PROTOCOLS.get(value, value)
    return value.lower()


_INTERNAL = tuple(
    ipaddress.ip_network(net)
    for net in (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
        "fc00::/7", "fe80::/10", "::1/128",
    )
)  # fmt: skip
"""RFC 1918 and RFC 4193 private space, loopback and link-local (not documentation or CGNAT ranges)."""


@lru_cache(maxsize=1 << 16)
def is_internal(value: str) -> bool:
    """Whether an address is on the inside: Elastic's ``private``, ``loopback`` and ``link_local`` sets."""
    try:
        address = ipaddress.ip_address(value.partition("%")[0])
    except ValueError:
        return False
    return any(address.version == net.version and address in net for net in _INTERNAL)


def direction(source: str | None, destination: str | None) -> str | None:
    """``network.direction`` from which side of the private networks each end is on."""
    if not source or not destination:
        return None
    inside, outside = is_internal(source), is_internal(destination)
    if inside and outside:
        return "internal"
    if inside:
        return "outbound"
    if outside:
        return "inbound"
    return "external"


def endpoint(address: str | None, port_value: str | int | None = None) -> dict[str, Any]:
    """An ECS ``source``/``destination`` object; ``address`` keeps the raw value."""
    out: dict[str, Any] = {}
    if address:
        out["address"] = address
        checked = ip(address)
        if checked is not None:
            out["ip"] = checked
        else:
            out["domain"] = address
    if port_value is not None:
        number = port_value if isinstance(port_value, int) else port(port_value)
        if number is not None:
            out["port"] = number
    return out


def io_side(interface: str | None, zone: str | None) -> dict[str, Any]:
    """``observer.ingress`` or ``observer.egress``: the interface's name and the zone, those that are given."""
    side: dict[str, Any] = {}
    if interface:
        side["interface"] = {"name": interface}
    if zone:
        side["zone"] = zone
    return side


def attach(event: dict[str, Any], **parts: dict[str, Any]) -> None:
    """Set each part (``source=``, ``destination=``, ``network=``) that has any field; empty ones stay out."""
    for key, part in parts.items():
        if part:
            event[key] = part


RELATED_ENDPOINTS = ecs.Related({"ip": ("source.ip", "destination.ip", "source.nat.ip", "destination.nat.ip")})
"""``related.ip`` from the addresses of a connection, NAT included, once they are attached."""


def add_related_ips(event: dict[str, Any], *values: str | None) -> None:
    """``related.ip``: the distinct valid addresses among raw values, in order."""
    ecs.extend_related(event, "ip", (v for v in values if v and ip(v) is not None))


def mac(value: str | None) -> str | None:
    """A MAC address in ECS form (``AA-BB-CC-DD-EE-FF``), or None when the value is not one."""
    if value and _MAC.fullmatch(value):
        return value.replace(":", "-").upper()
    return None
