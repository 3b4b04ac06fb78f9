"""Linux auth log lines (``/var/log/auth.log``, ``/var/log/secure``) as rsyslog writes them.

Modern hosts use rsyslog's RFC 3339 file format; the database servers are
older and still write RFC 3164 stamps (``Nov 25 21:40:52``)::

    2026-11-25T21:40:52.123456+00:00 bastion01-hq sshd[4120]: Accepted publickey for jsmith from 10.10.10.21 ...
    Nov 25 21:40:52 db01-hq sshd[911]: Failed password for root from 203.0.113.9 port 40022 ssh2
"""

from __future__ import annotations

from secops.generate.network import Host
from secops.generate.stamps import bsd, iso_micro

FORMAT = "linux-auth"


def line(t: float, host: Host, program: str, pid: int | None, message: str) -> str:
    stamp = bsd(t) if host.role == "db" else iso_micro(t)
    tag = f"{program}[{pid}]" if pid is not None else program
    return f"{stamp} {host.name} {tag}: {message}"


def accepted(method: str, user: str, ip: str, port: int, key: str | None = None) -> str:
    suffix = f": ED25519 SHA256:{key}" if key else ""
    return f"Accepted {method} for {user} from {ip} port {port} ssh2{suffix}"


def failed_password(user: str, ip: str, port: int, invalid: bool) -> str:
    who = f"invalid user {user}" if invalid else user
    return f"Failed password for {who} from {ip} port {port} ssh2"


def invalid_user(user: str, ip: str, port: int) -> str:
    return f"Invalid user {user} from {ip} port {port}"


def closed_preauth(user: str, ip: str, port: int, invalid: bool) -> str:
    who = "invalid user" if invalid else "authenticating user"
    return f"Connection closed by {who} {user} {ip} port {port} [preauth]"


def disconnected(user: str, ip: str, port: int) -> str:
    return f"Disconnected from user {user} {ip} port {port}"


def pam_session(service: str, opened: bool, user: str, uid: int, by: str = "", by_uid: int = 0) -> str:
    if opened:
        return f"pam_unix({service}:session): session opened for user {user}(uid={uid}) by {by}(uid={by_uid})"
    return f"pam_unix({service}:session): session closed for user {user}"


def pam_auth_failure(service: str, ip: str, user: str) -> str:
    return (
        f"pam_unix({service}:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}  "
        f"user={user}"
    )


def sudo(user: str, tty: str, pwd: str, target: str, command: str, error: str | None = None) -> str:
    problem = f"{error} ; " if error else ""
    return f"{user:>8} : {problem}TTY={tty} ; PWD={pwd} ; USER={target} ; COMMAND={command}"


def new_session(session: int, user: str) -> str:
    return f"New session {session} of user {user}."


def removed_session(session: int) -> str:
    return f"Removed session {session}."


def cron_command(user: str, command: str) -> str:
    return f"({user}) CMD ({command})"


def new_user(user: str, uid: int) -> str:
    return f"new user: name={user}, UID={uid}, GID={uid}, home=/home/{user}, shell=/bin/bash, from=/dev/pts/1"


def new_group(group: str, gid: int) -> str:
    return f"new group: name={group}, GID={gid}"


def add_to_group(user: str, group: str) -> str:
    return f"add '{user}' to group '{group}'"
