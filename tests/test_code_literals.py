"""A short string literal in inline code never breaks inside: the key `print("안녕하세요")`
of the Korean sample's refcard wrapped as `print("안녕하세` / `요")` (Japanese:
`print("こんにち` / `は")`, Greek: `print("Γεια` / `σου")`) at the sample project's 11 pt.
It now breaks after `print(`, before the literal. Read back from the PDF: the printed
lines."""

from __future__ import annotations

import pytest
from test_typography import SAMPLES, build, glyphs, lines_of

from cheatsheet.typography import code_breaks


@pytest.mark.parametrize(
    ("script", "word"),
    [("korean", "안녕하세요"), ("japanese", "こんにちは"), ("greek", "Γεια σου")],
)
def test_a_string_literal_in_a_refcard_key_stays_whole(tmp_path, script, word):
    pdf = build(tmp_path, SAMPLES / f"script-{script}.md", "--no-fit", "--font-size", "11")
    lines = lines_of(glyphs(pdf))
    assert any(line.startswith("print(") for line in lines), lines
    assert any(line.startswith(f'"{word}")') for line in lines), lines
    assert not any(line.startswith(f'{word.split()[-1][-1]}")') for line in lines), lines


def test_wide_runs_in_inline_code_keep_the_other_break_rules():
    assert code_breaks("print(&quot;안녕하세요&quot;)", 24) == (
        'print(<wbr>"<span class="nobr">안녕하세요</span>")'
    )
    # Long Latin parts still break after their punctuation; escapes stay escapes.
    assert code_breaks("os.path.join(&quot;数据&quot;,", 12).startswith("os.<wbr>path.<wbr>join(")
    assert code_breaks("&lt;a&gt;안녕", 24) == '&lt;a&gt;<wbr><span class="nobr">안녕</span>'
    # A long run (prose in code) may still break.
    assert 'nobr">字' not in code_breaks("x=" + "字" * 11, 24)


def test_short_quoted_strings_with_spaces_stay_whole():
    assert (
        code_breaks('print("Γεια σου")', 24) == 'print(<wbr><span class="nobr">"Γεια σου"</span>)'
    )
    assert code_breaks('"a" + "b c"', 24) == '"a" + <span class="nobr">"b c"</span>'
    assert code_breaks("don't 'x y'", 24) == "don't <span class=\"nobr\">'x y'</span>"
    # Longer than a cell's unbreakable token: breaks at its spaces as before.
    assert "nobr" not in code_breaks('echo "hello big world"', 24)
