"""The dialect samples of tests/samples/ (Jekyll/kramdown maths, Obsidian callouts, a GitHub
README) build with no warning, and their structure reaches the PDF."""

from __future__ import annotations

import json
import re

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


CALLOUTS = """## Callouts

> [!NOTE]
> GitHub note body.

> [!tip] Obsidian title
> Obsidian body.

> [!faq]- Folded one
> Folded body.

!!! warning "MkDocs title"
    MkDocs body.

After.
"""


def _coloured_pixels(pdf) -> int:
    """Pixels with a visible hue (not white, grey or black) on the first page."""
    import pypdfium2

    image = pypdfium2.PdfDocument(str(pdf))[0].render(scale=1.5).to_pil().convert("RGB")
    data = image.tobytes()
    return sum(
        1 for i in range(0, len(data), 3) if max(data[i : i + 3]) - min(data[i : i + 3]) > 40
    )


@pytest.mark.parametrize("theme", ["default", "ink", "boxed"])
def test_callouts_of_all_three_syntaxes_in_every_theme(tmp_path, theme):
    source = tmp_path / "c.md"
    source.write_text(CALLOUTS, encoding="utf-8")
    out = tmp_path / "c.pdf"
    result = run_cli("--content", source, "--no-fit", "--theme", theme, "-o", out)
    assert result.code == 0 and "warning" not in result.err.lower(), result.err
    text = pdf_text(out).replace("\r", "").lower()
    for title, body in (("note", "github note body."), ("obsidian title", "obsidian body."),
                        ("folded one", "folded body."), ("mkdocs title", "mkdocs body.")):  # fmt: skip
        assert re.search(rf"\S {title}\n{re.escape(body)}", text), (title, text)  # icon, title
    for leaked in ("[!", "!!!", "> "):
        assert leaked not in text
    if theme == "ink":
        assert _coloured_pixels(out) == 0  # the ink theme: no fills, no colour
    else:
        assert _coloured_pixels(out) > 1000
