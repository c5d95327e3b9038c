"""LaTeX math -> vector drawings, typeset by ziamath (pure Python: no TeX installation needed).

pymdownx.arithmatex (generic mode) finds the formulas while the Markdown is parsed, so a `$`
inside code, or used as a currency sign ("$5 and $10"), is left alone; its output,
`<span class="arithmatex">\\(...\\)</span>` and `<div class="arithmatex">\\[...\\]</div>`, survives
sanitising (span and div with a class are allowed) and is replaced here by an SVG image. The
dollar rules are pandoc's: a closing `$` is never followed by a digit ("$5-$10" stays text)
and `\\$` is a literal dollar; shell and template dollars (`$HOME/$USER`, `{{$p}}`) are refused
by mdext.DollarMath. Other prose between two dollars is typeset, as pandoc does: write `\\$`.

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
import functools
import hashlib
import html
import itertools
import math
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from . import cacheentry, mathfont
from .errors import warn

INK = "#16181d"
# Pixel size ziamath draws at; every length is divided by it to become em. Large enough that
# 2-decimal coordinates (0.0005 em) are far below a printer dot at any size; 3 decimals would
# only add a third to the PDF.
REFERENCE_SIZE = 20.0
# Makes a formula's letters look the size of the text around it (the face: mathfont.py).
MATH_SCALE = mathfont.SCALE
# ziamath's padding around the ink, in reference pixels: keeps antialiased edges unclipped.
MARGIN = 0.6
# No formula is wider than this (in em); a cache entry that says so is damaged.
MAX_WIDTH_EM = 2000.0
# Longer sources are refused (a 10,000-term formula took minutes); real ones are far shorter.
MAX_FORMULA_CHARS = 3000
# A display formula with more relations than this is one image (each part is typeset apart).
MAX_PARTS = 32
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


@functools.lru_cache(maxsize=1)
def engine_identity() -> str:
    """What a drawing depends on besides its source: the typesetter, the font, our settings."""
    from importlib.metadata import version

    font = mathfont.FONT  # the sheet's maths face (mathfont.py), with its settings' version
    font_hash = hashlib.sha256(font.read_bytes()).hexdigest()[:16] if font.is_file() else "?"
    return (
        f"ziamath {version('ziamath')}|ziafont {version('ziafont')}|font {font_hash}|"
        f"{mathfont.VERSION}|"
        f"{REFERENCE_SIZE}|{MATH_SCALE}|{MARGIN}|{INK}"
    )


def cache_key(latex: str, display: bool) -> str:
    """sha256 of engine, font, settings and source: an entry can only be this formula's."""
    text = f"{engine_identity()}|{'display' if display else 'inline'}|{latex}"
    return hashlib.sha256(text.encode()).hexdigest()


def _cache_file(key: str) -> Path | None:
    if DISK_CACHE is None:
        return None
    return DISK_CACHE / "math" / f"{key[:32]}.json"


def _read_entry(path: Path, key: str) -> Formula | None:
    """The cached drawing, or None when the entry is missing, foreign or damaged.

    The cache folder may be committed, copied or edited by anyone: an entry is used only if
    it names the exact key, has the right types and sizes a formula can have, and its SVG is
    an SVG. Anything else is treated as missing (and overwritten)."""
    data = cacheentry.read(path, key)
    if data is None:
        return None
    svg, sizes = data.get("svg"), [data.get(name) for name in ("width", "height", "depth")]
    if not isinstance(svg, str) or not svg.startswith("<svg") or not svg.endswith("</svg>"):
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in sizes):
        return None
    width, height, depth = (float(v) for v in sizes)
    if not all(map(math.isfinite, (width, height, depth))):
        return None
    if not (0 < width < MAX_WIDTH_EM and 0 < height < MAX_HEIGHT_EM and abs(depth) <= height):
        return None
    return Formula(svg=svg, width=width, height=height, depth=depth)


def _write_entry(path: Path, key: str, formula: Formula) -> None:
    cacheentry.write(path, key, asdict(formula))  # a read-only cache simply goes without


@functools.lru_cache(maxsize=4096)
def typeset(latex: str, display: bool) -> Formula | FormulaError:
    """Typeset one formula, from memory or the project's disk cache when it was done before.

    Never raises: any failure of the parser or the typesetter becomes a `FormulaError`
    (failures are not stored on disk, so their warning shows on every build).
    """
    path = None
    if DISK_CACHE is not None:
        key = cache_key(latex, display)
        path = _cache_file(key)
        if path is not None and path.is_file():
            cached = _read_entry(path, key)
            if cached is not None:
                return cached
    result = _typeset(latex, display)
    if path is not None and isinstance(result, Formula):
        _write_entry(path, key, result)
    return result


# LaTeX that ziamath 0.13 draws wrongly without an error, rewritten into what it draws right
# (each checked by eye in rendered PNGs). Patterns are linear: no nested quantifiers.
_REWRITES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"\\not\s*="), r"\\neq "),
    (re.compile(r"\\not\s*\\in\b"), r"\\notin "),
    (re.compile(r"\\bmod\b"), r"\\;\\mathrm{mod}\\; "),
    # `{n \choose k}`: latex2mathml draws fixed full-height parentheses around a small n/k.
    (re.compile(r"\{([^{}]{0,200})\\choose(?![A-Za-z])([^{}]{0,200})\}"), r"\\binom{\1}{\2}"),
    (re.compile(r"\\tag\*?\{([^{}]{0,40})\}"), r"\\qquad\\text{(\1)}"),
    (
        re.compile(r"\\operatorname\*\{([^{}]{1,60})\}\s*_\s*(\{[^{}]{0,200}\}|\\[A-Za-z]+|[A-Za-z0-9])"),
        lambda m: f"\\underset{{{m[2].strip('{}')}}}{{\\mathrm{{{m[1]}}}}}",
    ),
    (re.compile(r"\\operatorname\*\{"), r"\\operatorname{"),
    (re.compile(r"\\begin\{dcases\*?\}"), r"\\begin{cases}"),
    (re.compile(r"\\end\{dcases\*?\}"), r"\\end{cases}"),
    (re.compile(r"\\begin\{rcases\}"), r"\\left.\\begin{matrix}"),
    (re.compile(r"\\end\{rcases\}"), r"\\end{matrix}\\right\\}"),
    (re.compile(r"\\begin\{alignat\*?\}\{\d{1,2}\}"), r"\\begin{aligned}"),
    (re.compile(r"\\end\{alignat\*?\}"), r"\\end{aligned}"),
    (
        re.compile(r"\\genfrac\{([^{}]{0,8})\}\{([^{}]{0,8})\}\{([^{}]{0,8})\}\{[^{}]{0,4}\}"
                   r"\{([^{}]{0,200})\}\{([^{}]{0,200})\}"),
        lambda m: _genfrac(*m.groups()),
    ),
    # `\text{if $x > 0$}`: maths inside text, as kramdown and MathJax read it.
    (
        re.compile(r"\\text\{([^{}$]{0,200})\$([^{}$]{1,200})\$([^{}$]{0,200})\}"),
        lambda m: f"\\text{{{m[1]}}}{m[2]}\\text{{{m[3]}}}",
    ),
]  # fmt: skip
# Drawn without them: a warning says so instead of a silently different table.
_UNDRAWN_RULES = re.compile(r"\\hline|\\begin\{array\}\{[^{}]{0,40}\|")


def _genfrac(left: str, right: str, thickness: str, top: str, bottom: str) -> str:
    left, right = left.strip() or ".", right.strip() or "."
    if thickness.strip().startswith("0"):
        body = f"\\begin{{matrix}}{top}\\\\{bottom}\\end{{matrix}}"
    else:
        body = f"\\frac{{{top}}}{{{bottom}}}"
    return f"\\left{left}{body}\\right{right}"


def rewrite(latex: str) -> str:
    """LaTeX as ziamath draws it right: see `_REWRITES`."""
    if "\\" not in latex:
        return latex
    for pattern, replacement in _REWRITES:
        latex = pattern.sub(replacement, latex)
    return latex


def limitations(latex: str) -> str | None:
    """What of this formula will not be drawn, said in a warning."""
    if _UNDRAWN_RULES.search(latex):
        return "array rules (\\hline and | in the column spec) are not drawn"
    return None


def _typeset(latex: str, display: bool) -> Formula | FormulaError:
    latex = rewrite(latex)
    if len(latex) > MAX_FORMULA_CHARS:
        return FormulaError(
            f"formula is {len(latex):,} characters long, over the limit of {MAX_FORMULA_CHARS:,}"
            " (typesetting time grows faster than its length); split it"
        )
    size = REFERENCE_SIZE * MATH_SCALE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ziamath's own deprecation notices, not the user's
            with _ziamath_settings():
                drawing = mathfont.drawing(
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


def _display_html(formula: Formula, latex: str) -> str:
    """Cut before its relations, and those parts before their `+` and `-`, when there are
    any (`display_lines_html`), else one image."""
    relations = display_parts(latex)
    chunks = [display_parts(part, _BINARY) for part in relations]
    if sum(map(len, chunks)) > MAX_PARTS:
        chunks = [[part] for part in relations]
    if sum(map(len, chunks)) > 1:
        drawn = [[typeset(part, True) for part in chunk] for chunk in chunks]
        if all(isinstance(part, Formula) for chunk in drawn for part in chunk):
            return display_lines_html(
                [
                    list(zip(images, chunk, strict=True))
                    for images, chunk in zip(drawn, chunks, strict=True)
                ]  # type: ignore[misc]
            )
    return display_html(formula, latex)


def display_lines_html(chunks: list[list[tuple[Formula, str]]]) -> str:
    """A display formula cut before its relations (chunks) and their terms (parts): one
    image per part, on one baseline, with a break opportunity (`<wbr>`) between parts. On
    one line they read as the whole formula; when the column is too narrow the layout moves
    a chunk to the next line, centred, at text size, and a chunk wider than the column
    (an inline-block as wide as the column at most) breaks between its terms. Only a part
    wider than the column on its own is shrunk (`max-width`, height in proportion).

    A part after the first starts with its operator's space, which would push a line it
    starts off centre. So half of that space moves to the end of the part before (padding)
    and is taken back by a negative margin: on one line the spacing is the whole formula's,
    and every line has as much room on its left as on its right. The images' own padding
    (`MARGIN`) is taken back the same way."""
    pad = 2 * MARGIN / REFERENCE_SIZE
    parts = [part for chunk in chunks for part in chunk]
    halves = [0.0] + [_relation_space(latex) / 2 for _, latex in parts[1:]]
    images = []
    for index, (formula, latex) in enumerate(parts):
        after = halves[index + 1] if index + 1 < len(parts) else halves[index]
        left = halves[1] if index == 0 else -halves[index] - pad
        style = (
            f"width:{formula.width:.3f}em;vertical-align:{-formula.depth:.3f}em;"
            f"margin-left:{left:.3f}em;padding-right:{after:.3f}em"
        )
        images.append(
            f'<img class="math" alt="{html.escape(latex.removeprefix("{}"))}" style="{style}" '
            f'src="{formula.data_uri()}">'
        )
    groups, start = [], 0
    for chunk in chunks:
        group = "<wbr>".join(images[start : start + len(chunk)])
        start += len(chunk)
        wrap = len(chunk) > 1 and len(chunks) > 1
        groups.append(f'<span class="math-chunk">{group}</span>' if wrap else group)
    return f'<div class="math-display math-lines">{"<wbr>".join(groups)}</div>'


def _relation_space(part: str) -> float:
    """The space (em) before the relation a part starts with: TeX's thick space, or the
    wider one mathfont gives the long arrows of `\\iff` and `\\implies`."""
    token = _TOKEN.findall(part.removeprefix("{}").lstrip())[:1]
    if token and token[0] in _BINARY:
        return 4 / 18  # TeX's medium space
    return 0.5 if token and token[0] in _LONG_ARROWS else 5 / 18


# Where a too-wide display formula may go on to a new line: before a relation at the top
# level (not inside braces, brackets, \left...\right or an environment), as TeX breaks
# displays by hand. `\mid` is left out: it mostly stands inside P(A \mid B).
# fmt: off
_RELATIONS = frozenset({
    "=", "<", ">", "\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq", "\\lt", "\\gt",
    "\\leqslant", "\\geqslant", "\\approx", "\\equiv", "\\sim", "\\simeq", "\\cong", "\\propto",
    "\\ll", "\\gg", "\\to", "\\rightarrow", "\\Rightarrow", "\\longrightarrow",
    "\\Longrightarrow", "\\iff", "\\implies", "\\impliedby", "\\Leftrightarrow",
    "\\Longleftrightarrow", "\\mapsto", "\\coloneqq", "\\triangleq", "\\doteq", "\\in",
    "\\notin", "\\subset", "\\subseteq", "\\supset", "\\supseteq", "\\prec", "\\succ",
    "\\preceq", "\\succeq",
})
_BINARY = frozenset({"+", "-", "\\pm", "\\mp"})
_LONG_ARROWS = frozenset({
    "\\iff", "\\implies", "\\impliedby", "\\Longleftrightarrow", "\\Longrightarrow",
    "\\Longleftarrow",
})
_OPENERS = frozenset({"(", "[", "\\{", "\\langle", "\\lfloor", "\\lceil", "\\lvert", "\\lVert"})
_CLOSERS = frozenset({")", "]", "\\}", "\\rangle", "\\rfloor", "\\rceil", "\\rvert", "\\rVert"})
# fmt: on
_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[^\\]", re.DOTALL)


def display_parts(latex: str, at: frozenset[str] = _RELATIONS) -> list[str]:
    """The formula cut before each top-level relation that follows a term (`a = b \\le c`
    -> `a`, `{}= b`, `{}\\le c`: the empty group keeps each relation's spacing as infix);
    with `at=_BINARY`, before each binary `+`, `-`, `\\pm`, `\\mp` (not a sign: `= -x`,
    not a script: `x^+`). One part when there is nothing to cut, or anything unusual: a
    `\\\\` or `&` at the top level (already set on lines), or unbalanced groups."""
    cuts: list[int] = []
    depth = 0
    term = delimiter = False  # a term since the last cut; the next token is \left's delimiter
    previous = None
    for match in _TOKEN.finditer(latex):
        token = match.group()
        scripted = previous is not None and previous.group() in ("^", "_")
        if delimiter:
            delimiter = False
        elif token in ("{", "\\left", "\\begin") or token in _OPENERS:
            depth += 1
        elif token in ("}", "\\right", "\\end") or token in _CLOSERS:
            depth -= 1
            if depth < 0:
                return [latex]
        elif depth == 0 and token in ("\\\\", "&"):
            return [latex]
        elif depth == 0 and not scripted and (token in _RELATIONS or token in _BINARY):
            if term and token in at:  # `:=` and `\\not=` stay whole
                joined = previous is not None and previous.group() in (":", "\\not")
                cuts.append(previous.start() if joined else match.start())
            term = False
            continue
        delimiter = token in ("\\left", "\\right")
        if not token.isspace():
            term, previous = True, match
    if depth != 0 or not cuts or len(cuts) >= MAX_PARTS:
        return [latex]
    bounds = [0, *cuts, len(latex)]
    parts = [latex[start:end].strip() for start, end in itertools.pairwise(bounds)]
    return [parts[0], *("{}" + part for part in parts[1:])]


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
        at = line + source.count("\n", 0, found) if found >= 0 else line
        limit = limitations(latex)
        if limit:
            warn(f"formula '{latex[:40]}': {limit}", file, at)
        missing = missing_glyphs(latex)
        if missing:
            names = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
            warn(
                f"missing glyph: the maths font (Noto Sans Math) has no {names}, used in "
                f"formula '{latex[:40]}'; it prints as an empty box (write it as LaTeX, "
                "e.g. x_y)",
                file,
                at,
                kind="missing_glyphs",  # counted with the text's missing glyphs by preflight
            )
        if isinstance(result, Formula):
            return _display_html(result, latex) if display else inline_html(result, latex)
        shown = latex if len(latex) <= 60 else latex[:57] + "..."
        warn(
            f"cannot typeset formula '{shown}': {result.reason}; shown as source",
            file,
            at,
            kind="formula",
        )
        return error_html(latex, display)

    return MARKERS.sub(replace, fragment)


@functools.lru_cache(maxsize=1)
def _math_font_characters() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(mathfont.FONT, lazy=True) as ttf:  # the face formulas are drawn with
        return frozenset(ttf.getBestCmap())


def missing_glyphs(latex: str) -> list[str]:
    """Characters of a formula's source that the maths font cannot draw (ASCII always can)."""
    others = {c for c in latex if ord(c) > 127 and not c.isspace()}
    if not others:
        return []
    known = _math_font_characters()
    return sorted(c for c in others if ord(c) not in known)


def _find(source: str, latex: str, start: int) -> int:
    """Where the formula's source is, preferring it between dollars (a bare `x` is everywhere)."""
    if not latex:
        return -1
    delimited = source.find(f"${latex}$", start)
    return delimited + 1 if delimited >= 0 else source.find(latex, start)
