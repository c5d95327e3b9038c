"""Choosing, ordering and listing sections; named sheet variants."""

from __future__ import annotations

from pathlib import Path

import pytest

from cheatsheet.content import load_content, select_sections
from cheatsheet.errors import CheatsheetError
from conftest import ROOT, SEED_SECTIONS, make_project, outline_titles, pdf_text, run_cli

SLUGS = [
    "essential-formulas-concepts",
    "interview-formulas",
    "common-interview-topics",
    "code-templates",
    "presentation-tips",
    "must-know-papers-2023-2024",
]


@pytest.fixture(scope="module")
def seed_sections():
    return load_content(ROOT, ("content",)).sections


def test_sections_and_slugs_of_the_seed(seed_sections):
    assert [s.slug for s in seed_sections] == SLUGS
    assert [s.title.split(" ", 1)[1] for s in seed_sections] == SEED_SECTIONS
    assert seed_sections[0].title.startswith("🚀")


def test_list_sections_command():
    result = run_cli("--list-sections")
    assert result.code == 0, result.err
    lines = [line for line in result.out.splitlines() if line.startswith(" *")]
    assert [line.split()[1] for line in lines] == SLUGS
    assert "content/quick-reference.md:3" in result.out
    assert "chars]" in result.out


def test_include_orders_exclude_removes(seed_sections):
    chosen = select_sections(seed_sections, include=("code-*", "Interview Formulas", "*tips"))
    assert [s.slug for s in chosen] == ["code-templates", "interview-formulas", "presentation-tips"]
    chosen = select_sections(seed_sections, exclude=("*papers*", "common-interview-topics"))
    assert [s.slug for s in chosen] == [SLUGS[0], SLUGS[1], SLUGS[3], SLUGS[4]]
    chosen = select_sections(seed_sections, order=("presentation-tips", "code-templates"))
    assert [s.slug for s in chosen][:3] == ["presentation-tips", "code-templates", SLUGS[0]]


def test_unknown_section_suggests_the_closest(seed_sections):
    with pytest.raises(CheatsheetError) as info:
        select_sections(seed_sections, include=("code-templtes",))
    assert "did you mean 'code-templates'" in str(info.value)


def test_cli_only_and_order_change_the_pdf(tmp_path):
    out = tmp_path / "subset.pdf"
    result = run_cli("--only", "presentation-tips,code-templates", "--no-fit", "-o", out)
    assert result.code == 0, result.err
    titles = outline_titles(out)
    assert [t for t in titles if "Tips" in t or "Templates" in t] == [
        "🎪 Presentation Tips",
        "🔧 Code Templates",
    ] or titles.index("Presentation Tips") < titles.index("Code Templates")
    text = pdf_text(out)
    assert "Interview Formulas" not in text
    assert text.index("Presentation Tips") < text.index("Code Templates")


def test_cli_unknown_section_is_a_clean_error(tmp_path):
    result = run_cli("--exclude", "presentaton-tips", "-o", tmp_path / "x.pdf")
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "did you mean 'presentation-tips'" in result.err
    assert "Traceback" not in result.err


def test_variants_build_their_own_pdfs(tmp_path: Path):
    project = make_project(
        tmp_path,
        {
            "content/a.md": "# Ops\n\n## AWS S3\n\ns3 text\n\n## AWS EC2\n\nec2 text\n\n## Git\n\ngit text\n",
        },
        """
        name = "all"
        columns = 2
        [sheets.aws]
        sections = ["aws-*"]
        columns = 1
        paper = "A5"
        orientation = "portrait"
        """,
    )
    result = run_cli("-C", project)
    assert result.code == 0, result.err
    assert (project / "output/all.pdf").is_file()
    assert (project / "output/aws.pdf").is_file()
    aws = pdf_text(project / "output/aws.pdf")
    assert "AWS S3" in aws and "AWS EC2" in aws and "git text" not in aws
    assert "git text" in pdf_text(project / "output/all.pdf")

    (project / "output/all.pdf").unlink()
    result = run_cli("-C", project, "aws")
    assert result.code == 0, result.err
    assert not (project / "output/all.pdf").exists()

    result = run_cli("-C", project, "awz")
    assert result.code == 2 and "did you mean 'aws'" in result.err


def test_several_files_in_name_order_or_config_order(tmp_path: Path):
    files = {"content/b.md": "## Bravo\n\nb\n", "content/a.md": "## Alpha\n\na\n"}
    project = make_project(tmp_path, files)
    assert [s.slug for s in load_content(project, ("content",)).sections] == ["alpha", "bravo"]
    ordered = load_content(project, ("content/b.md", "content/a.md")).sections
    assert [s.slug for s in ordered] == ["bravo", "alpha"]
