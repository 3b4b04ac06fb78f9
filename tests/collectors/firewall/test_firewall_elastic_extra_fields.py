"""Our firewall parsers against Elastic's documents on the fields QA found wrong or missing.

The vectors and the runs are those of ``test_firewall_elastic_vectors.py``
(``secops parse --format auto`` on each file of ``../shared/data/firewall``,
Elastic License 2.0: read from there, never copied here); the fields are
others: ``event.action``, the byte and packet totals, the per-side packet
counts, both NAT objects, ``related.ip`` and ``observer.hostname``. Unlike
there, a field we emit that Elastic's document lacks is a miss as well: a NAT
object for an untranslated session, or 0.0.0.0 in ``related.ip``, is the kind
of error these fields had. Lists compare as sets, everything else exactly,
types included. A vendor whose documents have none of these fields has
nothing to compare (CEF: Elastic decodes it in the agent).

Per vendor the agreement over (document, field) pairs is printed with every
difference, and must reach ``THRESHOLD``, or the floor in ``KNOWN`` for the
vendors where we differ from Elastic on purpose or Elastic's value does not
come from the line; the reasons are written there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secops import ecs
from tests.collectors.firewall.test_firewall_elastic_vectors import VENDORS, run_parse, same, zone_from_config

COMPARED = [
    "event.action",
    "network.bytes",
    "network.packets",
    "source.packets",
    "destination.packets",
    "source.nat.ip",
    "source.nat.port",
    "destination.nat.ip",
    "destination.nat.port",
    "related.ip",
    "observer.hostname",
]
THRESHOLD = 0.95
KNOWN: dict[str, tuple[float, str]] = {
    "cisco_asa": (
        0.89,
        "Elastic reads no NAT from cluster stub connections (302022), no address at all from the other "
        "stubs (302024-302027), and none from 710006 when one of its addresses is malformed; we keep what "
        "the line says.",
    ),
    "cisco_ftd": (
        0.88,
        "Elastic reads no addresses from some FTD messages (852002, 305013, and 313005 whose %FTD tag "
        "carries a suffix): we take them into related.ip, and 313005's firewall-rule action.",
    ),
    "checkpoint": (
        0.90,
        "in the RFC 5424 layout we map xlatesport_svc/xlatedport_svc to the NAT ports (as sport_svc/svc "
        "to the ports); Elastic leaves them under checkpoint.*.",
    ),
    "barracuda_cloudgen_firewall": (
        0.70,
        "Elastic's observer.hostname comes from the transport (lumberjack), not the line; Elastic leaves "
        "NAT addresses out of related.ip, we list them as for every vendor.",
    ),
}


def compare_vendor(shared_data: Path, vendor: str, tmp_path: Path) -> tuple[int, int, list[str]]:
    folder = shared_data / "firewall" / VENDORS[vendor]
    matched = total = 0
    misses: list[str] = []
    for log in sorted(folder.glob("test-*.log")):
        expected = json.loads(log.with_name(log.name + "-expected.json").read_text())["expected"]
        got = run_parse(log, zone_from_config(folder, log), tmp_path)
        assert len(got) == len(expected), f"{log.name}: {len(expected)} documents, {len(got)} events"
        for number, (want, have) in enumerate(zip(expected, got, strict=True), 1):
            for field in COMPARED:
                value, ours = ecs.get(want, field), ecs.get(have, field)
                if value is None and ours is None:
                    continue
                total += 1
                if value is not None and same(field, value, ours, ""):
                    matched += 1
                else:
                    misses.append(f"{log.name}:{number} {field}: want {value!r} got {ours!r}")
    return matched, total, misses


@pytest.mark.shared_data
@pytest.mark.parametrize("vendor", sorted(VENDORS))
def test_extra_fields_match_elastic_pipeline_output(shared_data: Path, vendor: str, tmp_path: Path) -> None:
    folder = shared_data / "firewall" / VENDORS[vendor]
    documents = [
        document
        for log in folder.glob("test-*.log")
        for document in json.loads(log.with_name(log.name + "-expected.json").read_text())["expected"]
    ]
    if not any(ecs.get(document, field) is not None for document in documents for field in COMPARED):
        print(f"\n{vendor}: {len(documents)} documents, none has a compared field")
        return
    matched, total, misses = compare_vendor(shared_data, vendor, tmp_path)
    floor, why = KNOWN.get(vendor, (THRESHOLD, ""))
    rate = matched / total
    print(f"\n{vendor}: {matched}/{total} (document, field) pairs agree = {rate:.1%} (floor {floor:.0%})")
    if why:
        print(f"  known: {why}")
    for miss in misses:
        print("  miss", miss)
    assert rate >= floor, f"{vendor}: {rate:.1%} < {floor:.0%}"
