"""Fitting a sheet to a page budget: the largest size that fits, found in few layouts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import CORPUS, page_sizes, run_cli


def fit_report(*args):
    result = run_cli(*args, "--report", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


@pytest.fixture(scope="module")
def one_page(tmp_path_factory) -> tuple[dict, Path]:
    """The sample sheet fitted to one page, once for the tests that compare with it."""
    out = tmp_path_factory.mktemp("fit") / "a.pdf"
    return fit_report("--fit", "1", "-o", out), out


def test_seed_fits_one_page_and_fills_it(one_page):
    report, out = one_page
    assert report["pages"] == 1 and len(page_sizes(out)) == 1
    assert 8.0 <= report["font_size"] <= 11
    assert report["fill"] >= 0.8
    assert report["layouts"] <= 6


def test_two_pages_give_a_larger_size(one_page, tmp_path):
    one, _ = one_page
    two = fit_report("--fit", "2", "--fit-max", "14", "-o", tmp_path / "b.pdf")
    assert two["pages"] == 2
    assert two["font_size"] > one["font_size"] + 1


def test_fit_is_deterministic(one_page, tmp_path):
    again = fit_report("--fit", "1", "-o", tmp_path / "again.pdf")
    assert again["font_size"] == one_page[0]["font_size"]


def test_ceiling_is_respected(tmp_path):
    report = fit_report("--fit", "1", "--fit-max", "8", "-o", tmp_path / "a.pdf")
    assert report["font_size"] == 8 and report["pages"] == 1


def test_too_much_content_is_a_clear_error_unless_allowed(tmp_path):
    # The first four sections of a long sheet (24 KB; all 81 KB are built in test_corpus):
    # two pages at the floor size, so a budget of one cannot be met.
    text = (CORPUS / "ds-interviews-theory.md").read_text(encoding="utf-8")
    big = tmp_path / "big.md"
    big.write_text(text[: text.index("\n## Regularization")], encoding="utf-8")
    out = tmp_path / "big.pdf"
    args = ("--content", big, "--fit", "1", "-o", out)
    result = run_cli(*args)
    assert result.code == 2
    assert "needs" in result.err and "pages at the smallest font size (6.5 pt)" in result.err
    assert "largest sections: 'linear-regression'" in result.err
    assert not out.exists()
    allowed = run_cli(*args, "--allow-overflow")
    assert allowed.code == 0 and out.exists()


def test_watch_mode_refit_starts_from_the_last_answer():
    from cheatsheet.config import load_project
    from cheatsheet.fit import fit_font_size
    from cheatsheet.page import resolve_theme
    from cheatsheet.pdf import Renderer
    from cheatsheet.pipeline import allowed_roots, build_html

    config = load_project(Path(__file__).resolve().parents[1]).base
    sheet = build_html(config)
    renderer = Renderer(config, resolve_theme(config), allowed_roots(config, sheet.sections))

    def layout(size):
        return renderer.layout(sheet.html, size)

    cold = fit_font_size(layout, 1, 6.5, 11, start=7.5)
    warm = fit_font_size(layout, 1, 6.5, 11, start=7.5, previous=cold.font_size)
    assert warm.font_size == cold.font_size
    assert warm.layouts == 2


# --- the search itself, on a fake layout: fast, and checked over many shapes of content ---

import math  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from unittest import mock  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from cheatsheet import fit  # noqa: E402


@dataclass
class FakeDocument:
    used: float

    @property
    def pages(self) -> list[None]:
        return [None] * max(1, math.ceil(self.used - 1e-9))


def fake_layout(content: float, exponent: float, lumps: int, calls: list[float]):
    """Pages used grow with size**exponent, in lumps (blocks that move whole)."""

    def layout(size: float) -> FakeDocument:
        calls.append(size)
        return FakeDocument(math.ceil(content * size**exponent * lumps) / lumps)

    return layout


def search(content, exponent, lumps, budget, start=7.5, previous=None, previous_used=None):
    calls: list[float] = []
    with mock.patch.object(fit, "used_pages", lambda document: document.used):
        result = fit.fit_font_size(
            fake_layout(content, exponent, lumps, calls),
            budget,
            6.5,
            11.0,
            start,
            previous,
            previous_used,
        )
    return result, calls


def pages_at(content, exponent, lumps, size):
    return len(fake_layout(content, exponent, lumps, [])(size).pages)


@settings(max_examples=200, deadline=None)
@given(
    content=st.floats(0.002, 0.1),
    exponent=st.floats(1.6, 2.6),
    lumps=st.integers(8, 40),  # a page's content moves in blocks of ≤ 1/8 page
    budget=st.integers(1, 4),
    start=st.sampled_from([7.5, 6.5, 11.0, 9.0]),
)
def test_search_finds_the_largest_fitting_size(content, exponent, lumps, budget, start):
    result, calls = search(content, exponent, lumps, budget, start=start)
    assert result.layouts == len(calls) == len(set(calls)) <= fit.MAX_LAYOUTS
    assert 6.5 <= result.font_size <= 11.0
    if pages_at(content, exponent, lumps, 6.5) > budget:
        # cannot fit: reported with the floor's layout, and only one layout there
        assert not result.fits and result.font_size == 6.5 and calls.count(6.5) == 1
        return
    assert result.fits
    assert pages_at(content, exponent, lumps, result.font_size) <= budget
    up = round(result.font_size + fit.STEP, 2)
    assert result.font_size == 11.0 or pages_at(content, exponent, lumps, up) > budget
    assert result.document.used == fake_layout(content, exponent, lumps, [])(result.font_size).used


@settings(max_examples=100, deadline=None)
@given(content=st.floats(0.002, 0.1), exponent=st.floats(1.6, 2.6), lumps=st.integers(8, 40))
def test_refit_from_the_previous_answer_takes_two_layouts(content, exponent, lumps):
    cold, _ = search(content, exponent, lumps, 1)
    if not cold.fits or cold.font_size == 11.0:
        return
    warm, calls = search(content, exponent, lumps, 1, previous=cold.font_size)
    assert warm.font_size == cold.font_size and len(calls) == 2


def test_only_the_chosen_document_is_kept():
    kept: list = []
    calls: list[float] = []
    base = fake_layout(0.01, 2.0, 10, calls)

    def layout(size):
        document = base(size)
        kept.append(weakref.ref(document))
        return document

    import gc
    import weakref

    with mock.patch.object(fit, "used_pages", lambda document: document.used):
        result = fit.fit_font_size(layout, 1, 6.5, 11.0, 7.5)
    gc.collect()
    alive = [ref() for ref in kept if ref() is not None]
    assert alive == [result.document] and len(calls) > 1


@settings(max_examples=100, deadline=None)
@given(
    content=st.floats(0.002, 0.1),
    exponent=st.floats(1.6, 2.6),
    lumps=st.integers(8, 40),
    growth=st.floats(1.0, 1.05),
)
def test_refit_after_content_grew_takes_one_layout_when_it_still_fits(
    content, exponent, lumps, growth
):
    cold, _ = search(content, exponent, lumps, 1)
    if not cold.fits:
        return
    grown = content * growth
    warm, calls = search(
        grown, exponent, lumps, 1, previous=cold.font_size, previous_used=cold.used
    )
    best, _ = search(grown, exponent, lumps, 1)
    assert warm.font_size == best.font_size or not best.fits
    if pages_at(grown, exponent, lumps, cold.font_size) <= 1:
        assert len(calls) == 1
