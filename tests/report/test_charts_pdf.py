"""Charts are well-formed SVG whatever the labels say, and PDFs are written with or without the DejaVu font."""

from __future__ import annotations

from pathlib import Path

import pytest
from defusedxml import ElementTree as ET  # fpdf2's own dependency

from secops.report import charts, pdf
from tests.report.conftest import HOSTILE, first_page_ink, pdf_text

NASTY = HOSTILE + "\x1b[31m\u202e 日本 — ünïcödé"


def test_svg_is_well_formed_and_labels_are_text() -> None:
    for kind in ("bar", "hbar", "stat"):
        panel = charts.Panel(id="p", title=NASTY, type=kind, x="k", y="v", series="s" if kind == "bar" else None)
        svg = charts.render(panel, [{"k": NASTY, "v": 3, "s": NASTY}, {"k": "b", "v": 1.5, "s": "x"}])
        root = ET.fromstring(svg)  # an XML parser refuses raw control characters and stray markup
        assert not [e for e in root.iter() if e.tag.endswith(("script", "foreignObject", "a", "image"))]
        assert "<script>" not in svg and "\\x1b" in svg


@pytest.mark.parametrize("dejavu", [True, False])
def test_pdf_with_and_without_the_unicode_font(dejavu: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not dejavu:
        monkeypatch.setattr(pdf, "FONT_DIRS", ())
    doc = pdf.Document(NASTY, "footer")
    assert doc.family == ("DejaVu Sans" if dejavu else "helvetica")
    doc.heading("INC-9 " + NASTY)
    doc.row("label", NASTY)
    panel = charts.Panel(id="p", title="Top rules", type="hbar", x="k", y="v")
    doc.svg(charts.render(panel, [{"k": NASTY, "v": 2}]))
    out = tmp_path / "t.pdf"
    out.write_bytes(doc.output())
    text = pdf_text(out)
    assert "INC-9" in text and "<script>" in text and "\\x1b" in text
    assert "ünïcödé" in text and "\\u65e5\\u672c" in text  # DejaVu Sans has no CJK glyphs either
    assert ("—" in text) if dejavu else ("\\u2014" in text)
    assert first_page_ink(out, tmp_path) > 0.005
