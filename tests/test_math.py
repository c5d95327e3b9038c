"""LaTeX math drawn as vector images: what the HTML carries and what the PDF shows."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from cheatsheet import formulas
from cheatsheet.content import Section
from cheatsheet.markdown import MarkdownRenderer
from conftest import make_project, pdf_text, run_cli

MM = 72 / 25.4
# A4 landscape, default 6 mm margins, 4 columns, 3.5 mm gaps.
COLUMN_LEFT = 6 * MM
COLUMN_WIDTH = (297 * MM - 2 * 6 * MM - 3 * 3.5 * MM) / 4

FORMULAS = """\
    # Math

    ## Formulas

    Inline $\\mathrm{Zeta}(q) = \\frac{\\mathrm{Quux}}{b}$ in a sentence.

    $$\\mathrm{Vortex}(x) = \\sum_{i=1}^{n} \\sqrt{x_i^2 + \\mathrm{Wobble}}$$

    ```math
    \\mathrm{Kappa} = \\int_0^1 f(t)\\,dt
    ```
    """


def render(markdown: str, line: int = 1, safe: bool = False) -> str:
    section = Section("T", "t", Path("notes.md"), line, markdown)
    return MarkdownRenderer(safe=safe).render(section).html


def svg_images(html: str) -> list[str]:
    """The SVG documents of the math images in an HTML fragment."""
    return [
        base64.b64decode(data).decode()
        for data in re.findall(
            r'<img class="math"[^>]*src="data:image/svg\+xml;base64,([^"]+)"', html
        )
    ]


def path_operators(path: Path) -> int:
    """Path-construction operators (m, l, c, re) in every page's content and its forms."""

    def count(stream, resources) -> int:
        ops = pypdf.generic.ContentStream(stream, reader).operations
        total = sum(op in (b"m", b"l", b"c", b"re") for _, op in ops)
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if xobject.get("/Subtype") == "/Form":
                total += count(xobject, xobject.get("/Resources"))
        return total

    reader = pypdf.PdfReader(path)
    return sum(count(page.get_contents(), page.get("/Resources")) for page in reader.pages)


def small_paths(path: Path) -> list[tuple[float, float, float, float]]:
    """Bounds (left, bottom, right, top) of path objects smaller than 60 pt: glyphs drawn as
    paths and fraction bars, not heading bands or rules."""
    page = pdfium.PdfDocument(path)[0]
    found = []
    for obj in page.get_objects(max_depth=4):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = obj.get_bounds()
        if right - left < 60 and top - bottom < 60:
            found.append((left, bottom, right, top))
    return found


def text_bounds(path: Path, word: str) -> tuple[float, float, float, float]:
    """Bounds of the text object holding `word` (its bottom is the baseline for a word with
    no descenders)."""
    pdf = pdfium.PdfDocument(path)
    page = pdf[0]
    textpage = page.get_textpage()
    for obj in page.get_objects(max_depth=4):
        if obj.type != pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        buffer_size = pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
        buffer = (pdfium_c.FPDF_WCHAR * buffer_size)()
        pdfium_c.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, buffer_size)
        text = bytes(buffer).decode("utf-16-le").rstrip("\x00")
        if text.strip() == word:
            return obj.get_bounds()
    raise AssertionError(f"no text object {word!r}")


# --- HTML -------------------------------------------------------------------------------------


def test_inline_display_and_fenced_math_become_svg_images():
    html = render("Inline $a^2 + b_i$ here.\n\n$$\\frac{a}{b}$$\n\n```math\nE = mc^2\n```\n")
    assert "arithmatex" not in html
    svgs = svg_images(html)
    assert len(svgs) == 4  # E = mc^2 in two parts: `E`, `{}= mc^2`
    for svg in svgs:
        assert svg.startswith("<svg") and "<path" in svg
        assert formulas.INK in svg
    inline = re.search(r'<p>Inline <img class="math" alt="a\^2 \+ b_i" style="([^"]+)"', html)
    assert inline, html
    style = dict(part.split(":") for part in inline.group(1).split(";"))
    assert set(style) == {"width", "height", "vertical-align"}
    assert all(value.endswith("em") for value in style.values())
    assert float(style["vertical-align"][:-2]) < 0  # the subscript hangs below the baseline
    assert html.count('<div class="math-display"><img class="math"') == 1  # \frac{a}{b}
    # E = mc^2: a part per relation, so that a narrow column can set it on two lines
    assert html.count('<div class="math-display math-lines"><img class="math"') == 1
    assert 'alt="E"' in html and 'alt="= mc^2"' in html  # the parts' sources, as written


def test_math_survives_safe_mode():
    assert len(svg_images(render("Safe $x^2$ too.", safe=True))) == 1


def test_dollars_in_text_and_code_are_not_math():
    html = render(
        "Costs $5 and $10 today, $5-$10, US$5 or US$6, `$x$` in code.\n\n"
        "```\necho $HOME $PATH\n```\n"
    )
    assert not svg_images(html)
    assert "$5 and $10" in html
    assert "$5-$10, US$5 or US$6" in html
    assert "<code>$x$</code>" in html
    assert "$HOME $PATH" in html


def test_backslash_parens_stay_markdown_escapes():
    """Only dollars start math: `\\(` was an escaped parenthesis before math existed."""
    html = render("A \\(note\\) here.")
    assert not svg_images(html)
    assert "(note)" in html


def test_broken_formula_shows_source_and_warns_with_line(monkeypatch):
    reported: list[tuple[str, Path, int]] = []
    monkeypatch.setattr(formulas, "warn", lambda *args, **kind: reported.append(args))
    markdown = "## T\n\nFine $x$.\n\nBroken $\\frac{a$ here and $\\nosuchcommand y$.\n"
    html = render(markdown, line=10)
    assert '<code class="math-error">$\\frac{a$</code>' in html
    assert '<code class="math-error">$\\nosuchcommand y$</code>' in html
    assert len(svg_images(html)) == 1
    assert [(file, line) for _, file, line in reported] == [(Path("notes.md"), 14)] * 2
    assert "\\frac{a" in reported[0][0]
    assert "unknown command \\nosuchcommand" in reported[1][0]


def test_renders_are_cached():
    formulas.typeset.cache_clear()
    first = render("$\\sqrt{2}$ once")
    again = render("and $\\sqrt{2}$ again")  # another section, a fresh renderer
    assert svg_images(first) == svg_images(again)
    info = formulas.typeset.cache_info()
    assert (info.misses, info.hits) == (1, 1)


def test_formula_box_scales_with_reference_metrics():
    tall = formulas.typeset("\\frac{a}{b}", False)
    flat = formulas.typeset("a", False)
    assert isinstance(tall, formulas.Formula) and isinstance(flat, formulas.Formula)
    assert tall.height > 1.3 * flat.height
    assert tall.depth > flat.depth > 0


# --- PDF --------------------------------------------------------------------------------------


def test_formulas_are_drawings_not_text(tmp_path):
    """Same notes twice: as math, and with every formula in a code span as a control."""
    math_project = make_project(tmp_path / "math", {"content/notes.md": FORMULAS})
    plain = re.sub(r"\$\$(.+?)\$\$", r"`\1`", FORMULAS)
    plain = re.sub(r"\$(.+?)\$", r"`\1`", plain).replace("```math", "```text")
    plain_project = make_project(tmp_path / "plain", {"content/notes.md": plain})
    for project in (math_project, plain_project):
        result = run_cli("-C", project, "--no-fit", "-o", project / "out.pdf")
        assert result.code == 0, result.err
        assert "formula" not in result.err

    math_text = pdf_text(math_project / "out.pdf")
    plain_text = pdf_text(plain_project / "out.pdf")
    for word in ("Zeta", "Quux", "Vortex", "Wobble", "Kappa"):
        assert word in plain_text  # the control proves the check can fail
        assert word not in math_text
    assert "Inline" in math_text and "in a sentence." in math_text
    assert (
        path_operators(math_project / "out.pdf") > path_operators(plain_project / "out.pdf") + 300
    )


def test_currency_and_code_dollars_stay_text_in_the_pdf(tmp_path):
    project = make_project(
        tmp_path,
        {
            "content/notes.md": """\
                # Money

                ## Prices

                It costs $5 and $10 per month, $5-$10 a day.

                Shell: `$x$` and

                ```sh
                echo $HOME
                ```
                """
        },
    )
    result = run_cli("-C", project, "--no-fit", "-o", project / "out.pdf")
    assert result.code == 0, result.err
    text = pdf_text(project / "out.pdf")
    assert "$5 and $10 per month, $5-$10 a day" in text
    assert "$x$" in text
    assert "echo $HOME" in text


def test_broken_formula_builds_with_source_and_located_warning(tmp_path):
    project = make_project(
        tmp_path,
        {"content/notes.md": "# B\n\n## Broken\n\nOops $\\frac{a$ here.\n\nFine $x^2$.\n"},
    )
    result = run_cli("-C", project, "--no-fit", "-o", project / "out.pdf")
    assert result.code == 0, result.err
    assert "notes.md:5:" in result.err and "cannot typeset formula" in result.err
    assert "\\frac{a" in pdf_text(project / "out.pdf")


@pytest.fixture(scope="module")
def sized_pdfs(tmp_path_factory) -> dict[float, Path]:
    """One inline fraction after a word without descenders, built at 7 pt and at 10 pt."""
    root = tmp_path_factory.mktemp("sizes")
    project = make_project(root, {"content/notes.md": "# S\n\n## Size\n\nTHE $\\frac{a}{b}$ end\n"})
    built = {}
    for size in (7.0, 10.0):
        out = root / f"{size:g}.pdf"
        result = run_cli("-C", project, "--no-fit", "--font-size", f"{size:g}", "-o", out)
        assert result.code == 0, result.err
        built[size] = out
    return built


def test_inline_formula_scales_with_font_size(sized_pdfs):
    heights = {}
    for size, path in sized_pdfs.items():
        paths = small_paths(path)
        assert paths, "the formula drew no paths"
        heights[size] = max(p[3] for p in paths) - min(p[1] for p in paths)
    assert heights[10.0] / heights[7.0] == pytest.approx(10 / 7, rel=0.04)
    # A text-style fraction: one to two lines high (Noto Sans Math sets it tighter than STIX
    # did: 1.19 lines at 10 pt, against 1.3).
    assert 1.1 < heights[10.0] / 10 < 2.2


def test_inline_formula_sits_on_the_text_baseline(sized_pdfs):
    """The fraction bar lies on the maths axis: a quarter em above the text's baseline."""
    for size, path in sized_pdfs.items():
        baseline = text_bounds(path, "THE")[1]
        bars = [p for p in small_paths(path) if p[2] - p[0] > 4 * (p[3] - p[1])]
        assert len(bars) == 1, bars
        axis = (bars[0][1] + bars[0][3]) / 2 - baseline
        assert 0.15 * size < axis < 0.4 * size, (size, axis)


def test_display_formula_never_wider_than_its_column(tmp_path):
    """A 75 em sum with no relation was shrunk to the column, to 2 pt type; it goes on to
    new lines before its `+`, every line centred and at text size."""
    long = " + ".join(f"\\mathrm{{term}}_{{{i}}}^{{2}}" for i in range(30))
    project = make_project(tmp_path, {"content/notes.md": f"# W\n\n## Wide\n\n$${long}$$\n"})
    result = run_cli("-C", project, "--no-fit", "--font-size", "10", "-o", project / "out.pdf")
    assert result.code == 0, result.err
    lines = ink_lines(project / "out.pdf")
    assert len(lines) > 3, lines
    for left, bottom, right, top in lines:
        assert_centred(left, right)
        assert top - bottom > 10  # term_i^2 at 10 pt: 12.6 pt of ink
    assert max(right - left for left, _, right, _ in lines) > 0.8 * COLUMN_WIDTH


def text_origins(path: Path) -> list[tuple[str, float, float]]:
    """Every drawn character of page 1 with its origin (x, and y: its baseline)."""
    import ctypes

    textpage = pdfium.PdfDocument(path)[0].get_textpage()
    x, y = ctypes.c_double(), ctypes.c_double()
    found = []
    for index in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index))
        if char.strip() and char != "\x00":
            pdfium_c.FPDFText_GetCharOrigin(textpage.raw, index, x, y)
            found.append((char, x.value, y.value))
    return found


@pytest.mark.parametrize("filler", [0, 80])
def test_list_markers_sit_on_the_first_line_baseline_beside_tall_formulas(tmp_path, filler):
    """An item whose first line a formula makes taller (a superscript, a hat, a sum with
    limits) had its bullet at the plain line's baseline, up to half a line too high. With
    80 more items the page is over a column and gets balanced, which lays the page out
    again from its box tree: that layout skipped the markers' alignment."""
    notes = (
        "# L\n\n## Lists\n\n"
        + "- filler\n" * filler
        + "- THE plain item\n- $\\frac{a}{b}$ THE fraction first\n"
        "- Variance: $\\operatorname{Var}(X) = E[X^2] - E[X]^2$\n"
        "- Estimate: $\\hat\\theta = \\arg\\max_\\theta L(\\theta)$\n"
        "- Sum $\\displaystyle\\sum_{i=1}^{n} \\frac{x_i}{n}$ in the middle\n"
        "  - Nested $\\sqrt{\\frac{a}{b}}$ item\n"
    )
    project = make_project(tmp_path, {"content/notes.md": notes})
    result = run_cli("-C", project, "--no-fit", "--font-size", "10", "-o", project / "out.pdf")
    assert result.code == 0, result.err
    chars = text_origins(project / "out.pdf")
    markers = [(x, y) for char, x, y in chars if char in "•◦"]
    assert len(markers) == 6 + filler
    for x, y in markers:
        # The item's first word starts within 3 em right of its marker, on the same baseline.
        first_line = [cy for char, cx, cy in chars if x + 2 < cx < x + 30 and char not in "•◦"]
        assert min(abs(cy - y) for cy in first_line) < 0.1, (x, y)


@pytest.mark.parametrize(
    ("accented", "plain"),
    [("\\hat\\theta", "\\theta"), ("\\hat{\\theta}", "\\theta"), ("\\hat x", "x"),
     ("\\hat{y}_i", "y_i"), ("\\tilde y", "y"), ("\\bar x", "x"), ("\\vec v", "v")],
)  # fmt: skip
def test_accent_over_one_letter_is_no_wider_than_the_accent_glyph(accented, plain):
    """`\\hat\\theta` drew a circumflex stretched to 0.76 em over a 0.5 em theta."""
    with_accent, without = formulas.typeset(accented, False), formulas.typeset(plain, False)
    assert isinstance(with_accent, formulas.Formula) and isinstance(without, formulas.Formula)
    assert with_accent.width <= without.width + 0.06, (with_accent.width, without.width)
    assert with_accent.height > without.height + 0.1  # the accent is drawn, above


def test_wide_accents_still_span_their_base():
    for wide, base in (("\\widehat{xyz}", "xyz"), ("\\widetilde{xyz}", "xyz"), ("\\hat{xy}", "xy")):
        accent, plain = formulas.typeset(wide, False), formulas.typeset(base, False)
        assert isinstance(accent, formulas.Formula) and isinstance(plain, formulas.Formula)
        assert accent.width >= plain.width


@pytest.mark.parametrize("command", ["dot", "ddot", "check", "breve", "acute", "grave", "mathring"])
def test_accents_are_drawn_with_glyphs_the_maths_font_has(command):
    """`\\dot x` came as U+02D9, which Noto Sans Math lacks: ziamath drew its empty box
    (glyph 0), a box as tall as a capital above the x."""
    accented, plain = formulas.typeset(f"\\{command} x", False), formulas.typeset("x", False)
    assert isinstance(accented, formulas.Formula) and isinstance(plain, formulas.Formula)
    assert not re.search(r'id="[A-Za-z]+_0"', accented.svg)
    assert plain.height + 0.15 < accented.height < plain.height + 0.4


def ink_lines(path: Path, gap: float = 0.5) -> list[tuple[float, float, float, float]]:
    """Bounds of each line of drawn maths: glyph paths merged where they overlap vertically."""
    lines: list[list[float]] = []
    for left, bottom, right, top in sorted(small_paths(path), key=lambda p: -p[3]):
        if lines and top > lines[-1][1] - gap:
            line = lines[-1]
            line[:] = [min(line[0], left), min(line[1], bottom), max(line[2], right), line[3]]
        else:
            lines.append([left, bottom, right, top])
    return [tuple(line) for line in lines]  # type: ignore[misc]


def display_pdf(tmp_path: Path, latex: str) -> Path:
    project = make_project(tmp_path, {"content/notes.md": f"# W\n\n## Wide\n\n$${latex}$$\n"})
    result = run_cli("-C", project, "--no-fit", "--font-size", "10", "-o", project / "out.pdf")
    assert result.code == 0, result.err
    return project / "out.pdf"


def assert_centred(left: float, right: float) -> None:
    assert left >= COLUMN_LEFT - 0.5 and right <= COLUMN_LEFT + COLUMN_WIDTH + 0.5
    assert abs((left - COLUMN_LEFT) - (COLUMN_LEFT + COLUMN_WIDTH - right)) < 1.5, (left, right)


def test_too_wide_display_formula_goes_on_to_a_new_line_before_its_relation(tmp_path):
    """The sample's MultiHead formula (23.6 em, the column 19.5 em at 10 pt) was shrunk to
    82 % to fill the column from edge to edge; it is set on two centred lines at text size."""
    head = "\\mathrm{MultiHead}(Q,K,V)"
    rest = "\\mathrm{Concat}(\\mathrm{head}_1,\\dots,\\mathrm{head}_h)W^O"
    lines = ink_lines(display_pdf(tmp_path, f"{head} = {rest}"))
    assert len(lines) == 2, lines
    for (left, _, right, _), part in zip(lines, (head, "{}= " + rest), strict=True):
        assert_centred(left, right)
        drawn = formulas.typeset(part, True)
        assert isinstance(drawn, formulas.Formula)
        assert right - left > 0.9 * drawn.width * 10  # at text size: not shrunk


def test_display_formula_that_fits_is_one_centred_line_at_text_size(tmp_path):
    latex = "P(A \\cup B) = P(A) + P(B) - P(A \\cap B)"
    lines = ink_lines(display_pdf(tmp_path, latex))
    assert len(lines) == 1, lines
    left, _, right, _ = lines[0]
    assert_centred(left, right)
    whole = formulas.typeset(latex, True)
    assert isinstance(whole, formulas.Formula)
    assert 0.9 * whole.width * 10 < right - left < whole.width * 10


@pytest.mark.parametrize(
    ("latex", "parts"),
    [
        ("a = b \\le c", ["a", "{}= b", "{}\\le c"]),
        ("x := y + 1", ["x", "{}:= y + 1"]),
        ("a \\not= b", ["a", "{}\\not= b"]),
        ("P(A = a) = \\frac{1}{2}", ["P(A = a)", "{}= \\frac{1}{2}"]),
        ("\\left\\{ x = 1 \\right\\} = S", ["\\left\\{ x = 1 \\right\\}", "{}= S"]),
        ("\\sum_{i=1}^n x_i = 1", ["\\sum_{i=1}^n x_i", "{}= 1"]),
        ("= x", ["= x"]),
        ("\\begin{aligned} a &= b \\end{aligned}", ["\\begin{aligned} a &= b \\end{aligned}"]),
        ("a = b \\\\ c = d", ["a = b \\\\ c = d"]),
        ("a) = (b", ["a) = (b"]),
    ],
)
def test_display_formulas_are_cut_before_top_level_relations_only(latex, parts):
    assert formulas.display_parts(latex) == parts


def test_a_relation_side_is_cut_before_binary_plus_and_minus_not_signs_or_scripts():
    cut = formulas.display_parts("{}= -a + b^+ - c_- \\pm (d + e)", formulas._BINARY)
    assert cut == ["{}= -a", "{}+ b^+", "{}- c_-", "{}\\pm (d + e)"]
