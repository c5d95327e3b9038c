"""Choose the largest base font size at which the sheet fits in N pages.

Each layout costs about half a second, so the search is model-guided rather than a plain
bisection: content area grows roughly with the square of the font size, so the first layout's
fill predicts the answer, and each further layout refines the exponent. Only the layout is
re-run; Markdown and highlighting are done once, and the PDF is written once by the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .preflight import used_pages

STEP = 0.1  # font sizes are searched on this grid (points), which makes the choice stable
TARGET_FILL = 0.985  # aim just below a full last page: block breaks make the fill lumpy
MAX_LAYOUTS = 7


@dataclass
class FitResult:
    font_size: float
    document: Any
    fits: bool
    layouts: int
    tried: list[tuple[float, float, int]] = field(default_factory=list)  # size, used, pages


def fit_font_size(
    layout, pages: int, floor: float, ceiling: float, start: float, previous: float | None = None
) -> FitResult:
    """Search [floor, ceiling] for the largest size whose layout needs at most `pages` pages.

    `layout(size)` returns a laid-out WeasyPrint document. The result keeps the document of
    the chosen size so the caller writes it without laying out again. `previous` is the answer
    for an earlier version of the same sheet (watch mode): an edit rarely moves it, so it and
    its neighbour one step up are tried first, which settles most rebuilds in two layouts.
    """
    tried: dict[float, tuple[float, Any]] = {}

    def attempt(size: float) -> tuple[float, Any]:
        size = _snap(min(max(size, floor), ceiling))
        if size not in tried:
            document = layout(size)
            tried[size] = (used_pages(document), document)
        return tried[size]

    def fits(size: float) -> bool:
        return len(tried[size][1].pages) <= pages

    size = _snap(min(max(previous if previous else start, floor), ceiling))
    used, _ = attempt(size)
    if previous and fits(size) and size < ceiling:
        size = _snap(size + STEP)
        used, _ = attempt(size)
    exponent = 2.0
    stride = 2 * STEP  # least move while the answer is not yet bracketed; doubles each time
    while len(tried) < MAX_LAYOUTS:
        good = [s for s in tried if fits(s)]
        bad = [s for s in tried if not fits(s)]
        low = max(good, default=None)
        high = min(bad, default=None)
        if low is not None and (low >= ceiling or (high is not None and high - low <= STEP + 1e-9)):
            break
        if high is not None and high <= floor:
            break
        if low is not None and high is None and tried[low][0] >= pages * 0.97:
            break  # fills the budget already; any larger size would spill over
        guess = size * (pages * TARGET_FILL / max(used, 1e-3)) ** (1 / exponent)
        if low is not None and high is not None:
            guess = min(max(guess, low + STEP), high - STEP)
            at_edge = min(guess - low, high - guess) <= STEP + 1e-9
            if guess in tried or (at_edge and high - low > 3 * STEP):
                guess = (low + high) / 2  # the model hugs a bound: bisect instead
        elif low is not None:  # the fill is lumpy: don't creep up by a step at a time
            guess, stride = max(guess, low + stride), stride * 2
        else:
            guess, stride = min(guess, high - stride), stride * 2
        guess = _snap(min(max(guess, floor), ceiling))
        if guess in tried:
            guess = _snap(guess + (STEP if high is None else -STEP))
            if guess in tried or not floor <= guess <= ceiling:
                break
        new_used, _ = attempt(guess)
        if new_used > 0 and used > 0 and guess != size:
            measured = math.log(new_used / used) / math.log(guess / size)
            if 0.8 <= measured <= 4:
                exponent = measured
        size, used = guess, new_used
    good = [s for s in tried if fits(s)]
    chosen = max(good) if good else min(tried)
    return FitResult(
        font_size=chosen,
        document=tried[chosen][1],
        fits=bool(good),
        layouts=len(tried),
        tried=[(s, round(u, 3), len(d.pages)) for s, (u, d) in sorted(tried.items())],
    )


def _snap(size: float) -> float:
    return round(round(size / STEP) * STEP, 2)


AUTO_FLOOR = 7.0  # points: "auto" fitting never sets the body smaller than this


def fit_auto(layout, floor: float, ceiling: float, previous: float | None = None) -> FitResult:
    """`fit = "auto"`: the fewest pages at which the body is at least `floor` points, then
    the largest size up to `ceiling` that still fits that many pages. A short note gets one
    full page at a comfortable size instead of a corner of a page at a fixed size."""
    floor = _snap(max(floor, AUTO_FLOOR))
    ceiling = max(ceiling, floor)
    memo: dict[float, Any] = {}

    def remembered(size: float):
        if size not in memo:
            memo[size] = layout(size)
        return memo[size]

    pages = max(1, len(remembered(floor).pages))
    return fit_font_size(remembered, pages, floor, ceiling, start=floor, previous=previous)
