"""Sysmon 6/7 ``Signed``, ``Signature`` and ``SignatureStatus`` → ECS ``file.code_signature.*``.

ECS: ``exists`` (is there a signature), ``subject_name``, ``status``, ``valid``
(verified against the content; unset when unchecked) and ``trusted`` (the
chain; set only by a tool that checked it — Sysmon's WinVerifyTrust does).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from endpoint_support import run

from secops import ecs

SYSMON_ALIASES = {"file.code_signature.signed"}
"""Not ECS: the field pySigma's ecs_windows maps Sigma's ``Signed`` to, kept for the rules."""


def sysmon(eid: int, image: str, signed: str, signature: str, status: str) -> str:
    return (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385f-c22a-43e0-bf4c-06f5698ffbd9}"/>'
        f"<EventID>{eid}</EventID><Version>3</Version><Level>4</Level><Task>{eid}</Task><Opcode>0</Opcode>"
        '<Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="2024-03-01T10:00:00.000000Z"/>'
        "<EventRecordID>5</EventRecordID><Channel>Microsoft-Windows-Sysmon/Operational</Channel>"
        "<Computer>ws1</Computer></System><EventData>"
        '<Data Name="RuleName">-</Data><Data Name="UtcTime">2024-03-01 10:00:00.000</Data>'
        + (
            '<Data Name="ProcessId">1234</Data><Data Name="Image">C:\\Windows\\System32\\rundll32.exe</Data>'
            * (eid == 7)
        )
        + f'<Data Name="ImageLoaded">{image}</Data><Data Name="Hashes">SHA256=AB</Data>'
        f'<Data Name="Signed">{signed}</Data><Data Name="Signature">{signature}</Data>'
        f'<Data Name="SignatureStatus">{status}</Data></EventData></Event>'
    )


@pytest.mark.parametrize(
    ("eid", "signed", "signature", "status", "expected"),
    [
        (7, "false", "-", "Unavailable", {"exists": False, "status": "Unavailable"}),
        (
            7,
            "true",
            "Microsoft Windows",
            "Valid",
            {"exists": True, "subject_name": "Microsoft Windows", "status": "Valid", "valid": True, "trusted": True},
        ),
        (
            6,
            "true",
            "Contoso Ltd",
            "Expired",
            {"exists": True, "subject_name": "Contoso Ltd", "status": "Expired", "valid": False},
        ),
    ],
)
def test_code_signature(tmp_path: Path, eid: int, signed: str, signature: str, status: str, expected: dict) -> None:
    log = tmp_path / "sysmon.xml"
    log.write_text("<Events>\n" + sysmon(eid, "C:\\Users\\a\\x.dll", signed, signature, status) + "\n</Events>\n")
    (event,), stats = run([log], fmt="winlog-xml")
    assert stats.failures == 0
    code_signature = dict(event["file"]["code_signature"])
    assert code_signature.pop("signed") == (signed == "true")
    assert code_signature == expected
    assert [f for f in ecs.flatten(event) if not ecs.is_known_field(f)] == sorted(SYSMON_ALIASES)
