"""Every real-world sheet in ../shared/corpus builds into a PDF with its text in it."""

from __future__ import annotations

import json

import pytest

from cheatsheet.content import load_content
from conftest import CORPUS, ROOT, run_cli, words_text

FILES = sorted(CORPUS.glob("*.md"))


# Sheets in scripts other than Latin: their builds below must report no missing glyph.
NON_LATIN = {"quickref-pytorch-zh", "cs229-probability-ja", "docker-cheat-sheet-ru"}


def test_corpus_is_there():
    assert len(FILES) >= 7
    assert {p.stem for p in FILES} >= NON_LATIN


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_corpus_file_builds(path, tmp_path):
    out = tmp_path / f"{path.stem}.pdf"
    result = run_cli(
        "--content", path, "--no-fit", "--title", path.stem, "-o", out, "--report", "json"
    )
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    report = json.loads(result.out)
    assert report["overflow"] == [] and report["orphaned_headings"] == [], report
    assert report["missing_glyphs"] == [] and report["split_blocks"] == [], report
    text = words_text(out)
    sections = load_content(ROOT, (str(path),), trusted=(path,)).sections
    first_words = [s.title.split()[-1] for s in sections if s.title.split()]
    found = [w for w in first_words if w in text]
    assert len(found) >= len(first_words) * 0.8, (first_words, text[:500])
