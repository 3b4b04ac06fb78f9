"""Scans of real files, including hostile ones: each gives its documented result and the scan goes on.

Documented results (``secops.detect.yara_files.Status``): ``ok``; ``changed``
(scanned, but the file changed while it was read: hits and hashes are for the
bytes read); ``too_large``; ``special`` (device, FIFO or socket, never opened);
``symlink`` (loops, links out of the tree unless followed, links inside the
tree whose target is scanned under its own path); ``missing``; ``unreadable``;
``timeout``; ``error``.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from secops.detect.yara import load_pack
from secops.detect.yara_alerts import file_alerts
from secops.detect.yara_files import Status
from secops.detect.yara_scan import FileResult, Scanner, ScanOptions
from tests.conftest import REPO, without_file_capabilities
from tests.yara.conftest import eicar

EICAR_MD5 = "44d88612fea8a8f36de82e1278abb02f"
"""The published MD5 of the 68-byte EICAR file."""


def _scan(scanner: Scanner, *roots: Path) -> dict[str, FileResult]:
    return {r.path: r for r in scanner.scan(roots)}


def _rules(tmp_path: Path, text: str) -> Scanner:
    rule_file = tmp_path / "rules" / "test.yar"
    rule_file.parent.mkdir(exist_ok=True)
    rule_file.write_text(text)
    pack = load_pack([rule_file])
    assert pack.rules is not None, pack.problems
    return Scanner(pack.rules, ScanOptions(threads=2))


def test_eicar_hits_with_hashes_and_escaped_excerpt(tmp_path: Path, bundled_scanner: Scanner) -> None:
    tree = tmp_path / "tree"
    (tree / "a" / "b").mkdir(parents=True)
    (tree / "a" / "b" / "eicar.com").write_bytes(eicar())
    (tree / "a" / "plain.txt").write_text("nothing to see\n")
    results = _scan(bundled_scanner, tree)
    assert {Path(p).name: r.status for p, r in results.items()} == {"eicar.com": "ok", "plain.txt": "ok"}
    hit = results[str(tree / "a" / "b" / "eicar.com")]
    alerts = file_alerts(hit)
    assert [a.rule.name for a in alerts] == ["SECOPS_EICAR_Test_File"]
    alert = alerts[0]
    assert alert.rule.source == "yara" and alert.rule.author == "secops project"
    assert alert.details["file"]["hash"]["md5"] == EICAR_MD5
    assert alert.details["file"]["hash"]["sha256"] == hashlib.sha256(eicar()).hexdigest()
    assert alert.details["file"]["size"] == 68
    string = alert.details["yara"]["strings"][0]
    assert string["identifier"] == "$eicar" and string["offset"] == 0 and string["length"] == 68
    assert string["excerpt"].startswith("X5O!P%@AP[4\\\\PZX54") and string["excerpt"].endswith("...")
    assert alert.dedup_key == f"yara|{alert.rule.id}|{hashlib.sha256(eicar()).hexdigest()}"
    assert results[str(tree / "a" / "plain.txt")].hashes == {}, "files without hits are not hashed"


def test_file_over_the_size_limit_is_skipped_and_the_rest_scanned(tmp_path: Path) -> None:
    scanner = _rules(tmp_path, 'rule Marker { strings: $m = "MARKER-7" condition: $m }')
    scanner = Scanner(scanner.rules, ScanOptions(max_size=1024 * 1024, threads=2))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "big.bin").write_bytes(b"MARKER-7" + b"\0" * (1024 * 1024))
    (tree / "small.bin").write_bytes(b"xx MARKER-7 xx")
    results = _scan(scanner, tree)
    big = results[str(tree / "big.bin")]
    assert big.status is Status.TOO_LARGE and not big.matches and "limit" in big.message
    assert [m.rule for m in results[str(tree / "small.bin")].matches] == ["Marker"]


def test_fifo_and_device_are_never_opened(tmp_path: Path, bundled_scanner: Scanner) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    os.mkfifo(tree / "pipe")
    (tree / "eicar.com").write_bytes(eicar())
    found: dict[str, FileResult] = {}
    # A reader that opened the FIFO would block forever: run the scan in a thread and bound it.
    worker = threading.Thread(target=lambda: found.update(_scan(bundled_scanner, tree, Path("/dev/null"))))
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "the scan blocked on the FIFO"
    assert found[str(tree / "pipe")].status is Status.SPECIAL
    assert "FIFO" in found[str(tree / "pipe")].message
    assert found["/dev/null"].status is Status.SPECIAL and "device" in found["/dev/null"].message
    assert [m.rule for m in found[str(tree / "eicar.com")].matches] == ["SECOPS_EICAR_Test_File"]


def test_symlink_loops_end_and_every_file_is_scanned_once(tmp_path: Path, bundled_scanner: Scanner) -> None:
    tree = tmp_path / "tree"
    (tree / "d").mkdir(parents=True)
    (tree / "d" / "eicar.com").write_bytes(eicar())
    (tree / "d" / "up").symlink_to("..")  # directory loop
    (tree / "a").symlink_to("b")  # file-level loop
    (tree / "b").symlink_to("a")
    (tree / "again.com").symlink_to("d/eicar.com")  # inside the tree: scanned under its own path
    results = list(bundled_scanner.scan([tree]))
    by_path = {r.path: r for r in results}
    assert len(by_path) == len(results), "a path came back twice"
    assert by_path[str(tree / "a")].status is Status.SYMLINK and by_path[str(tree / "a")].message == "symlink loop"
    assert by_path[str(tree / "b")].message == "symlink loop"
    assert by_path[str(tree / "d" / "up")].status is Status.SYMLINK
    assert by_path[str(tree / "again.com")].status is Status.SYMLINK
    scanned = [r for r in results if r.scanned]
    assert [r.path for r in scanned] == [str(tree / "d" / "eicar.com")]
    assert len(scanned[0].matches) == 1


def test_symlink_out_of_the_tree_only_when_asked(tmp_path: Path, bundled_scanner: Scanner) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "eicar.com").write_bytes(eicar())
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "link.com").symlink_to(outside / "eicar.com")
    (tree / "linkdir").symlink_to(outside)
    default = _scan(bundled_scanner, tree)
    assert {r.status for r in default.values()} == {Status.SYMLINK}
    assert "out of the tree" in default[str(tree / "link.com")].message
    following = Scanner(bundled_scanner.rules, ScanOptions(follow_symlinks=True))
    followed = _scan(following, tree)
    hits = {p for p, r in followed.items() if r.matches}
    # The same outside file reached twice (by the file link and through the folder link) is scanned once.
    assert len(hits) == 1 and hits <= {str(tree / "link.com"), str(tree / "linkdir" / "eicar.com")}


def test_unreadable_file_is_reported_and_the_scan_goes_on(tmp_path: Path) -> None:
    """Mode 000 stops everyone but root, and root too without its file capabilities."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "eicar.com").write_bytes(eicar())
    locked = tree / "locked.com"
    locked.write_bytes(eicar())
    locked.chmod(0)
    command = [sys.executable, "-m", "secops", "--data-dir", str(tmp_path / "data"), "yara", "scan", str(tree)]
    command = without_file_capabilities([*command, "-f", "json"])
    run = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert f"{locked}: unreadable: open: Permission denied" in run.stderr
    alerts = json.loads(run.stdout)
    assert [a["details"]["file"]["path"] for a in alerts] == [str(tree / "eicar.com")]
    assert "1 unreadable" in run.stderr


def test_file_changing_during_the_scan_is_flagged_and_its_read_bytes_scanned(tmp_path: Path) -> None:
    scanner = _rules(tmp_path, 'rule Marker { strings: $m = "MARKER-7" condition: $m }')
    growing = tmp_path / "growing.log"
    growing.write_bytes(b"MARKER-7\n" + b"log line\n" * 4_000_000)
    stop = tmp_path / "stop"
    # Another process appends while the scan reads, like a log being written.
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os,sys\nf=open(sys.argv[1],'ab',buffering=0)\n"
            "while not os.path.exists(sys.argv[2]): f.write(b'x'*512)",
            str(growing),
            str(stop),
        ]
    )
    try:
        deadline = time.monotonic() + 10
        while growing.stat().st_size == 36_000_009 and time.monotonic() < deadline:
            time.sleep(0.01)
        result = scanner.scan_file(growing)
    finally:
        stop.touch()
        writer.wait(10)
    assert result.status is Status.CHANGED and "changed while it was read" in result.message
    assert [m.rule for m in result.matches] == ["Marker"]
    assert result.size is not None and result.size >= 36_000_009
    # Hashes describe exactly the bytes scanned: the file's first ``size`` bytes.
    assert result.hashes["sha256"] == hashlib.sha256(growing.read_bytes()[: result.size]).hexdigest()
    assert file_alerts(result)[0].details["file"]["scan_status"] == "changed"


def test_timeout_gives_up_on_one_file_and_goes_on(tmp_path: Path) -> None:
    slow = """rule Slow { condition:
  for all i in (0..filesize) : (for all j in (0..filesize) : (uint8(i) != uint8(j) + 1 or true)) }
rule Quick { strings: $m = "MARKER-7" condition: $m }"""
    scanner = Scanner(_rules(tmp_path, slow).rules, ScanOptions(timeout=1, threads=2))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "big.bin").write_bytes(b"\1" * 200_000)
    (tree / "marker.txt").write_bytes(b"MARKER-7")
    started = time.monotonic()
    results = _scan(scanner, tree)
    assert time.monotonic() - started < 30
    assert results[str(tree / "big.bin")].status is Status.TIMEOUT
    assert {m.rule for m in results[str(tree / "marker.txt")].matches} == {"Slow", "Quick"}


def test_external_variables_are_filled_per_file(tmp_path: Path) -> None:
    user = pwd.getpwuid(os.getuid()).pw_name
    scanner = _rules(
        tmp_path,
        f"""rule Externals {{ condition: filename == "tool.JPG" and filepath endswith "/sub" and
            extension == ".jpg" and filetype == "ELF" and owner == "{user}" }}""",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "tool.JPG").write_bytes(b"\x7fELF\2\1\1" + b"\0" * 64)
    (tmp_path / "sub" / "tool.bin").write_bytes(b"\x7fELF\2\1\1" + b"\0" * 64)
    results = _scan(scanner, tmp_path / "sub")
    assert [m.rule for m in results[str(tmp_path / "sub" / "tool.JPG")].matches] == ["Externals"]
    assert results[str(tmp_path / "sub" / "tool.bin")].matches == []


@pytest.mark.parametrize("threads", [1, 2])
def test_parallel_scan_finds_the_same_as_serial(tmp_path: Path, bundled_scanner: Scanner, threads: int) -> None:
    tree = tmp_path / "tree"
    for i in range(40):
        folder = tree / f"d{i % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"f{i}.bin").write_bytes(eicar() if i % 5 == 0 else os.urandom(5000))
    scanner = Scanner(bundled_scanner.rules, ScanOptions(threads=threads))
    hits = sorted(r.path for r in scanner.scan([tree]) if r.matches)
    assert hits == sorted(str(tree / f"d{i % 7}" / f"f{i}.bin") for i in range(0, 40, 5))


def test_large_files_start_first(tmp_path: Path, bundled_scanner: Scanner) -> None:
    """A large file met late would keep one core busy alone at the end of a scan."""
    for i in range(10):
        (tmp_path / f"a{i}.txt").write_bytes(b"small")
    (tmp_path / "zz-large.bin").write_bytes(os.urandom(1 << 20))
    scanner = Scanner(bundled_scanner.rules, ScanOptions(threads=1))
    order = [Path(r.path).name for r in scanner.scan([tmp_path])]
    assert order[0] == "zz-large.bin" and sorted(order[1:]) == [f"a{i}.txt" for i in range(10)]
