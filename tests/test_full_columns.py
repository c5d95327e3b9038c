"""Layout rules for full columns and clean breaks (issue #14 items 2 and 5), and the two
WeasyPrint speed-ups (issue #13), checked on small in-process layouts: no CLI, no PDF file
unless a test looks at pixels."""

from __future__ import annotations

import io
import itertools

import numpy
import pypdfium2 as pdfium
import pytest
from weasyprint import HTML

from cheatsheet.pdf import (
    FULL_COLUMNS_CSS,
    draw_each_svg_once,
    lay_out_columns_once,
    layout_hints,
)
from cheatsheet.preflight import column_fills

PAGE = "@page { size: 120mm 80mm; margin: 5mm } body { margin: 0; font: 9pt sans-serif }"
SHEET = ".sheet { column-count: 2; column-gap: 4mm; column-fill: auto } pre .cl { display: block }"


def render(body: str, css: str = ""):
    html = layout_hints(f"<main class='sheet'>{body}</main>")
    style = f"<style>{PAGE} {SHEET} {FULL_COLUMNS_CSS} {css}</style>"
    return HTML(string=style + html).render()


def lines_of(document):
    """(page, x, y, text) of every text line, in layout order."""
    from weasyprint.formatting_structure import boxes

    found = []

    def walk(box, page):
        if isinstance(box, boxes.TextBox):
            found.append((page, round(box.position_x, 2), round(box.position_y, 2), box.text))
        for child in getattr(box, "children", []):
            walk(child, page)

    for number, page in enumerate(document.pages, 1):
        walk(page._page_box, number)
    return found


def test_hints_mark_pseudo_headings_and_breaks():
    html = layout_hints(
        "<p><strong>Bold label</strong></p><ul><li>a</li></ul>"
        "<p>Install it:</p><ul><li>b</li></ul>"
        '<p>Run this:</p><div class="highlight"><pre>x</pre></div>'
        "<p>Not a lead: it goes on</p><p>plain</p>"
        "<!-- column --><!--column break-->"
    )
    assert html.count('<p class="lead">') == 1
    assert html.count('<p class="lead intro">') == 2
    assert "<p>Not a lead: it goes on</p><p>plain</p>" in html
    assert html.count('<div class="break-column"></div>') == 2


def test_a_bold_question_ending_in_an_emoji_is_a_pseudo_heading():
    """ds-interviews-theory: "**How can we use clicks data ...? 🚀**" was left at a column
    foot with its answer in the next column: the emoji image made it not "only bold text"."""
    rocket = '<img class="emoji" src="emoji:1F680" alt="r">'
    inside = layout_hints(f"<p><strong>How can we use clicks? {rocket}</strong></p><p>A</p>")
    after = layout_hints(f"<p><strong>How can we use clicks?</strong> {rocket}</p><p>A</p>")
    longer = layout_hints(f"<p><strong>{'word ' * 19} {rocket}</strong></p><p>A</p>")
    mixed = layout_hints(f"<p><strong>Bold</strong> then text {rocket}</p><p>A</p>")
    assert inside.startswith('<p class="lead">') and after.startswith('<p class="lead">')
    assert longer.startswith("<p><strong>")  # 95 characters of text: a statement in bold
    assert mixed.startswith("<p><strong>")


def test_a_paragraph_with_attributes_can_be_a_pseudo_heading():
    """typography.py gives a paragraph in another language `lang`: matching only `<p>` made
    none of docker-cheat-sheet-ru's 92 `<p lang="ru">` a pseudo-heading, so its ":" lines
    sat at column feet above their commands."""
    html = layout_hints(
        '<p lang="ru">Для всех контейнеров:</p><div class="highlight"><pre>x</pre></div>'
        '<p class="note" id="n"><strong>Метка</strong></p><ul><li>a</li></ul>'
        '<p lang="ru">обычный текст.</p><p>y</p>'
    )
    assert '<p class="lead intro" lang="ru">Для всех' in html
    assert '<p class="lead note" id="n"><strong>' in html
    assert '<p lang="ru">обычный текст.</p>' in html


def test_emoji_at_the_end_of_a_line_is_tied_to_its_word():
    html = layout_hints('<p>ship it <img class="emoji" src="emoji:1F680" alt="r"></p>')
    assert 'it<span class="emoji-tail">\u00a0<img class="emoji"' in html
    middle = layout_hints('<p>a <img class="emoji" src="emoji:1F680" alt="r"> b</p>')
    assert 'a <img class="emoji"' in middle  # mid-line emoji may still wrap


def test_hints_are_linear_on_hostile_input():
    import time

    hostile = "<p>" + "<strong>x" * 20000 + ":" * 20000
    started = time.process_time()
    layout_hints(hostile + "<!--" * 20000)
    assert time.process_time() - started < 2.0  # CPU, generous: quadratic would be minutes


def test_manual_column_break_starts_a_new_column():
    document = render("<p>first</p><!-- column --><p>second</p>")
    positions = {text: (page, x) for page, x, _, text in lines_of(document)}
    assert positions["first"][0] == positions["second"][0] == 1
    assert positions["second"][1] > positions["first"][1] + 100  # the second column


def test_tall_code_block_fills_the_column_and_continues():
    spacer = "<div style='height: 40mm'></div>"
    code = "".join(f"<span class='cl'>line {i}</span>" for i in range(30))
    document = render(
        f"{spacer}<div class='highlight'><pre class='lines-30'><code>{code}</code></pre></div>",
        "pre.lines-30 { break-inside: auto; }",
    )
    lines = [(x, text) for _, x, _, text in lines_of(document) if text.startswith("line")]
    first_column = [t for x, t in lines if x < 60]
    assert 2 <= len(first_column) < 30  # it started under the spacer instead of moving on
    assert len(lines) - len(first_column) >= 2  # and at least two lines continue
    assert column_fills(document.pages[0])[0] > 0.9


def test_short_code_block_moves_whole():
    spacer = "<div style='height: 62mm'></div>"
    code = "".join(f"<span class='cl'>line {i}</span>" for i in range(4))
    document = render(
        f"{spacer}<div class='highlight'><pre class='lines-0'><code>{code}</code></pre></div>"
    )
    xs = {x for _, x, _, text in lines_of(document) if text.startswith("line")}
    assert len(xs) == 1 and min(xs) > 60  # all four lines in the second column


def test_bold_pseudo_heading_stays_with_its_list():
    spacer = "<div style='height: 63mm'></div>"
    items = "".join(f"<li>item {i}</li>" for i in range(6))
    document = render(
        f"{spacer}<p><strong>Label</strong></p><ul>{items}</ul>", "li { break-inside: avoid; }"
    )
    where = {text: x for _, x, _, text in lines_of(document)}
    assert where["Label"] > 60 and where["item 0"] > 60  # moved together


def test_one_pass_columns_lay_out_exactly_like_weasyprint(monkeypatch):
    from weasyprint.layout import block, column

    from cheatsheet import glue

    monkeypatch.setattr(glue, "MAX_SHRINK", 0)  # WeasyPrint has no shrinkable gaps

    code_line = "code line\n"
    body = "".join(
        f"<section><h3>Part {n}</h3><p>{'words and more words ' * (n % 7 + 3)}</p>"
        f"<pre>{code_line * (n % 5 + 1)}</pre></section>"
        for n in range(60)
    )
    lay_out_columns_once()
    ours = lines_of(render(body))
    one_pass = column.columns_layout
    column.columns_layout = block.columns_layout = one_pass.two_passes
    try:
        theirs = lines_of(render(body))
    finally:
        column.columns_layout = block.columns_layout = one_pass
    assert len({page for page, *_ in ours}) >= 3
    assert ours == theirs


def test_repeated_svg_is_drawn_once_and_looks_the_same():
    svg = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'>"
        "<circle cx='5' cy='5' r='4' fill='red'/></svg>"
    )
    body = "".join(f"<p><img src=\"{svg}\" style='width: 8mm'></p>" for n in range(3))
    draw_each_svg_once()
    pdf = render(body, "p { margin: 4mm 0 }").write_pdf()
    assert pdf.count(b"/Subtype /Form") == 1
    page = numpy.asarray(pdfium.PdfDocument(io.BytesIO(pdf))[0].render(scale=2).to_pil())
    red = (page[:, :, 0] > 200) & (page[:, :, 1] < 80) & (page[:, :, 2] < 80)
    rows = red.any(axis=1).nonzero()[0]
    runs = 1 + sum(1 for a, b in itertools.pairwise(rows) if b > a + 1)
    assert runs == 3  # all three drawn


@pytest.mark.parametrize("fraction", [0.15])
def test_movable_block_threshold_is_the_issue_figure(fraction):
    from cheatsheet.pdf import MOVABLE_BLOCK

    assert fraction == MOVABLE_BLOCK


def test_preflight_counts_a_stranded_pseudo_heading():
    from cheatsheet.preflight import inspect

    # An author's column break right after a bold label strands it at the column foot.
    body = "<section id='s'><p><strong>Label</strong></p><!-- column --><p>next</p></section>"
    report = inspect(render(body), paper="t", columns=2, font_size=9)
    assert [p.text for p in report.stranded_pseudo_headings] == ["Label"]
    assert report.orphaned_headings == []


def test_a_list_may_start_a_column_but_a_nested_list_stays_with_its_item():
    """WeasyPrint's UA sheet keeps every list with what precedes it: a table that fitted
    at a column foot went to the next column with the list after it (ds-interviews-theory).
    A nested list still stays with its item's text."""
    rows = "".join(f"<tr><td>row {n}</td><td>value</td></tr>" for n in range(3))
    items = "".join(f"<li>item {n} of the list</li>" for n in range(4))
    placed = []
    for spacer in range(150, 262, 3):
        document = render(
            f"<div style='height: {spacer}px'></div><table>{rows}</table><ul>{items}</ul>",
            "table { break-inside: avoid; }",
        )
        where = {text: x for _, x, _, text in lines_of(document)}
        placed.append((where["row 2"] < 100, where["item 0 of the list"] < 100))
    assert (True, False) in placed  # the table at the foot, the list in the next column
    for spacer in range(200, 262, 3):
        nested = render(
            f"<div style='height: {spacer}px'></div><ul><li>parent item<ul><li>child one</li>"
            "<li>child two</li></ul></li></ul>"
        )
        where = {text: x for _, x, _, text in lines_of(nested)}
        assert (where["parent item"] < 100) == (where["child one"] < 100), spacer


def test_a_long_bold_lead_in_keeps_its_last_lines_with_the_next_paragraph():
    """cs229-probability-ja: "15. Partition ― ... if we have:" (bold, too long to be a
    heading) ended a column, its translation opened the next one."""
    bold = (
        "<strong>15. Partition: let the sets be such that for all i, none is empty. "
        "We say that they form a partition if we have:</strong>"
    )
    assert 'class="lead intro"' in layout_hints(f"<p>{bold}</p>\n<p>Translation</p>")
    assert "lead" not in layout_hints("<p>Plain words that end with a colon:</p>\n<p>Next</p>")
    for spacer in range(180, 262, 3):
        document = render(
            f"<div style='height: {spacer}px'></div><p>{bold}</p><p>Translation of it.</p>"
        )
        lines = lines_of(document)
        last_bold = max((x, y) for _, x, y, text in lines if "partition" in text or "have:" in text)
        first_next = next(x for _, x, _, text in lines if text.startswith("Translation"))
        assert (last_bold[0] < 100) == (first_next < 100), spacer


def test_a_lead_in_stays_with_the_image_it_introduces():
    """ds-interviews-theory: "... takes the following formula:" ended a column and the
    formula (an image) opened the next."""
    svg = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='80' height='40'>"
        "<rect width='80' height='40' fill='black'/></svg>"
    )
    lead = "<p>The density function takes the following formula:</p>"
    figure = f'<p><img alt="formula" src="{svg}"></p>'
    assert 'class="lead intro"' in layout_hints(f"{lead}\n{figure}")
    moved_together = 0
    for spacer in range(190, 262, 3):
        document = render(f"<div style='height: {spacer}px'></div>{lead}{figure}<p>After</p>")
        lead_x = next(x for _, x, _, text in lines_of(document) if "formula:" in text)
        image = next(
            b
            for b in document.pages[0]._page_box.descendants()
            if type(b).__name__.endswith("ReplacedBox")
        )
        assert (lead_x < 100) == (image.position_x < 100), spacer
        moved_together += lead_x > 100
    assert moved_together  # some spacer pushed both on
