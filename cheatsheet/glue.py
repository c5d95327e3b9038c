"""Shrinkable space between the blocks of a column, as TeX's glue.

A column ends where the next unit that may not be cut (a heading with its first lines, a
label with its command, a code block) no longer fits. When that unit is a few points too
tall, the column is left 5-8 % empty although closing the gaps above it by a fraction
would make room, which is what TeX does with the shrink of its vertical glue. WeasyPrint
has no such glue, so each column is laid out with `SHRINK_ROOM_EM` more room than it has;
when what it then holds runs past its foot, the gaps between its blocks close by the same
fraction (at most `MAX_SHRINK`) to bring it back, and when they cannot, the column is laid
out again at its true height. Lines, code blocks, tables and headings are never squeezed,
only the space between them.
"""

from __future__ import annotations

from typing import Any

SHRINK_ROOM_EM = 0.6  # extra room a column is laid out with, in em of the sheet's type
MAX_SHRINK = 0.3  # of a gap between two blocks, at most this much may close


def lay_out_column(block_box_layout, context, column_box, bottom_space: float, *args, **kwargs):
    """`block_box_layout` of one column, holding a little more when its gaps can shrink.

    Takes and returns what WeasyPrint's `block_box_layout` does; `args` and `kwargs` are its
    arguments after `bottom_space`. Nothing in the column comes back lower than its foot.
    """
    room = SHRINK_ROOM_EM * column_box.style["font_size"]
    if room <= 0 or not MAX_SHRINK:
        return block_box_layout(context, column_box, bottom_space, *args, **kwargs)
    position = column_box.position_x, column_box.position_y
    result = block_box_layout(context, column_box, bottom_space - room, *args, **kwargs)
    column = result[0]
    if column is None:
        return result
    foot = context.page_bottom - bottom_space
    over = needed_bottom(column, foot + room) - foot
    if over > 0:
        gaps = closable_gaps(column)
        if over > gaps * MAX_SHRINK:
            from weasyprint.layout.block import remove_placeholders

            remove_placeholders(context, [column], args[3], args[4])  # absolute, fixed
            column_box.position_x, column_box.position_y = position
            return block_box_layout(context, column_box, bottom_space, *args, **kwargs)
        close_gaps(column, over / gaps)
    end_broken_boxes_at(column, foot + room, foot)
    column.height = min(column.height, foot - column.content_box_y())
    return result


def needed_bottom(box: Any, stretched_to: float) -> float:
    """How low the box's content reaches: the border edge of each complete box in it, and
    inside a box broken at the column foot (which WeasyPrint stretches down to
    `stretched_to`, the foot it was given), what it holds plus any bottom decoration it
    repeats at the break (`box-decoration-break: clone`)."""
    lowest = box.content_box_y()
    children = _flow_children(box)
    for child in children:
        if child is children[-1] and _broken(child, stretched_to):
            inner = needed_bottom(child, stretched_to - _repeated_decoration(child))
            lowest = max(lowest, inner + _repeated_decoration(child) - child.margin_bottom)
        else:
            lowest = max(lowest, child.border_box_y() + child.border_height())
    return lowest


def end_broken_boxes_at(box: Any, stretched_to: float, foot: float) -> None:
    """Give the boxes broken at the column foot the height of the real column: WeasyPrint
    stretched them down to the larger room the column was laid out in."""
    children = _flow_children(box)
    if not children or not _broken(children[-1], stretched_to):
        return
    child = children[-1]
    decoration = _repeated_decoration(child)
    end_broken_boxes_at(child, stretched_to - decoration, foot - decoration)
    content = needed_bottom(child, stretched_to - decoration) - child.content_box_y()
    outside = child.margin_height() - child.height
    child.height = max(min(content, child.height), foot - child.position_y - outside)


def _broken(box: Any, stretched_to: float) -> bool:
    """Whether the box (the last in its parent) continues in the next column: WeasyPrint
    drops the bottom decoration of such a block (`box-decoration-break: slice`) or, when it
    repeats it, ends its margin edge exactly at the foot it was given."""
    from weasyprint.formatting_structure import boxes

    if not isinstance(box, boxes.BlockBox):
        return False  # lines share that record with the block they were cut from
    if "bottom" in getattr(box, "remove_decoration_sides", ()):
        return True
    return abs(box.position_y + box.margin_height() - stretched_to) < 0.01 and (
        _repeated_decoration(box) > 0
    )


def _repeated_decoration(box: Any) -> float:
    """Bottom padding, border and margin a broken box draws again at the break."""
    if box.style["box_decoration_break"] != "clone":
        return 0.0
    return box.padding_bottom + box.border_bottom_width + box.margin_bottom


def closable_gaps(box: Any) -> float:
    """The space between consecutive blocks, at every depth where gaps may close."""
    total, previous = 0.0, None
    for child in _flow_children(box):
        top = child.border_box_y()
        if previous is not None and top > previous:
            total += top - previous
        if _opens_up(child):
            total += closable_gaps(child)
        previous = child.border_box_y() + child.border_height()
    return total


def close_gaps(box: Any, fraction: float) -> float:
    """Close `fraction` of every gap `closable_gaps` counts, moving what follows up and
    shortening the boxes that hold them; returns how much shorter the box's content got."""
    shrink, previous = 0.0, None
    for child in getattr(box, "children", ()):
        if not _in_flow(child):
            child.translate(dy=-shrink)
            continue
        top = child.border_box_y() - shrink  # where the moves above bring it
        cut = (top - previous) * fraction if previous is not None and top > previous else 0.0
        child.translate(dy=-(shrink + cut))
        shrink += cut
        if _opens_up(child):
            shrink += close_gaps(child, fraction)
        previous = child.border_box_y() + child.border_height()
    if shrink and isinstance(getattr(box, "height", None), int | float):
        box.height -= shrink
    return shrink


def _in_flow(box: Any) -> bool:
    from weasyprint.formatting_structure import boxes

    return (
        isinstance(box, boxes.Box)
        and box.style["position"] not in ("absolute", "fixed")
        and not box.is_floated()
    )


def _flow_children(box: Any) -> list[Any]:
    return [c for c in getattr(box, "children", ()) if _in_flow(c)]


def _opens_up(box: Any) -> bool:
    """A block of blocks: the gaps between its children may close. A paragraph (lines), a
    table, a flex or grid container and anything replaced keep their inside as it is."""
    from weasyprint.formatting_structure import boxes

    if type(box) is not boxes.BlockBox or box.is_table_wrapper:
        return False
    children = _flow_children(box)
    return bool(children) and not any(isinstance(c, boxes.LineBox) for c in children)
