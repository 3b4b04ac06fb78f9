"""Input expansion and bounded line reading."""

from __future__ import annotations

import gzip
import hashlib
import zipfile
from pathlib import Path

import pytest

from secops.errors import InputError
from secops.inputs import HEAD_BYTES, MAX_RECORD_BYTES, TEXT_FINGERPRINT_BYTES, expand, fingerprint, iter_lines
from secops.pipeline import Stats, parse_files
from secops.registry import ParseContext


def test_expand_files_dirs_globs_gz_zip(tmp_path: Path) -> None:
    (tmp_path / "a.log").write_text("one\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.log").write_text("two\n")
    (tmp_path / "sub" / ".hidden").write_text("x\n")
    with gzip.open(tmp_path / "c.log.gz", "wt") as fh:
        fh.write("three\n")
    with zipfile.ZipFile(tmp_path / "d.zip", "w") as archive:
        archive.writestr("inner/e.log", "four\n")
    names = [f.name for f in expand([tmp_path])]
    assert names == [
        str(tmp_path / "a.log"),
        str(tmp_path / "c.log.gz"),
        f"{tmp_path / 'd.zip'}!inner/e.log",
        str(tmp_path / "sub" / "b.log"),
    ]
    contents = []
    for found in expand([tmp_path]):
        with found.open() as fh:
            contents.append(fh.read())
    assert contents == [b"one\n", b"three\n", b"four\n", b"two\n"]
    assert [f.name for f in expand([str(tmp_path / "*.log")])] == [str(tmp_path / "a.log")]
    with pytest.raises(InputError, match="no file matches"):
        list(expand([str(tmp_path / "*.nothing")]))


def test_every_input_stream_takes_readline_none_as_no_limit(tmp_path: Path) -> None:
    """``readline(None)`` is io's "no limit": a zip member used to raise TypeError on it."""
    (tmp_path / "a.log").write_text("one\ntwo\n")
    with gzip.open(tmp_path / "b.log.gz", "wt") as fh:
        fh.write("one\ntwo\n")
    with zipfile.ZipFile(tmp_path / "c.zip", "w") as archive:
        archive.writestr("c.log", "one\ntwo\n")
    lines = []
    for found in expand([tmp_path]):
        with found.open() as fh:
            lines.append((fh.readline(None), fh.readline(None), fh.readline(None)))
    assert lines == [(b"one\n", b"two\n", b"")] * 3


def test_a_directory_gives_its_files_in_path_order_skipping_hidden_ones_and_directory_links(tmp_path: Path) -> None:
    for name in ("a/b/y", "a/x", "a/.hid/r", "a/.dot", "a.log", "A", ".h/q"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("line\n")
    (tmp_path / "linkdir").symlink_to(tmp_path / "a")  # not followed: its files would come twice
    (tmp_path / "linkfile").symlink_to(tmp_path / "a" / "x")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")

    def found(**options: bool) -> list[str]:
        return [str(Path(f.name).relative_to(tmp_path)) for f in expand([tmp_path], **options)]

    # "a" sorts before "a.log" as a path, so the whole of a/ comes first.
    assert found() == ["A", "a/b/y", "a/x", "a.log", "linkfile"]
    assert found(skip_hidden=False) == [".h/q", "A", "a/.dot", "a/.hid/r", "a/b/y", "a/x", "a.log", "linkfile"]


def test_lines_offsets_crlf_blank_invalid_utf8_and_overlong(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    long = b"L" * (MAX_RECORD_BYTES + 10)
    path.write_bytes(b"first\r\n\n  \nbad \xff\xfe bytes\n" + long + b"\nlast")
    with path.open("rb") as fh:
        lines = list(iter_lines(fh))
    assert [line.text[:5] for line in lines] == ["first", "bad \\", "LLLLL", "last"]
    assert lines[1].text == "bad \\xff\\xfe bytes"
    assert lines[0].offset == 0 and lines[1].offset == len(b"first\r\n\n  \n")
    assert lines[2].truncated and len(lines[2].text) == MAX_RECORD_BYTES
    assert lines[3].offset == lines[2].end and not lines[3].truncated
    with path.open("rb") as fh:
        resumed = list(iter_lines(fh, lines[2].end))
    assert [line.text for line in resumed] == ["last"]


@pytest.mark.parametrize("binary", [False, True])
def test_fingerprint_is_blake2b_96_of_the_head_so_saved_checkpoints_still_match(binary: bool) -> None:
    head = bytes(range(256)) * 300  # 75 KiB: past both the text and the binary cut
    cut = HEAD_BYTES if binary else TEXT_FINGERPRINT_BYTES
    assert fingerprint(head, binary=binary) == hashlib.blake2b(head[:cut], digest_size=12).hexdigest()


def test_fingerprint_ignores_growth_past_the_head() -> None:
    head = b"x" * 2000
    assert fingerprint(head, binary=False) == fingerprint(head + b"more", binary=False)
    assert fingerprint(b"a\n", binary=False) != fingerprint(b"b\n", binary=False)


AUTH = [
    "Nov 20 10:00:01 dc01 sshd[411]: Failed password for invalid user admin from 203.0.113.9 port 50122 ssh2",
    "Nov 20 10:00:02 dc01 sshd[412]: Accepted publickey for ops from 198.51.100.20 port 50200 ssh2: ED25519 SHA256:q",
    "Nov 20 10:00:03 dc01 sudo:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/id \u00e9\U0001f512",
]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be"])
def test_a_utf16_file_with_a_byte_order_mark_is_read_as_text(tmp_path: Path, codec: str) -> None:
    """Windows PowerShell writes UTF-16 with a byte order mark (``>``, ``Out-File``); CRLF line ends."""
    text = "\r\n".join(AUTH) + "\r\n"
    data = ("\ufeff" + text).encode("utf-16-be") if codec == "utf-16-be" else text.encode("utf-16")
    plain, packed = tmp_path / "auth.log", tmp_path / "auth.log.1.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    for source in expand([plain, packed]):
        with source.open() as fh:
            lines = list(iter_lines(fh))
        assert [line.text for line in lines] == AUTH
        assert lines[-1].end == len(data)
        assert lines[1].offset == lines[0].end == 2 + 2 * (len(AUTH[0]) + 2)
        with source.open() as fh:
            resumed = list(iter_lines(fh, lines[1].offset))
        assert [line.text for line in resumed] == AUTH[1:]
    stats = Stats()
    events = list(parse_files(expand([plain]), "auto", ParseContext(), stats))
    assert stats.failures == 0
    assert [e["event"]["dataset"] for e in events] == ["system.auth"] * 3


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_record(tmp_path: Path) -> None:
    """Windows PowerShell's ``Out-File -Encoding utf8`` starts the file with one."""
    record = '{"@timestamp":"2026-11-20T10:00:00Z","event":{"code":"4625"},"winlog":{"event_id":4625}}'
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + (record + "\n").encode() * 2)
    with path.open("rb") as fh:
        lines = list(iter_lines(fh))
    assert [line.text for line in lines] == [record, record]
    assert lines[0].offset == 0 and lines[1].offset == 3 + len(record) + 1
