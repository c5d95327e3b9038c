"""Imposition: lay a finished PDF's pages out on printer sheets for handouts.

The reading PDF has one page per sheet, which is right for screens but wasteful on paper.
A handout is a separate file made from it: a saddle-stitched booklet (fold the stack, staple
the spine) or 2/4 pages per sheet side to cut apart. Only pypdf's page transformations are
used, so text stays vector and selectable and the reading PDF is never touched.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import DependencyError, PyPdfError
from pypdf.generic import DecodedStreamObject, NameObject

from .config import PAPERS
from .errors import CheatsheetError, did_you_mean
from .pdf import write_atomically

MODES = ("booklet", "2up", "4up")
PT_PER_MM = 72 / 25.4
# Space between cells on 2up/4up sheets: room for the scissors, half of it at the sheet edge.
GUTTER = 12.0
# Cut lines must guide the cut without competing with the content.
CUT_LINE = b"q 0.3 w 0.7 G [3 2] 0 d "
# A page counts as "full size" on a sheet when it would shrink by less than this.
FULL_SIZE = 0.999

Size = tuple[float, float]
Rect = tuple[float, float, float, float]  # x, y, width, height in pt


@dataclass(frozen=True)
class ImposeResult:
    """What was written, so the CLI can report it and tests can check it.

    `sheets` counts sheet sides (pages of the imposed PDF); `blanks` counts the slots on
    them that hold no source page (booklet padding, or empty cells on the last 2up/4up side),
    so `sheets * pages per side == pages_in + blanks`.
    """

    path: Path
    sheets: int
    pages_in: int
    blanks: int
    sheet_size: Size


@dataclass(frozen=True)
class _Layout:
    """Where the pages go: one sheet size, the cells of a side in slot order, and the sides."""

    sheet: Size
    cells: tuple[Rect, ...]
    sides: tuple[tuple[int | None, ...], ...]  # 0-based source page per slot, None = blank
    max_scale: float  # booklets only shrink; grids fit pages to their cells
    inset: float  # margin kept inside each cell
    cut_lines: bool


@dataclass(frozen=True)
class _Source:
    """A source page as seen on screen: its size and the matrix that puts it at the origin."""

    page: PageObject
    size: Size
    to_origin: Transformation


def impose(source: Path, target: Path, mode: str, sheet: str | None = None) -> ImposeResult:
    """Write `source` imposed for printing to `target` as a booklet, 2up or 4up handout.

    `sheet` names the printed paper; None picks one from the source page size (see
    `_booklet_paper` for booklets, the source's own paper for 2up/4up).
    """
    source, target = Path(source), Path(target)
    mode = _check_mode(mode)
    paper = None if sheet is None else _paper(sheet)
    _check_target(source, target)
    reader = _open(source)
    try:  # pypdf parses pages lazily, so damage inside them shows up only here
        pages = [_source_page(page) for page in reader.pages]
        if mode == "booklet":
            layout = _booklet(len(pages), pages[0].size, paper)
        else:
            layout = _grid(len(pages), pages[0].size, paper, 2 if mode == "2up" else 4)
        writer = _build(reader, pages, layout)
    except PyPdfError as exc:
        raise CheatsheetError(f"cannot read the source PDF ({exc})", file=source) from None
    write_atomically(target, writer.write)

    slots = len(layout.sides) * len(layout.cells)
    return ImposeResult(
        path=target,
        sheets=len(layout.sides),
        pages_in=len(pages),
        blanks=slots - len(pages),
        sheet_size=layout.sheet,
    )


def _build(reader: PdfReader, pages: list[_Source], layout: _Layout) -> PdfWriter:
    """Assemble the imposed document in memory; nothing touches the disk yet."""
    writer = PdfWriter()
    _copy_info(reader, writer)
    width, height = layout.sheet
    lines = _cut_lines(layout) if layout.cut_lines else None
    for side in layout.sides:
        sheet_page = writer.add_blank_page(width, height)
        for cell, index in zip(layout.cells, side, strict=True):
            if index is not None:
                _place(sheet_page, pages[index], cell, layout)
        if lines is not None:
            sheet_page.merge_page(lines)
        if sheet_page.get_contents() is not None:
            sheet_page.compress_content_streams()
    return writer


def _check_mode(mode: str) -> str:
    key = mode.strip().lower()
    if key not in MODES:
        raise CheatsheetError(f"unknown imposition mode '{mode}'", hint=did_you_mean(mode, MODES))
    return key


def _paper(name: str) -> Size:
    """Portrait size in pt of a named paper; names are case-insensitive as in the config."""
    names = {known.lower(): known for known in PAPERS}
    known = names.get(name.strip().lower())
    if known is None:
        raise CheatsheetError(f"unknown sheet paper '{name}'", hint=did_you_mean(name, PAPERS))
    short, long = PAPERS[known]
    return _pt(short), _pt(long)


def _pt(mm: float) -> float:
    return round(mm * PT_PER_MM, 2)


def _check_target(source: Path, target: Path) -> None:
    if target.is_dir():
        raise CheatsheetError(
            "handout output path is a folder", file=target, hint="give a file name ending in .pdf"
        )
    if target.resolve() == source.resolve():
        raise CheatsheetError(
            "the handout would overwrite its source PDF",
            file=target,
            hint="write the handout to a separate file",
        )


def _open(source: Path) -> PdfReader:
    """Read the whole source up front, so a broken file fails before anything is written."""
    if not source.is_file():
        raise CheatsheetError("source PDF not found", file=source, hint="build the sheet first")
    try:
        reader = PdfReader(source)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CheatsheetError("source PDF is password-protected", file=source)
        count = len(reader.pages)
    except CheatsheetError:
        raise
    except (PyPdfError, DependencyError, OSError, ValueError, KeyError) as exc:
        raise CheatsheetError(f"cannot read the source PDF ({exc})", file=source) from None
    if count == 0:
        raise CheatsheetError("source PDF has no pages", file=source)
    return reader


def _source_page(page: PageObject) -> _Source:
    """Measure the visible (crop) box as displayed, honouring /Rotate.

    Links are dropped: on paper they do nothing, and internal ones point at pages of the
    reading PDF that pypdf would otherwise copy into the handout as dead weight.
    """
    if "/Annots" in page:
        del page[NameObject("/Annots")]
    box = page.cropbox
    left, bottom = float(box.left), float(box.bottom)
    width, height = float(box.width), float(box.height)
    rotation = page.rotation % 360
    shift = Transformation().translate(-left, -bottom)
    if rotation == 90:  # displayed turned clockwise: the left edge is now on top
        return _Source(
            page, (height, width), shift.transform(Transformation((0, -1, 1, 0, 0, width)))
        )
    if rotation == 180:
        return _Source(
            page, (width, height), shift.transform(Transformation((-1, 0, 0, -1, width, height)))
        )
    if rotation == 270:
        return _Source(
            page, (height, width), shift.transform(Transformation((0, 1, -1, 0, height, 0)))
        )
    return _Source(page, (width, height), shift)


def _booklet(count: int, page: Size, paper: Size | None) -> _Layout:
    """Two pages side by side on a landscape sheet, ordered for short-edge duplex.

    For n pages (padded to a multiple of 4) sheet k carries [n-2k, 2k+1] on its front and
    [2k+2, n-2k-1] on its back, so the folded stack reads 1..n.
    """
    short, long = paper if paper is not None else _booklet_paper(page)
    width, height = long, short
    half = width / 2
    padded = math.ceil(count / 4) * 4
    sides: list[tuple[int | None, ...]] = []
    for k in range(padded // 4):
        front = (padded - 2 * k, 2 * k + 1)
        back = (2 * k + 2, padded - 2 * k - 1)
        for pair in (front, back):
            sides.append(tuple(number - 1 if number <= count else None for number in pair))
    return _Layout(
        sheet=(width, height),
        cells=((0.0, 0.0, half, height), (half, 0.0, half, height)),
        sides=tuple(sides),
        max_scale=1.0,
        inset=0.0,  # the fold is the exact middle; pages meet there as in the reading PDF
        cut_lines=False,
    )


def _booklet_paper(page: Size) -> Size:
    """The paper that holds two source pages side by side: A5 -> A4, A4 -> A3, ½Letter -> Letter.

    The smallest paper that takes the pages at full size wins; if none does (Letter, Legal)
    the one that shrinks them least.
    """

    def fit(name: str) -> float:
        short, long = _paper(name)
        return min(long / 2 / page[0], short / page[1])

    def area(name: str) -> float:
        short, long = PAPERS[name]
        return short * long

    full = [name for name in PAPERS if fit(name) >= FULL_SIZE]
    if full:
        return _paper(min(full, key=area))
    return _paper(max(PAPERS, key=lambda name: (fit(name), -area(name))))


def _grid(count: int, page: Size, paper: Size | None, per_side: int) -> _Layout:
    """2 or 4 pages per side in reading order, arranged for the largest page scale."""
    short, long = paper if paper is not None else (round(min(page), 2), round(max(page), 2))
    portrait, landscape = (short, long), (long, short)
    if per_side == 2:
        options = [(2, 1, landscape), (1, 2, portrait)]
    else:
        sheets = [portrait, landscape] if page[0] <= page[1] else [landscape, portrait]
        options = [(2, 2, sheet) for sheet in sheets]

    def scale(option: tuple[int, int, Size]) -> float:
        cols, rows, (width, height) = option
        return min((width / cols - GUTTER) / page[0], (height / rows - GUTTER) / page[1])

    cols, rows, (width, height) = max(options, key=scale)  # first wins a tie
    cell_w, cell_h = width / cols, height / rows
    cells = tuple(
        (col * cell_w, height - (row + 1) * cell_h, cell_w, cell_h)
        for row in range(rows)
        for col in range(cols)
    )
    numbers = list(range(count))
    sides = tuple(
        tuple(numbers[i + j] if i + j < count else None for j in range(per_side))
        for i in range(0, count, per_side)
    )
    return _Layout(
        sheet=(width, height),
        cells=cells,
        sides=sides,
        max_scale=math.inf,
        inset=GUTTER / 2,
        cut_lines=True,
    )


def _place(sheet: PageObject, page: _Source, cell: Rect, layout: _Layout) -> None:
    """Scale the page uniformly to fit the cell (less its gutter) and centre it there."""
    x, y, width, height = cell
    inset = layout.inset
    room_w, room_h = width - 2 * inset, height - 2 * inset
    page_w, page_h = page.size
    scale = min(layout.max_scale, room_w / page_w, room_h / page_h)
    dx = x + inset + (room_w - scale * page_w) / 2
    dy = y + inset + (room_h - scale * page_h) / 2
    matrix = page.to_origin.scale(scale, scale).translate(dx, dy)
    sheet.merge_transformed_page(page.page, matrix)


def _cut_lines(layout: _Layout) -> PageObject:
    """A sheet-sized page holding only the cut lines between cells, merged over each side."""
    width, height = layout.sheet
    xs = sorted({x for x, _, _, _ in layout.cells} - {0.0})
    ys = sorted({y for _, y, _, _ in layout.cells} - {0.0})
    path = [f"{x:.2f} 0 m {x:.2f} {height:.2f} l S" for x in xs]
    path += [f"0 {y:.2f} m {width:.2f} {y:.2f} l S" for y in ys]
    stream = DecodedStreamObject()
    stream.set_data(CUT_LINE + " ".join(path).encode() + b" Q")
    page = PageObject.create_blank_page(width=width, height=height)
    page[NameObject("/Contents")] = stream
    return page


def _copy_info(reader: PdfReader, writer: PdfWriter) -> None:
    """Keep title, author and the rest, so the handout is labelled like its source."""
    info = reader.metadata
    keep = {key: info[key] for key in info if key != "/Producer"} if info is not None else {}
    if keep:
        writer.add_metadata(keep)
    language = reader.root_object.get("/Lang")
    if language is not None:
        writer.root_object[NameObject("/Lang")] = language.get_object()
