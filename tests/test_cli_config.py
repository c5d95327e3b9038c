"""The option declarations: config validation, ranges, located errors, outputs kept inside the
project, the README table generated from them. In-process and fast: no PDF is built."""

from __future__ import annotations

import re

import pytest

from cheatsheet import cli
from cheatsheet.config import SheetConfig, load_project
from cheatsheet.errors import CheatsheetError
from cheatsheet.options import BY_NAME, OPTIONS, markdown_table
from conftest import ROOT, make_project, run_cli


def load(tmp_path, config: str, **overrides):
    project = make_project(tmp_path, {"content/a.md": "## A\n\ntext\n"}, config)
    return load_project(project, None, overrides)


def error_of(tmp_path, config: str, **overrides) -> str:
    with pytest.raises(CheatsheetError) as caught:
        load(tmp_path, config, **overrides)
    return str(caught.value)


def test_sheet_config_fields_are_the_declared_options():
    declared = {o.name: o.default for o in OPTIONS}
    config = SheetConfig()
    assert {name: getattr(config, name) for name in declared} == declared


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("margin = '" + "9" * 41 + "mm'", "margin must be 0 to 50 mm"),
        ("bleed = '9999cm'", "bleed must be 0 to 20 mm"),
        ("columns = 1e9", "columns must be a whole number"),
        ("columns = 1000000000", "columns must be 1 to 6, got 1000000000"),
        ("font_size = inf", "font_size must be 4 to 24"),
        ("font_size = nan", "font_size must be 4 to 24"),
        ("fit = 'lots'", 'fit must be "auto" or a number of pages'),
        ("fit = 10000", 'fit must be "auto", 0 (off) or 1 to 50 pages'),
        ("paper = 'B9'", "unknown paper 'B9' (one of A3, A4, A5, Letter, Legal)"),
        ("footer = ['title', 'pages']", "unknown footer item 'pages'"),
        ("max_file_size = 0", "max_file_size must be 0.001 to 1024"),
    ],
)
def test_absurd_settings_are_refused_with_their_range(tmp_path, line, expected):
    message = error_of(tmp_path, f"# settings\n{line}\n")
    assert message.startswith("cheatsheet.toml:2: ") or "cheatsheet.toml:2:" in message, message
    assert expected in message


def test_every_config_error_at_once_with_lines_also_inside_sheets_tables(tmp_path):
    config = """\
        columns = 9
        colour = "red"

        [sheets.aws]
        paper = "A4"
        margin = "lots"
        """
    message = error_of(tmp_path, config)
    lines = message.split("\nerror: ")
    assert len(lines) == 3, message
    assert lines[0].endswith("cheatsheet.toml:1: columns must be 1 to 6, got 9") or (
        "cheatsheet.toml:1: columns must be 1 to 6, got 9" in lines[0]
    )
    assert "cheatsheet.toml:2: unknown option 'colour'" in lines[1]
    assert "did you mean 'columns'?" in lines[1] or "known:" in lines[1]
    assert "cheatsheet.toml:6: margin must be a length" in lines[2]
    assert "in [sheets.aws]" in lines[2]


def test_all_config_errors_printed_one_per_line_by_the_cli(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\nx\n"}, "columns = 0\nbleed = '1m'\n")
    result = run_cli("-C", project)
    assert result.code == 2
    errors = result.err.strip().splitlines()
    assert len(errors) == 2 and all(e.startswith("error: ") for e in errors), result.err
    assert "Traceback" not in result.err


def test_byte_order_mark_in_the_config_is_accepted(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\nx\n"})
    (project / "cheatsheet.toml").write_bytes("\ufeffcolumns = 3\n".encode())
    assert load_project(project).base.columns == 3


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("/tmp/somewhere/x.pdf", "is outside the project"),
        ("../x.pdf", "is outside the project"),
        ("out{.pdf", "'output' is not a valid pattern"),
        ("{name.__class__.__mro__}.pdf", "unknown placeholder '{name.__class__.__mro__}'"),
        ("{name!r}.pdf", "unknown placeholder"),
        ("{0}.pdf", "unknown placeholder '{0}'"),
    ],
)
def test_config_output_stays_inside_the_project_and_uses_known_placeholders(
    tmp_path, output, expected
):
    message = error_of(tmp_path, f"output = '{output}'\n")
    assert expected in message and "cheatsheet.toml:1" in message, message


def test_output_folder_symlinked_out_of_the_project_is_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = make_project(tmp_path / "p", {"content/a.md": "## A\n\nx\n"})
    (project / "output").symlink_to(outside)
    with pytest.raises(CheatsheetError, match="outside the project"):
        load_project(project)
    result = run_cli("-C", project, "-q")
    assert result.code == 2 and not list(outside.iterdir())


def test_output_outside_the_project_is_fine_from_the_command_line(tmp_path):
    project = make_project(tmp_path / "p", {"content/a.md": "## A\n\nx\n"}, "columns = 2\n")
    target = tmp_path / "elsewhere" / "x.pdf"
    config = load_project(project, None, {"output": str(target)}).base
    assert config.output_path == target


def test_output_placeholders_are_filled(tmp_path):
    config = load(tmp_path, "name = 'n'\noutput = 'out/{name}-{paper}-{orientation}-{columns}.pdf'")
    assert config.base.output_path == tmp_path / "out/n-A4-landscape-4.pdf"


def test_variants_sharing_one_output_are_an_error(tmp_path):
    config = "output = 'output/same.pdf'\n[sheets.a]\ncolumns = 2\n[sheets.b]\ncolumns = 3\n"
    project = load(tmp_path, config)
    with pytest.raises(CheatsheetError, match="would both write"):
        project.sheets()
    assert [s.name for s in project.sheets(["a"])] == ["a"]  # one of them alone is fine


def test_long_title_gives_a_short_file_name(tmp_path):
    title = "A very long title " * 14
    config = load(tmp_path, f"title = '{title}'\n").base.named(title)
    name = config.output_path.name
    assert len(name.encode()) <= 104 and name.startswith("a-very-long-title-")


def test_font_size_without_fit_turns_fitting_off(tmp_path):
    assert load(tmp_path, "").base.fit == "auto"
    assert load(tmp_path / "b", "font_size = 9\n").base.fit == 0
    assert load(tmp_path / "c", "font_size = 9\nfit = 1\n").base.fit == 1
    assert load(tmp_path / "d", "", font_size=9.0).base.fit == 0


def test_command_line_values_checked_against_the_same_declaration():
    for argv, expected in [
        (["--columns", "9"], "columns must be 1 to 6, got 9"),
        (["--bleed", "9999cm"], "bleed must be 0 to 20 mm"),
        (["--fit", "many"], 'fit must be "auto" or a number of pages'),
        (["--paper", "B9"], "unknown paper 'B9'"),
    ]:
        result = run_cli(*argv)
        assert result.code == 2 and expected in result.err, result.err
        assert len(result.err.strip().splitlines()) == 1


def test_every_declared_option_with_a_flag_is_on_the_command_line():
    help_text = run_cli("build", "--help").out
    for option in OPTIONS:
        if option.flag:
            assert option.flag in help_text, option.name
    assert "(default: 4)" in help_text  # defaults shown
    assert "--no-fit" in help_text and "--no-repair" in help_text


def readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- options:start.*?-->\n(.*?)<!-- options:end -->", text, re.S)
    assert match, "README has no generated options table"
    return match.group(1)


def test_readme_configuration_table_is_generated_from_the_declarations():
    assert readme_table() == markdown_table(), (
        "README's configuration table is stale: run `cheatsheet options --markdown` and paste "
        "it between the options markers"
    )
    for option in OPTIONS:
        assert f"| `{option.name}` |" in readme_table()


def test_options_command_prints_the_table():
    result = run_cli("options", "--markdown")
    assert result.code == 0 and result.out == markdown_table()
    listing = run_cli("options").out
    assert "columns = 4  [1 to 6]" in listing


def test_declarations_are_complete():
    for option in OPTIONS:
        assert option.help, option.name
        if option.kind in ("int", "float", "fit", "length"):
            assert option.low is not None and option.high is not None, option.name
        if option.kind == "choice":
            assert option.choices, option.name
    assert set(BY_NAME) == {o.name for o in OPTIONS}


def test_main_returns_usage_error_for_bad_port():
    with pytest.raises(SystemExit) as caught:
        cli.parse(["watch", "--port", "99999"])
    assert caught.value.code == 2
    result = run_cli("watch", "--port", "99999")
    assert result.code == 2 and "port must be 0 to 65535" in result.err
