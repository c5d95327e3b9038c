"""The maths face and table spacing handed to ziamath (formulas.py calls `drawing`).

Noto Sans Math (OFL; the npm package `@fontsource/noto-sans-math` 5.3.0, whose WOFF keeps
the OpenType MATH table, converted to TTF with fontTools, glyphs untouched) is a sans maths
face: beside Fira Sans Condensed it reads as the same family, where the default STIX Two is
a Times-like serif. Its x-height (0.536 em) is Fira's (0.526 em), so formulas need no
scaling to match the text. TeX Gyre DejaVu Math (Debian fonts-texgyre-math) was the other
candidate: its italic letters are serifed and wider, it looked like a third family.

Script size: Noto Sans Math asks for sub- and superscripts, and the numerator and
denominator of an inline fraction, at 60 % (second level 50 %); STIX Two asks 70/55 and TeX
uses 70/50 (at 10 pt; its 7 pt fonts script at 5 pt, 71 %). At 7 pt text 60 % is 4.2 pt,
below what prints legibly, so the loaded font's constants are set to 75/60: scripts as large
as STIX Two's were at the 1.08 scale STIX needed (the font file itself is untouched).

Spacing: ziamath sets matrix and `cases` columns 0.3 em apart, so `pmatrix` reads "a b" and
a case's value touches its condition. TeX puts 2 x \\arraycolsep (about 1 em at 10 pt)
between matrix columns and a quad before a condition; these are set on the MathML tables
ziamath draws, unless the table already says its spacing (`aligned` does).

Accents: ziamath stretches every one-character accent to the smallest of the font's wider
variants that covers its base, so `\\hat\\theta` got a circumflex 1.3 times as wide as the
theta (Noto Sans Math's variants are 0.34, 0.76, 1.19 ... em; a letter is about 0.5 em). TeX
sets `\\hat`, `\\check`, `\\dot` ... as the plain accent glyph, and only `\\widehat`,
`\\widetilde` stretch: see `narrow_accents`. `\\dot`, `\\ddot`, `\\check`, `\\breve` and
`\\acute` came as spacing characters the face lacks (printed as empty boxes); they are drawn
with its combining accents, which it has with their attachment points.
"""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

from .resources import BUILTIN_STYLES

FONT = BUILTIN_STYLES / "fonts" / "NotoSansMath-Regular.ttf"
# Letter size relative to the text: the x-heights already match.
SCALE = 1.0
# Part of the disk-cache key: change it when the font or the spacing changes.
VERSION = "noto-sans-math-5.3.0+spacing-1+scripts-75-60+operators-2+accents-2"
SCRIPT_PERCENT = 75
SCRIPT_SCRIPT_PERCENT = 60
MATRIX_COLUMNS = "0.8em"
CASES_COLUMNS = "1em"
ROWS = "0.35em"
# Operators latex2mathml writes as identifiers (`<mi>`), so ziamath sets them with no space
# around: `\iff`, `\implies`, `\impliedby`, `\longrightarrow`..., `\perp`, `\sim`, `\pm`,
# `\neg`, `\setminus` ("A⊥B⟺P(A∩B)" printed as one word).
MISTAKEN_OPERATORS = frozenset(
    "\u27c2~\u00b1\u00ac\u29f5" + "".join(map(chr, range(0x27F5, 0x2800)))
)
# Space on each side of an infix operator where ziamath's dictionary (MathML 2's, with no entry
# or a 1/18 em one) differs from TeX: relations get a thick space (5/18 em), binary operators a
# medium one (4/18 em); `\iff`, `\implies` and `\impliedby` are relations with a further
# `\;` on each side in TeX.
THICK, MEDIUM, IMPLIES = "0.278em", "0.222em", "0.5em"
TEX_SPACING = {
    **dict.fromkeys("\u27c2\u2282\u2283\u22a7~\u27f5\u27f6\u27f7", THICK),
    **dict.fromkeys("\u27f8\u27f9\u27fa", IMPLIES),
    **dict.fromkeys("\u2229\u222a\u2227\u2228\u00d7\u00f7\u29f5", MEDIUM),
}
# Spacing accents latex2mathml writes that Noto Sans Math lacks -> its combining accents.
COMBINING_ACCENTS = {
    "\u02d9": "\u0307",  # \dot
    "\u00a8": "\u0308",  # \ddot
    "\u02c7": "\u030c",  # \check
    "\u02d8": "\u0306",  # \breve
    "\u00b4": "\u0301",  # \acute
    "~": "\u0303",  # \tilde: the text tilde is wider than a letter
}
# Accents drawn at their own width: over one character when latex2mathml marks them as
# accents or not stretchy (`\hat`, `\tilde`, not `\widehat`, `\widetilde`), or unless marked
# stretchy (`\widecheck`).
MARKED_NARROW = frozenset("\u0302\u0303")
NARROW = frozenset("\u0307\u0308\u030c\u0306\u0301\u0300\u030a\u20db\u20dc")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_TABLE = re.compile(r'<mtable(?![^>]*columnspacing)([^>]*)>(\s*<mtr>\s*<mtd( columnalign="left")?)')


def spaced_tables(mathml: str) -> str:
    """Give matrices and `cases` (left-aligned cells) TeX-like column and row spacing."""

    def table(match: re.Match[str]) -> str:
        columns = CASES_COLUMNS if match.group(3) else MATRIX_COLUMNS
        spacing = f'columnspacing="{columns}" rowspacing="{ROWS}"'
        return f"<mtable {spacing}{match.group(1)}>{match.group(2)}"

    return _TABLE.sub(table, mathml)


def tex_operator_spacing(mathml: ET.Element) -> None:
    """`<mi>⟺</mi>` -> `<mo>⟺</mo>`, and TeX's space around infix operators ziamath's
    dictionary leaves bare (`A ⊥ B ⟺ P(A ∩ B)`, not "A⊥B⟺P(A∩B)")."""
    for parent in mathml.iter():
        children = list(parent)
        for index, element in enumerate(children):
            if element.tag == f"{_MATHML}mi" and element.text in MISTAKEN_OPERATORS:
                element.tag = f"{_MATHML}mo"
            space = TEX_SPACING.get(element.text or "")
            infix = 0 < index < len(children) - 1
            if element.tag == f"{_MATHML}mo" and space and infix and "lspace" not in element.attrib:
                element.set("lspace", space)
                element.set("rspace", space)


def narrow_accents(mathml: ET.Element) -> None:
    """Draw `\\hat x`, `\\dot x`, `\\check x` ... with the accent glyph itself, as TeX does,
    not a variant stretched over the base; `\\widehat{xyz}` and `\\hat{xy}` still stretch.

    ziamath asks for a variant as wide as the base whenever the accent is a lone `<mo>`;
    inside an `<mrow>` it draws the glyph as it is, placed by the font's attachment points
    (over a one-letter base) or centred. `accent="true"` keeps it at the base's size."""
    for mover in mathml.iter(f"{_MATHML}mover"):
        if len(mover) != 2 or mover[1].tag != f"{_MATHML}mo" or len(mover[1].text or "") != 1:
            continue
        accent = mover[1]
        char = accent.text = COMBINING_ACCENTS.get(accent.text, accent.text)
        if char in MARKED_NARROW:  # over two letters or more TeX takes a wider variant too
            marked = mover.get("accent") == "true" or accent.get("stretchy") == "false"
            narrow = marked and _one_character(mover[0])
        elif char == "\u2192" and accent.get("stretchy") == "true":  # `\vec`, not `\overrightarrow`
            narrow = _one_character(mover[0])
            if narrow:
                accent.text = "\u20d7"  # the vector accent, not a full-size arrow
                del accent.attrib["stretchy"]
        else:
            narrow = char in NARROW and accent.get("stretchy") != "true"
        if narrow:
            mover.remove(accent)
            wrapper = ET.SubElement(mover, f"{_MATHML}mrow")
            wrapper.append(accent)
            mover.set("accent", "true")


def _one_character(element: ET.Element) -> bool:
    """`x`, `{\\theta}`: one token of one character (a `{}` group is an `<mrow>`)."""
    while element.tag == f"{_MATHML}mrow" and len(element) == 1:
        element = element[0]
    return len(element) == 0 and len(element.text or "") == 1


def _loaded_font() -> str:
    """Load the face into ziamath's font cache once, with legible script sizes; the key
    ziamath then finds it by."""
    from ziamath.zmath import MathFont, loadedfonts

    key = str(FONT)
    if key not in loadedfonts:
        font = MathFont(key)
        font.math.consts = dataclasses.replace(
            font.math.consts,
            scriptPercentScaleDown=SCRIPT_PERCENT,
            scriptScriptPercentScaleDown=SCRIPT_SCRIPT_PERCENT,
        )
        loadedfonts[key] = font
    return key


def drawing(latex: str, size: float, inline: bool, color: str, margin: float):
    """A ziamath drawing of `latex` in the sheet's maths face (like ziamath.Latex, which
    offers no hook between LaTeX->MathML and layout)."""
    import ziamath
    from ziamath.tex import tex2mml

    mathml = ET.fromstring(spaced_tables(tex2mml(latex, inline=inline)))
    tex_operator_spacing(mathml)
    narrow_accents(mathml)
    mathml.attrib["mathcolor"] = color
    return ziamath.Math(mathml, size, font=_loaded_font(), margin=margin)
