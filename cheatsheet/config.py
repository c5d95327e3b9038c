"""Project configuration: `cheatsheet.toml`, named sheet variants and command-line overrides.

Precedence is built-in defaults < top-level TOML keys < `[sheets.NAME]` table < command line,
resolved into one frozen `SheetConfig` per sheet so later stages never look at raw input.
The options themselves are declared once, in `options.py`.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import field, make_dataclass, replace
from pathlib import Path
from typing import Any

from .errors import CheatsheetError, did_you_mean
from .options import (
    BY_NAME,
    FOOTER_ITEMS,
    HANDOUTS,
    MM_PER_UNIT,
    OPTIONS,
    ORIENTATIONS,
    OUTPUT_FIELDS,
    PAPERS,
    PDF_VARIANTS,
    OptionError,
    to_mm,
)

__all__ = [
    "CONFIG_NAME",
    "FOOTER_ITEMS",
    "HANDOUTS",
    "MM_PER_UNIT",
    "ORIENTATIONS",
    "PAPERS",
    "PDF_VARIANTS",
    "ConfigErrors",
    "Project",
    "SheetConfig",
    "load_project",
    "slug",
    "to_mm",
]

CONFIG_NAME = "cheatsheet.toml"
NAME_BYTES = 100  # file names from titles are cut to this many bytes (most systems allow 255)
# Title block and PDF metadata that both the config and a file's front matter may set (`lang`
# is the front matter's first already: typography.finish_sheet).
METADATA_KEYS = ("title", "subtitle", "version", "author", "subject", "keywords", "date")
# Printed with the title: a project's subtitle or version never goes under a file's own title.
TITLE_PARTS = ("subtitle", "version")


class _SheetMethods:
    """What every SheetConfig can say about itself; the fields come from `OPTIONS`."""

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """Width and height of the page as laid out, orientation applied."""
        short, long = PAPERS[self.paper]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def label(self) -> str:
        """The sheet's name, or the folder's when it has none yet (messages, selection)."""
        return self.name or slug(self.project.resolve().name) or "cheatsheet"

    def named(self, title: str) -> SheetConfig:
        """Name an unnamed sheet after its title (front matter included), else its folder."""
        if self.name:
            return self
        return replace(self, name=slug(title) or self.label)

    def metadata(self, front_matter: dict) -> dict[str, str]:
        """The title block's values (METADATA_KEYS), config and front matter merged.

        A flag on the command line (`--title`, `--subtitle`, `--author`) always wins. Files
        named on the command line (or with `--content`) come next: their own front matter
        wins over the project's config, which still supplies the layout, and a project's
        subtitle or version is left out under a file's own title. A project's own content
        follows its config, the front matter filling in what the config leaves empty.
        """
        files_first = "content" in self.given
        own_title = files_first and bool(front_matter.get("title"))
        values = {}
        for key in METADATA_KEYS:
            configured = getattr(self, key)
            configured = ", ".join(configured) if key == "keywords" else configured
            from_file = str(front_matter.get(key, "") or "")
            if key in self.given or not files_first:
                values[key] = configured or from_file
            elif key in TITLE_PARTS and own_title:
                values[key] = from_file
            else:
                values[key] = from_file or configured
        return values

    @property
    def output_path(self) -> Path:
        values = {
            "name": self.label,
            "title": slug(self.title) or self.label,
            "paper": self.paper,
            "orientation": self.orientation,
            "columns": self.columns,
            "lang": self.lang,
        }
        return self.project / self.output.format_map(values)


SheetConfig = make_dataclass(
    "SheetConfig",
    [(o.name, o.annotation, field(default=o.default)) for o in OPTIONS]
    + [
        ("project", "Path", field(default=Path("."), compare=False)),
        # Files named on the command line: reading them is the user's explicit request.
        ("trusted", "tuple[Path, ...]", field(default=(), compare=False)),
        # Options set on the command line: paths there may point outside the project.
        ("given", "frozenset[str]", field(default=frozenset(), compare=False)),
    ],
    bases=(_SheetMethods,),
    frozen=True,
    namespace={"__module__": __name__, "__doc__": "Everything needed to build one PDF."},
)

OPTION_NAMES = tuple(o.name for o in OPTIONS)


class ConfigErrors(CheatsheetError):
    """Every problem of a config file at once, one located line each."""

    def __init__(self, errors: list[CheatsheetError]) -> None:
        super().__init__(
            errors[0].message, file=errors[0].file, line=errors[0].line, hint=errors[0].hint
        )
        self.errors = errors

    def __str__(self) -> str:
        return "\nerror: ".join(CheatsheetError.__str__(e) for e in self.errors)


class Project:
    """A folder with content, optional config, templates and styles."""

    def __init__(self, root: Path, config_file: Path | None, base, variants: dict) -> None:
        self.root, self.config_file, self.base, self.variants = root, config_file, base, variants

    @property
    def names(self) -> list[str]:
        return [self.base.label, *self.variants]

    def sheets(self, names: list[str] | None = None) -> list[SheetConfig]:
        """The sheets to build: all of them, or the ones named on the command line."""
        every = {self.base.label: self.base, **self.variants}
        if not names:
            chosen = list(every.values())
        else:
            chosen = []
            for name in names:
                if name not in every:
                    raise CheatsheetError(
                        f"'{name}' is neither a file nor a sheet of this project",
                        file=self.config_file,
                        hint="sheets: " + did_you_mean(name, every).removeprefix("known: "),
                    )
                chosen.append(every[name])
        _check_distinct_outputs(chosen)
        return chosen


def _check_distinct_outputs(sheets: list[SheetConfig]) -> None:
    """Two sheets writing one file would leave whichever finished last: refuse instead."""
    seen: dict[Path, str] = {}
    for sheet in sheets:
        if sheet.name == "" and len(sheets) > 1 and "{name}" in sheet.output:
            continue  # named after its title later; cannot collide with a named variant's
        path = sheet.output_path.resolve()
        if path in seen:
            raise CheatsheetError(
                f"sheets '{seen[path]}' and '{sheet.label}' would both write '{sheet.output_path}'",
                hint="give each its own output (use {name} in `output`)",
            )
        seen[path] = sheet.label


def load_project(
    root: Path, config_file: Path | None = None, overrides: dict | None = None
) -> Project:
    """Read the project's config (if any) and apply command-line overrides to every sheet."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise CheatsheetError(f"project folder '{root}' does not exist")
    if config_file is not None and not Path(config_file).is_file():
        raise CheatsheetError("config file not found", file=config_file)
    path: Path | None = Path(config_file) if config_file else root / CONFIG_NAME
    if not path.is_file():
        path = None
    text = _read_text(path) if path else ""
    raw = _parse_toml(text, path) if path else {}
    errors: list[CheatsheetError] = []
    variants_raw = raw.pop("sheets", {})
    if not isinstance(variants_raw, dict):
        errors.append(_error(text, path, None, "sheets", "'sheets' must be [sheets.NAME] tables"))
        variants_raw = {}
    base_values = _validated(raw, text, path, None, errors)
    base = _make(SheetConfig(project=root), base_values)
    variants = {}
    for name, table in variants_raw.items():
        if not isinstance(table, dict):
            errors.append(_error(text, path, None, name, f"[sheets.{name}] must be a table"))
            continue
        values = _validated(table, text, path, f"sheets.{name}", errors)
        variants[name] = _make(base, {**values, "name": name})
    for sheet in [base, *variants.values()]:
        scope = None if sheet is base else f"sheets.{sheet.name}"
        errors += _cross_checks(sheet, text, path, scope, from_config=True)
    if errors:
        raise ConfigErrors(errors) if len(errors) > 1 else errors[0]
    overrides = _checked_overrides(overrides or {})
    trusted = tuple((Path.cwd() / p).resolve() for p in overrides.get("content") or ())
    given = frozenset(overrides)
    if "font_size" in given and "fit" not in given:
        overrides["fit"] = 0  # a size asked for on the command line is the size printed
    extra = {"trusted": trusted, "given": given}
    base = replace(_make(base, overrides), **extra)
    variants = {n: replace(_make(v, overrides), **extra) for n, v in variants.items()}
    for sheet in [base, *variants.values()]:
        problems = _cross_checks(sheet, "", None, None, from_config=False)
        if problems:
            raise problems[0]
    return Project(root=root, config_file=path, base=base, variants=variants)


def _checked_overrides(overrides: dict) -> dict:
    """Command-line values through the same declarations as the file's."""
    checked = {}
    for key, value in overrides.items():
        if value is None:
            continue
        try:
            checked[key] = BY_NAME[key].check(value)
        except OptionError as exc:
            raise CheatsheetError(f"command line: {exc}") from None
    return checked


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # a BOM from a Windows editor is fine
    except UnicodeDecodeError:
        raise CheatsheetError("config is not valid UTF-8", file=path) from None
    except OSError as exc:
        raise CheatsheetError(f"cannot read the config: {exc.strerror}", file=path) from None


def _parse_toml(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at (line|end of document).*\)", "", str(exc))
        raise CheatsheetError(
            f"malformed TOML: {message}",
            file=path,
            line=int(match.group(1)) if match else None,
            hint="fix the syntax (see https://toml.io)",
        ) from None


TABLE_HEADER = re.compile(r"\s*\[\s*([^\]]*?)\s*\]")


def line_of_key(text: str, key: str, table: str | None = None) -> int | None:
    """The line where `key` is set, in `[table]` (None: the top level)."""
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        header = TABLE_HEADER.match(line)
        if header and not line.lstrip().startswith("[["):
            current = header.group(1).replace('"', "").replace("'", "").replace(" ", "")
            continue
        if current == table and re.match(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=", line):
            return number
    if table is not None:  # the table itself, e.g. a non-table `sheets.x`
        return line_of_key(text, table.split(".")[-1], ".".join(table.split(".")[:-1]) or None)
    return None


def _error(
    text: str, path: Path | None, table: str | None, key: str, message: str, hint: str | None = None
) -> CheatsheetError:
    where = f" in [{table}]" if table else ""
    return CheatsheetError(
        message + where, file=path, line=line_of_key(text, key, table), hint=hint
    )


def _validated(
    table: dict[str, Any], text: str, path: Path | None, scope: str | None, errors: list
) -> dict[str, Any]:
    """Known keys with values that fit their declaration; every problem goes into `errors`."""
    values = {}
    for key, value in table.items():
        option = BY_NAME.get(key)
        if option is None:
            errors.append(
                _error(
                    text,
                    path,
                    scope,
                    key,
                    f"unknown option '{key}'",
                    did_you_mean(key, OPTION_NAMES),
                )
            )
            continue
        try:
            values[key] = option.check(value)
        except OptionError as exc:
            errors.append(_error(text, path, scope, key, str(exc)))
    if "font_size" in values and "fit" not in values:
        values["fit"] = 0  # a size the user chose is the size printed
    return values


def _make(base: SheetConfig, values: dict[str, Any]) -> SheetConfig:
    return replace(base, **values)


def _cross_checks(
    sheet: SheetConfig, text: str, path: Path | None, scope: str | None, from_config: bool
) -> list[CheatsheetError]:
    """Rules that involve more than one value, or where a value points."""
    problems = []

    def fail(key: str, message: str, hint: str | None = None) -> None:
        problems.append(_error(text, path, scope, key, message, hint))

    if sheet.fit_min > sheet.fit_max:
        fail("fit_min", f"fit_min ({sheet.fit_min:g}) is above fit_max ({sheet.fit_max:g})")
    if sheet.name and not re.fullmatch(r"[\w.-]{1,100}", sheet.name):
        fail("name", f"sheet name '{sheet.name}' may use letters, digits, '-', '_', '.'")
    try:
        _check_placeholders(sheet.output)
    except OptionError as exc:
        braces = "write '{{' and '}}' for literal braces" if "pattern" in str(exc) else None
        fail("output", str(exc), braces)
        return problems
    if from_config:
        problems += _outside_project(sheet, text, path, scope)
    return problems


def _check_placeholders(output: str) -> None:
    """Only the fixed placeholders, with no attribute, index, conversion or format spec."""
    try:
        parsed = list(string.Formatter().parse(output))
    except ValueError as exc:
        raise OptionError(f"'output' is not a valid pattern: {exc}") from None
    for _literal, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        if field_name not in OUTPUT_FIELDS or spec or conversion:
            raise OptionError(
                f"'output' uses an unknown placeholder '{{{field_name}}}'; known: "
                + ", ".join(f"{{{f}}}" for f in OUTPUT_FIELDS)
            )
    if not output.strip():
        raise OptionError("'output' is empty")


def _outside_project(sheet, text: str, path: Path | None, scope: str | None) -> list:
    """A config file may only write inside its project (symlinks resolved): a cloned notes
    repository must not be able to overwrite files elsewhere."""
    target = Path(sheet.output)
    root = sheet.project.resolve()
    if not target.is_absolute() and _inside(sheet.project / sheet.output_path, root):
        return []
    return [
        _error(
            text,
            path,
            scope,
            "output",
            f"'output' {sheet.output!r} is outside the project",
            "a config writes inside its project only; give such a path with -o",
        )
    ]


def _inside(path: Path, root: Path) -> bool:
    return path.resolve().is_relative_to(root)


def slug(text: str) -> str:
    """A file-name-safe form of a title: any script's letters kept, cut to NAME_BYTES bytes."""
    name = re.sub(r"[^\w]+", "-", text.lower()).strip("-")
    while len(name.encode()) > NAME_BYTES:
        name = name[:-1]
    return name.rstrip("-")


def cache_folder() -> Path:
    """The user's cache folder for this tool (XDG_CACHE_HOME honoured on Linux), never the
    current folder: a build must not litter the place it is run from."""
    import platformdirs

    return platformdirs.user_cache_path("cheatsheet", appauthor=False)
