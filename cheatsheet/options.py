"""Every option, declared once: name, type, default, range or choices, help, command-line flag.

The config loader validates `cheatsheet.toml` with these declarations, the command line is
built from them, `SheetConfig` gets its fields from them, and the README's configuration
table is generated from them (`cheatsheet options --markdown`), so the four cannot disagree.
Like MkDocs' config schema: adding an option is one entry here and nothing else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

PAPERS: dict[str, tuple[float, float]] = {
    "A3": (297, 420),
    "A4": (210, 297),
    "A5": (148, 210),
    "Letter": (215.9, 279.4),
    "Legal": (215.9, 355.6),
}  # portrait width and height in millimetres: the names WeasyPrint's @page accepts
ORIENTATIONS = ("landscape", "portrait")
FOOTER_ITEMS = ("title", "subtitle", "version", "author", "date", "page")
HANDOUTS = ("booklet", "2up", "4up")
PDF_VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/ua-1", "pdf/ua-2")
LENGTH = re.compile(r"^(\d+(?:\.\d+)?)(mm|cm|in|pt|px)$")
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "px": 25.4 / 96}
# Placeholders `output` may use: a fixed set, so a config can never reach into Python objects.
OUTPUT_FIELDS = ("name", "title", "paper", "orientation", "columns", "lang")

KINDS = ("str", "int", "float", "bool", "list", "length", "choice", "fit")


class OptionError(ValueError):
    """A value that does not fit its declaration; the caller adds where it came from."""


@dataclass(frozen=True)
class Option:
    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None  # numbers: inclusive range; lengths: in millimetres
    high: float | None = None
    choices: tuple[str, ...] = ()
    flag: str | None = None  # command-line flag; None: config file only
    cli: str = "value"  # "value", "comma" (a,b,c) or "append" (repeatable)
    metavar: str | None = None
    group: str = "layout"

    @property
    def noun(self) -> str:
        """What a value is called in messages ("unknown PDF variant 'x'")."""
        return {"pdf_variant": "PDF variant", "handout_sheet": "paper"}.get(
            self.name, self.name.replace("_", " ")
        )

    @property
    def annotation(self) -> str:
        return {
            "int": "int",
            "float": "float",
            "bool": "bool",
            "list": "tuple[str, ...]",
            "fit": "int | str",
        }.get(self.kind, "str")

    def check(self, value: Any) -> Any:
        """The value, normalised, or OptionError saying what is expected."""
        if self.kind == "list":
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise OptionError(f"{self.name} must be a list of strings, got {value!r}")
            for item in value:
                if self.choices and item not in self.choices:
                    raise OptionError(
                        f"unknown {self.name} item '{item}' (one of {', '.join(self.choices)})"
                    )
            return tuple(value)
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise OptionError(f"{self.name} must be true or false, got {value!r}")
            return value
        if self.kind == "fit" and isinstance(value, str):
            if value.lower() != "auto":
                raise OptionError(f'fit must be "auto" or a number of pages, got {value!r}')
            return "auto"
        if self.kind in ("int", "fit"):
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"{self.name} must be a whole number, got {value!r}")
            return self._in_range(value)
        if self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise OptionError(f"{self.name} must be a number, got {value!r}")
            return self._in_range(float(value))
        if not isinstance(value, str):
            raise OptionError(f"{self.name} must be a string, got {value!r}")
        if self.kind == "length":
            match = LENGTH.match(value.strip()) if len(value) < 100 else None
            if not match:
                raise OptionError(f"{self.name} must be a length like '6mm' or '0.25in'")
            if not self.low <= to_mm(value.strip()) <= self.high:
                raise OptionError(f"{self.name} must be {self.range_text()}, got {value!r}")
            return value.strip()
        if self.kind == "choice" and value:
            by_lower = {c.lower(): c for c in self.choices}
            if value.lower() not in by_lower:
                raise OptionError(
                    f"unknown {self.noun} '{value}' (one of {', '.join(self.choices)})"
                )
            return by_lower[value.lower()]
        if len(value) > 1000:
            raise OptionError(f"{self.name} is longer than 1000 characters")
        return value

    def _in_range(self, value: float) -> float:
        if not math.isfinite(value) or not self.low <= value <= self.high:
            raise OptionError(f"{self.name} must be {self.range_text()}, got {value!r}")
        return value

    def range_text(self) -> str:
        if self.kind == "length":
            return f"{self.low:g} to {self.high:g} mm"
        if self.kind == "fit":
            return f'"auto", 0 (off) or 1 to {self.high:g} pages'
        if self.low is not None:
            return f"{self.low:g} to {self.high:g}"
        if self.choices:
            return ", ".join(self.choices)
        return ""

    def from_cli(self, text: str) -> Any:
        """A command-line string as the type the TOML file would hold, then checked."""
        value: Any = text
        try:
            if self.kind == "int" or (self.kind == "fit" and text.lower() != "auto"):
                value = int(text)
            elif self.kind == "float":
                value = float(text)
        except ValueError:
            expected = '"auto" or a number of pages' if self.kind == "fit" else "a number"
            raise OptionError(f"{self.name} must be {expected}, got {text!r}") from None
        if self.cli == "comma":
            items = [v.strip() for v in text.split(",") if v.strip()]
            value = [] if items == ["none"] else items
        return self.check(value)


def to_mm(length: str) -> float:
    """A validated CSS length in millimetres, so lengths in different units can be added."""
    match = LENGTH.match(length)
    if not match:
        raise OptionError(f"not a length: {length!r}")
    return float(match.group(1)) * MM_PER_UNIT[match.group(2)]


def _o(name: str, kind: str, default: Any, help: str, **more: Any) -> Option:
    return Option(name, kind, default, help, **more)


OPTIONS: tuple[Option, ...] = (
    # what the sheet is
    _o("name", "str", "", "sheet name, used for the output file; default: the input file's "
       "name, else the title, else the folder", group="document"),
    _o("title", "str", "", "title block and PDF title; default: front matter `title:`",
       flag="--title", group="document"),
    _o("subtitle", "str", "", "shown under the title", flag="--subtitle", group="document"),
    _o("author", "str", "", "byline, footer and PDF metadata", flag="--author", group="document"),
    _o("version", "str", "", "shown in the title block and footer", group="document"),
    _o("date", "str", "", "date shown; default: front matter, `SOURCE_DATE_EPOCH` or today",
       group="document"),
    _o("subject", "str", "", "PDF subject", group="document"),
    _o("keywords", "list", (), "PDF keywords", group="document"),
    _o("lang", "str", "en", "language of the text (hyphenation, PDF metadata)", group="document"),
    _o("content", "list", ("content",), "Markdown files, folders or globs, in order",
       flag="--content", cli="append", metavar="PATH", group="document"),
    _o("output", "str", "output/{name}.pdf", "PDF path; placeholders "
       + ", ".join(f"`{{{f}}}`" for f in OUTPUT_FIELDS), flag="--output", metavar="PDF",
       group="document"),
    # which sections
    _o("sections", "list", (), "sections to print, in this order (title or slug, globs)",
       flag="--only", cli="comma", metavar="A,B", group="sections"),
    _o("exclude", "list", (), "sections to leave out", flag="--exclude", cli="comma",
       metavar="A,B", group="sections"),
    _o("order", "list", (), "sections to put first", flag="--order", cli="comma",
       metavar="A,B", group="sections"),
    _o("split_level", "int", 0, "heading level that starts a section (0: automatic)",
       low=0, high=6, group="sections"),
    # page
    _o("paper", "choice", "A4", "paper size", choices=tuple(PAPERS), flag="--paper"),
    _o("orientation", "choice", "landscape", "page orientation (also `--landscape`, "
       "`--portrait`)", choices=ORIENTATIONS, flag="--orientation"),
    _o("columns", "int", 4, "number of columns", low=1, high=6, flag="--columns"),
    _o("margin", "length", "6mm", "page margin", low=0, high=50, flag="--margin"),
    _o("column_gap", "length", "3.5mm", "space between columns", low=0, high=30,
       flag="--column-gap"),
    _o("font_size", "float", 7.5, "base font size in pt (setting it turns fitting off "
       "unless `fit` is set too)", low=4, high=24, flag="--font-size", metavar="PT"),
    _o("theme", "str", "default", "theme name (`styles/NAME.css`) or, on the command line, "
       "a .css file", flag="--theme"),
    _o("template", "str", "sheet.html.j2", "Jinja template in `templates/` (on the command "
       "line also a file path)", flag="--template"),
    _o("balance", "bool", True, "balance the columns of a partly filled last page (one "
       "extra layout of that page)", flag="--balance"),
    _o("pack", "bool", False, "move small sections up into the empty feet of columns, "
       "keeping the given order otherwise (up to two extra layouts)", flag="--pack"),
    # fitting
    _o("fit", "fit", "auto", '"auto": fewest pages with type of at least 7 pt, then the '
       "largest size filling them; N: largest size that fits N pages; 0: off (`--no-fit`)",
       low=0, high=50, flag="--fit", metavar="N|auto", group="fitting"),
    _o("fit_min", "float", 6.5, "smallest size fitting may use (pt)", low=4, high=24,
       flag="--fit-min", metavar="PT", group="fitting"),
    _o("fit_max", "float", 11.0, "largest size fitting may use (pt)", low=4, high=24,
       flag="--fit-max", metavar="PT", group="fitting"),
    _o("allow_overflow", "bool", False, "write the PDF even if it cannot fit",
       flag="--allow-overflow", group="fitting"),
    # checks
    _o("repair", "bool", True, "repair damaged (mojibake) text", flag="--repair",
       group="checks"),
    _o("strict", "bool", False, "exit 3 on any preflight defect", flag="--strict",
       group="checks"),
    _o("min_type_size", "float", 5.0, "legibility floor for the preflight (pt)", low=3,
       high=12, flag="--min-type-size", metavar="PT", group="checks"),
    # safety
    _o("allow_remote", "bool", False, "fetch http(s) images and styles",
       flag="--allow-remote", group="safety"),
    _o("safe", "bool", False, "keep only Markdown's own HTML", flag="--safe", group="safety"),
    _o("max_file_size", "float", 5.0, "refuse bigger content files (MB)", low=0.001,
       high=1024, flag="--max-file-size", metavar="MB", group="safety"),
    _o("max_nesting", "int", 20, "deepest nesting of lists and quotes", low=2, high=200,
       group="safety"),
    # printing
    _o("footer", "list", ("title", "author", "date", "page"), "footer items on multi-page "
       "sheets (`none` on the command line: no footer)", choices=FOOTER_ITEMS,
       flag="--footer", cli="comma", metavar="A,B", group="printing"),
    _o("toc", "bool", False, "add a table of contents", flag="--toc", group="printing"),
    _o("duplex", "bool", False, "mirror margins, keep sections on one side",
       flag="--duplex", group="printing"),
    _o("binding", "length", "5mm", "extra inner margin for duplex", low=0, high=30,
       flag="--binding", group="printing"),
    _o("crop_marks", "bool", False, "crop and cross marks", flag="--crop-marks",
       group="printing"),
    _o("bleed", "length", "0mm", "bleed for print shops", low=0, high=20, flag="--bleed",
       group="printing"),
    _o("handout", "list", (), "also write imposed files", choices=HANDOUTS, flag="--handout",
       cli="append", group="printing"),
    _o("handout_sheet", "choice", "", "paper of the imposed sheets (empty: automatic)",
       choices=tuple(PAPERS), flag="--handout-sheet", group="printing"),
    _o("pdf_variant", "choice", "", "PDF/A (archival) or PDF/UA (accessible) variant",
       choices=PDF_VARIANTS, flag="--pdf-variant", group="printing"),
    _o("tagged", "bool", False, "tagged (accessible) PDF", flag="--tagged", group="printing"),
    _o("html", "bool", False, "also write self-contained HTML", flag="--html",
       group="printing"),
)  # fmt: skip

BY_NAME: dict[str, Option] = {option.name: option for option in OPTIONS}
GROUPS = ("document", "sections", "layout", "fitting", "checks", "safety", "printing")


def _default_text(option: Option) -> str:
    default = option.default
    if option.name == "name":
        return "automatic"
    if option.kind == "list":
        return f"`{list(default)}`".replace("'", '"') if default else "none"
    if option.kind == "bool":
        return f"`{str(default).lower()}`"
    if default == "":
        return "none"
    if isinstance(default, str):
        return f'`"{default}"`'
    return f"`{default:g}`"


def _flag_text(option: Option) -> str:
    if option.flag is None:
        return ""
    if option.kind == "bool":
        return f"`{option.flag}`, `--no-{option.flag[2:]}`"
    flags = {"output": "`-o`, `--output`", "fit": "`--fit`, `--no-fit`"}
    if option.name in flags:
        return flags[option.name]
    return f"`{option.flag}`" + (" (repeatable)" if option.cli == "append" else "")


def markdown_table() -> str:
    """The README's configuration table, generated so that it cannot drift."""
    rows = [
        "| key | default | values | meaning | command line |",
        "|---|---|---|---|---|",
    ]
    for option in sorted(OPTIONS, key=lambda o: GROUPS.index(o.group)):
        values = option.range_text()
        if option.kind == "length":
            values = f"length, {values}"
        elif option.kind == "bool":
            values = "`true`, `false`"
        elif option.kind == "list" and not option.choices:
            values = "list of strings"
        elif not values:
            values = "string"
        rows.append(
            f"| `{option.name}` | {_default_text(option)} | {values} | {option.help} "
            f"| {_flag_text(option)} |"
        )
    return "\n".join(rows) + "\n"
