"""``secops rules``: list, check, add and test detection rules (Sigma, and YARA in ``check``)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

import typer

from secops import escape
from secops.cli.context import state
from secops.cli.detect import NoBundled, RulesOption, rule_paths
from secops.cli.output import Column, emit
from secops.detect.check import validate
from secops.detect.evaluate import compile_rules, rule_id
from secops.detect.examples import run_examples
from secops.detect.rules import RULE_SUFFIXES, Problem, load_rules, rule_files
from secops.errors import RuleError
from secops.types import OutputFormat

app = typer.Typer(help="List, check, add and test detection rules.", no_args_is_help=True)

FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
LIST_COLUMNS: list[Column] = [
    ("id", "id"),
    ("title", "title"),
    ("level", "level"),
    ("status", "status"),
    ("logsource", "logsource"),
    ("kind", "kind"),
    ("usable", "usable"),
    ("where", "where"),
]
PROBLEM_COLUMNS: list[Column] = [("where", "where"), ("severity", "severity"), ("message", "message")]


@app.command("list")
def list_rules(
    ctx: typer.Context, rules: RulesOption = None, no_bundled: NoBundled = False, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """The rules that load, whether the engine can evaluate each, and where each is defined."""
    ruleset = load_rules(rule_paths(state(ctx), rules, no_bundled))
    usable = {id(r.rule) for r in compile_rules(ruleset)}
    rows = []
    for rule in [*ruleset.rules, *ruleset.correlations]:
        origin = ruleset.origin(rule)
        logsource = getattr(rule, "logsource", None)
        rows.append(
            {
                "id": rule_id(rule, origin),
                "title": rule.title,
                "level": rule.level.name.lower() if rule.level else "",
                "status": rule.status.name.lower() if rule.status else "",
                "logsource": "/".join(x for x in (logsource.product, logsource.category, logsource.service) if x)
                if logsource
                else "",
                "kind": "correlation" if not hasattr(rule, "detection") else "detection",
                "usable": "yes" if id(rule) in usable or not hasattr(rule, "detection") else "no",
                "where": str(origin) if origin else "",
            }
        )
    emit(rows, fmt, LIST_COLUMNS, title="Sigma rules")


@app.command("check")
def check(
    ctx: typer.Context,
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule files or folders (default: the configured rules).")
    ] = None,
    validator_data: Annotated[
        Path | None, typer.Option("--validator-data", help="Local copy of the SigmaHQ validators' reference data.")
    ] = None,
    fmt: FormatOpt = OutputFormat.TABLE,
) -> None:
    """Validate Sigma (pySigma and its validators) and YARA rules; every problem as file:line. Exit 1 on errors."""
    chosen = list(paths) if paths else rule_paths(state(ctx), None, False)
    check_yara: Callable[[Iterable[str | Path]], list[Problem]] | None
    YARA_SUFFIXES: tuple[str, ...]
    try:
        from secops.detect.yara import YARA_SUFFIXES, check_yara
    except ImportError:
        check_yara, YARA_SUFFIXES = None, ()
    # A file named on its own is checked as the kind its suffix says; folders hold both kinds.
    sigma = [p for p in chosen if p.is_dir() or p.suffix not in YARA_SUFFIXES]
    problems: list[Problem] = validate(load_rules(sigma), state(ctx).data_dir / "cache" / "pysigma", validator_data)
    if check_yara is not None:
        problems += check_yara([p for p in chosen if p.is_dir() or p.suffix not in RULE_SUFFIXES])
    rows = [
        {"where": f"{p.path}:{p.line}" if p.line else p.path, "severity": p.severity, "message": p.message}
        for p in problems
    ]
    emit(rows, fmt, PROBLEM_COLUMNS, title="Rule problems")
    errors = sum(1 for p in problems if p.severity == "error")
    print(f"secops: {errors} errors, {len(problems) - errors} warnings", file=sys.stderr)
    if errors:
        raise typer.Exit(1)


@app.command("add")
def add(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Sigma rule files to add.")],
    dest: Annotated[Path | None, typer.Option("--to", help="Rule folder (default: <data dir>/rules/sigma).")] = None,
) -> None:
    """Check rule files and copy them into the local rule folder; a rule with errors is refused."""
    app_state = state(ctx)
    target = dest or app_state.data_dir / "rules" / "sigma"
    ruleset = load_rules(files)
    compile_rules(ruleset)
    errors = [p for p in ruleset.problems if p.severity == "error"]
    for problem in errors:
        print(f"secops: error: {escape.one_line(str(problem))}", file=sys.stderr)
    if errors:
        raise RuleError(f"{len(errors)} problems; nothing added")
    target.mkdir(parents=True, exist_ok=True)
    for path in rule_files(files):
        shutil.copy2(path, target / path.name)
        print(f"secops: added {escape.one_line(str(target / path.name))}", file=sys.stderr)
    if target not in app_state.config.rules:
        print(
            f"secops: use it with --rules {escape.one_line(str(target))} or add it to 'rules' in the configuration",
            file=sys.stderr,
        )


@app.command("test")
def test(
    ctx: typer.Context, rules: RulesOption = None, no_bundled: NoBundled = False, fmt: FormatOpt = OutputFormat.TABLE
) -> None:
    """Run the example events rules carry (a firing and a non-firing one each). Exit 1 on a failure."""
    ruleset = load_rules(rule_paths(state(ctx), rules, no_bundled))
    results = run_examples(ruleset)
    rows = [
        {
            "result": "ok" if r.ok else "FAIL",
            "rule": r.title,
            "example": f"{'match' if r.expected else 'no_match'}[{r.index}]",
            "where": str(r.origin) if r.origin else r.rule_id,
        }
        for r in results
    ]
    emit(rows, fmt, [("result", "result"), ("rule", "rule"), ("example", "example"), ("where", "where")])
    failed = sum(1 for r in results if not r.ok)
    print(f"secops: {len(results) - failed} passed, {failed} failed", file=sys.stderr)
    if failed:
        raise typer.Exit(1)
