"""The shipped sample sheet: one A4 landscape page that uses every column, read back from the PDF."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from conftest import (
    A4_LANDSCAPE,
    SEED_SECTIONS,
    coloured_text,
    font_descriptors,
    outline_titles,
    page_sizes,
    pdf_text,
)


def test_one_a4_landscape_page(seed_pdf):
    path, _ = seed_pdf
    sizes = page_sizes(path)
    assert len(sizes) == 1
    assert sizes[0] == pytest.approx(A4_LANDSCAPE, abs=0.5)


def test_section_headings_in_reading_order(seed_pdf):
    text = pdf_text(seed_pdf[0])
    positions = [text.find(title) for title in SEED_SECTIONS]
    assert -1 not in positions, dict(zip(SEED_SECTIONS, positions, strict=True))
    assert positions == sorted(positions)
    for sub in ("Transformer Architecture", "PyTorch Training Loop", "Demo Guidelines"):
        assert sub in text


def test_repaired_text_is_in_the_pdf(seed_pdf):
    """The formulas are drawings now, so their repaired characters are checked in the source
    they are typeset from; the PDF text must still be free of mojibake."""
    from conftest import ROOT

    mojibake = ("Ã", "â", "Î")
    source = (ROOT / "content" / "quick-reference.md").read_text(encoding="utf-8")
    for fragment in (r"\sqrt{d_k}", "α ≈ 0.076", "L_∞", "μ_θ(x_t,t)", "Σ_θ(x_t,t)", "β_t"):
        assert fragment in source, fragment
    text = pdf_text(seed_pdf[0])
    assert not [m for m in mojibake if m in source or m in text]


def test_all_fonts_embedded_and_shipped(seed_pdf):
    fonts = font_descriptors(seed_pdf[0])
    assert fonts
    for name, descriptor in fonts.items():
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
    assert all("Sheet-" in name for name in fonts), sorted(fonts)


def test_no_missing_glyphs(seed_pdf):
    _, run = seed_pdf
    assert "no glyph" not in run.err


def test_code_is_highlighted(seed_pdf):
    pieces = coloured_text(seed_pdf[0])
    keyword_colours = {colour for colour, chunk in pieces if chunk.strip() in ("import", "for")}
    assert keyword_colours, "keywords not found"
    assert all(max(c) - min(c) > 0.2 for c in keyword_colours), keyword_colours


def test_outline_has_title_sections_and_subsections(seed_pdf):
    titles = outline_titles(seed_pdf[0])
    assert titles[0] == "Quick Reference Cheat Sheets"
    for section in SEED_SECTIONS:
        assert any(section in t for t in titles), section
    assert "PyTorch Training Loop" in titles


def test_every_column_is_used(seed_pdf):
    """No wasted column: each quarter of the page below the title holds plenty of ink."""
    page = pdfium.PdfDocument(seed_pdf[0])[0]
    image = page.render(scale=1).to_pil().convert("L")
    width, height = image.size
    for column in range(4):
        box = (
            int(width * column / 4) + 10,
            int(height * 0.1),
            int(width * (column + 1) / 4) - 10,
            int(height * 0.95),
        )
        pixels = list(image.crop(box).tobytes())
        inked_rows = 0
        row_width = box[2] - box[0]
        for y in range(box[3] - box[1]):
            row = pixels[y * row_width : (y + 1) * row_width]
            inked_rows += any(p < 200 for p in row)
        assert inked_rows / (box[3] - box[1]) > 0.45, f"column {column + 1} mostly empty"


def fill_colours(path) -> set[tuple[float, float, float]]:
    import pypdf

    data = b"".join(page.get_contents().get_data() for page in pypdf.PdfReader(path).pages)
    found = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) rg", data)
    return {tuple(round(float(v), 2) for v in rgb) for rgb in found}


def test_emoji_drawn_as_vector_images(seed_pdf):
    """OpenMoji's red (#ea5a47) and yellow (#fcea2b) are drawn: the rocket and friends."""
    colours = fill_colours(seed_pdf[0])
    assert (0.92, 0.35, 0.28) in colours
    assert (0.99, 0.92, 0.17) in colours
