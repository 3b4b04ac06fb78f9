"""``secops ioc``: import CSV, plain lists, STIX 2.1 and MISP; list; match at ingest and retroactively."""

from __future__ import annotations

from pathlib import Path

import pytest

from secops.ingest import ingest_files
from secops.inputs import expand
from secops.ioc.match import IngestHook
from secops.pipeline import Stats
from secops.registry import ParseContext
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from tests.triage.conftest import Cli

DATA = Path(__file__).parent / "data"


def test_stix_sample_is_valid_stix_2_1() -> None:
    from stix2validator import validate_file

    assert validate_file(str(DATA / "bundle.json")).is_valid


def keys(cli: Cli) -> set[str]:
    return {f"{i['type']}:{i['value']}" for i in cli("ioc", "list", "--format", "json").json()}


def test_import_csv_reports_bad_rows_and_keeps_the_rest(cli: Cli) -> None:
    ran = cli("ioc", "import", str(DATA / "feed.csv"), "--format", "json", analyst="dana")
    assert ran.json() == [{"file": str(DATA / "feed.csv"), "indicators": 5, "new": 5, "skipped": 0, "problems": 1}]
    assert "feed.csv:7: not a domain name" in ran.err
    assert keys(cli) == {
        "ip:203.0.113.7",
        "domain:bad.example.net",
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "url:http://bad.example.net/login.php",
        "network:198.51.100.0/28",
    }
    listed = {i["value"]: i for i in cli("ioc", "list", "--format", "json").json()}
    assert listed["203.0.113.7"]["tags"] == ["ssh", "bruteforce"] and listed["bad.example.net"]["severity"] == "medium"
    assert listed["198.51.100.0/28"]["expires"].startswith("2099-01-01")
    entry = cli("audit", "log", "--action", "ioc.import", "--format", "json").json()[0]
    assert entry["actor"] == "dana" and entry["after"]["new"] == 5 and len(entry["after"]["sha256"]) == 64


def test_a_csv_row_past_the_field_limit_is_a_problem_and_the_next_rows_are_read(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "huge-field.csv"
    feed.write_text("type,value\nip,203.0.113.9\ndomain," + "a" * 200_000 + "\nip,203.0.113.10\n")
    ran = cli("ioc", "import", str(feed), "--format", "json")
    assert ran.json() == [{"file": str(feed), "indicators": 2, "new": 2, "skipped": 0, "problems": 1}]
    assert f"{feed.name}:3: field larger than field limit" in ran.err
    assert keys(cli) == {"ip:203.0.113.9", "ip:203.0.113.10"}


def test_import_plain_list_guesses_types(cli: Cli) -> None:
    ran = cli("ioc", "import", str(DATA / "list.txt"), "--format", "json")
    assert ran.json()[0]["indicators"] == 4 and "list.txt:7: not an IP" in ran.err
    assert keys(cli) == {
        "ip:203.0.113.8",
        "domain:evil.example.org",
        "ip:2001:db8::dead",
        "md5:d41d8cd98f00b204e9800998ecf8427e",
    }
    assert [i["value"] for i in cli("ioc", "list", "--type", "ip", "--format", "json").json()] == [
        "2001:db8::dead",
        "203.0.113.8",
    ]


def test_import_stix_bundle(cli: Cli) -> None:
    ran = cli("ioc", "import", str(DATA / "bundle.json"), "--format", "json")
    assert ran.json()[0] | {"file": None} == {"file": None, "indicators": 4, "new": 4, "skipped": 2, "problems": 1}
    assert "1 pattern(s) with AND were widened" in ran.err
    assert keys(cli) == {
        "ip:198.51.100.23",
        "domain:c2.example.com",
        "sha256:aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
        "network:192.0.2.0/25",
    }
    c2 = next(i for i in cli("ioc", "list", "--format", "json").json() if i["value"] == "c2.example.com")
    assert c2["description"] == "Command and control for the campaign"
    assert c2["references"] == ["https://cti.example.gov/reports/42"] and c2["tags"] == ["malicious-activity"]


def test_import_misp_event(cli: Cli) -> None:
    ran = cli("ioc", "import", str(DATA / "misp.json"), "--source", "misp-17", "--format", "json")
    # domain, ip from ip|port, md5 from filename|md5, sha1 in an object; email, non-IDS and deleted are skipped.
    assert ran.json()[0]["indicators"] == 4 and ran.json()[0]["skipped"] == 3
    listed = {i["value"]: i for i in cli("ioc", "list", "--format", "json").json()}
    assert set(listed) == {
        "invoice-portal.example",
        "203.0.113.50",
        "9e107d9d372bb6826bd81d3542a419d6",
        "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12",
    }
    assert listed["invoice-portal.example"]["severity"] == "medium"  # threat level 2
    assert listed["203.0.113.50"]["tags"] == ["tlp:amber", "c2"] and listed["203.0.113.50"]["source"] == "misp-17"
    everything = cli("ioc", "import", str(DATA / "misp.json"), "--all-attributes", "--format", "json").json()[0]
    assert everything["indicators"] == 5  # the context-only domain too; the deleted URL never


def test_unreadable_input_names_the_file(cli: Cli, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"type": "bundle", ')
    ran = cli("ioc", "import", str(broken), expect=None)
    assert ran.code != 0 and str(broken) in str(ran.exception)


@pytest.fixture
def feed_and_events(data_dir: Path, tmp_path: Path) -> Path:
    log = tmp_path / "auth.log"
    log.write_text(
        "Nov 20 12:00:01 ws-01 sshd[100]: Failed password for root from 203.0.113.7 port 40000 ssh2\n"
        "Nov 20 12:00:02 ws-01 sshd[100]: Failed password for root from 198.51.100.5 port 40001 ssh2\n"
        "Nov 20 12:00:03 ws-01 sshd[100]: Failed password for root from 192.0.2.99 port 40002 ssh2\n"
    )
    return log


def test_match_retroactively_then_at_ingest(cli: Cli, data_dir: Path, feed_and_events: Path) -> None:
    cli("collect", "file", str(feed_and_events))
    cli("ioc", "import", str(DATA / "feed.csv"))
    matched = cli("ioc", "match", "--since", "2000-01-01", "--format", "json").json()
    assert matched["events_matched"] == 2 and matched["new_alerts"] == 2
    alerts = cli("alerts", "list", "--rule", "IOC match", "--format", "json").json()
    assert {a["details"]["ioc"]["value"] for a in alerts} == {"203.0.113.7", "198.51.100.0/28"}
    assert {a["rule"]["source"] for a in alerts} == {"ioc"} and {a["entities"]["hosts"][0] for a in alerts} == {"ws-01"}
    assert alerts[0]["events"][0]["file"] == str(feed_and_events)
    assert cli("ioc", "match", "--since", "2000-01-01", "--format", "json").json()["new_alerts"] == 0
    # At ingest: the batch hook the ingest path calls sees a new log with the STIX scanner network in it.
    cli("ioc", "import", str(DATA / "bundle.json"))
    more = feed_and_events.with_name("more.log")
    more.write_text("Nov 21 09:00:00 ws-02 sshd[7]: Failed password for admin from 192.0.2.1 port 5 ssh2\n")
    events, cases = EmbeddedEventStore(data_dir), SqliteCaseStore(data_dir / STATE_DB)
    hook = IngestHook(cases)
    ingest_files(expand([more]), "auto", ParseContext(), events, cases, Stats(), on_batch=hook)
    events.close()
    cases.close()
    assert hook.stored == 1
    fresh = cli("alerts", "list", "--host", "ws-02", "--format", "json").json()
    assert [a["details"]["ioc"]["value"] for a in fresh] == ["192.0.2.0/25"]
