"""Everyday life on the Linux servers: cron, admins logging in with keys and using sudo, internet noise.

``LinuxActivity.line(t)`` returns one auth-log line per call. Multi-line
stories (an SSH session: login, PAM and logind sessions, sudo, logout) are
scheduled on a small heap and told over the following calls, so lines stay in
time order and memory stays bounded by the sessions open at once.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

from secops.generate.flows import Flow, between, pick
from secops.generate.formats import linux_auth as la
from secops.generate.network import Host, Network, Site, random_internet_ip

SUDO_COMMANDS = (
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/apt-get update",
    "/usr/bin/journalctl -u sshd --since today",
    "/usr/bin/tail -n 200 /var/log/syslog",
    "/usr/bin/systemctl status postgresql",
    "/usr/bin/docker ps",
    "/usr/bin/du -sh /var/lib/docker",
    "/usr/sbin/ufw status verbose",
)
CRON_JOBS = (
    ("root", "command -v debian-sa1 > /dev/null && debian-sa1 1 1"),
    ("root", "cd / && run-parts --report /etc/cron.hourly"),
    ("root", "/usr/local/sbin/backup-rotate.sh >/dev/null 2>&1"),
    ("www-data", "/usr/bin/php /var/www/app/artisan schedule:run"),
)
NOISE_USERS = ("admin", "test", "user", "oracle", "ubuntu", "pi", "postgres", "git", "ftpuser", "support", "guest")

Emit = Callable[[float], str]


class LinuxActivity:
    """Background auth-log lines for every Linux server of the network."""

    def __init__(self, network: Network, rng: random.Random) -> None:
        self.rng = rng
        self.hosts = network.linux_servers()
        self.exposed = [h for h in self.hosts if h.role in ("bastion", "web")]
        self.admins = [(u.sam, 1001 + i) for i, u in enumerate(network.users[:6])]
        self.admin_ws = [s.workstations[i].ip for s in network.sites[:2] for i in range(3)]
        self.pending: list[tuple[float, int, Emit]] = []
        self.sequence = 0
        self.pid = between(rng, 2000, 30000)
        self.session_id = between(rng, 100, 900)

    def _later(self, due: float, emit: Emit) -> None:
        self.sequence += 1
        heapq.heappush(self.pending, (due, self.sequence, emit))

    def _pid(self) -> int:
        self.pid = self.pid + 1 + (self.pid & 7) if self.pid < 4_000_000 else 1000
        return self.pid

    def line(self, t: float) -> str:
        if self.pending and self.pending[0][0] <= t:
            return heapq.heappop(self.pending)[2](t)
        roll = self.rng.random()
        if roll < 0.45:
            return self._cron(t)
        if roll < 0.62:
            return self._admin_session(t)
        if roll < 0.72:
            return self._service_login(t)
        if roll < 0.97:
            return self._noise(t)
        return self._typo(t)

    def _cron(self, t: float) -> str:
        host = pick(self.rng, self.hosts)
        user, command = pick(self.rng, CRON_JOBS)
        uid = 0 if user == "root" else 33
        pid = self._pid()
        self._later(t + 0.2, lambda at: la.line(at, host, "CRON", pid, la.cron_command(user, command)))
        self._later(t + 1.1, lambda at: la.line(at, host, "CRON", pid, la.pam_session("cron", False, user, uid)))
        return la.line(t, host, "CRON", pid, la.pam_session("cron", True, user, uid, "", 0))

    def _admin_session(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.hosts)
        user, uid = pick(rng, self.admins)
        ip, port, pid = pick(rng, self.admin_ws), between(rng, 49152, 65535), self._pid()
        self.session_id += 1
        session = self.session_id
        key = f"{uid:04x}kq3N7w0Lr2vXc8ZpT5yBm1sQe9uHd4fGa6jK"
        self._later(t + 0.01, lambda at: la.line(at, host, "sshd", pid, la.pam_session("sshd", True, user, uid)))
        self._later(t + 0.02, lambda at: la.line(at, host, "systemd-logind", 612, la.new_session(session, user)))
        end = t + rng.uniform(120, 3600)
        for _ in range(between(rng, 0, 3)):
            command = pick(rng, SUDO_COMMANDS)
            moment = rng.uniform(t + 5, end - 5)

            def sudo_line(at: float, c: str = command) -> str:  # the default binds this iteration's command
                return la.line(at, host, "sudo", None, la.sudo(user, "pts/0", f"/home/{user}", "root", c))

            self._later(moment, sudo_line)
            self._later(
                moment + 0.01,
                lambda at: la.line(at, host, "sudo", None, la.pam_session("sudo", True, "root", 0, user, uid)),
            )
        self._later(end, lambda at: la.line(at, host, "sshd", pid, la.disconnected(user, ip, port)))
        self._later(end + 0.01, lambda at: la.line(at, host, "sshd", pid, la.pam_session("sshd", False, user, uid)))
        self._later(end + 0.02, lambda at: la.line(at, host, "systemd-logind", 612, la.removed_session(session)))
        return la.line(t, host, "sshd", pid, la.accepted("publickey", user, ip, port, key))

    def _service_login(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.hosts)
        pid = self._pid()
        ip, port = "10.20.0.13", between(rng, 32768, 60999)
        self._later(t + 30, lambda at: la.line(at, host, "sshd", pid, la.disconnected("svc_backup", ip, port)))
        return la.line(t, host, "sshd", pid, la.accepted("publickey", "svc_backup", ip, port, "svcBackupKey0000"))

    def _noise(self, t: float) -> str:
        """Internet background radiation on the exposed hosts: a few guesses per address, then gone."""
        rng = self.rng
        host = pick(rng, self.exposed)
        ip, port, pid = random_internet_ip(rng), between(rng, 1024, 65535), self._pid()
        user = pick(rng, NOISE_USERS) if rng.random() < 0.8 else "root"
        invalid = user != "root"
        self._later(t + 1.5, lambda at: la.line(at, host, "sshd", pid, la.failed_password(user, ip, port, invalid)))
        self._later(t + 1.6, lambda at: la.line(at, host, "sshd", pid, la.closed_preauth(user, ip, port, invalid)))
        if invalid:
            return la.line(t, host, "sshd", pid, la.invalid_user(user, ip, port))
        return la.line(t, host, "sshd", pid, la.pam_auth_failure("sshd", ip, user))

    def _typo(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.hosts)
        user, _uid = pick(rng, self.admins)
        ip, port, pid = pick(rng, self.admin_ws), between(rng, 49152, 65535), self._pid()
        self._later(t + 4, lambda at: la.line(at, host, "sshd", pid, la.accepted("password", user, ip, port)))
        self._later(t + 600, lambda at: la.line(at, host, "sshd", pid, la.disconnected(user, ip, port)))
        return la.line(t, host, "sshd", pid, la.failed_password(user, ip, port, False))


class HostFirewallTraffic:
    """What the Linux servers' own firewalls (UFW/nftables) log: blocked noise, admin SSH, odd outbound."""

    def __init__(self, network: Network, rng: random.Random) -> None:
        self.rng = rng
        self.sites = {h.name: Site(h.name, "netfilter", h.name, h.ip, h.ip, h.ip) for h in network.linux_servers()}
        self.hosts = network.linux_servers()
        self.exposed = [h for h in self.hosts if h.role in ("bastion", "web")]
        self.admin_ws = [s.workstations[i].ip for s in network.sites[:2] for i in range(3)]
        self.workstations = [h.ip for h in network.hosts if h.role == "workstation"]
        self.session = between(rng, 1, 60000)

    def flow(self, t: float) -> tuple[Flow, Site]:
        rng = self.rng
        self.session += 1
        roll = rng.random()
        host: Host = pick(rng, self.exposed) if roll < 0.5 else pick(rng, self.hosts)
        if roll < 0.8:
            # Exposed hosts see the internet's scanners; internal ones, stray workstations probing them.
            port = pick(rng, (23, 25, 445, 1433, 3389, 5900, 6379, 8080, 8888, 9200))
            exposed = roll < 0.5 or host in self.exposed
            flow = Flow(
                t,
                random_internet_ip(rng) if exposed else pick(rng, self.workstations),
                between(rng, 1024, 65535),
                host.ip,
                port,
                "tcp",
                "deny",
                "inbound",
                "unknown",
                60,
                0,
                1,
                0,
                0,
                "ufw-default-deny",
                self.session,
            )
        elif roll < 0.92:
            flow = Flow(
                t,
                pick(rng, self.admin_ws),
                between(rng, 49152, 65535),
                host.ip,
                22,
                "tcp",
                "allow",
                "inbound",
                "ssh",
                60,
                0,
                1,
                0,
                0,
                "ufw-allow-ssh-admin",
                self.session,
            )
        else:
            flow = Flow(
                t,
                host.ip,
                between(rng, 32768, 60999),
                random_internet_ip(rng),
                123,
                "udp",
                "deny",
                "outbound",
                "ntp",
                76,
                0,
                1,
                0,
                0,
                "ufw-block-out",
                self.session,
            )
        return flow, self.sites[host.name]
