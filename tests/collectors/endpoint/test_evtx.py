"""``evtx`` on the shared EVTX samples: no record lost, damage kept and reported, archives.

The shared EVTX files have no licence: they are read from ../shared/data only;
damaged variants are made in a temp directory from them.
"""

from __future__ import annotations

import gzip
import shutil
import struct
import zipfile
from pathlib import Path

import orjson
import pytest
from endpoint_support import content, failed, run
from evtx import PyEvtxParser

pytestmark = pytest.mark.shared_data

HEADER, CHUNK = 4096, 65536


def library_records(path: Path) -> tuple[list[str], int]:
    """What the evtx library itself reports: its records (JSON) and its errors, going on after each."""
    try:
        records = PyEvtxParser(str(path), number_of_threads=1).records_json()
    except RuntimeError:
        return [], 1
    out, errors = [], 0
    while True:
        try:
            out.append(next(records)["data"])
        except StopIteration:
            return out, errors
        except RuntimeError:
            errors += 1


def test_every_sample_parses_with_no_record_lost(evtx_files: list[Path]) -> None:
    total = 0
    for path in evtx_files:
        expected, errors = library_records(path)
        events, stats = run([path])
        assert errors == 0, f"{path.name}: the library itself reports damage"
        assert stats.failures == 0, f"{path.name}: {stats.warnings[:3]}"
        assert [e["event"]["original"] for e in events] == expected, path.name
        total += len(expected)
    assert total > 16000


def test_auto_detects_evtx_and_ignores_nothing(evtx_files: list[Path]) -> None:
    events, stats = run(evtx_files[:20], fmt="auto")
    assert stats.failures == 0
    assert {e["event"]["module"] for e in events} <= {"system", "windows"}
    assert all(e["winlog"]["record_id"] for e in events)


def _big_sample(evtx_files: list[Path]) -> Path:
    """A sample whose second chunk holds records (damage there must not hide the first chunk's)."""
    for path in sorted(evtx_files, key=lambda p: p.stat().st_size):
        data = path.read_bytes()
        if len(data) > HEADER + 2 * CHUNK and len(_chain(data, 1)) >= 8:
            return path
    raise AssertionError("no sample with two used chunks")


def _chain(data: bytes, chunk: int) -> list[tuple[int, int]]:
    """(offset, size) of the records of one chunk, walked independently of the parser."""
    offset, out = HEADER + chunk * CHUNK + 512, []
    while offset + 24 <= len(data) and data[offset : offset + 4] == b"**\x00\x00":
        size = struct.unpack_from("<I", data, offset + 4)[0]
        out.append((offset, size))
        offset += size
    return out


def _damaged(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.evtx"
    path.write_bytes(data)
    return path


DAMAGE = ["record_magic", "record_size", "record_body", "chunk_header", "file_header", "string_table", "free_space"]


@pytest.mark.parametrize("kind", DAMAGE)
def test_damaged_file_keeps_every_readable_record(kind: str, evtx_files: list[Path], tmp_path: Path) -> None:
    source = _big_sample(evtx_files)
    data = bytearray(source.read_bytes())
    intact, _ = library_records(source)
    chunk1 = HEADER + CHUNK
    offset, _size = _chain(bytes(data), 1)[3]
    if kind == "record_magic":
        data[offset : offset + 4] = bytes(4)
    elif kind == "record_size":
        struct.pack_into("<I", data, offset + 4, 0xFFFFFF)
    elif kind == "record_body":
        data[offset + 40 : offset + 60] = b"\xee" * 20
    elif kind == "chunk_header":
        data[chunk1 : chunk1 + 8] = b"XXXXXXXX"
    elif kind == "file_header":
        data[:8] = b"XXXXXXXX"
    elif kind == "string_table":
        data[chunk1 + 128 : chunk1 + 140] = b"\xff" * 12
    elif kind == "free_space":
        struct.pack_into("<I", data, chunk1 + 48, 0)
    path = _damaged(tmp_path, kind, bytes(data))
    library, _ = library_records(path)
    events, stats = run([path], fmt="evtx")
    ours = [e["event"]["original"] for e in events if not failed(e)]
    assert set(library) <= set(ours), "a record the library reads is missing"
    assert len(ours) >= len(library)
    # Only the damaged record may be missing from what the intact file holds.
    assert len(set(intact) - set(ours)) <= (1 if kind == "record_body" else 0)
    assert stats.failures >= 1 and all(path.name in w for w in stats.warnings)
    assert any(failed(e) and e["error"]["message"] for e in events)


def test_truncated_file_keeps_the_complete_records(evtx_files: list[Path], tmp_path: Path) -> None:
    source = _big_sample(evtx_files)
    data = source.read_bytes()
    chain = _chain(data, 1)
    cut = chain[5][0] + 40  # inside the sixth record of the second chunk
    path = _damaged(tmp_path, "truncated", data[:cut])
    events, stats = run([path], fmt="evtx")
    kept = [e for e in events if not failed(e)]
    first_chunk = len(_chain(data, 0))
    assert len(kept) == first_chunk + 5
    library, _ = library_records(path)
    assert len(library) < len(kept), "the library alone drops the truncated chunk"
    assert any("truncated" in w for w in stats.warnings)


def test_zip_gz_and_directory_inputs_give_the_same_events(evtx_files: list[Path], tmp_path: Path) -> None:
    source = evtx_files[0]
    plain, _ = run([source])
    archive = tmp_path / "logs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(source, arcname="Security.evtx")
    packed = tmp_path / "one.evtx.gz"
    with source.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    folder = tmp_path / "dir"
    folder.mkdir()
    shutil.copy(source, folder / "x.evtx")
    for path in (archive, packed, folder, tmp_path / "dir" / "*.evtx"):
        events, stats = run([path])
        assert stats.failures == 0
        assert [content(e) for e in events] == [content(e) for e in plain], path
        assert [e["event"]["id"] for e in events] == [e["event"]["id"] for e in plain], "ids follow content, not path"


def test_records_are_mapped_once_and_carry_the_winlogbeat_layout(evtx_files: list[Path]) -> None:
    events, _ = run(evtx_files)
    by_code = {}
    for event in events:
        by_code.setdefault((event["winlog"].get("channel"), event["event"]["code"]), event)
    logon = by_code["Security", "4624"]
    assert logon["event"]["category"] == ["authentication"] and logon["event"]["outcome"] == "success"
    assert logon["event"]["action"] == "logged-in" and logon["log"]["level"] == "information"
    assert logon["winlog"]["keywords"] == ["Audit Success"]
    assert (
        logon["winlog"]["provider_guid"].startswith("{") and logon["host"]["name"] == logon["winlog"]["computer_name"]
    )
    failure = by_code["Security", "4625"]
    assert failure["event"]["outcome"] == "failure" and failure["winlog"]["logon"]["failure"]["status"]
    sysmon = by_code["Microsoft-Windows-Sysmon/Operational", "1"]
    assert sysmon["event"]["dataset"] == "windows.sysmon_operational"
    assert sysmon["process"]["entity_id"].startswith("{") and sysmon["process"]["entity_id"].islower()
    parsed = orjson.loads(sysmon["event"]["original"])
    assert parsed["Event"]["System"]["EventRecordID"] == int(sysmon["winlog"]["record_id"])


def test_every_emitted_field_is_ecs_or_a_vendor_namespace(evtx_files: list[Path], shared_data: Path) -> None:
    from secops import ecs

    endpoint = shared_data / "endpoint"
    sources = [*evtx_files[::5], *sorted((endpoint / "otrf" / "datasets").rglob("*.zip"))[:1]]
    sources += [*sorted((endpoint / "auditd").rglob("*.log")), endpoint / "osquery" / "test-osquery-excerpt.log"]
    events, _ = run(sources)
    allowed = {"file.code_signature.signed", "log.offset"}  # what ecs_windows expects; the pipeline's offset
    unknown = {f for e in events for f in ecs.flatten(e) if not ecs.is_known_field(f) and f not in allowed}
    assert not unknown
    assert {e["event"]["module"] for e in events} >= {"windows", "system", "auditd", "osquery"}


def test_a_file_with_no_evtx_structure_is_one_clear_failure(evtx_files: list[Path], tmp_path: Path) -> None:
    text = tmp_path / "notes.md"
    text.write_text("# Not a log\n\n" + "Some prose about event logs. " * 3000)  # past the first chunk
    events, stats = run([text], fmt="evtx")
    assert len(events) == 1 and failed(events[0])
    assert stats.failures == 1 and "not an EVTX file" in stats.warnings[0] and "notes.md" in stats.warnings[0]
    # One intact chunk under a destroyed file header is still read as damage to mend, not refused.
    source = _big_sample(evtx_files)
    data = bytearray(source.read_bytes())
    data[:HEADER] = bytes(HEADER)
    events, stats = run([_damaged(tmp_path, "headless", bytes(data))], fmt="evtx")
    assert sum(not failed(e) for e in events) == len(library_records(source)[0])
    assert not any("not an EVTX file" in w for w in stats.warnings)
