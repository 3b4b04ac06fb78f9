"""``secops generate``: a seeded, reproducible agency network writing raw logs in the collectors' formats.

The network (``network``), the clock (``clock``), the background activity
(``flows``, ``linux_activity``, ``windows_activity``) and the attacks
(``scenarios``) produce records; one writer per format (``formats``) turns
them into the lines the real products write. ``generate`` writes one file per
format, streaming, plus ``manifest.json`` with the ground truth.

Same arguments, same bytes: every random draw comes from generators seeded
with the seed and the format's name, never from the clock or ``hash()``.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secops.errors import UsageError
from secops.generate.clock import Clock
from secops.generate.flows import SiteTraffic
from secops.generate.formats import FIREWALL_WRITERS
from secops.generate.formats import netfilter as nf
from secops.generate.linux_activity import HostFirewallTraffic, LinuxActivity
from secops.generate.network import DOMAIN, Network, build
from secops.generate.scenarios import Scenarios
from secops.generate.windows_activity import WindowsActivity

DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)
"""Fixed so that the same arguments give the same files on any day."""

SHARES: dict[str, float] = {
    "winlog-json": 0.25,
    "panos": 0.15,
    "linux-auth": 0.12,
    "fortigate": 0.08,
    "cisco-asa": 0.08,
    "checkpoint": 0.07,
    "juniper-srx": 0.05,
    "netfilter": 0.05,
    "sonicwall": 0.04,
    "pfsense": 0.04,
    "cef": 0.04,
    "leef": 0.03,
}
"""How an agency's log volume splits: Windows and the big perimeter firewalls dominate."""

FILE_NAMES = {fmt: f"{fmt}.ndjson" if fmt == "winlog-json" else f"{fmt}.log" for fmt in SHARES}
_CHUNK = 4096


@dataclass(frozen=True, slots=True)
class Result:
    out: Path
    records: int
    seconds: float
    """Wall-clock time of the whole run."""
    cpu_seconds: float
    """CPU time the writing processes used (independent of how busy the machine is)."""
    workers: int
    manifest: dict[str, Any]

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    @property
    def cpu_rate(self) -> float:
        """Records per CPU-second: what one free core writes."""
        return self.records / self.cpu_seconds if self.cpu_seconds else 0.0


def quotas(events: int) -> dict[str, int]:
    """Split the total across formats by ``SHARES``, exactly (largest remainders get the rest)."""
    raw = {fmt: events * share for fmt, share in SHARES.items()}
    counts = {fmt: int(value) for fmt, value in raw.items()}
    left = events - sum(counts.values())
    for fmt in sorted(raw, key=lambda f: (counts[f] - raw[f], f))[:left]:
        counts[fmt] += 1
    return counts


def _background(fmt: str, network: Network, seed: int) -> Callable[[float], str]:
    rng = random.Random(f"{seed}:{fmt}:background")
    if fmt == "linux-auth":
        return LinuxActivity(network, rng).line
    if fmt == "winlog-json":
        return WindowsActivity(network, rng).line
    if fmt == "netfilter":
        hosts = HostFirewallTraffic(network, rng)
        return lambda t: nf.line(*hosts.flow(t))
    site = network.by_fmt(fmt)
    traffic = SiteTraffic(site, rng, [u.sam for u in network.users])
    writer = FIREWALL_WRITERS[fmt]
    return lambda t: writer(traffic.flow(t), site)


def _merged(
    clock: Clock,
    count: int,
    rng: random.Random,
    produce: Callable[[float], str],
    injected: list[tuple[float, int, str]],
) -> Iterator[str]:
    """Background lines at ``count`` moments, with the scenario lines slotted in by time."""
    injected.sort()
    position, total = 0, len(injected)
    for t in clock.moments(count, rng):
        while position < total and injected[position][0] < t:
            yield injected[position][2]
            position += 1
        yield produce(t)
    for _t, _seq, text in injected[position:]:
        yield text


def generate(
    out: Path, *, events: int, seed: int, start: datetime | None = None, days: float = 1.0, workers: int | None = None
) -> Result:
    """Write every format's file and the manifest into ``out``; return counts and timing.

    ``workers`` processes write the files in parallel (default: one per CPU).
    """
    if events <= 0:
        raise UsageError("--events must be positive")
    if days <= 0:
        raise UsageError("--days must be positive")
    start = (start or DEFAULT_START).astimezone(UTC)
    began = time.perf_counter()
    network = build(seed)
    clock = Clock(start, days)
    injected, truths = Scenarios(network, clock, seed).run()
    plan = quotas(events)
    short = {fmt: len(injected.get(fmt, [])) for fmt in plan if len(injected.get(fmt, [])) > plan[fmt]}
    if short:
        needed = max(int(len(injected[fmt]) / SHARES[fmt]) + 1 for fmt in short)
        raise UsageError(f"--events {events} is too small for the attack scenarios: use at least {needed}")
    out.mkdir(parents=True, exist_ok=True)
    tasks = [
        _Task(fmt, out / FILE_NAMES[fmt], quota - len(injected.get(fmt, [])), seed, start, days, injected.get(fmt, []))
        for fmt, quota in sorted(plan.items(), key=lambda item: -item[1])
    ]
    jobs = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    if jobs == 1:
        results = list(map(_run_task, tasks))
    else:  # formats are independent streams: one process per core, same bytes as one process
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_run_task, tasks))
    written = {fmt: count for fmt, count, _cpu in results}
    files: dict[str, dict[str, Any]] = {
        fmt: {
            "path": FILE_NAMES[fmt],
            "records": written[fmt],
            "background": plan[fmt] - len(injected.get(fmt, [])),
            "scenario": len(injected.get(fmt, [])),
        }
        for fmt in plan
    }
    manifest: dict[str, Any] = {
        "generator": "secops generate",
        "manifest_version": 1,
        "seed": seed,
        "arguments": {"events": events, "seed": seed, "start": start.isoformat(), "days": days},
        "span": {"start": start.isoformat(), "end": datetime.fromtimestamp(clock.end, UTC).isoformat()},
        "total_records": sum(f["records"] for f in files.values()),
        "files": files,
        "network": _describe(network),
        "scenarios": [truth.as_dict() for truth in truths],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    cpu = sum(seconds for _fmt, _count, seconds in results)
    return Result(out, manifest["total_records"], time.perf_counter() - began, cpu, jobs, manifest)


@dataclass(frozen=True, slots=True)
class _Task:
    """One format's file: everything a worker process needs to write it on its own."""

    fmt: str
    path: Path
    background: int
    seed: int
    start: datetime
    days: float
    injected: list[tuple[float, int, str]]


def _run_task(task: _Task) -> tuple[str, int, float]:
    cpu = time.process_time()
    network = build(task.seed)
    clock = Clock(task.start, task.days)
    rng = random.Random(f"{task.seed}:{task.fmt}:clock")
    produce = _background(task.fmt, network, task.seed)
    written = _write(task.path, _merged(clock, task.background, rng, produce, list(task.injected)))
    return task.fmt, written, time.process_time() - cpu


def _write(path: Path, lines: Iterator[str]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        chunk: list[str] = []
        for text in lines:
            chunk.append(text)
            if len(chunk) == _CHUNK:
                fh.write("\n".join(chunk) + "\n")
                count += len(chunk)
                chunk.clear()
        if chunk:
            fh.write("\n".join(chunk) + "\n")
            count += len(chunk)
    return count


def _describe(network: Network) -> dict[str, Any]:
    return {
        "domain": DOMAIN,
        "sites": [
            {
                "name": s.name,
                "firewall": s.firewall,
                "format": s.fmt,
                "public_ip": s.public_ip,
                "internal": f"{s.prefix}.0.0/16",
                "resolver": s.resolver.ip,
                "hosts": len(s.hosts),
            }
            for s in network.sites
        ],
        "users": len(network.users),
        "linux_servers": [h.name for h in network.linux_servers()],
    }
