"""Issue #14 item 2: a code block split across columns shows a small "continued" mark on
each continuation, and a split table repeats its header row, read back from the PDF text
positions per column."""

from __future__ import annotations

from collections import defaultdict

from test_typography import MM, build, glyphs, lines_of

from cheatsheet.pdf import header_rows

PITCH = ((297 - 2 * 6 - 3 * 3.5) / 4 + 3.5) * MM  # one column and its gap, A4 landscape
LEFT = 6 * MM


def column_of(glyph) -> tuple[int, int]:
    return glyph.page, int((glyph.box[0] - LEFT) // PITCH)


def words_by_column(pdf, word: str) -> dict[tuple[int, int], list[float]]:
    """Baselines of each occurrence of `word`, per (page, column)."""
    drawn = [g for g in glyphs(pdf) if g.font]
    text = "".join(g.char for g in drawn)
    found = defaultdict(list)
    start = text.find(word)
    while start != -1:
        found[column_of(drawn[start])].append(drawn[start].baseline)
        start = text.find(word, start + 1)
    return found


def code_columns(pdf) -> dict[tuple[int, int], list[float]]:
    found = defaultdict(list)
    for g in glyphs(pdf):
        if g.font == "Sheet-Mono" and g.char == "=":
            found[column_of(g)].append(g.baseline)
    return found


def test_split_code_block_is_marked_continued_on_each_continuation(tmp_path):
    code = "\n".join(f"value_{n} = compute({n})" for n in range(220))
    pdf = build(tmp_path, f"## Code\n\n```python\n{code}\n```\n", "--no-fit")
    columns = code_columns(pdf)
    marks = words_by_column(pdf, "continued")
    assert len(columns) >= 3  # the block really is split
    first = min(columns)
    assert first not in marks  # the first part is not a continuation
    for column, baselines in columns.items():
        if column == first:
            continue
        assert len(marks[column]) == 1, (column, marks)
        assert marks[column][0] >= max(baselines) - 1  # at the top of the continuation
    assert set(marks) <= set(columns)


TOP = (210 - 6) * MM  # the top of the columns (A4 landscape, 6 mm margins), from the foot
WIDTH = (297 - 2 * 6 - 3 * 3.5) / 4 * MM  # one column


def marks_of(drawn) -> list[list]:
    """The glyphs of every "continued" label drawn."""
    text = "".join(g.char for g in drawn)
    found, start = [], text.find("continued")
    while start != -1:
        found.append(drawn[start : start + len("continued")])
        start = text.find("continued", start + 1)
    return found


def assert_marks_inside_columns_over_no_code(pdf) -> int:
    """Every label lies inside its column (never in the page margin above it, never in the
    gap beside it) and covers no other glyph; returns how many labels were found."""
    drawn = [g for g in glyphs(pdf) if g.font]
    marks = marks_of(drawn)
    for mark in marks:
        left, bottom = min(g.box[0] for g in mark), min(g.box[1] for g in mark)
        right, top = max(g.box[2] for g in mark), max(g.box[3] for g in mark)
        page, column = column_of(mark[0])
        assert top <= TOP, (page, column, top, TOP)  # not above the column
        assert left >= LEFT + column * PITCH and right <= LEFT + column * PITCH + WIDTH
        for g in drawn:
            if g.page != page or any(g is m for m in mark):
                continue
            overlaps = g.box[0] < right and g.box[2] > left and g.box[1] < top and g.box[3] > bottom
            assert not overlaps, (g, g.box, (left, bottom, right, top))
    return len(marks)


def test_mark_of_a_continuation_whose_first_line_is_long_stays_in_the_column(tmp_path):
    """The first line of each continuation is a long one that wraps: its first row runs to
    the right edge, so the label sits beside the next row, inside the box. It used to go
    above the box, into the page margin over the column (found by a reviewer)."""
    long = "x = " + "+".join(["a"] * 24)  # 51 characters: wraps in the column
    code = "\n".join(long for _ in range(220))
    pdf = build(tmp_path, f"## Code\n\n```python\n{code}\n```\n", "--no-fit")
    assert assert_marks_inside_columns_over_no_code(pdf) >= 2


def test_mark_beside_the_first_line_with_room(tmp_path):
    """Lines of every length: each continuation's label is inside its column, clear of the
    code, whichever line starts it."""
    lengths = [44, 12, 47, 30, 46, 5, 41]
    code = "\n".join((f"v{n} = " + "b" * 60)[: lengths[n % len(lengths)]] for n in range(400))
    pdf = build(tmp_path, f"## Code\n\n```python\n{code}\n```\n", "--no-fit")
    assert assert_marks_inside_columns_over_no_code(pdf) >= 3


def test_split_tables_repeat_their_header_row(tmp_path):
    markdown_rows = "\n".join(f"| cmd{n} | what number {n} does |" for n in range(160))
    html_rows = "".join(f"<tr><td>raw{n}</td><td>row {n}</td></tr>" for n in range(160))
    source = (
        f"## Table\n\n| Command | Meaning |\n|---|---|\n{markdown_rows}\n\n"
        f"## Raw\n\n<table><tr><th>Rawhead</th><th>Other</th></tr>{html_rows}</table>\n"
    )
    pdf = build(tmp_path, source, "--no-fit")
    heads, raw_heads = words_by_column(pdf, "Command"), words_by_column(pdf, "Rawhead")
    rows, raw_rows = words_by_column(pdf, "cmd"), words_by_column(pdf, "raw")
    assert len(rows) >= 2 and len(raw_rows) >= 2
    for column, baselines in rows.items():
        assert len(heads[column]) == 1 and heads[column][0] > max(baselines), column
    for column, baselines in raw_rows.items():
        assert len(raw_heads[column]) == 1 and raw_heads[column][0] > max(baselines), column
    assert lines_of(glyphs(pdf))[0]  # the sheet has text


def test_header_row_made_only_from_a_first_row_of_header_cells():
    made = header_rows("<table><tbody><tr><th>A</th></tr><tr><td>1</td></tr></tbody></table>")
    assert (
        made
        == "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )
    for kept in (
        "<table><tr><td>a</td><th>b</th></tr></table>",
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><th>x</th></tr></tbody></table>",
    ):
        assert header_rows(kept) == kept
