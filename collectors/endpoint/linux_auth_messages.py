"""What the messages of sshd, sudo, su, shadow-utils, PAM, logind and cron mean in ECS.

The ``linux-auth`` parser splits the syslog header; this module reads the
message text of the programs it knows, dispatching on the program name so
that each line is tried against a handful of anchored regexes at most. A
message it does not recognise stays a plain event with its message.

The categories, types and ``event.action`` values follow Elastic's System
integration (``ssh_login`` with ``system.auth.ssh.event`` Accepted/Failed/Invalid,
``iam`` user/group creation); actions it does not name use the same style.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from collectors.firewall import net

_IP = r"([\w.:%-]+)"
"""The remote host sshd names: an address, or a host name when ``UseDNS`` is on; ``_source`` tells which."""
_HOSTNAME = re.compile(
    r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*"
    r"(?=[\w-]*[A-Za-z_])[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?"
)
"""A DNS name whose last label is not all digits (``10.1.2.3.4`` is neither an address nor a name)."""

_SSH_LOGIN = re.compile(
    rf"(Accepted|Failed) (\S+) for (invalid user )?(.*?) from {_IP} port (\d+)(?: (\w+))?(?:: (.*))?"
)
_SSH_INVALID = re.compile(rf"Invalid user (.*?) from {_IP}(?: port (\d+))?")
_SSH_CLOSED = re.compile(
    rf"(Connection closed by|Connection reset by|Disconnected from)(?: (authenticating user|invalid user|user) (.*?))?"
    rf" {_IP}(?: port (\d+))?( \[preauth\])?"
)
_SSH_RECEIVED = re.compile(rf"Received disconnect from {_IP}(?: port (\d+))?: ?(\d+): (.*?)( \[preauth\])?")
_SSH_TOO_MANY = re.compile(
    r"Disconnecting(?:: Too many authentication failures(?: for (?:invalid user )?(.*?))?"
    rf"| (?:authenticating user|invalid user|user) (.*?) {_IP} port (\d+): Too many authentication failures)"
    r"(?: \[preauth\])?"
)
_SSH_MAX_ATTEMPTS = re.compile(
    rf"maximum authentication attempts exceeded for (invalid user )?(.*?) from {_IP} port (\d+)"
    r"(?: \w+)?(?: \[preauth\])?"
)
_SSH_NO_IDENT = re.compile(rf"Did not receive identification string from {_IP}(?: port (\d+))?")
_SSH_REVERSE = re.compile(rf"reverse mapping checking getaddrinfo for (\S+) \[{_IP}\] failed")
_SSH_USERAUTH_INVALID = re.compile(r"input_userauth_request: invalid user (.*?)(?: \[preauth\])?")
_REPEATED = re.compile(r"message repeated (\d+) times: \[ ?(.*?)\]?")

_PAM = re.compile(r"(pam_\w+)\(([\w.-]+):(\w+)\): (.*)", re.DOTALL)
_PAM_MORE = re.compile(r"PAM (\d+) more authentication failures?; (.*)")
_PAM_SESSION = re.compile(
    r"session (opened|closed) for user ([^\s(]+)(?:\(uid=(\d+)\))?(?: by ([^\s(]*)\(uid=(\d+)\))?"
)
_PAM_PASSWORD = re.compile(r"password changed for (\S+)")
_KV = re.compile(r"(\w+)=(\S*)")

_SUDO_USER = re.compile(r"\s*(\S+) : (.*)", re.DOTALL)
_SU_DEBIAN = re.compile(r"(FAILED SU )?\(to (\S+)\) (\S+) on (\S+)")
_SU_RHEL = re.compile(r"(Successful|FAILED) su for (\S+) by (\S+)")

_NEW_USER = re.compile(r"new user: name=([^,]+), UID=(\d+), GID=(\d+), home=([^,]*), shell=([^,]*)")
_NEW_GROUP = re.compile(r"(?:new group|group added to \S+): name=([^,]+)(?:, GID=(\d+))?")
_ADD_TO_GROUP = re.compile(r"add '([^']+)' to (?:shadow )?group '([^']+)'")
_DEL_FROM_GROUP = re.compile(r"delete '([^']+)' from (?:shadow )?group '([^']+)'")
_DEL_USER = re.compile(r"delete user '([^']+)'")
_DEL_GROUP = re.compile(r"(?:removed (?:shadow )?group '([^']+)'|group '([^']+)' removed)")
_USERMOD = re.compile(r"(change|lock|unlock) user '([^']+)' (\w+)")
_PASSWD_CHANGED = re.compile(r"password for '([^']+)' changed by '([^']+)'")

_LOGIND_NEW = re.compile(r"New session (\S+) of user (\S+?)\.?$")
_LOGIND_REMOVED = re.compile(r"(?:Removed session (\S+?)\.?$|Session (\S+) logged out)")
_CRON_CMD = re.compile(r"\((\S+)\) CMD \((.*)\)", re.DOTALL)


def _set(event: dict[str, Any], category: list[str], kind: list[str], action: str, outcome: str | None = None) -> None:
    ev = event["event"]
    ev["category"] = category
    ev["type"] = kind
    ev["action"] = action
    if outcome is not None:
        ev["outcome"] = outcome


def _user(event: dict[str, Any], name: str | None) -> None:
    if name:
        event.setdefault("user", {})["name"] = name
        event.setdefault("related", {})["user"] = [name]


def _source(event: dict[str, Any], host: str, port: str | None) -> None:
    """``source.ip`` for an address, ``source.domain`` for a host name, neither for anything else."""
    source: dict[str, Any] = {}
    if net.ip(host):
        source["ip"] = host
        event.setdefault("related", {})["ip"] = [host]
    elif len(host) <= 253 and _HOSTNAME.fullmatch(host):
        source["domain"] = host
    if port:
        source["port"] = int(port)
    if source:
        event["source"] = source


def _ssh(target: dict[str, Any], **fields: Any) -> None:
    target.setdefault("system", {}).setdefault("auth", {})["ssh"] = fields


def sshd(event: dict[str, Any], message: str) -> None:
    """sshd: logins, invalid users, disconnects, preauth errors."""
    if message.startswith(("error: ", "fatal: ")):
        event["log"] = {**event.get("log", {}), "level": message[:5].rstrip(":")}
        message = message[message.index(" ") + 1 :]
    head = message[:3]
    if head in ("Acc", "Fai") and (m := _SSH_LOGIN.fullmatch(message)):
        verb, method, invalid, user, ip, port, _proto, signature = m.groups()
        success = verb == "Accepted"
        _set(event, ["authentication", "session"] if success else ["authentication"], ["info"], "ssh_login")
        event["event"]["outcome"] = "success" if success else "failure"
        _user(event, user)
        _source(event, ip, port)
        ssh = {"event": verb, "method": method}
        if signature:
            ssh["signature"] = signature
        if invalid:
            ssh["invalid_user"] = True
        _ssh(event, **ssh)
    elif head == "Inv" and (m := _SSH_INVALID.fullmatch(message)):
        _set(event, ["authentication"], ["info"], "ssh_login", "failure")
        _user(event, m[1])
        _source(event, m[2], m[3])
        _ssh(event, event="Invalid")
    elif head in ("Con", "Dis") and (m := _SSH_CLOSED.fullmatch(message)):
        how, _role, user, ip, port, preauth = m.groups()
        _set(event, ["session"], ["end"], "ssh_connection_closed" if how[0] == "C" else "ssh_disconnected")
        _user(event, user)
        _source(event, ip, port)
        _ssh(event, event="Closed" if how[0] == "C" else "Disconnected", preauth=bool(preauth))
    elif head == "Rec" and (m := _SSH_RECEIVED.fullmatch(message)):
        ip, port, code, reason, preauth = m.groups()
        _set(event, ["session"], ["end"], "ssh_disconnected")
        _source(event, ip, port)
        _ssh(event, event="Disconnected", disconnect_code=int(code), disconnect_reason=reason, preauth=bool(preauth))
    elif head == "Dis" and (m := _SSH_TOO_MANY.fullmatch(message)):
        _set(event, ["authentication"], ["info"], "ssh_too_many_auth_failures", "failure")
        _user(event, m[1] or m[2])
        if m[3]:
            _source(event, m[3], m[4])
        _ssh(event, event="TooManyFailures")
    elif head == "max" and (m := _SSH_MAX_ATTEMPTS.fullmatch(message)):
        _set(event, ["authentication"], ["info"], "ssh_too_many_auth_failures", "failure")
        _user(event, m[2])
        _source(event, m[3], m[4])
        _ssh(event, event="TooManyFailures")
    elif head == "Did" and (m := _SSH_NO_IDENT.fullmatch(message)):
        _set(event, ["network"], ["connection"], "ssh_no_identification")
        _source(event, m[1], m[2])
        if net.ip(m[1]):
            _ssh(event, dropped_ip=m[1])
    elif head == "rev" and (m := _SSH_REVERSE.match(message)):
        _set(event, ["network"], ["info"], "ssh_reverse_mapping_failed")
        _source(event, m[2], None)
        event.setdefault("source", {})["domain"] = m[1]
    elif head == "inp" and (m := _SSH_USERAUTH_INVALID.fullmatch(message)):
        _set(event, ["authentication"], ["info"], "ssh_invalid_user")
        _user(event, m[1])
    elif head == "mes" and (m := _REPEATED.fullmatch(message)):
        sshd(event, m[2])
        event.setdefault("system", {}).setdefault("auth", {})["repeated"] = int(m[1])
    elif head == "PAM" and (m := _PAM_MORE.fullmatch(message)):
        _pam_auth_failure(event, "sshd", m[2])
        event["system"]["auth"]["pam"]["more_failures"] = int(m[1])
    elif head == "pam":
        pam(event, message)


def _pam_auth_failure(event: dict[str, Any], service: str, text: str) -> None:
    values = dict(_KV.findall(text))
    _set(event, ["authentication"], ["info"], "pam_authentication_failure", "failure")
    _user(event, values.get("user"))
    rhost = values.get("rhost")
    pam_fields: dict[str, Any] = {"service": service}
    for key in ("logname", "tty", "ruser", "rhost"):
        if values.get(key):
            pam_fields[key] = values[key]
    if rhost:  # kept as written under system.auth.pam.rhost, whatever it is
        _source(event, rhost, None)
    event.setdefault("system", {}).setdefault("auth", {})["pam"] = pam_fields


def pam(event: dict[str, Any], message: str, service: str | None = None) -> None:
    """``pam_unix(service:type): …`` lines, or old-style ``prog(pam_unix)[pid]:`` messages."""
    if service is None:
        m = _PAM.fullmatch(message)
        if m is None:
            return
        service, message = m[2], m[4]
    if message.startswith("authentication failure;"):
        _pam_auth_failure(event, service, message)
    elif message.startswith("session ") and (m := _PAM_SESSION.match(message)):
        opened = m[1] == "opened"
        _set(event, ["session"], ["start" if opened else "end"], "session_opened" if opened else "session_closed")
        _user(event, m[2])
        if m[4] and service.startswith(("su", "sudo")):  # su/sudo: "by" names who switched
            event["user"]["effective"] = {"name": m[2]}
            event["user"]["name"] = m[4]
            event["related"]["user"] = [m[4], m[2]]
        event.setdefault("system", {}).setdefault("auth", {})["pam"] = {"service": service}
    elif (m := _PAM_PASSWORD.match(message)) is not None:
        _set(event, ["iam"], ["user", "change"], "password_changed", "success")
        _user(event, m[1])
        event.setdefault("system", {}).setdefault("auth", {})["pam"] = {"service": service}


def sudo(event: dict[str, Any], message: str) -> None:
    """``alice : [error ; ]TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/bin/id``, or a PAM line."""
    m = _SUDO_USER.fullmatch(message)
    if m is None or "=" not in m[2]:
        pam(event, message)
        return
    user, rest = m.groups()
    command = None
    cut = rest.find("COMMAND=")
    if cut >= 0:
        command = rest[cut + 8 :]
        rest = rest[:cut]
    fields: dict[str, Any] = {}
    error = None
    for part in rest.split(" ; "):
        key, eq, value = part.strip().partition("=")
        if eq and key.isupper():
            fields[key.lower()] = value
        elif part.strip():
            error = part.strip()
    sudo_fields: dict[str, Any] = {k: v for k, v in fields.items() if k in ("tty", "pwd", "user", "group")}
    if command is not None:
        sudo_fields["command"] = command
    _user(event, user)
    if error:
        sudo_fields["error"] = error
        _set(event, ["authentication"] if "password" in error else ["process"], ["info"], "sudo_denied", "failure")
    else:
        _set(event, ["process"], ["start"], "sudo_command", "success")
    if "user" in fields:
        event["user"]["effective"] = {"name": fields["user"]}
        event["related"]["user"].append(fields["user"])
    if command is not None:
        event["process"]["command_line"] = command
    event.setdefault("system", {}).setdefault("auth", {})["sudo"] = sudo_fields


def su(event: dict[str, Any], message: str) -> None:
    """Debian ``(to root) alice on pts/0`` and RHEL ``Successful su for root by alice``, or PAM lines."""
    if (m := _SU_DEBIAN.fullmatch(message)) is not None:
        failed, target, user, tty = m.groups()
    elif (m := _SU_RHEL.fullmatch(message)) is not None:
        failed, target, user, tty = m[1] == "FAILED", m[2], m[3], None
    else:
        pam(event, message)
        return
    _set(event, ["authentication"], ["info"], "su", "failure" if failed else "success")
    _user(event, user)
    event["user"]["effective"] = {"name": target}
    event["related"]["user"].append(target)
    if tty:
        event.setdefault("system", {}).setdefault("auth", {})["su"] = {"tty": tty}


def shadow(event: dict[str, Any], message: str) -> None:
    """useradd, userdel, usermod, groupadd, groupdel, passwd and friends (shadow-utils)."""
    if (m := _NEW_USER.match(message)) is not None:
        _set(event, ["iam"], ["user", "creation"], "user_created", "success")
        _user(event, m[1])
        event["user"]["id"] = m[2]
        event["group"] = {"id": m[3]}
        event.setdefault("system", {}).setdefault("auth", {})["useradd"] = {"home": m[4], "shell": m[5]}
    elif (m := _NEW_GROUP.match(message)) is not None:
        _set(event, ["iam"], ["group", "creation"], "group_created", "success")
        event["group"] = {"name": m[1], **({"id": m[2]} if m[2] else {})}
    elif (m := _ADD_TO_GROUP.match(message)) is not None:
        _set(event, ["iam"], ["group", "change"], "user_added_to_group", "success")
        _user(event, m[1])
        event["group"] = {"name": m[2]}
    elif (m := _DEL_FROM_GROUP.match(message)) is not None:
        _set(event, ["iam"], ["group", "change"], "user_removed_from_group", "success")
        _user(event, m[1])
        event["group"] = {"name": m[2]}
    elif (m := _DEL_USER.match(message)) is not None:
        _set(event, ["iam"], ["user", "deletion"], "user_deleted", "success")
        _user(event, m[1])
    elif (m := _DEL_GROUP.match(message)) is not None:
        _set(event, ["iam"], ["group", "deletion"], "group_deleted", "success")
        event["group"] = {"name": m[1] or m[2]}
    elif (m := _USERMOD.match(message)) is not None:
        _set(event, ["iam"], ["user", "change"], "password_changed" if m[3] == "password" else "user_modified")
        event["event"]["outcome"] = "success"
        _user(event, m[2])
    elif (m := _PASSWD_CHANGED.match(message)) is not None:
        _set(event, ["iam"], ["user", "change"], "password_changed", "success")
        _user(event, m[1])
        event["user"]["changes"] = {"name": m[1]}
        event["related"]["user"].append(m[2])
    else:
        pam(event, message)


def logind(event: dict[str, Any], message: str) -> None:
    """systemd-logind session bookkeeping."""
    if (m := _LOGIND_NEW.match(message)) is not None:
        _set(event, ["session"], ["start"], "session_opened")
        _user(event, m[2])
        event.setdefault("system", {}).setdefault("auth", {})["session"] = {"id": m[1]}
    elif (m := _LOGIND_REMOVED.match(message)) is not None:
        _set(event, ["session"], ["end"], "session_closed")
        event.setdefault("system", {}).setdefault("auth", {})["session"] = {"id": m[1] or m[2]}


def cron(event: dict[str, Any], message: str) -> None:
    """cron: PAM sessions and the commands it runs."""
    if (m := _CRON_CMD.match(message)) is not None:
        _set(event, ["process"], ["start"], "cron_command")
        _user(event, m[1])
        event["process"]["command_line"] = m[2]
    else:
        pam(event, message)


Handler = Callable[[dict[str, Any], str], None]

HANDLERS: dict[str, Handler] = {
    "sshd": sshd,
    "sshd-session": sshd,
    "sudo": sudo,
    "su": su,
    "systemd-logind": logind,
    "CRON": cron,
    "cron": cron,
    "crond": cron,
    **dict.fromkeys(
        ("useradd", "userdel", "usermod", "groupadd", "groupdel", "groupmod", "passwd", "chpasswd"), shadow
    ),
}


def interpret(event: dict[str, Any], program: str, pam_module: str | None, message: str) -> None:
    """Fill the ECS fields a known program's message carries; others stay plain events."""
    if pam_module is not None:  # old style: ``sshd(pam_unix)[123]: authentication failure; …``
        pam(event, message, program)
        return
    handler = HANDLERS.get(program)
    if handler is not None:
        handler(event, message)
    elif message.startswith("pam_"):
        pam(event, message)
