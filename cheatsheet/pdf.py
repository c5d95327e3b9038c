"""HTML -> laid-out document -> PDF file, with WeasyPrint.

Layout is separate from writing so that fitting can lay out several times and write once,
and every fetch goes through one sandboxed fetcher.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import glob
import hashlib
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple

from . import glue
from .config import SheetConfig
from .errors import CheatsheetError, stop_if_interrupted
from .page import Theme
from .sandbox import make_fetcher
from .sheetcss import (  # noqa: F401 - settings_css, FULL_COLUMNS_CSS: used by export, tests
    FULL_COLUMNS_CSS,
    MAX_ITEM_CHARS,
    MEDIUM_BLOCK,
    MEDIUM_BLOCK_SIDE,
    MOVABLE_BLOCK,
    balance_css,
    settings_css,
)

CONTINUED_MARK_GAP_PT = 2.0  # at least this much air between the first code line and the mark


def _descendants(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _descendants(child)


def _outermost_pre(box):
    """The `pre` boxes under `box`, not the anonymous boxes inside them."""
    if getattr(box, "element_tag", None) == "pre":
        yield box
        return
    for child in getattr(box, "children", ()):
        yield from _outermost_pre(child)


def mark_continued_code(document, before=None) -> int:
    """Show the "continued" label on every fragment of a code block after its first.

    WeasyPrint has no selector for a fragment, so the label is laid out once, hidden, with
    the block (`continued_mark_css`) and copied onto each continuation here, at its top
    right, inside the box (`_mark_top`). Layout is unchanged; only drawing sees the copy.
    `before`: the page box laid out just before the document's first page (a last page
    laid out again alone), whose code blocks may go on at its top; each of their fragments
    there carries the hidden label or a copy. Returns how many labels were shown.
    """
    templates: dict[object, object] = {}
    for box in _outermost_pre(before) if before is not None else ():
        if (label := _continued_label(box)) is not None:
            templates[box.element] = label
    shown = 0
    for page in document.pages:
        for box in _outermost_pre(page._page_box):
            if (label := _continued_label(box)) is not None:
                templates[box.element] = label
            elif (template := templates.get(box.element)) is not None:
                box.children = [_placed_copy(template, box), *box.children]
                shown += 1
    return shown


def _continued_label(pre):
    """The "continued" label a code block's box holds first (hidden, or a shown copy)."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    first = pre.children[0] if pre.children else None
    if isinstance(first, AbsolutePlaceholder) and first.element_tag == "pre::before":
        return first
    return None


def finish_layout(document, before=None):
    """What every layout gets after WeasyPrint's, whether rendered from the HTML or re-laid
    out from its box tree (balancing): split code ends at its last line, continuations carry
    their mark (`before`: see `mark_continued_code`), list markers sit on their first
    line's baseline."""
    trim_split_code(document)
    mark_continued_code(document, before)
    drop_marks_of_unwrapped_lines(document)
    align_list_markers(document)
    return document


def drop_marks_of_unwrapped_lines(document) -> int:
    """Remove the continuation mark of each code line that did not wrap.

    The mark's machinery is switched on for every line long enough to perhaps wrap
    (`wrap_mark_css`); on a line that fits, the mark has no height, which drew nothing
    while it was a bar, but its hook's foot (a bottom border) is drawn at any height: a
    tick under the line. A line's own `overflow: hidden` would hide it too, and clip the
    highlighted-line band beside it. Returns how many marks were removed."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    removed = 0
    for page in document.pages:
        for pre in _outermost_pre(page._page_box):
            for box in _descendants(pre):
                children = getattr(box, "children", None)
                if not children or not isinstance(children[0], AbsolutePlaceholder):
                    continue
                mark, classes = children[0], (box.element.get("class") or "").split()
                if (
                    "cl" in classes
                    and mark.element_tag.endswith("::before")
                    and mark.height <= 0.01
                ):
                    box.children = children[1:]
                    removed += 1
    return removed


def align_list_markers(document) -> int:
    """Put each list marker on the baseline of its item's first line.

    WeasyPrint 70 lays an outside marker out as its own absolutely placed block at the top
    of the item, with the item's strut: its baseline is where a plain line's would be. When
    the first line is taller above its baseline (an inline formula with a fraction, a
    superscript or a hat, an emoji), that line's baseline moves down and the bullet sat
    high (5 pt at 10 pt type beside a `\\sum` with limits). The marker is moved down to
    the first line's baseline; it is out of the flow, so nothing else moves. Returns how
    many markers moved."""
    moved = 0
    for page in document.pages:
        for box in _descendants(page._page_box):
            marker = next(
                (c for c in getattr(box, "children", ()) if getattr(c, "is_outside_marker", 0)),
                None,
            )
            if marker is None:
                continue
            line, own = _first_line(box), _first_line(marker)
            if line is None or own is None:
                continue
            drop = (line.position_y + line.baseline) - (own.position_y + own.baseline)
            if abs(drop) > 0.01:
                marker.translate(0, drop)
                moved += 1
    return moved


def _first_line(box):
    """The first line box in the flow inside `box` (not in its marker or floats)."""
    from weasyprint.formatting_structure.boxes import LineBox
    from weasyprint.layout.absolute import AbsolutePlaceholder

    for child in getattr(box, "children", ()):
        if isinstance(child, LineBox):
            return child
        if isinstance(child, AbsolutePlaceholder) or child.is_floated():
            continue
        line = _first_line(child)
        if line is not None:
            return line
    return None


def trim_split_code(document) -> int:
    """End each fragment of a code block that continues in the next column at its last
    drawn line. Returns how many fragments were trimmed.

    WeasyPrint 70 finds the break of a code block that keeps lines together at its ends
    (`break-before: avoid` on the last lines) with `find_earlier_page_break`, which drops
    the lines after the break but keeps the heights measured with them (its own "TODO: fill
    the blank space"): the grey box ran on for as many empty lines as it moved on. Blank
    source lines left at the foot of a fragment are dropped too. Only drawing changes: what
    follows is in the next column already.
    """
    trimmed = 0
    for page in document.pages:
        for pre in _outermost_pre(page._page_box):
            code = next((c for c in pre.children if getattr(c, "element_tag", "") == "code"), None)
            if code is None or not code.children or len(code.element) == 0:
                continue
            if getattr(code.children[-1], "element", None) is code.element[-1]:
                continue  # the whole block, or its last fragment
            lines = list(code.children)
            while len(lines) > 1 and not _drawn_text(lines[-1]):
                lines.pop()
            last = lines[-1]
            code.children = lines
            code.height = last.position_y + last.margin_height() - code.content_box_y()
            height = code.position_y + code.margin_height() - pre.content_box_y()
            if height < pre.height - 0.01:
                pre.height = height
                _redo_background(page._page_box, pre)
                trimmed += 1
    return trimmed


def _redo_background(page_box, box) -> None:
    """Backgrounds are placed when the page is laid out: place the box's again after its
    height changed (colours only; a background image keeps its first placement)."""
    from weasyprint.layout.background import layout_box_backgrounds

    if all(kind != "url" for kind, _ in box.style["background_image"]):
        layout_box_backgrounds(page_box, box, lambda **_: None, layout_children=False)


def _drawn_text(box) -> bool:
    """Does the box draw any text (a blank code line draws none; the code wrapper's break
    opportunities are invisible)?"""
    return any(
        (getattr(part, "text", "") or "").strip().strip(INVISIBLE) for part in _descendants(box)
    )


INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _placed_copy(template, fragment):
    """A visible copy of the hidden label, placed on `fragment`: at its top right, inside
    the box (where the column is), beside the first line that leaves room for it."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    mark = AbsolutePlaceholder(template._box.deepcopy())
    mark.set_laid_out_box(mark._box)
    for part in _descendants(mark._box):
        part.style = part.style.copy()
        part.style["visibility"] = "visible"
    width = mark.margin_width()
    right = fragment.position_x + fragment.margin_width() - fragment.margin_right
    x = right - fragment.border_right_width - width - 0.3 * fragment.style["font_size"]
    y = _mark_top(fragment, x)
    mark.translate(x - mark.position_x, y - mark.position_y)
    return mark


def _mark_top(fragment, mark_left: float) -> float:
    """Where the "continued" label of a fragment starts: level with the fragment's first line
    whose text ends at least CONTINUED_MARK_GAP_PT left of the label, else (every line runs
    to the right edge) at the top of the box.

    It never goes above the box: a continuation starts at the top of a column, and above it
    is the page margin, where the label was clipped or drawn outside the column. A long
    first line is usually a wrapped one, whose next row (the rest of it, under a hanging
    indent) leaves room; the label then sits one row down, still in the box and pushing
    nothing (layout is done)."""
    from weasyprint.layout.absolute import AbsolutePlaceholder

    in_flow = (c for c in fragment.children if not isinstance(c, AbsolutePlaceholder))
    for line in (box for child in in_flow for box in _descendants(child)):
        if type(line).__name__ != "LineBox":
            continue
        end = max(
            (child.position_x + child.margin_width() for child in line.children),
            default=line.position_x,
        )
        if end + CONTINUED_MARK_GAP_PT <= mark_left:
            return line.position_y
    return fragment.content_box_y()


BALANCE_SLACK_LINES = 0.0  # lines added to the estimate: its retries handle a short one


def balanced_height(page, columns: int) -> float | None:
    """The lowest column height at which the page's content, cut where it may break, fills
    at most `columns` columns, plus a line of slack; None when the page is not one run of
    columns (a spanning section, a manual page break) or nothing is to be gained.

    Reads the first layout: the units that cannot be cut (lines, rows, items and blocks that
    avoid breaks) with their heights and the space between them, in reading order, then
    packs them greedily into columns of a trial height, bisecting the height. Column widths
    are equal, so a unit is as tall in any column; only the page's own layout is read.
    """
    from .preflight import _lowest_content, columns_of, find_sheet_boxes

    sheets = find_sheet_boxes(page._page_box)
    if len(sheets) != 1:
        return None
    column_boxes = columns_of(sheets[0])
    if any(not _is_column(c) for c in sheets[0].children) or columns < 2:
        return None
    units: list[tuple[float, float, bool, float]] = []  # (space before, height, glued, lead)
    column_starts = []
    last_table = None  # the table the previous column ended in
    for column in column_boxes:
        previous_bottom = None
        for unit in _units(column):
            repeated = unit.header_of is not None and unit.header_of is last_table
            if previous_bottom is None and repeated:
                continue  # a header repeated above a table's continued rows
            if previous_bottom is None:
                column_starts.append(len(units))
            space = 0.0 if previous_bottom is None else max(0.0, unit.top - previous_bottom)
            units.append((space, unit.bottom - unit.top, unit.keep, unit.lead))
            previous_bottom = unit.bottom
            last_table = unit.table
    if not units:
        return None
    # The space above a unit that started a column was cut away by the break; away from the
    # break it comes back: count the median space there.
    spaces = sorted(space for space, _, _, _ in units if space > 0)
    usual = spaces[len(spaces) // 2] if spaces else 0.0
    for index in column_starts[1:]:
        units[index] = (usual, *units[index][1:])
    full = max(c.height for c in column_boxes)
    line = page._page_box.style["font_size"] * 1.22
    low = sum(space + height for space, height, _, _ in units) / columns
    high = full
    if _columns_needed(units, high) > columns:
        return None
    while high - low > 1:
        middle = (low + high) / 2
        if _columns_needed(units, middle) <= columns:
            high = middle
        else:
            low = middle
    target = high + BALANCE_SLACK_LINES * line
    used = max(_lowest_content(c) - c.content_box_y() for c in column_boxes)
    return target if target < min(0.95 * full, used - line) else None


def _fits_one_page(document, columns: int) -> bool:
    """One page, no column past the page's count (a fixed height overflows sideways), and
    no heading left at a column foot (at a fixed height WeasyPrint breaks after one when
    nothing else fits)."""
    from .preflight import columns_of, find_sheet_boxes

    if len(document.pages) != 1:
        return False
    sheets = find_sheet_boxes(document.pages[0]._page_box)
    if any(len(columns_of(s)) > columns for s in sheets):
        return False
    return not any(_ends_with_heading(c) for s in sheets for c in columns_of(s)[:-1])


def _ends_with_heading(column) -> bool:
    """Is the last block in the column a heading or a pseudo-heading?"""
    from weasyprint.formatting_structure import boxes

    from .preflight import HEADINGS, LEAF_BLOCKS

    last = None
    for box in _descendants(column):
        element = getattr(box, "element", None)
        tag = getattr(element, "tag", None)
        if (
            isinstance(box, boxes.BlockLevelBox | boxes.InlineBlockBox)  # boxed: tab headings
            and tag in LEAF_BLOCKS
            and getattr(box, "element_tag", None) == tag
            and box.style["position"] != "absolute"
            and box.height > 0.5  # not the empty start of a block that continues
        ):
            last = box
    if last is None:
        return False
    tag = last.element.tag
    # A pseudo-heading counts when it is kept with what follows (sheetcss.FULL_COLUMNS_CSS).
    return tag in HEADINGS or (
        tag == "p"
        and "lead" in (last.element.get("class") or "").split()
        and last.style["break_after"] in AVOID
    )


def _overflow(document, columns: int) -> float:
    """How much content lies past the first page's `columns` columns (its height)."""
    from .preflight import _lowest_content, columns_of, find_sheet_boxes

    total = 0.0
    for number, page in enumerate(document.pages):
        for sheet in find_sheet_boxes(page._page_box):
            for index, column in enumerate(columns_of(sheet)):
                if number > 0 or index >= columns:
                    total += max(0.0, _lowest_content(column) - column.content_box_y())
    return total


def _is_column(box) -> bool:
    from .preflight import _is_sheet

    return _is_sheet(box)


def _columns_needed(units: list[tuple[float, float, bool, float]], height: float) -> int:
    """Columns a greedy fill of `height` needs; a unit glued to the next moves with it, and a
    column that starts inside a table begins with the table's repeated header (`lead`)."""
    count, used, start = 1, 0.0, 0
    index = 0
    while index < len(units):
        space, size, _, _ = units[index]
        if index > start and used + space + size > height:
            cut = index
            while cut > start and units[cut - 1][2]:
                cut -= 1  # keep a heading with what follows
            if cut == start:
                return len(units) + 1  # a glued run taller than the column: not at this height
            count += 1
            start, used, index = cut, units[cut][3], cut
            continue
        used += (space if index > start else 0.0) + size
        index += 1
    return count


AVOID = ("avoid", "avoid-column", "avoid-page")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


class Unit(NamedTuple):
    """A piece of a column that a break may not cut (a line, a row, a block that avoids
    breaks), as `balanced_height` packs it."""

    top: float
    bottom: float
    keep: bool  # no break between it and the next unit
    table: object = None  # the element of the table it is in
    header_of: object = None  # that element too when the unit is the table's header row
    lead: float = 0.0  # a column starting here begins with the table's repeated header


def _units(box) -> list[Unit]:
    """The units of a column box, in order.

    A break is kept out where WeasyPrint keeps it out: after a box that avoids a break
    after it, before one that avoids a break before it (a code block's last lines, a
    nested list), and inside a paragraph where it would leave fewer lines than its
    `orphans` before it or `widows` after it (a three-line paragraph moves whole). Without
    the last two the estimate came out short for three of the seven corpus sheets, each
    costing a second layout of the last page."""
    parts = list(_unit_parts(box))
    return [
        unit._replace(keep=unit.keep or (index + 1 < len(parts) and parts[index + 1][1]))
        for index, (unit, _) in enumerate(parts)
    ]


def _unit_parts(box):
    """(unit, keep with the previous unit) of `_units`, before the keeps are merged."""
    children = [
        child
        for child in getattr(box, "children", ())
        if type(child).__name__ != "AbsolutePlaceholder" and hasattr(child, "margin_height")
    ]
    lines = [child for child in children if type(child).__name__ == "LineBox"]
    orphans = box.style["orphans"] if lines else 0
    widows = box.style["widows"] if lines else 0
    line_number = 0
    for child in children:
        name = type(child).__name__
        style = child.style
        keep = style["break_after"] in AVOID or (
            name == "LineBox"  # a heading set inline (the boxed theme's tabs)
            and any(getattr(c, "element_tag", "") in HEADING_TAGS for c in child.children)
        )
        keep_previous = style["break_before"] in AVOID
        if name == "LineBox":
            line_number += 1
            if line_number < len(lines):
                keep = keep or line_number < orphans or len(lines) - line_number < widows
        if (
            name == "LineBox"
            or style["break_inside"] in AVOID
            or not getattr(child, "children", None)
        ):
            top = child.position_y + (child.margin_top or 0)
            height = child.margin_height() - (child.margin_top or 0) - (child.margin_bottom or 0)
            yield Unit(top, top + height, keep), keep_previous
            continue
        parts = list(_unit_parts(child))
        if name == "TableBox":
            parts = _table_parts(child, parts)
        if parts and keep:
            parts[-1] = (parts[-1][0]._replace(keep=True), parts[-1][1])
        if parts and keep_previous:
            parts[0] = (parts[0][0], True)
        yield from parts


def _table_parts(table, parts: list) -> list:
    """A table's units tagged with the table, its header row's with `header_of`, and its
    body rows' with the height of the header WeasyPrint repeats above a continuation."""
    groups = table.children
    header = groups[0] if groups and getattr(groups[0], "is_header", False) else None
    lead = header.margin_height() if header is not None else 0.0
    header_bottom = header.position_y + lead if header is not None else None
    tagged = []
    for unit, keep_previous in parts:
        in_header = header_bottom is not None and unit.bottom <= header_bottom + 0.01
        tagged.append(
            (
                unit._replace(
                    table=table.element,
                    header_of=table.element if in_header else unit.header_of,
                    lead=0.0 if in_header else lead,
                ),
                keep_previous,
            )
        )
    return tagged


BALANCE_MIN_EMPTY = 0.1  # a last page whose columns are this full on average is left alone
BALANCE_RETRIES = 6  # layouts after the first when the estimated height proves short
BALANCE_MAX_HEIGHT = 0.97  # of the full column: above it balancing gains nothing


def _needs_balance(page, columns: int, only_page: bool) -> bool:
    """More than a little room left on the page; columns never reached count as empty.
    A one-page sheet shorter than a column stays in one column: a note reads top down."""
    from .preflight import column_fills

    fills = column_fills(page)
    if only_page and sum(f > 0 for f in fills) < 2:
        return False
    fills += [0.0] * (columns - len(fills))
    return len(fills) > 1 and sum(1 - f for f in fills) / len(fills) > BALANCE_MIN_EMPTY


MANUAL_BREAK = re.compile(r"<!--\s*(column)(?:[ -]?break)?\s*-->", re.IGNORECASE)
PAGE_BREAK = re.compile(
    r'<!--\s*(?:new[ -]?)?page(?:[ -]?break)?\s*-->|<div class="break-page">\s*</div>',
    re.IGNORECASE,
)
SECTION_OPEN = re.compile(r'<section\b[^>]*\bclass="block[^"]*"[^>]*>')
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr")
)


def _depth_inside(html: str) -> int:
    """How many elements opened in `html` are still open at its end (void ones aside)."""
    depth = 0
    for match in TAG.finditer(html):
        closing, name, selfclosing = match.groups()
        if name.lower() in VOID or selfclosing:
            continue
        depth += -1 if closing else 1
    return depth


def header_rows(html: str) -> str:
    """A table without a `<thead>` whose first row holds only `<th>` cells gets that row as
    its header, so WeasyPrint repeats it on every column and page the table breaks onto
    (Markdown tables always have one; raw HTML tables often do not)."""
    out, position = [], 0
    while (start := html.find("<table", position)) != -1:
        end = html.find("</table>", start)
        if end == -1:
            break
        row_start = html.find("<tr", start, end)
        row_end = html.find("</tr>", row_start, end) if row_start != -1 else -1
        head = html[start:row_start] if row_start != -1 else ""
        row = html[row_start : row_end + 5] if row_end != -1 else ""
        if "<thead" in html[start:end] or not row or "<td" in row or "<th" not in row[3:]:
            out.append(html[position : end + 8])
            position = end + 8
            continue
        out.append(html[position:start])
        if head.rstrip().endswith("<tbody>"):
            lead = head.rstrip()[: -len("<tbody>")]
            out.append(f"{lead}<thead>{row}</thead><tbody>")
        else:
            out.append(f"{head}<thead>{row}</thead>")
        position = row_end + 5
    out.append(html[position:])
    return "".join(out)


def page_breaks(html: str) -> str:
    """`<!-- page -->` between a section's blocks starts a new page.

    WeasyPrint 70 does not honour a page break inside multi-column content, so the columns
    are split: the section is closed, the `main.sheet` run of columns too, and a new run
    (`break-before: page`) opens with the rest of the section, which keeps the section's
    classes but not its id. A marker nested inside a list or a quote is left alone (it would
    need every open element cloned); one at a section's end breaks after the section.
    """
    if "page" not in html or not PAGE_BREAK.search(html):
        return html
    out, position = [], 0
    for marker in PAGE_BREAK.finditer(html):
        section = SECTION_OPEN.match(html, max(html.rfind("<section", 0, marker.start()), 0))
        if section is None or html.find("</main>", section.end(), marker.start()) != -1:
            continue
        if _depth_inside(html[section.end() : marker.start()]) != 0:
            continue
        rest = html[marker.end() :]
        classes = re.search(r'class="([^"]*)"', section.group()).group(1)
        out.append(html[position : marker.start()])
        if rest.lstrip().startswith("</section>"):
            close = marker.end() + rest.index("</section>") + len("</section>")
            out.append('</section>\n</main>\n<main class="sheet break-page">')
            position = close
        else:
            out.append(
                f'</section>\n</main>\n<main class="sheet break-page">\n<section class="{classes}">'
            )
            position = marker.end()
    out.append(html[position:])
    return "".join(out)


LEAD_FOLLOWERS = (
    "<ul",
    "<ol",
    "<pre",
    "<table",
    "<dl",
    '<div class="highlight',
    '<div class="language-',
    "<p><img",  # a figure or a formula drawn as an image ("... takes the following formula:")
)
# A bold-only paragraph longer than this is a statement in bold, not a label: kept with what
# follows, a 3-4 line bold definition left up to 6 lines empty at a column foot
# (cs229-probability-ja: 1.5 % -> 5 % empty).
LEAD_MAX_CHARS = 90
# Bold text alone in its paragraph, emoji included (inside the bold or after it, glued by
# `glue_line_final_emoji`): "**How do we use clicks as training data? 🚀**" is a question that
# heads its answer. Every alternative starts differently after `<`: linear.
_EMOJI_TAIL = r'<span class="emoji-tail">[^<]*<img class="emoji"[^>]*></span>'
LONE_BOLD = re.compile(
    r'\s*<(strong|b)>(?:[^<]|<img class="emoji"[^>]*>|<span class="emoji-tail">|</span>)*'
    rf"</\1>\s*(?:{_EMOJI_TAIL}\s*)?:?\s*"
)
_TAGS = re.compile(r"<[^>]*>")
# A space, any invisible joiners (a stray U+200D or U+FE0F before an emoji image is a break
# opportunity of its own), an emoji image, then the end of the text or of a line.
EMOJI_AT_LINE_END = re.compile(
    r" [\u200b-\u200d\u2060\ufe0f]*(<img class=\"emoji\"[^>]*>)(?=\s*(?:</|<br))"
)


ITEM_END = re.compile(r"<(?:/li|li|ul|ol|dl|pre|table|div)\b")
ANY_TAG = re.compile(r"<[^>]*>")


def item_lengths(html: str) -> str:
    """Each list item gets its own text's length (`li.chars-N`, steps of 50; nested lists,
    code and tables not counted), so the style can let long items break across columns
    (`long_item_css`) while short ones stay whole."""
    out, position = [], 0
    while (start := html.find("<li>", position)) != -1:
        end = ITEM_END.search(html, start + 4)
        stop = end.start() if end else len(html)
        text = ANY_TAG.sub("", html[start + 4 : stop])
        chars = min(len(" ".join(text.split())) // 50 * 50, MAX_ITEM_CHARS)
        out.append(html[position:start])
        out.append(f'<li class="chars-{chars}">')
        position = start + 4
    out.append(html[position:])
    return "".join(out)


LABEL_MAX_CHARS = 40
CODE_FOLLOWERS = ("<pre", '<div class="highlight', '<div class="language-')
SENTENCE_END = ".!?;,。！？；，…"


def _is_code_label(inner: str, after: str) -> bool:
    """A short line of plain text without a sentence's final punctuation right before a
    code block ("加载 ONNX 模型", "Delete all images") labels that block: kept with it."""
    text = inner.strip()
    return (
        after.startswith(CODE_FOLLOWERS)
        and "<" not in text
        and 0 < len(text) <= LABEL_MAX_CHARS
        and text[-1] not in SENTENCE_END
    )


def glue_line_final_emoji(html: str) -> str:
    """An emoji that ends a line of text stays with the word before it: a no-break space
    and the emoji go in one `span.emoji-tail` (`white-space: nowrap`) right after the word.

    A no-break space alone was not enough: WeasyPrint 70, finding no room for the text box
    and the image glued to it, broke the line at the first opportunity of the whole bold
    run ("How" / "is time series different from ... problem? 👶"); with the space and the
    emoji in their own unbreakable box it breaks at the last space that fits. The word
    itself stays outside the span, so it still hyphenates ("Donaudampfschiff-" /
    "fahrtsgesellschaft 🚀"): the emoji goes with its last piece.
    """
    return EMOJI_AT_LINE_END.sub(
        lambda match: f'<span class="emoji-tail">\u00a0{match.group(1)}</span>', html
    )


def layout_hints(html: str) -> str:
    """Markup the layout rules need: manual breaks, pseudo-headings, emoji kept on the line.

    - `<!-- column -->` (also `column break`) becomes a column break, `<!-- page -->`
      (also `page break`, `new page`) a page break;
    - a paragraph that is only bold text, or that ends with ":" right before a list, code
      block or table, is a pseudo-heading (`p.lead`): it stays with what follows; so does
      a bold paragraph too long for a heading that ends with ":" before a paragraph (its
      last lines: cs229-probability-ja's "15. Partition ... if we have:" was left at a
      column foot, its translation in the next column);
    - an emoji that ends a line of text is tied to the word before it (no-break space),
      so it never wraps onto a line of its own.
    One linear pass each (plain `find` for paragraphs): no backtracking on user text.
    """
    html = MANUAL_BREAK.sub(lambda m: f'<div class="break-{m.group(1).lower()}"></div>', html)
    html = page_breaks(html)
    html = header_rows(html)
    html = glue_line_final_emoji(html)
    html = item_lengths(html)
    out, position = [], 0
    while (opening := PARAGRAPH_START.search(html, position)) is not None:
        end = html.find("</p>", opening.end())
        if end == -1:
            break
        inner = html[opening.end() : end]
        after = html[end + 4 : end + 64].lstrip()
        bold_text = _TAGS.sub("", inner) if LONE_BOLD.fullmatch(inner) is not None else None
        if bold_text is not None and len(bold_text) <= LEAD_MAX_CHARS:
            classes = "lead"
        elif (inner.rstrip().endswith(":") and after.startswith(LEAD_FOLLOWERS)) or (
            bold_text is not None and bold_text.rstrip().endswith(":") and after.startswith("<p")
        ):
            classes = "lead intro"
        elif _is_code_label(inner, after):
            classes = "lead intro label"
        else:
            classes = ""
        out.append(html[position : opening.start()])
        out.append(_with_classes(opening.group(0), classes))
        position = opening.end()
    out.append(html[position:])
    return "".join(out)


# A paragraph's start tag, bare or with attributes: typography.py gives a paragraph in
# another language `lang` (and `dir`), kramdown attribute lists a class or id. Matching only
# `<p>` once made no Russian or Japanese line a pseudo-heading (docker-cheat-sheet-ru: none
# of its 92 `<p lang="ru">`). `[^<>]*` stops at the tag's end: linear.
PARAGRAPH_START = re.compile(r"<p(?:\s[^<>]*)?>")


def _with_classes(tag: str, classes: str) -> str:
    """The start tag with `classes` added (before any it has)."""
    if not classes:
        return tag
    if ' class="' in tag:
        return tag.replace(' class="', f' class="{classes} ', 1)
    return f'<p class="{classes}"{tag[2:]}'


# The font configurations of this process's renderers. WeasyPrint copies each @font-face
# file into a temporary folder, which it removes when the configuration is freed; a process
# that ends with `cli.leave` frees nothing, so the folders are removed at exit.
_FONT_CONFIGS: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def remove_font_folders() -> None:
    """Remove the temporary font folders of every live font configuration."""
    for font_config in list(_FONT_CONFIGS):
        folder = getattr(font_config, "_folder", None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)
            font_config._folder = None


# Author CSS that can make an element other than `li` a list item (which gets a ::marker), a
# footnote or a note, or that imports CSS this check cannot see: with it, WeasyPrint's own
# user-agent stylesheet is used.
NEEDS_EVERY_PSEUDO_ELEMENT = re.compile(
    r"display\s*:[^;}]*\blist-item\b|float\s*:\s*footnote\b|\bnote\(|@import",
    re.IGNORECASE,
)
NOTE_PSEUDO_ELEMENTS = (
    "footnote-call",
    "footnote-marker",
    "note-call",
    "note-marker",
    "note-callback",
)


def slim_user_agent_stylesheets(author_css: str):
    """`HTML._ua_stylesheets` for our documents: WeasyPrint's user-agent stylesheet with its
    `::marker` rule for `li` only and without its five footnote and note rules; None
    (WeasyPrint's own) when `author_css` may need them (NEEDS_EVERY_PSEUDO_ELEMENT) or the
    stylesheet is not built as expected.

    Those six rules match every element, so WeasyPrint computed seven styles per element
    where one is used: the emoji sheet's 15 900 elements made 111 000 styles, 160 MB and
    a tenth of its build time. WeasyPrint asks for a marker style only for a list item and
    for the footnote and note styles only for an element floated to a footnote or placed in
    a note, which only author CSS can make (style attributes keep a few text properties, see
    `sanitize.STYLE_PROPERTIES`). The rules keep their specificity and order, so every style
    that is asked for comes out the same (pages pixel-identical)."""
    if NEEDS_EVERY_PSEUDO_ELEMENT.search(author_css):
        return None
    slim = _slim_user_agent()
    if slim is None:
        return None

    def user_agent_stylesheets(forms: bool = False) -> list:
        from weasyprint import UA_FORM_STYLESHEET

        return [slim, UA_FORM_STYLESHEET] if forms else [slim]

    return user_agent_stylesheets


@functools.cache
def _slim_user_agent():
    """A copy of WeasyPrint's UA stylesheet with a matcher that tries the universal `::marker`
    rule on `li` elements only and leaves out the note rules (cssselect2 keeps a universal
    selector in `other_selectors`, a `li` one under `lower_local_name_selectors['li']`)."""
    import copy

    from weasyprint import UA_STYLESHEET

    matcher = getattr(UA_STYLESHEET, "matcher", None)
    entries = getattr(matcher, "other_selectors", None)
    if not isinstance(entries, list) or not all(
        isinstance(entry, tuple) and len(entry) == 5 for entry in entries
    ):
        return None
    pseudo = [entry[3] for entry in entries]
    if pseudo.count("marker") != 1 or any(pseudo.count(n) != 1 for n in NOTE_PSEUDO_ELEMENTS):
        return None
    slim_matcher = copy.copy(matcher)
    slim_matcher.other_selectors = [
        entry for entry in entries if entry[3] not in ("marker", *NOTE_PSEUDO_ELEMENTS)
    ]
    by_name = {name: list(found) for name, found in matcher.lower_local_name_selectors.items()}
    by_name.setdefault("li", []).append(entries[pseudo.index("marker")])
    slim_matcher.lower_local_name_selectors = by_name
    slim = copy.copy(UA_STYLESHEET)
    slim.matcher = slim_matcher
    return slim


# Parsed settings stylesheets kept by a renderer, by text: a watch-mode rebuild lays out
# again sizes the last build tried.
SETTINGS_KEPT = 8


class Renderer:
    """Holds what can be reused between layouts: fonts, parsed stylesheets, the fetcher."""

    def __init__(self, config: SheetConfig, theme: Theme, allowed_roots: list[Path]):
        _quiet_weasyprint()
        draw_each_svg_once()
        lay_out_columns_once()
        hang_trailing_spaces()
        keep_box_trees()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.config = config
        self._hinted: tuple[str | None, str] = (None, "")  # the last HTML, with layout hints
        self._parsed: tuple[str | None, object] = (None, None)  # the last HTML laid out, parsed
        self._images: dict = {}  # WeasyPrint's images, by URL, for every layout of the build
        self._settings: dict = {}  # parsed settings stylesheets by text (SETTINGS_KEPT)
        self.balanced_height: float | None = None  # of a one-page sheet, by balance_last_page
        self.font_config = FontConfiguration()
        _FONT_CONFIGS.add(self.font_config)
        self.fetcher = make_fetcher(
            allowed_roots, allow_remote=config.allow_remote, emoji_style=theme.emoji_style
        )
        try:
            self.stylesheets = [
                CSS(filename=str(path), url_fetcher=self.fetcher, font_config=self.font_config)
                for path in theme.files
            ]
        except OSError as exc:
            raise CheatsheetError(f"cannot read stylesheet: {exc}") from None
        self.user_agent = slim_user_agent_stylesheets(
            "\n".join(path.read_text(encoding="utf-8", errors="replace") for path in theme.files)
        )
        # Stylesheets are parsed once; what they asked for is reported on every build.
        self.stylesheet_log = self.fetcher.state

    def fresh_log(self) -> None:
        """Start a build's fetch log, keeping what the parsed stylesheets were refused."""
        self.fetcher.state = self.stylesheet_log.copy()

    def layout(self, html: str, font_size: float, extra_css: str = ""):
        """Lay out the document at one base font size (about a second for a full page)."""
        if self._hinted[0] is not html:
            self._hinted = (html, layout_hints(html))
            self._images = {}  # a new build (watch mode): images may have changed on disk
        return self._render(self._hinted[1], font_size, extra_css)

    def balance_last_page(self, document):
        """Columns of a partly filled last page end at about the same height.

        The last page is laid out again alone, from its place in the document's own box
        tree, in a run of columns of the height `balanced_height` estimates: one extra
        layout of one page, not of the document (up to BALANCE_RETRIES more when the
        estimate proves short, each taller). Its content replaces the last page's, under
        the original page's footer (page numbers); a paragraph split between the last two
        pages goes on where it stopped. Left as it is when the page is full, when the
        balanced content would not fit one page, or when the document was laid out at a
        remembered height (`layout_at_height`, no tree kept). Returns the document and
        whether it changed."""
        self.balanced_height = None
        try:
            return self._balance_last_page(document)
        finally:
            document._cheatsheet_tree = None  # the box tree: freed before writing

    def layout_at_height(self, html: str, font_size: float, extra_css: str, height: float):
        """The sheet laid out with its runs of columns `height` px tall (what balancing a
        one-page sheet settled on before, `balanced_height`), or None unless that is one
        page that balancing would accept."""
        document = self.layout(html, font_size, extra_css + balance_css(height))
        document._cheatsheet_tree = None
        return document if _fits_one_page(document, self.config.columns) else None

    def _balance_last_page(self, document):
        from weasyprint.document import Page

        from .preflight import columns_of, find_sheet_boxes

        last = document.pages[-1]
        if getattr(document, "_cheatsheet_tree", None) is None or not _needs_balance(
            last, self.config.columns, len(document.pages) == 1
        ):
            return document, False
        height = balanced_height(last, self.config.columns)
        if height is None:
            return document, False
        full = max(c.height for c in columns_of(find_sheet_boxes(last._page_box)[0]))
        line = last._page_box.style["font_size"] * 1.22
        relayout = self._relayout_columns if len(document.pages) == 1 else self._relayout_last_page
        single = relayout(document, height)
        for attempt in range(BALANCE_RETRIES):
            if single is not None and _fits_one_page(single, self.config.columns):
                break
            if height >= BALANCE_MAX_HEIGHT * full:
                return document, False
            # The estimate was short (rules the estimate does not know, like lines kept
            # together at a block's ends): spread what overflowed over the columns, plus a
            # line, more lines on each further try.
            overflow = (
                _overflow(single, self.config.columns) / self.config.columns if single else 0.0
            )
            height = min(BALANCE_MAX_HEIGHT * full, height + overflow + (1 + attempt) * line)
            single = relayout(document, height)
        else:
            if single is None or not _fits_one_page(single, self.config.columns):
                return document, False
        page_box = last._page_box
        new_root = single.pages[0]._page_box.children[0]
        page_box.children = [new_root, *page_box.children[1:]]
        document.pages[-1] = Page(page_box)
        if len(document.pages) == 1:
            self.balanced_height = round(height, 1)  # as balance_css writes it
        return document, True

    def pack(self, document, html: str, font_size: float, extra_css: str = ""):
        """`pack = true`: move small sections up into the empty feet of columns
        (`pack_order`), at most `PACK_PASSES` extra layouts; a pass that adds a page or
        leaves more room is dropped. Returns the document, its HTML and the layouts made."""
        layouts = 0
        for _ in range(PACK_PASSES):
            packed = pack_order(document, html)
            if packed is None:
                break
            candidate = self.layout(packed, font_size, extra_css)
            layouts += 1
            if len(candidate.pages) > len(document.pages) or _room(candidate) >= _room(document):
                break
            document, html = candidate, packed
        return document, html, layouts

    def _render(self, html: str, font_size: float, extra_css: str):
        from weasyprint import CSS, HTML

        if self._parsed[0] is not html:
            # Parsed once per HTML: fitting lays the same HTML out at several sizes (~0.04 s
            # of parsing, and the SVG parses, per layout); the image cache lasts the build, so
            # balancing the last page and packing reuse it too.
            parsed = HTML(
                string=html, base_url=str(self.config.project) + os.sep, url_fetcher=self.fetcher
            )
            if self.user_agent is not None:
                parsed._ua_stylesheets = self.user_agent
            self._parsed = (html, parsed)
        text = settings_css(self.config, font_size, html) + extra_css
        settings = self._settings.get(text)
        if settings is None:
            settings = CSS(string=text, font_config=self.font_config)
            if len(self._settings) >= SETTINGS_KEPT:
                del self._settings[next(iter(self._settings))]  # the oldest
            self._settings[text] = settings
        document = self._parsed[1].render(
            stylesheets=[*self.stylesheets, settings],
            font_config=self.font_config,
            cache=self._images,
        )
        tree, _TREES.last = getattr(_TREES, "last", None), None
        if tree is not None:
            document._cheatsheet_tree = tree  # for balancing: re-laid out, not re-parsed
        return finish_layout(document)

    def _relayout_columns(self, document, height: float):
        """The one-page document laid out again from its own box tree with every
        `main.sheet` run of columns `height` px tall: what `_render` of its HTML with
        `balance_css(height)` gives, without parsing the HTML and the CSS, matching
        selectors and building boxes again (seed: 0.22 -> 0.11 s)."""
        from weasyprint.layout import LayoutContext, layout_document

        root_box, context = document._cheatsheet_tree
        fresh = LayoutContext(
            context.style_for,
            context.get_image_from_uri.func,
            context.font_config,
            context.counter_style,
            context.target_collector,
        )
        with _columns_of_height(root_box, height):
            pages = list(layout_document(document._html, root_box, fresh))  # a generator
        return _document_of(pages, document)

    def _relayout_last_page(self, document, height: float):
        """The last page of a document of several laid out again alone, from where the page
        before it stopped in the document's own box tree, with its runs of columns `height`
        px tall: a one-page document holding that page without its margin boxes (the
        footer stays the original page's), or None when it needs more than one page. It
        replaced cutting the page's HTML out and rendering it anew, which parsed, styled
        and built boxes again and needed a stand-in for a paragraph split between the two
        pages (emoji sheet: 1.6 -> 0.2 s)."""
        from weasyprint.layout.background import layout_backgrounds
        from weasyprint.layout.page import remake_page

        root_box, context = document._cheatsheet_tree
        index = len(document.pages) - 1
        following = context.page_maker[index + 1 :]
        try:
            with _columns_of_height(root_box, height):
                page, resume_at = remake_page(index, context, root_box, document._html)
        finally:
            context.page_maker[index + 1 :] = following
        if resume_at is not None:
            return None  # more than one page
        layout_backgrounds(page, context.get_image_from_uri)
        return _document_of([page], document, before=document.pages[-2]._page_box)


@contextlib.contextmanager
def _columns_of_height(root_box, height: float):
    """Every `main.sheet` run of columns in the box tree `height` px tall while the block
    runs (as `balance_css` writes it), its own height back after."""
    from weasyprint.css.properties import Dimension

    mains = [
        box
        for box in _descendants(root_box)
        if getattr(box, "element_tag", None) == "main"
        and "sheet" in (box.element.get("class") or "").split()
    ]
    saved = [box.style for box in mains]
    for box in mains:
        box.style = box.style.copy()
        box.style["height"] = Dimension(round(height, 1), "px")
    try:
        yield
    finally:
        for box, style in zip(mains, saved, strict=True):
            box.style = style


def _document_of(page_boxes: list, like, before=None):
    """A document of the laid-out page boxes with the metadata and fonts of `like`, finished
    (`finish_layout`; `before`: the page box laid out before them)."""
    from weasyprint.document import Document, Page

    single = Document(
        [Page(page) for page in page_boxes],
        like.metadata,
        like.url_fetcher,
        like.font_config,
        like.color_profiles,
        like.output_intent,
    )
    return finish_layout(single, before)


# (root box, layout context) of this thread's last layout, see keep_box_trees
_TREES = threading.local()


def keep_box_trees() -> None:
    """Record the box tree and layout context of each layout (`_TREES`), so balancing can
    lay a one-page document, or a document's last page, out again with other column heights
    without building them again (WeasyPrint's `layout_document` re-runs on the same tree
    itself when it repaginates)."""
    from weasyprint import document as weasy_document

    if getattr(weasy_document.layout_document, "keeps_tree", False):
        return
    lay_out = weasy_document.layout_document

    def layout_document(html, root_box, context, *args, **kwargs):
        _TREES.last = (root_box, context)
        return lay_out(html, root_box, context, *args, **kwargs)

    layout_document.keeps_tree = True  # type: ignore[attr-defined]
    weasy_document.layout_document = layout_document


class GlyphLog(logging.Handler):
    """Collects the characters WeasyPrint draws as .notdef (no font had a glyph)."""

    NOTDEF = re.compile(r"unsupported by fonts: \"(.+)\" \(U\+([0-9A-F]+)\)")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = self.NOTDEF.search(record.getMessage())
        if match:
            char = chr(int(match.group(2), 16))
            self.missing[char] = self.missing.get(char, 0) + 1


def pdf_options(config: SheetConfig, identity: str) -> dict[str, object]:
    """WeasyPrint options: archival/accessible variants, and a stable file identifier so the
    same sources give the same bytes."""
    return {
        "pdf_variant": config.pdf_variant or None,
        "pdf_tags": config.tagged or config.pdf_variant.startswith("pdf/ua"),
        "pdf_identifier": hashlib.sha256(identity.encode()).hexdigest()[:32].encode(),
    }


def write_pdf(
    document, path: Path, confine_to: Path | None = None, release_pages: bool = False, **options
) -> dict[str, int]:
    """Write the PDF atomically; return the characters drawn without a glyph, with counts.

    With `release_pages` each page's boxes are dropped once the page is drawn (not for a
    tagged PDF, whose structure tree is built from the boxes after drawing): the drawing's
    operators then reuse their memory instead of adding to it. The document keeps its
    pages' sizes, links and bookmarks, not their boxes.
    """
    if release_pages:
        release_boxes_after_drawing()
        for page in document.pages:
            page._cheatsheet_release = True
    share_font_files()
    compress_at_default_level()
    open_array_types()
    glyphs = GlyphLog()
    weasy_log = logging.getLogger("weasyprint")
    weasy_log.addHandler(glyphs)
    weasy_log.setLevel(logging.WARNING)
    try:
        write_atomically(
            path, lambda handle: document.write_pdf(target=handle, **options), confine_to
        )
    finally:
        weasy_log.removeHandler(glyphs)
        weasy_log.setLevel(logging.ERROR)
        _FONT_FILES.clear()
    return glyphs.missing


_FONT_FILES: dict[tuple[int, bytes], bytes] = {}  # font file bytes by length and samples
# zlib level for the PDF's streams. pydyf compresses every stream at level 9, which on the
# page and font streams of a cheat sheet costs 1.3-1.5x the time of level 6 for 0.4 % less
# size (the emoji sheet: 0.60 -> 0.48 s for 3.535 -> 3.548 MB; a 300 KB sheet 0.80 -> 0.53 s).
# Level 6 is zlib's own default.
PDF_COMPRESSION_LEVEL = 6


class _PdfZlib:
    """zlib as pydyf sees it: `compressobj` at PDF_COMPRESSION_LEVEL, the rest as is."""

    def __getattr__(self, name: str):
        return getattr(zlib, name)

    @staticmethod
    def compressobj(level: int = PDF_COMPRESSION_LEVEL, *args, **kwargs):
        return zlib.compressobj(min(level, PDF_COMPRESSION_LEVEL), *args, **kwargs)


# A C array type with its length written in: `hb_codepoint_t[42]`.
SIZED_ARRAY = re.compile(r"(\w[\w ]*)\[(\d+)\]")


def open_array_types() -> None:
    """Have cffi make `T[N]` arrays given their N items as `T[]` arrays (once).

    cffi parses every C type string it has not seen with pycparser, over all the
    declarations WeasyPrint made (~2.5 ms each); WeasyPrint's font subsetting asks for
    `hb_codepoint_t[N]` with N the glyph count of each face, a new type for every face and
    document (12 parses, 25 ms, for the sample sheet's six faces). `T[]` with the same items
    is the same array and one type, parsed once."""
    from weasyprint.text.ffi import ffi

    if getattr(ffi.new, "open_arrays", False):
        return
    sized = ffi.new

    def new(cdecl, init=None):
        if init is not None and not isinstance(init, int) and cdecl.endswith("]"):
            match = SIZED_ARRAY.fullmatch(cdecl)
            if match and hasattr(init, "__len__") and len(init) == int(match[2]):
                return sized(f"{match[1]}[]", init)
        return sized(cdecl, init)

    new.open_arrays = True  # type: ignore[attr-defined]
    ffi.new = new


def compress_at_default_level() -> None:
    """Have pydyf compress streams at PDF_COMPRESSION_LEVEL instead of 9 (once)."""
    import pydyf

    if not isinstance(pydyf.zlib, _PdfZlib):
        pydyf.zlib = _PdfZlib()


FONT_SAMPLES = 16  # 4 KB pieces, both ends among them, compared before a copy is shared


def share_font_files() -> None:
    """One copy of each font file per PDF written, not one per face and size.

    WeasyPrint 70 makes a `weasyprint.pdf.fonts.Font` for every face *and size* drawn, and
    each copies its whole font file into Python bytes (`get_hb_object_data`): a sheet with
    CJK text in several sizes held a copy of the 19 MB Noto Sans CJK collection for each
    while writing (concat-300: four). Here a copy is shared by every face whose file has
    the same length and the same bytes at 16 places spread over it (both ends included);
    the table is emptied after each PDF.
    """
    from weasyprint.pdf import fonts as pdf_fonts

    if getattr(pdf_fonts.get_hb_object_data, "shares", False):
        return
    copy_out = pdf_fonts.get_hb_object_data
    from weasyprint.text.ffi import ffi, harfbuzz

    def get_hb_object_data(hb_object, ot_color=None, glyph=None):
        if ot_color is not None or glyph is not None:
            return copy_out(hb_object, ot_color, glyph)
        blob = harfbuzz.hb_face_reference_blob(hb_object)
        try:
            with ffi.new("unsigned int *") as length:
                data = harfbuzz.hb_blob_get_data(blob, length)
                if data == ffi.NULL:
                    return None
                size = int(length[0])
                piece = min(size, 4096)
                starts = {(size - piece) * n // (FONT_SAMPLES - 1) for n in range(FONT_SAMPLES)}
                key = (size, b"".join(ffi.unpack(data + at, piece) for at in sorted(starts)))
                shared = _FONT_FILES.get(key)
                if shared is None:
                    shared = _FONT_FILES[key] = ffi.unpack(data, size)
                return shared
        finally:
            harfbuzz.hb_blob_destroy(blob)

    get_hb_object_data.shares = True  # type: ignore[attr-defined]
    pdf_fonts.get_hb_object_data = get_hb_object_data


def release_boxes_after_drawing() -> None:
    """`Page.paint` drops the page's boxes after drawing a page marked `_cheatsheet_release`."""
    from weasyprint.document import Page

    if getattr(Page.paint, "releases", False):
        return
    paint = Page.paint

    def paint_and_release(self, *args, **kwargs):
        result = paint(self, *args, **kwargs)
        if getattr(self, "_cheatsheet_release", False):
            self._page_box = None
        return result

    paint_and_release.releases = True  # type: ignore[attr-defined]
    Page.paint = paint_and_release  # type: ignore[method-assign]


def write_atomically(
    path: Path, write: Callable[[BinaryIO], object], confine_to: Path | None = None
) -> None:
    """Write next to the destination, then rename: an old good file survives any failure.

    Temporary names carry the writer's process id, so builds running at the same time never
    remove each other's files; only temporaries of processes that no longer exist (a build
    killed with SIGKILL) are cleaned up. With `confine_to` (the project), a destination whose
    real folder lies elsewhere (an `output` folder that is a symlink out of the project) is
    refused: only a path named on the command line may point outside.
    """
    folder = path.parent
    if path.is_dir():
        raise CheatsheetError("output path is a folder", file=path, hint="give a file name")
    if confine_to is not None:
        _refuse_outside(folder, confine_to)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise CheatsheetError(
            f"cannot write to the output folder ({exc.strerror})",
            file=folder,
            hint="choose another --output or fix the folder's permissions",
        ) from None
    temp = Path(handle.name)
    _remove_stale_temps(path)
    try:
        with handle:
            write(handle)
        os.chmod(temp, 0o644)
        stop_if_interrupted()  # a swallowed Ctrl-C or SIGTERM must not replace the old file
        os.replace(temp, path)
    except OSError as exc:
        raise CheatsheetError(
            f"writing failed ({exc.strerror or exc}); the previous file is unchanged", file=path
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _refuse_outside(folder: Path, root: Path) -> None:
    """The nearest existing ancestor of the folder, symlinks followed, must be in `root`."""
    existing = folder
    while not existing.exists() and existing != existing.parent and not existing.is_symlink():
        existing = existing.parent
    try:
        inside = existing.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False  # a dangling symlink or a loop: not somewhere we write
    if not inside:
        raise CheatsheetError(
            "output folder leads outside the project (a symlink?)",
            file=folder,
            hint="give the output path on the command line (--output) to write there",
        )


STALE_UNOWNED_SECONDS = 3600  # temporaries without an owner pid (older versions)


def _remove_stale_temps(path: Path) -> None:
    """A build killed with SIGKILL cannot clean up; the next one does, but only for
    temporaries whose writing process is gone."""
    prefix = f".{path.name}."
    for stale in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        owner = stale.name[len(prefix) :].split(".", 1)[0]
        if owner.isascii() and owner.isdigit():
            if _process_alive(int(owner)):
                continue
        else:
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime < STALE_UNOWNED_SECONDS:
                    continue
        with contextlib.suppress(OSError):
            stale.unlink()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or an absurd number): leave it alone
    return True


def draw_each_svg_once() -> None:
    """Draw every SVG image (emoji, formulas) once per size into a PDF form and reuse it.

    WeasyPrint 70 walks and draws an SVG's whole tree at every use (`SVGImage.draw`: about
    13 ms for an OpenMoji emoji; the emoji sheet uses thousands), while a raster image is
    embedded once. The first use at a size is drawn into a form XObject in the document's
    shared resources; later uses are one `Do` operator. Tagged PDFs draw as before: marked
    content inside a shared form would break the structure tree.
    """
    from weasyprint.images import SVGImage

    if getattr(SVGImage.draw, "draws_once", False):
        return
    draw_each_time = SVGImage.draw

    def draw(self, stream, concrete_width, concrete_height, style):
        if getattr(stream, "_tags", None) is not None:
            return draw_each_time(self, stream, concrete_width, concrete_height, style)
        key = (round(concrete_width, 3), round(concrete_height, 3))
        forms = self.__dict__.setdefault("_cheatsheet_forms", {})
        seen = forms.get(key)
        if seen is None or seen[0] is not stream._resources:
            forms[key] = (stream._resources, None)  # used once so far: no form's overhead
            return draw_each_time(self, stream, concrete_width, concrete_height, style)
        resources, name = seen
        if name is None:
            # A roomy box: glyph overhangs of a formula must not be clipped.
            form = stream.add_group(
                -concrete_width, -concrete_height, 3 * concrete_width, 3 * concrete_height
            )
            del form.extra["Group"]  # a plain form: no transparency group (PDF/A-1 safe)
            draw_each_time(self, form, concrete_width, concrete_height, style)
            name = form.id
            forms[key] = (resources, name)
        stream.draw_x_object(name)

    draw.draws_once = True  # type: ignore[attr-defined]
    SVGImage.draw = draw  # type: ignore[method-assign]


HEIGHT_SEARCH = """\
        page_is_empty = stop_rendering = balancing = False
        while True:
"""
ONE_PASS = """\
        page_is_empty = stop_rendering = balancing = False
        search_height = (
            style['column_fill'] == 'balance' or index != columns_and_blocks[-1][0]
            or context.footnotes or context.current_page_footnotes)
        while search_height:
"""
# each column of the flow, laid out with shrinkable gaps (glue.py)
COLUMN_LAYOUT = """\
                block_box_layout(
                    context, column_box, bottom_space, skip_stack,"""
SHRINKABLE_COLUMN_LAYOUT = """\
                lay_out_column(
                    block_box_layout, context, column_box, bottom_space, skip_stack,"""


def _patched_source(function, replacements: dict[str, str], **names):
    """`function` compiled again from its source with each key of `replacements` (found
    exactly once, or None: another WeasyPrint version is left alone) replaced by its value,
    in its own module's namespace plus `names`."""
    import sys

    source = _source_of(function)
    if any(source.count(old) != 1 for old in replacements):
        import inspect

        source = inspect.getsource(function)  # the exact block, should the quick cut differ
    if any(source.count(old) != 1 for old in replacements):
        return None
    for old, new in replacements.items():
        source = source.replace(old, new)
    module = sys.modules[function.__module__]
    namespace = {**vars(module), **names}
    exec(compile(source, module.__file__, "exec"), namespace)
    return namespace[function.__name__]


def _source_of(function) -> str:
    """The lines of a module-level function's source, from its first line to the last line
    that has code (`inspect.getsource` tokenizes the whole module to find the block's end:
    5 ms for `columns_layout`, 9 ms a build for the three patches)."""
    import linecache

    code = function.__code__
    last = max((line for _, _, line in code.co_lines() if line), default=code.co_firstlineno)
    lines = linecache.getlines(code.co_filename)
    return "".join(lines[code.co_firstlineno - 1 : last])


def lay_out_columns_once() -> None:
    """Skip WeasyPrint's column-height search where it cannot change the result.

    `weasyprint.layout.column.columns_layout` (WeasyPrint 70) lays out every page's columns
    twice: a search pass that tries heights for balancing, and the real pass. With
    `column-fill: auto` on the last run of columns (no spanning block after it) and no
    footnotes, the search always ends at the full height, and its boxes are thrown away;
    it also lays out the rest of the flow once per column to measure the next box. Skipping
    it halves the layout time of a multi-column sheet and gives the same boxes (the
    layout tests compare pixels). Another WeasyPrint version is left alone.
    """
    from weasyprint.layout import block, column

    if getattr(column.columns_layout, "one_pass", False):
        return
    one_pass = _patched_source(
        column.columns_layout,
        {HEIGHT_SEARCH: ONE_PASS, COLUMN_LAYOUT: SHRINKABLE_COLUMN_LAYOUT},
        lay_out_column=glue.lay_out_column,
    )
    if one_pass is None:
        return  # not the code this was written for
    one_pass.one_pass = True
    one_pass.two_passes = column.columns_layout  # WeasyPrint's own, for the layout tests
    column.columns_layout = block.columns_layout = one_pass


# weasyprint.text.line_break.split_first_line (WeasyPrint 70): a text that fits but for its
# trailing space was taken for one that cannot be split earlier, and cut after its first word
TRAILING_SPACE_CHECK = """\
    first_line_width, _ = line_size(first_line, style)
    if resume_index is None and first_line_width <= max_width:
"""
TRAILING_SPACE_HANGS = """\
    first_line_width, _ = line_size(first_line, style)
    if (resume_index is None and first_line_width > max_width and space_collapse
            and text.endswith(' ')):
        first_line_width = width_without_trailing_spaces(
            text, style, context, justification_spacing)
    if resume_index is None and first_line_width <= max_width:
"""


# weasyprint.layout.preferred.trailing_whitespace_size: the spaces that end a line of
# `pre-wrap` text hang too (CSS Text 3, 4.1.3), but WeasyPrint counted them as ink
PRESERVED_SPACES_STAY = "elif box.style['white_space'] not in ('normal', 'nowrap', 'pre-line'):"
PRESERVED_SPACES_HANG = (
    "elif box.style['white_space'] not in ('normal', 'nowrap', 'pre-line', 'pre-wrap'):"
)


def hang_trailing_spaces() -> None:
    """Let a text whose only overflow is its trailing space fit its line.

    WeasyPrint 70 measures a text box with its trailing space: "This project is open source
    and available under the " before `<b>MIT</b>` overflowed a 257 pt line by the space
    alone, was taken for text that cannot be split earlier, and the line held "This" alone.
    Spaces that collapse hang at the end of a line (CSS Text 3, 4.1.3), so the text fits and
    the line breaks before "MIT". So do the preserved spaces of `pre-wrap` code: a code line
    whose tokens are kept whole broke after "docker ps" because
    " | grep wildfly | awk '{print " overflowed by its last space before `$1}'`, and the
    line was cut at the break before "-a". Source patches of those two tests, like
    `lay_out_columns_once`; another WeasyPrint version is left alone.
    """
    from weasyprint.layout import inline, preferred
    from weasyprint.text import line_break

    if getattr(line_break.split_first_line, "hangs_trailing_spaces", False):
        return

    def width_without_trailing_spaces(text, style, context, justification_spacing) -> float:
        layout = line_break.create_layout(
            text.rstrip(" "), style, context, None, justification_spacing
        )
        line, _ = layout.get_first_line()
        return line_break.line_size(line, style)[0]

    patched = _patched_source(
        line_break.split_first_line,
        {TRAILING_SPACE_CHECK: TRAILING_SPACE_HANGS},
        width_without_trailing_spaces=width_without_trailing_spaces,
    )
    if patched is None:
        return  # not the code this was written for
    trailing = _patched_source(
        preferred.trailing_whitespace_size, {PRESERVED_SPACES_STAY: PRESERVED_SPACES_HANG}
    )
    if trailing is None:
        return
    trailing.__globals__["trailing_whitespace_size"] = trailing  # its own recursion too
    patched.hangs_trailing_spaces = True
    line_break.split_first_line = inline.split_first_line = patched
    preferred.split_first_line = patched
    # Only where lines are broken: content widths keep the space (a list marker's "1. " is
    # `pre-wrap` text whose width sets the gap before the item).
    inline.trailing_whitespace_size = trailing


def _quiet_weasyprint() -> None:
    """WeasyPrint logs every CSS it ignores; keep real problems only, ours are reported."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint").propagate = False
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)


# ---------------------------------------------------------------------------------- packing

PACK_MIN_GAP = 0.04  # a column foot emptier than this fraction of the column is worth filling
PACK_PASSES = 2  # at most this many extra layouts


def _room(document) -> float:
    """Empty room at the feet of every column before the last one that holds content
    (fractions of a column, summed)."""
    from .preflight import column_fills

    fills = [f for page in document.pages for f in column_fills(page)]
    while fills and fills[-1] <= 0.0:
        fills.pop()
    return sum(1 - f for f in fills[:-1])


def section_spans(html: str) -> dict[str, tuple[int, int]]:
    """Start and end offsets of each top-level `<section id=...>` of the sheet, by id."""
    spans: dict[str, tuple[int, int]] = {}
    depth, opened = 0, (0, "")
    for match in re.finditer(r"<section\b([^>]*)>|</section>", html):
        if match.group(0).startswith("</"):
            depth -= 1
            if depth == 0 and opened[1]:
                spans[opened[1]] = (opened[0], match.end())
            continue
        if depth == 0:
            ident = re.search(r'\bid="([^"]+)"', match.group(1) or "")
            opened = (match.start(), ident.group(1) if ident else "")
        depth += 1
    return spans


def _column_feet(document) -> list[tuple[float, str | None, list[tuple[str, float, bool]]]]:
    """Per column in reading order: the room left at its foot, the id of the section whose
    fragment opens the next column, and the sections that start in this column with their
    whole height and whether they are split."""
    from .preflight import _lowest_content, columns_of, find_sheet_boxes

    columns = []
    pieces: dict[str, list[float]] = {}
    for page in document.pages:
        bottom = page._page_box.content_box_y() + page._page_box.height
        for sheet in find_sheet_boxes(page._page_box):
            for column in columns_of(sheet):
                ids = []
                for child in column.children:
                    element = getattr(child, "element", None)
                    if element is None or element.tag != "section" or not element.get("id"):
                        continue
                    ident = element.get("id")
                    pieces.setdefault(ident, []).append(child.margin_height())
                    ids.append(ident)
                room = bottom - _lowest_content(column)
                columns.append((room / max(bottom - column.content_box_y(), 1), room, ids))
    result = []
    for index, (fraction, room, ids) in enumerate(columns):
        following = (
            columns[index + 1][2][0] if index + 1 < len(columns) and columns[index + 1][2] else None
        )
        starting = [(i, sum(pieces[i]), len(pieces[i]) > 1) for i in ids]
        result.append((fraction, room, following, starting))
    return result


def pack_order(document, html: str) -> str | None:
    """The sheet's HTML with small sections moved up into the empty feet of columns.

    For each column (in order) whose foot is more than `PACK_MIN_GAP` empty, the first later
    section that is not split, not wider than a column, and no taller than the room moves
    to just before the section that opens the next column; everything else keeps its
    order. A move shifts what came after the moved section's old place, so the search
    stops there until the next layout. None when nothing moves.
    """
    spans = section_spans(html)
    feet = _column_feet(document)
    order = list(spans)
    frozen_after = len(order)
    moved: set[str] = set()
    for fraction, room, following, _ in feet:
        if fraction < PACK_MIN_GAP or following is None or following not in order:
            continue
        at = order.index(following)
        if at >= frozen_after:
            break
        heights = {i: (h, split) for _, _, _, starting in feet for i, h, split in starting}
        for candidate in order[at + 1 :]:
            height, split = heights.get(candidate, (None, True))
            block = html[spans[candidate][0] : spans[candidate][1]]
            between = "".join(
                html[spans[i][0] : spans[i][1]] for i in order[at : order.index(candidate)]
            )
            if (
                height is None
                or split
                or candidate in moved
                or height > room
                or ' wide"' in block[:200]
                or 'class="group"' in block
                or 'class="group"' in between
            ):
                continue
            old = order.index(candidate)
            order.remove(candidate)
            order.insert(at, candidate)
            moved.add(candidate)
            frozen_after = min(frozen_after, old + 1)
            break
    if not moved:
        return None
    start = min(s for s, _ in spans.values())
    end = max(e for _, e in spans.values())
    between_text = html[start:end]
    if "</main>" in between_text:
        return None  # manual page breaks: the runs of columns are not one flow
    body = "\n".join(html[spans[i][0] : spans[i][1]] for i in order)
    return html[:start] + body + html[end:]
