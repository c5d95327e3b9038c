"""Templates and themes from a cloned notes repository cannot run code, read files or leave the
project's template and style folders (issue #12); a path outside is for the command line."""

from __future__ import annotations

import os

import pytest

from cheatsheet.config import load_project
from cheatsheet.errors import CheatsheetError
from cheatsheet.page import resolve_theme
from conftest import default_pdf, make_project, pdf_text, run_cli

NOTE = {"content/a.md": "## A\n\nplain note\n"}


def project_with_template(tmp_path, body: str):
    project = make_project(tmp_path, NOTE)
    (project / "templates").mkdir()
    (project / "templates" / "sheet.html.j2").write_text(
        "<html><body><section id='a'>" + body + "</section>{% for s in sections %}"
        "{{ s.html }}{% endfor %}</body></html>",
        encoding="utf-8",
    )
    return project


@pytest.mark.parametrize(
    "attack",
    [
        '{{ cycler.__init__.__globals__.os.popen("echo PWNED-$((6*7))").read() }}',
        '{{ joiner.__init__.__globals__.os.popen("echo PWNED-$((6*7))").read() }}',
        '{{ config.project.joinpath("/etc/hostname").read_text() }}',
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    ],
)
def test_project_template_cannot_run_code_or_read_files(tmp_path, attack):
    project = project_with_template(tmp_path, attack)
    result = run_cli("-C", project, "--no-fit")
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.err and "PWNED-42" not in result.err + result.out
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "templates/sheet.html.j2" in result.err
    assert "template refused" in result.err or "template error" in result.err
    assert not (project / "output").exists() or not list((project / "output").iterdir())


def test_templates_get_plain_values(tmp_path):
    body = "{{ config.columns }}|{{ config.paper }}|{{ config.content|join(',') }}|{{ title }}"
    project = project_with_template(tmp_path, body + "|{{ config.project is defined }}")
    result = run_cli("-C", project, "--no-fit", "--title", "Plain")
    assert result.code == 0, result.err
    text = pdf_text(default_pdf(project))
    assert "4|A4|content|Plain|False" in text


def test_symlinked_template_folder_out_of_the_project_is_not_used(tmp_path):
    project = make_project(tmp_path / "p", NOTE, "template = 'etc/passwd'\n")
    (project / "templates").symlink_to("/")
    result = run_cli("-C", project, "--no-fit")
    assert result.code == 2
    assert "template 'etc/passwd' not found" in result.err
    assert "root:" not in result.out + result.err


def test_template_symlink_out_of_its_folder_is_not_followed(tmp_path):
    project = make_project(tmp_path / "p", NOTE, "template = 'evil.j2'\n")
    secret = tmp_path / "secret.j2"
    secret.write_text("SECRET-TEMPLATE", encoding="utf-8")
    (project / "templates").mkdir()
    (project / "templates" / "evil.j2").symlink_to(secret)
    result = run_cli("-C", project, "--no-fit")
    assert result.code == 2 and "template 'evil.j2' not found" in result.err


def test_template_file_named_on_the_command_line_may_be_anywhere(tmp_path):
    project = make_project(tmp_path / "p", NOTE)
    mine = tmp_path / "mine.html.j2"
    mine.write_text(
        "<html><body><p>MY-OWN-TEMPLATE {{ title }}</p></body></html>", encoding="utf-8"
    )
    result = run_cli("-C", project, "--no-fit", "--template", mine, "--title", "T")
    assert result.code == 0, result.err
    assert "MY-OWN-TEMPLATE" in pdf_text(default_pdf(project))


@pytest.mark.parametrize("theme", ["../outside.css", "/ABS/x.css", "sub/../../outside.css"])
def test_config_theme_outside_the_project_is_refused(tmp_path, theme):
    outside = tmp_path / "outside.css"
    outside.write_text("body { color: red }", encoding="utf-8")
    theme = theme.replace("/ABS", str(tmp_path))
    project = make_project(tmp_path / "p", NOTE, f"theme = '{theme}'\n")
    config = load_project(project).base
    with pytest.raises(CheatsheetError, match="outside the project"):
        resolve_theme(config)
    result = run_cli("-C", project, "--no-fit", "--html")
    assert result.code == 2 and "outside the project" in result.err
    assert not (project / "output").exists() or not any((project / "output").iterdir())


def test_theme_inside_the_project_or_from_the_command_line_is_fine(tmp_path):
    outside = tmp_path / "outside.css"
    outside.write_text("/* mine */ body { color: #123456 }", encoding="utf-8")
    project = make_project(tmp_path / "p", NOTE, "theme = 'look/mine.css'\n")
    (project / "look").mkdir()
    (project / "look" / "mine.css").write_text("/* in project */", encoding="utf-8")
    assert resolve_theme(load_project(project).base).files[1].name == "mine.css"
    given = load_project(project, None, {"theme": os.path.relpath(outside)}).base
    assert resolve_theme(given).files[1] == outside.resolve()


def test_styles_folder_symlinked_out_of_the_project_is_not_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "stolen.css").write_text("body{}", encoding="utf-8")
    project = make_project(tmp_path / "p", NOTE, "theme = 'stolen'\n")
    (project / "styles").symlink_to(elsewhere)
    with pytest.raises(CheatsheetError, match="unknown theme 'stolen'"):
        resolve_theme(load_project(project).base)
