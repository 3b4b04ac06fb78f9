"""File contents in memory stay within the scan's budget: a file that cannot fit is named and
passed over, the others wait for their turn, and the scan never ends in MemoryError."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from secops.detect.yara import load_pack
from secops.detect.yara_files import MemoryBudget, Status, default_memory_budget
from secops.detect.yara_scan import FileResult, Scanner, ScanOptions

RULE = 'rule Marker { strings: $m = "MARKER-7" condition: $m }'
MB = 1024 * 1024


def _scanner(tmp_path: Path, options: ScanOptions) -> Scanner:
    rule_file = tmp_path / "marker.yar"
    rule_file.write_text(RULE)
    pack = load_pack([rule_file])
    assert pack.rules is not None
    return Scanner(pack.rules, options)


def _scan_bounded(scanner: Scanner, root: Path) -> dict[str, FileResult]:
    found: dict[str, FileResult] = {}
    worker = threading.Thread(target=lambda: found.update({r.path: r for r in scanner.scan([root])}))
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "the scan hung waiting for memory"
    return found


def test_a_sparse_image_larger_than_memory_is_too_large_not_a_crash(tmp_path: Path) -> None:
    """A responder raises --max-size to take in disk images; one larger than the machine's memory
    used to end the whole scan with MemoryError."""
    tree = tmp_path / "evidence"
    tree.mkdir()
    image = tree / "disk.img"
    with open(image, "wb") as fh:
        fh.truncate(4 * default_memory_budget())  # sparse: twice the machine's memory, no disk used
    (tree / "note.txt").write_bytes(b"MARKER-7")
    scanner = _scanner(tmp_path, ScanOptions(max_size=1 << 50, threads=2))
    results = _scan_bounded(scanner, tree)
    assert results[str(image)].status is Status.TOO_LARGE
    assert "memory a scan may use" in results[str(image)].message
    assert [m.rule for m in results[str(tree / "note.txt")].matches] == ["Marker"]


def test_files_wait_for_memory_and_all_are_scanned(tmp_path: Path) -> None:
    tree = tmp_path / "evidence"
    tree.mkdir()
    for i in range(6):
        (tree / f"part{i}.bin").write_bytes(b"MARKER-7" + os.urandom(2 * MB))
    (tree / "huge.bin").write_bytes(b"MARKER-7" + b"\0" * (4 * MB))
    # Room for one 2 MB file at a time: the two threads take turns; the 4 MB one never fits.
    scanner = _scanner(tmp_path, ScanOptions(threads=2, memory=3 * MB))
    lowest = [scanner.memory.total]

    class Watched(MemoryBudget):
        def take(self, nbytes: int) -> None:
            super().take(nbytes)
            lowest.append(self.free)

    scanner.memory = Watched(3 * MB)
    results = _scan_bounded(scanner, tree)
    assert min(lowest) >= 0 and len(lowest) == 7
    assert results[str(tree / "huge.bin")].status is Status.TOO_LARGE
    assert "3,145,728 bytes of memory" in results[str(tree / "huge.bin")].message
    parts = [results[str(tree / f"part{i}.bin")] for i in range(6)]
    assert all(r.status is Status.OK and [m.rule for m in r.matches] == ["Marker"] for r in parts)
    assert scanner.memory.free == scanner.memory.total, "every file gave its memory back"
