"""The maths face and table spacing handed to ziamath (formulas.py calls `drawing`).

Noto Sans Math (OFL; the npm package `@fontsource/noto-sans-math` 5.3.0, whose WOFF keeps
the OpenType MATH table, converted to TTF with fontTools, glyphs untouched) is a sans maths
face: beside Fira Sans Condensed it reads as the same family, where the default STIX Two is
a Times-like serif. Its x-height (0.536 em) is Fira's (0.526 em), so formulas need no
scaling to match the text. TeX Gyre DejaVu Math (Debian fonts-texgyre-math) was the other
candidate: its italic letters are serifed and wider, it looked like a third family.

Spacing: ziamath sets matrix and `cases` columns 0.3 em apart, so `pmatrix` reads "a b" and
a case's value touches its condition. TeX puts 2 x \\arraycolsep (about 1 em at 10 pt)
between matrix columns and a quad before a condition; these are set on the MathML tables
ziamath draws, unless the table already says its spacing (`aligned` does).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from .resources import BUILTIN_STYLES

FONT = BUILTIN_STYLES / "fonts" / "NotoSansMath-Regular.ttf"
# Letter size relative to the text: the x-heights already match.
SCALE = 1.0
# Part of the disk-cache key: change it when the font or the spacing changes.
VERSION = "noto-sans-math-5.3.0+spacing-1"
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


def drawing(latex: str, size: float, inline: bool, color: str, margin: float):
    """A ziamath drawing of `latex` in the sheet's maths face (like ziamath.Latex, which
    offers no hook between LaTeX->MathML and layout)."""
    import ziamath
    from ziamath.tex import tex2mml

    mathml = ET.fromstring(spaced_tables(tex2mml(latex, inline=inline)))
    mathml.attrib["mathcolor"] = color
    return ziamath.Math(mathml, size, font=str(FONT), margin=margin)
