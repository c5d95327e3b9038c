"""Print handouts and PDF quality: footer, imposition, duplex, marks, metadata, variants,
reproducible bytes, table of contents, self-contained HTML."""

from __future__ import annotations

import math
import re

import pypdf
import pypdfium2 as pdfium
import pytest

from conftest import CORPUS, make_project, page_sizes, pdf_text, run_cli

LONG = (CORPUS / "git-cheat-sheet.md").read_text(encoding="utf-8") if CORPUS.is_dir() else ""


FRONT = "---\ntitle: Git Sheet\nauthor: Ada Lovelace\nsubject: Git commands\nkeywords: git, vcs\nlang: en\n---\n"


@pytest.fixture(scope="module")
def long_project(tmp_path_factory):
    """A sheet of several pages (three at 7.5 pt), with front matter metadata. Fitting is off
    (`fit = 0`): none of these tests is about fitting (test_fit is), and a fitted build of
    this sheet takes seven layouts instead of one."""
    root = tmp_path_factory.mktemp("long")
    return make_project(root, {"content/git.md": FRONT + LONG}, "fit = 0\n")


@pytest.fixture(scope="module")
def short_project(tmp_path_factory):
    """One page of the same sheet (its Git Flow part: emoji headings, code, a table), for
    the tests of what a PDF declares or contains rather than of pages: a third of the cost."""
    start, end = LONG.index("\n## 🌊 Git Flow"), LONG.index("\n## 🌍 Other Languages")
    root = tmp_path_factory.mktemp("short")
    return make_project(root, {"content/git.md": FRONT + LONG[start:end]}, "fit = 0\n")


EPOCH = "1700000000"  # 2023-11-14


@pytest.fixture(scope="module")
def long_pdf(long_project, tmp_path_factory):
    """The long sheet built once with the default options (and a fixed SOURCE_DATE_EPOCH),
    shared by the tests that only read it: footer, metadata, reproducible bytes, colours."""
    out = tmp_path_factory.mktemp("long-pdf") / "long.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = run_cli("-C", long_project, "-o", out)
    assert result.code == 0, result.err
    return out


def half_texts(path, page_index: int) -> tuple[str, str]:
    """Text of the left and right halves of one page."""
    page = pdfium.PdfDocument(path)[page_index]
    width, _ = page.get_size()
    text = page.get_textpage()
    left, right = [], []
    for i in range(text.count_chars()):
        box = text.get_charbox(i)
        (left if (box[0] + box[2]) / 2 < width / 2 else right).append(text.get_text_range(i, 1))
    return "".join(left), "".join(right)


def test_footer_numbers_multi_page_sheets_only(long_project, long_pdf, tmp_path):
    out = long_pdf
    pages = len(page_sizes(out))
    assert pages >= 3
    reader = pypdf.PdfReader(out)
    for number, page in enumerate(reader.pages, 1):
        text = page.extract_text()
        assert f"{number} / {pages}" in text
        assert "Git Sheet" in text and "Ada Lovelace" in text
    one = tmp_path / "one.pdf"
    assert run_cli("-C", long_project, "--only", "setup", "-o", one).code == 0
    assert len(page_sizes(one)) == 1
    assert "1 / 1" not in pdf_text(one)


def test_footer_can_be_switched_off(long_project, tmp_path):
    out = tmp_path / "nofooter.pdf"
    assert run_cli("-C", long_project, "--footer", "none", "-o", out).code == 0
    assert not re.search(r"\b2 / \d", pdf_text(out))
    out = tmp_path / "pageonly.pdf"
    assert run_cli("-C", long_project, "--footer", "page", "-o", out).code == 0
    second = pypdf.PdfReader(out).pages[1].extract_text()
    assert "2 / " in second and "Ada Lovelace" not in second.split("2 / ")[-1]


def test_booklet_and_nup_files_next_to_the_reading_pdf(long_project, tmp_path):
    out = tmp_path / "sheet.pdf"
    result = run_cli(
        "-C", long_project, "--paper", "A5", "--portrait", "--columns", "2",
        "--handout", "booklet", "--handout", "2up", "--handout", "4up", "-o", out,
    )  # fmt: skip
    assert result.code == 0, result.err
    pages = len(page_sizes(out))
    assert page_sizes(out)[0] == pytest.approx((419.53, 595.28), abs=0.6)
    booklet = tmp_path / "sheet-booklet.pdf"
    padded = math.ceil(pages / 4) * 4
    assert len(page_sizes(booklet)) == padded // 2
    assert all(size == pytest.approx((841.89, 595.28), abs=0.6) for size in page_sizes(booklet))
    left, right = half_texts(booklet, 0)
    assert f"1 / {pages}" in right
    assert (f"{padded} / {pages}" in left) if padded == pages else f"/ {pages}" not in left
    left, right = half_texts(booklet, 1)
    assert f"2 / {pages}" in left
    assert len(page_sizes(tmp_path / "sheet-2up.pdf")) == math.ceil(pages / 2)
    assert len(page_sizes(tmp_path / "sheet-4up.pdf")) == math.ceil(pages / 4)
    assert len(page_sizes(out)) == pages  # the reading PDF is untouched


def test_metadata_from_front_matter(long_pdf):
    reader = pypdf.PdfReader(long_pdf)
    info = reader.metadata
    assert info.title == "Git Sheet"
    assert info.author == "Ada Lovelace"
    assert info.subject == "Git commands"
    assert "git" in info["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_reproducible_bytes(long_project, long_pdf, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    second = tmp_path / "b.pdf"  # another folder and a later build than the shared one
    assert run_cli("-C", long_project, "-o", second).code == 0
    assert long_pdf.read_bytes() == second.read_bytes()
    assert "2023-11-14" in pdf_text(long_pdf)


def test_pdf_a_declares_itself(short_project, tmp_path):
    out = tmp_path / "a3b.pdf"
    assert run_cli("-C", short_project, "--pdf-variant", "pdf/a-3b", "-o", out).code == 0
    root = pypdf.PdfReader(out).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfaid:part" in xmp and re.search(r"pdfaid:part[^0-9]*3", xmp)
    assert "/OutputIntents" in root


def test_pdf_ua_is_tagged(short_project, tmp_path):
    out = tmp_path / "ua.pdf"
    assert run_cli("-C", short_project, "--pdf-variant", "pdf/ua-1", "-o", out).code == 0
    root = pypdf.PdfReader(out).trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert root["/MarkInfo"]["/Marked"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert "pdfuaid" in xmp


def test_unknown_variant_is_an_error(long_project):
    result = run_cli("-C", long_project, "--pdf-variant", "pdf/a-9z")
    assert result.code == 2 and "unknown PDF variant" in result.err


def test_table_of_contents_links(long_project, tmp_path):
    out = tmp_path / "toc.pdf"
    assert run_cli("-C", long_project, "--toc", "-o", out).code == 0
    first = pypdf.PdfReader(out).pages[0]
    internal = [
        a.get_object()
        for a in first.get("/Annots", [])
        if "/Dest" in a.get_object() or a.get_object().get("/A", {}).get("/S") == "/GoTo"
    ]
    assert len(internal) >= 15
    assert "Contents" in first.extract_text()


def test_duplex_mirrors_margins(long_project, tmp_path):
    out = tmp_path / "duplex.pdf"
    assert run_cli("-C", long_project, "--duplex", "--binding", "15mm", "-o", out).code == 0

    def left_edge(index):
        page = pdfium.PdfDocument(out)[index]
        text = page.get_textpage()
        return min(text.get_charbox(i)[0] for i in range(text.count_chars()))

    assert left_edge(0) - left_edge(1) > 30  # 15 mm = 42.5 pt more on the front's inner side


def test_duplex_keeps_sections_on_one_side(long_project):
    from cheatsheet.config import load_project
    from cheatsheet.page import resolve_theme
    from cheatsheet.pdf import Renderer
    from cheatsheet.pipeline import allowed_roots, build_html
    from cheatsheet.printing import keep_sections_on_one_side, straddling_sections

    config = load_project(long_project).base
    sheet = build_html(config)
    renderer = Renderer(config, resolve_theme(config), allowed_roots(config, sheet.sections))
    document = renderer.layout(sheet.html, 7.5)
    assert straddling_sections(document), "the test input should straddle"
    fixed, moved, passes = keep_sections_on_one_side(
        lambda css: renderer.layout(sheet.html, 7.5, css), document
    )
    assert moved and passes >= 1
    assert straddling_sections(fixed) == []


def test_crop_marks_and_bleed(short_project, tmp_path):
    out = tmp_path / "marks.pdf"
    assert run_cli("-C", short_project, "--crop-marks", "--bleed", "3mm", "-o", out).code == 0
    page = pypdf.PdfReader(out).pages[0]
    trim = [float(v) for v in page["/TrimBox"]]
    assert trim[2] - trim[0] == pytest.approx(841.89, abs=0.6)
    assert float(page.mediabox.width) == pytest.approx(841.89 + 2 * 8.5, abs=0.6)


def colours(path) -> set[tuple[float, ...]]:
    data = b"".join(p.get_contents().get_data() for p in pypdf.PdfReader(path).pages)
    found = set()
    for match in re.finditer(rb"([\d.]+) ([\d.]+) ([\d.]+) (rg|RG)\b", data):
        found.add(tuple(round(float(v), 3) for v in match.groups()[:3]))
    return found


def test_ink_theme_is_greyscale_in_the_pdf_operators(short_project, tmp_path):
    ink, default = tmp_path / "ink.pdf", tmp_path / "default.pdf"
    assert run_cli("-C", short_project, "--theme", "ink", "-o", ink).code == 0
    assert run_cli("-C", short_project, "-o", default).code == 0
    assert all(len(set(c)) == 1 for c in colours(ink)), colours(ink)
    assert any(len(set(c)) > 1 for c in colours(default))


def test_self_contained_html(short_project, tmp_path):
    out = tmp_path / "web.pdf"
    assert run_cli("-C", short_project, "--html", "-o", out).code == 0
    html = (tmp_path / "web.html").read_text(encoding="utf-8")
    assert "data:font/" in html or "data:application/font" in html or "data:font" in html
    assert "data:image/svg+xml;base64" in html  # emoji
    assert "file://" not in html and 'src="emoji:' not in html and "url(fonts/" not in html
    assert "<h2" in html and "Git Flow" in html


def test_seed_as_booklet_and_2up(tmp_path):
    out = tmp_path / "seed.pdf"
    result = run_cli("--no-fit", "--paper", "A5", "--portrait", "--columns", "2",
                     "--handout", "booklet", "--handout", "2up", "-o", out)  # fmt: skip
    assert result.code == 0, result.err
    booklet = page_sizes(tmp_path / "seed-booklet.pdf")
    assert booklet[0] == pytest.approx((841.89, 595.28), abs=0.6)  # A5 pages on A4 sheets
    assert len(page_sizes(tmp_path / "seed-2up.pdf")) == math.ceil(len(page_sizes(out)) / 2)
