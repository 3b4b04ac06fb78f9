"""Keyword rules in the batch evaluator (one literal set per partition) and literals a float prints: engines agree."""

from __future__ import annotations

import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from secops.detect import literals
from secops.detect.detector import Detector
from secops.detect.literals import LiteralSet
from secops.detect.rules import load_rules
from tests.detect.test_differential import has_keywords

KEYWORD_RULES = """
title: Kernel module from tmp
id: 11111111-1111-4111-8111-111111111111
taxonomy: ecs
logsource: {product: test}
detection:
  words: ['insmod /tmp/', 'C:\\Users\\Public\\x.exe']
  condition: words
level: high
---
title: Shadow touched by a non-root shell
id: 22222222-2222-4222-8222-222222222222
taxonomy: ecs
logsource: {product: test}
detection:
  words: ['/etc/shadow']
  root: {user.name: root}
  condition: words and not root
level: medium
---
title: Windows keyword in its own partition
id: 33333333-3333-4333-8333-333333333333
logsource: {product: windows, service: security}
detection:
  words: ['mimikatz']
  condition: words
level: high
---
title: A colon, in every event's JSON
id: 44444444-4444-4444-8444-444444444444
taxonomy: ecs
logsource: {product: test}
detection:
  words: [':']
  sel: {event.code: '7'}
  condition: words and sel
level: low
---
title: Text only a float prints
id: 55555555-5555-4555-8555-555555555555
taxonomy: ecs
logsource: {product: test}
detection:
  words: ['-inf']
  condition: words
level: low
---
title: A field's float text
id: 66666666-6666-4666-8666-666666666666
taxonomy: ecs
logsource: {product: test}
detection:
  sel: {network.bytes|endswith: 'e-05'}
  condition: sel
level: low
---
title: A copy tool with a remote target
id: 77777777-7777-4777-8777-777777777777
taxonomy: ecs
logsource: {product: test}
detection:
  tools: ['scp ', 'rsync ']
  remote: ['@', ':']
  condition: tools and remote
level: low
---
title: A city in capitals
id: 88888888-8888-4888-8888-888888888888
taxonomy: ecs
logsource: {product: test}
detection:
  words: ['İstanbul']
  condition: words
level: low
"""


@pytest.fixture(params=["hyperscan", "re2"])
def searcher(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each literal search engine in turn: Hyperscan where it is installed, RE2 where it has no wheel."""
    if request.param == "re2":
        monkeypatch.setattr(literals, "hyperscan", None)
    elif literals.hyperscan is None:
        assert platform.machine() not in ("x86_64", "AMD64"), "hyperscan is a dependency here: it must be installed"
        pytest.skip("hyperscan has no wheel for this platform; RE2 searches instead")
    return request.param


def test_literal_set_reports_every_literal_once(searcher: str) -> None:
    found = LiteralSet(["abc", "bc", "c", "zz", "x\\\\y", "-"])  # a backslash as JSON escapes it
    assert sorted(found.search(b"__ABC__abc__c")) == [0, 1, 2]  # overlapping, repeated, any ASCII case
    assert sorted(found.search(b'{"p":"X\\\\Y-"}')) == [4, 5]
    assert found.search(b"nothing here") == []


def _both(detector: Detector, events: list[dict]) -> tuple[set[tuple[int, str]], set[tuple[int, str]]]:
    batch = {(row, rule.id) for row, rules in detector.engine.match_batch(events) for rule in rules}
    single = {(row, rule.id) for row, event in enumerate(events) for rule in detector.engine.match(event)}
    return batch, single


def test_keyword_rules_match_as_the_per_event_engine(detector: Callable[..., Detector], searcher: str) -> None:
    events = [
        {"process": {"command_line": "insmod /tmp/rootkit.ko"}},
        {"file": {"path": "C:\\Users\\Public\\x.exe"}},  # a backslash, escaped in the row's JSON text
        {"process": {"args": ["cat", "/etc/shadow"]}, "user": {"name": "www-data"}},
        {"process": {"args": ["cat", "/etc/shadow"]}, "user": {"name": "root"}},
        {"message": "INSMOD /TMP/x at 10:00", "event": {"code": "7"}},  # keywords are case-blind
        {"winlog": {"channel": "Security"}, "message": "mimikatz sekurlsa::logonpasswords"},
        {"message": "mimikatz", "winlog": {"channel": "System"}},  # outside that rule's partition
        {"message": "insmod /tmp/x", "big": 2**70},  # no JSON text: its row is tested outright
        {"message": "nothing here", "event": {"original": "insmod /tmp/ only in the original"}},
        {"message": "no colon in any value", "event": {"code": "7"}},  # only in the JSON text's syntax
        {"ratio": float("-inf")},  # str() gives -inf, the JSON text null
        {"network": {"bytes": 1e-05}},  # str() gives 1e-05, the JSON text 0.00001
        {"process": {"command_line": "scp x.tar backup@10.0.0.9:/srv"}},
        {"process": {"command_line": "rsync -a /srv /mnt"}},  # ':' and '@' only in the JSON text
        {"message": "FLIGHT TO İSTANBUL"},  # lowercases to a dotted i that RE2's case folding does not give
    ]
    built = detector(KEYWORD_RULES)
    batch, single = _both(built, events)
    assert batch == single
    by_title = {rule.id: rule.title for rule in built.rules}
    assert sorted((row, by_title[rid]) for row, rid in batch) == [
        (0, "Kernel module from tmp"),
        (1, "Kernel module from tmp"),
        (2, "Shadow touched by a non-root shell"),
        (4, "A colon, in every event's JSON"),
        (4, "Kernel module from tmp"),
        (5, "Windows keyword in its own partition"),
        (7, "Kernel module from tmp"),
        (10, "Text only a float prints"),
        (11, "A field's float text"),
        (12, "A copy tool with a remote target"),
        (14, "A city in capitals"),
    ]


def test_many_keyword_hits_in_one_batch(detector: Callable[..., Detector], searcher: str) -> None:
    """Hundreds of rows found by one literal, among rows without it: the row sets are built in bulk."""
    events = [{"process": {"command_line": f"insmod /tmp/m{i}.ko" if i % 3 else f"modprobe m{i}"}} for i in range(900)]
    batch, single = _both(detector(KEYWORD_RULES), events)
    assert batch == single
    assert sorted(row for row, _ in batch) == [i for i in range(900) if i % 3]


@pytest.mark.shared_data
@pytest.mark.slow
def test_every_sigmahq_rule_batch_equals_per_event(shared_data: Path, tmp_path: Path) -> None:
    """SigmaHQ's rule folders (keyword lists included) over the EVTX samples, Linux logs and every generated format."""
    secops = [sys.executable, "-m", "secops"]
    generated = tmp_path / "gen"
    subprocess.run([*secops, "generate", "-o", str(generated), "-n", "20000", "--seed", "5"], check=True)
    inputs = [p for p in sorted(generated.glob("*")) if p.name != "manifest.json"]
    inputs += sorted((shared_data / "endpoint" / "evtx").rglob("*.evtx"))
    inputs += sorted((shared_data / "endpoint" / "loghub").glob("*/*_2k.log"))
    parsed = subprocess.run([*secops, "parse", *map(str, inputs)], capture_output=True, check=True)
    events = [orjson.loads(line) for line in parsed.stdout.splitlines()]
    folders = [shared_data / "sigma" / name for name in ("rules", "rules-emerging-threats", "rules-threat-hunting")]
    built = Detector(load_rules([f for f in folders if f.is_dir()]))
    batch, single = _both(built, events)
    assert batch == single, sorted(batch ^ single)[:20]
    keyword_rules = {r.id for r in built.rules if has_keywords(r.rule)}
    assert len(keyword_rules) > 50
    assert len({rid for _, rid in batch} & keyword_rules) >= 3, "too few keyword rules matched to prove much"
