"""Micro-typography as a Python-Markdown extension: language tags per block, Korean words
kept whole, break points inside long table tokens and inline code, dashes, and spacer
paragraphs removed; plus the sheet-level touches the pipeline applies (`finish_sheet`).

Why a treeprocessor and not regexes over the finished HTML: it sees text nodes only, never
tags or attribute values, and it skips code (`code`, `pre`) structurally. It runs after the
inline patterns (priority 20), so it sees the final text of every element.
"""

from __future__ import annotations

import html as html_module
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
from markdown.treeprocessors import Treeprocessor

from .sandbox import file_problem
from .scripts import is_rtl, language_of, monospace_cells, script_of, sheet_language

# Blocks whose language is judged on their own text.
TAGGED_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "th", "td", "dt", "dd"}
CODE = {"code", "pre", "kbd", "samp"}
CELLS = {"th", "td"}
# A token longer than this may break in a table cell, first after punctuation; shorter ones
# ("top", "HEAD~1") never break, so the table's column widths come from them.
LONG_TOKEN = 12
# Inline code in prose: a token up to this long never breaks inside (`--no-cache-dir`).
PROSE_TOKEN = 24
# A piece still longer than this after the punctuation breaks may break anywhere.
UNBREAKABLE = 18
BREAK_AFTER = set("/_=&?#:;,|\\")
BREAK_AFTER_UNLESS_NUMBER = set(".-")
HANGUL_WORD_MAX = 24
_SPACE = re.compile(r"(\s+)")
# Spaced double and triple hyphens are dashes; `--flag` (no space after) stays as typed.
# Only between words on one line: a "- " opening a line is a list the author meant.
_EM_DASH = re.compile(r"(?<=\S )---(?= \S)")
_EN_DASH = re.compile(r"(?<=\S )--?(?= \S)")
# Paragraphs holding only line breaks and spaces: spacers from notes written for the web.
_SPACER_PARAGRAPH = re.compile(r"<p>(?:\s|&nbsp;|&#160;|\u00a0|<br\s*/?>)*</p>\n?")
_SPACER_LINE = re.compile(r"^(?:<br\s*/?>[ \t]*)+(?:\n|\Z)", re.MULTILINE)  # also the last line
# Inline code is plain text between tags (code blocks always hold line spans).
_INLINE_CODE = re.compile(r"(?<!<pre>)(<code(?: class=\"[^\"<>]*\")?>)([^<]*)</code>")
# A cell that holds no other cell's start: `.*?` ran from every `<td>` of 3 000 unclosed
# nested tables to the end of the text (3.7 s); stopping at the next cell keeps it linear.
_CELL = re.compile(r"<t[dh]\b[^>]*>(?:(?!<t[dh]\b|</t[dh]>).)*</t[dh]>", re.DOTALL)
_BR_RUN = re.compile(r"(?:<br\s*/?>\s*){2,}")


Piece = str | ET.Element


def _prose_text(element: ET.Element) -> str:
    """The element's own prose: its text without code and without nested blocks."""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in CODE and child.tag not in TAGGED_BLOCKS | {"ul", "ol", "dl"}:
            parts.append(_prose_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _skipped(element: ET.Element) -> bool:
    """Code and formulas (arithmatex keeps the LaTeX source as text) are never rewritten."""
    return element.tag in CODE or "arithmatex" in element.get("class", "")


def _rewrite_text(element: ET.Element, rewrite: Callable[[str], list[Piece]]) -> None:
    """Replace every text node under `element` (outside code) by the pieces `rewrite` gives:
    strings and new inline elements, in order."""
    if _skipped(element):
        return
    for child in list(element):
        _rewrite_text(child, rewrite)
    if element.text:
        _splice(element, None, rewrite(element.text))
    for child in list(element):
        if child.tail:
            _splice(element, child, rewrite(child.tail))


def _splice(parent: ET.Element, after: ET.Element | None, pieces: list[Piece]) -> None:
    """Put `pieces` where the text (after=None) or `after`'s tail was."""
    if all(isinstance(piece, str) for piece in pieces):
        text = "".join(pieces)  # type: ignore[arg-type]
        if after is None:
            parent.text = text
        else:
            after.tail = text
        return
    leading: list[str] = []
    rest = list(pieces)
    while rest and isinstance(rest[0], str):
        leading.append(rest.pop(0))  # type: ignore[arg-type]
    index = 0 if after is None else list(parent).index(after) + 1
    if after is None:
        parent.text = "".join(leading)
    else:
        after.tail = "".join(leading)
    last: ET.Element | None = None
    for piece in rest:
        if isinstance(piece, str):
            assert last is not None
            last.tail = (last.tail or "") + piece
        else:
            piece.tail = None
            parent.insert(index, piece)
            index += 1
            last = piece


def _span(text: str, cls: str) -> ET.Element:
    span = ET.Element("span", {"class": cls})
    span.text = text
    return span


def _wbr() -> ET.Element:
    return ET.Element("wbr")


def keep_korean_words(text: str) -> list[Piece]:
    """`word-break: keep-all` by hand: each Korean word in a span that does not break."""
    pieces: list[Piece] = []
    for token in _SPACE.split(text):
        if (
            token
            and not token.isspace()
            and len(token) <= HANGUL_WORD_MAX
            and any(script_of(char) == "hangul" for char in token)
        ):
            pieces.append(_span(token, "kw"))
        else:
            pieces.append(token)
    return pieces


def break_long_tokens(text: str) -> list[Piece]:
    """Break points inside long tokens only: after punctuation first (never inside a number),
    and anywhere only in a run that has no punctuation to break at."""
    pieces: list[Piece] = []
    for token in _SPACE.split(text):
        # \x02...\x03 is a Python-Markdown placeholder for stashed HTML: never cut it.
        if len(token) <= LONG_TOKEN or token.isspace() or "\x02" in token:
            pieces.append(token)
            continue
        parts = _split_after_punctuation(token)
        for index, part in enumerate(parts):
            if index:
                pieces.append(_wbr())
            pieces.append(_span(part, "brk") if len(part) > UNBREAKABLE else part)
    return pieces


def _split_after_punctuation(token: str) -> list[str]:
    """`a/b.c_d` -> `a/`, `b.`, `c_`, `d`; `3.14` and `2024-01-02` stay whole."""
    parts, start = [], 0
    for index, char in enumerate(token[:-1]):
        between_digits = token[index - 1 : index].isdigit() and token[index + 1].isdigit()
        # Never inside a run of punctuation (`--`, `://`) or before the first letter.
        starts_word = token[index + 1].isalnum() and any(c.isalnum() for c in token[start:index])
        if not starts_word:
            continue
        if char in BREAK_AFTER or (char in BREAK_AFTER_UNLESS_NUMBER and not between_digits):
            parts.append(token[start : index + 1])
            start = index + 1
    parts.append(token[start:])
    return [part for part in parts if part]


def dashes(text: str) -> list[Piece]:
    return [_EN_DASH.sub("\u2013", _EM_DASH.sub("\u2014", text))]


def _iter_blocks(root: ET.Element, tags: set[str]) -> Iterable[ET.Element]:
    return (element for element in root.iter() if element.tag in tags)


class TypographyTreeprocessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in _iter_blocks(root, TAGGED_BLOCKS):
            if "lang" in element.attrib:
                continue
            lang = language_of(_prose_text(element))
            # Han alone cannot tell Chinese from Japanese: such blocks follow the sheet.
            if lang and not lang.startswith("zh"):
                element.set("lang", lang)
                if is_rtl(lang) and "dir" not in element.attrib:
                    element.set("dir", "rtl")
        for element in _iter_blocks(root, TAGGED_BLOCKS):
            if element.get("lang") == "ko":
                _rewrite_text(element, keep_korean_words)
        for element in _iter_blocks(root, CELLS):
            _rewrite_text(element, break_long_tokens)
        _rewrite_text(root, dashes)


# In inline code, a run of Chinese, Japanese or Korean characters up to this long (a string
# literal such as "こんにちは"; 12 monospace cells, see LITERAL_WHOLE) never breaks inside;
# the token breaks before its opening quote.
WIDE_RUN_WHOLE = 6
WIDE_SCRIPTS = {"han", "kana", "hangul"}
OPENERS = set("\"'\u201c\u2018\u300c\u300e")  # quotes: `print(` stays whole, then the literal


def _wide_runs(plain: str) -> list[tuple[int, int]]:
    """(start, end) of each run of CJK characters."""
    runs: list[tuple[int, int]] = []
    for index, char in enumerate(plain):
        if script_of(char) in WIDE_SCRIPTS:
            if runs and runs[-1][1] == index:
                runs[-1] = (runs[-1][0], index + 1)
            else:
                runs.append((index, index + 1))
    return runs


def _wide_token_html(plain: str, longest_whole: int) -> str:
    """`print("안녕하세요")` -> `print(<wbr>"<span class="nobr">안녕하세요</span>")`: the word
    stays whole ("안녕하세" / `요")` in a refcard key), the break goes before the literal; the
    text around the runs keeps the usual rules."""

    def other(text: str) -> str:
        escaped = html_module.escape(text, quote=False)
        return _code_token_html(escaped, longest_whole) if text else ""

    out, position = [], 0
    for start, end in _wide_runs(plain):
        whole = end - start <= WIDE_RUN_WHOLE
        opening = start
        while opening > position and plain[opening - 1] in OPENERS:
            opening -= 1
        out.append(other(plain[position:opening]))
        if opening > 0 and whole:
            out.append("<wbr>")
        out.append(html_module.escape(plain[opening:start], quote=False))
        run = html_module.escape(plain[start:end], quote=False)
        out.append(f'<span class="nobr">{run}</span>' if whole else run)
        position = end
    out.append(other(plain[position:]))
    return "".join(out)


def _code_token_html(token: str, longest_whole: int) -> str:
    """One space-free token of inline code (HTML-escaped text) with its break rules."""
    plain = html_module.unescape(token)
    if any(script_of(char) in WIDE_SCRIPTS for char in plain):
        return _wide_token_html(plain, longest_whole)
    if len(plain) <= longest_whole:
        # Only a word with letters or digits needs holding together (`--cask`, not `||`).
        breakable = any(c.isalnum() for c in plain) and any(
            char in BREAK_AFTER or char in "-." for char in plain
        )
        return f'<span class="nobr">{token}</span>' if breakable else token
    out = []
    for index, part in enumerate(_split_after_punctuation(plain)):
        escaped = html_module.escape(part, quote=False)
        if index:
            out.append("<wbr>")
        out.append(f'<span class="brk">{escaped}</span>' if len(part) > UNBREAKABLE else escaped)
    return "".join(out)


# A quoted string in inline code (an apostrophe after a letter opens none): a short one
# with spaces inside stays whole, `print(` / `"Γεια σου")` instead of `print("Γεια` / `σου")`.
_LITERAL = re.compile(r"\"[^\"<\n]*\"|(?<!\w)'[^'<\n]*'")
# Monospace cells (CJK characters take two), quotes included: as long as a token that never
# breaks in a table cell (LONG_TOKEN), so it fits wherever such a token does, and a refcard
# key's column (at most 45 % of a column, about 8 em).
LITERAL_WHOLE = 12


def code_breaks(code_text: str, longest_whole: int) -> str:
    """Inline code wraps at its spaces: a token up to `longest_whole` characters never
    breaks after its hyphens or slashes (`--cask`, `HEAD~1`, `a/b`); a longer one breaks
    after punctuation, and anywhere only in a long run without any. A short quoted string
    with spaces stays whole, the break going before it."""
    out, position = [], 0
    for match in _LITERAL.finditer(code_text):
        literal = match.group()
        if " " not in literal or monospace_cells(html_module.unescape(literal)) > LITERAL_WHOLE:
            continue
        out.append(_token_breaks(code_text[position : match.start()], longest_whole))
        if match.start() > 0 and not code_text[match.start() - 1].isspace():
            out.append("<wbr>")
        out.append(f'<span class="nobr">{literal}</span>')
        position = match.end()
    out.append(_token_breaks(code_text[position:], longest_whole))
    return "".join(out)


def _token_breaks(code_text: str, longest_whole: int) -> str:
    return "".join(
        token if not token or token.isspace() else _code_token_html(token, longest_whole)
        for token in _SPACE.split(code_text)
    )


class TypographyPostprocessor(Postprocessor):
    """Drop paragraphs and lines holding only `<br>`, and runs of `<br>` inside text; give
    inline code its break rules (here, on the final HTML, because pymdownx's inlinehilite
    stashes inline code away from the tree)."""

    def run(self, text: str) -> str:
        text = _CELL.sub(
            lambda cell: _INLINE_CODE.sub(
                lambda code: code.group(1) + code_breaks(code.group(2), LONG_TOKEN) + "</code>",
                cell.group(0),
            ),
            text,
        )
        text = _INLINE_CODE.sub(
            lambda code: (
                code.group(1) + code_breaks(code.group(2), PROSE_TOKEN) + "</code>"
                if "nobr" not in code.group(2) and "<wbr>" not in code.group(2)
                else code.group(0)
            ),
            text,
        )
        text = _SPACER_PARAGRAPH.sub("", text)
        text = _SPACER_LINE.sub("", text)
        text = manual_breaks(text)
        return _BR_RUN.sub("<br>\n", text)


# Authors' breaks: `<!-- column -->` / `<!-- column break -->`, `<!-- page -->` /
# `<!-- page break -->` / `<!-- new page -->`. Comments do not survive the sanitiser, so
# they become empty divs with a class here (pdf.layout_hints does the rest).
MANUAL_BREAK = re.compile(r"<!--\s*(?:new[ -]?)?(column|page)(?:[ -]?break)?\s*-->", re.IGNORECASE)


def manual_breaks(html: str) -> str:
    """Break markers written as HTML comments -> `<div class="break-column|page">`."""
    if "<!--" not in html:
        return html
    return MANUAL_BREAK.sub(lambda m: f'<div class="break-{m.group(1).lower()}"></div>', html)


class TypographyExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(TypographyTreeprocessor(md), "cheatsheet-typography", 5)
        md.postprocessors.register(TypographyPostprocessor(md), "cheatsheet-typography", 1)


def makeExtension(**kwargs) -> TypographyExtension:
    return TypographyExtension(**kwargs)


# ---- Whole-sheet touches, applied by the pipeline to the rendered sections. ----

_FIRST_H2 = re.compile(r"^\s*<h2\b[^>]*>(.*?)</h2>\s*", re.DOTALL)
_MISSING_IMG = re.compile(r'<img\b[^>]*?\bsrc="(file://[^"]+)"[^>]*>')
_ALT = re.compile(r'\balt="([^"]*)"')
_TAGS = re.compile(r"<[^>]+>")


def title_from_file(path: Path) -> str:
    """A sheet with no title anywhere is named after its file: `git-tips.md` -> `Git tips`."""
    words = re.sub(r"[-_.]+", " ", path.stem).strip()
    return words[:1].upper() + words[1:] if words else path.stem


def _same_words(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return re.sub(r"\W+", " ", html_module.unescape(_TAGS.sub("", text))).strip().lower()

    return bool(norm(a)) and norm(a) == norm(b)


def drop_repeated_title(section_html: str, title: str) -> str:
    """The first section's heading goes when it only repeats the sheet's title (printed in
    the header already); its content stays."""
    match = _FIRST_H2.match(section_html)
    if match and _same_words(match.group(1), title):
        return section_html[match.end() :]
    return section_html


def placeholder_for_missing_images(section_html: str) -> str:
    """A local image that does not exist becomes a small labelled box (its alt text, or its
    file name), instead of the bare alt text running into the prose."""

    def box(match: re.Match[str]) -> str:
        path = Path(unquote(urlsplit(match.group(1)).path))
        if file_problem(path) != "not found":
            # There, or unreadable for another reason (a NUL in the name, a symlink loop):
            # the sandboxed fetcher refuses those with a located warning.
            return match.group(0)
        alt = _ALT.search(match.group(0))
        label = html_module.unescape(alt.group(1)) if alt and alt.group(1) else path.name
        return f'<span class="missing-image">{html_module.escape(label)}</span>'

    return _MISSING_IMG.sub(box, section_html)


def finish_sheet(
    meta, rendered: list, titled: bool, markdown: str, lang_given: str | None, configured_lang: str
):
    """The sheet-level touches, in one call for the pipeline: `lang` from the prose when
    nobody gave one, a title from the file name when there is none, the first section's
    heading dropped when it repeats the title, missing images drawn as placeholders.
    `meta` is a SheetMeta and `rendered` RenderedSections (frozen dataclasses: replaced)."""
    meta = replace(meta, lang=sheet_language(lang_given, configured_lang, markdown))
    if not titled and rendered:
        meta = replace(meta, title=title_from_file(rendered[0].file))
    rendered = [replace(r, html=placeholder_for_missing_images(r.html)) for r in rendered]
    if rendered:
        rendered[0] = replace(rendered[0], html=drop_repeated_title(rendered[0].html, meta.title))
    return meta, rendered
