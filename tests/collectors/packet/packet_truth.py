"""Truth for the packet tests, from outside the project: tshark's dissection and the suites' own files.

``tshark_items`` runs ``tshark -T fields`` on one capture and returns the
sets of DNS query names, HTTP (host, URI) pairs and TLS SNIs it reports;
``our_items`` collects the same sets from our events. ``suricata_expected``
reads the values a suricata-verify ``test.yaml`` says Suricata must log.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

import yaml

from secops import ecs
from secops.types import Event

FIELDS = (
    "dns.qry.name",
    "http.host",
    "http.request.uri",
    "tls.handshake.extensions_server_name",
    "tls.handshake.ja3",
    "tls.handshake.ja3s",
)
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz")

Items = set[tuple[str, str]]


def captures(root: Path) -> list[Path]:
    """Every capture file under the shared packet folder, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file() and p.name.endswith(CAPTURE_SUFFIXES))


def tshark_items(path: Path, *options: str) -> Items:
    """(kind, value) items tshark reports for a capture: DNS names, HTTP host + URI, TLS SNI, JA3, JA3S."""
    # Heuristic dissectors first: tshark then recognises protocols by content, as we do, not by port alone.
    cmd = ["tshark", "-n", "-o", "tcp.try_heuristic_first:TRUE", *options, "-r", str(path), "-T", "ek"]
    for field in FIELDS:
        cmd += ["-e", field]
    done = subprocess.run(cmd, capture_output=True, check=False, timeout=600)
    items: Items = set()
    for line in done.stdout.splitlines():
        layers = json.loads(line).get("layers")
        if not layers:
            continue
        dns, hosts, uris, sni, ja3, ja3s = (layers.get(f.replace(".", "_"), []) for f in FIELDS)
        items.update(("dns", _dns_name(n)) for n in dns if not _annotation(n))
        hosts += [""] * (len(uris) - len(hosts))
        items.update(("http", f"{_host(h)} {u}") for h, u in zip(hosts, uris, strict=False))
        items.update(("tls", s) for s in sni)
        items.update(("ja3", h) for h in ja3)
        items.update(("ja3s", h) for h in ja3s)
    return items


def _annotation(name: str) -> bool:
    """tshark's notes in place of a name (``<Name contains a pointer that loops>``), not names."""
    return name.startswith("<") and name.endswith(">") and name != "<Root>"


def _dns_name(name: str) -> str:
    return "" if name == "<Root>" else name


def _host(host: str) -> str:
    name, sep, port = host.rpartition(":")
    return name if sep and port.isdigit() and name.count(":") == 0 else host


def our_items(events: Iterable[Event]) -> Items:
    items: Items = set()
    for event in events:
        dataset = ecs.get(event, "event.dataset")
        if dataset == "network_traffic.dns":
            names = ecs.get(event, "secops.dns.questions") or [ecs.get(event, "dns.question.name")]
            items.update(("dns", n) for n in names if n is not None)
        elif dataset == "network_traffic.http" and ecs.get(event, "http.request.method"):
            host = ecs.get(event, "url.domain", "")
            items.add(("http", f"{host} {ecs.get(event, 'url.original')}"))
        elif dataset == "network_traffic.tls":
            for kind, field in (
                ("tls", "tls.client.server_name"),
                ("ja3", "tls.client.ja3"),
                ("ja3s", "tls.server.ja3s"),
            ):
                if ecs.get(event, field) is not None:
                    items.add((kind, ecs.get(event, field)))
    return items


def http09_items(events: Iterable[Event]) -> Items:
    """Our HTTP/0.9 requests: tshark reads some of them and not others (Zeek logs all), so they are no extras."""
    return our_items(e for e in events if ecs.get(e, "http.version") == "0.9")


def suricata_expected(test_yaml: Path) -> Items:
    """Values that a suricata-verify test says must appear (checks with a positive count)."""
    doc = yaml.safe_load(test_yaml.read_text("utf-8")) or {}
    wanted = {
        "dns.rrname": "dns",
        "dns.queries[0].rrname": "dns",
        "tls.sni": "tls",
    }
    items: Items = set()
    for check in doc.get("checks") or []:
        spec = (check or {}).get("filter") or {}
        if not spec.get("count") or "lt-version" in spec or "min-version" in spec:
            continue
        match = spec.get("match") or {}
        for key, kind in wanted.items():
            if key in match:
                items.add((kind, str(match[key])))
        if "http.hostname" in match and "http.url" in match:
            items.add(("http", f"{match['http.hostname']} {match['http.url']}"))
    return items
