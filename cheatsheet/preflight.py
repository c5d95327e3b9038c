"""Preflight: read the laid-out pages and report what would look wrong on paper.

Everything here is measured on WeasyPrint's page boxes (positions in CSS px), not guessed
from the source: how full the pages are, text that runs out of its column or off the page,
headings stranded at a column foot, code blocks and tables split though they would fit whole,
characters drawn without a glyph, and type below the legibility floor.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import Diagnostic
from .pdf import MEDIUM_BLOCK, MEDIUM_BLOCK_SIDE, MOVABLE_BLOCK
from .scripts import describe

PX_TO_PT = 0.75
TOLERANCE = 1.0  # px; sub-pixel rounding is not a defect
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}
WHOLE_BLOCKS = {"pre", "table"}
LEAF_BLOCKS = HEADINGS | WHOLE_BLOCKS | {"p", "li", "div", "dl"}


def _is_sheet(box: Any) -> bool:
    element = getattr(box, "element", None)
    return element is not None and element.tag == "main" and "sheet" in element.get("class", "")


def find_sheet_boxes(box: Any) -> list[Any]:
    """The `main.sheet` boxes of a page (the multi-column flow), outermost only."""
    if _is_sheet(box):
        return [box]
    found = []
    for child in getattr(box, "children", []):
        found.extend(find_sheet_boxes(child))
    return found


def _bottom(box: Any) -> float:
    """Lowest edge of the box's in-flow content (margins excluded)."""
    children = [c for c in getattr(box, "children", []) if hasattr(c, "margin_height")]
    if not children:
        return box.position_y + box.margin_height() - box.margin_bottom
    last = children[-1]
    return last.position_y + last.margin_height() - (last.margin_bottom or 0)


def columns_of(sheet: Any) -> list[Any]:
    """Column boxes of a multi-column flow; a one-column flow is its own column."""
    columns = [c for c in sheet.children if _is_sheet(c)]
    return columns or [sheet]


def page_fill(page: Any) -> float:
    """Fraction of the page's column area that holds content (0..1).

    Columns are the `main.sheet` fragments WeasyPrint creates; a column-spanning section
    counts at full width.
    """
    page_box = page._page_box
    bottom = page_box.content_box_y() + page_box.height
    area = used = 0.0
    for sheet in find_sheet_boxes(page_box):
        top = sheet.content_box_y()
        width = sheet.width
        area += (bottom - top) * width
        columns = [c for c in sheet.children if _is_sheet(c)]
        if not columns:
            used += (_bottom(sheet) - top) * width
            continue
        for child in sheet.children:
            if _is_sheet(child):
                if any(hasattr(c, "margin_height") for c in child.children):
                    used += (_bottom(child) - child.content_box_y()) * child.width
            else:
                used += child.margin_height() * width
    return min(1.0, used / area) if area else 0.0


def column_fills(page: Any) -> list[float]:
    """How full each column of a page is (0..1), in reading order.

    Measured to the lowest line or image in the column, not to the bottom of its last box: a
    section split across columns can be drawn taller than what it holds. A column run
    followed by a spanning block is as tall as its tallest column (WeasyPrint balances it);
    the last run on the page reaches down to the page foot.
    """
    page_box = page._page_box
    bottom = page_box.content_box_y() + page_box.height
    fills = []
    for sheet in find_sheet_boxes(page_box):
        children = list(sheet.children)
        columns = [(i, c) for i, c in enumerate(children) if _is_sheet(c)] or [(0, sheet)]
        for index, column in columns:
            top = column.content_box_y()
            later_block = column is not sheet and any(
                not _is_sheet(c) for c in children[index + 1 :]
            )
            room = column.height if later_block else bottom - top
            used = _lowest_content(column) - top
            fills.append(min(1.0, max(0.0, used) / room) if room > 0 else 1.0)
    return fills


def _lowest_content(box: Any) -> float:
    """The lowest edge of a line, image or childless block inside the box."""
    from weasyprint.formatting_structure import boxes

    lowest = box.content_box_y()
    stack = list(getattr(box, "children", []))
    while stack:
        child = stack.pop()
        if getattr(child, "style", None) is not None and child.style["position"] == "absolute":
            continue
        if isinstance(child, boxes.LineBox | boxes.ReplacedBox) or not getattr(
            child, "children", None
        ):
            if hasattr(child, "margin_height"):
                lowest = max(lowest, child.position_y + child.margin_height())
            continue
        if isinstance(child, boxes.BlockBox) and child.style["background_color"][3] > 0:
            lowest = max(lowest, child.position_y + child.margin_height() - child.margin_bottom)
        stack.extend(child.children)
    return lowest


def used_pages(document: Any) -> float:
    """Pages of content as a real number: 2.5 = two full pages and half of a third."""
    if not document.pages:
        return 0.0
    return len(document.pages) - 1 + page_fill(document.pages[-1])


@dataclass
class Problem:
    kind: str
    page: int
    section: str
    text: str
    detail: str = ""
    element_id: str = ""  # of the offending element, when it has one (for automatic fixes)


@dataclass
class Report:
    pages: int
    paper: str
    columns: int
    font_size: float
    fill: float
    layouts: int = 1
    # How full each column is (0..1), per page: the layout's own measure of issue #14's
    # "full columns" (the last page's columns are not expected to be full).
    column_fill: list[list[float]] = field(default_factory=list)
    overflow: list[Problem] = field(default_factory=list)
    orphaned_headings: list[Problem] = field(default_factory=list)
    # A bold-only line, or a line ending in ":" before a list or code, at a column foot.
    stranded_pseudo_headings: list[Problem] = field(default_factory=list)
    split_blocks: list[Problem] = field(default_factory=list)
    missing_glyphs: list[Problem] = field(default_factory=list)
    tiny_type: list[Problem] = field(default_factory=list)
    missing_images: list[Problem] = field(default_factory=list)
    not_fetched: list[str] = field(default_factory=list)
    # Every warning of the build (formulas, code languages, repairs, refused fetches, ...).
    diagnostics: list[Diagnostic] = field(default_factory=list)

    # Layout defects measured on the pages. Missing images are also listed above for readers
    # of the JSON, but counted and printed once, as diagnostics of kind "missing_images".
    KINDS = (
        "overflow",
        "orphaned_headings",
        "split_blocks",
        "missing_glyphs",
        "tiny_type",
        "stranded_pseudo_headings",
    )

    @property
    def problems(self) -> list[Problem]:
        return [p for kind in self.KINDS for p in getattr(self, kind)]

    @property
    def ok(self) -> bool:
        """No layout defect and no warning: what `--strict` requires."""
        return not self.problems and not self.diagnostics

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        return data

    def summary(self) -> str:
        found = [
            f"{kind.replace('_', ' ')} {len(getattr(self, kind))}"
            for kind in self.KINDS
            if getattr(self, kind)
        ]
        kinds: dict[str, int] = {}
        for diagnostic in self.diagnostics:
            kinds[diagnostic.kind] = kinds.get(diagnostic.kind, 0) + 1
        if kinds:
            by_kind = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in kinds.items())
            found.append(f"warnings {len(self.diagnostics)} ({by_kind})")
        # only what was found: a row of zeros hides the one that matters
        counts = ", ".join(found) or "no defects"
        return (
            f"preflight: {self.pages} page{'s' * (self.pages != 1)} {self.paper}, "
            f"{self.columns} columns, {self.font_size:g} pt, {self.fill_text()}last page "
            f"{self.fill:.0%} full; {counts}"
        )

    def fill_text(self) -> str:
        """The full pages' columns: mean emptiness and the emptiest one, where it is."""
        full = [
            (p, c, f)
            for p, page in enumerate(self.column_fill[:-1], 1)
            for c, f in enumerate(page, 1)
        ]
        if not full:
            return ""
        mean = sum(1 - f for _, _, f in full) / len(full)
        page, column, fill = min(full, key=lambda item: item[2])
        return (
            f"full pages {mean:.0%} empty (emptiest: page {page} column {column}, {1 - fill:.0%}), "
        )


@dataclass
class _Place:
    """Where a box sits: page number, column edges, the section it belongs to."""

    page: int
    left: float
    right: float
    top: float
    bottom: float
    section: str


def inspect(
    document: Any,
    *,
    paper: str,
    columns: int,
    font_size: float,
    layouts: int = 1,
    min_type_pt: float = 5.0,
) -> Report:
    """Measure the laid-out document and list every defect found in its boxes (characters
    drawn without a glyph are known only once it is written: `missing_glyph_problems`)."""
    report = Report(
        pages=len(document.pages),
        paper=paper,
        columns=columns,
        font_size=font_size,
        fill=page_fill(document.pages[-1]) if document.pages else 0.0,
        layouts=layouts,
        column_fill=[[round(f, 3) for f in column_fills(page)] for page in document.pages],
    )
    fragments: dict[int, list[tuple[_Place, Any]]] = {}
    column_ends: list[tuple[int, str, str, str, str, str, Any]] = []
    # column ends whose element the next column starts with: a pseudo-heading split across
    # them (a long ":" lead-in) continues, it is not stranded
    continues: set[int] = set()
    tiny: set[tuple[str, float]] = set()
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        page_bottom = page_box.content_box_y() + page_box.height
        for sheet in find_sheet_boxes(page_box):
            for column in columns_of(sheet):
                place = _Place(
                    number,
                    column.content_box_x(),
                    column.content_box_x() + column.width,
                    column.content_box_y(),
                    page_bottom,
                    "",
                )
                if column_ends and _first_leaf_element(column) is column_ends[-1][6]:
                    continues.add(len(column_ends) - 1)
                last = _check_column(column, place, report, fragments, tiny, min_type_pt)
                if last is not None:
                    column_ends.append(last)
    # A heading that ends a column is stranded, unless it is the very end of the sheet.
    for index, (page, section, text, detail, kind, element_id, _) in enumerate(column_ends[:-1]):
        if kind and index not in continues:
            problem = Problem(kind, page, section, text, detail, element_id)
            getattr(report, kind).append(problem)
    _check_splits(fragments, report)
    for section, size in sorted(tiny):
        report.tiny_type.append(
            Problem(
                "tiny_type", 0, section, f"{size:.1f} pt", f"below the {min_type_pt:g} pt floor"
            )
        )
    return report


def missing_glyph_problems(missing: dict[str, int], section_text: dict[str, str]) -> list[Problem]:
    """One problem per character drawn without a glyph: the sections whose text holds it,
    its script and a font package to install."""
    problems = []
    for char, count in sorted(missing.items()):
        where = [slug for slug, text in section_text.items() if char in text]
        script, remedy = describe(char)
        problems.append(
            Problem(
                "missing_glyphs",
                0,
                ", ".join(where),
                char,
                f"U+{ord(char):04X}, {script}, {count}x; {remedy}",
            )
        )
    return problems


def _walk(box: Any, section: str) -> Iterator[tuple[Any, str]]:
    element = getattr(box, "element", None)
    if element is not None and element.tag == "section" and element.get("id"):
        section = element.get("id")
    yield box, section
    for child in getattr(box, "children", []):
        yield from _walk(child, section)


def _text_of(box: Any, limit: int = 60) -> str:
    parts = [b.text for b, _ in _walk(box, "") if hasattr(b, "text") and isinstance(b.text, str)]
    text = " ".join("".join(parts).replace("\u200b", "").split())
    return text[:limit] + ("…" if len(text) > limit else "")


def _check_column(column, place, report, fragments, tiny, min_type_pt) -> tuple | None:
    from weasyprint.formatting_structure import boxes

    last_block = None
    for box, section in _walk(column, ""):
        if box is column:
            continue
        if getattr(box, "style", None) is not None and box.style["position"] == "absolute":
            continue  # decorations such as the continuation marks
        element = getattr(box, "element", None)
        tag = getattr(element, "tag", None)
        is_own_box = getattr(box, "element_tag", None) == tag
        if isinstance(box, boxes.BlockLevelBox) and tag in LEAF_BLOCKS and is_own_box:
            last_block = (box, section, tag)
        if tag in WHOLE_BLOCKS and is_own_box:
            pieces = fragments.setdefault(id(element), [])
            if not any(p.page == place.page and p.left == place.left for p, _ in pieces):
                pieces.append((_replace(place, section), box))  # outermost box per column
        if isinstance(box, boxes.TextBox | boxes.InlineReplacedBox | boxes.LineBox):
            right = box.position_x + box.margin_width()
            bottom = box.position_y + box.margin_height()
            if isinstance(box, boxes.TextBox) and box.text.strip():
                size_pt = box.style["font_size"] * PX_TO_PT
                if size_pt < min_type_pt - 0.05:
                    tiny.add((section, round(size_pt, 1)))
            if isinstance(box, boxes.LineBox):
                continue
            if right > place.right + TOLERANCE or box.position_x < place.left - TOLERANCE:
                report.overflow.append(
                    Problem("overflow", place.page, section, _text_of(box), "past the column edge")
                )
            elif bottom > place.bottom + TOLERANCE:
                report.overflow.append(
                    Problem("overflow", place.page, section, _text_of(box), "past the page foot")
                )
    if last_block is None:
        return None
    box, section, tag = last_block
    lead = tag == "p" and "lead" in box.element.get("class", "").split()
    detail = (
        "pseudo-heading (a lead-in line) at a column foot" if lead else f"{tag} at a column foot"
    )
    kind = "orphaned_headings" if tag in HEADINGS else "stranded_pseudo_headings" if lead else ""
    return (
        place.page,
        section,
        _text_of(box),
        detail,
        kind,
        box.element.get("id", ""),
        box.element,
    )


def _first_leaf_element(column: Any) -> Any:
    """The element of the first text block in the column (None if it has none)."""
    from weasyprint.formatting_structure import boxes

    for box, _ in _walk(column, ""):
        element = getattr(box, "element", None)
        tag = getattr(element, "tag", None)
        if (
            isinstance(box, boxes.BlockLevelBox)
            and tag in LEAF_BLOCKS
            and getattr(box, "element_tag", None) == tag
        ):
            return element
    return None


def _replace(place: _Place, section: str) -> _Place:
    return _Place(place.page, place.left, place.right, place.top, place.bottom, section)


def _lines_or_rows(tag: str, element: Any) -> int:
    """How many lines a code block holds (its `.cl` line spans, else its newlines), or how
    many body rows a table holds; 0 for anything else."""
    if tag == "table":
        return sum(1 for body in element.iter("tbody") for row in body if row.tag == "tr")
    if tag != "pre":
        return 0
    pre = element
    spans = sum(1 for e in pre.iter() if "cl" in (e.get("class") or "").split())
    return spans or "".join(pre.itertext()).strip("\n").count("\n") + 1


def _check_splits(fragments: dict[int, list[tuple[_Place, Any]]], report: Report) -> None:
    """A code block or table in several columns, though it is short enough to move whole."""
    for pieces in fragments.values():
        if len(pieces) < 2:
            continue
        height = sum(box.margin_height() for _, box in pieces)
        first_place, first_box = pieces[0]
        # Blocks taller than this may break on purpose, to keep columns full (sheetcss.py):
        # code blocks and tables of 2 * MEDIUM_BLOCK_SIDE lines or body rows from
        # MEDIUM_BLOCK of a column, the others from MOVABLE_BLOCK.
        lines = _lines_or_rows(first_box.element_tag, first_box.element)
        limit = MEDIUM_BLOCK if lines >= 2 * MEDIUM_BLOCK_SIDE else MOVABLE_BLOCK
        if height <= limit * (first_place.bottom - first_place.top):
            report.split_blocks.append(
                Problem(
                    "split_blocks",
                    first_place.page,
                    first_place.section,
                    _text_of(first_box),
                    f"{first_box.element_tag} in {len(pieces)} pieces, fits one column",
                )
            )
