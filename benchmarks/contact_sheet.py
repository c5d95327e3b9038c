#!/usr/bin/env python3
"""Render every page of every corpus sheet and of the per-script samples to contact sheets,
for a person to look at: `python benchmarks/contact_sheet.py [--out DIR] [--dpi N] [GLOB]`.

Each Markdown file is built in-process with the default options (fit to the page budget,
default theme, or `--theme`) into DIR/pdf/, then its pages are drawn with pypdfium2 and
tiled, several pages per PNG, with the file name and page number under each page, into
DIR/NAME.png (one PNG per sheet; long sheets are split over several PNGs). Pages are drawn
at `--dpi` (default 60: enough to judge layout; use 150+ and the single-page PNGs in
DIR/pages/ with `--pages` to read glyphs).

Nothing here is a test: it prints one line per sheet (pages, fitted size, seconds, missing
glyphs) and leaves the judging to whoever opens the images.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import io
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/corpus next to the project; from a worktree (/work/wt/NAME) one level further up.
CORPUS = next(
    (p / "shared" / "corpus" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared" / "corpus",
)
SAMPLES = ROOT / "tests" / "samples"
PER_ROW = 4
ROWS = 3


def sources() -> list[Path]:
    corpus = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []
    samples = sorted(SAMPLES.glob("*.md"))
    return [*corpus, *samples, ROOT / "content" / "quick-reference.md"]


def build(source: Path, pdf: Path, theme: str) -> tuple[int, str]:
    """Build one sheet with the CLI's own entry point; returns (exit code, its output)."""
    from cheatsheet import cli

    err = io.StringIO()
    args = ["--project", str(source.parent), "--content", str(source), "-o", str(pdf)]
    if theme:
        args += ["--theme", theme]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):
        code = cli.main(args)
    return code, err.getvalue()


def draw_pages(pdf: Path, dpi: float):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    finally:
        document.close()


def tile(images, labels: list[str]):
    """Pages side by side, PER_ROW to a row, each labelled underneath."""
    from PIL import Image, ImageDraw

    width = max(image.width for image in images)
    height = max(image.height for image in images)
    gap, label = 12, 16
    rows = (len(images) + PER_ROW - 1) // PER_ROW
    columns = min(PER_ROW, len(images))
    sheet = Image.new(
        "RGB", (columns * (width + gap) + gap, rows * (height + gap + label) + gap), "#9aa0a6"
    )
    draw = ImageDraw.Draw(sheet)
    for index, (image, text) in enumerate(zip(images, labels, strict=True)):
        x = gap + (index % PER_ROW) * (width + gap)
        y = gap + (index // PER_ROW) * (height + gap + label)
        sheet.paste(image, (x, y))
        draw.text((x, y + height + 2), text, fill="black")
    return sheet


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    options.add_argument("pattern", nargs="?", default="*", help="file name glob (default *)")
    options.add_argument("--out", type=Path, default=ROOT / "output" / "contact")
    options.add_argument("--dpi", type=float, default=60)
    options.add_argument("--theme", default="")
    options.add_argument("--pages", action="store_true", help="also one PNG per page")
    args = options.parse_args(argv)
    (args.out / "pdf").mkdir(parents=True, exist_ok=True)
    failures = 0
    for source in sources():
        if not fnmatch.fnmatch(source.name, args.pattern):
            continue
        pdf = args.out / "pdf" / f"{source.stem}.pdf"
        started = time.process_time()
        code, err = build(source, pdf, args.theme)
        seconds = time.process_time() - started
        if code != 0 or not pdf.exists():
            failures += 1
            print(f"{source.name}: FAILED ({code}) {err.strip().splitlines()[-1:]}")
            continue
        pages = draw_pages(pdf, args.dpi)
        # The preflight names missing glyphs only when there are some ("no defects").
        glyphs = re.search(r"missing glyphs (\d+)", err)
        size = re.search(r"pages?, [^,\n]+, \d+ columns, (\d+(?:\.\d+)?) pt", err)
        print(
            f"{source.name}: {len(pages)} page(s) at {size.group(1) if size else '?'} pt, "
            f"{seconds:.1f} s CPU, missing glyphs {glyphs.group(1) if glyphs else '0'}"
        )
        per_png = PER_ROW * ROWS
        for start in range(0, len(pages), per_png):
            chunk = pages[start : start + per_png]
            labels = [f"{source.stem} p{start + n + 1}" for n in range(len(chunk))]
            suffix = f"-{start // per_png + 1}" if len(pages) > per_png else ""
            tile(chunk, labels).save(args.out / f"{source.stem}{suffix}.png")
        if args.pages:
            (args.out / "pages").mkdir(exist_ok=True)
            for number, page in enumerate(draw_pages(pdf, 150), 1):
                page.save(args.out / "pages" / f"{source.stem}-p{number}.png")
    print(f"contact sheets in {args.out}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
