#!/usr/bin/env python3
"""How full are the columns? `python benchmarks/fill.py [--font-size 7.5] [FILE ...]`.

Builds every corpus sheet (or the files named) with the sample project's settings (A4
landscape, 4 columns) at a fixed font size, without fitting, and reports per sheet: pages,
the mean emptiness of the full pages (every page but the last), the emptiest column of a
full page, stranded headings and pseudo-headings, blocks split though they would fit, the
layouts the build needed and its CPU time. Then the sample sheet's fitted size.

Targets (issue #14): full pages ≤ 3 % empty on average, no column of a full page more than
15 % empty; the sample fits one page above 9 pt.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from run import ROOT, find_corpus  # benchmarks/ is on sys.path when run as a script

CORPUS = find_corpus()
TARGET_MEAN_EMPTY = 0.03
TARGET_WORST_COLUMN = 0.15


def measure(path: Path | None, font_size: float | None, out: Path, pack: bool = False) -> dict:
    """Build one sheet in-process and read the column fill of its final layout."""
    sys.path.insert(0, str(ROOT))
    from cheatsheet.config import load_project
    from cheatsheet.pipeline import build_sheet

    overrides: dict = {"output": str(out)}
    if path is not None:
        overrides.update(content=[str(path)], fit=0, font_size=font_size, title=path.stem)
    if pack:
        overrides["pack"] = True
    config = load_project(ROOT, None, overrides).sheets([load_project(ROOT).base.name])[0]
    started = time.process_time()
    result = build_sheet(config)
    cpu = time.process_time() - started
    # The preflight measures the final layout before writing (which frees each page's boxes
    # once drawn); its per-column fill is the report's `column_fill`.
    full = result.report.column_fill[:-1]
    empties = [1 - f for page in full for f in page]
    report = result.report
    return {
        "pages": result.pages,
        "font_size": result.font_size,
        "mean_empty": statistics.mean(empties) if empties else None,
        "worst_column": max(empties) if empties else None,
        "orphans": len(report.orphaned_headings),
        "splits": len(report.split_blocks),
        "layouts": report.layouts,
        "cpu": cpu,
    }


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--font-size", type=float, default=7.5)
    parser.add_argument("--pack", action="store_true", help="build with pack = true")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("cheatsheet").setLevel(logging.ERROR)
    files = args.files or sorted(CORPUS.glob("*.md"))
    rows = [
        "| sheet | pages | full pages: mean empty | emptiest column | stranded headings "
        "| split blocks | layouts | CPU s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    means = []
    with tempfile.TemporaryDirectory() as work:
        for path in files:
            m = measure(path, args.font_size, Path(work) / f"{path.stem}.pdf", args.pack)
            if m["mean_empty"] is not None:
                means.append(m["mean_empty"])
            rows.append(
                f"| {path.stem} | {m['pages']} | {pct(m['mean_empty'])} | "
                f"{pct(m['worst_column'])} | {m['orphans']} | {m['splits']} | {m['layouts']} "
                f"| {m['cpu']:.1f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
        seed = measure(None, None, Path(work) / "seed.pdf")
    packed = ", pack = true" if args.pack else ""
    print(f"# Column fill at {args.font_size:g} pt, A4 landscape, 4 columns{packed}\n")
    print("\n".join(rows))
    if means:
        print(
            f"\nmean of the sheets' full-page emptiness: {statistics.mean(means):.1%} "
            f"(target ≤ {TARGET_MEAN_EMPTY:.0%} per sheet, worst column ≤ "
            f"{TARGET_WORST_COLUMN:.0%})"
        )
    print(
        f"sample sheet fitted to {seed['pages']} page(s) at {seed['font_size']:g} pt "
        f"(target: one page above 9 pt), {seed['layouts']} layouts, {seed['cpu']:.1f} s CPU"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
