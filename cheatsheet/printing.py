"""Print-readiness: running footer, duplex margins, crop marks and bleed, duplex-aware
section placement, and handout imposition after the reading PDF is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import SheetConfig, to_mm
from .page import SheetMeta
from .preflight import columns_of, find_sheet_boxes

MAX_DUPLEX_PASSES = 3
FOOTER_CLEARANCE_MM = 5.0
# 0.8 mm gap above, 6 pt type (2.5 mm line), then the clearance.
FOOTER_BOTTOM_MM = 0.8 + 2.5 + FOOTER_CLEARANCE_MM


def css_string(text: str) -> str:
    """A CSS string literal: titles may hold quotes and backslashes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def footer_css(config: SheetConfig, meta: SheetMeta) -> str:
    """Running footer in the page margin: title left, author and date centre, page right."""
    items = set(config.footer)
    left = " · ".join(
        value
        for key, value in (
            ("title", meta.title),
            ("subtitle", meta.subtitle),
            ("version", meta.version),
        )
        if key in items and value
    )
    centre = " · ".join(
        value
        for key, value in (("author", meta.author), ("date", meta.date))
        if key in items and value
    )
    boxes = []
    if left:
        boxes.append(f"@bottom-left {{ content: {css_string(left)}; }}")
    if centre:
        boxes.append(f"@bottom-center {{ content: {css_string(centre)}; }}")
    if "page" in items:
        boxes.append('@bottom-right { content: counter(page) " / " counter(pages); }')
    if not boxes:
        return ""
    style = "font-family: 'Sheet Sans', sans-serif; font-size: 6pt; color: #666;"
    rules = " ".join(boxes)
    styled = " ".join(
        f"@{place} {{ {style} }}" for place in ("bottom-left", "bottom-center", "bottom-right")
    )
    # The footer hangs from the top of the bottom margin (base.css); the margin grows so its
    # text ends at least FOOTER_CLEARANCE_MM above the trim edge, which printers clip.
    bottom = max(to_mm(config.margin), FOOTER_BOTTOM_MM)
    return f"@page {{ margin-bottom: {bottom:.2f}mm; {rules} {styled} }}\n"


def page_css(config: SheetConfig) -> str:
    """Duplex margins (wider on the binding side), crop marks and bleed for print shops."""
    css = []
    if config.duplex:
        outer = to_mm(config.margin)
        inner = outer + to_mm(config.binding)
        css.append(f"@page :right {{ margin-left: {inner:.2f}mm; margin-right: {outer:.2f}mm; }}")
        css.append(f"@page :left {{ margin-left: {outer:.2f}mm; margin-right: {inner:.2f}mm; }}")
    if config.crop_marks:
        css.append("@page { marks: crop cross; }")
    if to_mm(config.bleed) > 0:
        css.append(f"@page {{ bleed: {config.bleed}; }}")
    return "\n".join(css) + "\n" if css else ""


def print_css(config: SheetConfig, meta: SheetMeta) -> str:
    return footer_css(config, meta) + page_css(config)


def drop_footer_on_single_page(document: Any) -> None:
    """A one-page sheet has its title block on the page: no footer, and no "1 / 1"."""
    from weasyprint.formatting_structure.boxes import MarginBox

    if len(document.pages) == 1:
        page_box = document.pages[0]._page_box
        page_box.children = [c for c in page_box.children if not isinstance(c, MarginBox)]


@dataclass(frozen=True)
class _Piece:
    page: int
    height: float


def straddling_sections(document: Any) -> list[str]:
    """Sections split between the front and back of one sheet (pages 1|2, 3|4 ...) that
    would fit on one side: in duplex these need the sheet turned over mid-section."""
    pieces: dict[str, list[_Piece]] = {}
    capacity = 0.0
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        bottom = page_box.content_box_y() + page_box.height
        for sheet in find_sheet_boxes(page_box):
            columns = columns_of(sheet)
            capacity = max(capacity, sum(bottom - c.content_box_y() for c in columns))
            for column in columns:
                for box in column.children:
                    element = getattr(box, "element", None)
                    if element is not None and element.tag == "section" and element.get("id"):
                        pieces.setdefault(element.get("id"), []).append(
                            _Piece(number, box.margin_height())
                        )
    result = []
    for slug, parts in pieces.items():
        pages = {p.page for p in parts}
        front_back = any(p % 2 == 1 and p + 1 in pages for p in pages)
        if front_back and sum(p.height for p in parts) <= capacity:
            result.append(slug)
    return result


def keep_sections_on_one_side(layout, document: Any) -> tuple[Any, list[str], int]:
    """Start each straddling section on the next page; re-lay out until none is left."""
    moved: list[str] = []
    layouts = 0
    for _ in range(MAX_DUPLEX_PASSES):
        new = [slug for slug in straddling_sections(document) if slug not in moved]
        if not new:
            break
        moved.extend(new)
        css = ", ".join(f"#{slug}" for slug in moved) + " { break-before: page; }"
        document = layout(css)
        layouts += 1
    return document, moved, layouts


def keep_headings_with_content(layout, document: Any, inspect_layout) -> tuple[Any, str, int]:
    """Re-lay out once if a heading was left at a column foot.

    That happens when the block after it (a table or code block kept whole) is taller than
    the rest of the column: the block is pushed on and the heading stays behind. Letting that
    one block break keeps the heading with its first lines. Returns the document, the CSS
    that fixed it (to keep for later layouts) and the number of extra layouts.
    """
    ids = [p.element_id for p in inspect_layout(document).orphaned_headings if p.element_id]
    if not ids:
        return document, "", 0
    css = "".join(
        f'[id="{i}"] + *, [id="{i}"] + * pre, [id="{i}"] + * table '
        "{ break-inside: auto !important; }\n"
        for i in (i.replace("\\", "\\\\").replace('"', '\\"') for i in ids)
    )
    return layout(css), css, 1


def impose_handouts(config: SheetConfig, reading_pdf: Path) -> list[Path]:
    """Booklet or n-up files next to the reading PDF, which stays as it is."""
    if not config.handout:
        return []  # without importing pypdf: 0.2 s of every build
    from .handout import impose

    written = []
    for mode in config.handout:
        target = reading_pdf.with_name(f"{reading_pdf.stem}-{mode}.pdf")
        impose(reading_pdf, target, mode, config.handout_sheet or None)
        written.append(target)
    return written
