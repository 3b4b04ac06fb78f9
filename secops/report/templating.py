"""Jinja2 environments for the report templates under ``templates/`` (formatting is data, not code).

HTML autoescapes every value. Markdown has no autoescape of its own, so every
value printed by a Markdown template passes through ``md`` (``finalize``):
Markdown punctuation is backslash-escaped, which also keeps raw HTML and
links in hostile content from ever becoming markup where the Markdown is
rendered.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import jinja2

from secops import escape

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!&])")
_AUTOLINK = re.compile(r"(?i)(:)(//)|(www)(\.)")


def md(value: Any) -> str:
    """One value as inert Markdown text on one line."""
    if value is None:
        return ""
    if isinstance(value, jinja2.runtime.Undefined):
        return ""
    text = _MD_SPECIAL.sub(r"\\\1", escape.one_line(str(value)))
    return _AUTOLINK.sub(lambda m: f"{m.group(1) or m.group(3)}\\{m.group(2) or m.group(4)}", text)


@cache
def environment(kind: str) -> jinja2.Environment:
    """``html`` or ``md``: a sandbox-free but autoescaping (or finalizing) environment over the package templates."""
    loader = jinja2.PackageLoader("secops.report", "templates")
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
        env.filters["inert"] = lambda v: escape.terminal(str(v)) if v is not None else ""
    else:
        env = jinja2.Environment(
            loader=loader,
            autoescape=False,  # noqa: S701 - Markdown, not HTML: every value goes through ``md`` (finalize)
            finalize=md,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
    return env


def render(name: str, kind: str, **context: Any) -> str:
    return environment(kind).get_template(name).render(**context)
