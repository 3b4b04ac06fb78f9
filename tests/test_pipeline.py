"""The parse loop: damaged compressed input keeps what came before and says where it stopped."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from secops.inputs import expand
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext


def test_cut_gzip_keeps_complete_records_and_warns(tmp_path: Path) -> None:
    lines = [
        f"Nov 20 10:00:{i % 60:02d} host sshd[{i}]: Failed password for root from 10.0.0.1 port {i} ssh2\n"
        for i in range(5000)
    ]
    packed = gzip.compress("".join(lines).encode())
    cut = tmp_path / "auth.log.gz"
    cut.write_bytes(packed[: len(packed) // 2])
    stats = Stats()
    events = list(parse_files(expand([cut]), "linux-auth", ParseContext(), stats))
    assert 0 < len(events) < len(lines)
    assert [e["process"]["pid"] for e in events] == list(range(len(events)))  # nothing skipped before the cut
    assert stats.failures == 1 and str(cut) in stats.warnings[0] and "cut short" in stats.warnings[0]


def test_an_encrypted_zip_member_or_a_damaged_zip_is_named_and_the_rest_is_read(tmp_path: Path) -> None:
    line = b"Nov 20 10:00:00 host sshd[1]: Accepted password for a from 10.0.0.2 port 1 ssh2\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("locked.log", line)
        archive.writestr("open.log", line)
    data = bytearray(buf.getvalue())
    # Mark the first member encrypted in its local and central headers (general purpose flag, bit 0),
    # as `zip -e` does: zipfile then asks for a password.
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + flag_at] |= 1
    evidence = tmp_path / "evidence.zip"
    evidence.write_bytes(data)
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04" + b"\x00" * 64)  # the magic, then nothing a zip reader can use
    plain = tmp_path / "plain.log"
    plain.write_bytes(line)
    stats = Stats()
    events = list(parse_files(expand([tmp_path]), "auto", ParseContext(), stats))
    assert [e["log"]["file"]["path"] for e in events] == [f"{evidence}!open.log", str(plain)]
    assert (stats.failures, stats.unreadable) == (0, 2)  # nothing was misread: two inputs were not read at all
    assert stats.warnings[0].startswith(f"{damaged}: cannot read: damaged zip archive")
    assert stats.warnings[1] == f"{evidence}!locked.log: cannot read: zip member: File 'locked.log' is encrypted, " + (
        "password required for extraction"
    )


def test_gzip_cut_inside_its_head_is_still_read(tmp_path: Path) -> None:
    packed = gzip.compress(
        b"".join(
            b"Nov 20 10:00:00 host sshd[1]: Accepted password for a from 10.0.0.2 port 1 ssh2\n" for _ in range(10)
        )
    )
    cut = tmp_path / "tiny.log.gz"
    cut.write_bytes(packed[:-12])  # trailer gone
    stats = Stats()
    events = list(parse_files(expand([cut]), "auto", ParseContext(), stats))
    assert len(events) >= 1 and stats.failures == 1
