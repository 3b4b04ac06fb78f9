"""Dashboard latency: how long each dashboard takes to evaluate, in-process and over HTTP from the console.

Data: a data directory given with ``--data-dir`` (e.g. one ``secops demo``
filled), or a fresh ``secops demo --events N`` built in a temporary folder.
For each dashboard, every panel is evaluated ``--rounds`` times straight on
the stores (no cache), and then fetched from a running ``secops dashboard``
(first fetch, and again within the console's cache lifetime). The issue names
no peer; Kibana cannot run here.

    .venv/bin/python bench/dashboard.py [--data-dir DIR | --events 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secops.dashboards.evaluate import evaluate, window_for  # noqa: E402
from secops.dashboards.loader import load  # noqa: E402
from secops.store.cases_sqlite import SqliteCaseStore  # noqa: E402
from secops.store.embedded import EmbeddedEventStore  # noqa: E402
from secops.store.sqlite import STATE_DB  # noqa: E402


def build(events: int) -> Path:
    root = Path(tempfile.mkdtemp(prefix="secops-bench-dashboard-")) / "data"
    env = {**os.environ, "SECOPS_DATA_DIR": str(root)}
    subprocess.run([sys.executable, "-m", "secops", "demo", "--events", str(events)], env=env, check=True,
                   capture_output=True)  # fmt: skip
    return root


def in_process(data: Path, rounds: int) -> None:
    events, cases = EmbeddedEventStore(data), SqliteCaseStore(data / STATE_DB)
    try:
        for dashboard in load():
            window = window_for(dashboard.range)
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                for panel in dashboard.panels:
                    evaluate(panel, events, cases, window)
                times.append(time.perf_counter() - started)
            median = statistics.median(times)
            print(f"evaluate {dashboard.id:10s} {len(dashboard.panels)} panels: median {median:.3f} s")
    finally:
        events.close()
        cases.close()


def over_http(data: Path) -> None:
    env = {**os.environ, "SECOPS_DATA_DIR": str(data)}
    process = subprocess.Popen([sys.executable, "-m", "secops", "dashboard", "--port", "0"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert process.stdout is not None
        found = re.search(r":(\d+)/\?token=(\S+)", process.stdout.readline())
        assert found, "the console printed no address"
        port, token = int(found.group(1)), found.group(2)
        for dashboard in load():
            for label in ("first", "cached"):
                started = time.perf_counter()
                for panel in dashboard.panels:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    conn.request("GET", f"/api/panel?dashboard={dashboard.id}&panel={panel.id}",
                                 headers={"Authorization": f"Bearer {token}", "Host": f"127.0.0.1:{port}"})  # fmt: skip
                    response = conn.getresponse()
                    response.read()
                    assert response.status == 200, (dashboard.id, panel.id, response.status)
                    conn.close()
                print(f"http     {dashboard.id:10s} {label:6s}: {time.perf_counter() - started:.3f} s")
    finally:
        process.terminate()
        process.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    data = args.data_dir or build(args.events)
    print(f"data: {data} (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    in_process(data, args.rounds)
    over_http(data)


if __name__ == "__main__":
    main()
