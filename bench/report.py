"""Report benchmark: how long a compliance officer waits for each filing format, the evidence export and the summary.

    python bench/report.py [--dir DIR] [--incident INC-1] [--runs 5]

Uses the data of ``secops demo`` (generated into a temporary directory unless
``--dir`` names one that holds it), gives the chosen incident a complete
breach record, then times in-process (median of ``--runs`` after one warm-up):
``report breach`` for every regime in md, html, json, pdf and stix;
``report evidence`` as JSON and CSV, plain and with every redaction kind;
``report summary`` over 30 days in html and pdf; and ``report deadlines``.
No peer tool does this, so there is no ratio; the figures are absolute.
The machine is shared: figures measured while others run tests are low.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[0] = str(REPO)  # bench/yara.py would shadow the yara module the CLI imports

from typer.testing import CliRunner  # noqa: E402

from secops.cli import app  # noqa: E402
from secops.report import regimes  # noqa: E402
from tests.report.conftest import FULL  # noqa: E402 - the same complete record the tests use


def timed(runner: CliRunner, args: list[str], runs: int) -> float:
    result = runner.invoke(app, args)
    if result.exit_code != 0:
        raise SystemExit(f"{' '.join(args)} failed: {result.exception!r}")
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        runner.invoke(app, args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--incident", default="INC-1")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    data = args.dir or Path(tempfile.mkdtemp(prefix="secops-bench-report-"))
    if not (data / "secops.db").exists():
        print(f"generating demo data in {data} …", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "secops", "--data-dir", str(data), "demo"], check=True, capture_output=True
        )
    base = ["--data-dir", str(data), "--analyst", "bench"]
    runner = CliRunner()
    record = data / "bench-breach.json"
    record.write_text(json.dumps(FULL))
    runner.invoke(app, [*base, "incidents", "edit-breach", args.incident, "--file", str(record), "--replace"])
    alerts = json.loads(runner.invoke(app, [*base, "incidents", "show", args.incident, "--format", "json"]).stdout)
    print(f"incident {args.incident}: {len(alerts['alert_ids'])} alerts; medians of {args.runs} runs, in-process")
    out = data / "bench-out"
    for name in regimes.available():
        figures = []
        for fmt in ("md", "html", "json", "pdf", "stix"):
            ms = timed(
                runner,
                [*base, "report", "breach", args.incident, "--regime", name, "--format", fmt, "-o", str(out)],
                args.runs,
            )
            figures.append(f"{fmt} {ms:7.1f} ms")
        print(f"breach {name:14} " + "  ".join(figures))
    for fmt in ("json", "csv"):
        plain = timed(runner, [*base, "report", "evidence", args.incident, "--format", fmt, "-o", str(out)], args.runs)
        kinds = [x for k in ("users", "emails", "ips", "hosts") for x in ("--redact", k)]
        redacted = timed(
            runner, [*base, "report", "evidence", args.incident, "--format", fmt, *kinds, "-o", str(out)], args.runs
        )
        print(f"evidence {fmt:5} plain {plain:7.1f} ms  redacted {redacted:7.1f} ms  ({out.stat().st_size} bytes)")
    for fmt in ("html", "pdf"):
        ms = timed(runner, [*base, "report", "summary", "--since", "30d", "--format", fmt, "-o", str(out)], args.runs)
        print(f"summary 30d {fmt:4} {ms:7.1f} ms")
    print(f"deadlines        {timed(runner, [*base, 'report', 'deadlines', '--format', 'json'], args.runs):7.1f} ms")


if __name__ == "__main__":
    main()
