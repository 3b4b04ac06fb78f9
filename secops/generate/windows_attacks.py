"""The Windows story: a phished workstation sprays the domain, then moves laterally with PsExec."""

from __future__ import annotations

from typing import TYPE_CHECKING

from secops.generate.formats import winlog as wl
from secops.generate.network import DOMAIN, Host, User
from secops.generate.truth import Truth

if TYPE_CHECKING:
    from secops.generate.scenarios import Scenarios


def windows_spray(sc: Scenarios, at: float) -> tuple[Truth, User, Host]:
    """A phished workstation tries one password against many domain accounts; one administrator falls."""
    truth = sc.out.begin(Truth("password_spray_windows", ["T1110.003"]))
    region = sc.net.site("region1")
    workstation = region.workstations[7]
    dc = next(h for h in sc.net.hosts if h.role == "dc")
    begin, end = sc._window(at, 25)
    victims = sc.rng.sample(sc.net.users, 55)
    admin = sc.net.admins[2]
    step = (end - begin) / (len(victims) + 1)
    for index, user in enumerate(victims):
        t = begin + index * step + sc.rng.uniform(0, step / 2)
        sc.out.add(
            "winlog-json",
            t,
            wl.failed_logon(t, dc, user.sam, 3, workstation.ip, sc.rng.randint(49152, 65535), workstation.name, True),
        )
    t = end
    lid = wl.logon_id(0xA11CE)
    sc.out.add(
        "winlog-json",
        t,
        wl.logon(
            t,
            dc,
            admin.sam,
            admin.sid,
            3,
            workstation.ip,
            sc.rng.randint(49152, 65535),
            workstation.name,
            lid,
            "NTLM",
        ),
    )
    sc.out.add("winlog-json", t + 0.01, wl.special_privileges(t + 0.01, dc, admin.sam, admin.sid, lid))
    truth.attacker_ips.append(workstation.ip)
    truth.victim_hosts = [dc.name]
    truth.victim_users = [u.sam for u in victims] + [admin.sam]
    truth.details = {
        "failed_logins": len(victims),
        "compromised_account": admin.sam,
        "source_host": workstation.name,
    }
    return sc.out.end(), admin, workstation


def lateral_movement(sc: Scenarios, at: float, admin: User, source: Host) -> tuple[Truth, list[Host]]:
    """PsExec with the sprayed administrator's password from the workstation to three servers."""
    truth = sc.out.begin(Truth("lateral_movement", ["T1021.002", "T1569.002", "T1078.002"]))
    servers = [h for h in sc.net.hosts if h.os == "windows" and h.role in ("file", "sql")]
    targets = [servers[1], servers[0], next(h for h in servers if h.site == "region1")]
    begin, _ = sc._window(at, 45)
    user = f"{DOMAIN}\\{admin.sam}"
    psexec = "C:\\Users\\Public\\PsExec64.exe"
    t = begin
    for index, target in enumerate(targets):
        t += sc.rng.uniform(300, 600)
        pid, port = 7100 + index * 4, sc.rng.randint(49152, 65535)
        command = f'{psexec} \\\\{target.name} -accepteula -s cmd.exe /c "whoami /all & net group "Domain Admins""'
        sc.out.add(
            "winlog-json",
            t,
            wl.sysmon_process(
                t, source, user, psexec, command, "C:\\Windows\\System32\\cmd.exe", "cmd.exe", pid, 6120, "High"
            ),
        )
        sc.out.add(
            "winlog-json",
            t + 0.2,
            wl.sysmon_network(t + 0.2, source, user, psexec, pid, "tcp", source.ip, port, target.ip, 445, target.fqdn),
        )
        lid = wl.logon_id(0xB0B0 + index)
        sc.out.add(
            "winlog-json",
            t + 0.4,
            wl.logon(t + 0.4, target, admin.sam, admin.sid, 3, source.ip, port, source.name, lid, "NTLM"),
        )
        sc.out.add("winlog-json", t + 0.41, wl.special_privileges(t + 0.41, target, admin.sam, admin.sid, lid))
        sc.out.add(
            "winlog-json",
            t + 0.6,
            wl.sysmon_file(t + 0.6, target, "NT AUTHORITY\\SYSTEM", "System", 4, "C:\\Windows\\PSEXESVC.exe"),
        )
        sc.out.add(
            "winlog-json", t + 0.8, wl.service_installed(t + 0.8, target, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe")
        )
        sc.out.add(
            "winlog-json",
            t + 0.9,
            wl.sysmon_registry(
                t + 0.9,
                target,
                "NT AUTHORITY\\SYSTEM",
                "C:\\Windows\\system32\\services.exe",
                640,
                "HKLM\\System\\CurrentControlSet\\Services\\PSEXESVC\\ImagePath",
                "%SystemRoot%\\PSEXESVC.exe",
            ),
        )
        sc.out.add(
            "winlog-json",
            t + 1.0,
            wl.sysmon_process(
                t + 1.0,
                target,
                "NT AUTHORITY\\SYSTEM",
                "C:\\Windows\\PSEXESVC.exe",
                "C:\\Windows\\PSEXESVC.exe",
                "C:\\Windows\\System32\\services.exe",
                "C:\\Windows\\system32\\services.exe",
                5200 + index,
                640,
                "System",
            ),
        )
        sc.out.add(
            "winlog-json",
            t + 1.3,
            wl.process_created(
                t + 1.3,
                target,
                admin.sam,
                admin.sid,
                lid,
                "C:\\Windows\\System32\\cmd.exe",
                'cmd.exe /c "whoami /all & net group "Domain Admins""',
                "C:\\Windows\\PSEXESVC.exe",
                5300 + index,
                5200 + index,
            ),
        )
    truth.attacker_ips.append(source.ip)
    truth.victim_hosts = [h.name for h in targets]
    truth.victim_users = [admin.sam]
    truth.details = {"source_host": source.name, "service": "PSEXESVC", "logon_type": 3}
    return sc.out.end(), targets
