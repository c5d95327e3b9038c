"""Every piece of CSS the build generates, and the numbers it is computed from.

The themes' stylesheets (styles/) say how a sheet looks; this module adds what depends on
the config and the content: the page box, the columns and the base size, which code lines
get a continuation mark, which blocks may break across columns, the size of each shrunk
art block, the hidden "continued" label, a balanced last page, the footer's content and
the print marks. It comes after the theme in the cascade.

The type metrics the estimates need (the size and line height of code and tables, the
padding of code blocks) are read from base.css, the one place they are written; a theme
that changes them makes the estimates a little off, never the layout wrong. The footer's
look (face, size, colour) is base.css's too, so a theme can restyle it; only its content
comes from here.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from .codewrap import MAX_ART, art_lengths
from .config import SheetConfig, to_mm
from .resources import BUILTIN_ROOT
from .scripts import is_rtl

if TYPE_CHECKING:
    from .page import SheetMeta

# Code lines get a length class in steps of 10 characters (`w40`: 40-49) and blocks a line
# or row count in steps of 5 (markdown.py); the continuation mark (an absolutely placed
# pseudo-element, which costs layout time) goes only to lengths that may wrap.
MAX_INDENT = 24
MIN_WRAP = 10
MAX_BUCKET = 200
MONO_ADVANCE = 0.602  # em: DejaVu Sans Mono's advance width (styles/fonts/README.md)


@functools.cache
def base_metrics() -> dict[str, float]:
    """The numbers of base.css the estimates use, read from base.css itself."""
    text = (BUILTIN_ROOT / "styles" / "base.css").read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)

    def declaration(selector: str, name: str) -> list[float]:
        for match in re.finditer(r"(?m)^([^{}@]+)\{([^{}]*)\}", text):
            if match.group(1).strip() != selector:
                continue
            found = re.search(rf"(?:^|;)\s*{re.escape(name)}\s*:\s*([^;]+)", match.group(2))
            if found:
                return [float(n) for n in re.findall(r"[\d.]+", found.group(1))]
        raise LookupError(f"base.css: no '{name}' for '{selector}'")

    footer = re.search(r"@bottom-left\s*\{([^}]*)\}", text)
    footer_pt = re.search(r"font-size:\s*([\d.]+)pt", footer.group(1)) if footer else None
    footer_gap = re.search(r"padding-top:\s*([\d.]+)mm", footer.group(1)) if footer else None
    padding = declaration("th, td", "padding")
    return {
        "code_size": declaration("pre", "font-size")[0],
        "code_line_height": declaration("pre", "line-height")[0],
        "pre_padding_x": declaration("pre", "padding")[-1],
        "table_size": declaration("table", "font-size")[0],
        "table_line_height": declaration("table", "line-height")[0],
        "cell_padding_y": padding[0],
        "footer_pt": float(footer_pt.group(1)) if footer_pt else 6.0,
        "footer_gap_mm": float(footer_gap.group(1)) if footer_gap else 0.8,
    }


def settings_css(config: SheetConfig, font_size: float, html: str | None = None) -> str:
    """The config's share of the style: page box, columns, and the base size all scales from.

    `html`, when given, limits the art-block rules to the lengths the document uses."""
    return (
        f"@page {{ size: {config.paper} {config.orientation}; margin: {config.margin}; }}\n"
        f"html {{ font-size: {font_size:.3f}pt; }}\n"
        f".sheet {{ column-count: {config.columns}; column-gap: {config.column_gap}; }}\n"
        + indent_css()
        + wrap_mark_css(code_chars_per_line(config, font_size))
        + long_block_css(*rows_per_column(config, font_size, MOVABLE_BLOCK))
        + medium_block_css(
            "pre",
            ".cl",
            rows_per_column(config, font_size, MEDIUM_BLOCK)[1],
            rows_per_column(config, font_size, MOVABLE_BLOCK)[1],
        )
        + medium_block_css(
            "table",
            "tbody > tr",
            rows_per_column(config, font_size, MEDIUM_BLOCK)[0],
            rows_per_column(config, font_size, MOVABLE_BLOCK)[0],
        )
        + continued_mark_css(rows_per_column(config, font_size, MEDIUM_BLOCK)[1])
        + long_item_css(prose_chars_per_line(config, font_size) * LONG_ITEM_LINES)
        + FULL_COLUMNS_CSS
        + art_css(
            column_pt(config),
            CODE_SIZE * font_size,
            config.min_type_size,
            None if html is None else art_lengths(html),
            advance_em=MONO_ADVANCE,
            inset_em=PRE_INSET_EM,
            inset_pt=PRE_INSET_PT + ART_FRAME_EM * font_size,
        )
    )


CODE_SIZE = base_metrics()["code_size"]  # pre's font size in em
PRE_INSET_EM = 2 * base_metrics()["pre_padding_x"] + 0.05  # its side padding, and some air
PRE_INSET_PT = 1.5  # pre's left border (default theme; ink 0.8 pt)
ART_FRAME_EM = 0.9  # room for a frame around the section (boxed theme: 0.4 em padding, 0.6 pt)


def column_pt(config: SheetConfig) -> float:
    """The width of one column, in points."""
    width_mm, _ = config.page_size_mm
    extra = to_mm(config.binding) if config.duplex else 0
    text_mm = width_mm - 2 * to_mm(config.margin) - extra
    return (text_mm - (config.columns - 1) * to_mm(config.column_gap)) / config.columns * 72 / 25.4


def code_chars_per_line(config: SheetConfig, font_size: float) -> float:
    """About how many code characters fit on a line of one column (a little optimistic is
    wrong, so the estimate errs low)."""
    code_pt = CODE_SIZE * font_size
    usable_pt = column_pt(config) - 0.9 * code_pt  # padding and the border
    return 0.9 * usable_pt / (MONO_ADVANCE * code_pt)


# em: a table row (type, line height and cell padding) and a code line
TABLE_ROW = base_metrics()["table_size"] * (
    base_metrics()["table_line_height"] + 2 * base_metrics()["cell_padding_y"]
)
CODE_LINE = CODE_SIZE * base_metrics()["code_line_height"]


def rows_per_column(
    config: SheetConfig, font_size: float, fraction: float = 0.85
) -> tuple[float, float]:
    """About how many table rows and code lines fill `fraction` of one column."""
    _, height_mm = config.page_size_mm
    column_pt = (height_mm - 2 * to_mm(config.margin)) * 72 / 25.4 - 6 * font_size  # header
    return (
        fraction * column_pt / (TABLE_ROW * font_size),
        fraction * column_pt / (CODE_LINE * font_size),
    )


# A code block or table up to this fraction of a column moves whole to the next column when
# it does not fit (wasting at most that much of a column); a taller one breaks at a line or
# row boundary instead, so columns stay full (issue #14, "full columns").
MOVABLE_BLOCK = 0.15
# A code block between this fraction of a column and MOVABLE_BLOCK, of at least
# 2 * MEDIUM_BLOCK_SIDE lines, may break too, keeping MEDIUM_BLOCK_SIDE lines on each side
# (a short block split 2 + 2 reads as two fragments; 3 + 3 still reads as one block).
MEDIUM_BLOCK = 0.06
MEDIUM_BLOCK_SIDE = 3
# A list item longer than about this many lines may break across columns (two lines on
# each side, the paragraph's orphans and widows); a shorter one stays whole.
LONG_ITEM_LINES = 4.5

# Breaking rules that keep columns full and text together (issue #14, items 2 and 5):
# - a breakable code block or table keeps at least two lines or rows on each side of a
#   break; the code wrapper defers to the `pre` inside it; a table repeats its header row.
#   A one-line block's line is first and last: WeasyPrint reads a "no break after" of a
#   block's last descendant as one after the block, so that rule needs another line
#   (`:not(:last-child)`); otherwise a heading and a one-line command glued every such
#   pair to the next, and a run of them could only move as a whole (a 75 % empty column
#   in a balanced docker-cheat-sheet-ru page);
# - a pseudo-heading (`p.lead`: a bold-only line, or a line ending in ":" before a list,
#   table or code block) stays with what follows, like a heading. The ":" line before a
#   code block was once left free (WeasyPrint honoured that `avoid` by leaving up to a third
#   of a column empty in docker-cheat-sheet-ru); since code blocks split after two lines and
#   labels sit on their code, keeping it changes no corpus sheet's fill at 7.5 pt
#   (fill.py) and moves docker-cheat-sheet's "Verify images with a hashsum:" to its code;
# - the last item of a list, when it is short (under 50 characters: a line, two of CJK) and
#   holds no nested list, code or table, never starts a column alone: it takes the item
#   before it along (a lone "• Enhance formatting" at a column top of git-cheat-sheet's
#   last page, found by a reviewer). Where it fires it costs the line of the item before
#   at that column foot: before labels sat on their code it fired twice in
#   docker-cheat-sheet (2.3 -> 2.9 % empty); since, it changes no corpus sheet's full pages.
#   The first item is not kept with the next (with both, docker went 2.9 -> 3.6 %);
# - authors' manual breaks: `<!-- column -->` or the class `break-column`, and
#   `<!-- page -->`, which starts a new run of columns (`layout_hints`): WeasyPrint 70
#   ignores `break-before: page` inside a multi-column container;
# - a list may start a column: WeasyPrint's UA sheet glues every list to what precedes it
#   (`ol, ul { break-before: avoid }`), so a whole table or the last lines of any paragraph
#   went to the next column with the list after it (ds-interviews-theory: a 4-row table
#   left 48 pt at a column foot). A list stays with a lead-in (above) and a nested list
#   with its item's text.
FULL_COLUMNS_CSS = """\
ul, ol { break-before: auto; }
li > ul, li > ol { break-before: avoid; }
.highlight { break-inside: auto; }
pre > code { display: block; break-before: avoid; }
pre .cl:first-child:not(:last-child), tbody > tr:first-child:not(:last-child) {
  break-after: avoid; }
pre .cl:last-child:not(:first-child), tbody > tr:last-child:not(:first-child) {
  break-before: avoid; }
li.chars-0:last-child:not(:first-child):not(:has(li, pre, table)) { break-before: avoid; }
p.lead { break-after: avoid; break-inside: avoid; }
p.lead.intro { break-after: auto; break-inside: auto; }
p.lead.intro:has(+ ul, + ol, + dl, + table, + pre, + .highlight, + p) { break-after: avoid; }
p.lead.label { break-after: avoid; }
.break-column { break-before: column; }
div.break-column { height: 0; margin: 0; }
main.sheet.break-page { break-before: page; }
"""


def continued_mark_css(code_lines: float) -> str:
    """A hidden "continued" label on every code block that may break across columns;
    `mark_continued_code` shows a copy of it on each continuation, after layout."""
    selectors = [f"pre.lines-{n}" for n in range(0, MAX_BUCKET + 1, 5) if n >= code_lines]
    if not selectors:
        return ""
    blocks = ", ".join(selectors)
    marks = ", ".join(f"{s}::before" for s in selectors)
    return f"{blocks} {{ position: relative; }}\n{marks} {{ {CONTINUED_MARK_STYLE} }}\n"


CONTINUED_MARK_STYLE = (
    'content: "continued"; position: absolute; top: 0; right: 0.3em; visibility: hidden; '
    "font-size: 0.72em; font-style: italic; line-height: 1.2; color: #6a737d; "
    "white-space: nowrap"
)


def balance_css(height_px: float) -> str:
    """Runs of columns of a fixed height, filled in turn: a one-page sheet laid out at once
    at the height balancing found before. WeasyPrint's own `column-fill: balance` searches
    the height a pixel at a time (seconds for a dense page); `pdf._columns_of_height` sets
    the same height on a box tree laid out again."""
    return f"main.sheet {{ height: {height_px:.1f}px; }}\n"


def long_block_css(table_rows: float, code_lines: float) -> str:
    """Let tables and code blocks that cannot fit one column break across columns."""
    selectors = [f"table.rows-{n}" for n in range(0, MAX_BUCKET + 1, 5) if n >= table_rows]
    selectors += [f"pre.lines-{n}" for n in range(0, MAX_BUCKET + 1, 5) if n >= code_lines]
    if not selectors:
        return ""
    return ", ".join(selectors) + " { break-inside: auto; }\n"


def medium_block_css(block: str, line: str, min_lines: float, movable_lines: float) -> str:
    """Let blocks (`pre` with `.cl` lines, `table` with `tbody > tr` rows) between
    `min_lines` and `movable_lines` break, keeping MEDIUM_BLOCK_SIDE lines or rows on each
    side (buckets of 5: `pre.lines-N` and `table.rows-N` hold N to N+4)."""
    side = MEDIUM_BLOCK_SIDE
    kind = "lines" if block == "pre" else "rows"
    buckets = [
        n
        for n in range(0, MAX_BUCKET + 1, 5)
        if n + 4 >= max(min_lines, 2 * side) and n < movable_lines
    ]
    if not buckets:
        return ""
    blocks = ", ".join(f"{block}.{kind}-{n}" for n in buckets)
    # no break after the first side - 1 lines nor before the last side - 1
    heads = ", ".join(f"{block}.{kind}-{n} {line}:nth-child(-n+{side - 1})" for n in buckets)
    tails = ", ".join(f"{block}.{kind}-{n} {line}:nth-last-child(-n+{side - 1})" for n in buckets)
    return (
        f"{blocks} {{ break-inside: auto; }}\n"
        f"{heads} {{ break-after: avoid; }}\n{tails} {{ break-before: avoid; }}\n"
    )


def prose_chars_per_line(config: SheetConfig, font_size: float) -> float:
    """About how many characters of body text fit on a line of one column (Fira Sans
    Condensed averages about 0.45 em a character; CJK text is wider, so its items are
    counted short and stay whole more often)."""
    return column_pt(config) / (PROSE_ADVANCE * font_size)


PROSE_ADVANCE = 0.45


def long_item_css(min_chars: float) -> str:
    """Let list items of at least `min_chars` characters break (`li.chars-N`, steps of 50)."""
    buckets = [n for n in range(0, MAX_ITEM_CHARS + 1, 50) if n >= min_chars]
    if not buckets:
        return ""
    return ", ".join(f"li.chars-{n}" for n in buckets) + " { break-inside: auto; }\n"


MAX_ITEM_CHARS = 2000


def wrap_mark_css(chars_per_line: float) -> str:
    """Turn the continuation mark on for line lengths that may not fit `chars_per_line`."""
    buckets = [n for n in range(MIN_WRAP, MAX_BUCKET + 1, 10) if n + 10 > chars_per_line]
    if not buckets:
        return ""
    lines = ", ".join(f"pre .cl.w{n}" for n in buckets)
    marks = ", ".join(f"pre .cl.w{n}::before" for n in buckets)
    return f"{lines} {{ position: relative; }}\n{marks} {{ content: ''; }}\n"


def indent_css() -> str:
    """Rules for the indentation classes used by `_code_lines` (hanging indent + mark)."""
    return "".join(
        f"pre .cl.i{n} {{ padding-left: {n + 1.6}ch; }} pre .cl.i{n}::before {{ left: {n}ch; }}\n"
        for n in range(1, MAX_INDENT + 1)
    )


FOOTER_CLEARANCE_MM = 5.0
# The gap above the footer, one line of its type (base.css), then the clearance.
FOOTER_BOTTOM_MM = (
    base_metrics()["footer_gap_mm"]
    + round(base_metrics()["footer_pt"] * 1.2 * 25.4 / 72, 1)  # 6 pt: 2.5 mm
    + FOOTER_CLEARANCE_MM
)


def css_string(text: str) -> str:
    """A CSS string literal: titles may hold quotes and backslashes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def footer_css(config: SheetConfig, meta: SheetMeta) -> str:
    """Running footer in the page margin: title left, author and date centre, page right
    (mirrored in right-to-left sheets)."""
    items = set(config.footer)
    left = " · ".join(
        value
        for key, value in (
            ("title", meta.title),
            ("subtitle", meta.subtitle),
            ("version", meta.version),
        )
        if key in items and value
    )
    rtl = is_rtl(meta.lang)
    # Right to left, the date is isolated (FSI ... PDI): after Arabic its digits are Arabic
    # numbers and the hyphens between them neutral, so 2026-12-05 printed as 05-12-2026.
    date = f"\u2068{meta.date}\u2069" if rtl and meta.date else meta.date
    centre = " · ".join(
        value for key, value in (("author", meta.author), ("date", date)) if key in items and value
    )
    # Mirrored right to left: the title on the right (as in the title block), pages left.
    start, end = ("right", "left") if rtl else ("left", "right")
    boxes = []
    if left:
        boxes.append(f"@bottom-{start} {{ content: {css_string(left)}; }}")
    if centre:
        boxes.append(f"@bottom-center {{ content: {css_string(centre)}; }}")
    if "page" in items:
        boxes.append(f'@bottom-{end} {{ content: counter(page) " / " counter(pages); }}')
    if not boxes:
        return ""
    rules = " ".join(boxes)
    # The footer hangs from the top of the bottom margin (base.css); the margin grows so its
    # text ends at least FOOTER_CLEARANCE_MM above the trim edge, which printers clip.
    bottom = max(to_mm(config.margin), FOOTER_BOTTOM_MM)
    return f"@page {{ margin-bottom: {bottom:.2f}mm; {rules} }}\n"


def page_css(config: SheetConfig) -> str:
    """Duplex margins (wider on the binding side), crop marks and bleed for print shops."""
    css = []
    if config.duplex:
        outer = to_mm(config.margin)
        inner = outer + to_mm(config.binding)
        css.append(f"@page :right {{ margin-left: {inner:.2f}mm; margin-right: {outer:.2f}mm; }}")
        css.append(f"@page :left {{ margin-left: {outer:.2f}mm; margin-right: {inner:.2f}mm; }}")
    if config.crop_marks:
        css.append("@page { marks: crop cross; }")
    if to_mm(config.bleed) > 0:
        css.append(f"@page {{ bleed: {config.bleed}; }}")
    return "\n".join(css) + "\n" if css else ""


def print_css(config: SheetConfig, meta: SheetMeta) -> str:
    return footer_css(config, meta) + page_css(config)


def art_css(
    column_pt: float,
    code_pt: float,
    floor_pt: float,
    lengths: set[int] | None = None,
    *,
    advance_em: float,
    inset_em: float,
    inset_pt: float,
) -> str:
    """The type size at which each art block's longest line just fits the column.

    A line of `n` characters in a `pre` set at `s` pt takes `n * advance_em * s` plus the
    pre's own horizontal padding (`inset_em * s`) and the fixed border and frames
    (`inset_pt`). The size is the largest that fits, never above the code size and never
    below `floor_pt` (below it the block wraps like any other). `lengths`: only the lengths
    the document uses (every length when not known).
    """
    rules = []
    for length in sorted(lengths) if lengths is not None else range(1, MAX_ART + 1):
        fits = (column_pt - inset_pt) / (length * advance_em + inset_em)
        if fits >= code_pt:
            continue
        size = max(floor_pt, fits)
        rules.append(f".highlight.art.m{length} pre {{ font-size: {size:.2f}pt; }}")
    return "\n".join(rules) + "\n" if rules else ""
