"""Self-contained HTML: inline CSS, inline SVG, no script and no external resource (a CSP says so too)."""

from __future__ import annotations

from secops.report.breach import BreachReport
from secops.report.templating import render


def breach(report: BreachReport) -> str:
    return render("breach.html.j2", "html", r=report)
