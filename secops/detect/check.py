"""``secops rules check``: loading, compilation and pySigma's validators, in one list of problems.

Validators come from pySigma's plugin discovery (the core ones and, when
installed, the SigmaHQ ones); their findings are warnings (conventions), while rules that
cannot be loaded or evaluated are errors. Some of them fetch reference data over the
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
    "data_filename": "sigmahq_filename.json",
    "data_taxonomy": "sigmahq_taxonomy.json",
    "data_windows_provider": "sigmahq_windows_validator.json",
    "data_windows_eventid": "sigmahq_windows_validator.json",
}
"""SigmaHQ validator data modules and the local file each reads (names as in ../shared/data/sigma/validator-data)."""


def point_validators_at(folder: Path) -> None:
    """Make the SigmaHQ validators read their reference data from a local folder."""
    try:
        from sigma.validators.sigmahq import data as sigmahq_data
    except ImportError:
        return
    for module_name, filename in DATA_FILES.items():
        path = folder / filename
        module = getattr(sigmahq_data, module_name, None)
        if module is not None and path.is_file():
            module.set_url(str(path))


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
            for rule in issue.rules:
                where = ruleset.origin(rule)
                problems.append(
                    Problem(
                        where.path if where else "<unknown>",
                        where.line if where else None,
                        "warning",
                        f"{name} ({getattr(issue.severity, 'name', '?').lower()}): {issue.description}",
                    )
                )
    return ruleset.problems + problems
