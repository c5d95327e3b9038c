"""Whose title prints: a Markdown file named on the command line inside a project keeps its
own front matter (title, subtitle, author, lang) over the project's `cheatsheet.toml`, which
still supplies the layout; flags on the command line win over both; the project's own build
follows its config. Read back from the PDF: the title block's text, the page size, the PDF's
metadata."""

from __future__ import annotations

import pypdf

from conftest import make_project, run_cli, words_text

CONFIG = """\
    title = "Project Title"
    subtitle = "project subtitle"
    author = "Project Author"
    paper = "A5"
    fit = 0
    font_size = 9
    content = ["content"]
    output = "output/{name}.pdf"
    """
NOTES = """\
    ---
    title: Notes Title
    author: Notes Author
    lang: de
    ---
    ## Erste Schritte

    Ein Absatz über die Notizen, lang genug für eine Zeile.
    """
PROJECT_NOTES = """\
    ---
    title: Content Title
    ---
    ## Section

    The project's own notes.
    """
A5_LANDSCAPE = (595.3, 419.5)


def _project(tmp_path):
    return make_project(tmp_path, {"notes.md": NOTES, "content/a.md": PROJECT_NOTES}, CONFIG)


def _size(pdf) -> tuple[float, float]:
    box = pypdf.PdfReader(pdf).pages[0].mediabox
    return round(float(box.width), 1), round(float(box.height), 1)


def test_a_file_named_on_the_command_line_keeps_its_own_front_matter(tmp_path):
    project = _project(tmp_path)
    run = run_cli("notes.md", "-o", "out.pdf", cwd=project)
    assert run.code == 0, run.err
    pdf = project / "out.pdf"
    text = words_text(pdf)
    assert "Notes Title" in text and "Notes Author" in text, text
    assert "Project Title" not in text and "Project Author" not in text, text
    # The project's subtitle belongs under the project's title, not the file's.
    assert "project subtitle" not in text, text
    # The config still lays the sheet out: A5 (not the default A4).
    assert _size(pdf) == A5_LANDSCAPE
    info = pypdf.PdfReader(pdf).metadata
    assert info.title == "Notes Title" and info.author == "Notes Author"
    assert pypdf.PdfReader(pdf).trailer["/Root"]["/Lang"] == "de"


def test_flags_win_over_the_front_matter_and_the_project_keeps_its_config(tmp_path):
    project = _project(tmp_path)
    run = run_cli("notes.md", "--title", "Flag Title", "-o", "flag.pdf", cwd=project)
    assert run.code == 0, run.err
    text = words_text(project / "flag.pdf")
    assert "Flag Title" in text and "Notes Title" not in text, text
    assert "Notes Author" in text, text
    # The project's own build: its config's title over its content's front matter.
    run = run_cli(cwd=project)
    assert run.code == 0, run.err
    (pdf,) = (project / "output").glob("*.pdf")
    text = words_text(pdf)
    assert "Project Title" in text and "project subtitle" in text, text
    assert "Content Title" not in text, text


def test_a_file_without_front_matter_takes_the_project_metadata(tmp_path):
    project = _project(tmp_path)
    (project / "bare.md").write_text("## Bare\n\nNo front matter here.\n", encoding="utf-8")
    run = run_cli("bare.md", "-o", "bare.pdf", cwd=project)
    assert run.code == 0, run.err
    text = words_text(project / "bare.pdf")
    assert "Project Title" in text and "project subtitle" in text, text
    assert "Project Author" in text, text
