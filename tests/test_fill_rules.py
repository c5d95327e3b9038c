"""Issue #14 item 2, the break rules that keep columns full, read back from the PDF per column:
long list items may break (two lines on each side), short ones stay whole; code blocks and
tables of 6-15 % of a column may break with three lines or rows on each side (a table
repeats its header), shorter ones move whole.

Each case sweeps the block across a column foot (a filler list one line shorter each time),
so whatever the exact line heights some layouts must split the block, and every split must
keep the rule."""

from __future__ import annotations

import contextlib
import io
import json

from test_split_blocks import words_by_column
from test_typography import build, glyphs

from cheatsheet import cli
from cheatsheet.pdf import item_lengths
from cheatsheet.sheetcss import long_item_css, medium_block_css

ARGS = ("--no-fit", "--font-size", "7.5", "--no-balance")
SWEEP = range(1, 9)  # lines of room left at the foot of the first column


def filler(count: int) -> str:
    return "\n".join("- filler" for _ in range(count)) + "\n\n"


def column_capacity(tmp_path) -> int:
    """How many one-line filler items the first column holds."""
    pdf = build(tmp_path, filler(200), *ARGS, name="capacity")
    return len(words_by_column(pdf, "filler")[(0, 0)])


def sweep(tmp_path, block: str, word: str) -> list[dict[tuple[int, int], list[float]]]:
    """Per layout of the sweep: the baselines of `word` per (page, column)."""
    capacity = column_capacity(tmp_path)
    found = []
    for room in SWEEP:
        pdf = build(tmp_path, filler(capacity - room) + block, *ARGS, name=f"room{room}")
        found.append(words_by_column(pdf, word))
    return found


def sides(columns: dict[tuple[int, int], list[float]]) -> list[int]:
    """Lines (distinct baselines) of the block in each column it occupies, in order."""
    return [len(set(columns[c])) for c in sorted(columns)]


def test_medium_code_block_breaks_with_three_lines_on_each_side(tmp_path):
    code = "\n".join(f"mid_{i} = run({i})" for i in range(8))  # about 13 % of a column
    layouts = sweep(tmp_path, f"```python\n{code}\n```\n", "mid_")
    split = [sides(c) for c in layouts if len(c) > 1]
    assert split, layouts  # some layouts break the block rather than move it whole
    for parts in split:
        assert sum(parts) == 8 and min(parts) >= 3, parts


def test_short_code_block_moves_whole(tmp_path):
    code = "\n".join(f"low_{i} = run({i})" for i in range(5))  # too short for 3 + 3
    layouts = sweep(tmp_path, f"```python\n{code}\n```\n", "low_")
    assert all(len(c) == 1 and sides(c) == [5] for c in layouts), layouts


def test_medium_table_breaks_between_rows_and_repeats_its_header(tmp_path):
    rows = "\n".join(f"| row{i} | cell |" for i in range(8))
    table = f"| Key | Meaning |\n|---|---|\n{rows}\n"
    layouts = sweep(tmp_path, table, "row")
    split = [c for c in layouts if len(c) > 1]
    assert split, layouts
    for columns in split:
        assert sum(sides(columns)) == 8 and min(sides(columns)) >= 3, columns
    # the header row is drawn again at the top of the continuation
    capacity = column_capacity(tmp_path)
    room = SWEEP[[len(c) > 1 for c in layouts].index(True)]
    pdf = build(tmp_path, filler(capacity - room) + table, *ARGS, name="header")
    header, body = words_by_column(pdf, "Meaning"), words_by_column(pdf, "row")
    assert sorted(header) == sorted(body)
    for column in body:
        assert min(header[column]) > max(body[column])  # above the rows (PDF y grows up)


LONG_ITEM = "- " + " ".join(f"long{i:02d} word" for i in range(60)) + "\n"  # about 8 lines
SHORT_ITEM = "- " + " ".join(f"tiny{i:02d} word" for i in range(18)) + "\n"  # about 3 lines


def test_long_list_item_breaks_with_two_lines_on_each_side(tmp_path):
    layouts = sweep(tmp_path, "Then.\n\n" + LONG_ITEM, "long")
    split = [sides(c) for c in layouts if len(c) > 1]
    assert split, layouts
    (total,) = {sum(sides(c)) for c in layouts}
    assert total >= 6
    for parts in split:
        assert min(parts) >= 2, parts


def test_short_list_item_stays_whole(tmp_path):
    layouts = sweep(tmp_path, "Then.\n\n" + SHORT_ITEM, "tiny")
    assert all(len(c) == 1 for c in layouts), layouts
    assert sides(layouts[0])[0] >= 3  # it is long enough that a split was possible


def test_short_last_item_never_starts_a_column_alone(tmp_path):
    """A one-line last item at a column top takes the item before it along."""
    items = "".join(f"- step{i} done\n" for i in range(6))
    layouts = sweep(tmp_path, "Then.\n\n" + items, "step")
    split = [sides(c) for c in layouts if len(c) > 1]
    assert split, layouts  # some layouts break the list
    for parts in split:
        assert sum(parts) == 6 and parts[-1] >= 2, parts


def test_short_last_item_never_starts_a_column_of_a_balanced_page_alone(tmp_path):
    """On the balanced last page a one-line last item at a column top takes the item before
    it along (git-cheat-sheet's last page had "• Enhance formatting" alone at the top of
    column 4). Without the rule the first two layouts of this sweep end 5 + 1."""
    items = "".join(f"- step{i} done\n" for i in range(6))
    layouts = []
    for shift in range(4):
        source = filler(40 + shift) + "Then.\n\n" + items + "\nAfter.\n\n" + filler(40)
        pdf = build(tmp_path, source, "--no-fit", "--font-size", "7.5", name=f"shift{shift}")
        layouts.append(sides(words_by_column(pdf, "step")))
    assert any(len(parts) > 1 for parts in layouts), layouts  # the list is broken
    for parts in layouts:
        assert sum(parts) == 6 and parts[-1] >= 2, layouts


def test_label_sits_closer_to_its_code_than_to_the_block_above(tmp_path):
    """A bold label or a plain short label right before a code block is set on it like an
    h4 on its text (0.1 em): the pair reads as one, and is a smaller unit to move at a
    column foot. Baselines from the PDF: label to its code, that code to the next label."""
    source = "".join(
        f"**Show thing {n}:**\n\n```\ngit thing{n}\n```\n\n"
        f"Label {n} here\n\n```\ngit other{n}\n```\n\n"
        for n in range(3)
    )
    pdf = build(tmp_path, source, *ARGS)
    baselines: list[tuple[float, str]] = []
    for g in glyphs(pdf):
        if g.font and (not baselines or abs(baselines[-1][0] - g.baseline) > 1):
            baselines.append((g.baseline, g.font))
    body = [(y, font) for y, font in baselines if "Mono" in font or "Sans" in font][1:]
    labels = [i for i, (_, font) in enumerate(body[:-1]) if "Mono" not in font]
    assert len(labels) == 6, body
    for i in labels:
        to_code = body[i][0] - body[i + 1][0]
        if i + 2 < len(body):  # the next label, after this one's code block
            assert body[i + 1][0] - body[i + 2][0] - to_code >= 1.2, body


def test_item_lengths_count_the_items_own_text():
    html = (
        "<ul><li>" + "a" * 120 + "<ul><li>short</li></ul></li>"
        '<li><a href="x">' + "b" * 60 + "</a> and <code>c</code></li></ul>"
    )
    classes = [part.split('"')[0] for part in item_lengths(html).split('<li class="chars-')[1:]]
    assert classes == ["100", "0", "50"]


def test_break_rules_select_only_the_sizes_in_range():
    css = medium_block_css("table", "tbody > tr", min_lines=4, movable_lines=12)
    assert "table.rows-5 { break-inside: auto; }" in css.replace(", table.rows-10", "")
    assert "table.rows-15" not in css and "table.rows-0" not in css
    assert "tbody > tr:nth-child(-n+2)" in css and "tbody > tr:nth-last-child(-n+2)" in css
    assert medium_block_css("pre", ".cl", min_lines=20, movable_lines=12) == ""
    rule = long_item_css(260)
    assert "li.chars-300" in rule and "li.chars-250" not in rule


def test_a_colon_lead_in_is_never_left_above_the_code_it_introduces(tmp_path):
    """Issue #14, item 5: "Verify images with a hashsum:" sat at a column foot of
    docker-cheat-sheet with its command at the top of the next page."""
    block = "Verify images with a hashsum:\n\n```sh\ndocker pull debian@sha256:a25306f3\n```\n"
    layouts_intro = sweep(tmp_path, block, "hashsum")
    layouts_code = sweep(tmp_path, block, "debian@")
    assert any(set(c) != {(0, 0)} for c in layouts_code)  # the sweep reaches the column foot
    for intro, code in zip(layouts_intro, layouts_code, strict=True):
        assert set(intro) == set(code), (intro, code)


def test_a_long_colon_lead_in_may_break_and_keeps_its_last_lines_with_the_list(tmp_path):
    """A 7-line paragraph ending in ":" before a list (docker-cheat-sheet-ru's "Очень важно
    ... время:") moved whole with its section bar and left 17 % of a column empty: a lead-in
    may break like any paragraph; its last lines stay with the list, and the preflight does
    not call the part left at the column foot stranded."""
    intro = " ".join(f"intro{i:02d} word" for i in range(40)) + " ends here:"
    block = f"{intro}\n\n- listed one\n- listed two\n"
    layouts_intro = sweep(tmp_path, block, "intro")
    layouts_list = sweep(tmp_path, block, "listed")
    assert any(len(c) > 1 for c in layouts_intro)  # the lead-in breaks at some column foot
    for intro_columns, list_columns in zip(layouts_intro, layouts_list, strict=True):
        assert max(intro_columns) == min(list_columns), (intro_columns, list_columns)
    capacity = column_capacity(tmp_path)
    room = SWEEP[[len(c) > 1 for c in layouts_intro].index(True)]
    source = tmp_path / "split.md"
    source.write_text(filler(capacity - room) + block, encoding="utf-8")
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(["-C", str(tmp_path), "--content", str(source), "-o",
                         str(tmp_path / "split.pdf"), "--report", "json", *ARGS])  # fmt: skip
    assert code == 0
    assert json.loads(out.getvalue())["stranded_pseudo_headings"] == []
