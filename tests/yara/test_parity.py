"""Parity with the ``yara`` command-line tool (Debian package) on the shared third-party packs.

1. Every rule file that ``yara`` compiles (with the external variables public
   packs expect, set empty with ``-d``) also compiles in secops.
2. Over a benign corpus (the Python standard library, a bounded slice of the
   system's shared libraries, and the shared rule files themselves, whose text
   holds many of the strings the rules look for, so that there are hits to
   compare), secops and ``yara -r`` report the same set of (rule file, rule,
   file) hits with the same external variables.

Both print their counts. They need ../shared/data and the yara tool.
"""

from __future__ import annotations

import shutil
import subprocess
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yara

from secops.detect.yara import EXTERNALS, load_pack, yara_files
from secops.detect.yara_scan import Scanner, ScanOptions
from tests.conftest import require

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

PACKS = ("signature-base", "elastic-protections-artifacts")
DEFINES = [arg for name in EXTERNALS for arg in ("-d", f"{name}=")]
LIB_SLICE_BYTES = 48 * 1024 * 1024
MAX_SIZE = 64 * 1024 * 1024


@pytest.fixture(scope="module")
def yara_tool() -> str:
    found = shutil.which("yara")
    require(found is not None, "the yara tool (Debian package yara) is not installed")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def rule_files(shared_data: Path) -> dict[str, list[Path]]:
    return {name: list(yara_files([shared_data / "yara" / name / "yara"])) for name in PACKS}


def _tool_compiles(tool: str, rule: Path, empty: Path) -> bool:
    run = subprocess.run([tool, "-w", *DEFINES, str(rule), str(empty)], capture_output=True, check=False)
    return run.returncode == 0


def test_every_file_the_yara_tool_compiles_compiles_in_secops(
    yara_tool: str, rule_files: dict[str, list[Path]], tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    for name, files in rule_files.items():
        with ThreadPoolExecutor(2) as pool:
            tool_ok = {
                f
                for f, ok in zip(files, pool.map(lambda f: _tool_compiles(yara_tool, f, empty), files), strict=True)
                if ok
            }
        pack = load_pack(files)
        ours = {Path(f) for f in pack.files}
        needing_externals = sum(1 for f in files if _needs_externals(f))
        print(
            f"\n{name}: {len(files)} rule files; yara tool compiles {len(tool_ok)}, secops {len(ours)} "
            f"({pack.rule_count} rules, {len(pack.errors)} errors, {len(pack.problems) - len(pack.errors)} warnings); "
            f"{needing_externals} files need the external variables"
        )
        assert tool_ok <= ours, f"compiled by yara, not by secops: {sorted(map(str, tool_ok - ours))[:10]}"
        assert len(files) > 500


def _needs_externals(path: Path) -> bool:
    """Does the file compile only when the external variables are defined?"""

    try:
        yara.compile(filepath=str(path))
    except yara.SyntaxError:
        try:
            yara.compile(filepath=str(path), externals=EXTERNALS)
        except yara.SyntaxError:
            return False
        return True
    return False


@pytest.fixture(scope="module")
def benign_corpus(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """The standard library, shared libraries in name order up to ``LIB_SLICE_BYTES``, the shared rules."""
    root = tmp_path_factory.mktemp("benign")
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    skip = shutil.ignore_patterns("site-packages", "__pycache__")
    shutil.copytree(stdlib, root / "stdlib", symlinks=True, ignore=skip)
    shutil.copytree(shared_data / "yara", root / "rule-texts", symlinks=True)
    for folder in [root / "rule-texts", *(d for d in (root / "rule-texts").rglob("*") if d.is_dir())]:
        folder.chmod(0o755)  # shared/ is read-only; the copy must be removable
    libs = Path("/usr/lib/x86_64-linux-gnu")
    require(libs.is_dir(), "no /usr/lib/x86_64-linux-gnu on this machine")
    (root / "lib").mkdir()
    total = 0
    for entry in sorted(libs.iterdir()):
        if entry.is_symlink() or not entry.is_file() or entry.stat().st_size > 16 * 1024 * 1024:
            continue
        shutil.copy2(entry, root / "lib" / entry.name)
        total += entry.stat().st_size
        if total >= LIB_SLICE_BYTES:
            break
    return root


def test_same_hits_as_yara_r_over_a_benign_corpus(
    yara_tool: str, rule_files: dict[str, list[Path]], benign_corpus: Path
) -> None:
    files = [f for name in PACKS for f in rule_files[name]]
    pack = load_pack(files)
    assert pack.rules is not None
    namespaces = {f"n{i}": path for i, path in enumerate(pack.files)}
    rule_args = [f"{ns}:{path}" for ns, path in namespaces.items()]
    command = [yara_tool, "-w", "-r", "-N", "-e", "-p", "2", "-z", str(MAX_SIZE), *DEFINES, *rule_args]
    run = subprocess.run([*command, str(benign_corpus)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    theirs = set()
    for line in run.stdout.splitlines():
        qualified, _, path = line.partition(" ")
        ns, _, rule = qualified.partition(":")
        theirs.add((namespaces[ns], rule, path))
    scanner = Scanner(pack.rules, ScanOptions(max_size=MAX_SIZE, timeout=600, threads=2, file_externals=False))
    ours = set()
    scanned = 0
    for result in scanner.scan([benign_corpus]):
        scanned += result.scanned
        # Debian's stdlib links config-*/libpython3.11.so to ../../: in the copy that link dangles.
        dangling = result.status == "missing" and Path(result.path).is_symlink() and not Path(result.path).exists()
        assert result.status in ("ok", "symlink") or dangling, f"{result.path}: {result.status}: {result.message}"
        ours.update((m.namespace, m.rule, result.path) for m in result.matches)
    size = sum(f.stat().st_size for f in benign_corpus.rglob("*") if f.is_file() and not f.is_symlink())
    print(
        f"\nbenign corpus: {scanned} files, {size / 1e6:.0f} MB, {pack.rule_count} rules; "
        f"hits: yara -r {len(theirs)}, secops {len(ours)}, both {len(theirs & ours)}"
    )
    assert ours == theirs, f"only yara: {sorted(theirs - ours)[:10]}; only secops: {sorted(ours - theirs)[:10]}"
    assert scanned > 1000
    assert len(theirs) > 100, "the corpus should give hits to compare"
