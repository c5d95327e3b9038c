"""Paper, orientation, columns, themes, wrapping: what the user can set shows in the PDF."""

from __future__ import annotations

import itertools
import re

import pypdfium2 as pdfium
import pytest

from conftest import all_content, make_project, page_sizes, pdf_text, run_cli

LONG_LINE = (
    "result = some_function_name(argument_one, argument_two) + another.attribute.chain(x)" * 2
)
URL = "https://example.com/" + "a-very-long-path-segment/" * 8


NOTES = {
    "content/notes.md": f"""
            # Layout test

            ## Code

            ```python
            {LONG_LINE}
            ```

            ## Links

            See <{URL}> and [docs]({URL}).

            | Command | What it does | Example |
            |---|---|---|
            | `docker run` | runs a container from an image, pulling it first | `docker run -it ubuntu bash` |
            | `docker ps -a --format "table {{{{.ID}}}}"` | lists all containers | `docker ps` |

            ## Lists {{.wide}}

            - [x] done item
            - [ ] open item
            - ~~struck~~ text[^1]

            [^1]: A footnote.
            """,
}


@pytest.fixture()
def project(tmp_path):
    return make_project(tmp_path, NOTES)


@pytest.fixture(scope="module")
def default_build(tmp_path_factory):
    """The notes built once with every default (fitted, as a user gets them), for the tests
    that only read the PDF: Markdown features, links, colour."""
    root = make_project(tmp_path_factory.mktemp("layout"), NOTES)
    out = root / "default.pdf"
    result = run_cli("-C", root, "-o", out)
    assert result.code == 0, result.err
    return out


@pytest.mark.parametrize(
    ("paper", "orientation", "size"),
    [
        ("A4", "landscape", (841.89, 595.28)),
        ("A4", "portrait", (595.28, 841.89)),
        ("Letter", "landscape", (792, 612)),
        ("A3", "portrait", (841.89, 1190.55)),
        ("A5", "landscape", (595.28, 419.53)),
        ("Legal", "portrait", (612, 1008)),
    ],
)
def test_paper_and_orientation(project, paper, orientation, size):
    out = project / "out.pdf"  # not fitted: the paper size does not depend on the type size
    result = run_cli(
        "-C", project, "--paper", paper, "--orientation", orientation, "--columns", "2",
        "--no-fit", "-o", out,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert page_sizes(out)[0] == pytest.approx(size, abs=0.6)


def chars_outside(path, left_margin_pt=0.0):
    """Characters whose box leaves the page's printable area."""
    document = pdfium.PdfDocument(path)
    outside = []
    for page in document:
        width, _ = page.get_size()
        text = page.get_textpage()
        for index in range(text.count_chars()):
            left, bottom, right, _ = text.get_charbox(index)
            if right > width - 10 or left < 10 or bottom < 10:
                outside.append(text.get_text_range(index, 1))
    return outside


@pytest.mark.parametrize("columns", [1, 3, 6])
def test_long_code_and_urls_stay_inside_the_page(project, columns):
    out = project / "cols.pdf"
    result = run_cli("-C", project, "--columns", str(columns), "--font-size", "9", "-o", out)
    assert result.code == 0, result.err
    assert chars_outside(out) == []
    # The mark is a #888 bar (a border, drawn as a fill) beside the continuation rows.
    strokes = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:RG|rg)", all_content(out))
    assert (b"0.533333", b"0.533333", b"0.533333") in strokes or any(
        abs(float(r) - 0.533) < 0.01 and r == g == b for r, g, b in strokes
    ), "no continuation mark (#888) drawn"
    text = pdf_text(out)
    assert "another.attribute" in text.replace("\n", "")


def test_wrapped_code_lines_carry_a_continuation_mark(project, tmp_path):
    from cheatsheet.content import Section
    from cheatsheet.markdown import MarkdownRenderer

    section = Section("Code", "code", tmp_path / "x.md", 1, f"```python\n    {LONG_LINE}\n```\n")
    html = MarkdownRenderer().render(section).html
    assert '<span class="cl i4 w w170">' in html  # indentation as padding, length bucket
    assert "<wbr>" in html  # break opportunities between tokens
    from cheatsheet.markdown import wrap_mark_css

    css = wrap_mark_css(40)
    assert "pre .cl.w40::before" in css and "pre .cl.w170::before" in css
    assert "pre .cl.w20::before" not in css  # short lines never get the mark's machinery


def test_the_continuation_mark_is_a_hook_not_a_pipe(tmp_path):
    """A bare bar beside "| my_image:my_tag" read as a shell pipe: the mark runs down the
    continuation rows and turns into the last one (a foot at least 0.3 ch long)."""
    from test_typography import build

    line = "cat my_container.tar.gz | docker import - my_image:my_tag --message imported " * 2
    pdf = build(tmp_path, f"## Shell\n\n```bash\n{line}\n```\n", "--no-fit", "--font-size", "9")
    page, grey, scale = _mark_grey(pdf)
    text = page.get_textpage()
    code_left = min(
        text.get_charbox(i)[0]
        for i in range(text.count_chars())
        if text.get_text_range(i, 1) == "c"
    )
    ch = 9 * 0.92 * 0.6  # pt: one character of the code font at 9 pt
    band = grey[:, int((code_left + 0.2 * ch) * scale) : int((code_left + 1.5 * ch) * scale)]
    longest_row = max(_longest_run(row) for row in band)
    longest_column = max(_longest_run(column) for column in band.T)
    assert longest_column >= 9 * scale  # the bar: at least a row tall
    assert 0.3 * ch * scale <= longest_row <= 1.2 * ch * scale  # and its foot


def test_a_code_line_that_does_not_wrap_has_no_mark(tmp_path):
    """Lines long enough to perhaps wrap carry the mark's machinery; one that fits draws no
    foot under itself (the hook's foot is drawn even at zero height, so it is removed)."""
    from test_typography import build

    lines = "\n".join(f"L{n:02d} " + "x" * (n - 4) for n in range(30, 46))  # one column
    pdf = build(tmp_path, f"## Code\n\n```text\n{lines}\n```\n", "--no-fit", "--font-size", "9")
    page, grey, scale = _mark_grey(pdf)
    text = page.get_textpage()
    boxes = [text.get_charbox(i) for i in range(text.count_chars())]
    chars = [text.get_text_range(i, 1) for i in range(text.count_chars())]
    starts = [box[0] for box, ch in zip(boxes, chars, strict=True) if ch == "L"]
    code_left = min(starts)
    glyphs = sorted(
        ((box[1], box[0], char) for box, char in zip(boxes, chars, strict=True) if char in "Lx"),
        reverse=True,
    )  # top to bottom
    firsts: list[tuple[float, float, str]] = []  # per text row: (bottom, x, char) leftmost
    for bottom, x, char in glyphs:
        if firsts and abs(firsts[-1][0] - bottom) < 2:
            firsts[-1] = min(firsts[-1], (firsts[-1][0], x, char), key=lambda g: g[1])
        else:
            firsts.append((bottom, x, char))
    firsts = [char for _, _, char in firsts]
    wrapped = sum(1 for a, b in itertools.pairwise(firsts) if a == "L" and b != "L")
    assert wrapped > 0 and firsts.count("L") == 16  # some lines wrap, so the marks are on
    ch = 9 * 0.92 * 0.6
    band = grey[:, int((code_left + 0.2 * ch) * scale) : int((code_left + 1.5 * ch) * scale)]
    foot_rows = [_longest_run(row) >= 0.3 * ch * scale for row in band]
    feet = sum(1 for i, on in enumerate(foot_rows) if on and (i == 0 or not foot_rows[i - 1]))
    assert feet == wrapped


def _mark_grey(pdf):
    """The first page, where it is the continuation mark's #888 at 300 dpi, and the scale."""
    import numpy

    scale = 300 / 72
    page = pdfium.PdfDocument(str(pdf))[0]
    pixels = numpy.asarray(page.render(scale=scale).to_pil().convert("RGB")).astype(int)
    grey = (abs(pixels - 0x88).max(axis=2) <= 0x18) & (numpy.ptp(pixels, axis=2) <= 6)
    return page, grey, scale


def _longest_run(flags) -> int:
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def test_columns_out_of_range_is_an_error(project):
    result = run_cli("-C", project, "--columns", "7")
    assert result.code == 2
    assert "columns must be 1 to 6" in result.err


def test_ink_theme_uses_no_colour(project):
    out = project / "ink.pdf"
    result = run_cli("-C", project, "--theme", "ink", "--no-fit", "-o", out)
    assert result.code == 0, result.err
    image = pdfium.PdfDocument(out)[0].render(scale=1).to_pil().convert("RGB")
    colourful = sum(1 for r, g, b in image.get_flattened_data() if max(r, g, b) - min(r, g, b) > 40)
    assert colourful == 0


def test_default_theme_has_colour(default_build):
    image = pdfium.PdfDocument(default_build)[0].render(scale=1).to_pil().convert("RGB")
    colourful = sum(1 for r, g, b in image.get_flattened_data() if max(r, g, b) - min(r, g, b) > 40)
    assert colourful > 500


def test_user_theme_file_and_template_override(project):
    (project / "styles").mkdir()
    (project / "styles/mine.css").write_text("h2 { color: rgb(255, 0, 0); }")
    (project / "templates").mkdir()
    (project / "templates/sheet.html.j2").write_text(
        "<html><head><title>{{ title }}</title></head><body><p>CUSTOM TEMPLATE</p>"
        "<main class='sheet'>{% for s in sections %}{{ s.html }}{% endfor %}</main></body></html>"
    )
    out = project / "mine.pdf"
    result = run_cli("-C", project, "--theme", "mine", "-o", out)
    assert result.code == 0, result.err
    assert "CUSTOM TEMPLATE" in pdf_text(out)


def test_unknown_theme_lists_the_known_ones(project):
    result = run_cli("-C", project, "--theme", "inky")
    assert result.code == 2
    assert "unknown theme 'inky'" in result.err and "did you mean 'ink'" in result.err


def test_markdown_features_render(default_build):
    text = pdf_text(default_build)
    for fragment in ("☑", "☐", "done item", "A footnote.", "Command", "docker run"):
        assert fragment in text, fragment


def test_links_are_clickable(default_build):
    import pypdf

    uris = [
        annot.get_object()["/A"].get("/URI")
        for page in pypdf.PdfReader(default_build).pages
        for annot in page.get("/Annots", [])
        if "/A" in annot.get_object()
    ]
    assert URL in uris


def test_wide_section_spans_all_columns(tmp_path):
    cells = " | ".join(f"column {i} heading" for i in range(8))
    rule = "|".join("---" for _ in range(8))
    project = make_project(
        tmp_path,
        {
            "content/a.md": f"## Narrow\n\nsome text\n\n## Table {{.wide}}\n\n| {cells} |\n|{rule}|\n| {cells} |\n",
        },
    )
    out = tmp_path / "wide.pdf"
    assert run_cli("-C", project, "-o", out).code == 0
    page = pdfium.PdfDocument(out)[0]
    width, _ = page.get_size()
    text = page.get_textpage()
    xs = [
        text.get_charbox(i)[2]
        for i in range(text.count_chars())
        if text.get_text_range(i, 1) == "7"
    ]
    assert max(xs) > width * 0.6  # the eighth column sits far right of the first text column


def test_many_table_columns_get_smaller_type(tmp_path):
    from cheatsheet.content import Section
    from cheatsheet.markdown import MarkdownRenderer

    md = "| a | b | c | d | e | f |\n|---|---|---|---|---|---|\n| 1 | 2 | 3 | 4 | 5 | 6 |\n"
    html = MarkdownRenderer().render(Section("T", "t", tmp_path / "x.md", 1, md)).html
    assert '<table class="cols-6 rows-0">' in html
    long = md + "| 1 | 2 | 3 | 4 | 5 | 6 |\n" * 60
    html = MarkdownRenderer().render(Section("T", "t", tmp_path / "x.md", 1, long)).html
    assert '<table class="cols-6 rows-60">' in html  # row count bucket: may break if too tall


def test_read_only_output_location(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\ntext\n"})
    result = run_cli("-C", project, "-o", "/proc/sheet.pdf")  # a read-only file system
    assert result.code == 2
    assert "cannot write" in result.err or "writing failed" in result.err
    assert "Traceback" not in result.err
