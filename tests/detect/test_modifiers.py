"""Value modifiers, keywords, null and selections of the Sigma specification, on the native engine.

Every case states an event that must match and one that must not; each is also
checked without the prefilter so the prefilter can never hide a match.
"""

from __future__ import annotations

import base64
import time

import pytest

from secops.config import DetectConfig

HEAD = """
title: t
id: 11111111-1111-4111-8111-111111111111
taxonomy: ecs
logsource: {product: test}
detection:
"""


def fires(detector, detection: str, event: dict, config: DetectConfig | None = None) -> bool:
    det = detector(HEAD + detection, config)
    assert det.ruleset.problems == [], det.ruleset.problems
    fast = bool(det.engine.match(event))
    assert fast == bool(det.engine.match_all(event)), "prefilter disagrees with full evaluation"
    return fast


CASES = [
    # (detection, matching event, non-matching event)
    (
        "  s: {process.command_line|contains: 'WhoAmI'}\n  condition: s",
        {"process": {"command_line": "c:\\x\\whoami /all"}},
        {"process": {"command_line": "who am i"}},
    ),
    (
        "  s: {file.path|startswith: 'C:\\Temp\\'}\n  condition: s",
        {"file": {"path": "c:\\temp\\a.exe"}},
        {"file": {"path": "D:\\c:\\temp\\"}},
    ),
    ("  s: {file.path|endswith: '.PS1'}\n  condition: s", {"file": {"path": "x.ps1"}}, {"file": {"path": "x.ps1.txt"}}),
    ("  s: {user.name: 'Admin*'}\n  condition: s", {"user": {"name": "administrator"}}, {"user": {"name": "xadmin"}}),
    ("  s: {user.name: 'a?c'}\n  condition: s", {"user": {"name": "ABC"}}, {"user": {"name": "abbc"}}),
    (
        "  s: {process.command_line|contains|all: [' -a', ' -b']}\n  condition: s",
        {"process": {"command_line": "x -b -a"}},
        {"process": {"command_line": "x -a"}},
    ),
    (
        "  s: {process.command_line|re: 'ab+c'}\n  condition: s",
        {"process": {"command_line": "xxabbbcxx"}},
        {"process": {"command_line": "ABBC"}},
    ),
    (
        "  s: {process.command_line|re|i: 'ab+c'}\n  condition: s",
        {"process": {"command_line": "ABBC"}},
        {"process": {"command_line": "ac"}},
    ),
    ("  s: {message|re|m: '^two$'}\n  condition: s", {"message": "one\ntwo\nthree"}, {"message": "one two"}),
    ("  s: {message|re|s: 'a.b'}\n  condition: s", {"message": "a\nb"}, {"message": "a\n\nb"}),
    (
        "  s: {source.ip|cidr: 10.0.0.0/8}\n  condition: s",
        {"source": {"ip": "10.200.1.1"}},
        {"source": {"ip": "11.0.0.1"}},
    ),
    (
        "  s: {source.ip|cidr: '2001:db8::/32'}\n  condition: s",
        {"source": {"ip": "2001:db8::5"}},
        {"source": {"ip": "2001:db9::5"}},
    ),
    (
        "  s: {message|base64: 'secret'}\n  condition: s",
        {"message": base64.b64encode(b"secret").decode()},
        {"message": "secret"},
    ),
    (
        "  s: {message|base64offset|contains: 'http://'}\n  condition: s",
        {"message": base64.b64encode(b"xx http://evil").decode()},
        {"message": base64.b64encode(b"https only").decode()},
    ),
    (
        "  s: {process.command_line|windash|contains: ' -exec '}\n  condition: s",
        {"process": {"command_line": "p /exec x"}},
        {"process": {"command_line": "p exec x"}},
    ),
    (
        "  s: {message|wide|base64offset|contains: 'cmd'}\n  condition: s",
        {"message": base64.b64encode("run cmd now".encode("utf-16-le")).decode()},
        {"message": base64.b64encode(b"run cmd now").decode()},
    ),
    (
        "  s: {message|utf16be|base64|contains: 'ab'}\n  condition: s",
        {"message": "zz" + base64.b64encode("ab".encode("utf-16-be")).decode()},
        {"message": base64.b64encode(b"ab").decode()},
    ),
    ("  s: {user.name|exists: true}\n  condition: s", {"user": {"name": ""}}, {"user": {"id": "1"}}),
    ("  s: {user.name|exists: false}\n  condition: s", {"user": {"id": "1"}}, {"user": {"name": "x"}}),
    (
        "  s: {destination.port|gt: 1024}\n  condition: s",
        {"destination": {"port": 4444}},
        {"destination": {"port": 1024}},
    ),
    (
        "  s: {destination.port|gte: 1024}\n  condition: s",
        {"destination": {"port": "1024"}},
        {"destination": {"port": 80}},
    ),
    (
        "  s: {destination.port|lt: 1024}\n  condition: s",
        {"destination": {"port": 80}},
        {"destination": {"port": 1024}},
    ),
    (
        "  s: {destination.port|lte: 1024}\n  condition: s",
        {"destination": {"port": 1024}},
        {"destination": {"port": 1025}},
    ),
    ("  s: {user.name|neq: root}\n  condition: s", {"user": {"name": "alice"}}, {"user": {"name": "ROOT"}}),
    (
        "  s: {source.user.name|fieldref: destination.user.name}\n  condition: s",
        {"source": {"user": {"name": "Bob"}}, "destination": {"user": {"name": "bob"}}},
        {"source": {"user": {"name": "bob"}}, "destination": {"user": {"name": "eve"}}},
    ),
    ("  s: {user.name|cased: Admin}\n  condition: s", {"user": {"name": "Admin"}}, {"user": {"name": "admin"}}),
    (
        "  s: {'@timestamp|hour': 3}\n  condition: s",
        {"@timestamp": "2026-01-01T03:15:00Z"},
        {"@timestamp": "2026-01-01T04:15:00Z"},
    ),
    ("  s: {user.name: null}\n  condition: s", {"user": {"id": "1"}}, {"user": {"name": "x"}}),
    ("  s: {user.name: ''}\n  condition: s", {"user": {"name": ""}}, {"user": {}}),
    ("  s: {destination.port: 443}\n  condition: s", {"destination": {"port": 443}}, {"destination": {"port": 4430}}),
    (
        "  s: {network.encrypted: true}\n  condition: s",
        {"network": {"encrypted": True}},
        {"network": {"encrypted": False}},
    ),
    (
        "  k: ['mimikatz', 'sekurlsa::']\n  condition: k",
        {"process": {"args": ["x", "SEKURLSA::logonpasswords"]}},
        {"event": {"original": "mimikatz"}, "message": "clean"},
    ),
    (
        "  sel_a: {user.name: a}\n  sel_b: {user.name: b}\n  condition: 1 of sel_*",
        {"user": {"name": "b"}},
        {"user": {"name": "c"}},
    ),
    (
        "  sel_a: {user.name|contains: a}\n  sel_b: {user.name|contains: b}\n  condition: all of sel_*",
        {"user": {"name": "ab"}},
        {"user": {"name": "a"}},
    ),
    (
        "  sel_a: {user.name: a}\n  filter: {host.name: h}\n  condition: all of sel_* and not 1 of filter*",
        {"user": {"name": "a"}},
        {"user": {"name": "a"}, "host": {"name": "h"}},
    ),
    (
        "  s: {dns.answers.data: 10.0.0.1}\n  condition: s",
        {"dns": {"answers": [{"data": "1.1.1.1"}, {"data": "10.0.0.1"}]}},
        {"dns": {"answers": [{"data": "1.1.1.1"}]}},
    ),
    (
        "  s: {winlog.event_data.User|contains: AUTHORI}\n  condition: s",
        {"winlog.event_data.User": "NT AUTHORITY\\SYSTEM"},
        {"winlog": {"event_data": {"User": "bob"}}},
    ),
    (
        "  s: {event.type: denied}\n  condition: s",
        {"event": {"type": ["connection", "denied"]}},
        {"event": {"type": ["connection", "allowed"]}},
    ),
]


@pytest.mark.parametrize(("detection", "good", "bad"), CASES, ids=[c[0].split("\n")[0].strip()[:60] for c in CASES])
def test_modifier(detector, detection: str, good: dict, bad: dict) -> None:
    assert fires(detector, detection, good)
    assert not fires(detector, detection, bad)


def test_expand_uses_configured_placeholders(detector) -> None:
    config = DetectConfig(placeholders={"Admins": ["alice", "bob"]})
    detection = "  s: {user.name|expand: '%Admins%'}\n  condition: s"
    assert fires(detector, detection, {"user": {"name": "Bob"}}, config)
    assert not fires(detector, detection, {"user": {"name": "eve"}}, config)


def test_placeholder_without_values_is_reported_not_dropped(detector) -> None:
    det = detector(HEAD + "  s: {user.name|expand: '%Nobody%'}\n  condition: s")
    assert det.rules == []
    assert any("cannot evaluate" in p.message and "Nobody" in p.message for p in det.ruleset.problems)


def test_regex_outside_the_linear_subset_is_reported(detector) -> None:
    det = detector(HEAD + "  s: {message|re: '(?<=a)b'}\n  condition: s")
    assert det.rules == []
    [problem] = det.ruleset.problems
    assert problem.line == 1 and "linear-time" in problem.message


def test_catastrophic_regex_runs_in_linear_time(detector) -> None:
    det = detector(HEAD + "  s: {message|re: '^(a+)+$'}\n  condition: s")
    started = time.monotonic()
    assert not det.engine.match({"message": "a" * 50_000 + "!"})
    assert time.monotonic() - started < 1.0
