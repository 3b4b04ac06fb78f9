"""osquery tables → ECS, as data (read by ``osquery``).

A result row does not name its table (only the query does, and packs name
queries freely), so a table is recognised by the columns it must have. The
first matching entry wins: specific tables come before general ones.
Column names from osquery's schema (https://osquery.io/schema/); every
column is also kept verbatim under ``osquery.result.columns``.

An entry: (table, required columns, event.category, event.type, mappings);
a mapping is (column, ECS field, kind) with kinds ``text``, ``int``, ``ip``,
``epoch`` (seconds → timestamp), ``transport`` (IP protocol number),
``family`` (address family), ``path`` (``file.path`` + name/directory/extension),
``octal_mode``.
"""

from __future__ import annotations

TableSpec = tuple[str, frozenset[str], tuple[str, ...], tuple[str, ...], tuple[tuple[str, str, str], ...]]

_PROCESS = (
    ("pid", "process.pid", "int"),
    ("name", "process.name", "text"),
    ("path", "process.executable", "text"),
    ("cmdline", "process.command_line", "text"),
    ("cwd", "process.working_directory", "text"),
    ("parent", "process.parent.pid", "int"),
    ("uid", "user.id", "text"),
    ("gid", "user.group.id", "text"),
    ("euid", "user.effective.id", "text"),
    ("egid", "user.effective.group.id", "text"),
    ("start_time", "process.start", "epoch"),
)
_SOCKET = (
    ("pid", "process.pid", "int"),
    ("path", "process.executable", "text"),
    ("family", "network.type", "family"),
    ("protocol", "network.transport", "transport"),
    ("local_address", "source.ip", "ip"),
    ("local_port", "source.port", "int"),
    ("remote_address", "destination.ip", "ip"),
    ("remote_port", "destination.port", "int"),
)
_HASHES = (
    ("md5", "file.hash.md5", "text"),
    ("sha1", "file.hash.sha1", "text"),
    ("sha256", "file.hash.sha256", "text"),
)
_FILE = (
    ("inode", "file.inode", "text"),
    ("uid", "file.uid", "text"),
    ("gid", "file.gid", "text"),
    ("mode", "file.mode", "octal_mode"),
    ("size", "file.size", "int"),
    ("mtime", "file.mtime", "epoch"),
    ("ctime", "file.ctime", "epoch"),
    ("atime", "file.accessed", "epoch"),
)

TABLES: tuple[TableSpec, ...] = (
    (
        "file_events",
        frozenset({"target_path", "action", "transaction_id"}),
        ("file",),
        ("change",),
        (("target_path", "file", "path"), *_FILE, *_HASHES),
    ),
    (
        "process_open_sockets",
        frozenset({"pid", "fd", "socket", "local_address", "remote_address"}),
        ("network",),
        ("connection", "info"),
        _SOCKET,
    ),
    (
        "socket_events",
        frozenset({"pid", "action", "remote_address", "remote_port"}),
        ("network",),
        ("connection", "info"),
        (*_SOCKET, ("auid", "user.id", "text")),
    ),
    (
        "listening_ports",
        frozenset({"pid", "port", "protocol", "address"}),
        ("network",),
        ("info",),
        (
            ("pid", "process.pid", "int"),
            ("address", "server.ip", "ip"),
            ("port", "server.port", "int"),
            ("protocol", "network.transport", "transport"),
            ("family", "network.type", "family"),
            ("path", "process.executable", "text"),
        ),
    ),
    (
        "process_events",
        frozenset({"pid", "path", "cmdline", "auid", "syscall"}),
        ("process",),
        ("start",),
        _PROCESS,
    ),
    ("processes", frozenset({"pid", "name", "path", "cmdline"}), ("process",), ("info",), _PROCESS),
    (
        "logged_in_users",
        frozenset({"user", "tty", "host", "time"}),
        ("authentication", "session"),
        ("info",),
        (("user", "user.name", "text"), ("host", "source.ip", "ip"), ("pid", "process.pid", "int")),
    ),
    (
        "last",
        frozenset({"username", "tty", "pid", "type", "time", "host"}),
        ("authentication", "session"),
        ("info",),
        (("username", "user.name", "text"), ("host", "source.ip", "ip"), ("pid", "process.pid", "int")),
    ),
    (
        "users",
        frozenset({"uid", "gid", "username", "directory", "shell"}),
        ("iam",),
        ("user", "info"),
        (
            ("uid", "user.id", "text"),
            ("username", "user.name", "text"),
            ("description", "user.full_name", "text"),
            ("gid", "user.group.id", "text"),
        ),
    ),
    (
        "groups",
        frozenset({"gid", "groupname"}),
        ("iam",),
        ("group", "info"),
        (("gid", "group.id", "text"), ("groupname", "group.name", "text")),
    ),
    ("hash", frozenset({"path", "md5", "sha1", "sha256"}), ("file",), ("info",), (("path", "file", "path"), *_HASHES)),
    (
        "file",
        frozenset({"path", "directory", "filename", "inode"}),
        ("file",),
        ("info",),
        (("path", "file", "path"), *_FILE),
    ),
    (
        "packages",
        frozenset({"name", "version", "arch"}),
        ("package",),
        ("info",),
        (
            ("name", "package.name", "text"),
            ("version", "package.version", "text"),
            ("arch", "package.architecture", "text"),
        ),
    ),
    (
        "programs",
        frozenset({"name", "version", "install_location", "publisher"}),
        ("package",),
        ("info",),
        (
            ("name", "package.name", "text"),
            ("version", "package.version", "text"),
            ("install_location", "package.path", "text"),
        ),
    ),
)

TRANSPORTS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "132": "sctp"}
FAMILIES = {"2": "ipv4", "10": "ipv6", "30": "ipv6", "23": "ipv6"}
"""AF_INET; AF_INET6 is 10 on Linux, 30 on macOS, 23 on Windows."""
