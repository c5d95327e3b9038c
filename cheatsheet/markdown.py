"""Section Markdown -> HTML fragments: GitHub-flavoured extensions and Pygments highlighting.

LaTeX math (`$...$`, `$$...$$`, ```math) is marked by arithmatex and drawn by formulas.py.

Each section is converted on its own (with one reused Markdown instance) so that sections can
be selected, reordered and cached independently.
"""

from __future__ import annotations

import contextlib
import html as html_module
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import markdown
from pymdownx import arithmatex
from pymdownx.emoji import gemoji, to_alt

from . import codewrap, emoji, formulas
from .content import Section
from .errors import CheatsheetError, warn
from .mdext import PLAIN_FENCE, CheatsheetExtension, plain_fence
from .sanitize import clean_html
from .sectioning import printable
from .sheetcss import (  # noqa: F401 - the CSS for these classes lives there
    MAX_BUCKET,
    MAX_INDENT,
    MIN_WRAP,
    indent_css,
    long_block_css,
    wrap_mark_css,
)
from .slug import heading_id

LINE_SPAN = "__cl"
_LINE_OPEN = re.compile(rf'<span id="{LINE_SPAN}-p?\d+-\d+">')
_LINE_END = re.compile(r"\n</span>")
_TAG = re.compile(r"<[^>]+>")
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=)"([^"]*)"')

EXTENSIONS = [
    "tables",
    "footnotes",
    "def_list",
    "attr_list",
    "md_in_html",
    "sane_lists",
    "toc",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.caret",
    "pymdownx.betterem",
    "pymdownx.magiclink",
    "pymdownx.smartsymbols",
    "pymdownx.emoji",
    "pymdownx.arithmatex",
    "pymdownx.saneheaders",  # `#hashtag` at a line start is text, as on GitHub
    "pymdownx.mark",  # ==mark==
    "admonition",  # MkDocs `!!! note "Title"`
    "pymdownx.details",  # MkDocs `??? note` (collapsible): printed open
    CheatsheetExtension(),  # GitHub lists, callouts, kramdown IAL, wiki links, ... (mdext.py)
    "smarty",
    "cheatsheet.refcard",
    "cheatsheet.typography",
]


def _diagram_as_code(source, language, css_class, options, md, **kwargs):
    """Mermaid diagrams are not drawn (that needs a browser): the source, with a note."""
    code = html_module.escape(source)
    return (
        f'<div class="diagram-source"><p class="diagram-note">{language} diagram, not drawn: '
        f"its source</p><pre><code>{code}</code></pre></div>"
    )


EXTENSION_CONFIGS = {
    "pymdownx.highlight": {
        "use_pygments": True,
        "guess_lang": False,
        "css_class": "highlight",
        "line_spans": LINE_SPAN,
        "pygments_lang_class": True,
    },
    "pymdownx.tasklist": {"custom_checkbox": True},
    "pymdownx.magiclink": {"hide_protocol": False},
    "pymdownx.smartsymbols": {
        "trademark": False,
        "copyright": False,
        "registered": False,
        "care_of": False,
        "plusminus": False,
        "arrows": True,
        "notequal": False,
        "fractions": False,
        "ordinal_numbers": False,
    },
    # :rocket: becomes the Unicode character; emoji.py then draws it from OpenMoji.
    "pymdownx.emoji": {"emoji_index": gemoji, "emoji_generator": to_alt, "alt": "unicode"},
    "footnotes": {"UNIQUE_IDS": True},
    # Curly quotes and ellipses; spaced dashes are typography.py's (`--flag` stays as typed).
    "smarty": {"smart_dashes": False, "smart_angled_quotes": False},
    # Math: arithmatex only marks formulas (`$...$`, `$$...$$`, ```math fences), leaving a `$`
    # in code or used as a currency sign ("$5 and $10") alone; formulas.py draws them.
    # Dollars only: `\(` and `\[` stay the Markdown escapes they were before math existed.
    "pymdownx.arithmatex": {
        "generic": True,
        "inline_syntax": ["dollar"],
        "block_syntax": ["dollar"],
        "smart_dollar": True,
    },
    "pymdownx.superfences": {
        "custom_fences": [
            {
                "name": "math",
                "class": "arithmatex",
                "format": arithmatex.arithmatex_fenced_format(which="generic"),
            },
            {"name": "mermaid", "class": "mermaid", "format": _diagram_as_code},
            {"name": PLAIN_FENCE, "class": "text", "format": plain_fence},
        ]
    },
    # GitHub's heading ids (slug.py), so the links of notes written for GitHub keep working.
    "toc": {"permalink": False, "slugify": heading_id},
}


@dataclass(frozen=True)
class RenderedSection:
    """A section as HTML, still carrying its origin for reports."""

    slug: str
    title: str
    html: str
    wide: bool
    file: Path
    line: int


class MarkdownRenderer:
    """Converts sections, reusing one parser: building one costs more than converting."""

    def __init__(self, safe: bool = False) -> None:
        self.safe = safe
        self._md = markdown.Markdown(
            extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS, output_format="html"
        )
        self._cache: dict[tuple[str, str], RenderedSection] = {}

    def render(self, section: Section) -> RenderedSection:
        key = (section.slug, section.markdown, section.group)
        if key not in self._cache:
            self._md.reset()
            dropped: list[str] = []
            html = clean_html(self._convert(section), self.safe, dropped)
            _warn_dropped_links(dropped, section)
            html = _list_starts(_show_bidi_controls(html))
            if section.group:
                html = f'<h1 class="group">{html_module.escape(section.group)}</h1>\n' + html
            html = _absolute_sources(_code_lines(html), section.file.parent)
            # Math after sanitising (its SVG images are ours, not the user's HTML) and before
            # emoji, which would otherwise turn an emoji inside a formula's source into a tag.
            html = formulas.replace_in_html(html, section.markdown, section.file, section.line)
            self._cache[key] = RenderedSection(
                slug=section.slug,
                title=section.title,
                html=emoji.replace_in_html(_block_sizes(html)),
                wide=section.wide,
                file=section.file,
                line=section.line,
            )
        return self._cache[key]

    def _convert(self, section: Section) -> str:
        """Python-Markdown recurses over its element tree; a construct nested thousands deep
        (which the nesting check of the source cannot see, e.g. inline markup) must stop with
        a located error, not a traceback."""
        try:
            return self._md.convert(section.markdown)
        except RecursionError:
            raise CheatsheetError(
                "this section is nested too deeply to render",
                file=section.file,
                line=section.line,
                hint="flatten the nesting of lists, quotes, emphasis or HTML tags",
            ) from None


def _warn_dropped_links(urls: list[str], section: Section) -> None:
    """One warning per dropped link, at the line of the section where its target is written."""
    lines = section.markdown.split("\n")
    for url in dict.fromkeys(urls):
        target = html_module.unescape(url)
        offset = next((n for n, line in enumerate(lines) if target in line), 0)
        shown = printable(target, 60)
        warn(
            f"link to '{shown}' left out of the PDF (only http(s), mailto and #section "
            "links are kept; a relative link would point into your disk); its text is kept",
            section.file,
            section.line + offset,
        )


# Trojan source (CVE-2021-42574): bidi controls make code read differently from how it runs.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CODE_ELEMENT = re.compile(r"<code\b[^>]*>.*?</code>", re.S)


def _show_bidi_controls(html: str) -> str:
    """Bidi controls inside code are drawn as a visible mark (`⟦U+202E⟧`), not applied."""
    if not BIDI_CONTROLS.search(html):
        return html

    def visible(match: re.Match[str]) -> str:
        return BIDI_CONTROLS.sub(
            lambda c: f'<span class="bidi-control">⟦U+{ord(c.group()):04X}⟧</span>', match.group()
        )

    return _CODE_ELEMENT.sub(visible, html)


_OL_TAG = re.compile(r"<ol\b([^<>]*)>")
_START = re.compile(r'\bstart="([0-9]{1,9})"')


def _list_starts(html: str) -> str:
    """`<ol start="3">` numbers from 3 in the PDF: WeasyPrint 70 ignores the attribute, so the
    list's counter is reset to one before it (after sanitising: it is our markup, and
    `--safe` drops style attributes)."""

    def counter(match: re.Match[str]) -> str:
        start = _START.search(match.group(1))
        if start is None or "style=" in match.group(1):
            return match.group(0)
        return f'<ol{match.group(1)} style="counter-reset: list-item {int(start.group(1)) - 1}">'

    return _OL_TAG.sub(counter, html)


def _block_sizes(html: str) -> str:
    """Tag tables with their column and row counts and code blocks with their line counts.

    Wide tables then get smaller type, and the layout stage lets a table or code block that
    is taller than a column break across columns from the start, instead of pushing it to
    the next column and stranding the heading that introduces it.
    """
    sizes = _table_sizes(html)

    def table(match: re.Match[str]) -> str:
        columns, rows = sizes.get(match.start(), (0, 0))
        # refcard.py marks a command table with right-to-left descriptions `dir="rtl"`.
        direction = match.group(1) or ""
        return f'<table{direction} class="cols-{min(columns, 9)} rows-{_bucket(rows)}">'

    def pre(match: re.Match[str]) -> str:
        end = html.find("</pre>", match.end())
        lines = html.count('<span class="cl', match.end(), end)
        return f'<pre class="lines-{_bucket(lines)}">'

    return re.sub(r"<pre>", pre, _TABLE_OPEN.sub(table, html))


def _table_sizes(html: str) -> dict[int, tuple[int, int]]:
    """(cells in the first row, rows) of each table, by where its tag starts; a nested
    table's rows are its own. One pass over the tags: counting from each table to the end
    of its body took 2 s for 3 000 nested tables (a fuzz input)."""
    sizes: dict[int, tuple[int, int]] = {}
    open_tables: list[list[int]] = []  # [start, cells of the first row, rows, first row done]
    for tag in _TABLE_TAGS.finditer(html):
        name = tag.group(1)
        if name == "table":
            open_tables.append([tag.start(), 0, 0, 0])
        elif not open_tables:
            continue
        elif name == "/table":
            start, cells, rows, _ = open_tables.pop()
            sizes[start] = (cells, rows)
        elif name == "tr":
            open_tables[-1][2] += 1
        elif name == "/tr":
            open_tables[-1][3] = 1
        elif not open_tables[-1][3]:  # a cell of the first row
            open_tables[-1][1] += 1
    for start, cells, rows, _ in open_tables:  # never closed: counted to the end
        sizes[start] = (cells, rows)
    return sizes


_TABLE_OPEN = re.compile(r'<table( dir="rtl")?>')
_TABLE_TAGS = re.compile(r"<(table|/table|tr|/tr|t[hd])(?=[\s>])")


def _bucket(count: int) -> int:
    """Counts in steps of 5, so a handful of CSS rules can select 'at least N'."""
    return min(count // 5 * 5, MAX_BUCKET)


def _absolute_sources(html: str, folder: Path) -> str:
    """Images are relative to their Markdown file, wherever the project root is."""

    def absolute(match: re.Match[str]) -> str:
        url = match.group(2)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/|^#", url):
            return match.group(0)
        path = folder / unquote(url)
        with contextlib.suppress(OSError, RuntimeError, ValueError):  # loop, NUL: fetcher refuses
            path = path.resolve()
        return f'{match.group(1)}"{path.as_uri()}"'

    return _IMG_SRC.sub(absolute, html)


def _code_lines(html: str) -> str:
    """One block per code line, so CSS can give wrapped lines a hanging indent and a mark.

    A line's leading spaces become its left padding (class `i4` = four spaces): a wrapped
    line then continues under its own indentation, and the layout engine cannot break a
    line inside its indentation and leave an empty first row. A length class (`w40`: 40-49
    characters) lets the layout stage mark only the lines that can wrap.
    """
    parts = _LINE_OPEN.split(html)
    out = [parts[0]]
    for part in parts[1:]:
        text = html_module.unescape(_TAG.sub("", part)).rstrip("\n")
        indent = min(len(text) - len(text.lstrip(" ")), MAX_INDENT)
        classes = ["cl"] + ([f"i{indent}"] if indent else []) + _length_classes(len(text))
        out.append(f'<span class="{" ".join(classes)}">')
        out.append(_drop_leading_spaces(part, indent))
    html = _LINE_END.sub("</span>", "".join(out))
    # WeasyPrint cannot wrap a word that spans several inline boxes (Kozea/WeasyPrint#1614),
    # so give it break opportunities between tokens where a person would wrap (codewrap.py).
    return codewrap.break_opportunities(codewrap.mark_art_blocks(html))


def _length_classes(length: int) -> list[str]:
    """`w w40` for a line of 40-49 characters: the layout stage marks only lines that can wrap."""
    if length < MIN_WRAP:
        return []
    return ["w", f"w{min(length // 10 * 10, MAX_BUCKET)}"]


def _drop_leading_spaces(fragment: str, count: int) -> str:
    """Remove `count` spaces from the start of the text of an HTML fragment, skipping tags."""
    pieces = re.split(r"(<[^>]+>)", fragment)
    for index, piece in enumerate(pieces):
        if count == 0:
            break
        if piece.startswith("<"):
            continue
        stripped = piece.lstrip(" ")[: len(piece)]
        removed = min(count, len(piece) - len(stripped))
        pieces[index] = piece[removed:]
        count -= removed
        if pieces[index]:
            break
    return "".join(pieces)
