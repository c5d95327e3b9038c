"""Each preflight detector fires on a crafted page that has the defect, and stays quiet without it."""

from __future__ import annotations

import json

import pytest
from weasyprint import HTML

from cheatsheet.preflight import inspect
from conftest import make_project, run_cli

PAGE = "@page { size: 120mm 80mm; margin: 5mm } body { margin: 0; font: 9pt sans-serif }"
SHEET = ".sheet { column-count: 2; column-gap: 4mm; column-fill: auto }"


def layout(body: str, css: str = "") -> object:
    html = f"<style>{PAGE} {SHEET} {css}</style><main class='sheet'>{body}</main>"
    return HTML(string=html).render()


def report_of(body: str, css: str = "", **kw):
    return inspect(layout(body, css), paper="test", columns=2, font_size=9, **kw)


SPACER = "<div style='height: 58mm'></div>"  # leaves ~2 lines at the foot of column 1


def test_overflow_detected_and_not():
    long_word = "x" * 120
    bad = report_of(f"<section id='s'><p style='white-space: nowrap'>{long_word}</p></section>")
    assert [p.section for p in bad.overflow] == ["s"]
    assert "xxxx" in bad.overflow[0].text
    good = report_of(
        f"<section id='s'><p style='overflow-wrap: anywhere'>{long_word}</p></section>"
    )
    assert good.overflow == []


def test_orphaned_heading_detected_and_not():
    body = (
        f"<section id='s'>{SPACER}<h3 style='break-after: {{}}'>Stranded</h3>"
        "<p>first line of its content</p><p>more</p></section>"
    )
    bad = report_of(body.format("auto"))
    assert [p.text for p in bad.orphaned_headings] == ["Stranded"]
    good = report_of(body.format("avoid"))
    assert good.orphaned_headings == []


def test_heading_ending_the_sheet_is_not_an_orphan():
    assert report_of("<section id='s'><h3>Last</h3></section>").orphaned_headings == []


def test_split_block_detected_and_not():
    # Two lines (about a tenth of the column) split though moving them whole wastes little.
    body = (
        f"<section id='s'>{SPACER}<div style='height: 7mm'></div>"
        "<pre style='break-inside: {}; margin: 0; orphans: 1; widows: 1'>one\ntwo</pre></section>"
    )
    bad = report_of(body.format("auto"))
    assert len(bad.split_blocks) == 1 and "pre in 2 pieces" in bad.split_blocks[0].detail
    assert report_of(body.format("avoid")).split_blocks == []


def test_tall_block_may_break_to_keep_columns_full():
    # Eight lines (well over 15 % of the column) may break: moving them would waste room.
    lines = "\n".join(f"line {i}" for i in range(8))
    body = f"<section id='s'>{SPACER}<pre style='margin: 0'>{lines}</pre></section>"
    assert report_of(body).split_blocks == []


def test_block_taller_than_a_column_is_not_reported():
    lines = "\n".join(f"line {i}" for i in range(60))
    assert report_of(f"<section id='s'><pre>{lines}</pre></section>").split_blocks == []


def test_tiny_type_detected_and_not():
    body = "<section id='s'><p>normal <span style='font-size: 4pt'>tiny</span></p></section>"
    bad = report_of(body, min_type_pt=5)
    assert [(p.section, p.text) for p in bad.tiny_type] == [("s", "4.0 pt")]
    assert report_of(body.replace("4pt", "6pt"), min_type_pt=5).tiny_type == []


def test_missing_glyph_named_with_its_section(tmp_path):
    project = make_project(
        tmp_path, {"content/a.md": "## Hieroglyphs\n\nThe sign 𓀀 is here.\n\n## Plain\n\ntext\n"}
    )
    result = run_cli("-C", project, "--report", "json")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert [(p["text"], p["section"]) for p in report["missing_glyphs"]] == [("𓀀", "hieroglyphs")]
    assert report["ok"] is False


def test_strict_turns_defects_into_an_exit_code(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\nThe sign 𓀀.\n"})
    assert run_cli("-C", project).code == 0
    result = run_cli("-C", project, "--strict")
    assert result.code == 3
    assert "missing glyphs: section 'a'" in result.err


def test_tiny_type_floor_from_the_cli(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"})
    result = run_cli(
        "-C", project, "--font-size", "7", "--min-type-size", "6.5", "--report", "json"
    )
    report = json.loads(result.out)
    assert report["tiny_type"] and report["tiny_type"][0]["section"] == "a"


def test_seed_report_is_clean(seed_pdf):
    _, run = seed_pdf
    assert run.out.splitlines()[1].endswith("; no defects")  # only findings are listed


@pytest.mark.parametrize("columns", [1, 4])
def test_fill_measures_the_last_page(columns):
    css = f".sheet {{ column-count: {columns} }}"
    half = "<div style='height: 30mm'></div>" if columns == 1 else SPACER
    report = inspect(
        layout(f"<section id='s'>{half}</section>", css), paper="t", columns=columns, font_size=9
    )
    expected = 30 / 70 if columns == 1 else 58 / 70 / 4
    assert report.fill == pytest.approx(expected, abs=0.05)
