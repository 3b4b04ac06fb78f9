"""YARA rule packs: find the files, compile them with the external variables public packs
expect, report every broken file as ``file:line: message``, and cache the result.

Every file is compiled on its own first, so one broken file is a located problem
rather than the end of the pack; the files that compiled are then compiled
together, each in its own namespace (its path), so equal rule names in two
files never collide and an alert can name the file its rule came from.

Compiling a large pack takes seconds, loading it from the cache a few
milliseconds: compiled rules are saved under ``<data dir>/cache/yara/`` keyed by
a hash of the YARA version, the external variables and every source byte
(``include``d files too), so any change to any source compiles afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yara

from secops.detect.rules import Problem, Severity
from secops.errors import RuleError
from secops.files import write_file

YARA_SUFFIXES = (".yar", ".yara")
EXTERNALS: dict[str, str] = {"filename": "", "filepath": "", "extension": "", "filetype": "", "owner": ""}
"""The variables of THOR and LOKI that signature-base uses; the scanner fills them per file."""
CACHE_FORMAT = "1"
CACHE_KEEP = 8
"""Compiled packs kept in the cache (a large pack is ~16 MB); the least recently used go first."""

_LOCATED = re.compile(r"^(?P<path>.*)\((?P<line>\d+)\): (?P<message>.*)$", re.DOTALL)
_INCLUDE = re.compile(rb'^\s*include\s+"([^"]+)"', re.MULTILINE)


@dataclass
class RulePack:
    """Compiled rules ready to scan, and what went wrong on the way."""

    rules: yara.Rules | None
    files: list[str]
    """The rule files that compiled, in namespace order; each file's path is its namespace."""
    problems: list[Problem] = field(default_factory=list)
    key: str = ""
    from_cache: bool = False
    rule_count: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def bundled_yara_dir() -> Path | None:
    """``rules/yara`` of a checkout, or the copy bundled in the wheel."""
    here = Path(__file__).resolve().parents[2] / "rules" / "yara"
    if here.is_dir():
        return here
    bundled = Path(str(resources.files("secops").joinpath("_bundled/rules/yara")))
    return bundled if bundled.is_dir() else None


def pack_paths(configured: Iterable[Path], given: Iterable[Path] = (), *, bundled: bool = True) -> list[Path]:
    """The bundled rules, then the paths given (or, with none, the YARA ones among the configured rule paths,
    which also hold Sigma files)."""
    chosen = [p for p in [bundled_yara_dir()] if p is not None and bundled]
    explicit = list(given)
    if explicit:
        return chosen + explicit
    return chosen + [p for p in configured if p.is_dir() or p.suffix in YARA_SUFFIXES]


def yara_files(paths: Iterable[str | Path], problems: list[Problem] | None = None) -> Iterator[Path]:
    """Rule files named directly, and ``*.yar``/``*.yara`` under directories (sorted, no hidden).

    A directory that cannot be listed is added to ``problems`` as an error: its rules are not loaded."""

    def unlisted(exc: OSError) -> None:
        if problems is not None:
            where = exc.filename if exc.filename is not None else str(raw)
            problems.append(Problem(os.fsdecode(where), None, "error", f"cannot list: {exc.strerror or exc}"))

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for folder, dirs, names in os.walk(path, onerror=unlisted):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.endswith(YARA_SUFFIXES) and not name.startswith("."):
                        yield Path(folder) / name
        elif path.exists() or path.suffix in YARA_SUFFIXES:
            yield path


def check_yara(paths: Iterable[str | Path]) -> list[Problem]:
    """Every problem (errors and warnings) of the YARA files under ``paths``, for ``secops rules check``."""
    problems: list[Problem] = []
    for path in yara_files(paths, problems):
        problems.extend(_compile_one(path)[1])
    return problems


def load_pack(paths: Iterable[str | Path], cache_dir: Path | None = None) -> RulePack:
    """Compile the YARA files under ``paths`` (from the cache when the sources are unchanged).

    Broken files become problems and are left out; the pack has ``rules=None``
    only when no file compiled at all.
    """
    unlisted: list[Problem] = []  # found afresh on every load, never cached: a folder may become readable
    # Absolute paths: each is its file's namespace, which alerts keep as ``rule.path`` long after this run.
    files = _unique(Path(os.path.abspath(path)) for path in yara_files(paths, unlisted))
    key = source_key(files)
    if cache_dir is not None:
        cached = _load_cached(cache_dir, key)
        if cached is not None:
            cached.problems[:0] = unlisted
            return cached
    good: list[str] = []
    problems: list[Problem] = []
    for path in files:
        ok, found = _compile_one(path)
        problems.extend(found)
        if ok:
            good.append(str(path))
    rules = None
    if good:
        try:
            rules = yara.compile(filepaths={p: p for p in good}, externals=EXTERNALS)
        except yara.Error as exc:
            # Each file compiled alone, so this is a joint limit (memory, too many strings).
            raise RuleError(f"the rule files compile one by one but not together: {exc}") from exc
    pack = RulePack(rules, good, problems, key, rule_count=sum(1 for _ in rules) if rules else 0)
    if cache_dir is not None and rules is not None:
        try:
            _save_cached(cache_dir, pack)
        except OSError as exc:  # a read-only or full data directory: the scan needs no cache
            pack.problems.append(
                Problem(str(cache_dir), None, "warning", f"compiled rules not cached: {exc.strerror or exc}")
            )
    pack.problems[:0] = unlisted
    return pack


def source_key(files: Iterable[Path]) -> str:
    """A hash of everything the compiled rules depend on: versions, externals, paths and bytes."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}|{yara.__version__}|{sorted(EXTERNALS.items())}".encode())
    for path in files:
        digest.update(os.fsencode(path) + b"\0")
        _hash_source(path, digest, set())
    return digest.hexdigest()


def _hash_source(path: Path, digest: hashlib._Hash, seen: set[Path]) -> None:
    """Hash a file and, recursively, the files it ``include``s (a missing one hashes as absent)."""
    if path in seen:
        return
    seen.add(path)
    try:
        data = path.read_bytes()
    except OSError:
        digest.update(b"\0missing\0")
        return
    digest.update(hashlib.sha256(data).digest())
    for name in _INCLUDE.findall(data):
        _hash_source(path.parent / os.fsdecode(name), digest, seen)


def _unique(files: Iterable[Path]) -> list[Path]:
    """Files in order, each once (a file named twice or under two given folders)."""
    seen: set[str] = set()
    out = []
    for path in files:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            out.append(path)
    return out


def _compile_one(path: Path) -> tuple[bool, list[Problem]]:
    """Compile one file alone: did it compile, and its problems (the first error, all warnings)."""
    try:
        rules = yara.compile(filepath=str(path), externals=EXTERNALS)
    except yara.SyntaxError as exc:
        return False, [_problem(str(exc), str(path), "error")]
    except yara.Error as exc:
        return False, [Problem(str(path), None, "error", f"cannot read the rule file: {exc}")]
    return True, [_problem(w, str(path), "warning") for w in rules.warnings]


def _problem(text: str, path: str, severity: Severity) -> Problem:
    """libyara says ``file(line): message``; keep the file it names (an included one, maybe)."""
    found = _LOCATED.match(text)
    if found is None:
        return Problem(path, None, severity, text)
    return Problem(found["path"] or path, int(found["line"]), severity, found["message"])


def _load_cached(cache_dir: Path, key: str) -> RulePack | None:
    """The pack saved under ``key``, or None when absent, damaged or from another libyara."""
    try:
        meta = json.loads((cache_dir / f"{key}.json").read_text("utf-8"))
        rules = yara.load(str(cache_dir / f"{key}.yarc"))
    except (OSError, ValueError, yara.Error):
        return None
    with contextlib.suppress(OSError):  # the last use orders pruning; a read-only cache still serves
        os.utime(cache_dir / f"{key}.yarc")
    problems = [Problem(p["path"], p["line"], p["severity"], p["message"]) for p in meta["problems"]]
    return RulePack(rules, meta["files"], problems, key, from_cache=True, rule_count=meta["rule_count"])


def _save_cached(cache_dir: Path, pack: RulePack) -> None:
    """Write rules and their facts atomically (temp file, rename), rules first, facts last."""
    rules = pack.rules
    assert rules is not None
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "files": pack.files,
        "rule_count": pack.rule_count,
        "problems": [
            {"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in pack.problems
        ],
    }
    compiled_rules = io.BytesIO()
    rules.save(file=compiled_rules)
    write_file(cache_dir / f"{pack.key}.yarc", compiled_rules.getvalue())
    write_file(cache_dir / f"{pack.key}.json", json.dumps(meta).encode())
    compiled = []
    for path in cache_dir.glob("*.yarc"):
        with contextlib.suppress(FileNotFoundError):  # another process pruned it meanwhile
            compiled.append((path.stat().st_mtime, path))
    for _, old in sorted(compiled, reverse=True)[CACHE_KEEP:]:
        old.unlink(missing_ok=True)
        old.with_suffix(".json").unlink(missing_ok=True)
