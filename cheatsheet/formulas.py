"""LaTeX math -> vector drawings, typeset by ziamath (pure Python: no TeX installation needed).

pymdownx.arithmatex (generic mode) finds the formulas while the Markdown is parsed, so a `$`
inside code, or used as a currency sign ("$5 and $10"), is left alone; its output,
`<span class="arithmatex">\\(...\\)</span>` and `<div class="arithmatex">\\[...\\]</div>`, survives
sanitising (span and div with a class are allowed) and is replaced here by an SVG image. The
dollar rules are pandoc's: a closing `$` is never followed by a digit ("$5-$10" stays text)
and `\\$` is a literal dollar. Prose that was not meant as math between two dollars (shell's
`$(...)` outside a code block) is typeset anyway, as pandoc and GitHub do: write `\\$` there.

Why images (`<img src="data:image/svg+xml;base64,...">`) and not inline `<svg>`: each image is
its own SVG document, so the glyph ids ziamath defines cannot clash between formulas (inline,
WeasyPrint warns "Anchor defined twice" and resolves references against the whole page), and
nothing of the drawing is text that later HTML passes (emoji) could touch. The `alt` text keeps
the LaTeX source, which WeasyPrint prints if the image ever fails to load.

Why a fixed ink colour: WeasyPrint 70 resolves `currentColor` inside an SVG (image or inline)
from the SVG's own attributes only, never from the HTML's `color`, so the theme colour cannot
reach the drawing. `INK` is the default theme's text colour, a near-black that also suits the
black-and-white ink theme.

Sizes are in `em`, computed from ziamath's metrics at a reference size, so a formula scales
with the base font size when fitting re-lays the sheet out at another size, and an inline
formula sits on the text baseline (`vertical-align` is the depth below the baseline).
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import json
import math
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from .errors import warn

INK = "#16181d"
# Pixel size ziamath draws at; every length is divided by it to become em. Large enough that
# 2-decimal coordinates (0.0005 em) are far below a printer dot at any size; 3 decimals would
# only add a third to the PDF.
REFERENCE_SIZE = 20.0
# STIX Two Math's lower case is smaller than the text font's (x-height 0.47 em against Fira
# Sans Condensed's 0.53 em); this makes a formula's letters look the size of the text around it.
MATH_SCALE = 1.08
# ziamath's padding around the ink, in reference pixels: keeps antialiased edges unclipped.
MARGIN = 0.6
# A formula taller than this (in em) is a rendering failure, not something to print.
MAX_HEIGHT_EM = 40.0

# What arithmatex (generic mode, default wraps) leaves in the sanitised HTML.
MARKERS = re.compile(
    r'<div class="arithmatex">\\\[(?P<display>.*?)\\\]</div>'
    r'|<span class="arithmatex">\\\((?P<inline>.*?)\\\)</span>',
    re.DOTALL,
)
# An unknown command: latex2mathml passes it through as an identifier such as `<mi>\foo</mi>`.
_UNKNOWN_COMMAND = re.compile(r"^\\[A-Za-z]+")


@dataclass(frozen=True)
class Formula:
    """One typeset formula: an SVG and its box in em of the surrounding text."""

    svg: str
    width: float
    height: float
    depth: float  # distance from the bottom of the box up to the baseline

    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")


@dataclass(frozen=True)
class FormulaError:
    """Why a formula could not be typeset (cached like a success: the source decides)."""

    reason: str


@contextmanager
def _ziamath_settings() -> Iterator[None]:
    """SVG 2 (glyphs drawn once, reused with <use>) and 2-decimal coordinates, just for us."""
    import ziafont

    saved = (ziafont.config.svg2, ziafont.config.precision)
    ziafont.config.svg2, ziafont.config.precision = True, 2
    try:
        yield
    finally:
        ziafont.config.svg2, ziafont.config.precision = saved


# Set by the pipeline to the project's `.cheatsheet_cache/`: typesetting costs ~25 ms a formula
# plus ~0.1 s to import ziamath, and most builds typeset the same formulas as the last one.
DISK_CACHE: Path | None = None


def _cache_file(latex: str, display: bool) -> Path | None:
    if DISK_CACHE is None:
        return None
    from importlib.metadata import version

    key = f"{version('ziamath')}|{REFERENCE_SIZE}|{MATH_SCALE}|{MARGIN}|{INK}|{display}|{latex}"
    return DISK_CACHE / "math" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


@functools.lru_cache(maxsize=4096)
def typeset(latex: str, display: bool) -> Formula | FormulaError:
    """Typeset one formula, from memory or the project's disk cache when it was done before.

    Never raises: any failure of the parser or the typesetter becomes a `FormulaError`
    (failures are not stored on disk, so their warning shows on every build).
    """
    path = _cache_file(latex, display)
    if path is not None and path.is_file():
        with contextlib.suppress(OSError, ValueError, TypeError):
            return Formula(**json.loads(path.read_text(encoding="utf-8")))
    result = _typeset(latex, display)
    if path is not None and isinstance(result, Formula):
        with contextlib.suppress(OSError):  # a read-only project simply goes without
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_suffix(f".{os.getpid()}.tmp")
            temp.write_text(json.dumps(asdict(result)), encoding="utf-8")
            os.replace(temp, path)
    return result


def _typeset(latex: str, display: bool) -> Formula | FormulaError:
    size = REFERENCE_SIZE * MATH_SCALE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ziamath's own deprecation notices, not the user's
            import ziamath

            with _ziamath_settings():
                drawing = ziamath.Latex(
                    latex, size=size, inline=not display, color=INK, margin=MARGIN
                )
                unknown = _unknown_command(drawing.mathml)
                if unknown:
                    return FormulaError(f"unknown command {unknown}")
                svg = drawing.svg()
                box = drawing.node.bbox
    except RecursionError:
        return FormulaError("formula nested too deeply")
    except Exception as exc:  # ziamath raises many types, some without a message
        return FormulaError(_describe(exc))
    width = (box.xmax - box.xmin + 2 * MARGIN) / REFERENCE_SIZE
    height = (box.ymax - box.ymin + 2 * MARGIN) / REFERENCE_SIZE
    depth = (MARGIN - box.ymin) / REFERENCE_SIZE
    if not all(map(math.isfinite, (width, height, depth))) or not 0 < height < MAX_HEIGHT_EM:
        return FormulaError("nothing to draw")
    return Formula(svg=svg, width=width, height=height, depth=depth)


def _unknown_command(mathml: Element) -> str | None:
    """The first `\\command` that latex2mathml did not know (it keeps it as plain text)."""
    for element in mathml.iter():
        if element.tag in ("mi", "mo", "mn") and element.text:
            match = _UNKNOWN_COMMAND.match(element.text)
            if match:
                return match.group(0)
    return None


def _describe(exc: Exception) -> str:
    """A readable reason: latex2mathml's errors say it in their class name, often with no text."""
    name = type(exc).__name__
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name.removesuffix("Error")).lower()
    text = str(exc).strip()
    if isinstance(exc, AssertionError | IndexError | KeyError) or not words:
        words = "cannot parse it"
    return f"{words} ({text})" if text and len(text) < 80 else words


def inline_html(formula: Formula, latex: str) -> str:
    """An image box in em, lowered by its depth so its baseline is the text's baseline."""
    style = (
        f"width:{formula.width:.3f}em;height:{formula.height:.3f}em;"
        f"vertical-align:{-formula.depth:.3f}em"
    )
    return (
        f'<img class="math" alt="{html.escape(latex)}" style="{style}" src="{formula.data_uri()}">'
    )


def display_html(formula: Formula, latex: str) -> str:
    """A centred block; only the width is set, so `max-width: 100%` shrinks it in proportion."""
    return (
        f'<div class="math-display"><img class="math" alt="{html.escape(latex)}" '
        f'style="width:{formula.width:.3f}em" src="{formula.data_uri()}"></div>'
    )


def error_html(latex: str, display: bool) -> str:
    """The source as the user wrote it, marked, so the rest of the sheet still builds."""
    marks = "$$" if display else "$"
    code = f'<code class="math-error">{html.escape(f"{marks}{latex}{marks}")}</code>'
    return f'<div class="math-display">{code}</div>' if display else code


def replace_in_html(fragment: str, source: str, file: Path, line: int) -> str:
    """Swap arithmatex's markers in one section's HTML for drawings (or marked source).

    `source`, `file` and `line` are the section's Markdown and origin: a formula that fails is
    reported at the line where its source next appears after the previous formula's, so the
    search moves forward through the section as the formulas do (one pass, document order).
    """
    if "arithmatex" not in fragment:
        return fragment
    cursor = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal cursor
        display = match.group("display") is not None
        if not display and fragment[match.end() : match.end() + 1].isdigit():
            # Pandoc's rule, which arithmatex lacks: a closing `$` is never followed by a
            # digit, so "$5-$10" and "US$5 or US$6" are prices, not a formula.
            return f"${match.group('inline')}$"
        latex = html.unescape(match.group("display" if display else "inline")).strip()
        result = typeset(latex, display)
        found = _find(source, latex, cursor)
        if found >= 0:
            cursor = found + len(latex)
        if isinstance(result, Formula):
            return display_html(result, latex) if display else inline_html(result, latex)
        at = line + source.count("\n", 0, found) if found >= 0 else line
        shown = latex if len(latex) <= 60 else latex[:57] + "..."
        warn(
            f"cannot typeset formula '{shown}': {result.reason}; shown as source",
            file,
            at,
            kind="formula",
        )
        return error_html(latex, display)

    return MARKERS.sub(replace, fragment)


def _find(source: str, latex: str, start: int) -> int:
    """Where the formula's source is, preferring it between dollars (a bare `x` is everywhere)."""
    if not latex:
        return -1
    delimited = source.find(f"${latex}$", start)
    return delimited + 1 if delimited >= 0 else source.find(latex, start)
