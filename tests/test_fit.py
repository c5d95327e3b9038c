"""Fitting a sheet to a page budget: the largest size that fits, found in few layouts."""

from __future__ import annotations

import json

from conftest import CORPUS, page_sizes, run_cli


def fit_report(*args):
    result = run_cli(*args, "--report", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_seed_fits_one_page_and_fills_it(tmp_path):
    report = fit_report("--fit", "1", "-o", tmp_path / "a.pdf")
    assert report["pages"] == 1 and len(page_sizes(tmp_path / "a.pdf")) == 1
    assert 8.0 <= report["font_size"] <= 11
    assert report["fill"] >= 0.8
    assert report["layouts"] <= 6


def test_two_pages_give_a_larger_size(tmp_path):
    one = fit_report("--fit", "1", "-o", tmp_path / "a.pdf")
    two = fit_report("--fit", "2", "--fit-max", "14", "-o", tmp_path / "b.pdf")
    assert two["pages"] == 2
    assert two["font_size"] > one["font_size"] + 1


def test_fit_is_deterministic(tmp_path):
    sizes = {fit_report("--fit", "1", "-o", tmp_path / f"{i}.pdf")["font_size"] for i in range(2)}
    assert len(sizes) == 1


def test_ceiling_is_respected(tmp_path):
    report = fit_report("--fit", "1", "--fit-max", "8", "-o", tmp_path / "a.pdf")
    assert report["font_size"] == 8 and report["pages"] == 1


def test_too_much_content_is_a_clear_error_unless_allowed(tmp_path):
    out = tmp_path / "big.pdf"
    args = ("--content", CORPUS / "ds-interviews-theory.md", "--fit", "1", "-o", out)
    result = run_cli(*args)
    assert result.code == 2
    assert "needs" in result.err and "pages at the smallest font size (6.5 pt)" in result.err
    assert "largest sections: 'linear-regression'" in result.err
    assert not out.exists()
    allowed = run_cli(*args, "--allow-overflow")
    assert allowed.code == 0 and out.exists()


def test_watch_mode_refit_starts_from_the_last_answer():
    from pathlib import Path

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
