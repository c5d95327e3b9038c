"""The dialect samples of tests/samples/ (Jekyll/kramdown maths, Obsidian callouts, a GitHub
README) build with no warning, and their structure reaches the PDF."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, outline_titles, pdf_text, run_cli

SAMPLES = ROOT / "tests" / "samples"
EXPECTED = {
    "jekyll-kramdown-maths": ["Probability", "Counting", "Expectation and variance",
                              "Number theory", "Distributions"],
    "obsidian-callouts": ["Everyday commands", "Undoing things", "Branches", "Remotes"],
    "github-readme": ["rq — a tiny request CLI", "Usage", "Configuration", "Exit codes",
                      "Development"],
}  # fmt: skip
SNIPPETS = {
    "jekyll-kramdown-maths": ["For events", "Independence:", "permutations", "Residues:"],
    "obsidian-callouts": ["Start here", "Rewriting history", "Why did my commit vanish?",
                          "branching", "Rebase vs merge", "not drawn", "<branch>"],
    "github-readme": ["Note", "Warning", "Caution", "Tip", "config.toml", "RQ_PROXY",
                      "<name:value>"],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_builds_without_warnings(tmp_path, name):
    out = tmp_path / f"{name}.pdf"
    result = run_cli("--content", SAMPLES / f"{name}.md", "--no-fit", "-o", out, "--report", "json")
    assert result.code == 0, result.err
    assert "warning" not in result.err.lower(), result.err
    report = json.loads(result.out)
    assert report["missing_glyphs"] == [] and report["overflow"] == [], report
    titles = outline_titles(out)
    for title in EXPECTED[name]:
        assert title in titles, titles
    text = pdf_text(out)
    for snippet in SNIPPETS[name]:
        assert snippet in text, (snippet, text[:800])
    for leaked in ("[!", "$$", "{:", "[[", "==Fast"):
        assert leaked not in text, leaked
