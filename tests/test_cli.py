"""The command line as people coming from pandoc, typst and md2pdf use it (issue #10):
files as arguments, stdin/stdout, sub-commands, output names, fitting by default, the
cache folder, colours. In-process through `cli.main` (see conftest.run_cli)."""

from __future__ import annotations

import io
import json
import os
import tomllib

import pypdf
import pytest

from cheatsheet import __version__, cli
from cheatsheet.config import load_project
from conftest import A4_LANDSCAPE, make_project, page_sizes, pdf_text, run_cli

SHORT = "# Shell\n\n- `ls -la` lists files\n- `cd -` goes back\n\n```bash\necho hi\n```\n"


def used_fraction(path) -> float:
    """How much of the page height the text reaches, from the PDF (0..1)."""
    page = pypdf.PdfReader(path).pages[0]
    lowest = [float(page.mediabox.height)]

    def visit(text, cm, tm, font, size):
        if text.strip():
            lowest[0] = min(lowest[0], tm[5] * cm[3] + cm[5])

    page.extract_text(visitor_text=visit)
    return 1 - lowest[0] / float(page.mediabox.height)


def test_file_argument_gives_a_fitted_pdf_next_to_it(tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text(SHORT, encoding="utf-8")
    result = run_cli(notes, "--report", "json", cwd=tmp_path / "..")
    assert result.code == 0, result.err
    out = tmp_path / "notes.pdf"
    assert page_sizes(out) == [pytest.approx(A4_LANDSCAPE, abs=0.01)]
    assert "ls -la" in pdf_text(out)
    report = json.loads(result.out)
    assert report["font_size"] == 11  # a short note: one page at the largest size (fit_max)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "notes.pdf"]


def test_fit_auto_uses_the_fewest_pages_at_seven_points_then_fills_them(tmp_path):
    section = "## Part {n}\n\n" + "A line of ordinary prose to fill the column. " * 12 + "\n\n"
    notes = tmp_path / "long.md"
    notes.write_text("".join(section.format(n=n) for n in range(60)), encoding="utf-8")
    result = run_cli(notes, "--report", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    at_floor = run_cli(
        notes,
        "--fit",
        "0",
        "--font-size",
        "7",
        "-o",
        tmp_path / "floor.pdf",
        "--report",
        "json",
        cwd=tmp_path,
    )
    floor_pages = json.loads(at_floor.out)["pages"]
    assert report["pages"] == floor_pages >= 2
    assert 7 <= report["font_size"] <= 11
    assert report["fill"] > 0.6  # the last page is well used, not a corner of it


def test_several_files_one_sheet_and_o_without_suffix(tmp_path):
    make_project(tmp_path, {"a.md": "## Alpha\n\nfirst\n", "b.md": "## Beta\n\nsecond\n"})
    result = run_cli("a.md", "b.md", "-o", "card", cwd=tmp_path)
    assert result.code == 0, result.err
    text = pdf_text(tmp_path / "card.pdf")
    assert text.index("first") < text.index("second")


def test_unquoted_content_glob_keeps_every_file(tmp_path):
    make_project(tmp_path, {"a.md": "## Alpha\n\nfirst\n", "b.md": "## Beta\n\nsecond\n"})
    result = run_cli("--content", "a.md", "b.md", "-o", "both.pdf", cwd=tmp_path)  # *.md
    assert result.code == 0, result.err
    text = pdf_text(tmp_path / "both.pdf")
    assert text.index("first") < text.index("second")


def test_quoted_glob_is_expanded(tmp_path):
    make_project(tmp_path, {"a.md": "## Alpha\n\nfirst\n", "b.md": "## Beta\n\nsecond\n"})
    result = run_cli("*.md", "-o", "all.pdf", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "second" in pdf_text(tmp_path / "all.pdf")


def test_output_named_after_front_matter_title_or_title_flag(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "---\ntitle: Kube Notes\n---\n## A\n\nx\n"})
    assert run_cli("-C", project, "-q").code == 0
    assert (project / "output" / "kube-notes.pdf").is_file()
    assert run_cli("-C", project, "-q", "--title", "Other Name").code == 0
    assert (project / "output" / "other-name.pdf").is_file()


def test_very_long_title_is_shortened_not_a_crash(tmp_path):
    title = "Cheat sheet " + "x" * 250
    project = make_project(tmp_path, {"content/a.md": "## A\n\nx\n"})
    result = run_cli("-C", project, "--no-fit", "--title", title)
    assert result.code == 0, result.err
    (pdf,) = (project / "output").iterdir()
    assert len(pdf.name.encode()) <= 104 and pdf.name.startswith("cheat-sheet-x")


def test_stdin_to_stdout(tmp_path):
    result = run_cli("-", "-o", "-", cwd=tmp_path, stdin=SHORT.encode())
    assert result.code == 0, result.err
    assert result.stdout_bytes.startswith(b"%PDF-")
    assert "ls -la" in pypdf.PdfReader(io.BytesIO(result.stdout_bytes)).pages[0].extract_text()
    assert "page" in result.err  # the summary went to stderr, not into the PDF
    assert list(tmp_path.iterdir()) == []  # nothing left behind


def test_word_that_is_neither_file_nor_sheet(tmp_path):
    result = run_cli("notes", cwd=tmp_path)
    assert result.code == 2 and "'notes' is neither a file nor a sheet" in result.err
    missing = run_cli("notes.md", cwd=tmp_path)
    assert missing.code == 2 and "file 'notes.md' not found" in missing.err
    project = make_project(
        tmp_path / "p",
        {"content/a.md": "## A\n\nx\n"},
        "name = 'main'\n[sheets.aws]\ncolumns = 2\n",
    )
    inside = run_cli("nope", cwd=project)
    assert inside.code == 2 and "sheets: aws, main" in inside.err
    typo = run_cli("biuld", cwd=project)
    assert "did you mean the command 'build'?" in typo.err


def test_sheet_name_in_a_project_still_works(tmp_path):
    project = make_project(
        tmp_path,
        {"content/a.md": "## A\n\nx\n"},
        "name = 'main'\nfit = 0\n[sheets.small]\ncolumns = 2\n",
    )
    result = run_cli("small", "-q", cwd=project)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (project / "output").iterdir()) == ["small.pdf"]


def test_file_in_a_project_with_variants_is_one_sheet_with_the_project_settings(tmp_path):
    project = make_project(
        tmp_path,
        {"content/a.md": "## A\n\nx\n", "extra.md": SHORT},
        "name = 'main'\ncolumns = 2\n[sheets.small]\ncolumns = 1\n",
    )
    result = run_cli("extra.md", "--report", "json", cwd=project)
    assert result.code == 0, result.err
    assert json.loads(result.out)["columns"] == 2
    assert sorted(p.name for p in project.iterdir()) == [
        "cheatsheet.toml",
        "content",
        "extra.md",
        "extra.pdf",
    ]


def test_no_cache_folder_in_the_current_folder(tmp_path, monkeypatch):
    cache = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    work = tmp_path / "work"
    make_project(work, {"n.md": "## M\n\n$E = mc^2$ and $a^2 + b^2$\n"})
    result = run_cli("n.md", "--no-fit", cwd=work)
    assert result.code == 0, result.err
    assert sorted(p.name for p in work.iterdir()) == ["n.md", "n.pdf"]
    assert list((cache / "cheatsheet").rglob("*.json")), "formulas cached under XDG_CACHE_HOME"


def test_init_writes_a_commented_config_and_sample_content_and_never_overwrites(tmp_path):
    result = run_cli("init", cwd=tmp_path)
    assert result.code == 0, result.err
    config = (tmp_path / "cheatsheet.toml").read_text(encoding="utf-8")
    assert "# columns = 4" in config and tomllib.loads(config)["title"] == "My cheat sheet"
    load_project(tmp_path)  # valid as written
    (tmp_path / "cheatsheet.toml").write_text("title = 'mine'\n", encoding="utf-8")
    again = run_cli("init", cwd=tmp_path)
    assert again.code == 0 and "exists, left as it is" in again.out
    assert (tmp_path / "cheatsheet.toml").read_text(encoding="utf-8") == "title = 'mine'\n"
    built = run_cli("-q", cwd=tmp_path)
    assert built.code == 0, built.err
    assert "Ctrl-R" in pdf_text(tmp_path / "output" / "mine.pdf")


def test_themes_lists_name_and_one_line(tmp_path):
    result = run_cli("themes", cwd=tmp_path)
    assert result.code == 0
    lines = dict(line.split(None, 1) for line in result.out.strip().splitlines())
    assert set(lines) >= {"default", "ink"} and "Ink-saving" in lines["ink"]


def test_version_and_help_with_examples():
    version = run_cli("--version")
    assert version.code == 0 and version.out.startswith(f"cheatsheet {__version__} (WeasyPrint")
    top = run_cli("--help").out
    for word in ("build", "watch", "sections", "themes", "init", "examples:", "notes.pdf"):
        assert word in top
    for command in cli.COMMANDS:
        sub = run_cli(command, "--help")
        assert sub.code == 0 and f"usage: cheatsheet {command}" in sub.out


def test_mistyped_flag_gets_a_suggestion_from_the_subcommand():
    result = run_cli("--colums", "3")
    assert result.code == 2 and "did you mean '--columns'?" in result.err


def test_errors_coloured_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert cli.paint("error:", "31", Tty()) == "\033[1;31merror:\033[0m"
    assert cli.paint("error:", "31", io.StringIO()) == "error:"
    monkeypatch.setenv("NO_COLOR", "1")
    assert cli.paint("error:", "31", Tty()) == "error:"
    assert "\033[" not in run_cli("nothing-here").err  # captured: not a terminal


def test_preflight_line_lists_only_findings(tmp_path):
    notes = tmp_path / "n.md"
    notes.write_text("## A\n\nfine\n", encoding="utf-8")
    result = run_cli(notes)
    assert "; no defects" in result.out and " 0" not in result.out.splitlines()[1]


def test_missing_image_reported_once(tmp_path):
    notes = tmp_path / "n.md"
    notes.write_text("## A\n\n![x](gone.png) and again ![y](gone.png)\n", encoding="utf-8")
    result = run_cli(notes, "--strict")
    assert result.code == 3
    assert result.err.count("gone.png' not found") == 1, result.err
    assert "missing images 1" in result.out or "missing images 2" in result.out


@pytest.mark.parametrize("value", ["-1", "99999", "http"])
def test_bad_port_is_a_usage_error(value):
    result = run_cli("watch", "--port", value)
    assert result.code == 2 and "port must be 0 to 65535" in result.err


def test_run_cli_restores_the_working_folder(tmp_path):
    before = os.getcwd()
    run_cli("--version", cwd=tmp_path)
    assert os.getcwd() == before
