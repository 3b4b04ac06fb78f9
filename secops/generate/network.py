"""The simulated agency: sites behind firewalls of different vendors, hosts, users, the internet.

Everything here is derived from the seed once, before any record is written,
so every writer and scenario sees the same hosts, users and addresses. The
agency's own public addresses come from the documentation ranges (RFC 5737);
internet destinations look like the cloud and CDN ranges real traffic goes to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

DOMAIN = "AGENCY"
DNS_SUFFIX = "agency.gov"

_FIRST_NAMES = (
    "james mary robert patricia john jennifer michael linda david elizabeth william barbara richard susan joseph "
    "jessica thomas sarah charles karen christopher lisa daniel nancy matthew betty anthony sandra mark ashley "
    "donald kimberly steven emily paul donna andrew michelle joshua carol kenneth amanda kevin melissa brian "
    "deborah george stephanie timothy rebecca ronald sharon jason laura edward cynthia jeffrey kathleen ryan amy "
    "jacob angela gary shirley nicholas anna eric brenda jonathan pamela stephen emma larry nicole justin helen "
    "scott samantha brandon katherine benjamin christine samuel debra gregory rachel alexander carolyn frank janet"
)
_LAST_NAMES = (
    "smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez gonzalez wilson "
    "anderson thomas taylor moore jackson martin lee perez thompson white harris sanchez clark ramirez lewis "
    "robinson walker young allen king wright scott torres nguyen hill flores green adams nelson baker hall "
    "rivera campbell mitchell carter roberts gomez phillips evans turner diaz parker cruz edwards collins reyes "
    "stewart morris morales murphy cook rogers gutierrez ortiz morgan cooper peterson bailey reed kelly howard"
)
FIRST = tuple(_FIRST_NAMES.split())
LAST = tuple(_LAST_NAMES.split())

# Internet destinations: (name, first three octets) in ranges that cloud, CDN and SaaS traffic goes to.
WEB_DESTINATIONS = (
    ("www.microsoft.com", "23.45.229"),
    ("login.microsoftonline.com", "20.190.151"),
    ("outlook.office365.com", "52.97.146"),
    ("www.google.com", "142.250.72"),
    ("update.googleapis.com", "142.251.32"),
    ("www.usa.gov", "104.16.148"),
    ("www.cisa.gov", "104.16.37"),
    ("github.com", "140.82.112"),
    ("cdn.jsdelivr.net", "151.101.1"),
    ("s3.amazonaws.com", "52.216.177"),
    ("ocsp.digicert.com", "93.184.220"),
    ("slack.com", "34.192.118"),
    ("zoom.us", "170.114.52"),
    ("www.linkedin.com", "13.107.42"),
    ("windowsupdate.com", "13.107.4"),
    ("ctldl.windowsupdate.com", "199.232.66"),
    ("api.weather.gov", "23.53.41"),
    ("www.nytimes.com", "151.101.193"),
    ("www.youtube.com", "142.250.80"),
    ("teams.microsoft.com", "52.113.194"),
)
PUBLIC_RESOLVERS = ("8.8.8.8", "1.1.1.1", "9.9.9.9")


@dataclass(frozen=True, slots=True)
class User:
    sam: str
    """Account name (``jsmith``), the same on Windows and Linux."""
    full_name: str
    sid: str
    admin: bool = False


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: hosts are cache keys on the hot path
class Host:
    name: str
    ip: str
    os: str
    """``windows`` or ``linux``."""
    role: str
    """``workstation``, ``dc``, ``file``, ``sql``, ``mail``, ``rds``, ``web``, ``bastion``, ``app``, ``db``."""
    site: str

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{DNS_SUFFIX}"


@dataclass(slots=True)
class Site:
    name: str
    fmt: str
    """The ``--format`` of its perimeter firewall's logs."""
    firewall: str
    firewall_ip: str
    public_ip: str
    prefix: str
    """First two octets of its internal /16."""
    hosts: list[Host] = field(default_factory=list)

    @property
    def workstations(self) -> list[Host]:
        return [h for h in self.hosts if h.role == "workstation"]

    @property
    def servers(self) -> list[Host]:
        return [h for h in self.hosts if h.role != "workstation"]

    @property
    def resolver(self) -> Host:
        """The site's DNS server (its domain controller): it forwards to public resolvers."""
        return next((h for h in self.hosts if h.role == "dc"), self.hosts[0])


# name, firewall format, firewall host name, internal /16, public IP (RFC 5737), workstations, servers (role list)
SITE_PLAN = (
    (
        "hq",
        "panos",
        "pa-hq-edge01",
        "10.10",
        "198.51.100.10",
        60,
        ("dc", "dc", "file", "sql", "mail", "rds", "web", "bastion", "app", "app", "db"),
    ),
    ("datacenter", "checkpoint", "cp-dc-gw01", "10.20", "198.51.100.20", 6, ("app", "app", "db", "file", "web")),
    ("region1", "fortigate", "fgt-reg1", "10.30", "198.51.100.30", 30, ("file", "app")),
    ("region2", "cisco-asa", "asa-reg2", "10.40", "198.51.100.40", 30, ("file", "app")),
    ("lab", "juniper-srx", "srx-lab01", "10.50", "198.51.100.50", 12, ("app", "db")),
    ("field1", "sonicwall", "sw-field1", "10.60", "198.51.100.60", 10, ("file",)),
    ("field2", "pfsense", "pfs-field2", "10.70", "198.51.100.70", 8, ("file",)),
    ("training", "cef", "ngfw-train01", "10.80", "198.51.100.80", 15, ("app",)),
    ("archive", "leef", "xg-archive01", "10.90", "198.51.100.90", 6, ("file", "db")),
)
LINUX_ROLES = frozenset({"web", "bastion", "app", "db"})


@dataclass(slots=True)
class Network:
    sites: list[Site]
    users: list[User]
    admins: list[User]
    service_accounts: list[str]

    @property
    def hosts(self) -> list[Host]:
        return [h for s in self.sites for h in s.hosts]

    def site(self, name: str) -> Site:
        return next(s for s in self.sites if s.name == name)

    def by_fmt(self, fmt: str) -> Site:
        return next(s for s in self.sites if s.fmt == fmt)

    def linux_servers(self) -> list[Host]:
        return [h for h in self.hosts if h.os == "linux"]

    def windows_hosts(self) -> list[Host]:
        return [h for h in self.hosts if h.os == "windows"]


def build(seed: int) -> Network:
    """The agency for a seed: same seed, same people and machines."""
    rng = random.Random(f"network:{seed}")
    sites: list[Site] = []
    for name, fmt, firewall, prefix, public, workstations, servers in SITE_PLAN:
        site = Site(name, fmt, firewall, f"{prefix}.0.1", public, prefix)
        counts: dict[str, int] = {}
        for index, role in enumerate(servers):
            counts[role] = counts.get(role, 0) + 1
            os = "linux" if role in LINUX_ROLES else "windows"
            label = f"{role}{counts[role]:02d}-{name}" if os == "linux" else f"{role.upper()}{counts[role]:02d}"
            if os == "windows" and name != "hq":
                label = f"{name.upper()}-{label}"
            site.hosts.append(Host(label, f"{prefix}.0.{10 + index}", os, role, name))
        for number in range(1, workstations + 1):
            subnet, octet = divmod(number - 1, 200)
            host = Host(
                f"WS-{name.upper()}-{number:04d}",
                f"{prefix}.{10 + subnet}.{20 + octet}",
                "windows",
                "workstation",
                name,
            )
            site.hosts.append(host)
        sites.append(site)
    users: list[User] = []
    seen: set[str] = set()
    while len(users) < 240:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        sam = f"{first[0]}{last}"
        if sam in seen:
            continue
        seen.add(sam)
        rid = 1105 + len(users)
        users.append(User(sam, f"{first.title()} {last.title()}", f"S-1-5-21-3623811015-3361044348-30300820-{rid}"))
    admins = [User(f"adm_{u.sam}", u.full_name, u.sid[:-4] + str(5000 + i), True) for i, u in enumerate(users[:6])]
    return Network(sites, users, admins, ["svc_backup", "svc_sql", "svc_web", "svc_monitor"])


def random_internet_ip(rng: random.Random) -> str:
    """A public-looking IPv4 address outside private, reserved and documentation ranges."""
    draw = rng.random
    while True:
        first = 11 + int(draw() * 213)
        if first not in _NOT_PUBLIC:
            return f"{first}.{int(draw() * 256)}.{int(draw() * 256)}.{1 + int(draw() * 254)}"


_NOT_PUBLIC = frozenset((100, 127, 169, 172, 192, 198, 203))
