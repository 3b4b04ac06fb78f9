"""Our firewall parsers against the ECS documents Elastic's own pipelines produce.

``../shared/data/firewall/`` holds, per product, raw lines and the documents
Elastic's integration makes of them (Elastic License 2.0: read from there,
never copied here). ``secops parse --format auto`` runs on every input file
with the time zone the vector's config names, and each expected document is
compared on the fields the issue lists, when the document has them:

- ``@timestamp`` as an instant. A line whose header carries no year (RFC 3164)
  cannot pin one; Elastic's pipeline then takes the year of its run, so for
  those lines the year is left out of the comparison (the README calls these
  values dynamic). A line pins its year when it writes a date with one.
- lists as sets (Elastic's order of ``event.type`` values carries no meaning);
  everything else exactly, types included.

Per vendor the match rate over (document, field) pairs is printed and must
be at least 95%.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from secops import ecs

COMPARED = [
    "@timestamp",
    "source.ip",
    "source.port",
    "destination.ip",
    "destination.port",
    "source.nat.ip",
    "destination.nat.ip",
    "network.transport",
    "network.direction",
    "event.outcome",
    "event.category",
    "event.type",
    "observer.vendor",
    "observer.product",
    "rule.name",
    "user.name",
    "source.bytes",
    "destination.bytes",
]

VENDORS = {
    "cisco_asa": "cisco_asa/log",
    "cisco_ftd": "cisco_ftd/log",
    "panw": "panw/panos",
    "fortinet_fortigate": "fortinet_fortigate/log",
    "pfsense": "pfsense/log",
    "iptables": "iptables/log",
    "checkpoint": "checkpoint/firewall",
    "juniper_srx": "juniper_srx/log",
    "sonicwall_firewall": "sonicwall_firewall/log",
    "cef": "cef/log",
    "sophos": "sophos/xg",
    "zscaler_zia": "zscaler_zia/firewall",
    "barracuda_cloudgen_firewall": "barracuda_cloudgen_firewall/log",
}
THRESHOLD = 0.95
_OFFSET = re.compile(r"^([+-])(\d\d):?(\d\d)$")


def zone_from_config(folder: Path, log: Path) -> str:
    """The zone Elastic's test config assumes, as an IANA name (``+0500`` → ``Etc/GMT-5``)."""
    for config in (log.with_name(log.name + "-config.yml"), folder / "test-common-config.yml"):
        if not config.exists():
            continue
        found = re.search(r"tz_offset:\s*\"?([^\"\n]+)\"?", config.read_text())
        if found:
            value = found.group(1).strip()
            offset = _OFFSET.match(value)
            if offset is None:
                return value
            sign, hours, minutes = offset.groups()
            assert minutes == "00", f"{config}: only whole-hour offsets have IANA names"
            if int(hours) == 0:
                return "UTC"
            return f"Etc/GMT{'-' if sign == '+' else '+'}{int(hours)}"  # POSIX names invert the sign
    return "UTC"


def run_parse(log: Path, zone: str, tmp_path: Path) -> list[dict[str, Any]]:
    config = tmp_path / f"{log.stem}.toml"
    config.write_text(f'timezone = "{zone}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    done = subprocess.run(
        [sys.executable, "-m", "secops", "--config", str(config), "parse", str(log), "--format", "auto"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def same(field: str, expected: Any, actual: Any, original: str) -> bool:
    if actual is None:
        return False
    if field == "@timestamp":
        want, got = ecs.parse_ts(expected), ecs.parse_ts(actual)
        if not has_year(original, want.year):
            got = _with_year(got, want)
        return want == got
    if isinstance(expected, list) or isinstance(actual, list):
        as_set = lambda v: {json.dumps(x) for x in (v if isinstance(v, list) else [v])}  # noqa: E731
        return as_set(expected) == as_set(actual)
    return bool(expected == actual and type(expected) is type(actual))


def has_year(original: str, year: int) -> bool:
    """Whether the record writes a date with this year (ISO, ``Mon dd yyyy`` or ``dd/Mon/yyyy``)."""
    dated = rf"{year}[-/]\d\d[-/]\d\d|[A-Z][a-z]{{2}} +\d{{1,2}},? +{year}\b|\d\d/[A-Z][a-z]{{2}}/{year}\b"
    return re.search(dated, original) is not None


def _with_year(got: datetime, want: datetime) -> datetime:
    local = got.astimezone(want.tzinfo)
    try:
        return local.replace(year=want.year)
    except ValueError:  # Feb 29
        return local


def compare_vendor(shared_data: Path, vendor: str, tmp_path: Path) -> tuple[int, int, list[str], int, int]:
    folder = shared_data / "firewall" / VENDORS[vendor]
    matched = total = docs = events = 0
    misses: list[str] = []
    for log in sorted(folder.glob("test-*.log")):
        expected = json.loads(log.with_name(log.name + "-expected.json").read_text())["expected"]
        lines = [line for line in log.read_text().splitlines() if line.strip()]
        got = run_parse(log, zone_from_config(folder, log), tmp_path)
        docs += len(lines)
        events += len(got)
        for number, (want, have) in enumerate(zip(expected, got, strict=False), 1):
            original = ecs.get(have, "event.original", "")
            for field in COMPARED:
                value = ecs.get(want, field)
                if value is None:
                    continue
                total += 1
                if same(field, value, ecs.get(have, field), original):
                    matched += 1
                else:
                    misses.append(f"{log.name}:{number} {field}: want {value!r} got {ecs.get(have, field)!r}")
    return matched, total, misses, docs, events


@pytest.mark.shared_data
@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_matches_elastic_pipeline_output(shared_data: Path, vendor: str, tmp_path: Path) -> None:
    matched, total, misses, lines, events = compare_vendor(shared_data, vendor, tmp_path)
    assert events == lines, f"{vendor}: {lines} lines gave {events} events"
    if total == 0:
        print(f"\n{vendor}: {lines} documents, none has a compared field (Elastic decodes it in the agent)")
        return
    rate = matched / total
    print(f"\n{vendor}: {matched}/{total} (document, field) pairs match = {rate:.1%}")
    for miss in misses:
        print("  miss", miss)
    assert rate >= THRESHOLD, f"{vendor}: {rate:.1%} < {THRESHOLD:.0%}"
