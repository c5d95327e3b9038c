"""Typesetting, read back from the PDF: the face of sample characters in every script,
hyphens from the body font, Korean words kept whole, code wrapped where a person would,
tables that fit, refcards, the maths face, the footer's distance from the trim edge."""

from __future__ import annotations

import contextlib
import ctypes
import io
import itertools
import re
import textwrap
from pathlib import Path

import markdown
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from cheatsheet import cli, codewrap, mathfont, refcard, scripts, typography
from cheatsheet.markdown import EXTENSION_CONFIGS, EXTENSIONS
from conftest import ROOT

SAMPLES = ROOT / "tests" / "samples"
MM = 72 / 25.4


def build(tmp_path: Path, source: str | Path, *args: str, name: str = "sheet") -> Path:
    """Build one Markdown file in-process with the CLI's entry point; return the PDF."""
    if isinstance(source, str):
        path = tmp_path / f"{name}.md"
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    else:
        path = source
    pdf = tmp_path / f"{name}.pdf"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli.main(["-C", str(tmp_path), "--content", str(path), "-o", str(pdf), *args])
    assert code == 0, err.getvalue()
    return pdf


class Glyph:
    """One character as drawn: its text, font name, box (left, bottom, right, top) and
    baseline height, in PDF points from the page's bottom left."""

    def __init__(self, char: str, font: str, box: tuple, baseline: float, page: int):
        self.char, self.font, self.box, self.baseline, self.page = char, font, box, baseline, page

    def __repr__(self) -> str:
        return f"{self.char!r}@{self.font}"


def glyphs(pdf: Path) -> list[Glyph]:
    document = pdfium.PdfDocument(str(pdf))
    result = []
    try:
        for number, page in enumerate(document):
            text = page.get_textpage()
            buffer = ctypes.create_string_buffer(256)
            flags = ctypes.c_int()
            x, y = ctypes.c_double(), ctypes.c_double()
            for index in range(pdfium_c.FPDFText_CountChars(text)):
                char = chr(pdfium_c.FPDFText_GetUnicode(text, index))
                size = pdfium_c.FPDFText_GetFontInfo(text, index, buffer, 256, ctypes.byref(flags))
                font = buffer.value.decode("latin-1").split("+")[-1] if size else ""
                pdfium_c.FPDFText_GetCharOrigin(text, index, ctypes.byref(x), ctypes.byref(y))
                box = text.get_charbox(index)
                result.append(Glyph(char, font, box, round(y.value, 1), number))
    finally:
        document.close()
    return result


def fonts_of(drawn: list[Glyph], chars: str) -> set[str]:
    return {g.font for g in drawn if g.char in chars}


def lines_of(drawn: list[Glyph], page: int = 0) -> list[str]:
    """The page's printed lines in reading order: pdfium's text order, cut where the
    baseline moves (pdfium's own line breaks also fall between runs of one line)."""
    lines: list[str] = []
    text, baseline = "", None
    for glyph in drawn:
        if glyph.page != page or glyph.char in "\r\n":
            continue
        if not glyph.font:  # a space pdfium inferred from a gap
            text += " " if glyph.char.isspace() else ""
            continue
        if baseline is not None and abs(glyph.baseline - baseline) > 1:
            lines.append(text)
            text = ""
        text, baseline = text + glyph.char, glyph.baseline
    lines.append(text)
    return [" ".join(line.split()) for line in lines if line.strip()]


def page_text(pdf: Path) -> list[str]:
    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def prose_only(markdown_text: str) -> str:
    """The sample without its code: every glyph left is prose (or the title block)."""
    without_blocks = re.sub(r"```.*?```", "", markdown_text, flags=re.DOTALL)
    return re.sub(r"`[^`]*`", "", without_blocks)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, list[Glyph]]:
    """Every per-script sample's prose, built once at 7.5 pt in four columns (no fitting)."""
    folder = tmp_path_factory.mktemp("samples")
    drawn = {}
    for path in sorted(SAMPLES.glob("script-*.md")):
        script = path.stem.removeprefix("script-")
        prose = folder / path.name
        prose.write_text(prose_only(path.read_text(encoding="utf-8")), encoding="utf-8")
        pdf = build(folder, prose, "--no-fit", "--font-size", "7.5", name=script)
        drawn[script] = glyphs(pdf)
    return drawn


@pytest.fixture(scope="module")
def code_samples(tmp_path_factory) -> dict[str, list[Glyph]]:
    """The code blocks of three samples (Arabic, Russian, Greek) with their comments."""
    folder = tmp_path_factory.mktemp("code")
    drawn = {}
    for script in ("arabic", "russian", "greek"):
        text = (SAMPLES / f"script-{script}.md").read_text(encoding="utf-8")
        blocks = "\n\n".join(re.findall(r"```.*?```", text, flags=re.DOTALL))
        pdf = build(folder, f"## Code\n\n{blocks}\n", "--no-fit", name=script)
        drawn[script] = glyphs(pdf)
    return drawn


# ---- 1. a face for every script --------------------------------------------------------

FACES = {
    # sample: (characters of its prose, the font they must be drawn in)
    "arabic": ("بايثونلغةبرمجة", "Sheet-Naskh"),
    "hebrew": ("גיטהיאמערכת", "Sheet-Hebrew"),
    "devanagari": ("पायथनएकउचचसतरय", "Sheet-Devanagari"),
    "korean": ("파이썬은읽기쉽고", "Noto-Sans-CJK-KR"),
    "japanese": ("読みやすく学びやすいです", "Noto-Sans-CJK-JP"),
    "chinese": ("是一种易于阅读和学习的高级编程语言", "Noto-Sans-CJK-SC"),
    "russian": ("Контейнеризацияпозволяет", "Sheet-Sans"),
    "greek": ("Ηείναιμιαγλώσσα", "Sheet-Sans"),
}


@pytest.mark.parametrize("script", sorted(FACES))
def test_each_script_is_drawn_in_its_own_face(samples, script):
    chars, face = FACES[script]
    fonts = fonts_of(samples[script], chars)
    assert fonts, f"no {script} characters found"
    # Regular and bold of the face only: never the code font, never another script's face.
    assert all(font.startswith(face) for font in fonts), fonts


def test_japanese_kanji_use_the_japanese_face_and_chinese_the_chinese_one(samples):
    assert fonts_of(samples["japanese"], "統計確率") <= {
        "Noto-Sans-CJK-JP",
        "Noto-Sans-CJK-JP-Bold",
    }
    assert fonts_of(samples["chinese"], "语言列表") <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold"}


def test_code_comments_are_italic_and_in_the_code_face(code_samples):
    # "Sheet-Mono-Italic" is how WeasyPrint names the shipped DejaVu Sans Mono Oblique file
    # (a slanted Regular would be "Sheet-Mono-Oblique").
    assert fonts_of(code_samples["russian"], "базовыйобраз") == {"Sheet-Mono-Italic"}
    assert fonts_of(code_samples["greek"], "λίστακεραίων") == {"Sheet-Mono-Italic"}


def test_arabic_in_code_joins_its_letters(code_samples):
    """DejaVu Sans Mono has Arabic letters but does not join them: code uses the Naskh."""
    fonts = fonts_of(code_samples["arabic"], "قائمةأعداد")
    assert fonts and all(font.startswith("Sheet-Code-Scripts") for font in fonts), fonts


def test_prose_is_never_drawn_in_the_code_font(samples):
    for script, (chars, _) in FACES.items():
        assert not any("Mono" in f for f in fonts_of(samples[script], chars)), script


def test_russian_is_hyphenated_with_the_body_fonts_hyphen(tmp_path):
    pdf = build(
        tmp_path,
        """
        ## Основы

        Контейнеризация позволяет упаковывать приложения вместе со всеми зависимостями
        в переносимые образы. Оркестрация, масштабирование и непрерывная интеграция
        становятся значительно проще благодаря контейнеризации и автоматизации.
        """,
        "--no-fit",
        "--font-size",
        "9",
        "--columns",
        "5",
    )
    drawn = glyphs(pdf)
    # pdfium reports a hyphen it sees at a line end as U+0002.
    hyphens = [g for g in drawn if g.char in "\x02-\u2010"]
    assert len(hyphens) >= 2, lines_of(drawn)
    assert {g.font for g in hyphens} == {"Sheet-Sans-Condensed"}
    assert not any(g.char == "\u2010" for g in drawn)


def test_language_detection():
    assert scripts.language_of("Привет, как дела у вас") == "ru"
    assert scripts.language_of("これは日本語です") == "ja"
    assert scripts.language_of("这是中文的句子") == "zh"
    assert scripts.language_of("한국어 문장입니다") == "ko"
    assert scripts.language_of("سلام چطوری") == "fa"
    assert scripts.language_of("hello world") is None
    # Front matter and a configured language win; code does not count as prose.
    assert scripts.sheet_language("de", "en", "Привет " * 30) == "de"
    assert scripts.sheet_language(None, "en", "```\n" + "Привет " * 30 + "\n```\nhello") == "en"
    assert scripts.sheet_language(None, "en", "Привет мир " * 5) == "ru"


def test_korean_breaks_between_words_only(samples):
    """Every line of the Korean prose ends at the end of a word of the source."""
    source = " ".join((SAMPLES / "script-korean.md").read_text(encoding="utf-8").split())
    korean_lines = [
        line
        for line in lines_of(samples["korean"])
        if re.search("[가-힣]{2}", line) and not re.search(r"\d{4}-\d\d", line)
    ]
    assert len(korean_lines) > 4
    for line, following in itertools.pairwise(korean_lines):
        # Where a line was cut the source has a space: glued, the two ends are not in it.
        assert f"{line[-2:]}{following[:2]}" not in source, (line, following)


def test_arabic_sheet_reads_right_to_left(tmp_path):
    html = markdown.markdown(
        "مرحبا بالعالم، هذا نص عربي", extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
    )
    assert 'lang="ar"' in html and 'dir="rtl"' in html


# ---- 3. code wrapping ----------------------------------------------------------------


def test_code_never_breaks_before_closing_punctuation_or_inside_numbers():
    assert not codewrap._may_break("foo", ")")
    assert not codewrap._may_break("x", "):")
    assert not codewrap._may_break("a", ",")
    assert not codewrap._may_break("10.0", ".1")
    assert not codewrap._may_break("obj", ".method")
    assert not codewrap._may_break("print", "(")
    assert codewrap._may_break("(", "argument")
    assert codewrap._may_break(" ", "value")


def test_long_code_lines_wrap_like_a_person_would(tmp_path):
    pdf = build(
        tmp_path,
        """
        ## Code

        ```python
        result = some_function_name(first_argument, second_argument, third_argument, fourth):
        connect("10.0.0.1", 8080, timeout=30.25, retries=3, backoff=1.5, name="server")
        ```
        """,
        "--no-fit",
        "--font-size",
        "9",
        "--columns",
        "5",
    )
    lines = lines_of(glyphs(pdf))[2:]  # after the title and the heading
    assert len(lines) >= 5, lines  # it did wrap
    for line in lines:
        assert line not in ("):", ")", ",", ":", "),", "("), lines
        assert not line.startswith((")", ",", ".", ":")), lines
    assert lines[0].endswith("some_function_name("), lines
    assert any(line.startswith('connect("10.0.0.1", 8080,') for line in lines), lines
    assert any("30.25" in line for line in lines)


def test_aligned_blocks_shrink_instead_of_wrapping(tmp_path):
    table = "\n".join(
        f"{name:<18}{value:<18}{note}"
        for name, value, note in [
            ("Name", "Default", "What it does"),
            ("max_connections", "100", "pool size per worker"),
            ("timeout_seconds", "30", "before a request fails"),
        ]
    )
    plain = "print('a normal code block that is long enough to wrap in the column')"
    source = f"## Settings\n\n```text\n{table}\n```\n\n```python\n{plain}\n```\n"
    pdf = build(tmp_path, source, "--no-fit", "--font-size", "9", "--columns", "4")
    drawn = glyphs(pdf)
    lines = lines_of(drawn)
    assert "Name Default What it does" in [" ".join(line.split()) for line in lines], lines
    assert any(line.startswith("max_connections") and "worker" in line for line in lines)

    heights = {
        round(g.box[3] - g.box[1], 2) for g in drawn if g.char == "o" and g.font == "Sheet-Mono"
    }
    assert len(heights) == 2 and min(heights) < 0.8 * max(heights)  # the aligned block shrank


def test_art_detection():
    assert codewrap._is_art(["┌──┐", "│ab│", "└──┘"])
    assert codewrap._is_art(["+-----+-----+", "| a   | b   |", "+-----+-----+"])
    assert not codewrap._is_art(["def f(x):", "    return x + 1"])
    code = ["import torch", "for i in range(n):", '    print(f"├── {i}")', "done()", "x = 1"]
    assert not codewrap._is_art(code)  # one drawing character printed by code


# ---- 4. tables ---------------------------------------------------------------------------


def test_table_cells_never_break_short_words_and_stay_on_the_page(tmp_path):
    # The emoji sheet's layout: short links beside long code in six columns.
    rows = "\n".join(
        f"| [top](#a) | :yum: | `:stuck_out_tongue_winking_eye_{n}:` | :zany_face: "
        f"| `:money_mouth_face_and_more_{n}:` | [top](#b) |"
        for n in range(8)
    )
    pdf = build(
        tmp_path,
        f"""
        ## Processes

        | | ico | shortcode | ico | shortcode | |
        | - | :-: | - | :-: | - | - |
        {rows}
        """,
        "--no-fit",
    )
    text = page_text(pdf)[0].replace("\r", "")
    assert text.count("top") >= 2 * 8  # both links whole in every row
    assert "\nop" not in text and "to\n" not in text
    width = pdfium.PdfDocument(str(pdf))[0].get_width()
    assert max(g.box[2] for g in glyphs(pdf)) <= width - 5 * MM


def test_long_tokens_get_break_points_after_punctuation_only():
    assert typography._split_after_punctuation("3.14159") == ["3.14159"]
    assert typography._split_after_punctuation("a/b_c") == ["a/", "b_", "c"]
    assert typography._split_after_punctuation("--no-cache-dir") == ["--no-", "cache-", "dir"]
    assert "<wbr>" not in typography.code_breaks("top", typography.LONG_TOKEN)
    assert '<span class="nobr">--cask</span>' in typography.code_breaks(
        "brew install --cask", typography.PROSE_TOKEN
    )


# ---- 6. maths ---------------------------------------------------------------------------


def test_maths_face_has_a_math_table_and_matrices_get_room():
    from fontTools.ttLib import TTFont

    assert "MATH" in TTFont(mathfont.FONT)
    spaced = mathfont.drawing(r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", 20, True, "#000", 0)
    import ziamath

    plain = ziamath.Latex(
        r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
        size=20,
        font=str(mathfont.FONT),
        inline=True,
    )
    width = spaced.node.bbox.xmax - spaced.node.bbox.xmin
    assert width > (plain.node.bbox.xmax - plain.node.bbox.xmin) + 0.4 * 20
    assert 'columnspacing="1em"' in mathfont.spaced_tables(
        '<mtable><mtr><mtd columnalign="left"><mn>1</mn></mtd></mtr></mtable>'
    )


# ---- 7. micro-typography and print -------------------------------------------------------


def test_quotes_dashes_spacers_and_flags():
    html = markdown.markdown(
        '"Quoted" and it\'s -- fine, a - b, use --verbose\n\n<br>\n\n<p><br></p>\n\nend',
        extensions=EXTENSIONS,
        extension_configs=EXTENSION_CONFIGS,
    )
    assert "&ldquo;Quoted&rdquo;" in html and "it&rsquo;s" in html
    assert "\u2013 fine" in html and "a \u2013 b" in html and "--verbose" in html
    assert "<br" not in html


def test_a_spacer_line_that_ends_a_section_is_dropped():
    """ds-interviews-theory: `<br/>` as the last line before the next heading left a blank
    line at the end of its section (the spacer rule wanted a newline after it)."""
    for tail in ("<br/>", "<br/>\n", "<br> <br />"):
        html = markdown.markdown(
            f"Last words.\n\n{tail}", extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
        )
        assert "<br" not in html, (tail, html)
    kept = markdown.markdown(
        "one<br>\ntwo", extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
    )
    assert "<br" in kept  # a break inside a paragraph stays


def test_footer_is_five_millimetres_from_the_trim_edge(tmp_path):
    long = "\n\n".join(f"## Part {n}\n\n" + "Some words to fill the page. " * 60 for n in range(12))
    pdf = build(tmp_path, long, "--no-fit", "--font-size", "9")
    drawn = glyphs(pdf)
    assert max(g.page for g in drawn) >= 1  # several pages, so there is a footer
    footer = [g for g in drawn if g.page == 0 and g.box[1] < 20 * MM and not g.char.isspace()]
    assert footer, "no footer found"
    assert min(g.box[1] for g in footer) >= 5 * MM


def test_title_printed_once_and_named_after_the_file(tmp_path):
    pdf = build(tmp_path, "## Git Tips\n\nSome text.\n\n## More\n\nOther.\n", name="git-tips")
    text = page_text(pdf)[0]
    assert text.count("Git") == 1  # the header, not again as the first section's heading
    untitled = build(tmp_path, "Just a note without headings.\n", name="shell_notes")
    assert page_text(untitled)[0].startswith("Shell notes")


def test_missing_image_is_a_labelled_box(tmp_path):
    pdf = build(tmp_path, "## Pics\n\n![Architecture diagram](missing.png)\n")
    assert "image missing: Architecture diagram" in page_text(pdf)[0]


def test_urls_are_never_hyphenated(tmp_path):
    url = "https://example.com/documentation/configuration/networking/overlay-networks"
    pdf = build(tmp_path, f"## Links\n\nSee {url} for details.\n", "--no-fit", "--columns", "6")
    text = page_text(pdf)[0].replace("\r", "")
    joined = text.replace("\n", "")
    assert url in joined  # wrapped, but every character is the URL's own


# ---- 8. refcards -------------------------------------------------------------------------


def test_command_lists_become_a_refcard_grid(tmp_path):
    source = """
        ## Git

        - `git add -p` — stage hunks
        - `git commit --amend` — redo the last commit
        - `git log --oneline` - one line per commit
        """
    html = markdown.markdown(
        textwrap.dedent(source), extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
    )
    assert '<ul class="refcard k20">' in html and html.count('class="desc"') == 3
    assert "—" not in html
    pdf = build(tmp_path, source, "--no-fit", "--font-size", "9")
    drawn = glyphs(pdf)
    # Key and description side by side on one line, separator gone.
    lines = [" ".join(line.split()) for line in lines_of(drawn)]
    assert "git add -p stage hunks" in lines, lines
    assert "git log --oneline one line per commit" in lines, lines
    # The descriptions start at one x: a grid, not text running on after each key.
    key_lines = sorted({g.baseline for g in drawn if "Mono" in g.font})
    starts = [
        min(
            g.box[0]
            for g in drawn
            if "Sans" in g.font and not g.char.isspace() and abs(g.baseline - line) < 1.5
        )
        for line in key_lines
    ]
    assert len(starts) == 3 and max(starts) - min(starts) < 1, starts  # side bearings


def test_refcard_recognises_tables_and_definition_lists():
    table = "| Key | Does |\n|---|---|\n| `dd` | delete line |\n| `yy` | copy line |\n"
    html = markdown.markdown(table, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    assert '<tbody class="refcard">' in html
    definitions = "`:w`\n:   write\n\n`:q`\n:   quit\n"
    html = markdown.markdown(
        definitions, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS
    )
    assert '<dl class="refcard">' in html
    plain = "- just a list\n- of things\n"
    html = markdown.markdown(plain, extensions=[refcard.RefcardExtension()])
    assert "refcard" not in html


# ---- 9. boxed theme ------------------------------------------------------------------------


def test_boxed_theme_frames_sections_and_prints_in_greyscale(tmp_path):
    pdf = build(
        tmp_path,
        "## First\n\nSome text here.\n\n## Second\n\nMore text here.\n",
        "--no-fit",
        "--theme",
        "boxed",
    )
    image = pdfium.PdfDocument(str(pdf))[0].render(scale=2).to_pil().convert("L")
    width, height = image.size
    # The tab: a dark fill (luminance below 35 %) behind the white title.
    dark = sum(
        1
        for x in range(0, width // 4)
        for y in range(0, height // 4)
        if image.getpixel((x, y)) < 90
    )
    assert dark > 500
    # The frame: a thin vertical line down the section's left edge.
    column = [image.getpixel((x, height // 10)) for x in range(0, width // 4)]
    assert any(value < 200 for value in column[: width // 16])


def patterns(pdf: Path) -> int:
    """Tiling and shading patterns in the pages' resources, form XObjects included."""
    import pypdf

    count, seen = 0, set()

    def walk(resources) -> None:
        nonlocal count
        if resources is None or id(resources) in seen:
            return
        seen.add(id(resources))
        count += len(resources.get("/Pattern", {}) or {})
        for xobject in (resources.get("/XObject", {}) or {}).values():
            walk(xobject.get_object().get("/Resources"))

    for page in pypdf.PdfReader(pdf).pages:
        walk(page.get("/Resources"))
    return count


def test_continuation_marks_are_paths_that_survive_imposition(tmp_path):
    """The mark beside wrapped code rows is a border, not a repeated background: PDF draws
    those as tiling patterns, which kept page coordinates and came out clipped in booklets."""
    pdf = build(
        tmp_path,
        "## Code\n\n```sh\n"
        + "docker run --rm -it -v $PWD/config:/etc/app:ro -p 8080:80 image " * 3
        + "\n```\n",
        "--no-fit",
        "--font-size",
        "9",
        "--columns",
        "5",
        "--handout",
        "booklet",
    )
    booklet = pdf.with_name("sheet-booklet.pdf")
    assert patterns(pdf) == 0 and patterns(booklet) == 0
    image = pdfium.PdfDocument(str(pdf))[0].render(scale=4).to_pil().convert("L")
    drawn = glyphs(pdf)
    second_row = sorted({g.baseline for g in drawn if g.font == "Sheet-Mono"}, reverse=True)[1]
    left = min(g.box[0] for g in drawn if g.font == "Sheet-Mono")
    y = round((image.height / 4 - second_row - 2) * 4)
    bar = [image.getpixel((x, y)) for x in range(round(left * 4), round((left + 6) * 4))]
    assert min(bar) < 200  # a grey bar left of the continuation row's text


def test_subheadings_stand_above_bold_labels(tmp_path):
    pdf = build(
        tmp_path,
        "## Section\n\n### Heading Here\n\nText.\n\n**Label Here:**\n\nMore text.\n",
        "--no-fit",
        "--font-size",
        "9",
    )
    drawn = glyphs(pdf)
    capitals = {g.baseline: g for g in drawn if g.char == "H" and g.page == 0}
    heading, label = (capitals[line] for line in sorted(capitals, reverse=True)[:2])
    # The h3 capital is at least 10 % taller, and heavier than the SemiBold label.
    assert heading.box[3] - heading.box[1] >= 1.1 * (label.box[3] - label.box[1])
    assert "Bold" in heading.font and "Semi-Bold" in label.font


HIGHLIGHTED = """\
# Highlighted lines

## Code

```python hl_lines="2"
import requests
response = requests.get(url)
x = 1
```
"""


@pytest.mark.parametrize("theme", ["default", "ink"])
def test_a_highlighted_line_is_marked_from_its_first_character(tmp_path, theme):
    """`hl_lines`: the default theme's band starts at or before the line's first glyph (it
    began 1.6ch inside the line, behind "sp" of "response"); the ink theme's bar sits left
    of the first glyph, never across it."""
    pdf = build(tmp_path, HIGHLIGHTED, "--theme", theme, "--font-size", "11", "--no-fit")
    drawn = glyphs(pdf)
    text = "".join(g.char for g in drawn)
    first = drawn[text.index("response")]
    scale = 4
    page = pdfium.PdfDocument(str(pdf))[0]
    image = page.render(scale=scale).to_pil().convert("RGB")
    left, bottom, _, top = first.box
    row = round((page.get_height() - (bottom + top) / 2) * scale)

    def pixel(x_pt: float) -> tuple[int, int, int]:
        return image.getpixel((round(x_pt * scale), row))

    if theme == "default":
        yellow = [pixel(left - d) for d in (0.3, 1.0)]
        assert all(r > 230 and g > 220 and b < 200 for r, g, b in yellow), yellow
    else:
        # The bar is between the pre's own border (6 pt left of the text) and the text, with
        # white between it and the first glyph.
        bar = [sum(pixel(left - x / scale)) for x in range(4, round(5.5 * scale))]
        gap = [sum(pixel(left - x / scale)) for x in range(2, 4)]
        assert min(bar) < 200, "no bar left of the highlighted line"
        assert min(gap) > 600, "the bar touches the line's first glyph"
