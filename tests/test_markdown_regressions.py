"""Defects found by a visual review of the corpus PDFs, each pinned by a small input of our
own, run through the real Markdown stage (`MarkdownRenderer.render`) in-process."""

from __future__ import annotations

import re

import pytest

from conftest import html_of, squash


def code_blocks(html: str) -> list[str]:
    """The text of each code block, in order."""
    blocks = re.findall(r"<pre\b.*?</pre>", html, re.S)
    return [re.sub(r"<[^>]+>", "", block).strip() for block in blocks]


# ----------------------------------------------------- 1. a fence right after a block's line

# docker-cheat-sheet-ru.md: "- Для резервного копирования" then "```" on the next line.
FENCE_UNDER_ITEMS = """- Flatten an image
```
ID=$(docker run -d image)
```

- For backup
```
gzip -dc image.tgz
```

### Next

Intro line:

```
docker stats
```
"""


def test_fence_right_after_a_list_item_line_ends_the_list(renderer):
    html = html_of(renderer, FENCE_UNDER_ITEMS)
    assert "```" not in html
    assert code_blocks(html) == ["ID=$(docker run -d image)", "gzip -dc image.tgz", "docker stats"]
    flat = squash(html)
    assert "<li>Flatten an image</li></ul><div" in flat
    assert "<li>For backup</li></ul><div" in flat
    assert "<p>Intro line:</p><div" in flat


@pytest.mark.parametrize(
    "text",
    [
        "A paragraph line\n```\ncode here\n```\nafter\n",
        "> a quote line\n```\ncode here\n```\nafter\n",
        "A paragraph line\n   ```\n   code here\n   ```\nafter\n",
        "- item\n ```\n code here\n ```\nafter\n",
    ],
    ids=["paragraph", "quote", "indented-3", "item-indented-1"],
)
def test_fence_right_after_a_line_opens_a_code_block(renderer, text):
    html = html_of(renderer, text)
    assert code_blocks(html) == ["code here"]
    assert "```" not in html
    flat = squash(html)
    assert flat.index("code here") < flat.index("<p>after</p>")
    assert "<p></p>" not in flat


def test_fence_left_of_a_nested_item_belongs_to_the_outer_item(renderer):
    flat = squash(html_of(renderer, "- a\n  - b\n  ```\n  code\n  ```\n- c\n"))
    assert re.search(r"<li><p>a</p><ul><li>b</li></ul><div[^>]*><pre", flat)
    assert flat.count("<li") == 3


def test_fence_at_an_items_content_column_stays_in_a_tight_item(renderer):
    flat = squash(html_of(renderer, "- a\n  ```\n  code\n  ```\n- c\n"))
    assert re.search(r"<li>a\s*<div[^>]*><pre", flat) and "<li>c</li>" in flat


@pytest.mark.parametrize(
    "text",
    [
        "- a\n\n  b\n  ```\n  code\n  ```\n  after\n- c\n",  # a loose item
        "> quote\n> ```\n> code\n> ```\n> after\n",
        # git-cheat-sheet.md: a bold label, then a fence with a language, 60 times
        "**Show configuration:**\n```bash\ncode\n```\nafter\n",
    ],
    ids=["loose-item", "quote", "label-then-bash-fence"],
)
def test_no_code_block_inside_a_paragraph_and_no_empty_paragraph(renderer, text):
    """The block used to sit inside `<p>`, which the sanitiser split, leaving `<p></p>`."""
    flat = squash(html_of(renderer, text))
    assert "<p></p>" not in flat
    assert not re.search(r"<p>[^<]*<div", flat)
    assert code_blocks(flat) == ["code"]
    assert "<p>after</p>" in flat


# ------------------------------------------------------- 2. dollars of shells and templates


@pytest.mark.parametrize(
    "text",
    [
        "{{range $p, $conf := .NetworkSettings.Ports}} {{$p}} -> {{(index $conf 0).HostPort}}",
        "echo $HOME/$USER done",
        "from $5 to $10",
    ],
)
def test_shell_and_template_dollars_are_not_maths(renderer, text):
    html = html_of(renderer, text)
    assert 'class="math"' not in html and "math-error" not in html
    assert "$" in html


def test_real_inline_maths_still_typesets(renderer):
    html = html_of(renderer, "Let $x$ and $\\frac{a}{b}$, $\\{a\\}$ and $x$の値, then $HOME/$USER.")
    assert html.count('class="math"') == 4
    assert "$HOME/$USER" in html


# ------------------------------------------------------------ 3. carets in CJK prose


def test_caret_hat_in_japanese_prose_is_not_a_superscript(renderer):
    # cs229-probability-ja.md, item 49
    html = html_of(renderer, "偏り(Bias) - 推定量^θの偏りは^θのの分布の期待値です。")
    assert "<sup>" not in html
    assert "推定量^θの偏りは^θのの分布" in html


@pytest.mark.parametrize("text", ["start ^ab^c end", "x^2^y"])
def test_caret_closing_into_a_letter_is_text(renderer, text):
    html = html_of(renderer, text)
    assert "<sup>" not in html and text in html


def test_superscripts_still_work(renderer):
    flat = squash(html_of(renderer, "x^2^ and a^n+1^, e^*x*^ y[^1]\n\n[^1]: note\n"))
    assert "x<sup>2</sup> and a<sup>n+1</sup>, e<sup><em>x</em></sup> y" in flat
    assert re.search(r'<sup id="fnref[^"]*"><a class="footnote-ref"', flat)


# ------------------------------------------------------------------ 4. formula spacing


def _width(latex: str) -> float:
    from cheatsheet import formulas

    result = formulas.typeset(latex, False)
    assert isinstance(result, formulas.Formula), result
    return result.width


@pytest.mark.parametrize(
    ("latex", "space"),
    [("a \\iff b", 0.9), ("a \\perp b", 0.45), ("a \\cap b", 0.35), ("a \\implies b", 0.9)],
)
def test_operators_have_tex_spacing(latex, space):
    """Space on both sides together, in em: `\\iff` is a relation with `\\;` more each side."""
    operator = latex.split()[1]
    gap = _width(latex) - _width("a b") - _width(operator)
    assert gap >= space


def test_choose_is_drawn_like_binom():
    from cheatsheet import formulas

    assert formulas.rewrite("{n \\choose k} + {n-1 \\choose k}") == (
        "\\binom{n }{ k} + \\binom{n-1 }{ k}"
    )
    choose, binom = (formulas.typeset(t, False) for t in ("{n \\choose k}", "\\binom{n}{k}"))
    assert choose.height == pytest.approx(binom.height, abs=0.01)
    assert choose.width == pytest.approx(binom.width, abs=0.01)
