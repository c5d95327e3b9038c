"""Read the laid-out pages: how full they are, and (later) what is wrong on them."""

from __future__ import annotations

from typing import Any


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


def used_pages(document: Any) -> float:
    """Pages of content as a real number: 2.5 = two full pages and half of a third."""
    if not document.pages:
        return 0.0
    return len(document.pages) - 1 + page_fill(document.pages[-1])
