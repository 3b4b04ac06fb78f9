"""Compiled rule sets cached between runs, so a scheduled run does not pay for pySigma again.

Loading and compiling the SigmaHQ rules (YAML parsing, then every processing
pipeline on every rule) takes far longer than a five-minute job should spend
starting up. The result is plain data (``compiled.to_data``), written under
``<data dir>/cache/sigma/`` (offline scans without a data directory: the XDG
cache directory) and named by a key over everything that shapes it:

- every byte of every rule file, and its path;
- every pipeline file (``rules/pipelines/*.yml``) and the versions of pySigma
  and the pipeline packages;
- the source of the modules that build the cached data, and ``FORMAT``;
- the ``[detect] placeholders`` (they are expanded by a pipeline).

A file is written to a temporary name and renamed, and starts with a digest of
its content: a torn, corrupt or foreign file is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
import platformdirs

from secops.detect.compiled import CompiledSet, compile_ruleset, from_data, to_data
from secops.detect.evaluate import rule_id
from secops.detect.pipelines import pipeline_dirs
from secops.detect.rules import RuleSet, load_rules, read_sources
from secops.files import write_file

log = logging.getLogger(__name__)

FORMAT = 1
"""Bump when the meaning of cached data changes without a change to the modules below."""
PACKAGES = ("pySigma", "pysigma-pipeline-sysmon", "pysigma-pipeline-windows", "pySigma-backend-elasticsearch")
MODULES = ("plan.py", "pipelines.py", "correlate.py", "compiled.py", "alerts.py", "rules.py", "cache.py")
KEEP = 8
"""Cached rule sets kept per directory (one per distinct set of rule paths in use)."""


def default_dir() -> Path:
    """Where scans without a data directory cache compiled rules."""
    return Path(platformdirs.user_cache_dir("secops")) / "sigma"


def cache_key(sources: list[tuple[Path, bytes | OSError]], placeholders: dict[str, list[str]] | None) -> str:
    digest = hashlib.blake2b(digest_size=20)

    def feed(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    feed("format", str(FORMAT).encode())
    for package in PACKAGES:
        try:
            feed(package, metadata.version(package).encode())
        except metadata.PackageNotFoundError:
            feed(package, b"-")
    here = Path(__file__).parent
    for name in MODULES:
        feed(name, (here / name).read_bytes())
    for folder in pipeline_dirs():
        for path in sorted(folder.glob("*.yml")):
            feed(f"pipeline:{path.name}", path.read_bytes())
    feed("placeholders", orjson.dumps(placeholders or {}, option=orjson.OPT_SORT_KEYS))
    for path, raw in sources:
        feed(f"rule:{path}", raw if isinstance(raw, bytes) else repr(raw).encode())
    return digest.hexdigest()


def load_compiled(
    paths: list[str | Path] | Any,
    placeholders: dict[str, list[str]] | None,
    cache_dir: Path | None,
    *,
    need_rules: bool = False,
) -> tuple[CompiledSet, RuleSet | None]:
    """The compiled rule set, from the cache when it holds this exact one; else compiled and cached.

    With ``need_rules`` the rules are loaded with pySigma in any case and
    returned too (the compiled rules then carry them); only the pipelines are
    skipped on a hit.
    """
    sources = read_sources(paths)
    if cache_dir is None:
        ruleset = load_rules(paths, sources)
        compiled = compile_ruleset(ruleset, placeholders)
        return compiled, ruleset
    key = cache_key(sources, placeholders)
    path = cache_dir / f"{key}.json"
    data, outcome = read(path, key)
    cached: CompiledSet | None = None
    if data is not None:
        try:
            cached = from_data(data["set"])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            log.warning("rule cache %s does not hold a rule set (%s); rebuilding it", path, exc)
            outcome = "corrupt"
    if cached is not None and not need_rules:
        cached.cache, cached.key = "hit", key
        return cached, None
    ruleset = load_rules(paths, sources)
    if cached is not None:
        attached = _attach(cached, data["positions"] if data else [], ruleset)
        if attached is not None:
            attached.cache, attached.key = "hit", key
            return attached, ruleset
        outcome = "stale"
    compiled = compile_ruleset(ruleset, placeholders)
    compiled.cache, compiled.key = outcome, key
    where = {id(rule): i for i, rule in enumerate(ruleset.rules)}
    positions = [where[id(r.rule)] for r in compiled.rules]
    write(cache_dir, path, {"format": FORMAT, "key": key, "positions": positions, "set": to_data(compiled)})
    return compiled, ruleset


def _attach(compiled: CompiledSet, positions: list[int], ruleset: RuleSet) -> CompiledSet | None:
    """Cached rules joined to the same rules loaded now (None if they do not line up)."""
    if len(positions) != len(compiled.rules) or any(p >= len(ruleset.rules) for p in positions):
        return None
    for rule, position in zip(compiled.rules, positions, strict=True):
        loaded = ruleset.rules[position]
        if rule_id(loaded, ruleset.origin(loaded)) != rule.id:
            return None
        rule.rule = loaded
    return compiled


def read(path: Path, key: str) -> tuple[dict[str, Any] | None, str]:
    """The cached data and ``hit``; or None and why not (``miss``, ``corrupt``, ``stale``)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, "miss"
    except OSError as exc:
        log.warning("cannot read the rule cache %s: %s", path, exc)
        return None, "corrupt"
    head, _, body = raw.partition(b"\n")
    if head != hashlib.blake2b(body, digest_size=20).hexdigest().encode():
        log.warning("rule cache %s is damaged; rebuilding it", path)
        return None, "corrupt"
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, "corrupt"
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
        return None, "stale"
    return data, "hit"


def write(folder: Path, path: Path, data: dict[str, Any]) -> None:
    """Write a cached rule set (digest line, then the data) and keep the newest few; failures only warn."""
    body = orjson.dumps(data)
    try:
        write_file(path, hashlib.blake2b(body, digest_size=20).hexdigest().encode() + b"\n" + body)
        kept = [p for p in folder.glob("*.json") if not p.name.startswith(".")]
        for old in sorted(kept, key=lambda p: p.stat().st_mtime, reverse=True)[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot write the rule cache in %s: %s", folder, exc)
