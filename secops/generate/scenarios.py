"""The attacks woven into the background, and the ground truth the manifest records for each.

Two stories and some noise an analyst should notice:

* an internet attacker sprays passwords at the SSH bastion, another brute-forces
  the web server's ``deploy`` account, gets in, uses sudo, adds a backdoor user
  and ships data out on an unusual port;
* a phished workstation sprays the domain controller, finds an administrator's
  password, moves laterally with PsExec to servers and exfiltrates from one;
* scanners sweep the perimeter of every site and are denied.

Each scenario adds its records to ``Injected`` and returns a ``Truth``: its
kind, window, attacker addresses, victim hosts and users, and how many records
of each format it wrote.
"""

from __future__ import annotations

import random
from typing import Any

from secops.generate.clock import Clock
from secops.generate.flows import Flow
from secops.generate.formats import FIREWALL_WRITERS, panos
from secops.generate.formats import linux_auth as la
from secops.generate.formats import netfilter as nf
from secops.generate.network import Host, Network, Site, random_internet_ip
from secops.generate.stamps import iso_milli_z
from secops.generate.truth import Injected, Truth
from secops.generate.windows_attacks import lateral_movement, windows_spray

SPRAY_NAMES = (
    "admin",
    "administrator",
    "test",
    "guest",
    "oracle",
    "postgres",
    "ubuntu",
    "deploy",
    "backup",
    "ftp",
    "www",
    "support",
    "jenkins",
    "git",
    "hadoop",
    "nagios",
    "zabbix",
    "ansible",
    "docker",
    "root",
)
SCAN_PORTS = (
    21,
    22,
    23,
    25,
    53,
    80,
    110,
    111,
    135,
    139,
    143,
    443,
    445,
    993,
    995,
    1433,
    1521,
    1723,
    2049,
    3306,
    3389,
    5432,
    5900,
    5985,
    6379,
    8000,
    8080,
    8443,
    8888,
    9200,
    9300,
    11211,
    27017,
)


class Scenarios:
    def __init__(self, network: Network, clock: Clock, seed: int) -> None:
        self.net = network
        self.clock = clock
        self.rng = random.Random(f"scenarios:{seed}")
        self.out = Injected()
        self.session = 5_000_000
        hq = network.site("hq")
        self.hq = hq
        self.bastion = next(h for h in hq.hosts if h.role == "bastion")
        self.web = next(h for h in hq.hosts if h.role == "web")

    def run(self) -> tuple[dict[str, list[tuple[float, int, str]]], list[Truth]]:
        truths = [
            self.port_scan(0.12, list(self.net.sites), with_host_firewalls=True),
            self.ssh_spray(0.25),
        ]
        truths += [self.ssh_intrusion(0.40), self.exfiltration(0.43, self.hq, self.web, "linux server after intrusion")]
        spray, admin, workstation = windows_spray(self, 0.55)
        lateral, targets = lateral_movement(self, 0.60, admin, workstation)
        region = self.net.site("region1")
        file_server = next(h for h in targets if h.site == region.name)
        truths += [spray, lateral, self.exfiltration(0.65, region, file_server, "file server after PsExec")]
        truths.append(self.port_scan(0.80, [s for s in self.net.sites if s.fmt in ("panos", "cisco-asa", "leef")]))
        return self.out.by_format, truths

    # -- helpers -----------------------------------------------------------------------------------------
    def _flow(self, t: float, **fields: Any) -> Flow:
        self.session += 1
        defaults: dict[str, Any] = {
            "sport": self.rng.randint(1024, 65535),
            "proto": "tcp",
            "bytes_out": 60,
            "bytes_in": 0,
            "pkts_out": 1,
            "pkts_in": 0,
            "duration": 0,
            "session": self.session,
        }
        defaults.update(fields)
        return Flow(t=t, **defaults)

    def _firewall(self, site: Site, flow: Flow) -> None:
        self.out.add(site.fmt, flow.t, FIREWALL_WRITERS[site.fmt](flow, site))

    def _window(self, start: float, minutes: float) -> tuple[float, float]:
        begin = self.clock.at(start)
        return begin, min(begin + minutes * 60, self.clock.end - 1)

    # -- scenarios ---------------------------------------------------------------------------------------
    def port_scan(self, at: float, sites: list[Site], with_host_firewalls: bool = False) -> Truth:
        truth = self.out.begin(Truth("port_scan", ["T1046"]))
        scanner = random_internet_ip(self.rng)
        begin, _ = self._window(at, 30)
        ports = list(SCAN_PORTS)
        for index, site in enumerate(sites):
            t = begin + index * 90
            for port in ports:
                t += self.rng.uniform(0.05, 0.6)
                flow = self._flow(
                    t,
                    src=scanner,
                    dst=site.public_ip,
                    dport=port,
                    action="deny",
                    direction="inbound",
                    app="unknown-tcp",
                    rule="default-deny-inbound",
                )
                self._firewall(site, flow)
            if site.fmt == "panos":
                flow = self._flow(
                    t + 1,
                    src=scanner,
                    dst=site.public_ip,
                    dport=ports[-1],
                    action="deny",
                    direction="inbound",
                    app="not-applicable",
                    rule="default-deny-inbound",
                )
                self.out.add(
                    "panos", flow.t, panos.threat(flow, site, "scan", "critical", "TCP Port Scan(8001)", "any")
                )
            truth.victim_hosts.append(site.firewall)
        if with_host_firewalls:
            host_site = Site(self.web.name, "netfilter", self.web.name, self.web.ip, self.web.ip, self.web.ip)
            t = begin + len(sites) * 90
            for port in ports:
                t += self.rng.uniform(0.05, 0.6)
                flow = self._flow(
                    t,
                    src=scanner,
                    dst=self.web.ip,
                    dport=port,
                    action="deny",
                    direction="inbound",
                    app="unknown",
                    rule="ufw-default-deny",
                )
                self.out.add("netfilter", t, nf.line(flow, host_site))
            truth.victim_hosts.append(self.web.name)
        truth.attacker_ips.append(scanner)
        truth.details = {"ports": len(ports), "sites": [s.name for s in sites]}
        return self.out.end()

    def ssh_spray(self, at: float) -> Truth:
        """One address, many user names, one or two passwords each, against the SSH bastion."""
        truth = self.out.begin(Truth("password_spray_ssh", ["T1110.003"]))
        attacker = random_internet_ip(self.rng)
        begin, end = self._window(at, 35)
        names = list(SPRAY_NAMES) + [u.sam for u in self.rng.sample(self.net.users, 22)]
        step = (end - begin) / len(names)
        host = self.bastion
        failed = 0
        for index, user in enumerate(names):
            t = begin + index * step + self.rng.uniform(0, step / 3)
            port, pid = self.rng.randint(30000, 65000), 40000 + index
            invalid = user != "root"
            flow = self._flow(
                t - 0.3,
                src=attacker,
                sport=port,
                dst=self.hq.public_ip,
                dport=22,
                action="allow",
                direction="inbound",
                app="ssh",
                bytes_out=2800,
                bytes_in=3400,
                pkts_out=14,
                pkts_in=12,
                duration=4,
                rule="publish-bastion",
                nat_dst=host.ip,
            )
            self._firewall(self.hq, flow)
            if invalid:
                self.out.add("linux-auth", t, la.line(t, host, "sshd", pid, la.invalid_user(user, attacker, port)))
            else:
                self.out.add(
                    "linux-auth", t, la.line(t, host, "sshd", pid, la.pam_auth_failure("sshd", attacker, user))
                )
            self.out.add(
                "linux-auth",
                t + 2,
                la.line(t + 2, host, "sshd", pid, la.failed_password(user, attacker, port, invalid)),
            )
            failed += 1
            self.out.add(
                "linux-auth",
                t + 2.4,
                la.line(t + 2.4, host, "sshd", pid, la.closed_preauth(user, attacker, port, invalid)),
            )
        truth.attacker_ips.append(attacker)
        truth.victim_hosts.append(host.name)
        truth.victim_users = names
        truth.details = {"failed_logins": failed, "distinct_users": len(set(names)), "successful_logins": 0}
        return self.out.end()

    def ssh_intrusion(self, at: float) -> Truth:
        """Brute force on one account, success, sudo to root, a backdoor account."""
        truth = self.out.begin(Truth("ssh_brute_force_intrusion", ["T1110.001", "T1078", "T1548.003", "T1136.001"]))
        attacker = random_internet_ip(self.rng)
        host = self.web
        begin, _ = self._window(at, 40)
        user, uid, attempts = "deploy", 1050, 28
        t = begin
        for attempt in range(attempts):
            t += self.rng.uniform(6, 14)
            port, pid = self.rng.randint(30000, 65000), 50000 + attempt
            self.out.add("linux-auth", t, la.line(t, host, "sshd", pid, la.pam_auth_failure("sshd", attacker, user)))
            self.out.add(
                "linux-auth", t + 2, la.line(t + 2, host, "sshd", pid, la.failed_password(user, attacker, port, False))
            )
        t += 20
        port, pid, accepted_at = self.rng.randint(30000, 65000), 50100, t
        self.out.add("linux-auth", t, la.line(t, host, "sshd", pid, la.accepted("password", user, attacker, port)))
        self.out.add(
            "linux-auth", t + 0.1, la.line(t + 0.1, host, "sshd", pid, la.pam_session("sshd", True, user, uid))
        )
        self.out.add("linux-auth", t + 0.2, la.line(t + 0.2, host, "systemd-logind", 612, la.new_session(4711, user)))
        commands = (
            "/usr/bin/id",
            "/bin/cat /etc/shadow",
            "/usr/sbin/useradd -m -s /bin/bash sysupdate",
            "/usr/sbin/usermod -aG sudo sysupdate",
            "/usr/bin/tar czf /tmp/.cache.tgz /srv/app/data",
        )
        for command in commands:
            t += self.rng.uniform(20, 60)
            self.out.add(
                "linux-auth",
                t,
                la.line(t, host, "sudo", None, la.sudo(user, "pts/1", f"/home/{user}", "root", command)),
            )
            self.out.add(
                "linux-auth",
                t + 0.01,
                la.line(t + 0.01, host, "sudo", None, la.pam_session("sudo", True, "root", 0, user, uid)),
            )
            if "useradd" in command:
                self.out.add(
                    "linux-auth", t + 0.1, la.line(t + 0.1, host, "useradd", 51200, la.new_group("sysupdate", 1051))
                )
                self.out.add(
                    "linux-auth", t + 0.2, la.line(t + 0.2, host, "useradd", 51200, la.new_user("sysupdate", 1051))
                )
            if "usermod" in command:
                self.out.add(
                    "linux-auth",
                    t + 0.1,
                    la.line(t + 0.1, host, "usermod", 51210, la.add_to_group("sysupdate", "sudo")),
                )
        truth.attacker_ips.append(attacker)
        truth.victim_hosts.append(host.name)
        truth.victim_users = [user, "sysupdate"]
        truth.details = {
            "failed_logins": attempts,
            "successful_login_at": iso_milli_z(accepted_at),
            "sudo_commands": list(commands),
            "created_user": "sysupdate",
        }
        return self.out.end()

    def exfiltration(self, at: float, site: Site, host: Host, story: str) -> Truth:
        """Large uploads to one address nobody else talks to, on a port nobody else uses."""
        truth = self.out.begin(Truth("exfiltration", ["T1048"]))
        destination = random_internet_ip(self.rng)
        port = self.rng.choice((4444, 8531, 2087, 9443, 6697))
        begin, end = self._window(at, 90)
        sessions = 12
        total = 0
        for index in range(sessions):
            t = begin + (end - begin) * (index + self.rng.random()) / sessions
            sent = self.rng.randint(150_000_000, 400_000_000)
            total += sent
            flow = self._flow(
                t,
                src=host.ip,
                sport=self.rng.randint(40000, 60000),
                dst=destination,
                dport=port,
                action="allow",
                direction="outbound",
                app="unknown-tcp",
                bytes_out=sent,
                bytes_in=sent // 180,
                pkts_out=sent // 1400,
                pkts_in=sent // 9000,
                duration=self.rng.randint(300, 900),
                rule="allow-servers-outbound",
                nat_src=site.public_ip,
                nat_sport=self.rng.randint(1024, 65535),
            )
            self._firewall(site, flow)
        truth.attacker_ips.append(destination)
        truth.victim_hosts.append(host.name)
        truth.details = {
            "bytes_out": total,
            "sessions": sessions,
            "port": port,
            "firewall": site.firewall,
            "format": site.fmt,
            "story": story,
        }
        return self.out.end()
