"""Print-readiness: running footer, duplex margins, crop marks and bleed, duplex-aware
section placement, and handout imposition after the reading PDF is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import SheetConfig
from .preflight import columns_of, find_sheet_boxes
from .sheetcss import (  # noqa: F401 - print_css: the pipeline's entry point
    FOOTER_BOTTOM_MM,
    FOOTER_CLEARANCE_MM,
    css_string,
    footer_css,
    page_css,
    print_css,
)

MAX_DUPLEX_PASSES = 3


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
