"""Project configuration: `cheatsheet.toml`, named sheet variants and CLI overrides.

Precedence is built-in defaults < top-level TOML keys < `[sheets.NAME]` table < CLI flags,
resolved into one frozen `SheetConfig` per sheet so later stages never look at raw input.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import CheatsheetError, did_you_mean

CONFIG_NAME = "cheatsheet.toml"

# Paper sizes in millimetres (portrait), the names WeasyPrint's @page accepts.
PAPERS: dict[str, tuple[float, float]] = {
    "A3": (297, 420),
    "A4": (210, 297),
    "A5": (148, 210),
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
}
ORIENTATIONS = ("landscape", "portrait")
LENGTH = re.compile(r"^\d+(\.\d+)?(mm|cm|in|pt|px)$")
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}


def to_mm(length: str) -> float:
    """A validated CSS length in millimetres, so lengths in different units can be added."""
    unit = length[-2:]
    return float(length[:-2]) * MM_PER_UNIT[unit]


@dataclass(frozen=True)
class SheetConfig:
    """Everything needed to build one PDF; field names are the TOML keys."""

    name: str = "cheatsheet"
    title: str = ""
    subtitle: str = ""
    version: str = ""
    date: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    lang: str = "en"
    content: tuple[str, ...] = ("content",)
    sections: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    paper: str = "A4"
    orientation: str = "landscape"
    columns: int = 4
    margin: str = "6mm"
    column_gap: str = "3.5mm"
    font_size: float = 7.5
    theme: str = "default"
    template: str = "sheet.html.j2"
    output: str = "output/{name}.pdf"
    fit: int = 0
    fit_min: float = 6.5
    fit_max: float = 11.0
    repair: bool = True
    strict: bool = False
    allow_overflow: bool = False
    min_type_size: float = 5.0
    allow_remote: bool = False
    safe: bool = False
    max_file_size: float = 5.0
    max_nesting: int = 20
    footer: tuple[str, ...] = ("title", "author", "date", "page")
    toc: bool = False
    duplex: bool = False
    binding: str = "5mm"
    crop_marks: bool = False
    bleed: str = "0mm"
    handout: tuple[str, ...] = ()
    handout_sheet: str = ""
    pdf_variant: str = ""
    tagged: bool = False
    html: bool = False
    split_level: int = 0
    project: Path = field(default=Path("."), compare=False)
    # Files named on the command line: reading them is the user's explicit request.
    trusted: tuple[Path, ...] = field(default=(), compare=False)

    @property
    def page_size_mm(self) -> tuple[float, float]:
        """Width and height of the page as laid out, orientation applied."""
        short, long = PAPERS[self.paper]
        return (long, short) if self.orientation == "landscape" else (short, long)

    @property
    def output_path(self) -> Path:
        return self.project / self.output.format(name=self.name)


OPTION_NAMES = tuple(f.name for f in fields(SheetConfig) if f.name not in ("project", "trusted"))
LIST_OPTIONS = {"keywords", "content", "sections", "exclude", "order", "footer", "handout"}
FOOTER_ITEMS = ("title", "subtitle", "version", "author", "date", "page")
HANDOUTS = ("booklet", "2up", "4up")
PDF_VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1", "pdf/ua-2")


@dataclass(frozen=True)
class Project:
    """A folder with content, optional config, templates and styles."""

    root: Path
    config_file: Path | None
    base: SheetConfig
    variants: dict[str, SheetConfig]

    def sheets(self, names: list[str] | None = None) -> list[SheetConfig]:
        """The sheets to build: all of them, or the ones named on the command line."""
        every = {self.base.name: self.base, **self.variants}
        if not names:
            return list(every.values())
        chosen = []
        for name in names:
            if name not in every:
                raise CheatsheetError(
                    f"unknown sheet '{name}'",
                    file=self.config_file,
                    hint=did_you_mean(name, every),
                )
            chosen.append(every[name])
        return chosen


def load_project(
    root: Path, config_file: Path | None = None, overrides: dict | None = None
) -> Project:
    """Read the project's config (if any) and apply CLI overrides to every sheet."""
    root = root.resolve()
    if not root.is_dir():
        raise CheatsheetError(f"project folder '{root}' does not exist")
    path = config_file or root / CONFIG_NAME
    raw: dict[str, Any] = {}
    if config_file is not None and not config_file.is_file():
        raise CheatsheetError("config file not found", file=config_file)
    if path.is_file():
        raw = _read_toml(path)
    else:
        path = None
    overrides = overrides or {}
    variants_raw = raw.pop("sheets", {})
    if not isinstance(variants_raw, dict):
        raise CheatsheetError("'sheets' must be a table of [sheets.NAME]", file=path)
    base_values = _validated(raw, path, "top level")
    base = _make(SheetConfig(project=root), base_values, path)
    if "name" not in base_values and "title" in base_values:
        base = replace(base, name=_slug(base.title) or base.name)
    variants = {}
    for name, table in variants_raw.items():
        if not isinstance(table, dict):
            raise CheatsheetError(f"[sheets.{name}] must be a table", file=path)
        values = _validated(table, path, f"[sheets.{name}]")
        variants[name] = _make(base, {**values, "name": name}, path)
    trusted = tuple((Path.cwd() / p).resolve() for p in overrides.get("content") or ())
    base = replace(_make(base, overrides, None), trusted=trusted)
    variants = {n: replace(_make(v, overrides, None), trusted=trusted) for n, v in variants.items()}
    return Project(root=root, config_file=path, base=base, variants=variants)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line.*\)", "", str(exc))
        raise CheatsheetError(
            f"malformed TOML: {message}",
            file=path,
            line=int(match.group(1)) if match else None,
            hint="fix the syntax (see https://toml.io)",
        ) from None
    except UnicodeDecodeError:
        raise CheatsheetError("config is not valid UTF-8", file=path) from None


def _line_of_key(path: Path | None, key: str) -> int | None:
    if path is None:
        return None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return number
    return None


def _validated(table: dict[str, Any], path: Path | None, scope: str) -> dict[str, Any]:
    """Reject unknown keys early: a typo silently ignored is a sheet built wrong."""
    for key in table:
        if key not in OPTION_NAMES:
            raise CheatsheetError(
                f"unknown option '{key}' at {scope}",
                file=path,
                line=_line_of_key(path, key),
                hint=did_you_mean(key, OPTION_NAMES),
            )
    return table


def _make(base: SheetConfig, values: dict[str, Any], path: Path | None) -> SheetConfig:
    coerced = {key: _coerce(key, value, path) for key, value in values.items() if value is not None}
    return _checked(replace(base, **coerced), path)


def _coerce(key: str, value: Any, path: Path | None) -> Any:
    expected = {f.name: f.type for f in fields(SheetConfig)}[key]

    def bad(what: str) -> CheatsheetError:
        return CheatsheetError(
            f"option '{key}' must be {what}, got {value!r}", file=path, line=_line_of_key(path, key)
        )

    if key in LIST_OPTIONS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        return tuple(value)
    if expected == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if expected == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("a whole number")
        return value
    if expected == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number (points)")
        return float(value)
    if not isinstance(value, str):
        raise bad("a string")
    return value


def _checked(config: SheetConfig, path: Path | None) -> SheetConfig:
    """Normalise and range-check values so the layout stage can trust them."""

    def fail(key: str, message: str, hint: str | None = None) -> CheatsheetError:
        return CheatsheetError(message, file=path, line=_line_of_key(path, key), hint=hint)

    papers = {name.lower(): name for name in PAPERS}
    if config.paper.lower() not in papers:
        raise fail("paper", f"unknown paper '{config.paper}'", did_you_mean(config.paper, PAPERS))
    config = replace(config, paper=papers[config.paper.lower()])
    if config.orientation.lower() not in ORIENTATIONS:
        raise fail(
            "orientation",
            f"unknown orientation '{config.orientation}'",
            did_you_mean(config.orientation, ORIENTATIONS),
        )
    config = replace(config, orientation=config.orientation.lower())
    if not 1 <= config.columns <= 6:
        raise fail("columns", f"columns must be 1 to 6, got {config.columns}")
    for key, values, allowed in (
        ("footer", config.footer, FOOTER_ITEMS),
        ("handout", config.handout, HANDOUTS),
    ):
        for value in values:
            if value not in allowed:
                raise fail(key, f"unknown {key} item '{value}'", did_you_mean(value, allowed))
    if config.pdf_variant and config.pdf_variant.lower() not in PDF_VARIANTS:
        raise fail(
            "pdf_variant",
            f"unknown PDF variant '{config.pdf_variant}'",
            did_you_mean(config.pdf_variant.lower(), PDF_VARIANTS),
        )
    config = replace(config, pdf_variant=config.pdf_variant.lower())
    if config.handout_sheet and config.handout_sheet.lower() not in papers:
        raise fail(
            "handout_sheet",
            f"unknown paper '{config.handout_sheet}'",
            did_you_mean(config.handout_sheet, PAPERS),
        )
    for key in ("margin", "column_gap", "binding", "bleed"):
        if not LENGTH.match(getattr(config, key)):
            raise fail(key, f"{key} must be a length like '6mm' or '0.25in'")
    if not 4 <= config.font_size <= 24:
        raise fail("font_size", f"font_size must be 4 to 24 pt, got {config.font_size}")
    if config.fit < 0:
        raise fail("fit", "fit must be a number of pages (0 turns fitting off)")
    if not 4 <= config.fit_min <= config.fit_max <= 24:
        raise fail("fit_min", "need 4 <= fit_min <= fit_max <= 24 (points)")
    if not 3 <= config.min_type_size <= 12:
        raise fail("min_type_size", "min_type_size must be 3 to 12 pt")
    if not 0 < config.max_file_size <= 1024:
        raise fail("max_file_size", "max_file_size must be 0 to 1024 (MB)")
    if not 2 <= config.max_nesting <= 200:
        raise fail("max_nesting", "max_nesting must be 2 to 200 levels")
    if config.split_level not in range(0, 7):
        raise fail("split_level", "split_level must be 0 (auto) or a heading level 1-6")
    if not re.fullmatch(r"[\w.-]+", config.name):
        raise fail("name", f"sheet name '{config.name}' may use letters, digits, '-', '_', '.'")
    return config


def _slug(text: str) -> str:
    return re.sub(r"[^\w]+", "-", text.lower()).strip("-")
