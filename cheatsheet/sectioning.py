"""Markdown source -> sections: find the headings (outside code), choose the section level
from the file's structure, and cut.

The split works on the Markdown source (not the rendered HTML) so every section keeps its
file and line numbers for error messages and for `--list-sections`. Every pattern here runs
on user text, so each is linear: no nested or overlapping quantifiers (a line of 8,000
spaces must cost microseconds, not minutes).
"""

from __future__ import annotations

import bisect
import difflib
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pygments.lexers import find_lexer_class_by_name, get_all_lexers
from pygments.util import ClassNotFound

from .errors import CheatsheetError, did_you_mean, warn
from .slug import plain_title, slugify, unique

RULE = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")
SETEXT = re.compile(r" {0,3}(?P<bar>=+|-+)[ \t]*")
LINK_DEF = re.compile(r" {0,3}\[(?!\^)[^\]\n]{1,999}\]:[ \t]*\S")
FOOTNOTE_DEF = re.compile(r" {0,3}\[\^(?P<id>[^\]\s]{1,100})\]:")
FOOTNOTE_REF = re.compile(r"\[\^(?P<id>[^\]\s]{1,100})\](?!:)")
LIST_OR_QUOTE = re.compile(r"(?:[-*+]|\d{1,9}[.)]|>|\|)")
# Languages that are not code to highlight: no "unknown language" warning for them.
PLAIN_LANGUAGES = {"text", "plain", "plaintext", "math", "none", "txt", "mermaid", "output"}
# A section bigger than this (characters of source) cannot move between columns freely and
# slows the layout: the automatic level goes one deeper when that splits it up.
GIANT_SECTION = 2500
MIN_SECTIONS = 4


@dataclass(frozen=True)
class Section:
    """One block of the sheet: a heading and everything up to the next heading of its level.

    `group` is the title of a higher heading (a part, or another file's title) that starts
    with this section; it is printed above the section's own heading."""

    title: str
    slug: str
    file: Path
    line: int
    markdown: str
    wide: bool = False
    group: str = ""

    @property
    def size(self) -> int:
        """Characters of source, a rough guide to how much room the section takes."""
        return len(self.markdown)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    meta: dict[str, Any]
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


@dataclass
class Heading:
    level: int
    text: str
    index: int  # 0-based line index of the heading text
    setext: bool


def atx_heading(line: str) -> tuple[int, str] | None:
    """`(level, text)` of an ATX heading line, or None; CommonMark rules, in linear time.

    `#hashtag` (no space after the hashes) is not a heading, as on GitHub."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or not stripped.startswith("#"):
        return None
    hashes = len(stripped) - len(stripped.lstrip("#"))
    rest = stripped[hashes:]
    if hashes > 6 or (rest and rest[0] not in " \t"):
        return None
    text = rest.strip(" \t")
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1] in " \t"):
        text = closing.rstrip(" \t")
    return hashes, text


def fence_open(line: str) -> tuple[str, int, str] | None:
    """`(char, length, info)` of an opening code fence (indented up to 3 spaces), or None."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or stripped[:3] not in ("```", "~~~"):
        return None
    char = stripped[0]
    length = len(stripped) - len(stripped.lstrip(char))
    info = stripped[length:].strip()
    if char == "`" and "`" in info:
        return None
    return char, length, info


def is_fence_close(line: str, char: str, length: int) -> bool:
    stripped = line.strip(" ")
    return (
        len(line) - len(line.lstrip(" ")) <= 3
        and len(stripped) >= length
        and (stripped == char * len(stripped))
    )


_LEXER_NAMES: set[str] | None = None


def known_languages() -> set[str]:
    global _LEXER_NAMES
    if _LEXER_NAMES is None:
        _LEXER_NAMES = {alias.lower() for _, aliases, _, _ in get_all_lexers() for alias in aliases}
    return _LEXER_NAMES


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str, limit: int = 40) -> str:
    """Text safe to print in a terminal: control characters (escape codes) shown as `\\xNN`."""
    shown = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def language_name(info: str) -> str:
    words = info.split()
    if not words:
        return ""
    first = words[0].lstrip(".{").rstrip("}")
    return first.split("=")[0] if "=" in first else first


UNKNOWN_COUNT = "\x00unknown"  # a key no language name can be
MAX_LANGUAGE_WARNINGS = 20


def check_language(info: str, path: Path, line: int, seen: dict[str, int] | None = None) -> None:
    """Warn about a code language Pygments does not know: it falls back to plain text.

    Each unknown name is reported once per file (20,000 fences of one unknown language are
    one warning, not 20,000 fuzzy searches through Pygments' 1,500 names)."""
    language = language_name(info)
    if not language or language.lower() in PLAIN_LANGUAGES:
        return
    if seen is not None:
        if language.lower() in seen:
            return
        seen[language.lower()] = line
    try:
        find_lexer_class_by_name(language)
    except ClassNotFound:
        if seen is not None:
            # Each did-you-mean searches Pygments' names: after a few distinct unknown
            # names in one file, further ones are shown as plain text without a warning.
            unknown = seen.setdefault(UNKNOWN_COUNT, 0) + 1
            seen[UNKNOWN_COUNT] = unknown
            if unknown > MAX_LANGUAGE_WARNINGS:
                return
        warn(
            f"unknown code language '{printable(language)}', shown as plain text; "
            + did_you_mean(printable(language.lower()), _close_names(language.lower())),
            path,
            line,
            kind="code_language",
        )


BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _check_bidi(line: str, path: Path, number: int) -> None:
    """Trojan source: bidi controls in code make it display differently from how it runs."""
    found = BIDI_CONTROLS.findall(line)
    if found:
        names = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in found))
        warn(
            f"code contains invisible bidirectional control characters ({names}) that can make "
            "it read differently from how it runs; they are shown as marks in the PDF",
            path,
            number,
        )


def _close_names(language: str) -> list[str]:
    if len(language) > 40:
        return []
    return difflib.get_close_matches(language, known_languages(), n=5, cutoff=0.5)


# Each code block costs a highlighter pass and boxes to lay out; no cheat sheet has thousands
# (the 300 KB benchmark sheet has a few hundred), and 20,000 took over half a minute.
MAX_CODE_BLOCKS = 3000


def scan(lines: list[str], path: Path, start: int, max_nesting: int = 20) -> list[Heading]:
    """Find headings outside code fences; report unterminated fences, unclosed HTML blocks,
    excessive nesting and unknown code languages, each with its line."""
    headings: list[Heading] = []
    open_html: list[tuple[str, int]] = []
    fence: tuple[str, int, int] | None = None  # (char, length, opening line index)
    previous_blank = True
    previous_paragraph = False
    languages: dict[str, int] = {}
    fences = 0
    markup = (0, start)  # inline markup characters in the current paragraph, its first line
    for index in range(start, len(lines)):
        line = lines[index]
        if fence:
            if is_fence_close(line, fence[0], fence[1]):
                fence = None
            else:
                _check_bidi(line, path, index + 1)
            continue
        if "`" in line:
            _check_bidi(line, path, index + 1)
        opened = fence_open(line)
        if opened:
            fence = (opened[0], opened[1], index)
            fences += 1
            if fences > MAX_CODE_BLOCKS:
                raise CheatsheetError(
                    f"over {MAX_CODE_BLOCKS:,} code blocks in one file",
                    file=path,
                    line=index + 1,
                    hint="split the notes into several sheets",
                )
            check_language(opened[2], path, index + 1, languages)
            previous_blank, previous_paragraph = False, False
            continue
        _check_nesting(line, path, index + 1, max_nesting)
        markup = _count_markup(line, markup, index)
        if markup[0] > MAX_INLINE_MARKS:
            raise CheatsheetError(
                f"this paragraph has over {MAX_INLINE_MARKS:,} inline markup characters "
                "(* _ ~ ^ = [ ] ` $ < &), which the Markdown parser handles in quadratic time",
                file=path,
                line=markup[1] + 1,
                hint="put it in a code block (```) or split it into paragraphs",
            )
        _track_html_blocks(line, index, open_html)
        atx = atx_heading(line)
        setext = SETEXT.fullmatch(line)
        if atx:
            headings.append(Heading(atx[0], atx[1], index, False))
            previous_paragraph = False
        elif setext and previous_paragraph and not previous_blank:
            level = 1 if setext["bar"][0] == "=" else 2
            headings.append(Heading(level, lines[index - 1].strip(), index - 1, True))
            previous_paragraph = False
        else:
            stripped = line.strip()
            indented = line.startswith("    ") or line.startswith("\t")
            previous_paragraph = (
                bool(stripped) and not indented and not LIST_OR_QUOTE.match(stripped)
            )
        previous_blank = not line.strip()
    if fence:
        raise CheatsheetError(
            f"code fence {fence[0] * fence[1]} opened here is never closed",
            file=path,
            line=fence[2] + 1,
            hint=f"add a closing {fence[0] * fence[1]} line",
        )
    if open_html:
        # CommonMark ends an HTML block at a blank line and the sanitiser closes the element
        # at the end of its section, so nothing vanishes; the author still hears of it.
        tag, index = open_html[0]
        warn(
            f"HTML block <{tag}> opened here is never closed: it is closed at the end of "
            f"its section (add </{tag}>)",
            path,
            index + 1,
        )
    return headings


# Python-Markdown rebuilds a paragraph's text for every inline match: a paragraph with tens
# of thousands of marks (`[^` x 100,000) takes minutes. Real prose has a few hundred at most.
MAX_INLINE_MARKS = 10_000
_MARKS = str.maketrans("", "", "*_~^=[]`$<&")


def _count_markup(line: str, markup: tuple[int, int], index: int) -> tuple[int, int]:
    """Running count of inline markup characters per paragraph (tables are per cell: skipped)."""
    stripped = line.strip()
    if not stripped or stripped.startswith("|"):
        return 0, index + 1
    if stripped.startswith("$$"):
        return markup  # display maths: its `_` and `^` are the formula's, not Markdown's
    count = len(line) - len(line.translate(_MARKS))
    return markup[0] + count, markup[1]


HTML_BLOCK_TAGS = "div|details|table|section|article|aside|figure|blockquote|center|dl|ul|ol"
# `[^<>]*` stops at the next `<`: `<div` x 50,000 is scanned once, not once per `<div`.
HTML_OPEN = re.compile(rf"<({HTML_BLOCK_TAGS})\b[^<>]*>", re.I)
HTML_CLOSE = re.compile(rf"</({HTML_BLOCK_TAGS})\s*>", re.I)


def _track_html_blocks(line: str, index: int, open_html: list[tuple[str, int]]) -> None:
    """Track block tags left open, so an unclosed one is reported at the line that opened it."""
    if not line.lstrip().startswith("<") and not open_html:
        return
    events = sorted(
        [(m.start(), "open", m.group(1).lower()) for m in HTML_OPEN.finditer(line)
         if not m.group(0).endswith("/>")]
        + [(m.start(), "close", m.group(1).lower()) for m in HTML_CLOSE.finditer(line)]
    )  # fmt: skip
    for _, kind, tag in events:
        if kind == "open":
            open_html.append((tag, index))
        else:
            for position in range(len(open_html) - 1, -1, -1):
                if open_html[position][0] == tag:
                    del open_html[position:]
                    break


def _nesting(line: str) -> tuple[int, int]:
    """Quote depth and list indentation (in 2-space steps) of a line, without a regex."""
    quotes, position = 0, 0
    while True:
        rest = line[position:]
        stripped = rest.lstrip(" \t")
        if stripped.startswith(">"):
            quotes += 1
            position += len(rest) - len(stripped) + 1
        else:
            break
    rest = line[position:]
    stripped = rest.lstrip(" \t")
    indent_text = rest[: len(rest) - len(stripped)]
    marker = stripped[:1] in ("-", "*", "+") or (
        stripped[:1].isdigit() and stripped.lstrip("0123456789")[:1] in (".", ")")
    )
    indent = len(indent_text.expandtabs(4)) // 2 if marker else 0
    return quotes, indent


def _check_nesting(line: str, path: Path, number: int, max_nesting: int) -> None:
    """Deeply nested quotes or lists make the Markdown parser recurse without bound."""
    if not line[:1].isspace() and not line.startswith(">"):
        return
    quotes, indent = _nesting(line)
    if quotes > max_nesting or indent > max_nesting:
        raise CheatsheetError(
            f"nesting is {max(quotes, indent)} levels deep, over the limit of {max_nesting}",
            file=path,
            line=number,
            hint="flatten the quotes or lists, or raise max_nesting",
        )


def take_title(lines: list[str], body_start: int, headings: list[Heading]) -> Heading | None:
    """The file's title: a first `#` heading that no other `#` heading shares, or that opens
    the file and has no sub-headings (then the other `#` headings are parts)."""
    if not headings or headings[0].level != 1:
        return None
    first = headings[0]
    if sum(h.level == 1 for h in headings) == 1:
        return first
    opens_file = not any(line.strip() for line in lines[body_start : first.index])
    next_level = headings[1].level if len(headings) > 1 else 1
    return first if opens_file and next_level == 1 else None


def auto_level(headings: list[Heading], lines: list[str]) -> int:
    """The section level from the structure: the shallowest level that gives several
    sections, going deeper while the sections at a level are too few and too big to flow
    between columns. Headings above the level start groups."""
    levels = sorted({h.level for h in headings})
    if not levels:
        return -1
    for position, level in enumerate(levels):
        cuts = [h.index for h in headings if h.level <= level] + [len(lines)]
        count = len(cuts) - 1
        deeper = position + 1 < len(levels)
        if count < 2 and deeper:
            continue
        largest = max(
            sum(len(line) + 1 for line in lines[a:b]) for a, b in itertools.pairwise(cuts)
        )
        if deeper and count < MIN_SECTIONS and (largest > GIANT_SECTION or count < 3):
            continue
        return level
    return levels[-1]


# No cheat sheet has thousands of sections; each costs a Markdown conversion and a box to lay
# out, so 50,000 headings would take minutes. Refuse early, at the heading past the limit.
MAX_SECTIONS = 2000


def split_sections(
    path: Path,
    lines: list[str],
    body_start: int,
    headings: list[Heading],
    meta: dict[str, Any],
    split_level: int,
) -> SourceFile:
    """Cut the file at its section headings; shift heading levels so every section is an h2.

    Headings above the section level become the `group` of the section that follows them
    (their own text, if any, is a section of its own)."""
    title = str(meta.get("title", ""))
    title_heading = take_title(lines, body_start, headings)
    if title_heading is not None:
        headings = [h for h in headings if h is not title_heading]
        title = title or clean_title(title_heading.text)[0]
        lines = list(lines)
        lines[title_heading.index] = ""
        if title_heading.setext:
            lines[title_heading.index + 1] = ""
    level = split_level if split_level else auto_level(headings, lines)
    cuts = [h for h in headings if h.level <= level] if level > 0 else []
    if len(cuts) > MAX_SECTIONS:
        raise CheatsheetError(
            f"{len(cuts)} sections in one file, over the limit of {MAX_SECTIONS}",
            file=path,
            line=cuts[MAX_SECTIONS].index + 1,
            hint="split the notes into several sheets, or use fewer section headings",
        )
    shared = _shared_definitions(lines, body_start)
    sections: list[Section] = []
    slugs: set[str] = set()
    bounds = [h.index for h in cuts] + [len(lines)]
    intro_end = bounds[0]
    if any(line.strip() and not RULE.fullmatch(line) for line in lines[body_start:intro_end]):
        intro_title = title or path.stem
        body = f"## {intro_title}\n" + "\n".join(lines[body_start:intro_end])
        sections.append(make_section(intro_title, path, body_start + 1, body, False, slugs))
    pending = ""  # a group heading waiting for its first section
    for heading, end in zip(cuts, bounds[1:], strict=True):
        text, wide = clean_title(heading.text)
        is_group = heading.level < level
        if is_group:
            pending = plain_title(text)
            if not any(line.strip() for line in lines[heading.index + 1 + heading.setext : end]):
                continue  # only a heading: it is printed above the next section
            pending = ""  # the part has text of its own: it is a section, under its own title
        chunk = _shift_headings(lines, heading.index, end, headings, heading.level)
        body = chunk + _needed(chunk, shared)
        group = "" if is_group else pending
        sections.append(make_section(text, path, heading.index + 1, body, wide, slugs, group))
        pending = ""
    return SourceFile(path=path, meta=meta, title=title, sections=tuple(sections))


def clean_title(text: str) -> tuple[str, bool]:
    """Strip a trailing `{.wide}` attribute list; report whether the section spans columns."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return text, False
    start = stripped.rfind("{")
    if start < 0:
        return text, False
    attrs = stripped[start + 1 : -1].lstrip(":").split()
    return stripped[:start].strip(), ".wide" in attrs


def _shift_headings(
    lines: list[str], start: int, end: int, headings: list[Heading], level: int
) -> str:
    """Rewrite headings as ATX with the section heading at level 2, keeping line numbers."""
    chunk = list(lines[start:end])
    first = bisect.bisect_left(headings, start, key=lambda h: h.index)
    last = bisect.bisect_left(headings, end, key=lambda h: h.index)
    for heading in headings[first:last]:  # only this section's (50,000 headings: linear)
        new_level = min(6, max(2, heading.level - level + 2))
        chunk[heading.index - start] = "#" * new_level + " " + heading.text
        if heading.setext:
            chunk[heading.index - start + 1] = ""
    return "\n".join(chunk)


@dataclass(frozen=True)
class _Definitions:
    links: str
    footnotes: dict[str, str]


def _shared_definitions(lines: list[str], start: int) -> _Definitions:
    """Link references and footnotes are file-wide in Markdown; sections need their copies."""
    links = [line for line in lines[start:] if LINK_DEF.match(line)]
    footnotes: dict[str, str] = {}
    current: str | None = None
    for line in lines[start:]:
        match = FOOTNOTE_DEF.match(line)
        if match:
            current = match["id"]
            footnotes[current] = line
        elif current and (line.startswith("    ") or line.startswith("\t")):
            footnotes[current] += "\n" + line
        elif line.strip():
            current = None
    return _Definitions("\n".join(links), footnotes)


def _needed(chunk: str, shared: _Definitions) -> str:
    extra = [shared.links] if shared.links else []
    for ref in dict.fromkeys(FOOTNOTE_REF.findall(chunk)):
        definition = shared.footnotes.get(ref)
        if definition and definition not in chunk:
            extra.append(definition)
    return "\n\n" + "\n\n".join(extra) + "\n" if extra else "\n"


def make_section(
    title: str,
    path: Path,
    line: int,
    body: str,
    wide: bool,
    slugs: set[str],
    group: str = "",
) -> Section:
    plain = plain_title(title)
    slug = unique(slugify(plain), slugs)
    return Section(
        title=plain, slug=slug, file=path, line=line, markdown=body, wide=wide, group=group
    )
