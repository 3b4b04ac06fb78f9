"""Repeated names in a record: the XML rendering gives what the evtx library's JSON gives.

The library (evtx 0.13, ``binxml/compiled.rs``) writes a repeated
``<Data Name="Dup">`` as the same JSON key twice, so a JSON reader keeps the
last value; other repeated elements get ``_1``, ``_2``… by occurrence, empty
ones counted. The JSON lines below are written the way the library writes
them; the last test checks that on a real record whose names were made to
repeat.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from endpoint_support import content, run
from evtx import PyEvtxParser

NS = "http://schemas.microsoft.com/win/2004/08/events/event"
SYSTEM = (
    '<System><Provider Name="TestProv"/><EventID>2</EventID><Level>4</Level>'
    '<TimeCreated SystemTime="2024-03-01T10:00:02Z"/><EventRecordID>3</EventRecordID>'
    "<Channel>Application</Channel><Computer>ws1</Computer></System>"
)
JSON_SYSTEM = (
    '"System":{"Provider":{"#attributes":{"Name":"TestProv"}},"EventID":2,"Level":4,'
    '"TimeCreated":{"#attributes":{"SystemTime":"2024-03-01T10:00:02Z"}},"EventRecordID":3,'
    '"Channel":"Application","Computer":"ws1"}'
)
# (XML body after System, the library's JSON members after System, what event_data/user_data hold)
CASES = [
    (
        '<EventData><Data Name="Dup">one</Data><Data Name="Dup">two</Data><Data Name="Other">x</Data></EventData>',
        '"EventData":{"Dup":"one","Dup":"two","Other":"x"}',
        {"event_data": {"Dup": "two", "Other": "x"}},
    ),
    (
        '<EventData><Data Name="Dup">one</Data><Data Name="Other">x</Data><Data Name="Dup"></Data></EventData>',
        '"EventData":{"Dup":"one","Other":"x","Dup":""}',
        {"event_data": {"Other": "x"}},
    ),
    (
        "<EventData><Data>a</Data><Binary>00</Binary><Binary>01</Binary></EventData>",
        '"EventData":{"Data":{"#text":"a"},"Binary":"00","Binary_1":"01"}',
        {"event_data": {"param1": "a", "Data": ["a"], "Binary": "00", "Binary_1": "01"}},
    ),
    (
        '<UserData><Op xmlns="urn:t"><Item></Item><Item>b</Item><Item>c</Item><Other>d</Other></Op></UserData>',
        '"UserData":{"Op":{"#attributes":{"xmlns":"urn:t"},"Item":null,"Item_1":"b","Item_2":"c","Other":"d"}}',
        {"user_data": {"xml_name": "Op", "Item_1": "b", "Item_2": "c", "Other": "d"}},
    ),
]


@pytest.mark.parametrize(("body", "members", "expected"), CASES, ids=["data", "empty-last", "binary", "user-data"])
def test_xml_and_the_librarys_json_agree_on_repeated_names(
    tmp_path: Path, body: str, members: str, expected: dict
) -> None:
    xml, jsonl = tmp_path / "export.xml", tmp_path / "dump.jsonl"
    xml.write_text(f'<Events>\n<Event xmlns="{NS}">{SYSTEM}{body}</Event>\n</Events>\n')
    jsonl.write_text(f'{{"Event":{{"#attributes":{{"xmlns":"{NS}"}},{JSON_SYSTEM},{members}}}}}\n')
    (ours,), xml_stats = run([xml], fmt="winlog-xml")
    (theirs,), json_stats = run([jsonl], fmt="winlog-json")
    assert xml_stats.failures == json_stats.failures == 0
    assert {k: ours["winlog"].get(k) for k in expected} == expected
    assert content(ours)["winlog"] == content(theirs)["winlog"]


def _renamed(source: Path, old: str, new: str, folder: Path) -> Path:
    """A copy of a sample with one name renamed to another of the same length, so that it repeats."""
    assert len(old) == len(new)
    patched = folder / source.name
    patched.write_bytes(source.read_bytes().replace(old.encode("utf-16-le"), new.encode("utf-16-le")))
    return patched


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("sample", "old", "new", "winlog_key", "expected"),
    [
        (  # a PowerShell 4104: two <Data Name="MessageNumber">, the last one wins
            "Powershell-Invoke-Obfuscation-encoding-menu.evtx",
            "ScriptBlockId",
            "MessageNumber",
            "event_data",
            {"MessageNumber": "020184e7-b8b1-4073-b6b7-dbf868048bfb"},
        ),
        (  # a 1102 log cleared: two <SubjectUserSid> in UserData, the second numbered
            "eventlog-dac.evtx",
            "SubjectLogonId",
            "SubjectUserSid",
            "user_data",
            {"SubjectUserSid": "S-1-5-21-2977773840-2930198165-1551093962-1000", "SubjectUserSid_1": "0x99e3d"},
        ),
    ],
)
def test_the_librarys_own_renderings_agree(
    evtx_files: list[Path], tmp_path: Path, sample: str, old: str, new: str, winlog_key: str, expected: dict
) -> None:
    patched = _renamed(next(p for p in evtx_files if p.name == sample), old, new, tmp_path)
    first = next(
        r["data"]
        for r in PyEvtxParser(str(patched)).records()
        if f"<{winlog_key.title().replace('_', '')}>" in r["data"]
    )
    assert first.count(f'Name="{new}">' if winlog_key == "event_data" else f"<{new}>") == 2
    xml = tmp_path / "export.xml"
    xml.write_text("<Events>\n" + first.split("?>", 1)[1].strip() + "\n</Events>\n")
    from_xml, stats = run([xml], fmt="winlog-xml")
    record_id = from_xml[0]["winlog"]["record_id"]
    from_evtx = next(e for e in run([patched], fmt="evtx")[0] if e["winlog"]["record_id"] == record_id)
    assert stats.failures == 0
    assert {k: from_evtx["winlog"][winlog_key].get(k) for k in expected} == expected
    assert content(from_xml[0]) == content(from_evtx)
