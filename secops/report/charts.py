"""Charts as self-contained SVG: one function from (panel definition, data rows) to an SVG string.

A ``Panel`` is the declarative description the dashboards (issue 11,
``dashboards/panels/*.yaml``) are expected to use, so the web console and the
HTML/PDF reports can draw the same panel from the same definition. Data rows
are plain dicts; the panel names which keys hold the category (``x``), the
value (``y``) and an optional ``series`` split (stacked). The SVG uses only
rect, line and text with presentation attributes (no CSS, no script, no
external reference), so browsers and fpdf2 draw it alike; every label is
XML-escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from secops import escape as terminal

PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
SEVERITY_COLOURS = {
    "informational": "#9aa5b1",
    "low": "#4e79a7",
    "medium": "#edc948",
    "high": "#f28e2b",
    "critical": "#c62828",
}
FONT = "DejaVu Sans, Arial, sans-serif"


class Panel(BaseModel):
    """A chart definition; extra keys (a query, a refresh interval …) belong to the dashboard and are ignored here."""

    model_config = ConfigDict(extra="ignore")

    id: str
    title: str
    type: Literal["bar", "hbar", "stat"]
    x: str = "key"
    y: str = "count"
    series: str | None = None
    series_order: list[str] = Field(default_factory=list)
    colours: dict[str, str] = Field(default_factory=dict)
    unit: str | None = None
    limit: int | None = None
    width: int = 720
    height: int = 260


def _t(value: Any) -> str:
    """XML-escaped, control characters made visible (an XML parser rejects them)."""
    return escape(terminal.one_line(str(value)), quote=True)


def _svg(panel: Panel, body: list[str], height: int | None = None) -> str:
    h = height or panel.height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{panel.width}" height="{h}" '
        f'viewBox="0 0 {panel.width} {h}" role="img" aria-label="{_t(panel.title)}">'
        f'<rect x="0" y="0" width="{panel.width}" height="{h}" fill="#ffffff"/>'
        f'<text x="8" y="18" font-family="{FONT}" font-size="14" font-weight="bold" fill="#1b1f24">'
        f"{_t(panel.title)}</text>" + "".join(body) + "</svg>"
    )


def _colour(panel: Panel, name: str, index: int) -> str:
    return panel.colours.get(name) or SEVERITY_COLOURS.get(name) or PALETTE[index % len(PALETTE)]


def _nice(top: float) -> float:
    if top <= 0:
        return 1
    step = 10 ** (len(str(int(top))) - 1)
    return float(((int(top) // step) + 1) * step)


def render(panel: Panel, rows: Sequence[Mapping[str, Any]]) -> str:
    """The panel drawn over the rows, as an SVG document string."""
    if panel.type == "hbar":
        return _hbar(panel, rows)
    if panel.type == "stat":
        return _stat(panel, rows)
    return _bar(panel, rows)


def _bar(panel: Panel, rows: Sequence[Mapping[str, Any]]) -> str:
    categories = list(dict.fromkeys(str(r[panel.x]) for r in rows))
    names = list(dict.fromkeys(str(r[panel.series]) for r in rows)) if panel.series else [panel.y]
    if panel.series_order:
        names = [n for n in panel.series_order if n in names] + [n for n in names if n not in panel.series_order]
    stacks: dict[str, dict[str, float]] = {c: {} for c in categories}
    for r in rows:
        name = str(r[panel.series]) if panel.series else panel.y
        stacks[str(r[panel.x])][name] = stacks[str(r[panel.x])].get(name, 0) + float(r[panel.y] or 0)
    top = _nice(max((sum(s.values()) for s in stacks.values()), default=0))
    left, right, top_pad, bottom = 48, 10, 48, 46
    plot_w, plot_h = panel.width - left - right, panel.height - top_pad - bottom
    body = []
    for i, name in enumerate(names):
        key_x = left + i * 120
        body.append(f'<rect x="{key_x}" y="27" width="10" height="10" fill="{_colour(panel, name, i)}"/>')
        body.append(f'<text x="{key_x + 14}" y="36" font-family="{FONT}" font-size="10" fill="#333">{_t(name)}</text>')
    for k in range(5):
        value = top * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e3e6ea" stroke-width="1"/>'
        )
        body.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" font-family="{FONT}" font-size="9" fill="#555" '
            f'text-anchor="end">{value:g}</text>'
        )
    slot = plot_w / max(len(categories), 1)
    width = max(slot * 0.7, 1)
    label_every = max(1, len(categories) // 12)
    for c_index, category in enumerate(categories):
        x = left + c_index * slot + (slot - width) / 2
        base = float(top_pad + plot_h)
        for i, name in enumerate(names):
            value = stacks[category].get(name, 0)
            if value <= 0:
                continue
            h = plot_h * value / top
            base -= h
            body.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{width:.1f}" height="{h:.1f}" '
                f'fill="{_colour(panel, name, i)}"><title>{_t(category)} {_t(name)}: {value:g}</title></rect>'
            )
        if c_index % label_every == 0:
            body.append(
                f'<text x="{x + width / 2:.1f}" y="{top_pad + plot_h + 14}" font-family="{FONT}" font-size="9" '
                f'fill="#333" text-anchor="middle">{_t(category[-5:] if len(category) > 8 else category)}</text>'
            )
    body.append(
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#888"/>'
    )
    return _svg(panel, body)


def _hbar(panel: Panel, rows: Sequence[Mapping[str, Any]]) -> str:
    shown = list(rows)[: panel.limit] if panel.limit else list(rows)
    height = 34 + 20 * max(len(shown), 1) + 10
    label_w = int(panel.width * 0.42)
    plot_w = panel.width - label_w - 60
    top = max((float(r[panel.y] or 0) for r in shown), default=0) or 1
    body = []
    for i, r in enumerate(shown):
        y = 34 + i * 20
        value = float(r[panel.y] or 0)
        label = str(r[panel.x])
        label = label if len(label) <= 60 else label[:59] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 12}" font-family="{FONT}" font-size="10" fill="#333" '
            f'text-anchor="end">{_t(label)}</text>'
        )
        w = max(plot_w * value / top, 1)
        body.append(f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="14" fill="{_colour(panel, label, 0)}"/>')
        unit = f" {panel.unit}" if panel.unit else ""
        body.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 13}" font-family="{FONT}" font-size="10" '
            f'fill="#333">{value:g}{_t(unit)}</text>'
        )
    if not shown:
        body.append(f'<text x="8" y="48" font-family="{FONT}" font-size="11" fill="#777">no data</text>')
    return _svg(panel, body, height)


def _stat(panel: Panel, rows: Sequence[Mapping[str, Any]]) -> str:
    """A row of big numbers: one box per row, ``x`` the caption, ``y`` the value (None shows as a dash)."""
    height = 96
    box = panel.width / max(len(rows), 1)
    body = []
    for i, r in enumerate(rows):
        x = i * box + box / 2
        value = r[panel.y]
        text = "—" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))
        unit = f" {panel.unit}" if panel.unit and value is not None else ""
        body.append(
            f'<text x="{x:.1f}" y="58" font-family="{FONT}" font-size="24" font-weight="bold" fill="#1b1f24" '
            f'text-anchor="middle">{_t(text + unit)}</text>'
        )
        body.append(
            f'<text x="{x:.1f}" y="80" font-family="{FONT}" font-size="10" fill="#555" '
            f'text-anchor="middle">{_t(r[panel.x])}</text>'
        )
    return _svg(panel, body, height)
