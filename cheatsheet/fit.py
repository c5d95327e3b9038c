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
    used: float = 0.0  # pages of content at the chosen size (2.5 = two and a half)


def fit_font_size(
    layout,
    pages: int,
    floor: float,
    ceiling: float,
    start: float,
    previous: float | None = None,
    previous_used: float | None = None,
) -> FitResult:
    """Search [floor, ceiling] for the largest size whose layout needs at most `pages` pages.

    `layout(size)` returns a laid-out WeasyPrint document. The result keeps the document of
    the chosen size so the caller writes it without laying out again; every other document
    is dropped as soon as a better one exists (a big sheet's layout is hundreds of MB).
    `previous` is the answer for an earlier version of the same sheet (watch mode): an edit
    rarely moves it, so it and its neighbour one step up are tried first, which settles most
    rebuilds in two layouts. With `previous_used` (the content it held then), an edit that
    did not shrink the content settles in one: one step up did not fit before, and more
    content cannot make it fit now. A budget that cannot be met is known after one layout at the
    floor: the search never goes below it, and stops there.
    """
    measured: dict[float, tuple[float, int]] = {}  # size -> (used pages, page count)
    kept: dict[float, Any] = {}  # the best document so far, by size (one entry)

    def attempt(size: float) -> float:
        size = _snap(min(max(size, floor), ceiling))
        if size not in measured:
            document = layout(size)
            measured[size] = (used_pages(document), len(document.pages))
            kept[size] = document
            best = _best(measured, pages)
            for other in [s for s in kept if s != best]:
                del kept[other]
        return measured[size][0]

    def fits(size: float) -> bool:
        return measured[size][1] <= pages

    size = _snap(min(max(previous if previous else start, floor), ceiling))
    used = attempt(size)
    grown = previous_used is not None and used >= previous_used - 1e-6
    settled = bool(previous) and fits(size) and grown  # one step up cannot fit now either
    if previous and fits(size) and size < ceiling and not grown:
        size = _snap(size + STEP)
        used = attempt(size)
    exponent = 2.0
    stride = 2 * STEP  # least move while the answer is not yet bracketed; doubles each time
    while len(measured) < MAX_LAYOUTS and not settled:
        good = [s for s in measured if fits(s)]
        bad = [s for s in measured if not fits(s)]
        low, high = max(good, default=None), min(bad, default=None)
        if low is not None and (low >= ceiling or (high is not None and high - low <= STEP + 1e-9)):
            break
        if high is not None and high <= floor:
            break  # does not fit even at the floor: the caller reports the pages it needs
        if low is not None and high is None and measured[low][0] >= pages * 0.97:
            # Fills the budget already, but blocks move whole: a larger size may still fit.
            guess, stride = low + stride, stride * 2
        elif low is not None and high is not None:
            # Interpolation aims well on smooth fills but creeps up a step at a time on lumpy
            # ones and runs out of layouts: keep each guess a third of the bracket from its
            # ends, so a bracket shrinks at least as fast as bisection.
            span = high - low
            if measured[low][0] >= pages * 0.97 and span <= 8 * STEP + 1e-9:
                # The fit already fills the budget: the model can only say "here", which
                # creeps up a third at a time and ran out of layouts one step short on a
                # plateau of full pages. In a narrow bracket, bisect.
                guess = _snap((low + high) / 2)
            else:
                guess = _between(low, measured[low][0], high, measured[high][0], pages)
                guess = _snap(min(max(guess, low + span / 3), high - span / 3))
            if guess in (low, high):
                guess = _snap((low + high) / 2)
            if guess in (low, high):
                break
        else:
            guess = size * (pages * TARGET_FILL / max(used, 1e-3)) ** (1 / exponent)
            if low is not None:  # the fill is lumpy: don't creep up by a step at a time
                guess, stride = max(guess, low + stride), stride * 2
            elif previous and len(measured) == 1:
                guess = high - STEP  # the last answer just stopped fitting: one step down
            else:
                guess, stride = min(guess, high - stride), stride * 2
            guess = _snap(min(max(guess, floor), ceiling))
        if guess in measured:
            break
        new_used = attempt(guess)
        if new_used > 0 and used > 0 and guess != size:
            slope = math.log(new_used / used) / math.log(guess / size)
            if 0.8 <= slope <= 4:
                exponent = slope
        size, used = guess, new_used
    chosen = _best(measured, pages)
    return FitResult(
        font_size=chosen,
        document=kept[chosen],
        fits=fits(chosen),
        layouts=len(measured),
        tried=[(s, round(u, 3), n) for s, (u, n) in sorted(measured.items())],
        used=measured[chosen][0],
    )


def _between(low: float, used_low: float, high: float, used_high: float, pages: int) -> float:
    """Where the content reaches the budget between a size that fits and one that does not,
    by the power law through both; kept to the middle half of a wide bracket, so the
    bracket shrinks by a quarter at least even where the lumpy fill misleads the model."""
    try:
        exponent = math.log(used_high / used_low) / math.log(high / low)
        guess = low * (pages / used_low) ** (1 / exponent)
    except (ValueError, ZeroDivisionError):
        guess = (low + high) / 2
    width = high - low
    margin = width / 4 if width > 4 * STEP else STEP
    return min(max(guess, low + margin), high - margin)


def _best(measured: dict[float, tuple[float, int]], pages: int) -> float:
    """The largest size that fits, or, when none does, the smallest size tried."""
    good = [s for s, (_, count) in measured.items() if count <= pages]
    return max(good) if good else min(measured)


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
        # The floor's layout is used twice (page count, then the search); handed over once,
        # so the search's keep-only-the-best rule frees it.
        return memo.pop(size) if size in memo else layout(size)

    memo[floor] = layout(floor)
    pages = max(1, len(memo[floor].pages))
    return fit_font_size(remembered, pages, floor, ceiling, start=floor, previous=previous)
