"""Handouts: imposed PDFs read back for page order, sheet size, placement and cut lines."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pypdf
import pypdfium2 as pdfium
import pytest

from cheatsheet.errors import CheatsheetError
from cheatsheet.handout import GUTTER, ImposeResult, impose

A4_LANDSCAPE = (841.89, 595.28)
A4_PORTRAIT = (595.28, 841.89)
A3_LANDSCAPE = (1190.55, 841.89)
LETTER_LANDSCAPE = (792.0, 612.0)
A5_PORTRAIT = (419.53, 595.28)
A5_LANDSCAPE = (595.28, 419.53)
BACKGROUND = (0xDD, 0xE8, 0xFF)  # every source page is filled with it, edge to edge
RENDER = 2  # pixels per pt

MakeSource = Callable[..., Path]


@pytest.fixture(scope="session")
def make_source(tmp_path_factory) -> MakeSource:
    """Source PDFs with one big number per page, made once per (count, size, rotation)."""
    from weasyprint import HTML

    folder = tmp_path_factory.mktemp("sources")
    made: dict[tuple[int, str, int], Path] = {}

    def make(count: int, size: str = "A5", rotate: int = 0) -> Path:
        key = (count, size, rotate)
        if key not in made:
            # Every number links to the next page, so the reading PDF has internal links.
            pages = "".join(
                f'<div class="p" id="p{i}"><a href="#p{i % count + 1}">{i}</a></div>'
                for i in range(1, count + 1)
            )
            path = folder / f"src-{count}-{size.replace(' ', '_')}-{rotate}.pdf"
            HTML(
                string=f"""<html lang="en"><head><title>Handout test</title>
                <meta name="author" content="Ada Lovelace"><style>
                @page {{ size: {size}; margin: 15mm; background: rgb{BACKGROUND} }}
                .p {{ font: 120pt sans-serif; text-align: center; break-after: page }}
                .p:last-child {{ break-after: auto }}
                a {{ color: black; text-decoration: none }}
                </style></head><body>{pages}</body></html>"""
            ).write_pdf(path)
            if rotate:
                writer = pypdf.PdfWriter(clone_from=path)
                for page in writer.pages:
                    page.rotate(rotate)
                writer.write(path)
            made[key] = path
        return made[key]

    return make


def region_texts(path: Path, regions: list[tuple[float, float, float, float]]) -> list[tuple]:
    """Text of each sheet side within regions given as fractions (left, bottom, right, top)."""
    pdf = pdfium.PdfDocument(path)
    try:
        sides = []
        for page in pdf:
            width, height = page.get_size()
            text = page.get_textpage()
            sides.append(
                tuple(
                    text.get_text_bounded(l * width, b * height, r * width, t * height).strip()
                    for l, b, r, t in regions  # noqa: E741 - left, bottom, right, top
                )
            )
        return sides
    finally:
        pdf.close()


HALVES = [(0, 0, 0.5, 1), (0.5, 0, 1, 1)]
TOP_BOTTOM = [(0, 0.5, 1, 1), (0, 0, 1, 0.5)]
QUADRANTS = [(0, 0.5, 0.5, 1), (0.5, 0.5, 1, 1), (0, 0, 0.5, 0.5), (0.5, 0, 1, 0.5)]


def sizes(path: Path) -> list[tuple[float, float]]:
    pages = pypdf.PdfReader(path).pages
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2)) for p in pages]


def render(path: Path, index: int = 0) -> np.ndarray:
    """One sheet side as an RGB array, RENDER pixels per pt, row 0 at the top."""
    pdf = pdfium.PdfDocument(path)
    try:
        image = pdf[index].render(scale=RENDER).to_pil().convert("RGB")
        return np.asarray(image).astype(int)
    finally:
        pdf.close()


def placed_pages(pixels: np.ndarray, regions: list[tuple]) -> list[tuple[float, ...] | None]:
    """Box in pt (left, bottom, right, top) of the page background inside each region."""
    height, width = pixels.shape[:2]
    filled = np.all(np.abs(pixels - np.array(BACKGROUND)) <= 6, axis=2)
    boxes = []
    for l, b, r, t in regions:  # noqa: E741 - left, bottom, right, top
        x0, x1 = round(l * width), round(r * width)
        y0, y1 = round((1 - t) * height), round((1 - b) * height)
        rows, cols = np.nonzero(filled[y0:y1, x0:x1])
        if rows.size == 0:
            boxes.append(None)
            continue
        left, right = (x0 + cols.min()) / RENDER, (x0 + cols.max() + 1) / RENDER
        top, bottom = (y0 + rows.min()) / RENDER, (y0 + rows.max() + 1) / RENDER
        boxes.append((left, height / RENDER - bottom, right, height / RENDER - top))
    return boxes


def is_cut_line(pixels: np.ndarray) -> np.ndarray:
    """Light neutral grey: what a 0.3 pt grey line leaves after anti-aliasing."""
    spread = pixels.max(axis=-1) - pixels.min(axis=-1)
    return (spread <= 4) & (pixels.min(axis=-1) < 245) & (pixels.min(axis=-1) > 100)


def stray_files(folder: Path, expected: set[str]) -> set[str]:
    return {p.name for p in folder.iterdir()} - expected


# --- booklet -------------------------------------------------------------------------------


def test_booklet_of_eight_a5_pages_on_a4(make_source, tmp_path):
    out = tmp_path / "booklet.pdf"
    result = impose(make_source(8), out, "booklet")
    assert result == ImposeResult(out, sheets=4, pages_in=8, blanks=0, sheet_size=A4_LANDSCAPE)
    assert sizes(out) == [A4_LANDSCAPE] * 4
    assert region_texts(out, HALVES) == [("8", "1"), ("2", "7"), ("6", "3"), ("4", "5")]


def test_booklet_pads_six_pages_with_two_blanks(make_source, tmp_path):
    out = tmp_path / "booklet.pdf"
    result = impose(make_source(6), out, "booklet")
    assert (result.sheets, result.pages_in, result.blanks) == (4, 6, 2)
    assert region_texts(out, HALVES) == [("", "1"), ("2", ""), ("6", "3"), ("4", "5")]


def test_booklet_of_one_page(make_source, tmp_path):
    out = tmp_path / "booklet.pdf"
    result = impose(make_source(1), out, "booklet")
    assert (result.sheets, result.pages_in, result.blanks) == (2, 1, 3)
    assert region_texts(out, HALVES) == [("", "1"), ("", "")]


def test_booklet_of_ten_pages_pads_to_twelve(make_source, tmp_path):
    """Facing numbers sum to n+1 on every side, so the folded stack reads 1..12."""
    out = tmp_path / "booklet.pdf"
    result = impose(make_source(10), out, "booklet")
    assert (result.sheets, result.blanks) == (6, 2)
    assert region_texts(out, HALVES) == [
        ("", "1"),
        ("2", ""),
        ("10", "3"),
        ("4", "9"),
        ("8", "5"),
        ("6", "7"),
    ]


@pytest.mark.parametrize(
    ("size", "sheet"),
    [("A5", A4_LANDSCAPE), ("A4", A3_LANDSCAPE), ("5.5in 8.5in", LETTER_LANDSCAPE)],
)
def test_booklet_default_sheet_is_twice_the_page(make_source, tmp_path, size, sheet):
    out = tmp_path / "booklet.pdf"
    assert impose(make_source(4, size), out, "booklet").sheet_size == sheet
    # Pages are used at full size: each fills its half of the sheet exactly.
    width, height = sheet
    left, right = placed_pages(render(out), HALVES)
    assert left == pytest.approx((0, 0, width / 2, height), abs=1)
    assert right == pytest.approx((width / 2, 0, width, height), abs=1)


def test_booklet_shrinks_big_pages_and_centres_them(make_source, tmp_path):
    """Letter pages on an A4 sheet: scaled by 420.9/612, centred vertically in each half."""
    out = tmp_path / "booklet.pdf"
    result = impose(make_source(4, "Letter"), out, "booklet", sheet="a4")
    assert result.sheet_size == A4_LANDSCAPE
    scale = A4_LANDSCAPE[0] / 2 / 612
    margin = (A4_LANDSCAPE[1] - 792 * scale) / 2
    left, right = placed_pages(render(out), HALVES)
    assert left == pytest.approx((0, margin, 420.95, 595.28 - margin), abs=1)
    assert right == pytest.approx((420.95, margin, 841.89, 595.28 - margin), abs=1)
    assert region_texts(out, HALVES)[0] == ("4", "1")


def test_booklet_never_enlarges(make_source, tmp_path):
    out = tmp_path / "booklet.pdf"
    impose(make_source(4), out, "booklet", sheet="A3")
    left, _ = placed_pages(render(out), HALVES)
    assert left is not None
    assert left[2] - left[0] == pytest.approx(A5_PORTRAIT[0], abs=1)
    assert left[3] - left[1] == pytest.approx(A5_PORTRAIT[1], abs=1)


def test_booklet_has_no_cut_lines(make_source, tmp_path):
    out = tmp_path / "booklet.pdf"
    impose(make_source(8), out, "booklet")
    pixels = render(out)
    middle = pixels.shape[1] // 2
    assert not is_cut_line(pixels[:, middle - 2 : middle + 2]).any()
    stream = pypdf.PdfReader(out).pages[0].get_contents().get_data()
    assert not re.search(rb"\bd\n", stream)  # no dash pattern: nothing but the pages


# --- 2up / 4up -------------------------------------------------------------------------


def test_two_up_a5_pages_side_by_side(make_source, tmp_path):
    out = tmp_path / "2up.pdf"
    result = impose(make_source(5), out, "2up")
    assert result == ImposeResult(out, sheets=3, pages_in=5, blanks=1, sheet_size=A5_LANDSCAPE)
    assert sizes(out) == [A5_LANDSCAPE] * 3
    assert region_texts(out, HALVES) == [("1", "2"), ("3", "4"), ("5", "")]


def test_two_up_landscape_pages_stack_on_a_portrait_sheet(make_source, tmp_path):
    out = tmp_path / "2up.pdf"
    result = impose(make_source(3, "A5 landscape"), out, "2up")
    assert (result.sheets, result.sheet_size) == (2, A5_PORTRAIT)
    assert region_texts(out, TOP_BOTTOM) == [("1", "2"), ("3", "")]


def test_two_up_honours_page_rotation(make_source, tmp_path):
    """/Rotate 90 shows A5 portrait pages as landscape: they are stacked like landscape pages."""
    out = tmp_path / "2up.pdf"
    result = impose(make_source(2, rotate=90), out, "2up")
    assert result.sheet_size == A5_PORTRAIT
    assert region_texts(out, TOP_BOTTOM) == [("1", "2")]
    top, bottom = placed_pages(render(out), TOP_BOTTOM)
    assert top is not None and bottom is not None
    assert top[2] - top[0] > top[3] - top[1]  # landscape as displayed


def test_four_up_reading_order(make_source, tmp_path):
    out = tmp_path / "4up.pdf"
    result = impose(make_source(5), out, "4up")
    assert result == ImposeResult(out, sheets=2, pages_in=5, blanks=3, sheet_size=A5_PORTRAIT)
    assert sizes(out) == [A5_PORTRAIT] * 2
    assert region_texts(out, QUADRANTS) == [("1", "2", "3", "4"), ("5", "", "", "")]


@pytest.mark.parametrize(("count", "mode", "sides"), [(7, "2up", 4), (8, "2up", 4), (9, "4up", 3)])
def test_sheet_side_count(make_source, tmp_path, count, mode, sides):
    out = tmp_path / "out.pdf"
    assert impose(make_source(count), out, mode).sheets == sides
    assert len(pypdf.PdfReader(out).pages) == sides


@pytest.mark.parametrize(
    ("mode", "regions", "cell"),
    [("2up", HALVES, (A5_LANDSCAPE[0] / 2, A5_LANDSCAPE[1])), ("4up", QUADRANTS, (209.76, 297.64))],
)
def test_pages_scaled_uniformly_and_centred_in_cells(make_source, tmp_path, mode, regions, cell):
    out = tmp_path / "out.pdf"
    impose(make_source(4), out, mode)
    sheet_w, sheet_h = pypdf.PdfReader(out).pages[0].mediabox[2:]
    boxes = placed_pages(render(out), regions)
    scale = min((cell[0] - GUTTER) / A5_PORTRAIT[0], (cell[1] - GUTTER) / A5_PORTRAIT[1])
    for (l, b, r, t), box in zip(regions, boxes, strict=True):  # noqa: E741
        assert box is not None
        centre = ((l + r) / 2 * float(sheet_w), (b + t) / 2 * float(sheet_h))
        assert ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2) == pytest.approx(centre, abs=1)
        assert box[2] - box[0] == pytest.approx(A5_PORTRAIT[0] * scale, abs=1)
        assert box[3] - box[1] == pytest.approx(A5_PORTRAIT[1] * scale, abs=1)
        # A gutter is left: the page keeps off the cell's edges.
        assert box[0] >= l * float(sheet_w) + GUTTER / 2 - 1


def test_four_up_on_a_larger_sheet_enlarges_pages(make_source, tmp_path):
    out = tmp_path / "4up.pdf"
    assert impose(make_source(4), out, "4up", sheet="A4").sheet_size == A4_PORTRAIT
    box = placed_pages(render(out), QUADRANTS)[0]
    assert box is not None
    assert box[3] - box[1] > A5_PORTRAIT[1] / 2 + 20
    assert region_texts(out, QUADRANTS) == [("1", "2", "3", "4")]


@pytest.mark.parametrize("mode", ["2up", "4up"])
def test_cut_lines_between_cells(make_source, tmp_path, mode):
    out = tmp_path / "out.pdf"
    impose(make_source(3), out, mode)
    pixels = render(out)
    height, width = pixels.shape[:2]
    lines = [pixels[:, width // 2 - 2 : width // 2 + 2]]
    if mode == "4up":
        lines.append(pixels[height // 2 - 2 : height // 2 + 2, :].transpose(1, 0, 2))
    for band in lines:
        grey = is_cut_line(band).any(axis=1)
        assert 0.3 < grey.mean() < 0.9, grey.mean()  # dashed, along the whole sheet
    # Lines go between cells only: the outer margin along the sheet's left edge stays clean.
    edge = is_cut_line(pixels[:, : int(GUTTER / 2 * RENDER) - 2]).any(axis=1)
    if mode == "4up":
        edge[height // 2 - 2 : height // 2 + 2] = False  # where the horizontal line starts
    assert not edge.any()
    stream = pypdf.PdfReader(out).pages[0].get_contents().get_data()
    assert b"0.3 w" in stream and b"0.7 G" in stream


# --- document --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["booklet", "2up", "4up"])
def test_metadata_kept_links_dropped_source_untouched(make_source, tmp_path, mode):
    source = make_source(4)
    before = source.read_bytes()
    out = tmp_path / "out.pdf"
    impose(source, out, mode)
    assert source.read_bytes() == before
    reader = pypdf.PdfReader(out)
    assert reader.metadata is not None
    assert (reader.metadata.title, reader.metadata.author) == ("Handout test", "Ada Lovelace")
    assert reader.root_object.get("/Lang") == "en"
    assert all("/Annots" not in page for page in reader.pages)
    # No page of the reading PDF is dragged along by a link destination.
    page_objects = re.findall(rb"/Type\s*/Page\b(?!s)", out.read_bytes())
    assert len(page_objects) == len(reader.pages)


def test_result_is_frozen(make_source, tmp_path):
    result = impose(make_source(2), tmp_path / "out.pdf", "2up")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sheets = 9  # type: ignore[misc]


# --- errors and atomic writing ----------------------------------------------------------


def test_unknown_mode_suggests_the_closest(make_source, tmp_path):
    with pytest.raises(CheatsheetError) as error:
        impose(make_source(2), tmp_path / "out.pdf", "bookelt")
    assert "unknown imposition mode 'bookelt'" in str(error.value)
    assert "did you mean 'booklet'?" in str(error.value)
    assert stray_files(tmp_path, set()) == set()


def test_unknown_paper_suggests_the_closest(make_source, tmp_path):
    with pytest.raises(CheatsheetError) as error:
        impose(make_source(2), tmp_path / "out.pdf", "booklet", sheet="Leter")
    assert "unknown sheet paper 'Leter'" in str(error.value)
    assert "did you mean 'Letter'?" in str(error.value)


def test_paper_names_ignore_case(make_source, tmp_path):
    result = impose(make_source(2), tmp_path / "out.pdf", "2up", sheet="letter")
    assert result.sheet_size == LETTER_LANDSCAPE


def test_missing_source(tmp_path):
    with pytest.raises(CheatsheetError, match="source PDF not found"):
        impose(tmp_path / "nope.pdf", tmp_path / "out.pdf", "booklet")
    assert stray_files(tmp_path, set()) == set()


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not a pdf at all\n", "cannot read the source PDF"), (b"", "cannot read the source PDF")],
)
def test_unreadable_source(tmp_path, data, message):
    source = tmp_path / "bad.pdf"
    source.write_bytes(data)
    with pytest.raises(CheatsheetError, match=message) as error:
        impose(source, tmp_path / "out.pdf", "4up")
    assert "bad.pdf" in str(error.value)
    assert stray_files(tmp_path, {"bad.pdf"}) == set()


def test_source_without_pages(tmp_path):
    source = tmp_path / "empty.pdf"
    pypdf.PdfWriter().write(source)
    with pytest.raises(CheatsheetError, match="source PDF has no pages"):
        impose(source, tmp_path / "out.pdf", "2up")
    assert stray_files(tmp_path, {"empty.pdf"}) == set()


def test_refuses_to_overwrite_its_source(make_source, tmp_path):
    source = tmp_path / "sheet.pdf"
    source.write_bytes(make_source(2).read_bytes())
    with pytest.raises(CheatsheetError, match="overwrite its source"):
        impose(source, tmp_path / "." / "sheet.pdf", "2up")
    assert source.read_bytes() == make_source(2).read_bytes()


def test_success_leaves_only_the_target(make_source, tmp_path):
    out = tmp_path / "handouts" / "booklet.pdf"
    impose(make_source(8), out, "booklet")
    impose(make_source(6), out, "booklet")  # replaces an existing handout
    assert stray_files(out.parent, {"booklet.pdf"}) == set()
    assert len(pypdf.PdfReader(out).pages) == 4


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), RuntimeError("bug")])
def test_failed_write_keeps_old_target_and_no_temp_file(
    make_source, tmp_path, monkeypatch, failure
):
    out = tmp_path / "out.pdf"
    impose(make_source(2), out, "2up")
    good = out.read_bytes()

    def broken_write(self, stream):
        stream.write(b"%PDF-1.7\n partial")
        raise failure

    monkeypatch.setattr(pypdf.PdfWriter, "write", broken_write)
    expected = CheatsheetError if isinstance(failure, OSError) else RuntimeError
    with pytest.raises(expected) as error:
        impose(make_source(4), out, "4up")
    if expected is CheatsheetError:
        assert "No space left on device" in str(error.value)
        assert "previous file is unchanged" in str(error.value)
    assert out.read_bytes() == good
    assert stray_files(tmp_path, {"out.pdf"}) == set()


def test_failed_rename_leaves_no_temp_file(make_source, tmp_path, monkeypatch):
    def broken_replace(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("cheatsheet.pdf.os.replace", broken_replace)
    with pytest.raises(CheatsheetError, match="Permission denied"):
        impose(make_source(2), tmp_path / "out.pdf", "2up")
    assert stray_files(tmp_path, set()) == set()
