"""Hostile content in HTML, the STIX bundle's objects, evidence exports (hashes, custody, CSV formulas, redaction),
the SOC summary, and the commands that record breach facts."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from stix2validator import ValidationOptions, validate_string

from secops.errors import UsageError
from tests.report.conftest import ATTACKER_IP, HOSTILE, Run, breach_record, first_page_ink, pdf_text, set_breach


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data) -> None:
        self.text.append(data)


def assert_inert_and_self_contained(page: str) -> Tags:
    parser = Tags()
    parser.feed(page)
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "iframe" not in names and "link" not in names and "img" not in names
    for tag, attrs in parser.tags:
        assert not ({"src", "href", "action", "srcset"} & set(attrs)), (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        assert not any("javascript:" in (v or "") for v in attrs.values()), (tag, attrs)
    assert not re.search(r"url\(|@import|https?://[^\s<\"]*\.(?:css|js)", page)
    return parser


def test_html_reports_escape_hostile_content_and_load_nothing(populated: Path, cli: Run, tmp_path: Path) -> None:
    set_breach(
        populated,
        breach_record(narrative=HOSTILE, likely_consequences="javascript:alert(document.cookie)"),
        tmp_path,
        cli,
    )
    for regime in ("gdpr", "cisa-federal", "us-state:CA"):
        page = cli("report", "breach", "INC-1", "--regime", regime, "--format", "html").stdout
        parser = assert_inert_and_self_contained(page)
        assert "&lt;script&gt;" in page
        text = "".join(parser.text)
        assert f"Portal breach {HOSTILE}" in text  # the title, shown as text
    page = cli("report", "breach", "INC-1", "--regime", "gdpr", "--format", "html").stdout
    assert HOSTILE in "".join(assert_inert_and_self_contained(page).text)
    assert "javascript:alert(document.cookie)" in page  # as text, never in an attribute
    markdown = cli("report", "breach", "INC-1", "--regime", "gdpr", "--format", "md").stdout
    assert "<script>" not in markdown and "\\<script\\>" in markdown


def test_stix_bundle_has_every_object_kind_and_validates(populated: Path, cli: Run, tmp_path: Path) -> None:
    set_breach(populated, breach_record(), tmp_path, cli)
    text = cli("report", "breach", "INC-1", "--regime", "cisa-federal", "--format", "stix").stdout
    result = validate_string(text, ValidationOptions(version="2.1"))
    assert result.is_valid and not result.errors, [str(e) for e in result.errors]
    objects = json.loads(text)["objects"]
    kinds = {o["type"] for o in objects}
    assert {"identity", "incident", "indicator", "observed-data", "sighting", "attack-pattern", "report"} <= kinds
    indicator = next(o for o in objects if o["type"] == "indicator")
    assert indicator["pattern"] == f"[ipv4-addr:value = '{ATTACKER_IP}']"
    sighting = next(o for o in objects if o["type"] == "sighting")
    observed = {o["id"]: o for o in objects if o["type"] == "observed-data"}
    seen = [observed[i] for i in sighting["observed_data_refs"]]
    addresses = {o["id"]: o["value"] for o in objects if o["type"] == "ipv4-addr"}
    assert any(addresses.get(ref) == ATTACKER_IP for o in seen for ref in o["object_refs"])
    patterns = {o["external_references"][0]["external_id"] for o in objects if o["type"] == "attack-pattern"}
    assert patterns == {"T1110.003", "T1059.001"}
    incident = next(o for o in objects if o["type"] == "incident")
    core = incident["extensions"]["extension-definition--ef765651-680c-498d-9894-99799f2fa126"]
    assert core["recoverability"] == "supplemented" and core["impacted_entity_counts"]["individual"] == 2400
    assert "Pat Contact" not in text and "alice" not in text  # no personal data in a sharing bundle
    again = cli("report", "breach", "INC-1", "--regime", "cisa-federal", "--format", "stix").stdout
    assert {o["id"] for o in json.loads(again)["objects"]} == {o["id"] for o in objects}


def test_evidence_export_carries_hashes_custody_and_inert_csv(populated: Path, cli: Run, tmp_path: Path) -> None:
    cli("incidents", "evidence", "INC-1", "ev-00002")
    exported = json.loads(cli("report", "evidence", "INC-1", "--format", "json").stdout)
    by_id = {e["event_id"]: e for e in exported["events"]}
    assert set(by_id) == {"ev-00001", "ev-00002", "ev-00003"}
    assert (
        by_id["ev-00002"]["integrity"] == "intact"
        and by_id["ev-00002"]["sha256"] == by_id["ev-00002"]["recorded_sha256"]
    )
    assert by_id["ev-00001"]["integrity"] == "not kept as evidence" and len(by_id["ev-00001"]["sha256"]) == 64
    actions = [e["action"] for e in exported["audit"]]
    assert actions[0] == "incident.create" and "incident.evidence" in actions and "alert.incident" in actions
    assert exported["audit_check"]["ok"] and len(exported["audit_check"]["head"]) == 64
    rows = list(csv.reader(io.StringIO(cli("report", "evidence", "INC-1", "--format", "csv").stdout)))
    assert rows[0][0] == "record" and {r[0] for r in rows[1:]} == {"alert", "event", "audit", "audit-check"}
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    documents = [json.loads(r[-1]) for r in rows[1:] if r[0] == "event"]
    assert "=cmd|' /C calc'!A0" in [d["user"]["name"] for d in documents]


IDENTIFIERS = ["bob", "alice", "alice@example.org", "=cmd|' /C calc'!A0", "ws-01", "db-02", ATTACKER_IP, "10.9.8.7"]


def test_redaction_removes_every_listed_identifier(populated: Path, cli: Run, tmp_path: Path, monkeypatch) -> None:
    set_breach(populated, breach_record(), tmp_path, cli)
    monkeypatch.setenv("SECOPS_REDACTION_KEY", "test key one")
    kinds = ["--redact", "users", "--redact", "emails", "--redact", "ips", "--redact", "hosts"]
    outputs = [cli("report", "evidence", "INC-1", "--format", fmt, *kinds).stdout for fmt in ("json", "csv")]
    for text in outputs:
        for identifier in IDENTIFIERS:
            assert identifier.lower() not in text.lower(), identifier
        assert "10.0.0." not in text  # addresses that only occur inside raw log lines go too
    first = json.loads(outputs[0])
    assert first["redaction"]["kinds"] == ["emails", "hosts", "ips", "users"]
    tokens = set(re.findall(r"\buser-[0-9a-f]{10}\b", outputs[0]))
    bob = next(a for a in first["alerts"] if a["entities"]["users"])["entities"]["users"][0]
    assert bob in tokens and outputs[0].count(bob) > 2  # one person, one pseudonym, everywhere
    again = json.loads(cli("report", "evidence", "INC-1", "--format", "json", *kinds).stdout)
    assert again["alerts"] == first["alerts"]  # the same key gives the same pseudonyms
    monkeypatch.setenv("SECOPS_REDACTION_KEY", "another key")
    other = json.loads(cli("report", "evidence", "INC-1", "--format", "json", *kinds).stdout)
    assert other["alerts"] != first["alerts"] and other["redaction"]["key_id"] != first["redaction"]["key_id"]
    only_ips = cli("report", "evidence", "INC-1", "--format", "json", "--redact", "ips").stdout
    assert "bob" in only_ips and ATTACKER_IP not in only_ips


def test_summary_reports_in_every_format(populated: Path, cli: Run, tmp_path: Path) -> None:
    ids = [a["id"] for a in json.loads(cli("alerts", "list", "--format", "json").stdout)]
    cli("alerts", "ack", ids[0])
    cli("alerts", "close", ids[1], "--reason", "false_positive")
    cli("incidents", "status", "INC-1", "closed")
    data = json.loads(cli("report", "summary", "--since", "3650d", "--format", "json").stdout)
    assert data["totals"]["alerts"] == 3 and data["totals"]["acknowledged"] == 1 and data["totals"]["closed"] == 1
    assert data["totals"]["incidents_closed"] == 1
    assert {r["severity"] for r in data["panels"]["alerts_per_day"]} == {"high"}
    assert dict((r["state"], r["count"]) for r in data["panels"]["incidents_by_state"])["closed"] == 1
    assert {r["tactic"] for r in data["panels"]["tactics"]} == {"credential-access", "execution"}
    page = cli("report", "summary", "--since", "3650d", "--format", "html").stdout
    assert page.count("<svg") == 5
    assert_inert_and_self_contained(page.replace('xmlns="http://www.w3.org/2000/svg"', ""))
    assert "Rule hostile" in page
    out = tmp_path / "summary.pdf"
    cli("report", "summary", "--since", "3650d", "--format", "pdf", "-o", str(out))
    text = pdf_text(out)
    assert "SOC summary" in text and "Alerts per day by severity" in text and "Rule exfil" in text
    assert first_page_ink(out, tmp_path) > 0.01
    assert "data:image/svg+xml;base64," in cli("report", "summary", "--since", "3650d", "--format", "md").stdout


def test_breach_facts_are_set_audited_and_validated(populated: Path, cli: Run, tmp_path: Path) -> None:
    cli(
        "incidents",
        "set",
        "INC-1",
        "aware_at=2026-03-29T01:30",
        "individuals.by_us_state.CA=700",
        "information_impact=privacy data breach,core credential compromise",
        "observed_location=L3",
        "regimes=gdpr,us-state:CA",
        "gdpr_risk=risk",
        "--timezone",
        "Europe/Berlin",
    )
    shown = json.loads(cli("incidents", "breach", "INC-1", "--format", "json").stdout)
    assert shown["aware_at"] == "2026-03-29T00:30:00Z"
    assert shown["information_impact"] == ["PRIVACY DATA BREACH", "CORE CREDENTIAL COMPROMISE"]
    assert shown["observed_location"] == "LEVEL 3 – BUSINESS NETWORK MANAGEMENT"
    assert shown["individuals"]["by_us_state"] == {"CA": 700}
    # In-process the library error surfaces as the exception (the console entry point prints it and exits 2).
    bad = cli("incidents", "set", "INC-1", "functional_impact=somewhat bad", expect=1)
    assert isinstance(bad.exception, UsageError) and "functional_impact" in str(bad.exception)
    assert "individuals.bogus" in str(cli("incidents", "set", "INC-1", "individuals.bogus=1", expect=1).exception)
    payload = tmp_path / "filed.pdf"
    payload.write_bytes(b"%PDF-1.4 filed copy")
    cli(
        "incidents",
        "notified",
        "INC-1",
        "--regime",
        "gdpr",
        "--recipient",
        "DPC Ireland (supervisory authority)",
        "--deadline",
        "sa-72h",
        "--sent-at",
        "2026-03-30T09:00Z",
        "--reference",
        "DPC-42",
        "--file",
        str(payload),
    )
    cli("incidents", "action", "INC-1", "--kind", "containment", "blocked the network", "--at", "2026-03-29T02:00Z")
    toml_file = tmp_path / "more.toml"
    toml_file.write_text('narrative = "from a file"\n[individuals]\ntotal = 900\n')
    cli("incidents", "edit-breach", "INC-1", "--file", str(toml_file))
    record = json.loads(cli("incidents", "breach", "INC-1", "--format", "json").stdout)
    assert record["narrative"] == "from a file" and record["individuals"] == {"total": 900, "by_us_state": {"CA": 700}}
    note = record["notifications"][0]
    assert note["reference_no"] == "DPC-42" and note["recorded_by"] == "dana" and len(note["payload_sha256"]) == 64
    trail = json.loads(cli("audit", "log", "--target", "INC-1", "--format", "json").stdout)
    actions = [e["action"] for e in trail]
    assert actions.count("incident.breach") == 3 and "incident.notified" in actions
    assert (
        trail[-1]["after"]["breach"]["narrative"] == "from a file" and "narrative" not in trail[-1]["before"]["breach"]
    )
    report = json.loads(cli("report", "breach", "INC-1", "--regime", "gdpr", "--format", "json").stdout)
    sa = next(c for c in report["deadlines"] if c["id"] == "sa-72h")
    assert sa["status"] == "met" and sa["met_reference"] == "DPC-42" and sa["due_at"] == "2026-04-01T00:30:00Z"
    rows = json.loads(cli("report", "deadlines", "--format", "json").stdout)
    assert {(r["regime"], r["deadline"]) for r in rows} >= {("gdpr", "sa-72h"), ("us-state:CA", "individuals-30d")}
    unknown = cli("report", "breach", "INC-1", "--regime", "us-state:ZZ", expect=1).exception
    assert isinstance(unknown, UsageError) and "us-state:CA" in str(unknown)
