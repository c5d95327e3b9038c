"""GitHub-flavoured constructs authors hit daily, and the dialects around it (kramdown,
Obsidian, MkDocs): each through the real Markdown stage (`MarkdownRenderer.render`)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from cheatsheet.content import Section
from conftest import html_of, squash


def test_list_right_after_a_paragraph(renderer):
    html = squash(html_of(renderer, "Steps:\n- one\n- two\n"))
    assert "<p>Steps:</p><ul><li>one</li><li>two</li></ul>" in html


def test_items_nested_with_two_spaces(renderer):
    html = squash(html_of(renderer, "- a\n  - b\n    - c\n- d\n"))
    assert "<li>a<ul><li>b<ul><li>c</li></ul></li></ul></li><li>d</li>" in html


def test_fence_inside_a_list_item_then_the_next_item(renderer):
    html = squash(html_of(renderer, "1. install\n\n   ```sh\n   pip install x\n   ```\n2. run\n"))
    assert html.count("<li>") == 2
    assert "pip" in html and 'class="language-sh highlight"' in html
    assert re.search(r"<li>\s*(<p>)?run", html)


def test_fence_inside_a_block_quote(renderer):
    html = squash(html_of(renderer, "> ```python\n> x = 1\n> ```\n"))
    assert "<blockquote>" in html and 'class="language-python highlight"' in html


def test_fence_indented_with_closing_fence_indented_differently(renderer):
    html = squash(html_of(renderer, "  ```python\n  x = 1\n ```\n\nprose after\n"))
    assert 'class="language-python highlight"' in html
    assert "<p>prose after</p>" in html
    assert html.index("x</span>") < html.index("prose after")


def test_hashtag_is_not_a_heading(renderer):
    assert squash(html_of(renderer, "#hashtag at a line start\n")).startswith("<p>#hashtag")


@pytest.mark.parametrize("first", ["- item", "> quote"])
def test_rule_under_a_list_or_quote_line_is_not_a_heading(renderer, first):
    html = squash(html_of(renderer, f"{first}\n---\n"))
    assert "<h2" not in html and "<hr>" in html


@pytest.mark.parametrize("tag", ["div", "details"])
def test_markdown_inside_div_and_details(renderer, tag):
    summary = "<summary>More</summary>\n" if tag == "details" else ""
    html = html_of(renderer, f"<{tag}>\n{summary}\n**bold** and `code`\n\n</{tag}>\n")
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html


def test_backslash_at_line_end_breaks_the_line(renderer):
    html = html_of(renderer, "first\\\nsecond\n")
    assert re.search(r"first<br>\s*second", html)
    assert "\\" not in html


def test_escaped_pipe_inside_code_in_a_table(renderer):
    html = html_of(renderer, "| op | meaning |\n|---|---|\n| `a \\|\\| b` | or |\n")
    assert "<code>a || b</code>" in html


def test_angle_brackets_in_prose_are_kept_as_text(renderer):
    html = html_of(renderer, "git checkout <branch> -- <file.txt>, press <kbd>Ctrl</kbd>\n")
    assert "&lt;branch&gt;" in html and "&lt;file.txt&gt;" in html
    assert "<kbd>Ctrl</kbd>" in html


def test_mark_wiki_link_and_github_inline_math(renderer):
    html = html_of(renderer, "==key== see [[Other Note]] and [[Page|this]]; $`x^2`$ here\n")
    assert "<mark>key</mark>" in html
    assert '<span class="wikilink">Other Note</span>' in html
    assert '<span class="wikilink">this</span>' in html and "[[" not in html
    assert 'alt="x^2"' in html and "$" not in html


@pytest.mark.parametrize(
    ("source", "kind", "title"),
    [
        ("> [!NOTE]\n> Read this.\n", "note", "Note"),
        ("> [!WARNING]\n> Careful.\n", "warning", "Warning"),
        ("> [!tip] Shortcut\n> Use it.\n", "tip", "Shortcut"),
        ("> [!faq]- Folded question\n> Answer.\n", "question", "Folded question"),
        ('!!! danger "Stop"\n    Now.\n', "danger", "Stop"),
    ],
)
def test_callouts_are_boxes_with_a_title(renderer, source, kind, title):
    html = html_of(renderer, source)
    assert re.search(rf'<div class="admonition[^"]*\b{kind}\b', html), html
    assert f'<p class="admonition-title">{title}</p>' in html
    assert "[!" not in html and "<blockquote>" not in html


def test_kramdown_ial_is_applied_or_dropped_never_printed(renderer):
    html = html_of(renderer, 'Paragraph\n{: .lead}\n\n{: #orphan data-line="2"}\n\nNext\n')
    assert '<p class="lead">Paragraph</p>' in html
    assert "{:" not in html


def test_devhints_table_separator_rows_and_trailing_ial(renderer):
    table = "| a | b |\n|---|---|\n| c | d |\n|---|---|\n| e | f |\n{: .-shortcuts}\n"
    html = html_of(renderer, table)
    assert html.count("<tr>") == 3  # header + 2 data rows
    assert "---" not in html and "{:" not in html


def test_code_block_title_is_a_caption_and_hl_lines_are_marked(renderer):
    html = html_of(renderer, '```python title="app.py" hl_lines="2"\na = 1\nb = 2\n```\n')
    assert '<span class="filename">app.py</span>' in html
    assert 'class="hll"' in html


def test_mermaid_is_code_with_a_note_and_no_warning(renderer, caplog):
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        html = html_of(renderer, "```mermaid\ngraph TD; A-->B\n```\n")
    assert "diagram, not drawn" in html and "graph TD; A--&gt;B" in html
    assert not caplog.records


def test_group_heading_is_printed_above_the_section(renderer):
    section = Section("t", "t", Path("/tmp/n.md"), 1, "## Sub\n\ntext\n", group="Part Two")
    assert renderer.render(section).html.startswith('<h1 class="group">Part Two</h1>')


def test_item_after_a_continuation_paragraph_is_not_swallowed(renderer):
    html = squash(html_of(renderer, "- a\n- b\n\n  more about b\n- c\n"))
    assert html.count("<li>") == 3 and "more about b - c" not in html


# --------------------------------------------------- GFM spec conformance (issue #11)


def test_empty_list_item_stays_an_item(renderer):
    html = squash(html_of(renderer, "- foo\n-\n- bar\n"))
    assert "<ul><li>foo</li><li></li><li>bar</li></ul>" in html


def test_dash_alone_under_a_paragraph_is_still_a_heading_underline(renderer):
    assert "<h2" in html_of(renderer, "Foo\n-\n")


@pytest.mark.parametrize("info", ["", "python"])
def test_fence_left_open_runs_to_the_end_of_the_document(renderer, info):
    html = html_of(renderer, f"```{info}\nx = 1\n")
    assert "<p>" not in html and "<pre" in html
    assert "x = 1" in re.sub(r"<[^>]+>", "", html)


def test_every_ascii_punctuation_character_can_be_escaped(renderer):
    html = html_of(renderer, "\\%\\, \\/ \\: \\; \\? \\@ \\<br/>\n")
    assert "<p>%, / : ; ? @ &lt;br/&gt;</p>" in html


def test_trailing_spaces_break_the_line_and_leave_no_space_around_it(renderer):
    html = html_of(renderer, "foo       \n     bar\n\nbaz\\\n   qux\n")
    assert "foo<br>bar" in html.replace("<br />", "<br>").replace("<br>\n", "<br>")
    assert "baz<br>qux" in html.replace("<br />", "<br>").replace("<br>\n", "<br>")


def test_ordered_list_start_is_a_number(renderer):
    assert '<ol start="3"' in html_of(renderer, "003. ok\n")
    assert "start=" not in html_of(renderer, "01. ok\n")


def test_autolink_with_any_scheme_is_a_link(renderer):
    html = html_of(renderer, "<https://example.com/a?b=c> and <mailto:a@b.example>\n")
    assert '<a href="https://example.com/a?b=c">https://example.com/a?b=c</a>' in html
    assert '<a href="mailto:a@b.example">mailto:a@b.example</a>' in html
    # Not an autolink: a space inside.
    assert "<a" not in html_of(renderer, "<https://foo.bar/baz bim>\n")


@pytest.mark.parametrize(
    ("text", "href", "title"),
    [
        ('[a](https://x.org/u "t")', "https://x.org/u", "t"),
        ("[a](https://x.org/u 't')", "https://x.org/u", "t"),
        ("[a](https://x.org/u (t))", "https://x.org/u", "t"),
        ("[a](<https://x.org/my uri>)", "https://x.org/my%20uri", None),
        ("[a](https://en.wikipedia.org/wiki/Set_(mathematics))", "https://en.wikipedia.org/wiki/Set_(mathematics)", None),
        ("[a](https://x.org/foo\\)\\:)", "https://x.org/foo):", None),
        ('[a](https://x.org/u "say \\"hi\\"")', "https://x.org/u", 'say "hi"'),
    ],
)  # fmt: skip
def test_link_destinations_and_titles(renderer, text, href, title):
    from html.parser import HTMLParser
    from urllib.parse import unquote

    found: list[dict] = []
    parser = HTMLParser()
    parser.handle_starttag = lambda tag, attrs: tag == "a" and found.append(dict(attrs))
    parser.feed(html_of(renderer, text + "\n"))
    assert found and unquote(found[0]["href"]) == unquote(href)
    assert found[0].get("title") == title


def test_parentheses_holding_no_destination_are_not_a_link(renderer):
    html = html_of(renderer, "[link](https://x.org/my uri)\n")
    assert "[link](" in html and ">link</a>" not in html


@pytest.mark.parametrize(
    ("text", "code"),
    [("` a`", " a"), ("`  ``  `", " `` "), ("``\nfoo \n``", "foo "), ("`` `x` ``", "`x`")],
)
def test_code_span_keeps_its_spaces(renderer, text, code):
    assert f"<code>{code}</code>" in html_of(renderer, text + "\n")


def test_unmatched_backtick_run_is_literal(renderer):
    html = html_of(renderer, "```foo``\n")
    assert "<code>" not in html and "```foo``" in html


def test_inline_highlight_still_works(renderer):
    assert '<code class="' in html_of(renderer, "`#!python x = 1`\n")


def test_a_new_bullet_or_delimiter_starts_a_new_list(renderer):
    html = squash(html_of(renderer, "- a\n- b\n+ c\n\n1. x\n2. y\n3) z\n"))
    assert "<ul><li>a</li><li>b</li></ul><ul><li>c</li></ul>" in html
    assert (
        '<ol><li>x</li><li>y</li></ol><ol start="3" style="counter-reset: list-item 2"><li>z</li></ol>'
        in html
    )
    assert "\ue0d1" not in html


def test_parenthesis_ordered_list(renderer):
    html = squash(html_of(renderer, "10) foo\n    - bar\n"))
    assert (
        '<ol start="10" style="counter-reset: list-item 9"><li>foo<ul><li>bar</li></ul></li></ol>'
        in html
    )


def test_ten_digits_are_not_a_list_number(renderer):
    assert "<p>1234567890. not ok</p>" in html_of(renderer, "1234567890. not ok\n")


def test_loose_list_is_loose_throughout(renderer):
    html = squash(html_of(renderer, "- a\n- b\n\n- c\n"))
    assert "<ul><li><p>a</p></li><li><p>b</p></li><li><p>c</p></li></ul>" in html
    tight = squash(html_of(renderer, "- a\n- b\n- c\n"))
    assert "<ul><li>a</li><li>b</li><li>c</li></ul>" in tight


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("~~~~    ruby startline=3 $%@#$\ndef foo(x)\n~~~~~~~\n", "ruby"),
        ("```js copy\nx\n```\n", "js"),
        ('```python title="a.py"\nx\n```\n', "python"),
    ],
)
def test_fence_info_words_after_the_language_and_a_longer_closing_fence(renderer, text, language):
    html = html_of(renderer, text)
    assert f'class="language-{language} highlight"' in html and "<p>" not in html


def test_first_reference_definition_wins(renderer):
    text = "[foo]: https://one.example\n\n[foo]: https://two.example\n\n[bar][foo]\n"
    html = html_of(renderer, text)
    assert 'href="https://one.example"' in html and "two.example" not in html


def test_reference_definitions_do_not_leak_between_sections(renderer):
    html_of(renderer, "[leak]: https://one.example\n")
    assert "one.example" not in html_of(renderer, "[leak]\n")


# ------------------------------------------------------------------- HTML blocks (CommonMark)


def test_html_block_ends_at_a_blank_line_and_markdown_resumes(renderer):
    """A `<div>` line starts an HTML block, written as it is up to the blank line; Markdown
    after the blank line is Markdown again (GitHub), and `*x*` inside the block stays raw."""
    html = squash(html_of(renderer, "<div>\n*raw*\n\n*parsed*\n\n</div>\n"))
    assert re.fullmatch(r"<div>\s*\*raw\*\s*<p><em>parsed</em></p></div>", html), html


def test_html_block_kinds_end_at_their_end_marker(renderer):
    html = squash(html_of(renderer, "<pre>\n**kept**\n\n_as written_\n</pre>\n*after*\n"))
    assert "**kept**" in html and "_as written_" in html and "<em>after</em>" in html


def test_a_complete_inline_tag_alone_on_a_line_is_not_wrapped_in_a_paragraph(renderer):
    html = squash(html_of(renderer, "<del>\n*foo*\n</del>\n"))
    assert html.startswith("<del>") and "*foo*" in html and "<p>" not in html, html


def test_a_tag_left_open_on_its_line_is_text_not_a_block_that_vanishes(renderer):
    """CommonMark makes it an HTML block, which the sanitiser would then swallow whole."""
    html = squash(html_of(renderer, '<div id="foo"\n*hi*\n'))
    assert "&lt;div id=" in html and "<em>hi</em>" in html, html


def test_a_kind_7_tag_cannot_interrupt_a_paragraph(renderer):
    html = squash(html_of(renderer, 'Foo\n<a href="https://x.org">\nbaz\n'))
    assert html.startswith("<p>Foo") and "baz" in html and html.endswith("</p>"), html


def test_invalid_inline_tags_and_comments_stay_text(renderer):
    html = html_of(renderer, 'a <a h*#ref="hi"> b </a href="x"> c <!-- x -- y -->\n')
    assert "&lt;a h*#ref=" in html and "&lt;/a href=" in html and "&lt;!-- x" in html


def test_image_alt_is_the_plain_text_of_its_description(renderer):
    html = html_of(renderer, "![foo *bar* ![baz](b.png)](https://x.org/a.png)\n")
    assert 'alt="foo bar baz"' in html, html


# ---------------------------------------------------------------------------- list numbers


@pytest.mark.parametrize("theme", ["default", "ink", "boxed"])
def test_ordered_list_start_number_is_printed(tmp_path, theme):
    from conftest import pdf_text, run_cli

    source = tmp_path / "a.md"
    source.write_text("## Steps\n\n3. three\n4. four\n\nText.\n\n1. one\n", encoding="utf-8")
    out = tmp_path / "a.pdf"
    result = run_cli("--content", source, "--no-fit", "--theme", theme, "-o", out)
    assert result.code == 0, result.err
    markers = re.findall(r"\b(\d)\. ", pdf_text(out))
    assert markers == ["3", "4", "1"], markers


# ------------------------------------------------------- definitions, quotes, autolinks, refs


def test_heading_ending_in_a_backslash_keeps_it(renderer):
    assert squash(html_of(renderer, "### foo\\\n")).startswith('<h3 id="foo">foo\\</h3>')
    assert "<h2" in html_of(renderer, "Bar\\\n----\n")


def test_reference_definition_cannot_interrupt_a_paragraph_or_become_a_heading(renderer):
    assert "<p>[bar]</p>" in html_of(renderer, "Foo\n[bar]: https://x.org\n\n[bar]\n")
    html = squash(html_of(renderer, "[foo]: https://x.org\n===\n[foo]\n"))
    assert "<h1" not in html and '<a href="https://x.org">foo</a>' in html, html


def test_reference_definition_escapes_are_resolved(renderer):
    html = html_of(renderer, '[foo]\n\n[foo]: https://x.org/a\\*b "ti\\*tle"\n')
    assert 'href="https://x.org/a*b"' in html and 'title="ti*tle"' in html, html


def test_quotes_separated_by_a_blank_line_are_two_quotes(renderer):
    assert html_of(renderer, "> foo\n\n> bar\n").count("<blockquote>") == 2


def test_autolinks_take_no_backslash_escapes_and_emails_are_strict(renderer):
    html = html_of(renderer, "<https://x.org/\\[\\>\n")
    assert 'href="https://x.org/\\[\\"' in html, html
    html = html_of(renderer, "<foo\\+@bar.example.com> and <me@x.org>\n")
    assert "&lt;foo+@bar.example.com&gt;" in html and 'href="mailto:me@x.org"' in html, html
    assert "\x02" not in html  # no escape placeholder leaks into a link


def test_numeric_reference_with_too_many_digits_is_text(renderer):
    html = html_of(renderer, "&#987654321; &#35; &#x23;\n")
    assert "&amp;#987654321;" in html and "\ufffd" not in html
