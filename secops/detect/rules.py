"""Loading Sigma rules from files and directories, with every problem kept and located.

Rules are data: pySigma parses them (detection rules, correlation rules and
filters, multi-document files included), and this module only finds the files,
remembers where each document starts, resolves references across files and
turns whatever went wrong into ``Problem`` records (``file:line: message``).
Nothing is dropped silently: a document that cannot be parsed is a problem,
and so is a rule the engine later cannot evaluate (see ``compile``).

``Problem`` is shared with the YARA checks, so ``secops rules check`` reports
both kinds in one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation, SigmaRuleNotFoundError
from sigma.filters import SigmaFilter
from sigma.rule import SigmaRule

from secops.errors import RuleError

Severity = Literal["error", "warning"]
RULE_SUFFIXES = (".yml", ".yaml")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DOC_START = re.compile(r"^---\s*$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a rule file, where it is, and how bad."""

    path: str
    line: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a rule document was read from."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class RuleSet:
    """Everything loaded from the rule paths: rules, correlations, filters, problems."""

    rules: list[SigmaRule] = field(default_factory=list)
    correlations: list[SigmaCorrelationRule] = field(default_factory=list)
    filters: list[SigmaFilter] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    origins: dict[int, Origin] = field(default_factory=dict)
    """Keyed by ``id()`` of the pySigma object (rules have no other stable key before ids are checked)."""
    files: int = 0

    def origin(self, rule: object) -> Origin | None:
        return self.origins.get(id(rule))

    def problem(self, rule: object, message: str, severity: Severity = "error") -> Problem:
        """Record a problem located at a rule's document."""
        where = self.origin(rule)
        found = Problem(where.path if where else "<unknown>", where.line if where else None, severity, message)
        self.problems.append(found)
        return found

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def rule_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """YAML files under the given files and directories, sorted, hidden folders skipped."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
                if child.is_file() and child.suffix in RULE_SUFFIXES and not hidden:
                    yield child
        elif path.is_file():
            yield path
        else:
            raise RuleError("no such rule file or directory", where=str(raw))


def document_lines(text: str) -> list[int]:
    """The 1-based line on which each YAML document of a file starts."""
    starts = [1]
    for match in _DOC_START.finditer(text):
        line = text.count("\n", 0, match.start()) + 2
        if match.start() == 0:
            starts[0] = line
        else:
            starts.append(line)
    return starts


def read_sources(paths: Iterable[str | Path]) -> list[tuple[Path, bytes | OSError]]:
    """Every rule file's bytes (or why it could not be read), in loading order."""
    out: list[tuple[Path, bytes | OSError]] = []
    for path in rule_files(paths):
        try:
            out.append((path, path.read_bytes()))
        except OSError as exc:
            out.append((path, exc))
    return out


def load_rules(paths: Iterable[str | Path], sources: list[tuple[Path, bytes | OSError]] | None = None) -> RuleSet:
    """Parse every rule file, resolve references across files, apply filters.

    ``sources`` (from ``read_sources``) are the files already read, so what is
    parsed is exactly what a cache key was computed over.
    """
    ruleset = RuleSet()
    for path, raw in sources if sources is not None else read_sources(paths):
        ruleset.files += 1
        _load_file(path, raw, ruleset)
    _link(ruleset)
    return ruleset


def _load_file(path: Path, raw: bytes | OSError, ruleset: RuleSet) -> None:
    name = str(path)
    try:
        if isinstance(raw, OSError):
            raise raw
        text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text would
        docs = list(yaml.load_all(text, Loader=_LOADER))
    except (OSError, UnicodeDecodeError) as exc:
        ruleset.problems.append(Problem(name, None, "error", f"cannot read: {exc}"))
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        ruleset.problems.append(Problem(name, line, "error", f"invalid YAML: {getattr(exc, 'problem', exc)}"))
        return
    starts = document_lines(text)
    kept = [(i, d) for i, d in enumerate(docs) if d is not None]
    for index, doc in kept:
        line = starts[index] if index < len(starts) else 1
        if not isinstance(doc, dict):
            ruleset.problems.append(Problem(name, line, "error", "a rule document must be a mapping"))
            continue
        _load_document(doc, name, line, ruleset, text)


def _load_document(doc: dict[str, Any], name: str, line: int, ruleset: RuleSet, text: str) -> None:
    source = SigmaRuleLocation(Path(name), line)
    try:
        parsed = SigmaCollection.from_dicts(
            [doc], collect_errors=True, source=source, collect_filters=True, resolve_references=False
        )
    except SigmaError as exc:
        ruleset.problems.append(Problem(name, line, "error", _message(exc)))
        return
    seen: set[Problem] = set()
    items = [*parsed.rules, *parsed.filters]
    for error in [*parsed.errors, *(e for item in items for e in item.errors)]:
        found = Problem(name, _line_of(error, text, line), "error", _message(error))
        if found not in seen:
            seen.add(found)
            ruleset.problems.append(found)
    for item in items:
        ruleset.origins[id(item)] = Origin(name, line)
        if item.errors:
            continue
        if isinstance(item, SigmaFilter):
            ruleset.filters.append(item)
        elif isinstance(item, SigmaCorrelationRule):
            ruleset.correlations.append(item)
        else:
            ruleset.rules.append(item)


def _link(ruleset: RuleSet) -> None:
    """Resolve correlation references and apply filters across all loaded files."""
    collection = SigmaCollection([*ruleset.rules, *ruleset.correlations], resolve_references=False)
    for correlation in list(ruleset.correlations):
        try:
            correlation.resolve_rule_references(collection)
        except SigmaRuleNotFoundError as exc:
            ruleset.problem(correlation, f"cannot evaluate: {_message(exc)}")
            ruleset.correlations.remove(correlation)
    for flt in ruleset.filters:
        for i, rule in enumerate(ruleset.rules):
            try:
                filtered = flt.apply_on_rule(rule)
            except SigmaError as exc:
                ruleset.problem(flt, f"filter cannot apply to {rule.title!r}: {_message(exc)}")
                continue
            ruleset.rules[i] = filtered  # type: ignore[assignment]


def _message(error: Exception) -> str:
    """A pySigma error without its own location prefix (we print ours)."""
    text = str(error).split("\n", 1)[0]
    return re.sub(r"\s+in (file )?\S+?(:\d+)?$", "", text)


def _line_of(error: Exception, text: str, default: int) -> int:
    """The line of the first quoted name in an error message, if that name is a key in the file."""
    source = getattr(error, "source", None)
    if source is not None and getattr(source, "line", None) and source.line != default:
        return int(source.line)
    start = _offset(text, default)
    for quoted in re.findall(r"'([^'\n]{1,80})'", str(error)):
        found = re.search(rf"^.*{re.escape(quoted)}", text[start:], re.MULTILINE)
        if found:
            return default + text[start : start + found.start()].count("\n")
    return default


def _offset(text: str, line: int) -> int:
    pos = 0
    for _ in range(line - 1):
        pos = text.find("\n", pos) + 1
        if pos == 0:
            return len(text)
    return pos


def bundled_sigma_dir() -> Path | None:
    """``rules/sigma`` of a checkout, or the copy bundled in the wheel."""
    here = Path(__file__).resolve().parents[2] / "rules" / "sigma"
    if here.is_dir():
        return here
    from importlib import resources

    bundled = Path(str(resources.files("secops").joinpath("_bundled/rules/sigma")))
    return bundled if bundled.is_dir() else None


def sigma_paths(configured: Iterable[Path], given: Iterable[Path] = (), *, bundled: bool = True) -> list[Path]:
    """The rule paths of a command: those given (``--rules``), else the configured ones, plus the bundled pack."""
    chosen = list(given) or [p for p in configured if p.is_dir() or p.suffix in RULE_SUFFIXES]
    own = bundled_sigma_dir() if bundled else None
    return ([own] if own is not None and own not in chosen else []) + chosen
