"""Everyday life on the Windows estate: logons at the domain controllers and servers, processes, Sysmon.

``WindowsActivity.line(t)`` returns one Winlogbeat JSON line per call; the
follow-ups of a story (4672 after an administrator's logon, Sysmon network
and DNS events after a browser starts) wait on a heap for later calls.
"""

from __future__ import annotations

import heapq
import random
import zlib
from collections.abc import Callable

from secops.generate.flows import between, pick
from secops.generate.formats import winlog as wl
from secops.generate.network import DOMAIN, WEB_DESTINATIONS, Host, Network

PROCESSES = (
    (
        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
        '"chrome.exe" --type=renderer --lang=en-US',
        "C:\\Windows\\explorer.exe",
    ),
    (
        "C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
        '"msedge.exe" --profile-directory=Default',
        "C:\\Windows\\explorer.exe",
    ),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", '"OUTLOOK.EXE"', "C:\\Windows\\explorer.exe"),
    (
        "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
        '"WINWORD.EXE" /n',
        "C:\\Windows\\explorer.exe",
    ),
    (
        "C:\\Windows\\System32\\svchost.exe",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
        "C:\\Windows\\System32\\services.exe",
    ),
    (
        "C:\\Windows\\System32\\conhost.exe",
        "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
        "C:\\Windows\\System32\\cmd.exe",
    ),
    (
        "C:\\Windows\\System32\\taskhostw.exe",
        "taskhostw.exe -RegisterDevice -ProtectionStateChanged",
        "C:\\Windows\\System32\\svchost.exe",
    ),
    (
        "C:\\Windows\\System32\\backgroundTaskHost.exe",
        '"backgroundTaskHost.exe" -ServerName:App.AppXmtcan.mca',
        "C:\\Windows\\System32\\svchost.exe",
    ),
    ("C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe", '"OneDrive.exe" /background', "C:\\Windows\\explorer.exe"),
    ("C:\\Windows\\System32\\gpupdate.exe", "gpupdate.exe /target:computer", "C:\\Windows\\System32\\svchost.exe"),
)
BROWSER = PROCESSES[0][0]
FILES = (
    "C:\\Users\\{user}\\AppData\\Local\\Temp\\~DF{n:04X}.tmp",
    "C:\\Users\\{user}\\Downloads\\Report-{n}.pdf",
    "C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\{n:08X}.dat",
    "C:\\Windows\\Prefetch\\CHROME.EXE-{n:08X}.pf",
)
REGISTRY = (
    ("HKU\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\MRUListEx", "Binary Data"),
    (
        "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated",
        "QWORD (0x01db3f2a-0x{n:08x})",
    ),
    ("HKU\\{sid}\\Software\\Microsoft\\Office\\16.0\\Common\\Roaming\\Identities\\LastUpdate", "DWORD (0x{n:08x})"),
)

Emit = Callable[[float], str]


class WindowsActivity:
    """Background Winlogbeat lines: Security logons and processes, Sysmon process/network/file/registry/DNS."""

    def __init__(self, network: Network, rng: random.Random) -> None:
        self.rng = rng
        self.network = network
        self.workstations = [h for h in network.windows_hosts() if h.role == "workstation"]
        self.servers = [h for h in network.windows_hosts() if h.role != "workstation"]
        self.dcs = [h for h in self.servers if h.role == "dc"]
        self.users = network.users
        self.pending: list[tuple[float, int, Emit]] = []
        self.sequence = 0
        self.pid = between(rng, 3000, 40000)
        self.destinations = [(name, f"{net}.{between(rng, 1, 254)}") for name, net in WEB_DESTINATIONS]
        self.owners = {h.name: self.users[zlib_index(h.name, len(self.users))] for h in network.windows_hosts()}

    def _later(self, due: float, emit: Emit) -> None:
        self.sequence += 1
        heapq.heappush(self.pending, (due, self.sequence, emit))

    def _pid(self) -> int:
        self.pid = self.pid + 4 * (1 + (self.pid & 3)) if self.pid < 60000 else 1000
        return self.pid

    def line(self, t: float) -> str:
        if self.pending and self.pending[0][0] <= t:
            return heapq.heappop(self.pending)[2](t)
        roll = self.rng.random()
        if roll < 0.30:
            return self._network_logon(t)
        if roll < 0.36:
            return self._interactive_logon(t)
        if roll < 0.37:
            return self._typo(t)
        if roll < 0.52:
            return self._process_4688(t)
        if roll < 0.72:
            return self._sysmon_process(t)
        if roll < 0.84:
            return self._browse(t)
        if roll < 0.93:
            return self._file(t)
        if roll < 0.9995:
            return self._registry(t)
        return self._helpdesk(t)

    def _network_logon(self, t: float) -> str:
        rng = self.rng
        ws = pick(rng, self.workstations)
        server = pick(rng, self.dcs) if rng.random() < 0.5 else pick(rng, self.servers)
        user = pick(rng, self.users)
        lid = wl.logon_id(self._pid() * 7)
        return wl.logon(t, server, user.sam, user.sid, 3, ws.ip, 0, ws.name, lid)

    def _interactive_logon(self, t: float) -> str:
        rng = self.rng
        if rng.random() < 0.2:  # an administrator on a server: 4672 follows
            admin = pick(rng, self.network.admins)
            server = pick(rng, self.servers)
            lid = wl.logon_id(self._pid() * 7)
            ws = pick(rng, self.workstations[:6])
            self._later(t + 0.01, lambda at: wl.special_privileges(at, server, admin.sam, admin.sid, lid))
            return wl.logon(t, server, admin.sam, admin.sid, 10, ws.ip, between(rng, 49152, 65535), ws.name, lid)
        ws = pick(rng, self.workstations)
        user = self.owners[ws.name]
        lid = wl.logon_id(self._pid() * 7)
        return wl.logon(t, ws, user.sam, user.sid, pick(rng, (2, 11, 7)), "127.0.0.1", 0, ws.name, lid, "Negotiate")

    def _typo(self, t: float) -> str:
        rng = self.rng
        ws = pick(rng, self.workstations)
        user = pick(rng, self.users)
        return wl.failed_logon(t, pick(rng, self.dcs), user.sam, 3, ws.ip, between(rng, 49152, 65535), ws.name, True)

    def _owner(self, host: Host) -> str:
        return self.owners[host.name].sam

    def _process_4688(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.workstations) if rng.random() < 0.7 else pick(rng, self.servers)
        image, command, parent = pick(rng, PROCESSES)
        user = self.owners[host.name]
        return wl.process_created(t, host, user.sam, user.sid, "0x3e7", image, command, parent, self._pid(), 4)

    def _sysmon_process(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.workstations)
        image, command, parent = pick(rng, PROCESSES)
        user = f"{DOMAIN}\\{self._owner(host)}"
        return wl.sysmon_process(t, host, user, image, command, parent, parent, self._pid(), 6120)

    def _browse(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.workstations)
        name, ip = pick(rng, self.destinations)
        user = f"{DOMAIN}\\{self._owner(host)}"
        pid, port = self._pid(), between(rng, 49152, 65535)
        self._later(
            t + 0.05, lambda at: wl.sysmon_network(at, host, user, BROWSER, pid, "tcp", host.ip, port, ip, 443, name)
        )
        return wl.sysmon_dns(t, host, user, BROWSER, pid, name, [ip])

    def _file(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.workstations)
        owner = self._owner(host)
        target = pick(rng, FILES).format(user=owner, n=between(rng, 0, 0xFFFFFFF))
        return wl.sysmon_file(t, host, f"{DOMAIN}\\{owner}", BROWSER, self._pid(), target)

    def _registry(self, t: float) -> str:
        rng = self.rng
        host = pick(rng, self.workstations)
        owner = self.owners[host.name]
        key, details = pick(rng, REGISTRY)
        n = between(rng, 0, 0xFFFFFFF)
        return wl.sysmon_registry(
            t,
            host,
            f"{DOMAIN}\\{owner.sam}",
            "C:\\Windows\\explorer.exe",
            self._pid(),
            key.format(sid=owner.sid),
            details.format(n=n),
        )

    def _helpdesk(self, t: float) -> str:
        """A new hire's account, and its addition to a local group a moment later."""
        rng = self.rng
        dc = self.dcs[0]
        admin = self.network.admins[1]
        number = between(rng, 100, 999)
        sam = f"newhire{number}"
        sid = f"S-1-5-21-3623811015-3361044348-30300820-{8000 + number}"
        self._later(
            t + 30,
            lambda at: wl.member_added(at, dc, admin.sam, admin.sid, sid, "Remote Desktop Users", "S-1-5-32-555"),
        )
        return wl.user_created(t, dc, admin.sam, admin.sid, sam, sid)


def zlib_index(name: str, size: int) -> int:
    """A stable index for a name (Python's ``hash`` changes between runs)."""
    return zlib.crc32(name.encode()) % size
