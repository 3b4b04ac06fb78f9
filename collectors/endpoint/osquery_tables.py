"""osquery tables → ECS, as data (read by ``osquery``).

A result row does not name its table (only the query does, and packs name
queries freely), so a table is recognised by the columns it must have. The
first matching entry wins: specific tables come before general ones.
Column names from osquery's schema (https://osquery.io/schema/); every
column is also kept verbatim under ``osquery.result.columns``.

An entry: (table, required columns, event.category, event.type, mappings);
a mapping is (column, ECS field, kind) with kinds ``text``, ``int``, ``ip``,
``port`` (1–65535: 0 is no port), ``epoch`` (seconds → timestamp),
``transport`` (IP protocol number: a name, else ``network.iana_number``; 0 is
none), ``family`` (address family), ``path`` (``file.path`` +
name/directory/extension), ``octal_mode``.

The ``path`` of ``process_open_sockets`` and ``listening_ports`` is a Unix
socket's path, not the process's: ECS has no field for it, so it stays only
under ``osquery.result.columns.path``. ``socket_events.path`` is the
executable (its socket path is ``socket``).
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
    ("family", "network.type", "family"),
    ("protocol", "network.transport", "transport"),
    ("local_address", "source.ip", "ip"),
    ("local_port", "source.port", "port"),
    ("remote_address", "destination.ip", "ip"),
    ("remote_port", "destination.port", "port"),
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
    (  # before process_open_sockets, whose columns it also has
        "socket_events",
        frozenset({"pid", "action", "remote_address", "remote_port"}),
        ("network",),
        ("connection", "info"),
        (*_SOCKET, ("path", "process.executable", "text"), ("auid", "user.id", "text")),
    ),
    (
        "process_open_sockets",
        frozenset({"pid", "fd", "socket", "local_address", "remote_address"}),
        ("network",),
        ("connection", "info"),
        _SOCKET,
    ),
    (
        "listening_ports",
        frozenset({"pid", "port", "protocol", "address"}),
        ("network",),
        ("info",),
        (
            ("pid", "process.pid", "int"),
            ("address", "server.ip", "ip"),
            ("port", "server.port", "port"),
            ("protocol", "network.transport", "transport"),
            ("family", "network.type", "family"),
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

TRANSPORTS = {"6": "tcp", "17": "udp", "1": "icmp", "58": "ipv6-icmp", "132": "sctp", "136": "udplite"}
"""IANA protocol numbers → ``network.transport``; a Unix socket's protocol is 0, which names none."""
FAMILIES = {"1": "unix", "2": "ipv4", "10": "ipv6", "30": "ipv6", "23": "ipv6"}
"""AF_UNIX, AF_INET; AF_INET6 is 10 on Linux, 30 on macOS, 23 on Windows."""
