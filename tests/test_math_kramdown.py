"""kramdown/Jekyll maths: `$$` inline inside a paragraph and display when alone, one display
per `$$…$$` line; LaTeX constructs typeset right (checked by eye, pinned here) or warned."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from cheatsheet import formulas
from cheatsheet.content import Section
from cheatsheet.markdown import MarkdownRenderer


def render(text: str, caplog=None) -> str:
    section = Section("m", "m", Path("/tmp/maths.md"), 1, text)
    return MarkdownRenderer().render(section).html


def test_double_dollars_inside_a_paragraph_are_inline_maths():
    html = render("The mean $$\\mu = \\frac{1}{n}\\sum x_i$$ is unbiased.\n")
    assert "$" not in re.sub(r'alt="[^"]*"', "", html)
    assert "<p>The mean <img" in html and "math-display" not in html


def test_consecutive_display_lines_are_separate_formulas():
    html = render("$$a^2 + b^2 = c^2$$\n$$e^{i\\pi} + 1 = 0$$\n")
    assert html.count('class="math-display') == 2
    assert "$$" not in re.sub(r'alt="[^"]*"', "", html)


def test_display_block_alone_is_display():
    html = render("Text before.\n\n$$\n\\int_0^1 x\\,dx = \\tfrac12\n$$\n\nText after.\n")
    assert html.count('class="math-display') == 1


@pytest.mark.parametrize(
    ("latex", "expected"),
    [
        (r"a \not= b", r"\neq"),
        (r"a \bmod b", r"\mathrm{mod}"),
        (r"E = mc^2 \tag{1}", r"\qquad\text{(1)}"),
        (r"\operatorname*{arg\,max}_x f(x)", r"\underset{x}{\mathrm{arg\,max}}"),
        (r"\begin{rcases} a \\ b \end{rcases}", r"\right\}"),
        (r"\begin{dcases} a & x \end{dcases}", r"\begin{cases}"),
        (r"\begin{alignat}{2} a &= b \end{alignat}", r"\begin{aligned}"),
        (r"\genfrac{(}{)}{0pt}{}{n}{k}", r"\left(\begin{matrix}n\\k\end{matrix}\right)"),
        (r"\text{if $x > 0$ then}", r"\text{if }x > 0\text{ then}"),
        # inline, its fixed 2 em parentheses dwarfed a text-size n/k
        (r"{n \choose k}", r"\binom{n }{ k}"),
    ],
)
def test_constructs_ziamath_draws_wrongly_are_rewritten(latex, expected):
    assert expected in formulas.rewrite(latex)
    assert isinstance(formulas._typeset(latex, True), formulas.Formula)


@pytest.mark.parametrize(
    "latex",
    [r"a = b \\ c = d", r"\{ x \mid x > 0 \}", r"\_ \|"],
)
def test_constructs_ziamath_draws_right_as_written(latex):
    assert formulas.rewrite(latex) == latex
    assert isinstance(formulas._typeset(latex, True), formulas.Formula)


def test_array_rules_get_a_located_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        render("## A\n\ntext\n\n$$\\begin{array}{c|c} a & b \\\\ \\hline c & d \\end{array}$$\n")
    messages = [r.getMessage() for r in caplog.records]
    assert any("maths.md:5:" in m and "not drawn" in m for m in messages), messages


def test_unicode_the_maths_font_lacks_is_a_located_missing_glyph(caplog):
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        render("## A\n\nfine $x \\in ℝ$\n\nbad $xₓ + yᵧ$\n")
    messages = [r.getMessage() for r in caplog.records]
    missing = [m for m in messages if "missing glyph" in m]
    assert len(missing) == 1 and "maths.md:5:" in missing[0], messages
    assert "U+2093" in missing[0] and "U+1D67" in missing[0]


def test_formula_glyphs_are_checked_against_the_sheet_maths_font_and_counted(tmp_path):
    """Noto Sans Math (the face formulas are drawn with, not ziamath's STIX Two) lacks `ₓ`
    and even `é`: each formula using one is a missing glyph in the preflight, at its line."""
    import json

    from conftest import run_cli

    source = tmp_path / "maths.md"
    source.write_text("## A\n\nfine $x \\in ℝ$\n\nbad $xₓ$ and $\\text{café}$\n", encoding="utf-8")
    result = run_cli("--content", source, "--no-fit", "-o", tmp_path / "m.pdf", "--report", "json")
    assert result.code == 0, result.err
    found = [d for d in json.loads(result.out)["diagnostics"] if d["kind"] == "missing_glyphs"]
    assert [(d["file"].endswith("maths.md"), d["line"]) for d in found] == [(True, 5)] * 2, found
    assert "U+2093" in found[0]["message"] and "U+00E9" in found[1]["message"]
    assert all("missing glyph" in d["message"] for d in found)
    summary = run_cli("--content", source, "--no-fit", "-o", tmp_path / "m.pdf").out
    assert "warnings 2 (missing glyphs 2)" in summary, summary
