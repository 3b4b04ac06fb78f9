"""The README's triage tour, run as a script: a newcomer who types exactly those commands gets through.

The shell commands are taken from the fenced ``sh`` blocks of the README
section whose heading starts with "Tour" and run, in order, in one ``bash -e``
session against a fresh data directory (so the ``VAR=$(…)`` lines carry over).
``SECOPS_TOUR_FILE`` points the test at another Markdown file holding the
section (the draft, before it is pasted into the README).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.conftest import REPO

HEADING = re.compile(r"^(#{2,6})\s+Tour\b", re.MULTILINE)
FENCE = re.compile(r"^```(?:sh|bash|shell)\s*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def tour_section(text: str) -> str:
    """The text of the tour section, up to the next heading of its level or higher."""
    found = HEADING.search(text)
    if found is None:
        return ""
    level = len(found.group(1))
    rest = text[found.end() :]
    end = re.search(rf"^#{{2,{level}}}\s", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def tour_commands(text: str) -> list[str]:
    """Shell lines of the section's ``sh`` blocks, comments and blanks left out, continuations joined."""
    commands: list[str] = []
    for block in FENCE.findall(tour_section(text)):
        pending = ""
        for line in block.splitlines():
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.endswith("\\"):
                pending += stripped[:-1].rstrip() + " "
                continue
            commands.append(pending + stripped)
            pending = ""
    return commands


def test_tour_extraction_reads_only_the_tour_section() -> None:
    text = (
        "# x\n## Quick start\n```sh\nsecops other\n```\n## Tour: triage\nintro\n```sh\n# comment\nsecops a \\\n"
        "  --b\n\nX=$(secops c | awk 'NR == 2')\n```\n### step\n```sh\nsecops d\n```\n```python\nnot shell\n```\n"
        "## Next\n```sh\nsecops e\n```\n"
    )
    assert tour_commands(text) == ["secops a --b", "X=$(secops c | awk 'NR == 2')", "secops d"]


@pytest.mark.slow
def test_readme_tour_runs_end_to_end(tmp_path: Path) -> None:
    source = Path(os.environ.get("SECOPS_TOUR_FILE", REPO / "README.md"))
    commands = tour_commands(source.read_text("utf-8"))
    assert commands, f"{source} has no tour section (a '## Tour…' heading with ```sh blocks)"
    assert commands[0] == "secops demo", "the tour starts from the demo's data"
    script = tmp_path / "tour.sh"
    script.write_text(
        "set -euo pipefail\n" + "".join(f"echo '+ {c.replace(chr(39), '')}' >&2\n{c}\n" for c in commands)
    )
    data = tmp_path / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SECOPS_") or k == "SECOPS_SHARED_DATA"},
        "SECOPS_DATA_DIR": str(data),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    run = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=3600)
    assert run.returncode == 0, f"the tour stopped:\n{run.stderr[-4000:]}"
    assert "audit log intact" in run.stdout
    shown = subprocess.run(
        ["secops", "incidents", "show", "INC-1", "--format", "json"], env=env, capture_output=True, timeout=300
    )
    incident = orjson.loads(shown.stdout)
    assert incident["state"] == "closed" and incident["assignee"] == "tour-analyst"
    assert incident["evidence_check"] and set(incident["evidence_check"].values()) == {"intact"}
    assert all(a["status"] == "closed" and a["close_reason"] == "true_positive" for a in incident["alerts"])
    # The demo's one exception: its resolvers forwarding upstream are not reported as DNS bypasses.
    listed = subprocess.run(
        ["secops", "alerts", "suppressions", "--format", "json"], env=env, capture_output=True, timeout=300
    )
    [exception] = orjson.loads(listed.stdout)
    resolvers = set(exception["entities"]["ips"])
    rule = exception["rule_id"]
    dns = subprocess.run(
        ["secops", "alerts", "list", "--rule", rule, "--status", "all", "--limit", "100000", "--format", "json"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert resolvers and not any(resolvers & set(a["entities"]["ips"]) for a in orjson.loads(dns.stdout))
