"""Sigma detection on Elasticsearch: the first run over evidence spanning years, then scheduled runs.

Corpus: the shared EVTX samples, collected into a node; they span years, so
they land in about 220 daily indices. Rules: SigmaHQ's ``rules`` folder from
the shared data. Printed, in one run:

- ``secops detect run`` (the first, over everything): seconds and alerts, and
  whether the window was read once or each rule asked of the cluster;
- the same rules and events on the embedded store: seconds and alerts (the
  alerts must be the same);
- ``--sample`` rules answered by the cluster in every index (the path the
  first run would take without the read-once choice): seconds per rule, and
  that rate over all the rules;
- an empty scheduled run right after: with the pushdown plan cached, and with
  the cache removed (every rule converted again, as before the cache).

    .venv/bin/python bench/es_detect.py [--url URL] [--sample 40]

Without ``--url`` it starts its own node from ``scripts/fetch-elasticsearch``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.es import node  # noqa: E402
from secops.detect.detector import Detector  # noqa: E402
from secops.store.elastic import ElasticEventStore  # noqa: E402
from secops.store.elastic_detect import run_since  # noqa: E402
from secops.store.elastic_plans import plans_dir  # noqa: E402
from tests.es_node import store_client  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Seconds a ``secops`` command took, and what it wrote on stderr."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "secops", *args], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - started, done.stderr


def alerts(stderr: str) -> int:
    found = re.search(r"(\d+) new alerts", stderr)
    return int(found.group(1)) if found else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SECOPS_TEST_ES_URL"))
    parser.add_argument("--sample", type=int, default=40, help="rules timed in the cluster, index by index")
    args = parser.parse_args()
    evidence, rules = SHARED / "endpoint" / "evtx", SHARED / "sigma" / "rules"
    if not evidence.is_dir() or not rules.is_dir():
        sys.exit(f"needs the shared EVTX samples and SigmaHQ rules under {SHARED}")
    work = Path(tempfile.mkdtemp(prefix="secops-bench-es-detect-"))
    base = {k: v for k, v in os.environ.items() if not k.startswith("SECOPS_")}
    detect = ["detect", "run", "--no-bundled", "--rules", str(rules)]
    try:
        embedded = dict(base, SECOPS_DATA_DIR=str(work / "embedded"))
        timed(["collect", "file", str(evidence)], embedded)
        native_seconds, native_err = timed(detect, embedded)
        with node(args.url) as (url, _):
            prefix = f"bench-detect-{os.getpid()}"
            data = work / "elastic"
            env = dict(
                base,
                SECOPS_STORE="elasticsearch",
                SECOPS_ES_URL=url,
                SECOPS_ES_INDEX_PREFIX=prefix,
                SECOPS_ES_READ_LAG="0",
                SECOPS_DATA_DIR=str(data),
            )
            timed(["es", "setup"], env)
            timed(["collect", "file", str(evidence)], env)
            first_seconds, first_err = timed(["-v", *detect], env)
            cached_seconds, _ = timed(detect, env)
            shutil.rmtree(plans_dir(data))
            uncached_seconds, _ = timed(detect, env)
            per_rule, total, indices = sample_in_cluster(url, prefix, data, rules, args.sample)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"corpus: {evidence} in {indices:,} daily indices; rules: {rules} ({total:,} loaded)")
    way = "read once, evaluated here" if "window evaluated here" in first_err else "each rule asked of the cluster"
    print(f"first detect run on Elasticsearch: {first_seconds:.1f} s, {alerts(first_err):,} alerts ({way})")
    print(f"same rules on the embedded store:  {native_seconds:.1f} s, {alerts(native_err):,} alerts")
    print(
        f"each rule in the cluster, index by index: {per_rule:.2f} s a rule over {args.sample} rules,"
        f" so about {per_rule * total / 60:.0f} min for all {total:,}"
    )
    print(f"empty scheduled run: {cached_seconds:.1f} s with the pushdown plan cached,", end=" ")
    print(f"{uncached_seconds:.1f} s without")


def sample_in_cluster(url: str, prefix: str, data: Path, rules: Path, sample: int) -> tuple[float, int, int]:
    """Seconds per rule when the cluster answers each of the first ``sample`` rules; rules loaded; indices.

    The bench's indices and templates are removed afterwards (a node given by ``--url`` keeps nothing).
    """
    store = ElasticEventStore(store_client(url, timeout=3600), data, prefix=prefix, read_lag=0)
    detector = Detector.load([rules], need_rules=True)
    chosen = detector.rules[:sample]
    started = time.perf_counter()
    result = run_since(store, chosen, None, allow_scan=False)
    seconds = time.perf_counter() - started
    indices = len(store.client.indices.get(index=f"{prefix}-events-*"))
    store.client.indices.delete(index=f"{prefix}-*")
    for template in store.client.indices.get_index_template(name=f"{prefix}-*")["index_templates"]:
        store.client.indices.delete_index_template(name=template["name"])
    store.close()
    assert result.plan.scanned is None
    return seconds / len(chosen), len(detector.rules), indices


if __name__ == "__main__":
    main()
