"""Markdown rendering of reports, through ``templates/*.md.j2`` (every value escaped)."""

from __future__ import annotations

from secops.report.breach import BreachReport
from secops.report.templating import render


def breach(report: BreachReport) -> str:
    return render("breach.md.j2", "md", r=report)
