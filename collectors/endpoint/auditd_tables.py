"""Linux audit facts as data (read by ``auditd_ecs``): architectures, which fields
the kernel hex-encodes, and how syscalls and record types classify in ECS.

Sources: audit-userspace's field and record-type lists; syscall names by
number are in ``auditd_syscalls`` (generated from the kernel's headers).
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

ENCODED_FIELDS = frozenset(
    {
        "acct", "cmd", "comm", "cwd", "data", "dir", "exe", "file", "grp", "key", "name", "ocomm",
        "path", "proctitle", "sw", "vm", "watch", "root_dir", "cgroup", "device", "new-disk", "old-disk",
    }
)  # fmt: skip
"""Fields the kernel or auditd write as hex when the value holds a space, quote or control byte."""

SyscallClass = tuple[tuple[str, ...], tuple[str, ...], str]

_IDENTITY_CALLS = (
    "setregid", "setresgid", "setfsuid", "setfsgid", "setgroups", "setuid32", "setgid32", "setreuid32",
    "setregid32", "setresuid32", "setresgid32", "setfsuid32", "setfsgid32", "setgroups32",
)  # fmt: skip

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
    "openat2": (("file",), ("access",), "opened-file"),
    "open_by_handle_at": (("file",), ("access",), "opened-file"),
    "mknod": (("file",), ("creation",), "made-device"),
    "mknodat": (("file",), ("creation",), "made-device"),
    "utime": (("file",), ("change",), "changed-timestamp-of"),
    "utimes": (("file",), ("change",), "changed-timestamp-of"),
    "futimesat": (("file",), ("change",), "changed-timestamp-of"),
    "utimensat": (("file",), ("change",), "changed-timestamp-of"),
    "setxattr": (("file",), ("change",), "changed-file-attributes-of"),
    "lsetxattr": (("file",), ("change",), "changed-file-attributes-of"),
    "fsetxattr": (("file",), ("change",), "changed-file-attributes-of"),
    "removexattr": (("file",), ("change",), "changed-file-attributes-of"),
    "lremovexattr": (("file",), ("change",), "changed-file-attributes-of"),
    "fremovexattr": (("file",), ("change",), "changed-file-attributes-of"),
    "umount": (("file",), ("change",), "unmounted"),
    "move_mount": (("file",), ("change",), "mounted"),
    "chroot": (("process",), ("change",), "changed-root-directory"),
    "pivot_root": (("process",), ("change",), "changed-root-directory"),
    "recvmsg": (("network",), ("connection", "info"), "received-from"),
    "recvmmsg": (("network",), ("connection", "info"), "received-from"),
    "sendmmsg": (("network",), ("connection", "info"), "sent-to"),
    "pidfd_send_signal": (("process",), ("end",), "killed-pid"),
    "process_vm_readv": (("process",), ("access",), "read-memory-of"),
    "process_vm_writev": (("process",), ("change",), "wrote-memory-of"),
    "unshare": (("process",), ("change",), "created-namespace"),
    "setns": (("process",), ("change",), "entered-namespace"),
    "setrlimit": (("process",), ("change",), "changed-resource-limits-of"),
    "prlimit64": (("process",), ("change",), "changed-resource-limits-of"),
    "capset": (("process",), ("change",), "changed-capabilities-of"),
    "bpf": (("driver",), ("info",), "called-bpf"),
    "kexec_load": (("host",), ("change",), "loaded-kernel-image"),
    "kexec_file_load": (("host",), ("change",), "loaded-kernel-image"),
    "sethostname": (("host",), ("change",), "changed-system-name"),
    "setdomainname": (("host",), ("change",), "changed-system-name"),
    "settimeofday": (("host",), ("change",), "changed-system-time"),
    "clock_settime": (("host",), ("change",), "changed-system-time"),
    "clock_adjtime": (("host",), ("change",), "changed-system-time"),
    "adjtimex": (("host",), ("change",), "changed-system-time"),
    "stime": (("host",), ("change",), "changed-system-time"),
    **dict.fromkeys(_IDENTITY_CALLS, (("iam",), ("change",), "changed-identity-of")),
    **dict.fromkeys(("chown32", "lchown32", "fchown32"), (("file",), ("change",), "changed-file-ownership-of")),
}
"""ECS classification and a verb for the security-relevant syscalls (names as Auditbeat uses;
i386's ``*32`` uid/gid calls are the same calls)."""

DESTINATION_SYSCALLS = frozenset({"connect", "sendto", "sendmsg", "sendmmsg"})
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
