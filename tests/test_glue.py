"""Shrinkable gaps between blocks (glue.py): a unit a few points too tall for a column foot
closes the gaps above it instead of leaving the foot empty, by at most `MAX_SHRINK` of each
gap, and nothing ends below the foot."""

from __future__ import annotations

import itertools

import pytest
from test_full_columns import render

from cheatsheet import glue
from cheatsheet.pdf import lay_out_columns_once

FOOT = (80 - 5) * 96 / 25.4  # the page's content foot in px: 80 mm page, 5 mm margins
GAP = 10  # px between the paragraphs


def sheet(spacer: float, lines: int = 2) -> str:
    paragraphs = "".join(f"<p style='margin: 0 0 {GAP}px'>Paragraph {n}</p>" for n in range(9))
    code = "\n".join(f"command {n}" for n in range(lines))
    return (
        f"<section><div style='height: {spacer}px'></div>{paragraphs}"
        f"<h3 style='margin: 4px 0 2px'>Heading</h3><pre style='margin: 0'>{code}</pre>"
        "<p>After</p></section>"
    )


def boxes_named(document, names: tuple[str, ...]):
    """{text: (column x, top, bottom)} of the text lines of the first page."""
    from weasyprint.formatting_structure import boxes

    found = {}

    def walk(box):
        if isinstance(box, boxes.LineBox):
            text = "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
            for name in names:
                if text.startswith(name) and name not in found:
                    found[name] = (box.position_x, box.position_y, box.position_y + box.height)
        for child in getattr(box, "children", []):
            walk(child)

    walk(document.pages[0]._page_box)
    return found


def first_spacer_that_pushes_the_heading(monkeypatch) -> int:
    """The smallest spacer height at which, without shrinking, the heading and its code
    leave column 1."""
    monkeypatch.setattr(glue, "MAX_SHRINK", 0)
    try:
        for spacer in range(0, 200, 2):
            where = boxes_named(render(sheet(spacer)), ("Heading",))
            if where["Heading"][0] > 100:
                return spacer
    finally:
        monkeypatch.undo()
    raise AssertionError("the heading never moved")


@pytest.fixture(autouse=True)
def one_pass_columns():
    lay_out_columns_once()


def test_a_unit_slightly_too_tall_closes_the_gaps_above_it(monkeypatch):
    spacer = first_spacer_that_pushes_the_heading(monkeypatch)
    where = boxes_named(
        render(sheet(spacer)), ("Paragraph 0", "Paragraph 1", "Heading", "command 1")
    )
    assert where["Heading"][0] < 100 and where["command 1"][0] < 100  # stayed in column 1
    assert where["command 1"][2] <= FOOT + 0.01  # and nothing below the foot
    gap = where["Paragraph 1"][1] - where["Paragraph 0"][2]
    assert (1 - glue.MAX_SHRINK) * GAP - 0.01 <= gap < GAP  # closed, by at most MAX_SHRINK


def test_the_gaps_close_evenly_up_to_the_limit(monkeypatch):
    """Each gap closes by the same amount, also when the column closes as much as its extra
    room allows (each used to close by more than the one above it: 0.4 pt at the top of a
    column, 1.5 pt at its foot)."""
    spacer = first_spacer_that_pushes_the_heading(monkeypatch)
    names = tuple(f"Paragraph {n}" for n in range(9))
    tightest = None
    for extra in range(0, 60, 2):
        where = boxes_named(render(sheet(spacer + extra)), (*names, "Heading"))
        if where["Heading"][0] > 100:
            break
        tightest = where
    assert tightest is not None and extra >= 4  # it held the heading for a while
    gaps = [tightest[b][1] - tightest[a][2] for a, b in itertools.pairwise(names)]
    assert max(gaps) - min(gaps) < 0.05, gaps
    assert (1 - glue.MAX_SHRINK) * GAP - 0.01 <= min(gaps) < GAP - 0.5


def test_a_unit_far_too_tall_moves_on_and_the_gaps_stay(monkeypatch):
    spacer = first_spacer_that_pushes_the_heading(monkeypatch)
    where = boxes_named(render(sheet(spacer + 40)), ("Paragraph 0", "Paragraph 1", "Heading"))
    assert where["Heading"][0] > 100  # moved to column 2
    assert where["Paragraph 1"][1] - where["Paragraph 0"][2] == pytest.approx(GAP, abs=0.01)


def test_a_block_broken_at_the_foot_ends_at_the_foot():
    """WeasyPrint stretches a block that continues in the next column down to the foot it
    was given; given more room to try, it must still end at the real foot."""
    from weasyprint.formatting_structure import boxes

    items = "".join(f"<li>item {n} with a few words</li>" for n in range(60))
    document = render(f"<section style='background: #eee'><ul>{items}</ul></section>")
    bottoms = []

    def walk(box):
        if isinstance(box, boxes.BlockBox) and getattr(box, "element_tag", "") in ("section", "ul"):
            bottoms.append(box.border_box_y() + box.border_height())
        for child in getattr(box, "children", []):
            walk(child)

    walk(document.pages[0]._page_box)
    assert bottoms and max(bottoms) <= FOOT + 0.01
    assert max(bottoms) > FOOT - 1  # and it does reach it (the background is drawn there)
