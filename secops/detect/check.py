"""``secops rules check``: loading, compilation and pySigma's validators, in one list of problems.

Validators come from pySigma's plugin discovery (the core ones and, when
installed, the SigmaHQ ones); their findings are warnings (conventions), while rules that
cannot be loaded or evaluated are errors. Some of them need reference data (MITRE
ATT&CK and D3FEND, SigmaHQ's lists), which pySigma would download. A check never
reaches the network, as agency networks are often closed: the data is read from a
local folder (``--validator-data``, e.g. ``../shared/data/sigma/validator-data``),
and a validator whose data is not there is skipped with a warning that says so.
pySigma caches what it reads; that cache is put in secops' data directory, so a
check leaves the user's own pySigma cache (``~/.cache/pysigma``) alone.
One rule a validator cannot handle (the retired pipe syntax) is reported against
that rule; the validator goes on with the others.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import Any

from sigma.exceptions import SigmaError
from sigma.plugins import InstalledSigmaPlugins
from sigma.validation import SigmaValidator

from secops.detect.evaluate import compile_rules
from secops.detect.rules import Problem, RuleSet

REFERENCE_FILES = {
    "sigma.data.mitre_attack": "enterprise-attack.json",
    "sigma.data.mitre_d3fend": "d3fend.json",
    "sigma.validators.sigmahq.data.data_filename": "sigmahq_filename.json",
    "sigma.validators.sigmahq.data.data_taxonomy": "sigmahq_taxonomy.json",
    "sigma.validators.sigmahq.data.data_windows_provider": "sigmahq_windows_validator.json",
    "sigma.validators.sigmahq.data.data_windows_eventid": "sigmahq_windows_validator.json",
}
"""Each reference-data source of pySigma's validators and the local file it reads (the names
SigmaHQ and MITRE publish them under: ``enterprise-attack.json`` is the ATT&CK STIX bundle)."""

MISSING = Path(os.devnull)
"""Where sources point without ``--validator-data``: a folder that can hold no file, never a URL."""


def use_local_reference_data(folder: Path | None, cache: Path) -> None:
    """Point every reference-data source at its file in ``folder`` (or at nothing), never at the network.

    Pointing a source clears its cache, so each gets one under ``cache`` first.
    """
    for module_name, filename in REFERENCE_FILES.items():
        source = _module(module_name)
        if source is not None:
            source.set_cache_dir(str(cache / module_name.rpartition(".")[2]))
            source.set_url(str((folder or MISSING) / filename))


def _module(name: str) -> Any:
    """The data module, or None where the package providing it is not installed."""
    parent, _, attribute = name.rpartition(".")
    try:
        package: ModuleType = __import__(parent, fromlist=[attribute])
    except ImportError:
        return None
    return getattr(package, attribute, None)


def validate(ruleset: RuleSet, cache: Path, validator_data: Path | None = None) -> list[Problem]:
    """Compile every rule (recording what cannot be evaluated) and run the validators; ``cache`` is pySigma's."""
    use_local_reference_data(validator_data, cache)
    compile_rules(ruleset)
    validators: dict[str, Any] = InstalledSigmaPlugins.autodiscover().validators
    rules = [*ruleset.rules, *ruleset.correlations]
    problems: list[Problem] = []
    for name, cls in sorted(validators.items()):
        problems += _run_validator(name, cls, rules, ruleset, validator_data)
    return ruleset.problems + problems


def _run_validator(name: str, cls: Any, rules: list[Any], ruleset: RuleSet, data: Path | None) -> list[Problem]:
    """One validator over every rule: its findings, or why it was skipped."""
    problems: list[Problem] = []
    issues = []
    try:
        validator = SigmaValidator([cls])
        for rule in rules:
            try:
                issues += validator.validate_rule(rule)
            except SigmaError as exc:
                problems.append(_located(ruleset, rule, f"{name} could not check this rule: {exc}"))
        issues += validator.finalize()
    except (RuntimeError, OSError) as exc:  # its reference data could not be read
        why = str(exc) if data else "it needs reference data, which secops never downloads (give --validator-data)"
        return [Problem("<validators>", None, "warning", f"validator {name} skipped: {why}")]
    for issue in issues:
        severity = getattr(issue.severity, "name", "?").lower()
        problems += [_located(ruleset, rule, f"{name} ({severity}): {issue.description}") for rule in issue.rules]
    return problems


def _located(ruleset: RuleSet, rule: Any, message: str) -> Problem:
    where = ruleset.origin(rule)
    return Problem(where.path if where else "<unknown>", where.line if where else None, "warning", message)
