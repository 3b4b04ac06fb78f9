"""``secops rules check``: loading, compilation and pySigma's validators, in one list of problems.

Validators come from pySigma's plugin discovery (the core ones and, when
installed, the SigmaHQ ones). Some of them fetch reference data over the
network; offline they are pointed at a local copy (``--validator-data``, e.g.
``../shared/data/sigma/validator-data``) or, without one, skipped with a
warning that says so, never silently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sigma.plugins import InstalledSigmaPlugins
from sigma.validation import SigmaValidator

from secops.detect.evaluate import compile_rules
from secops.detect.rules import Problem, RuleSet

DATA_FILES = {
    "sigmahq_filename.json": "data_filename",
    "sigmahq_taxonomy.json": "data_taxonomy",
    "sigmahq_windows_validator.json": "data_windows_provider",
}
SEVERITY = {"HIGH": "error", "MEDIUM": "warning", "LOW": "warning", "INFORMATIONAL": "warning"}


def point_validators_at(folder: Path) -> None:
    """Make the SigmaHQ validators read their reference data from a local folder."""
    try:
        from sigma.validators.sigmahq import data as sigmahq_data
    except ImportError:
        return
    for filename, module_name in DATA_FILES.items():
        path = folder / filename
        module = getattr(sigmahq_data, module_name, None)
        if module is None or not path.is_file():
            continue
        for value in vars(module).values():
            if hasattr(value, "_custom_url") and hasattr(value, "_load_cached"):
                value._custom_url = str(path)
    # The Windows validator file also carries the event id table.
    eventid = getattr(sigmahq_data, "data_windows_eventid", None)
    windows = folder / "sigmahq_windows_validator.json"
    if eventid is not None and windows.is_file():
        for value in vars(eventid).values():
            if hasattr(value, "_custom_url"):
                value._custom_url = str(windows)


def validate(ruleset: RuleSet, validator_data: Path | None = None) -> list[Problem]:
    """Compile every rule (recording what cannot be evaluated) and run the validators."""
    if validator_data is not None:
        point_validators_at(validator_data)
    compile_rules(ruleset)
    problems: list[Problem] = []
    validators: dict[str, Any] = InstalledSigmaPlugins.autodiscover().validators
    rules = [*ruleset.rules, *ruleset.correlations]
    for name, cls in sorted(validators.items()):
        try:
            issues = SigmaValidator([cls]).validate_rules(rules)
        except (RuntimeError, OSError) as exc:
            problems.append(Problem("<validators>", None, "warning", f"validator {name} skipped: {exc}"))
            continue
        for issue in issues:
            severity = SEVERITY.get(getattr(issue.severity, "name", "MEDIUM"), "warning")
            for rule in issue.rules:
                where = ruleset.origin(rule)
                problems.append(
                    Problem(
                        where.path if where else "<unknown>",
                        where.line if where else None,
                        severity,  # type: ignore[arg-type]
                        f"{name}: {issue.description}",
                    )
                )
    return ruleset.problems + problems
