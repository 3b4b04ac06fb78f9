"""A small PDF writer over fpdf2 (pure Python wheels, no system library): headings, text, key/value rows, SVG.

Text uses DejaVu Sans when the system has it (Debian ``fonts-dejavu-core``)
and the PDF core font otherwise. Characters the font cannot draw are written
as ``\\uXXXX`` rather than silently dropped, and control characters are made
visible, so hostile content is neither lost nor able to disturb the layout.
Charts are the same SVG as in the HTML reports, drawn as vector graphics.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from secops import escape

_SIZE = re.compile(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"')
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


class Document:
    """One PDF being written, top to bottom."""

    def __init__(self, title: str, footer: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(self.safe_meta(title))
        self.pdf.set_creator("secops")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.family = self._fonts()
        self._footer = footer
        self.pdf.add_page()
        self.width = self.pdf.epw

    def _fonts(self) -> str:
        for folder in FONT_DIRS:
            regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                self.pdf.add_font("DejaVu Sans", "", str(regular))
                self.pdf.add_font("DejaVu Sans", "B", str(bold))
                return "DejaVu Sans"
        return "helvetica"

    @staticmethod
    def safe_meta(text: str) -> str:
        return escape.one_line(text)

    def safe(self, text: str) -> str:
        """Control characters made visible; characters the current font lacks as ``\\uXXXX``."""
        text = escape.terminal(text)
        font = self.pdf.current_font
        cmap = getattr(font, "cmap", None)
        if cmap is not None:
            return "".join(c if ord(c) in cmap or c == "\n" else f"\\u{ord(c):04x}" for c in text)
        return "".join(c if ord(c) < 256 else f"\\u{ord(c):04x}" for c in text)

    def _font(self, size: float, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def heading(self, text: str, level: int = 1) -> None:
        self._font({1: 15, 2: 12, 3: 10.5}[level], bold=True)
        self.pdf.ln(2 if level > 1 else 0)
        height = 6.5 if level == 1 else 5.5
        self.pdf.multi_cell(self.width, height, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(1)

    def text(self, text: str, size: float = 9, bold: bool = False, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self._font(size, bold)
        self.pdf.set_text_color(*colour)
        self.pdf.multi_cell(self.width, size * 0.5, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_text_color(0, 0, 0)

    def row(self, key: str, value: str, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        """A label, then its value indented below it (one column, so text extraction keeps the order)."""
        pdf = self.pdf
        if pdf.get_y() + 9 > pdf.page_break_trigger:
            pdf.add_page()
        self._font(8.5, bold=True)
        pdf.multi_cell(self.width, 4.2, self.safe(key), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font(8.5)
        pdf.set_text_color(*colour)
        pdf.set_x(pdf.l_margin + 6)
        pdf.multi_cell(self.width - 6, 4.2, self.safe(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(0.8)

    def bullet(self, text: str, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self._font(8.5)
        self.pdf.set_text_color(*colour)
        self.pdf.set_x(self.pdf.l_margin + 3)
        self.pdf.multi_cell(self.width - 3, 4.3, self.safe("• " + text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.set_text_color(0, 0, 0)

    def svg(self, svg: str, width_mm: float | None = None) -> None:
        """An SVG chart as vector graphics, on a new page if it would not fit."""
        width = width_mm or self.width
        size = _SIZE.search(svg)
        height = width * float(size.group(2)) / float(size.group(1)) if size else width / 2
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()
        if self.family == "helvetica":
            svg = "".join(c if ord(c) < 256 else f"\\u{ord(c):04x}" for c in svg)
        self.pdf.image(io.BytesIO(svg.encode("utf-8")), x=self.pdf.l_margin, w=width, h=height)
        self.pdf.ln(3)

    def output(self) -> bytes:
        self._font(7)
        self.pdf.set_text_color(90, 90, 90)
        self.pdf.ln(4)
        self.pdf.multi_cell(self.width, 3.5, self.safe(self._footer), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return bytes(self.pdf.output())
