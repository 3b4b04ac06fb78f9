"""``linux-auth``: the remote host of sshd and PAM lines is an address, a host name, or neither.

``source.ip`` and ``related.ip`` are ``ip`` fields: Elasticsearch rejects a
document whose value there is not an address, so a name (sshd with
``UseDNS yes``, PAM's ``rhost=``) goes to ``source.domain`` and anything else
to neither (PAM's raw ``rhost`` stays under ``system.auth.pam``).
"""

from __future__ import annotations

from datetime import UTC

import pytest

from secops import ecs
from secops.registry import ParseContext, get_parser

CTX = ParseContext(timezone=UTC, year=2026)
PAM = "Nov 25 21:40:53 bastion sshd[4121]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "


def fields(line: str) -> dict[str, object]:
    event = get_parser("linux-auth").parse(line, CTX)
    flat = ecs.flatten(event)
    assert [name for name in flat if not ecs.is_known_field(name)] == []
    return flat


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Nov 25 21:40:52 bastion sshd[4120]: Accepted password for alice from feed.ca port 51514 ssh2",
            {"source.domain": "feed.ca", "source.port": 51514, "user.name": "alice", "event.outcome": "success"},
        ),
        (
            "Nov 25 21:40:52 bastion sshd[4120]: Failed password for root from gw-2.corp.example port 2222 ssh2",
            {"source.domain": "gw-2.corp.example", "source.port": 2222, "event.outcome": "failure"},
        ),
        (
            "Nov 25 21:40:52 bastion sshd[4120]: Invalid user pi from 10.1.2.3.4 port 22",
            {"source.port": 22, "user.name": "pi"},
        ),
        (PAM + "tty=ssh ruser= rhost=10.1.2.3.4  user=root", {"system.auth.pam.rhost": "10.1.2.3.4"}),
        (PAM + "tty=ssh ruser= rhost=dsl-7.isp.example  user=root", {"source.domain": "dsl-7.isp.example"}),
        (PAM + "tty=ssh ruser= rhost=2001:db8::7  user=root", {"source.ip": "2001:db8::7"}),
        (
            "Nov 25 21:41:04 db01 sshd[907]: Did not receive identification string from scanner.example port 4444",
            {"source.domain": "scanner.example", "source.port": 4444},
        ),
    ],
)
def test_only_addresses_are_ips(line: str, expected: dict[str, object]) -> None:
    flat = fields(line)
    want = {"source.ip": None, "source.domain": None, **expected}  # unless named: absent
    assert {name: flat.get(name) for name in want} == want
    ip = flat.get("source.ip")
    assert flat.get("related.ip") == ([ip] if ip else None)
    if ip is None:
        assert "system.auth.ssh.dropped_ip" not in flat


def test_an_address_still_is_one() -> None:
    flat = fields("Nov 25 21:40:52 bastion sshd[4120]: Accepted password for alice from 10.1.2.3 port 51514 ssh2")
    assert (flat["source.ip"], flat["related.ip"], flat.get("source.domain")) == ("10.1.2.3", ["10.1.2.3"], None)
