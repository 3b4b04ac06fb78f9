"""One console for the web tests: a demo data directory with hostile events added, served by the real CLI.

``secops demo --events 20000`` builds the data once per session (about a
minute); then a small Suricata EVE file and an auth log carrying
``<script>``, ``<img onerror>`` and ``javascript:`` values are collected into
the same store and the detections run again, so the hostile values reach the
DNS and TLS panels; an alert on each hostile auth event (entities taken from
the event, as detection does) puts them in the alert queue. ``secops dashboard --port 0`` serves
it on loopback as a subprocess, exactly as a user starts it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from secops import ecs
from secops.cases.models import Alert, Entities, MatchedEvent, RuleRef
from secops.query import Match
from secops.store.cases_sqlite import SqliteCaseStore
from secops.store.embedded import EmbeddedEventStore
from secops.store.sqlite import STATE_DB
from secops.types import Severity
from tests.conftest import REPO

DEMO_EVENTS = 20_000
ANALYST = "tester"
HOSTILE_USER = "<script>alert(1)</script>"
HOSTILE_USER_IMG = "<img/src=x/onerror=alert(4)>"
HOSTILE_USER_BIDI = "admin\u202egnp.exe"  # a right-to-left override: shown raw, it reads "adminexe.png"
HOSTILE_DNS = "<img src=x onerror=alert(2)>"
HOSTILE_SNI = "javascript:alert(3)"
ARTIFACTS = REPO / "artifacts" / "dashboard"


def environment(data: Path, home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_") or k == "SECOPS_SHARED_DATA"}
    env.update(SECOPS_DATA_DIR=str(data), XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "xdg"))
    env.update(extra)
    return env


def secops(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "secops", *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )
    assert result.returncode == 0, f"secops {' '.join(args)}: {result.stderr[-2000:]}"
    return result


def hostile_inputs(folder: Path) -> list[Path]:
    """Attacker-chosen values in fields the console shows; enough DNS questions to lead the top list."""
    now = datetime.now(UTC) - timedelta(minutes=5)
    syslog = now.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    auth = folder / "hostile-auth.log"
    auth.write_text(
        "".join(
            f"{syslog} web01-hq sshd[{4242 + n}]: Failed password for invalid user {user} from 203.0.113.66 "
            f"port {4242 + n} ssh2\n"
            for n, user in enumerate([HOSTILE_USER, HOSTILE_USER_IMG, HOSTILE_USER_BIDI])
        )
    )
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%f+0000")
    records = []
    for n in range(60):
        records.append({"timestamp": stamp, "event_type": "dns", "src_ip": "10.1.1.5", "src_port": 40000 + n,
                        "dest_ip": "10.1.1.53", "dest_port": 53, "proto": "UDP",
                        "dns": {"type": "query", "id": n, "rrname": HOSTILE_DNS, "rrtype": "A"}})  # fmt: skip
    for n, sni in enumerate([HOSTILE_SNI] * 6 + ["intranet.agency.gov"] * 3 + ["updates.example.org"] * 2):
        records.append({"timestamp": stamp, "event_type": "tls", "src_ip": "10.1.1.5", "src_port": 50000 + n,
                        "dest_ip": "198.51.100.77", "dest_port": 443, "proto": "TCP",
                        "tls": {"sni": sni, "version": "TLS 1.3"}})  # fmt: skip
    eve = folder / "hostile-eve.json"
    eve.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return [auth, eve]


def raise_hostile_alerts(data: Path) -> None:
    """An alert on each hostile auth event, stored as detection stores them (entities from the event)."""
    events = EmbeddedEventStore(data)
    cases = SqliteCaseStore(data / STATE_DB)
    try:
        alerts = []
        for user in (HOSTILE_USER, HOSTILE_USER_IMG, HOSTILE_USER_BIDI):
            found = list(events.search(Match("user.name", user)))
            assert len(found) == 1, user
            event_id = found[0]["event"]["id"]
            key = f"web-test:{event_id}"
            alerts.append(
                Alert(
                    id=Alert.make_id(key),
                    dedup_key=key,
                    timestamp=ecs.parse_ts(found[0]["@timestamp"]),
                    rule=RuleRef(id="web-test-ssh", name="Failed SSH login (console test)", author="secops tests"),
                    severity=Severity.MEDIUM,
                    techniques=["T1110.001"],
                    tactics=["credential-access"],
                    events=[MatchedEvent(id=event_id, timestamp=found[0]["@timestamp"])],
                    entities=Entities(hosts=["web01-hq"], users=[user], ips=["203.0.113.66"]),
                )
            )
        assert len(cases.add_alerts(alerts)) == len(alerts)
    finally:
        events.close()
        cases.close()


@dataclass
class Site:
    data: Path
    env: dict[str, str]


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    home = tmp_path_factory.mktemp("console")
    data = home / "data"
    env = environment(data, home)
    started = time.monotonic()
    secops(env, "demo", "--events", str(DEMO_EVENTS))
    auth, eve = hostile_inputs(home)
    secops(env, "collect", "file", str(auth), "--format", "linux-auth")
    secops(env, "collect", "file", str(eve), "--format", "suricata-eve")
    secops(env, "detect", "run")
    raise_hostile_alerts(data)
    print(f"console data built in {time.monotonic() - started:.0f} s at {data}")
    return Site(data, env)


@dataclass
class Console:
    base: str
    token: str
    port: int
    process: subprocess.Popen[str]
    banner: str


def start_console(env: dict[str, str], *args: str) -> Console:
    process = subprocess.Popen(
        [sys.executable, "-m", "secops", "--analyst", ANALYST, "dashboard", "--port", "0", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"serving (http://127\.0\.0\.1:(\d+)/)(?:\?token=(\S+))?", line)
    if not found:
        process.kill()
        raise AssertionError(f"no address printed: {line!r} {process.stderr.read() if process.stderr else ''}")
    return Console(found.group(1), found.group(3) or "", int(found.group(2)), process, line)


def stop_console(console: Console) -> None:
    console.process.terminate()
    try:
        console.process.wait(timeout=20)
    finally:
        if console.process.poll() is None:
            console.process.kill()
        for stream in (console.process.stdout, console.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="session")
def console(site: Site) -> Iterator[Console]:
    served = start_console(site.env)
    yield served
    stop_console(served)
