"""Issue #14 item 3, as fixed in layout2: an aligned block shrinks only as far as its longest
line needs to fit the column, and code whose comments are lined up is not art."""

from __future__ import annotations

import pytest
from test_typography import MM, build, glyphs, lines_of

from cheatsheet import codewrap, sheetcss

COLUMN_PT = (297 - 2 * 6 - 3 * 3.5) / 4 * MM  # A4 landscape, 4 columns, default margins
LEFT_PT = 6 * MM


def test_code_with_lined_up_comments_is_not_art():
    commented = [
        "git switch -c feature/login   # new branch",
        "git add -p                    # stage hunks, not files",
        'git commit -m "Add login form"',
    ]
    assert not codewrap._is_art(commented)
    c_style = ["int a = 1;      // one", "int bb = 22;    // two", "return a;"]
    assert not codewrap._is_art(c_style)
    aligned = [
        "Name      Default   What",
        "timeout   30        seconds",
        "pool      10        size",
    ]
    assert codewrap._is_art(aligned)


def test_comment_spans_are_ignored_when_marking_art():
    html = (
        '<div class="highlight"><pre><span></span><code>'
        '<span class="cl"><span class="n">git</span> add   <span class="c1"># stage</span></span>'
        '<span class="cl"><span class="n">git</span> push   <span class="c1"># send</span></span>'
        "</code></pre></div>"
    )
    assert " art " not in codewrap.mark_art_blocks(html)


def test_art_css_gives_the_largest_size_that_fits():
    css = sheetcss.art_css(200, 9, 5, {20, 45, 200}, advance_em=0.6, inset_em=0.75, inset_pt=1.5)
    assert ".m20 " not in css  # fits at the code size: left alone
    size = float(css.split(".m45 pre { font-size: ")[1].split("pt")[0])
    assert 45 * 0.6 * size + 0.75 * size + 1.5 == pytest.approx(200, abs=0.2)
    assert ".m200 pre { font-size: 5.00pt" in css  # the floor


@pytest.mark.parametrize("theme", ["default", "boxed"])
def test_aligned_block_fills_its_column_without_wrapping(tmp_path, theme):
    rows = [
        ("Name", "Default", "What it does"),
        ("max_connections", "100", "pool size"),
        ("timeout_seconds", "30", "before a request fails (s)"),
    ]
    table = "\n".join(f"{a:<17}{b:<10}{c}" for a, b, c in rows)
    longest = max(len(line) for line in table.splitlines())
    assert longest == 53
    source = f"## Settings\n\n```text\n{table}\n```\n"
    pdf = build(tmp_path, source, "--no-fit", "--font-size", "9", "--theme", theme)
    drawn = [g for g in glyphs(pdf) if g.font == "Sheet-Mono"]
    lines = lines_of(drawn)
    assert len(lines) == 3, lines  # not wrapped
    right = max(g.box[2] for g in drawn)
    assert right <= LEFT_PT + COLUMN_PT  # inside its column
    width = right - min(g.box[0] for g in drawn)
    assert width >= 0.86 * COLUMN_PT, (width, COLUMN_PT)  # not shrunk further than needed
