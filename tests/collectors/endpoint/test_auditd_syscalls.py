"""``auditd`` syscall names: the tables are the kernel's headers, the security-relevant calls classified.

``generate()`` is how ``collectors/endpoint/auditd_syscalls.py`` was made: the
C preprocessor expands the ``__NR_*`` constants of the UAPI headers of this
machine (Debian's ``linux-libc-dev``). Fresh tables:
``PYTHONPATH=.:tests/collectors/endpoint python tests/collectors/endpoint/test_auditd_syscalls.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from endpoint_support import run

from collectors.endpoint.auditd_syscalls import SYSCALLS
from collectors.endpoint.auditd_tables import SYSCALL_CLASSES
from tests.conftest import require

ARM64_WANTS = ("RENAMEAT", "NEW_STAT", "SET_GET_RLIMIT", "TIME32_SYSCALLS", "SYS_CLONE3", "MEMFD_SECRET")
"""What arm64's ``asm/unistd.h`` defines before including ``asm-generic/unistd.h`` (Linux 6.1)."""
HEADERS = {
    "x86_64": ("asm/unistd_64.h", ()),
    "i386": ("asm/unistd_32.h", ()),
    "aarch64": ("asm-generic/unistd.h", ("-D__BITS_PER_LONG=64", *(f"-D__ARCH_WANT_{w}" for w in ARM64_WANTS))),
}


def generate(arch: str) -> dict[int, str]:
    """number → name from the ``__NR_*`` macros of this machine's headers for ``arch``."""
    header, flags = HEADERS[arch]
    out = subprocess.run(
        ["gcc", "-E", "-dM", "-x", "c", "-", *flags],
        input=f"#include <{header}>\n",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    macros = dict(re.findall(r"#define (__NR\w+) (.+)", out))

    def value(text: str) -> int:
        while not text.strip().isdecimal():
            text = macros[text.strip()]
        return int(text)

    names = {
        n: v
        for n, v in macros.items()
        if n.startswith("__NR_") and n not in ("__NR_syscalls", "__NR_arch_specific_syscall")
    }
    return dict(sorted((value(text), name.removeprefix("__NR_")) for name, text in names.items()))


def _headers_here() -> bool:
    return shutil.which("gcc") is not None and Path("/usr/include/asm-generic/unistd.h").is_file()


@pytest.mark.parametrize("arch", sorted(HEADERS))
def test_the_tables_are_the_kernel_headers(arch: str) -> None:
    require(_headers_here(), "gcc and the Linux UAPI headers (linux-libc-dev) compare the tables")
    generated = generate(arch)
    assert SYSCALLS[arch] == {n: v for n, v in generated.items() if n <= max(SYSCALLS[arch])}
    assert len(SYSCALLS[arch]) > 300


def test_every_classified_syscall_exists() -> None:
    known = {name for table in SYSCALLS.values() for name in table.values()}
    assert sorted(set(SYSCALL_CLASSES) - known) == []


@pytest.mark.shared_data
def test_classes_are_ecs_category_type_pairs(shared_data: Path) -> None:
    flat = yaml.safe_load((shared_data / "ecs" / "ecs_flat.yml").read_text())
    allowed = {v["name"]: set(v.get("expected_event_types", ())) for v in flat["event.category"]["allowed_values"]}
    wrong = [
        (name, category, kind)
        for name, (categories, kinds, _) in SYSCALL_CLASSES.items()
        for category in categories
        for kind in kinds
        if kind not in allowed[category]
    ]
    assert wrong == []


# (arch, number, name, event.action, event.category): the calls QA found unnamed.
UNLISTED = [
    ("c000003e", 321, "bpf", "called-bpf", ["driver"]),
    ("c000003e", 246, "kexec_load", "loaded-kernel-image", ["host"]),
    ("c000003e", 170, "sethostname", "changed-system-name", ["host"]),
    ("c000003e", 311, "process_vm_writev", "wrote-memory-of", ["process"]),
    ("c000003e", 272, "unshare", "created-namespace", ["process"]),
    ("c000003e", 308, "setns", "entered-namespace", ["process"]),
    ("c000003e", 227, "clock_settime", "changed-system-time", ["host"]),
    ("c000003e", 164, "settimeofday", "changed-system-time", ["host"]),
    ("c000003e", 160, "setrlimit", "changed-resource-limits-of", ["process"]),
    ("c000003e", 437, "openat2", "opened-file", ["file"]),
    ("c00000b7", 280, "bpf", "called-bpf", ["driver"]),
    ("40000003", 213, "setuid32", "changed-identity-of", ["iam"]),
    ("c000003e", 999, "999", "syscall", []),  # a number no table has stays one
]


def test_unlisted_syscalls_are_named_and_classified(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    lines = []
    for serial, (arch, number, *_) in enumerate(UNLISTED, 800):
        lines += [
            f"type=SYSCALL msg=audit(1714644400.000:{serial}): arch={arch} syscall={number} success=yes exit=0 "
            f'items=0 ppid=1 pid={serial} auid=1000 uid=0 gid=0 euid=0 tty=pts0 ses=2 comm="x" exe="/usr/bin/x"',
            f"type=EOE msg=audit(1714644400.000:{serial}): ",
        ]
    log.write_text("\n".join(lines) + "\n")
    events, stats = run([log], fmt="auditd")
    assert stats.failures == 0
    got = [(e["auditd"]["log"]["syscall"], e["event"]["action"], e["event"]["category"]) for e in events]
    assert got == [(name, action, category) for _, _, name, action, category in UNLISTED]


if __name__ == "__main__":
    for arch in ("x86_64", "aarch64", "i386"):
        sys.stdout.write(f"{arch}: {generate(arch)!r}\n")
