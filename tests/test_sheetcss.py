"""Issue #14: the generated CSS lives in one module (sheetcss), its numbers are base.css's
own (checked against the laid-out boxes), and a theme can restyle the footer."""

from __future__ import annotations

import pypdfium2 as pdfium
from test_typography import build, glyphs

from cheatsheet import sheetcss
from cheatsheet.config import load_project
from cheatsheet.page import resolve_theme
from cheatsheet.pdf import Renderer


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _ratio(font_size, line_height) -> float:
    """A line height as a multiple of the font size, however WeasyPrint stored it."""
    if hasattr(line_height, "value"):
        return line_height.value if line_height.unit is None else line_height.value / font_size
    return line_height  # a plain number: already a multiple


def test_metrics_are_the_ones_the_layout_uses(tmp_path):
    (tmp_path / "n.md").write_text("## A\n\n```\ncode\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    config = load_project(tmp_path, None, {"content": [str(tmp_path / "n.md")]}).sheets(None)[0]
    renderer = Renderer(config, resolve_theme(config), [tmp_path])
    document = renderer.layout(
        "<main class='sheet'><pre>code</pre><table><tr><td>1</td></tr></table></main>", 10
    )
    sizes = {}
    for box in _descendants(document.pages[0]._page_box):
        tag = getattr(box, "element_tag", None)
        if tag in ("pre", "table", "html") and tag not in sizes:
            sizes[tag] = (box.style["font_size"], box.style["line_height"])
    metrics = sheetcss.base_metrics()
    body = sizes["html"][0]
    assert sizes["pre"][0] / body == metrics["code_size"]
    assert _ratio(*sizes["pre"]) == metrics["code_line_height"]
    assert round(sizes["table"][0] / body, 3) == metrics["table_size"]
    assert _ratio(*sizes["table"]) == metrics["table_line_height"]
    assert metrics["code_size"] * metrics["code_line_height"] == sheetcss.CODE_LINE


def test_a_theme_restyles_the_footer(tmp_path):
    notes = "\n".join(f"## Part {n}\n\n" + "Words to fill the page. " * 80 for n in range(12))
    (tmp_path / "big.css").write_text(
        "@page { @bottom-left { font-size: 11pt; color: #c00; } }\n", encoding="utf-8"
    )
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    plain = build(tmp_path / "a", notes, "--no-fit", "--title", "Zqx")
    themed = build(
        tmp_path / "b", notes, "--no-fit", "--title", "Zqx", "--theme", str(tmp_path / "big.css")
    )
    assert len(pdfium.PdfDocument(str(plain))) > 1

    def footer_height(pdf) -> float:
        page_height = pdfium.PdfDocument(str(pdf))[0].get_height()
        low = [
            g for g in glyphs(pdf) if g.page == 0 and g.char == "Z" and g.box[3] < 0.1 * page_height
        ]
        assert low, "no footer title"
        return low[0].box[3] - low[0].box[1]

    assert footer_height(themed) > 1.5 * footer_height(plain)
    assert "font-size" not in sheetcss.footer_css(
        load_project(tmp_path, None, {}).sheets(None)[0],
        type(
            "Meta",
            (),
            {"title": "T", "subtitle": "", "version": "", "author": "", "date": "", "lang": "en"},
        ),
    )
