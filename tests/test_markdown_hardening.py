"""Issue #12, the content/Markdown/formula/sanitiser parts: adversarial inputs finish fast
(bounded in CPU time, never wall-clock) or stop with a located error; links, spans, caches
and control characters cannot be used against the reader."""

from __future__ import annotations

import json
import logging
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cheatsheet import formulas
from cheatsheet.content import Section
from cheatsheet.markdown import MarkdownRenderer
from cheatsheet.sanitize import clean_html

CPU_SECONDS = 20  # generous: each case takes well under 5 s of CPU after the fixes


def cpu_bounded(code: str, seconds: int = CPU_SECONDS) -> subprocess.CompletedProcess:
    """Run `code` in a child whose CPU time is capped (SIGXCPU kills it past the bound)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        check=False,
    )


BUILD_STAGES = """
import logging, sys, time
from pathlib import Path
logging.disable(logging.WARNING)
from cheatsheet.content import load_content
from cheatsheet.errors import CheatsheetError
from cheatsheet.markdown import MarkdownRenderer
folder = Path({folder!r})
try:
    content = load_content(folder, ("a.md",))
    renderer = MarkdownRenderer()
    for section in content.sections:
        renderer.render(section)
    print("OK", len(content.sections), round(time.process_time(), 1))
except CheatsheetError as error:
    print("ERROR", error)
"""

ADVERSARIAL = {
    "atx-spaces": "# a" + " " * 8000 + "b\n\ntext\n",
    "atx-closing": "## x" + " #" * 20000 + " y\n\ntext\n",
    "fence-info": "## A\n\n```" + " " * 30000 + "`\n",
    "nesting-spaces": "## A\n\n" + " " * 30000 + "x\n",
    "attr-braces": "## Title " + "{" * 20000 + "\n\ntext\n",
    "footnote-brackets": "## A\n\n" + "[^" * 100_000 + "\n",
    "link-brackets": "## A\n\n" + "[" * 50_000 + "x\n",
    "div-open": "## A\n\n" + "<div" * 50_000 + "\n",
    "html-open-lines": "## A\n\n" + "<details\n" * 20_000,
    "headings": "".join(f"## H{i}\n\ntext\n\n" for i in range(20_000)),
    "unknown-fences": "## A\n\n"
    + "".join(f"```nosuchlang{i % 7}\nx\n```\n\n" for i in range(20_000)),
    "break-spaces": "## A\n\nx" + " " * 100_000 + "y\n",
    "autolink-scheme": "## A\n\n" + "<a" + "b" * 100_000 + "\n" + "<ab:" * 30_000 + "\n",
    "automail": "## A\n\n" + "<a" * 50_000 + "@" + "a" * 50_000 + "\n",
    "link-titles": "## A\n\n" + "[a](x (" * 30_000 + "\n\n" + "[a](<" * 30_000 + "\n",
    "link-destinations": "## A\n\n" + "[a](" + "b" * 100_000 + "[a](b" * 20_000 + "\n",
    "backtick-runs": "## A\n\n" + "``a`" * 40_000 + "\n",
    "formula": "## A\n\n$$" + "+".join(f"x_{{{i}}}" for i in range(10_000)) + "$$\n",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_input_finishes_or_stops_with_a_located_error(tmp_path, name):
    (tmp_path / "a.md").write_text(ADVERSARIAL[name], encoding="utf-8")
    code = BUILD_STAGES.format(folder=str(tmp_path))
    result = cpu_bounded(code)
    assert result.returncode == 0, (name, result.returncode, result.stderr[-500:])
    assert result.stdout.startswith(("OK", "ERROR")), result.stdout
    if result.stdout.startswith("ERROR"):
        assert "a.md:" in result.stdout  # located


def test_mojibake_example_is_linear_on_a_long_line():
    code = """
    from cheatsheet.decoding import first_difference
    old = "x" * 30000 + "Ã©" + "y" * 30000
    new = "x" * 30000 + "é" + "y" * 30000
    print(first_difference(old, new))
    """
    result = cpu_bounded(code, 5)
    assert result.returncode == 0 and "'Ã©' -> 'é'" in result.stdout, result.stderr


def test_colspan_and_rowspan_are_clamped():
    html = clean_html('<table><tr><td colspan="100000000" rowspan="99999999">x</td></tr></table>')
    assert 'colspan="100"' in html and 'rowspan="1000"' in html


def test_inline_elements_deeper_than_eight_levels_keep_their_text_not_their_tags():
    html = clean_html("<p>" + "<kbd>" * 20 + "x" + "</kbd>" * 20 + " <a href='#a>b'>y</a></p>")
    assert html.count("<kbd>") == html.count("</kbd>") == 8
    assert "x</kbd>" in html and '<a href="#a&gt;b">y</a>' in html
    shallow = "<p><a href='#s'><strong><em><code>z</code></em></strong></a></p>"
    assert clean_html(shallow) == shallow.replace("'", '"')


@pytest.mark.parametrize(
    "url",
    ["data:text/html,<b>x</b>", "javascript:alert(1)", "file:///etc/passwd", "notes/other.md",
     "../secret.txt", "//host/share"],
)  # fmt: skip
def test_unsafe_and_relative_links_are_dropped_with_a_located_warning(url, caplog):
    renderer = MarkdownRenderer()
    text = f"## A\n\nsafe [web](https://example.org) [top](#a)\n\nsee [this]({url}) now\n"
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        html = renderer.render(Section("a", "a", Path("/tmp/notes.md"), 10, text)).html
    assert 'href="https://example.org"' in html and 'href="#a"' in html
    assert url.split(":")[0] not in html.split("safe", 1)[1].split("now")[0].split(">this")[0]
    assert ">this</a>" in html  # the text stays
    messages = [r.getMessage() for r in caplog.records]
    assert any("notes.md:14:" in m and "left out of the PDF" in m for m in messages), messages


def test_escape_codes_in_a_fence_language_never_reach_the_terminal(tmp_path, caplog):
    from cheatsheet.content import load_content

    (tmp_path / "a.md").write_text("## A\n\n```py\x1b[31mthon\x07\nx\n```\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        load_content(tmp_path, ("a.md",))
    messages = "".join(r.getMessage() for r in caplog.records)
    assert "unknown code language" in messages
    assert "\x1b" not in messages and "\x07" not in messages and "\\x1b" in messages


def test_trojan_source_bidi_controls_warned_and_shown(tmp_path, caplog):
    from cheatsheet.content import load_content

    code = 'access = "user"\nif access != "user\u202e \u2066// admin\u2069 \u2066":\n'
    (tmp_path / "a.md").write_text(f"## A\n\n```python\n{code}```\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        content = load_content(tmp_path, ("a.md",))
        html = MarkdownRenderer().render(content.sections[0]).html
    messages = [r.getMessage() for r in caplog.records]
    assert any("a.md:5:" in m and "bidirectional" in m for m in messages), messages
    assert "⟦U+202E⟧" in html and "\u202e" not in html


@pytest.fixture
def disk_cache(tmp_path):
    saved = formulas.DISK_CACHE
    formulas.DISK_CACHE = tmp_path
    formulas.typeset.cache_clear()
    yield tmp_path
    formulas.DISK_CACHE = saved
    formulas.typeset.cache_clear()


def entry_path(latex: str, display: bool = False) -> Path:
    return formulas._cache_file(formulas.cache_key(latex, display))


def test_formula_cache_entry_is_verified_on_read(disk_cache):
    good = formulas.typeset("E=mc^2", False)
    other = formulas.typeset("E=mc^3", False)
    assert isinstance(good, formulas.Formula) and isinstance(other, formulas.Formula)
    path = entry_path("E=mc^2")
    assert json.loads(path.read_text())["key"] == formulas.cache_key("E=mc^2", False)
    # A committed entry from another formula, under this formula's file name.
    path.write_text(entry_path("E=mc^3").read_text())
    formulas.typeset.cache_clear()
    assert formulas.typeset("E=mc^2", False).svg == good.svg


@pytest.mark.parametrize(
    "damage",
    [{"width": 1e300}, {"width": "wide"}, {"height": -1}, {"svg": 42}, {"depth": float("nan")},
     {"svg": "<script>alert(1)</script>"}],
)  # fmt: skip
def test_damaged_formula_cache_entries_are_treated_as_missing(disk_cache, damage):
    fresh = formulas.typeset("a^2+b^2", True)
    path = entry_path("a^2+b^2", True)
    entry = json.loads(path.read_text())
    entry.update(damage)
    path.write_text(json.dumps(entry).replace("NaN", "NaN"))
    formulas.typeset.cache_clear()
    again = formulas.typeset("a^2+b^2", True)
    assert isinstance(again, formulas.Formula) and again == fresh
    assert json.loads(path.read_text())["width"] == fresh.width  # rewritten


def _cpu(function, *args) -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = usage.ru_utime + usage.ru_stime
    function(*args)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime - before


@pytest.mark.parametrize("stage", ["cells", "table sizes"])
def test_nested_unclosed_tables_cost_linear_time(stage):
    """3 000 nested tables (a fuzz input, with three paragraphs of marks after them) took 9 s
    of the Markdown stage: the inline-code pass over table cells ran from every `<td>` to
    the end of the text, and the table sizes copied the rest of the text for every table.
    Four times the tables must cost well under sixteen times the CPU (quadratic)."""
    from cheatsheet.markdown import _block_sizes
    from cheatsheet.typography import TypographyPostprocessor

    run = TypographyPostprocessor(None).run if stage == "cells" else _block_sizes
    closing = "" if stage == "cells" else "</td></tr></table>"  # unclosed, or closed

    def nested(count: int) -> str:
        return "<table><tr><td>" * count + " <code>a</code> x" * 20 + closing * count

    small, large = nested(1500), nested(6000)
    times = [min(_cpu(run, html) for _ in range(2)) for html in (small, large)]
    assert times[1] < 8 * max(times[0], 0.005), times


def test_table_sizes_count_each_table_s_own_rows_and_first_row():
    from cheatsheet.markdown import _block_sizes

    inner = "<table><tr><td>1</td></tr><tr><td>2</td></tr></table>"
    html = (
        "<table><thead><tr><th>a</th><th>b</th><th>c</th></tr></thead><tbody>"
        + "".join(
            f"<tr><td>{n}</td><td>{inner if n == 3 else n}</td><td>x</td></tr>" for n in range(7)
        )
        + "</tbody></table>"
    )
    sized = _block_sizes(html)
    assert sized.startswith('<table class="cols-3 rows-5">'), sized[:60]  # 8 rows: bucket 5
    assert '<table class="cols-1 rows-0">' in sized  # the nested one: 2 rows, 1 cell
