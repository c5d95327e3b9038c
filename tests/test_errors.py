"""Bad input: one clear line naming file and line, exit code 2, and the old PDF untouched."""

from __future__ import annotations

import pytest

from conftest import default_pdf, make_project, run_cli

GOOD = "# T\n\n## One\n\ntext\n"


def build_good_then(tmp_path, breaking_files: dict, config: str = ""):
    project = make_project(tmp_path, {"content/a.md": GOOD})
    first = run_cli("-C", project)
    assert first.code == 0, first.err
    good = default_pdf(project).read_bytes()
    make_project(project, breaking_files, config)
    return project, good


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"content/a.md": ""}, "content/a.md: file has no content"),
        ({"content/a.md": b"## One\n\nok\n\xff\xfe bad\n"}, "content/a.md:4: invalid UTF-8"),
        ({"content/a.md": "## One\n\n```python\nx = 1\n"}, "content/a.md:3: code fence ``` opened"),
        ({"content/a.md": b"\x00\x01\x02binary"}, "looks like a binary file"),
        (
            {"content/a.md": "---\ntitle: x\n## One\n"},
            "front matter opened with '---' is never closed",
        ),
    ],
)
def test_bad_content(tmp_path, files, expected):
    project, good = build_good_then(tmp_path, files)
    result = run_cli("-C", project)
    assert result.code == 2
    assert expected in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "Traceback" not in result.err
    assert default_pdf(project).read_bytes() == good


def test_malformed_toml_names_the_line(tmp_path):
    project, good = build_good_then(tmp_path, {}, 'columns = 3\ntheme = "ink\n')
    result = run_cli("-C", project)
    assert result.code == 2
    assert "cheatsheet.toml:2: malformed TOML" in result.err
    assert default_pdf(project).read_bytes() == good


def test_unknown_option_did_you_mean(tmp_path):
    project, _ = build_good_then(tmp_path, {}, "colums = 3\n")
    result = run_cli("-C", project)
    assert result.code == 2
    assert "cheatsheet.toml:1: unknown option 'colums'" in result.err
    assert "did you mean 'columns'" in result.err


def test_missing_content_file(tmp_path):
    project = make_project(tmp_path, {"content/a.md": GOOD}, 'content = ["notes.md"]\n')
    result = run_cli("-C", project)
    assert result.code == 2 and "content 'notes.md' not found" in result.err


def test_output_path_is_a_folder(tmp_path):
    project = make_project(tmp_path, {"content/a.md": GOOD})
    (project / "out.pdf").mkdir()
    result = run_cli("-C", project, "-o", project / "out.pdf")
    assert result.code == 2 and "output path is a folder" in result.err


def test_unwritable_output_folder_keeps_old_pdf(tmp_path):
    import os

    if os.geteuid() == 0:
        # root ignores permissions: simulate with a path whose parent is a file
        project = make_project(tmp_path, {"content/a.md": GOOD, "blocker": "x"})
        result = run_cli("-C", project, "-o", project / "blocker/out.pdf")
    else:
        project = make_project(tmp_path, {"content/a.md": GOOD})
        (project / "ro").mkdir(mode=0o500)
        result = run_cli("-C", project, "-o", project / "ro/out.pdf")
    assert result.code == 2
    assert "cannot write to the output folder" in result.err


def test_unknown_code_language_is_a_located_warning(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## One\n\n```pyhton\nx = 1\n```\n"})
    result = run_cli("-C", project)
    assert result.code == 0
    assert "content/a.md:3: unknown code language 'pyhton'" in result.err
    assert "did you mean 'python'" in result.err


def test_no_leftover_temp_files(tmp_path):
    project = make_project(tmp_path, {"content/a.md": GOOD})
    assert run_cli("-C", project).code == 0
    assert sorted(p.name for p in (project / "output").iterdir()) == [default_pdf(project).name]


def test_unknown_flag_is_one_line_with_a_suggestion():
    result = run_cli("--colums", "3")
    assert result.code == 2
    assert result.err.strip() == (
        "error: unrecognized arguments: --colums; did you mean '--columns'? see --help"
    )
