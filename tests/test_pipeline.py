"""The parse loop: damaged compressed input keeps what came before and says where it stopped."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

from secops.inputs import MAX_RECORD_BYTES, expand
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


def test_mixed_lines_keep_file_order_and_failures_are_named_in_order(tmp_path: Path) -> None:
    """Lines are parsed a window at a time grouped by format; what comes out is still in file order."""
    auth = "Nov 20 10:00:{s:02d} host sshd[{i}]: Failed password for root from 10.0.0.1 port {i} ssh2"
    netfilter = "Nov 20 10:00:{s:02d} gw kernel: IN=eth0 OUT= SRC=10.0.0.{o} DST=10.0.1.1 PROTO=TCP SPT={i} DPT=22"
    lines, bad = [], []
    for i in range(700):  # more than two windows
        if i % 97 == 5:
            lines.append(f"nothing understands record {i}")
            bad.append(i + 1)
        else:
            lines.append((auth if i % 3 else netfilter).format(s=i % 60, i=i, o=i % 250))
    mixed = tmp_path / "mixed.log"
    mixed.write_text("\n".join(lines) + "\n")
    stats = Stats()
    events = list(parse_files(expand([mixed]), "auto", ParseContext(), stats))
    assert [e["event"]["original"] for e in events] == lines
    offsets = [e["log"]["offset"] for e in events]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(lines)
    datasets = [e["event"]["dataset"] for e in events]
    expected = ["secops.unparsed" if i + 1 in bad else ("system.auth" if i % 3 else "iptables.log") for i in range(700)]
    assert datasets == expected
    assert stats.failures == len(bad)
    assert [int(w.split("record ")[1].split(" ")[0]) for w in stats.warnings] == bad


def test_a_cut_record_is_one_failure_and_its_size_is_counted_in_bytes(tmp_path: Path) -> None:
    path = tmp_path / "wide.log"
    # UTF-16 with a BOM: every character of this line takes two bytes in the file.
    line = "not a log line " + "\u00e9" * MAX_RECORD_BYTES + "\n"
    path.write_bytes(b"\xff\xfe" + line.encode("utf-16-le"))
    stats = Stats()

    events = list(parse_files(expand([path]), "auto", ParseContext(), stats))

    assert events[0]["tags"].count("_parse_failure") == 1
    assert len(events[0]["event"]["original"]) < MAX_RECORD_BYTES  # characters: half the bytes here
    assert events[0]["error"]["message"] == f"record longer than {MAX_RECORD_BYTES} bytes, cut"


def test_a_panic_in_a_native_parser_is_a_kept_failure_not_the_end_of_the_run() -> None:
    import secops_native

    from secops.pipeline import _parse_line
    from secops.registry import LineParser

    class Panicking(LineParser):
        name = "panicking"
        dataset = "test.panicking"

        def parse(self, line: str, ctx: ParseContext) -> dict:
            raise secops_native.PanicException("index out of bounds")

    assert not issubclass(secops_native.PanicException, Exception)  # why the pipeline names it
    event, reason = _parse_line(Panicking(), "a hostile line", ParseContext())
    assert reason is not None and "PanicException" in reason and "index out of bounds" in reason
    assert event["tags"] == ["_parse_failure"] and event["message"] == "a hostile line"
