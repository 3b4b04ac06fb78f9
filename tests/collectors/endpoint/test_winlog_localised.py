"""Exports from Windows set up in another language: the audit result survives localised keyword names."""

from __future__ import annotations

from pathlib import Path

import orjson
from endpoint_support import failed, run

GERMAN_EXPORT = (
    '<?xml version="1.0" encoding="utf-8"?>\r\n<Events>'
    '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
    '<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-a5ba-3e3b0328c30d}"/>'
    "<EventID>4625</EventID><Version>0</Version><Level>0</Level><Task>12544</Task><Opcode>0</Opcode>"
    '<Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime="2024-05-14T09:12:03.5521907Z"/>'
    '<EventRecordID>90344</EventRecordID><Correlation/><Execution ProcessID="684" ThreadID="5120"/>'
    "<Channel>Security</Channel><Computer>PC17.firma.example</Computer><Security/></System><EventData>"
    '<Data Name="TargetUserName">mmuster</Data><Data Name="TargetDomainName">FIRMA</Data>'
    '<Data Name="Status">0xc000006d</Data><Data Name="FailureReason">%%2313</Data>'
    '<Data Name="SubStatus">0xc000006a</Data><Data Name="LogonType">3</Data>'
    '<Data Name="IpAddress">192.0.2.44</Data><Data Name="IpPort">51123</Data></EventData>'
    '<RenderingInfo Culture="de-DE"><Message>Fehler beim Anmelden eines Kontos.</Message>'
    "<Level>Informationen</Level><Task>Anmelden</Task><Opcode>Info</Opcode><Channel>Sicherheit</Channel>"
    "<Provider>Microsoft Windows security auditing.</Provider>"
    "<Keywords><Keyword>\u00dcberwachung gescheitert</Keyword></Keywords></RenderingInfo></Event></Events>\r\n"
)


def test_german_event_viewer_export_keeps_the_failure_outcome(tmp_path: Path) -> None:
    path = tmp_path / "anmeldungen.xml"
    path.write_text(GERMAN_EXPORT, encoding="utf-8")
    events, _ = run([path], fmt="winlog-xml")
    assert len(events) == 1 and not failed(events[0])
    event = events[0]
    assert event["event"]["outcome"] == "failure"
    assert event["winlog"]["keywords"] == ["Audit Failure"]  # from the mask, as the EVTX form gives
    assert event["winlog"]["task"] == "Anmelden" and event["message"] == "Fehler beim Anmelden eines Kontos."


def test_german_winlogbeat_document_keeps_the_outcome_it_wrote(tmp_path: Path) -> None:
    doc = {
        "@timestamp": "2024-05-14T09:12:03.552Z",
        "event": {"code": "4625", "kind": "event", "outcome": "failure", "action": "logon-failed"},
        "winlog": {
            "channel": "Security",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "event_id": "4625",
            "keywords": ["\u00dcberwachung gescheitert"],
            "event_data": {"TargetUserName": "mmuster", "LogonType": "3", "IpAddress": "192.0.2.44"},
        },
    }
    path = tmp_path / "winlogbeat.ndjson"
    path.write_bytes(orjson.dumps(doc) + b"\n")
    events, _ = run([path], fmt="winlog-json")
    assert events[0]["event"]["outcome"] == "failure"
    assert events[0]["source"]["ip"] == "192.0.2.44"
