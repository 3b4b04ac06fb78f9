"""Connections through a site's perimeter firewall: the vendor-neutral record every firewall writer formats.

Background traffic follows what an agency perimeter sees: mostly allowed
outbound web and DNS, some NTP, mail and SSH, inbound traffic to published
services, and a steady trickle of internet noise that the firewall denies.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import TypeVar

from secops.generate.network import PUBLIC_RESOLVERS, WEB_DESTINATIONS, Host, Site, random_internet_ip

NOISE_PORTS = (22, 23, 25, 80, 81, 443, 445, 1433, 2323, 3306, 3389, 5060, 5900, 6379, 8080, 8443, 9200)
SERVICES = {
    20: "FTP-DATA",
    21: "FTP",
    22: "SSH",
    23: "TELNET",
    25: "SMTP",
    53: "DNS",
    80: "HTTP",
    123: "NTP",
    443: "HTTPS",
    445: "SMB",
    500: "IKE",
    1433: "MSSQL",
    3306: "MYSQL",
    3389: "RDP",
    4500: "IPSEC-NAT-T",
    8080: "HTTP-ALT",
    8443: "HTTPS-ALT",
}
T = TypeVar("T")
_TABLE = 4096

APPS = {22: "ssh", 25: "smtp", 53: "dns", 80: "web-browsing", 123: "ntp", 443: "ssl", 445: "ms-ds-smb", 3389: "ms-rdp"}


@dataclass(slots=True)
class Flow:
    """One connection as the firewall logs it when the session ends (or is refused)."""

    t: float
    src: str
    sport: int
    dst: str
    dport: int
    proto: str
    """``tcp``, ``udp`` or ``icmp``."""
    action: str
    """``allow`` or ``deny``."""
    direction: str
    """``outbound`` (inside to internet) or ``inbound``."""
    app: str
    bytes_out: int
    bytes_in: int
    pkts_out: int
    pkts_in: int
    duration: int
    rule: str
    session: int
    _: KW_ONLY  # the optional tail is named at every call: a positional slip once put users in nat_dst
    nat_src: str | None = None
    nat_sport: int = 0
    nat_dst: str | None = None
    user: str | None = None

    @property
    def service(self) -> str:
        return SERVICES.get(self.dport, f"{self.proto}/{self.dport}")

    @property
    def proto_number(self) -> int:
        return {"tcp": 6, "udp": 17}.get(self.proto, 1)


def ephemeral(rng: random.Random) -> int:
    return 49152 + int(rng.random() * 16384)


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its overhead: this runs several times per generated record."""
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint`` without its overhead."""
    return low + int(rng.random() * (high - low + 1))


class SiteTraffic:
    """Background connections for one site's firewall."""

    def __init__(self, site: Site, rng: random.Random, users: list[str]) -> None:
        self.site = site
        self.rng = rng
        self.users = users
        self.workstations = site.workstations
        self.dns_host = site.resolver
        self.published: list[Host] = [h for h in site.hosts if h.role in ("web", "mail", "rds", "bastion")]
        self.session = between(rng, 10_000, 900_000)
        destinations = [f"{net}.{between(rng, 1, 254)}" for _name, net in WEB_DESTINATIONS for _ in (0, 1)]
        # Draws from skewed distributions are tabled once: a few popular sites take most of the traffic,
        # responses are larger and more spread out than requests. Indexing a table is cheap on the hot path.
        self.popular = [
            destinations[min(int(rng.paretovariate(1.2)) - 1, len(destinations) - 1)] for _ in range(_TABLE)
        ]
        self.sent = [int(rng.lognormvariate(7.2, 1.0)) + 300 for _ in range(_TABLE)]
        self.received = [int(rng.lognormvariate(9.5, 1.6)) + 400 for _ in range(_TABLE)]
        self.durations = [int(rng.expovariate(1 / 20)) for _ in range(_TABLE)]

    def next_session(self) -> int:
        self.session += 1 + (self.session & 3)
        return self.session

    def flow(self, t: float) -> Flow:
        roll = self.rng.random()
        if roll < 0.58:
            return self._web(t)
        if roll < 0.70:
            return self._dns(t)
        if roll < 0.73:
            return self._misc_out(t)
        if roll < 0.84:
            return self._inbound(t)
        if roll < 0.98:
            return self._noise(t)
        return self._blocked_out(t)

    def _web(self, t: float) -> Flow:
        draw = self.rng.random
        hosts, users = self.workstations, self.users
        app, proto, port = ("ssl", "tcp", 443) if draw() < 0.88 else ("web-browsing", "tcp", 80)
        sent, received = self.sent[int(draw() * _TABLE)], self.received[int(draw() * _TABLE)]
        return Flow(
            t,
            hosts[int(draw() * len(hosts))].ip,
            49152 + int(draw() * 16384),
            self.popular[int(draw() * _TABLE)],
            port,
            proto,
            "allow",
            "outbound",
            app,
            sent,
            received,
            sent // 700 + 3,
            received // 1200 + 3,
            self.durations[int(draw() * _TABLE)],
            "allow-web-outbound",
            self.next_session(),
            nat_src=self.site.public_ip,
            nat_sport=49152 + int(draw() * 16384),
            user=users[int(draw() * len(users))] if draw() < 0.6 else None,
        )

    def _dns(self, t: float) -> Flow:
        rng = self.rng
        return Flow(
            t,
            self.dns_host.ip,
            ephemeral(rng),
            pick(rng, PUBLIC_RESOLVERS),
            53,
            "udp",
            "allow",
            "outbound",
            "dns",
            between(rng, 60, 90),
            between(rng, 90, 400),
            1,
            1,
            0,
            "allow-dns-resolvers",
            self.next_session(),
            nat_src=self.site.public_ip,
            nat_sport=ephemeral(rng),
        )

    def _misc_out(self, t: float) -> Flow:
        rng = self.rng
        host = pick(rng, self.site.hosts)
        port, proto, dst = pick(
            rng,
            (
                (123, "udp", "129.6.15.28"),
                (22, "tcp", "140.82.112.4"),
                (25, "tcp", "52.101.40.29"),
                (123, "udp", "132.163.97.1"),
            ),
        )
        sent = between(rng, 76, 40_000)
        return Flow(
            t,
            host.ip,
            ephemeral(rng) if port != 123 else 123,
            dst,
            port,
            proto,
            "allow",
            "outbound",
            APPS.get(port, "unknown-tcp"),
            sent,
            between(rng, 76, 90_000),
            sent // 900 + 1,
            between(rng, 1, 60),
            between(rng, 0, 120),
            "allow-infrastructure",
            self.next_session(),
            nat_src=self.site.public_ip,
            nat_sport=ephemeral(rng),
        )

    def _inbound(self, t: float) -> Flow:
        rng = self.rng
        client = random_internet_ip(rng)
        if self.published:
            server = pick(rng, self.published)
            port = {"web": 443, "mail": 25, "rds": 443, "bastion": 22}[server.role]
            received = int(rng.lognormvariate(10, 1.3))
            return Flow(
                t,
                client,
                ephemeral(rng),
                self.site.public_ip,
                port,
                "tcp",
                "allow",
                "inbound",
                APPS.get(port, "ssl"),
                between(rng, 400, 9000),
                received,
                between(rng, 4, 40),
                received // 1300 + 2,
                between(rng, 0, 300),
                f"publish-{server.role}",
                self.next_session(),
                nat_dst=server.ip,
            )
        port = pick(rng, (500, 4500))
        return Flow(
            t,
            client,
            port,
            self.site.public_ip,
            port,
            "udp",
            "allow",
            "inbound",
            "ipsec",
            between(rng, 300, 90_000),
            between(rng, 300, 90_000),
            between(rng, 2, 80),
            between(rng, 2, 80),
            between(rng, 1, 3600),
            "allow-vpn",
            self.next_session(),
        )

    def _noise(self, t: float) -> Flow:
        rng = self.rng
        port = pick(rng, NOISE_PORTS)
        return Flow(
            t,
            random_internet_ip(rng),
            ephemeral(rng),
            self.site.public_ip,
            port,
            "tcp",
            "deny",
            "inbound",
            APPS.get(port, "unknown-tcp"),
            60,
            0,
            1,
            0,
            0,
            "default-deny-inbound",
            self.next_session(),
        )

    def _blocked_out(self, t: float) -> Flow:
        rng = self.rng
        host = pick(rng, self.workstations)
        port, proto = pick(rng, ((25, "tcp"), (6881, "tcp"), (53, "udp"), (3389, "tcp")))
        return Flow(
            t,
            host.ip,
            ephemeral(rng),
            random_internet_ip(rng),
            port,
            proto,
            "deny",
            "outbound",
            APPS.get(port, "unknown-tcp"),
            60,
            0,
            1,
            0,
            0,
            "block-outbound-risky",
            self.next_session(),
        )
