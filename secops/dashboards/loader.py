"""Reading ``dashboards/*.toml``: every problem of every file reported at once, as ``file:line: message``.

A dashboard file is TOML: the dashboard's own keys at the top, then one
``[[panels]]`` table per panel with its ``[panels.aggregation]``::

    id = "firewall"
    title = "Firewall"
    range = "24h"          # default window
    refresh = 30           # seconds

    [[panels]]
    id = "denies"
    title = "Denied connections over time"
    query = "event.category:network AND event.type:denied"
    chart = "stacked_bar"
    [panels.aggregation]
    kind = "histogram"
    interval = "1h"
    split = "observer.vendor"

tomllib gives no positions for values, so validation errors are placed by
finding the key they name under the right ``[[panels]]`` header.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from secops.dashboards.model import Dashboard
from secops.errors import ConfigError

SUFFIX = ".toml"
_PREFIXED = re.compile(r"^(?:Value error, )?([a-z_]+): (.*)$", re.S)


@dataclass(frozen=True, slots=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}: {self.message}"


def default_dir() -> Path:
    """``dashboards/`` of a checkout, or the copy bundled in the wheel."""
    here = Path(__file__).resolve().parents[2] / "dashboards"
    if here.is_dir():
        return here
    return Path(str(resources.files("secops").joinpath("_bundled/dashboards")))


def _line_of(lines: list[str], loc: tuple[str | int, ...]) -> int | None:
    """The line of the key a validation error is about (1-based), or of the nearest table holding it."""
    start, end, keys = 0, len(lines), [k for k in loc if isinstance(k, str)]
    found: int | None = None
    if len(loc) >= 2 and loc[0] == "panels" and isinstance(loc[1], int):
        headers = [i for i, text in enumerate(lines) if text.strip() == "[[panels]]"]
        if loc[1] < len(headers):
            start = headers[loc[1]]
            end = headers[loc[1] + 1] if loc[1] + 1 < len(headers) else len(lines)
            found = start + 1
        keys = keys[1:]
    else:
        tables = [i for i, text in enumerate(lines) if text.startswith("[")]
        end = tables[0] if tables else len(lines)
    for key in keys:
        name = re.escape(key)
        own = re.compile(rf"^\s*(\[panels\.{name}\]|{name}\s*=)")
        inline = re.compile(rf"[{{,]\s*{name}\s*=")
        for i in range(start, end):
            if own.match(lines[i]) or inline.search(lines[i]):
                found, start = i + 1, i
                break
    return found


def load_file(path: Path) -> tuple[Dashboard | None, list[Problem]]:
    """One dashboard file: the dashboard, or the problems that stop it loading."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, None, f"cannot read: {exc}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _lineno_from(str(exc))
        return None, [Problem(path, line, f"not valid TOML: {exc}")]
    try:
        return Dashboard.model_validate(data), []
    except ValidationError as exc:
        lines = text.splitlines()
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            message = error["msg"]
            prefixed = _PREFIXED.match(message)
            if prefixed:
                loc, message = (*loc, prefixed.group(1)), f"{prefixed.group(1)}: {prefixed.group(2)}"
            where = ".".join(str(p) for p in error["loc"])
            problems.append(Problem(path, _line_of(lines, loc), f"{where}: {message}" if where else message))
        return None, problems


def _lineno_from(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def load_dir(folder: Path) -> tuple[list[Dashboard], list[Problem]]:
    """Every dashboard file of a folder, in tab order, with all the problems found."""
    dashboards: list[Dashboard] = []
    problems: list[Problem] = []
    files = sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []
    if not files:
        return [], [Problem(folder, None, f"no dashboard files (*{SUFFIX}) here")]
    owner: dict[str, Path] = {}
    for path in files:
        dashboard, found = load_file(path)
        problems += found
        if dashboard is None:
            continue
        if dashboard.id in owner:
            problems.append(Problem(path, 1, f"dashboard id {dashboard.id!r} is already used by {owner[dashboard.id]}"))
            continue
        owner[dashboard.id] = path
        dashboards.append(dashboard)
    dashboards.sort(key=lambda d: (d.order, d.id))
    return dashboards, problems


def load(folder: Path | None = None) -> list[Dashboard]:
    """The dashboards of a folder (default: the project's own); any problem is a ``ConfigError`` listing all."""
    chosen = folder or default_dir()
    dashboards, problems = load_dir(chosen)
    if problems:
        listing = "\n".join(str(p) for p in problems)
        raise ConfigError(f"{len(problems)} problem(s) in the dashboard definitions:\n{listing}", where=str(chosen))
    return dashboards
