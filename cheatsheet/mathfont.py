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
VERSION = "noto-sans-math-5.3.0+spacing-1+scripts-75-60"
SCRIPT_PERCENT = 75
SCRIPT_SCRIPT_PERCENT = 60
MATRIX_COLUMNS = "0.8em"
CASES_COLUMNS = "1em"
ROWS = "0.35em"
_TABLE = re.compile(r'<mtable(?![^>]*columnspacing)([^>]*)>(\s*<mtr>\s*<mtd( columnalign="left")?)')


def spaced_tables(mathml: str) -> str:
    """Give matrices and `cases` (left-aligned cells) TeX-like column and row spacing."""

    def table(match: re.Match[str]) -> str:
        columns = CASES_COLUMNS if match.group(3) else MATRIX_COLUMNS
        spacing = f'columnspacing="{columns}" rowspacing="{ROWS}"'
        return f"<mtable {spacing}{match.group(1)}>{match.group(2)}"

    return _TABLE.sub(table, mathml)


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
    mathml.attrib["mathcolor"] = color
    return ziamath.Math(mathml, size, font=_loaded_font(), margin=margin)
