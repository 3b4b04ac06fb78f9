"""Linux audit facts as data (read by ``auditd_ecs``): architectures, syscall names,
which fields the kernel hex-encodes, and how record types classify in ECS.

Sources: the kernel's syscall tables (arch/x86/entry/syscalls/syscall_64.tbl,
include/uapi/asm-generic/unistd.h, syscall_32.tbl) and audit-userspace's
field and record-type lists.
"""

from __future__ import annotations

ARCHITECTURES = {
    "c000003e": "x86_64",
    "40000003": "i386",
    "c00000b7": "aarch64",
    "40000028": "arm",
    "c0000015": "ppc64le",
    "80000016": "s390x",
}

_X86_64 = {
    0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 6: "lstat", 9: "mmap",
    10: "mprotect", 13: "rt_sigaction", 14: "rt_sigprocmask", 16: "ioctl", 21: "access", 22: "pipe",
    23: "select", 32: "dup", 33: "dup2", 41: "socket", 42: "connect", 43: "accept", 44: "sendto",
    45: "recvfrom", 46: "sendmsg", 47: "recvmsg", 48: "shutdown", 49: "bind", 50: "listen",
    53: "socketpair", 56: "clone", 57: "fork", 58: "vfork", 59: "execve", 60: "exit", 62: "kill",
    76: "truncate", 77: "ftruncate", 80: "chdir", 82: "rename", 83: "mkdir", 84: "rmdir", 85: "creat",
    86: "link", 87: "unlink", 88: "symlink", 90: "chmod", 91: "fchmod", 92: "chown", 93: "fchown",
    94: "lchown", 101: "ptrace", 105: "setuid", 106: "setgid", 113: "setreuid", 114: "setregid",
    117: "setresuid", 119: "setresgid", 161: "chroot", 165: "mount", 166: "umount2", 175: "init_module",
    176: "delete_module", 188: "setxattr", 197: "removexattr", 200: "tkill", 228: "clock_gettime",
    231: "exit_group", 234: "tgkill", 257: "openat", 258: "mkdirat", 260: "fchownat", 263: "unlinkat",
    264: "renameat", 265: "linkat", 266: "symlinkat", 268: "fchmodat", 288: "accept4",
    313: "finit_module", 316: "renameat2", 319: "memfd_create", 322: "execveat",
}  # fmt: skip

_AARCH64 = {
    17: "getcwd", 23: "dup", 24: "dup3", 25: "fcntl", 29: "ioctl", 33: "mknodat", 34: "mkdirat",
    35: "unlinkat", 36: "symlinkat", 37: "linkat", 38: "renameat", 39: "umount2", 40: "mount",
    45: "truncate", 46: "ftruncate", 48: "faccessat", 49: "chdir", 51: "chroot", 52: "fchmod",
    53: "fchmodat", 54: "fchownat", 55: "fchown", 56: "openat", 57: "close", 63: "read", 64: "write",
    93: "exit", 94: "exit_group", 105: "init_module", 106: "delete_module", 117: "ptrace", 129: "kill",
    130: "tkill", 131: "tgkill", 144: "setgid", 145: "setreuid", 146: "setuid", 147: "setresuid",
    198: "socket", 200: "bind", 201: "listen", 202: "accept", 203: "connect", 206: "sendto",
    207: "recvfrom", 211: "sendmsg", 220: "clone", 221: "execve", 242: "accept4", 273: "finit_module",
    276: "renameat2", 279: "memfd_create", 281: "execveat",
}  # fmt: skip

_I386 = {
    1: "exit", 2: "fork", 3: "read", 4: "write", 5: "open", 6: "close", 8: "creat", 9: "link", 10: "unlink",
    11: "execve", 12: "chdir", 15: "chmod", 37: "kill", 38: "rename", 39: "mkdir", 40: "rmdir",
    102: "socketcall", 120: "clone", 190: "vfork", 295: "openat", 358: "execveat",
}  # fmt: skip

SYSCALLS = {"x86_64": _X86_64, "aarch64": _AARCH64, "i386": _I386}

ENCODED_FIELDS = frozenset(
    {
        "acct", "cmd", "comm", "cwd", "data", "dir", "exe", "file", "grp", "key", "name", "ocomm",
        "path", "proctitle", "sw", "vm", "watch", "root_dir", "cgroup", "device", "new-disk", "old-disk",
    }
)  # fmt: skip
"""Fields the kernel or auditd write as hex when the value holds a space, quote or control byte."""

SyscallClass = tuple[tuple[str, ...], tuple[str, ...], str]

SYSCALL_CLASSES: dict[str, SyscallClass] = {
    "execve": (("process",), ("start",), "executed"),
    "execveat": (("process",), ("start",), "executed"),
    "open": (("file",), ("access",), "opened-file"),
    "openat": (("file",), ("access",), "opened-file"),
    "creat": (("file",), ("creation",), "created-file"),
    "unlink": (("file",), ("deletion",), "deleted"),
    "unlinkat": (("file",), ("deletion",), "deleted"),
    "rmdir": (("file",), ("deletion",), "deleted"),
    "rename": (("file",), ("change",), "renamed"),
    "renameat": (("file",), ("change",), "renamed"),
    "renameat2": (("file",), ("change",), "renamed"),
    "chmod": (("file",), ("change",), "changed-file-permissions-of"),
    "fchmod": (("file",), ("change",), "changed-file-permissions-of"),
    "fchmodat": (("file",), ("change",), "changed-file-permissions-of"),
    "chown": (("file",), ("change",), "changed-file-ownership-of"),
    "fchown": (("file",), ("change",), "changed-file-ownership-of"),
    "lchown": (("file",), ("change",), "changed-file-ownership-of"),
    "fchownat": (("file",), ("change",), "changed-file-ownership-of"),
    "link": (("file",), ("creation",), "linked"),
    "linkat": (("file",), ("creation",), "linked"),
    "symlink": (("file",), ("creation",), "linked"),
    "symlinkat": (("file",), ("creation",), "linked"),
    "mkdir": (("file",), ("creation",), "created-directory"),
    "mkdirat": (("file",), ("creation",), "created-directory"),
    "truncate": (("file",), ("change",), "truncated"),
    "ftruncate": (("file",), ("change",), "truncated"),
    "connect": (("network",), ("connection", "start"), "connected-to"),
    "bind": (("network",), ("start",), "bound-socket"),
    "accept": (("network",), ("connection", "start"), "accepted-connection-from"),
    "accept4": (("network",), ("connection", "start"), "accepted-connection-from"),
    "listen": (("network",), ("start",), "listen-for-connections"),
    "sendto": (("network",), ("connection", "info"), "sent-to"),
    "sendmsg": (("network",), ("connection", "info"), "sent-to"),
    "recvfrom": (("network",), ("connection", "info"), "received-from"),
    "ptrace": (("process",), ("access",), "traced"),
    "kill": (("process",), ("end",), "killed-pid"),
    "tkill": (("process",), ("end",), "killed-pid"),
    "tgkill": (("process",), ("end",), "killed-pid"),
    "init_module": (("driver",), ("start",), "loaded-kernel-module"),
    "finit_module": (("driver",), ("start",), "loaded-kernel-module"),
    "delete_module": (("driver",), ("end",), "unloaded-kernel-module"),
    "mount": (("file",), ("change",), "mounted"),
    "umount2": (("file",), ("change",), "unmounted"),
    "setuid": (("iam",), ("change",), "changed-identity-of"),
    "setreuid": (("iam",), ("change",), "changed-identity-of"),
    "setresuid": (("iam",), ("change",), "changed-identity-of"),
    "setgid": (("iam",), ("change",), "changed-identity-of"),
    "memfd_create": (("process",), ("info",), "created-anonymous-file"),
}
"""ECS classification and a verb for the security-relevant syscalls (names as Auditbeat uses)."""

DESTINATION_SYSCALLS = frozenset({"connect", "sendto", "sendmsg"})
SOURCE_SYSCALLS = frozenset({"accept", "accept4", "recvfrom", "bind"})

RECORD_CLASSES: dict[str, SyscallClass] = {
    "USER_AUTH": (("authentication",), ("info",), "authenticated"),
    "USER_ACCT": (("authentication",), ("info",), "was-authorized"),
    "USER_LOGIN": (("authentication",), ("start",), "logged-in"),
    "USER_LOGOUT": (("authentication",), ("end",), "logged-out"),
    "USER_START": (("session",), ("start",), "started-session"),
    "USER_END": (("session",), ("end",), "ended-session"),
    "CRED_ACQ": (("authentication",), ("info",), "acquired-credentials"),
    "CRED_DISP": (("authentication",), ("info",), "disposed-credentials"),
    "CRED_REFR": (("authentication",), ("info",), "refreshed-credentials"),
    "USER_ERR": (("authentication",), ("info",), "error"),
    "LOGIN": (("authentication",), ("start",), "changed-login-id-to"),
    "USER_CMD": (("process",), ("start",), "ran-command"),
    "ADD_USER": (("iam",), ("user", "creation"), "added-user-account"),
    "DEL_USER": (("iam",), ("user", "deletion"), "deleted-user-account"),
    "USER_MGMT": (("iam",), ("user", "change"), "modified-user-account"),
    "USER_CHAUTHTOK": (("iam",), ("user", "change"), "changed-password"),
    "ADD_GROUP": (("iam",), ("group", "creation"), "added-group-account"),
    "DEL_GROUP": (("iam",), ("group", "deletion"), "deleted-group-account"),
    "GRP_MGMT": (("iam",), ("group", "change"), "modified-group-account"),
    "GRP_CHAUTHTOK": (("iam",), ("group", "change"), "changed-group-password"),
    "CHGRP_ID": (("iam",), ("group", "change"), "changed-group"),
    "CHUSER_ID": (("iam",), ("user", "change"), "changed-user-id"),
    "ROLE_ASSIGN": (("iam",), ("user", "change"), "assigned-user-role-to"),
    "ROLE_REMOVE": (("iam",), ("user", "change"), "removed-user-role-from"),
    "AVC": (("process",), ("info",), "violated-selinux-policy"),
    "USER_AVC": (("process",), ("info",), "access-permission"),
    "SELINUX_ERR": (("process",), ("info",), "caused-mac-policy-error"),
    "CONFIG_CHANGE": (("configuration",), ("change",), "changed-audit-configuration"),
    "DAEMON_START": (("process",), ("start",), "started-audit"),
    "DAEMON_END": (("process",), ("end",), "stopped-audit"),
    "DAEMON_ABORT": (("process",), ("end",), "aborted-audit"),
    "SERVICE_START": (("process",), ("start",), "started-service"),
    "SERVICE_STOP": (("process",), ("end",), "stopped-service"),
    "SYSTEM_BOOT": (("host",), ("start",), "booted-system"),
    "SYSTEM_SHUTDOWN": (("host",), ("end",), "shutdown-system"),
    "SYSTEM_RUNLEVEL": (("host",), ("change",), "changed-to-runlevel"),
    "SOFTWARE_UPDATE": (("package",), ("installation",), "package-updated"),
    "KERN_MODULE": (("driver",), ("start",), "loaded-kernel-module"),
    "ANOM_ABEND": (("process",), ("end",), "crashed-program"),
    "ANOM_PROMISCUOUS": (("network",), ("change",), "changed-promiscuous-mode-on-device"),
    "ANOM_LOGIN_FAILURES": (("authentication",), ("info",), "failed-log-in-too-many-times-to"),
    "ANOM_EXEC": (("process",), ("start",), "attempted-execution-of-forbidden-program"),
    "SECCOMP": (("process",), ("info",), "violated-seccomp-policy"),
    "NETFILTER_CFG": (("configuration", "network"), ("change",), "loaded-firewall-rule-to"),
    "MAC_STATUS": (("configuration",), ("change",), "changed-selinux-enforcement"),
    "TTY": (("process",), ("info",), "typed"),
    "USER_TTY": (("process",), ("info",), "typed"),
    "VIRT_CONTROL": (("host",), ("change",), "issued-vm-control"),
    "VIRT_MACHINE_ID": (("host",), ("info",), "assigned-vm-id"),
    "CRYPTO_SESSION": (("network",), ("info",), "started-crypto-session"),
    "CRYPTO_KEY_USER": (("network",), ("info",), "crypto-officer-logged-in"),
}
"""ECS classification of stand-alone and primary record types."""

STANDALONE_PREFIXES = (
    "USER_", "CRED_", "ADD_", "DEL_", "GRP_", "CHGRP_", "CHUSER_", "ROLE_", "DAEMON_", "SERVICE_",
    "SYSTEM_", "ANOM_LOGIN", "SOFTWARE_", "VIRT_", "CRYPTO_", "USYS_", "TRUSTED_APP", "TEST",
)  # fmt: skip
"""User-space message types: auditd writes each as a one-record event with no EOE."""

SECONDARY_TYPES = frozenset(
    {"EXECVE", "CWD", "PATH", "PROCTITLE", "SOCKADDR", "SOCKETCALL", "EOE", "BPRM_FCAPS", "MMAP", "FD_PAIR",
     "OBJ_PID", "IPC", "MQ_OPEN", "NETFILTER_PKT", "CAPSET", "EXECVE_ARGS", "KERN_MODULE", "UNKNOWN"}
)  # fmt: skip
"""Record types that describe a primary record (SYSCALL, AVC …) rather than stand alone."""
