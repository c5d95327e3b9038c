"""Our own Python-Markdown extension: what GitHub, kramdown, Obsidian and MkDocs authors write
and no well-kept extension reads. Everything is a registered processor of Python-Markdown
(never a regex pass over the finished HTML), so it sees the document's structure: a `$` in
code, a `[[` in a fence or a `<branch>` in a code span are left alone.

- `GitHubBlocks` (preprocessor): GitHub's block structure where Python-Markdown differs —
  a list right after a paragraph, items nested by their content column (2 spaces for `-`),
  fences indented 1-3 spaces, Markdown inside `<div>`/`<details>`, kramdown IAL lines that
  would print, consecutive `$$…$$` display lines, and CommonMark's seven kinds of HTML
  block, stashed as written (`HtmlBlock`; Markdown after a blank line inside `<div>` or
  `<details>` is Markdown again, as on GitHub).
- inline processors: backslash hard breaks, `[[wiki links]]`, GitHub's `` $`x`$ `` and
  kramdown's inline `$$x$$`, angle-bracket words that are not HTML (`<branch>`) kept as text.
- `Callouts` (block processor): GitHub alerts and Obsidian callouts, rendered like MkDocs
  admonitions (`<div class="admonition note">` with a title), so one set of styles serves all.
- `TableFixes` (tree processor): devhints' separator rows, `\\|` inside code in a cell.
- `SetextGuard` (block processor): `---` under a list item or quote line is a rule, not a
  heading underline; neither is `===` under a reference definition.
- CommonMark details Python-Markdown reads differently: image alt text as plain text
  (`_PlainAlt`), reference definitions only where a paragraph may start
  (`ReferenceDefinitions`), quotes split by a blank line (`SeparateQuotes`), inline tags and
  comments checked (`KnownHtmlOnly`), autolinks before escapes, bounded numeric references.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
import string
import xml.etree.ElementTree as etree

from markdown import Extension, Markdown
from markdown.blockprocessors import (
    BlockProcessor,
    BlockQuoteProcessor,
    ReferenceProcessor,
    SetextHeaderProcessor,
)
from markdown.inlinepatterns import (
    HtmlInlineProcessor,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    InlineProcessor,
    LinkInlineProcessor,
    ReferenceInlineProcessor,
    ShortImageReferenceInlineProcessor,
    ShortReferenceInlineProcessor,
    SubstituteTagInlineProcessor,
)
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import InlineProcessor as InlineTreeProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString
from pymdownx import arithmatex
from pymdownx.inlinehilite import InlineHilitePattern

from .sectioning import PLAIN_LANGUAGES, atx_heading, known_languages

# ----------------------------------------------------------------------------- block structure

LIST_ITEM = re.compile(r"(?P<indent> *)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space>[ \t]+|$)")
FENCE = re.compile(r"(?P<indent> *)(?P<fence>`{3,}|~{3,})")
IAL_LINE = re.compile(r" {0,3}\{:[^{}\n]{0,500}\}[ \t]*")
LONG_NUMBER = re.compile(r" {0,3}[0-9]{10,}[.)]")
THEMATIC_BREAK = re.compile(r" {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})")
LINK_DEFINITION = re.compile(r"\[[^\]\n]{1,999}\]:")
SETEXT_LINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
DISPLAY_LINE = re.compile(r" {0,3}\$\$[^$\n]+\$\$[ \t]*")
# Python-Markdown needs 4 spaces per nesting level (its tab length).
NEST = 4

# ------------------------------------------------------------------------------ HTML blocks
# CommonMark's seven kinds of HTML block (spec section 4.6), by their start and end.
HTML_RAW_START = re.compile(r"<(script|pre|style|textarea)(?:[ \t>]|$)", re.I)
HTML_RAW_END = re.compile(r"</(?:script|pre|style|textarea)>", re.I)
HTML_BLOCK_NAMES = set(
    """address article aside base basefont blockquote body caption center col colgroup dd
    details dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2
    h3 h4 h5 h6 head header hr html iframe legend li link main menu menuitem nav noframes ol
    optgroup option p param section source summary table tbody td tfoot th thead title tr
    track ul""".split()  # noqa: SIM905
)
HTML_BLOCK_START = re.compile(r"</?([A-Za-z][A-Za-z0-9]{0,15})(?:[ \t>]|/>|$)")
TAG_NAME_CHARS = frozenset(string.ascii_letters + string.digits + "-")
ATTRIBUTE_START = frozenset(string.ascii_letters + "_:")
ATTRIBUTE_CHARS = frozenset(string.ascii_letters + string.digits + "_.:-")
SPACE_CHARS = frozenset(" \t\n")  # one line ending may fall inside an inline tag
UNQUOTED_STOP = frozenset(" \t\n\"'=<>`")


class HtmlBlock(str):
    """A CommonMark HTML block in the stash: written out as it is, never wrapped in `<p>`."""


def _html_block_kind(line: str, in_paragraph: bool) -> int:
    """Which kind of CommonMark HTML block this line starts (1-7), or 0. Kind 7 (any
    complete tag alone on its line) cannot interrupt a paragraph."""
    text = line.lstrip(" ")
    if len(line) - len(text) > 3 or not text.startswith("<"):
        return 0
    if HTML_RAW_START.match(text):
        return 1
    if text.startswith("<!--"):
        return 2
    if text.startswith("<?"):
        return 3
    if text.startswith("<![CDATA["):
        return 5
    if text.startswith("<!") and text[2:3].isalpha():
        return 4
    start = HTML_BLOCK_START.match(text)
    if start and start.group(1).lower() in HTML_BLOCK_NAMES:
        # Unlike CommonMark, a tag left open on its line (`<div id="x"` then text) is not a
        # block: the sanitiser would swallow the tag and the text after it without a word.
        return 6 if ">" in text else 0
    if in_paragraph:
        return 0
    end = _complete_tag_end(text)
    if end and not text[end:].strip(" \t") and not HTML_RAW_START.match(text):
        return 7
    return 0


def _html_block_ends(kind: int, line: str) -> bool:
    """Whether this line closes an HTML block of kinds 1-5 (6 and 7 end at a blank line)."""
    if kind == 1:
        return bool(HTML_RAW_END.search(line))
    return {2: "-->", 3: "?>", 4: ">", 5: "]]>"}[kind] in line


def _complete_tag_end(text: str) -> int:
    """The end of a complete open tag (`<a href="x" b>`) or closing tag (`</a >`) at the
    start of `text`, as CommonMark defines them, or 0. A plain scan: linear, no regex."""
    index, size = 1, len(text)
    closing = text.startswith("</")
    index += closing
    if index >= size or not text[index].isascii() or not text[index].isalpha():
        return 0
    while index < size and text[index] in TAG_NAME_CHARS:
        index += 1
    if closing:
        while index < size and text[index] in SPACE_CHARS:
            index += 1
        return index + 1 if index < size and text[index] == ">" else 0
    while index < size:
        spaced = index
        while index < size and text[index] in SPACE_CHARS:
            index += 1
        if text.startswith("/>", index):
            return index + 2
        if index < size and text[index] == ">":
            return index + 1
        if index == spaced or index >= size or text[index] not in ATTRIBUTE_START:
            return 0
        while index < size and text[index] in ATTRIBUTE_CHARS:
            index += 1
        after_name = index
        while index < size and text[index] in SPACE_CHARS:
            index += 1
        if index >= size or text[index] != "=":
            index = after_name  # an attribute without a value
            continue
        index += 1
        while index < size and text[index] in SPACE_CHARS:
            index += 1
        if index < size and text[index] in "\"'":
            close = text.find(text[index], index + 1)
            if close < 0:
                return 0
            index = close + 1
        else:
            value = index
            while index < size and text[index] not in UNQUOTED_STOP:
                index += 1
            if index == value:
                return 0
    return 0


class GitHubBlocks(Preprocessor):
    """Rewrite the block structure GitHub reads into the one Python-Markdown reads.

    Works line by line in one pass (linear in the input); code fences outside lists are
    passed through untouched, except that a fence indented 1-3 spaces is dedented as
    CommonMark says (its closing fence may be indented differently).
    """

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        stack: list[int] = []  # content columns of the open list items
        fence: tuple[str, int, int] | None = None  # char, length, indent to remove
        previous = ""
        paragraph: list[int] = []  # indices in `out` of the current top-level paragraph
        code: set[int] = set()  # indices in `out` of fenced code lines
        plain: list[str] | None = None  # a top-level plain-text fence's lines, stashed here
        loose = False  # a blank line inside the current list item
        kinds: list[str] = []  # the marker kind (`-`, `*`, `+`, `.`, `)`) per open list depth
        html_block: tuple[int, list[str]] | None = None  # a CommonMark HTML block being read
        spaced = False  # a blank line before the open fence
        for line in lines:
            if html_block is not None:
                kind, raw = html_block
                if kind >= 6 and not line.strip():
                    out.extend(["", self._stash_html(raw), ""])
                    html_block = None
                else:
                    raw.append(line)
                    if kind < 6 and _html_block_ends(kind, line):
                        out.extend(["", self._stash_html(raw), ""])
                        html_block = None
                    previous = line
                    continue
            if fence is not None:
                closing = _closes(line, fence[0], fence[1], _depth_cols(stack, 99999)[1])
                if plain is not None:
                    if closing:
                        out.extend(["", self._stash_plain(plain), ""])
                        plain = None
                    else:
                        plain.append(self._in_fence(line, fence, stack, False))
                else:
                    code.add(len(out))
                    if closing:  # superfences closes only on a fence as long as the opening one
                        line = line.replace(line.strip(), fence[0] * fence[1])
                    out.append(self._in_fence(line, fence, stack, closing))
                    if closing and (not stack or spaced):
                        # The next line starts a paragraph, not the fence's tail (in a tight
                        # item, a blank line would make the list loose).
                        out.append("")
                if closing:
                    fence = None
                previous = line
                continue
            indent = len(line) - len(line.lstrip(" "))
            if not line.strip():
                out.append(line)
                loose = loose or bool(stack)
                paragraph.clear()
                previous = line
                continue
            if stack and not previous.strip() and indent < stack[0] and not _is_item(line):
                stack = []  # a blank line, then text left of the list: the list has ended
                kinds.clear()
            kind = 0 if stack or "markdown=" in line else _html_block_kind(line, bool(paragraph))
            if kind:
                paragraph.clear()
                if kind < 6 and _html_block_ends(kind, line[line.index("<") + 2 :]):
                    out.extend(["", self._stash_html([line]), ""])
                else:
                    html_block = (kind, [line])
                previous = line
                continue
            item = LIST_ITEM.match(line)
            opened = FENCE.match(line)
            base = _depth_cols(stack, indent)[1] if stack else 0
            if (
                opened
                and indent - base <= 3
                and (opened["fence"][0] == "~" or "`" not in line[opened.end() :])
            ):
                spaced = not previous.strip()
                if stack and indent < stack[-1]:
                    # A fence is never a lazy continuation line: left of an item's content
                    # it ends that item (CommonMark), and at the margin the whole list.
                    stack = stack[: _depth_cols(stack, indent)[0]]
                    del kinds[len(stack) :]
                    out.append("")  # else Python-Markdown reads it into the inner item
                    loose, spaced = loose and bool(stack), True
                removed = indent if not stack else indent - _depth_cols(stack, indent)[1]
                fence = (opened["fence"][0], len(opened["fence"]), max(0, removed))
                line = _known_language(line, opened.end())
                if not stack and line.endswith(PLAIN_FENCE):
                    plain = []  # stashed whole on its closing line (superfences would splice
                    paragraph.clear()  # the document once per fence: quadratic)
                    previous = line
                    continue
                code.add(len(out))
                out.append(self._reindent(line, stack) if stack else line.lstrip(" "))
                previous = line
                continue
            if item and indent < (stack[-1] + NEST if stack else 4):
                after_text = previous.strip() and not stack and not _is_item(previous)
                if after_text and _can_interrupt(item):
                    out.append("")  # a list may interrupt a paragraph (GitHub)
                elif stack and loose and previous.strip() and not _is_item(previous):
                    out.append("")  # in a loose item, a paragraph does not swallow the next item
                loose = False
                while stack and stack[-1] > indent:
                    stack.pop()
                depth = len(stack)
                width = len(item["marker"])
                spaces = len(item["space"].expandtabs(4)) if item["space"] else 1
                content = indent + width + (spaces if 1 <= spaces <= 4 else 1)
                out.append(" " * (NEST * depth) + _item_line(line, item, depth, kinds))
                stack.append(content)
            elif stack:
                out.append(self._reindent(line, stack) if indent else line)
            else:
                self._top_level(line, previous, out, paragraph)
                previous = line
                continue
            paragraph.clear()
            previous = line
        if html_block is not None:  # an HTML block left open runs to the end of the document
            out.extend(["", self._stash_html(html_block[1]), ""])
        if plain is not None:  # a fence left open runs to the end of the document
            while plain and not plain[-1].strip():
                plain.pop()  # the blank lines Python-Markdown adds at the end
            out.extend(["", self._stash_plain(plain), "", ""])
        elif fence is not None:  # so does one with a language: closed for the highlighter
            while out and not out[-1].strip():
                out.pop()
            out.extend([fence[0] * fence[1], "", ""])
        return _split_display_lines(_defuse_unclosed_tags(out, code))

    def _stash_html(self, lines: list[str]) -> str:
        return self.md.htmlStash.store(HtmlBlock("\n".join(lines)))

    def _stash_plain(self, lines: list[str]) -> str:
        return self.md.htmlStash.store(plain_fence("\n".join(lines), "text", "", {}, self.md))

    def _top_level(self, line: str, previous: str, out: list[str], paragraph: list[int]) -> None:
        """A line outside lists and fences: headings as CommonMark reads them (ATX indented
        up to 3 spaces, setext under a paragraph of several lines), IAL, HTML openers."""
        indent = len(line) - len(line.lstrip(" "))
        underline = SETEXT_LINE.fullmatch(line)
        if underline and paragraph:
            level = "#" if underline.group(1)[0] == "=" else "##"
            text = _literal_trailing_backslash(" ".join(out[i].strip() for i in paragraph))
            out[paragraph[0]] = f"{level} {text}"
            del out[paragraph[0] + 1 :]
            out.append("")
            paragraph.clear()
            return
        if THEMATIC_BREAK.fullmatch(line):
            out.append(line)
            paragraph.clear()
            return
        atx = atx_heading(line)
        if atx and atx[1]:
            out.append("#" * atx[0] + " " + _literal_trailing_backslash(atx[1]))
            paragraph.clear()
            return
        first = line.lstrip(" ")
        starts_block = (
            (indent > 3 and not paragraph)
            or first[:1] in (">", "|")
            or bool(FENCE.match(first))
            or first.startswith("$$")
            or (not paragraph and bool(LINK_DEFINITION.match(first)))
        )
        lazy = not paragraph and previous.lstrip(" ")[:1] == ">"  # a quote's lazy line
        if starts_block or lazy or not line.strip():
            paragraph.clear()
        else:
            paragraph.append(len(out))
        out.append(self._outside(line, previous))

    @staticmethod
    def _reindent(line: str, stack: list[int]) -> str:
        indent = len(line) - len(line.lstrip(" "))
        depth, column = _depth_cols(stack, indent)
        if depth == 0:
            return line
        return " " * (NEST * depth + indent - column) + line[indent:]

    def _in_fence(
        self, line: str, fence: tuple[str, int, int], stack: list[int], closing: bool
    ) -> str:
        if stack:
            return self._reindent(line, stack)
        indent = len(line) - len(line.lstrip(" "))
        if closing:
            return line.lstrip(" ")
        return line[min(indent, fence[2]) :]

    @staticmethod
    def _outside(line: str, previous: str) -> str:
        number = LONG_NUMBER.match(line)
        if number:  # ten digits or more: not a list item (CommonMark), `1234567890.` is text
            return line[: number.end() - 1] + "\\" + line[number.end() - 1 :]
        if IAL_LINE.fullmatch(line) and (not previous.strip() or previous.lstrip()[:1] in "|`~"):
            return ""  # a kramdown IAL no block takes: dropped, never printed
        return line


def _literal_trailing_backslash(text: str) -> str:
    """A heading ending in a lone backslash (`### foo\\`) keeps it as text: Python-Markdown's
    heading pattern needs an escaped character after every backslash."""
    trailing = len(text) - len(text.rstrip("\\"))
    return text + "\\" if trailing % 2 else text


# More unterminated `<tag` starts than this in a document make Python's HTML parser quadratic
# (`<div` x 50,000 took 78 s); past it they are written as text, as a browser shows them.
MAX_UNCLOSED_TAGS = 100
TAG_START = re.compile(r"<[A-Za-z/!?]")


def _defuse_unclosed_tags(lines: list[str], code: set[int]) -> list[str]:
    """Escape `<` that opens a tag never closed before the next `<`, when there are many."""
    unclosed = 0
    for index, line in enumerate(lines):
        if index in code or "<" not in line:
            continue
        starts = [m.start() for m in TAG_START.finditer(line)]
        for position, start in enumerate(starts):
            end = starts[position + 1] if position + 1 < len(starts) else len(line)
            if ">" not in line[start:end]:
                unclosed += 1
    if unclosed <= MAX_UNCLOSED_TAGS:
        return lines
    out = list(lines)
    for index, line in enumerate(lines):
        if index in code or "<" not in line:
            continue
        starts = [m.start() for m in TAG_START.finditer(line)] + [len(line)]
        pieces, last = [], 0
        for start, following in itertools.pairwise(starts):
            if ">" not in line[start:following]:
                pieces.append(line[last:start] + "<\u2060")  # a word joiner: not a tag
                last = start + 1
        out[index] = "".join(pieces) + line[last:]
    return out


PLAIN_FENCE = "cheatsheet-plain"
_PLAIN_NAMES = {"", "text", "plain", "plaintext", "none", "txt"}


def _known_language(line: str, info_start: int) -> str:
    """A fence with no language, a plain-text one or an unknown one goes to our plain-text
    formatter (`plain_fence`) instead of the highlighter, which builds a Pygments formatter
    and searches all lexers for every block (20,000 unknown-language fences took 38 s). The
    content stage has already warned about an unknown language, once per file.
    Fences with options (`title=`, `hl_lines=`) stay with the highlighter, which reads them."""
    info = line[info_start:].strip()
    if info and not _superfences_reads(line.lstrip(" ")):
        # `~~~ ruby startline=3 $%@#$`: superfences would leave the whole block as text;
        # CommonMark takes the first word as the language and ignores the rest.
        info = info.split()[0]
        line = line[:info_start] + " " + info
        info_start += 1
    if "=" in info or "{" in info or len(info.split()) > 1:
        return line
    name = info.lower()
    if name in _PLAIN_NAMES or (name not in known_languages() and name not in PLAIN_LANGUAGES):
        return line[:info_start] + PLAIN_FENCE
    return line


FENCE_OPTION = re.compile(r"""[A-Za-z][A-Za-z0-9_]*=(?:"[^"\n]*"|'[^'\n]*')""")


def _superfences_reads(line: str) -> bool:
    """Whether superfences reads this opening line: a language, then `{attributes}` or
    quoted options (`title="x"`, `linenums="1"`) and nothing else."""
    info = FENCE.match(line)
    rest = line[info.end() :].strip() if info else ""
    words = rest.split(None, 1)
    if not words or words[0].startswith("{"):
        return True
    options = words[1] if len(words) > 1 else ""
    if options.startswith("{") and options.endswith("}"):
        return True
    leftover = FENCE_OPTION.sub("", options)
    return not leftover.strip()


_PLAIN_BLOCKS = itertools.count()


def plain_fence(source: str, language: str, css_class: str, options, md, **kwargs) -> str:
    """Plain text in exactly the markup the highlighter gives its `text` lexer (one span per
    line, which the code-line stage turns into wrapped lines)."""
    block = next(_PLAIN_BLOCKS)
    lines = source.split("\n")
    spans = "".join(
        f'<span id="__cl-p{block}-{number}">{html.escape(text, quote=False)}\n</span>'
        for number, text in enumerate(lines, 1)
    )
    pre = f"<pre><span></span><code>{spans}</code></pre>"
    return f'<div class="language-text highlight">{pre}</div>'


# Marks an item that starts a new list (with its start number) for `SplitLists`: a private-use
# character, never in notes, stripped wherever it lands.
NEW_LIST = "\ue0d1"
NEW_LIST_MARK = re.compile("\ue0d1([0-9]{0,9})\ue0d1")


def _item_line(line: str, item: re.Match[str], depth: int, kinds: list[str]) -> str:
    """An item line as Python-Markdown reads it: `1)` written `1.`, a space after an empty
    item's marker, and a mark when the bullet or delimiter changes (a new list, CommonMark)."""
    marker = item["marker"]
    kind = marker[-1]
    ordered = kind in ".)"
    previous = kinds[depth] if len(kinds) > depth else None
    del kinds[depth:]
    kinds.append(kind)
    number = marker[:-1] if ordered else ""
    mark = ""
    if previous is not None and previous != kind and (previous in ".)") == ordered:
        mark = f"{NEW_LIST}{number}{NEW_LIST}"
    space = item["space"] or " "  # an empty item (`-` alone): Python-Markdown needs the space
    written = f"{number}." if ordered else marker
    return written + space + mark + line[item.end() :]


class SplitLists(Treeprocessor):
    """Split a list where `_item_line` marked an item as starting a new one (`- a` then
    `+ b`, or `1.` then `3)`): Python-Markdown would keep them in one list."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            position = 0
            while position < len(parent):
                child = parent[position]
                if child.tag in ("ul", "ol"):
                    for new in self._split(child):
                        position += 1
                        parent.insert(position, new)
                position += 1
        for listing in root.iter():
            if listing.tag in ("ul", "ol"):
                _uniform_looseness(listing)
        for element in root.iter():
            for name in ("text", "tail"):
                value = getattr(element, name)
                if value and NEW_LIST in value:
                    setattr(element, name, NEW_LIST_MARK.sub("", value).replace(NEW_LIST, ""))

    @staticmethod
    def _split(listing: etree.Element) -> list[etree.Element]:
        new_lists: list[etree.Element] = []
        for index, entry in enumerate(list(listing)):
            holder = entry if entry.text else (entry[0] if len(entry) else entry)
            mark = NEW_LIST_MARK.match(holder.text or "")
            if mark is None:
                if new_lists:
                    listing.remove(entry)
                    new_lists[-1].append(entry)
                continue
            holder.text = (holder.text or "")[mark.end() :]
            if index == 0:
                continue
            new = etree.Element(listing.tag)
            if mark.group(1) and int(mark.group(1)) != 1:
                new.set("start", str(int(mark.group(1))))
            listing.remove(entry)
            new.append(entry)
            new_lists.append(new)
        return new_lists


def _uniform_looseness(listing: etree.Element) -> None:
    """A list is loose or tight as a whole (CommonMark): when one item holds paragraphs, the
    bare text of its siblings becomes a paragraph too (Python-Markdown leaves the first
    items bare, so the spacing between items changed in the middle of a list)."""
    entries = [entry for entry in listing if entry.tag == "li"]
    if not any(len(entry) and entry[0].tag == "p" for entry in entries):
        return
    for entry in entries:
        if entry.text and entry.text.strip():
            paragraph = etree.Element("p")
            paragraph.text, entry.text = entry.text.strip(), None
            entry.insert(0, paragraph)


def _is_item(line: str) -> bool:
    return bool(LIST_ITEM.match(line)) and bool(line.strip())


def _can_interrupt(item: re.Match[str]) -> bool:
    """GitHub: an empty item or an ordered list not starting at 1 cannot interrupt a paragraph."""
    marker = item["marker"]
    return bool(item["space"]) and (marker in "-*+" or marker[:-1] == "1")


def _depth_cols(stack: list[int], indent: int) -> tuple[int, int]:
    """How many open items a line of this indentation belongs to, and that item's column."""
    depth, column = 0, 0
    for col in stack:
        if indent >= col:
            depth, column = depth + 1, col
        else:
            break
    return depth, column


def _closes(line: str, char: str, length: int, base: int = 0) -> bool:
    """A closing fence: the fence character, at least as many, indented at most 3 spaces
    (relative to the list item's content)."""
    stripped = line.strip()
    indent = len(line) - len(line.lstrip(" "))
    return 0 <= indent - base <= 3 and len(stripped) >= length and stripped == char * len(stripped)


def _split_display_lines(lines: list[str]) -> list[str]:
    """kramdown/Jekyll notes put one display formula per line (`$$a$$` then `$$b$$`): each is
    its own display block, not one block with `$$` drawn in the middle."""
    out: list[str] = []
    for index, line in enumerate(lines):
        display = DISPLAY_LINE.fullmatch(line)
        if display and out and out[-1].strip():
            out.append("")
        out.append(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if display and following.strip():
            out.append("")
    return out


class SetextGuard(SetextHeaderProcessor):
    """`- item` or `> quote` followed by `---` is a list or quote and a rule, never a heading."""

    def test(self, parent: etree.Element, block: str) -> bool:
        first = block.split("\n", 1)[0].lstrip(" ")
        if first[:1] == ">" or LIST_ITEM.match(first) or LINK_DEFINITION.match(first):
            return False  # a definition is not a paragraph, so it cannot become a heading
        return super().test(parent, block)


class SeparateQuotes(BlockQuoteProcessor):
    """`> foo`, a blank line, `> bar` are two block quotes (CommonMark, GitHub); Python-Markdown
    would add the second to the first."""

    def lastChild(self, parent: etree.Element) -> etree.Element | None:
        return None  # only asked for the sibling quote to merge into


# ------------------------------------------------------------------------------------ callouts

CALLOUT = re.compile(
    r"\[!(?P<kind>[A-Za-z][\w-]{0,30})\](?P<fold>[-+]?)[ \t]*(?P<title>[^\n]{0,300})(?:\n|$)"
)
# Obsidian's aliases, folded onto the five GitHub kinds plus a few MkDocs ones.
CALLOUT_KINDS = {
    "note": "note", "info": "info", "todo": "info", "abstract": "abstract", "summary": "abstract",
    "tldr": "abstract", "tip": "tip", "hint": "tip", "important": "important", "success": "tip",
    "check": "tip", "done": "tip", "question": "question", "help": "question", "faq": "question",
    "warning": "warning", "caution": "caution", "attention": "warning", "failure": "caution",
    "fail": "caution", "missing": "caution", "danger": "caution", "error": "caution",
    "bug": "caution", "example": "example", "quote": "quote", "cite": "quote",
}  # fmt: skip


class Callouts(BlockProcessor):
    """`> [!NOTE]` (GitHub) and `> [!tip] Title` / `> [!faq]- Folded` (Obsidian) blockquotes
    become `<div class="admonition KIND">` boxes with a title, like `!!! note` (MkDocs).

    A fold mark is read and the callout printed open: paper cannot fold."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return block.startswith(">") and bool(CALLOUT.match(block.lstrip("> \t")))

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        block = blocks.pop(0)
        # Only the leading quote lines; the rest of the block goes back to the parser.
        lines = block.split("\n")
        quoted = []
        for index, line in enumerate(lines):
            if not line.startswith(">"):
                if line.strip():
                    blocks.insert(0, "\n".join(lines[index:]))
                break
            quoted.append(re.sub(r"^> ?", "", line))
        text = "\n".join(quoted)
        match = CALLOUT.match(text)
        if match is None:  # pragma: no cover - test() saw it
            return False
        written = match["kind"].lower()
        kind = CALLOUT_KINDS.get(written, "note")
        title = match["title"].strip() or written.capitalize()
        box = etree.SubElement(parent, "div")
        box.set("class", f"admonition callout {kind}")
        heading = etree.SubElement(box, "p")
        heading.set("class", "admonition-title")
        heading.text = title
        self.parser.parseChunk(box, text[match.end() :])
        return True


# ------------------------------------------------------------------------------------- inlines

# The spaces starting the next line belong to no one (CommonMark strips them).
HARD_BREAK = r"\\\n *"
# Two or more spaces before a line end; the lookbehind keeps the scan linear on long runs.
SPACES_BREAK = r"(?<! ) {2,}\n *"
# CommonMark's autolink: any scheme of 2-32 characters, no spaces or angle brackets.
AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\x00-\x20]*)>")
# CommonMark's email autolink (the HTML standard's valid e-mail address).
AUTOMAIL = (
    r"<([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?){0,32})>"
)
# Numeric references have 1-7 decimal or 1-6 hex digits; longer ones are text (CommonMark).
ENTITY = r"(&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});)"
# `&` of a numeric reference too long to be one: written `&amp;` (else the HTML parser after us
# would read `&#987654321;` as U+FFFD).
NOT_A_REFERENCE = r"&(?=#[0-9]{8}|#[xX][0-9a-fA-F]{7})"
# Every ASCII punctuation character may be backslash-escaped (CommonMark).
ESCAPABLE = list(string.punctuation)
WIKI_LINK = r"\[\[(?P<target>[^\[\]\n|]{1,300})(?:\|(?P<label>[^\[\]\n]{1,300}))?\]\]"
MATH_CODE = r"\$`(?P<latex>[^`\n]{1,2000})`\$"
# A single `$` may occur inside (`\text{if $x$}`); the two alternatives never overlap.
DOUBLE_DOLLAR = r"\$\$(?P<latex>(?:[^$\n]|\$(?!\$)){1,2000}?)\$\$"
# An HTML tag whose name is a real element (or a comment / processing instruction).
HTML_ELEMENTS = set(
    """a abbr acronym address area article aside audio b bdi bdo big blockquote br button
    canvas caption center cite code col colgroup data dd del details dfn dialog div dl dt em
    embed fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hr i iframe img
    input ins kbd label legend li main map mark meter nav noscript object ol optgroup option
    output p param picture pre progress q rp rt ruby s samp script section select small source
    span strike strong style sub summary sup svg table tbody td template textarea tfoot th
    thead time tr track tt u ul var video wbr math""".split()  # noqa: SIM905
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")


class LiteralAmpersand(InlineProcessor):
    """An `&` that must stay a character, stashed as `&amp;` (the serialiser keeps an `&`
    that looks like a reference as it is)."""

    def handleMatch(self, m, data):  # type: ignore[override]
        return self.md.htmlStash.store("&amp;"), m.start(0), m.end(0)


class HardBreak(InlineProcessor):
    """A backslash at the end of a line is a line break (CommonMark)."""

    def handleMatch(self, m, data):  # type: ignore[override]
        return etree.Element("br"), m.start(0), m.end(0)


class WikiLink(InlineProcessor):
    """`[[Page]]` / `[[Page|label]]` (Obsidian): printed as the label, marked, no link."""

    def handleMatch(self, m, data):  # type: ignore[override]
        element = etree.Element("span")
        element.set("class", "wikilink")
        element.text = AtomicString((m["label"] or m["target"]).strip())
        return element, m.start(0), m.end(0)


class InlineMath(InlineProcessor):
    """GitHub's `` $`x`$ `` and kramdown's `$$x$$` inside a paragraph: inline maths, marked
    the way arithmatex marks it, so formulas.py draws it like any other."""

    def handleMatch(self, m, data):  # type: ignore[override]
        element = etree.Element("span")
        element.set("class", "arithmatex")
        element.text = AtomicString(f"\\({m['latex'].strip()}\\)")
        return element, m.start(0), m.end(0)


class DollarMath(arithmatex.InlineArithmatexPattern):
    """arithmatex's `$x$` (pandoc's rule: no space inside either dollar), refused where the
    dollars are a shell's or a template's, as in `{{range $p, $conf := .Ports}} {{$p}}`:
    the closing `$` is followed by an ASCII letter, digit or `_` (it starts a variable:
    `$HOME/$USER`; pandoc refuses a digit, "$5-$10"), or a `}` inside closes no `{`
    (`}} {{`: not TeX either). A refused `$` is text, and the scan goes on after it, so the
    closing one may still open a formula. Write `$n$-th`, not `$n$th`."""

    def handleMatch(self, m, data):  # type: ignore[override]
        latex = m.group(3)
        if latex is not None and not _plausible_math(latex, data[m.end(0) : m.end(0) + 1]):
            return None, m.start(0), m.start(0) + 1
        return super().handleMatch(m, data)


def _plausible_math(latex: str, following: str) -> bool:
    if following.isascii() and (following.isalnum() or following == "_"):
        return False
    depth, index = 0, 0
    while index < len(latex):
        char = latex[index]
        if char == "\\":
            index += 2
            continue
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
        index += 1
    return True  # an unclosed `{` is maths written wrong: typeset, so its warning shows


class KnownHtmlOnly(HtmlInlineProcessor):
    """Raw HTML only for real element names: `<branch>` or `<file.txt>` stays text, as on
    GitHub, instead of being dropped by the sanitiser as an unknown tag."""

    def handleMatch(self, m, data):  # type: ignore[override]
        text = m.group(1)
        if text.startswith("<!--"):
            return super().handleMatch(m, data) if _valid_comment(text) else (None, None, None)
        name = _TAG_NAME.match(text)
        # A backslash escape inside was stashed already: checked as written (`href="\""`).
        written = ESCAPED_PLACEHOLDER.sub(
            lambda e: "\\" + chr(int(e.group(1))), self.unescape(text)
        )
        complete = _complete_tag_end(written) == len(written)
        if name and name.group(1).lower() in HTML_ELEMENTS and complete:
            return super().handleMatch(m, data)
        return None, None, None


def _valid_comment(text: str) -> bool:
    """CommonMark's HTML comment: the text inside does not start with `>` or `->`, does not
    contain `--` and does not end with `-` (else the whole is text)."""
    inside = text[4:-3]
    return not (inside.startswith((">", "->")) or "--" in inside or inside.endswith("-"))


# ---------------------------------------------------------------------------------- code spans

BACKTICK_RUN = re.compile(r"`+")


def code_span_text(source: str) -> str:
    """CommonMark: line endings become spaces; one space is stripped from each side only when
    both sides have one and the span is not all spaces (`` ` a` `` keeps its space)."""
    text = source.replace("\n", " ")
    if len(text) >= 2 and text[0] == " " and text[-1] == " " and text.strip(" "):
        return text[1:-1]
    return text


class CodeSpan(InlineHilitePattern):
    """inlinehilite's code spans (`` `#!py x` `` still highlights) with CommonMark's rules:
    spaces inside kept as written, and an opening run of backticks with no closing run of
    the same length is literal text (never paired with a shorter run). The closing run is
    looked up in a per-text index of backtick runs, so a line of unmatched runs is linear."""

    def __init__(self, pattern, config, md):
        super().__init__(pattern, config, md)
        self._indexed: str | None = None
        self._runs: dict[int, list[int]] = {}

    def _closing_run(self, text: str, length: int, after: int) -> int | None:
        if self._indexed is not text:
            self._indexed, self._runs = text, {}
            for run in BACKTICK_RUN.finditer(text):
                self._runs.setdefault(len(run.group()), []).append(run.start())
        starts = self._runs.get(length, [])
        position = bisect.bisect_left(starts, after)
        return starts[position] if position < len(starts) else None

    def find_code_spans(self, start: int, text: str) -> tuple[int, int | None]:
        ticks = BACKTICK_RUN.match(text, start).end() - start  # type: ignore[union-attr]
        end = self._closing_run(text, ticks, start + ticks)
        return start + ticks, end

    def handleMatch(self, m, data):  # type: ignore[override]
        if m.group(1):
            return super().handleMatch(m, data)
        begin = m.start(0)
        start, end = self.find_code_spans(begin, data)
        if end is None:
            return None, begin, start
        source = data[start:end]
        language = self.RE_LANG.match(source)
        if language:
            lang, source = language.group("lang"), source[language.end("lang") :].strip()
        else:
            lang, source = "", code_span_text(source)
        self.get_settings()
        return self.handle_code(lang, source), begin, end + (start - begin)


# ---------------------------------------------------------------------- bounded inline scanning

# Link text longer than this is not link text: Python-Markdown's bracket matcher walks to the
# end of the paragraph for every `[` without a partner (`[^` x 100,000 took minutes).
MAX_LINK_TEXT = 2000
FOOTNOTE_REF = r"\[\^([^\]\n]{1,200})\]"


class _BoundedText:
    def getText(self, data: str, index: int) -> tuple[str, int, bool]:
        if data.find("]", index, index + MAX_LINK_TEXT) < 0:
            return "", index, False  # no closing bracket near: not a link (found in C, fast)
        return super().getText(data[: index + MAX_LINK_TEXT], index)  # type: ignore[misc]


ESCAPED_PLACEHOLDER = re.compile("\x02([0-9]{1,7})\x03")
MAX_PAREN_DEPTH = 32  # cmark's bound on nested parentheses in a destination
# Scans for a destination or title stop this far on: each `[…](` scans at most this much, so
# a line of many unclosed links stays linear.
MAX_DESTINATION = 8000


def _skip_spaces(data: str, index: int) -> int:
    """Past spaces and tabs, with at most one line ending among them."""
    newline = False
    while index < len(data) and data[index] in " \t\n":
        if data[index] == "\n":
            if newline:
                break
            newline = True
        index += 1
    return index


def _destination(data: str, index: int) -> tuple[str, int] | None:
    """A link destination: `<…>` (no line ending, no `<`) or a run without spaces or control
    characters whose parentheses balance. Escaped characters are placeholders already."""
    if index < len(data) and data[index] == "<":
        end, stop = index + 1, min(len(data), index + MAX_DESTINATION)
        while end < stop and data[end] not in "<>\n":
            end += 1
        if end >= stop or data[end] != ">":
            return None
        return data[index + 1 : end], end + 1
    depth, end, stop = 0, index, min(len(data), index + MAX_DESTINATION)
    while end < stop:
        char = data[end]
        if char in " \t\n" or (char < " " and char not in "\x02\x03") or char == "\x7f":
            break
        if char == "(":
            depth += 1
            if depth > MAX_PAREN_DEPTH:
                return None
        elif char == ")":
            if depth == 0:
                break
            depth -= 1
        end += 1
    if depth:
        return None
    return data[index:end], end


def _title(data: str, index: int) -> tuple[str, int] | None:
    """A link title in `"…"`, `'…'` or `(…)`; no blank line inside."""
    opener = data[index]
    closer = ")" if opener == "(" else opener
    end = data.find(closer, index + 1, index + MAX_DESTINATION)
    if end < 0:
        return None
    title = data[index + 1 : end]
    if "\n\n" in title or (opener == "(" and "(" in title):
        return None
    return title, end + 1


class _CommonMarkDestination:
    """`[text](<dest with spaces> "title")` as CommonMark reads it: `<…>` destinations,
    titles in any of the three quotes, and no link at all when the parentheses hold
    something else (`[link](/my uri)` stays text). One pass, linear in the text."""

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:
        if not data.startswith("(", index):
            return "", None, index, False
        start = _skip_spaces(data, index + 1)
        found = _destination(data, start)
        if found is None:
            return "", None, index, False
        href, end = found
        after = _skip_spaces(data, end)
        title = None
        if after > end and after < len(data) and data[after] in "\"'(":
            titled = _title(data, after)
            if titled is None:
                return "", None, index, False
            title, end = titled
            after = _skip_spaces(data, end)
        if after < len(data) and data[after] == ")":
            title = None if title is None else self._resolved(title)
            return self._resolved(href), title, after + 1, True
        return "", None, index, False

    def _resolved(self, text: str) -> str:
        """Backslash escapes (stashed by the escape pattern) back to the characters."""
        text = self.unescape(text)  # type: ignore[attr-defined]
        return ESCAPED_PLACEHOLDER.sub(lambda m: chr(int(m.group(1))), text)


# Alt text is the plain text of the image description's inline content (CommonMark):
# `![foo *bar*](x)` has the alt "foo bar". Descriptions nested deeper keep their source.
MAX_ALT_DEPTH = 4
ALT_MARKUP = frozenset("*_[!`<&\\~=^$:")


class _PlainAlt:
    """Parse an image description with the document's own inline patterns (a separate
    inline tree processor, so the one running is not disturbed) and keep its text."""

    _depth = 0

    def handleMatch(self, m, data):  # type: ignore[override]
        element, start, end = super().handleMatch(m, data)  # type: ignore[misc]
        if element is not None and element.tag == "img":
            alt = element.get("alt", "")
            if ALT_MARKUP.intersection(alt) and _PlainAlt._depth < MAX_ALT_DEPTH:
                element.set("alt", self._plain(alt))
        return element, start, end

    def _plain(self, text: str) -> str:
        holder = etree.Element("p")
        holder.text = text
        root = etree.Element("div")
        root.append(holder)
        _PlainAlt._depth += 1
        try:
            InlineTreeProcessor(self.md).run(root)  # type: ignore[attr-defined]
        finally:
            _PlainAlt._depth -= 1
        parts = []
        for node in holder.iter():
            if node.tag == "img":
                parts.append(node.get("alt", ""))
            elif node.text:
                parts.append(node.text)
            if node is not holder and node.tail:
                parts.append(node.tail)
        return ESCAPED_PLACEHOLDER.sub(lambda m: chr(int(m.group(1))), "".join(parts))


class BoundedLink(_BoundedText, _CommonMarkDestination, LinkInlineProcessor):
    pass


class BoundedImage(_PlainAlt, _BoundedText, _CommonMarkDestination, ImageInlineProcessor):
    pass


class BoundedReference(_BoundedText, ReferenceInlineProcessor):
    pass


class BoundedImageReference(_PlainAlt, _BoundedText, ImageReferenceInlineProcessor):
    pass


class BoundedShortReference(_BoundedText, ShortReferenceInlineProcessor):
    pass


class BoundedShortImageReference(_PlainAlt, _BoundedText, ShortImageReferenceInlineProcessor):
    pass


def _bound_link_scanning(md: Markdown) -> None:
    for name, kind in (
        ("link", BoundedLink),
        ("image_link", BoundedImage),
        ("reference", BoundedReference),
        ("image_reference", BoundedImageReference),
        ("short_reference", BoundedShortReference),
        ("short_image_ref", BoundedShortImageReference),
    ):
        if name in md.inlinePatterns:
            old = md.inlinePatterns[name]
            priority = md.inlinePatterns.get_index_for_name(name)
            priority = md.inlinePatterns._priority[priority].priority
            md.inlinePatterns.register(kind(old.pattern, md), name, priority)
    if "footnote" in md.inlinePatterns:
        old = md.inlinePatterns["footnote"]
        md.inlinePatterns.register(type(old)(FOOTNOTE_REF, old.footnotes), "footnote", 175)


# -------------------------------------------------------------------------------------- tables

SEPARATOR_CELL = re.compile(r":?-{1,200}:?")


class TableFixes(Treeprocessor):
    """devhints writes a separator row between groups of rows: not a data row. `\\|` in a code
    span inside a cell is a pipe (GFM), not a backslash and a pipe."""

    def run(self, root: etree.Element) -> None:
        for body in root.iter("tbody"):
            for row in list(body):
                cells = list(row)
                texts = ["".join(cell.itertext()).strip() for cell in cells]
                if cells and all(SEPARATOR_CELL.fullmatch(t) for t in texts):
                    body.remove(row)
        for cell in (*root.iter("td"), *root.iter("th")):
            # Before the inline stage (a code span's text is stashed away after it).
            if cell.text and "\\|" in cell.text:
                cell.text = cell.text.replace("\\|", "|")


# ------------------------------------------------------------------- blocks inside paragraphs

STASH_PLACEHOLDER = re.compile("\x02wzxhzdk:([0-9]{1,9})\x03")


class BlocksOutOfParagraphs(Treeprocessor):
    """A fenced block right under a paragraph line inside a loose list item or a quote
    (`> text` then `> ````) is left by the parsers as a placeholder inside that paragraph;
    written out, `<p>text<div>code</div></p>` is invalid HTML, which the sanitiser then
    repairs into an empty `<p></p>` after the block. Close the paragraph before the block
    and open a new one after it, as CommonMark's block structure says."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag == "p" and self._holds_block(child):
                    self._split(parent, child)

    def _is_block(self, match: re.Match[str]) -> bool:
        blocks = self.md.htmlStash.rawHtmlBlocks
        number = int(match.group(1))
        stashed = blocks[number] if number < len(blocks) else None
        if isinstance(stashed, HtmlBlock):
            return True
        raw_html = self.md.postprocessors["raw_html"]
        return isinstance(stashed, str) and raw_html.isblocklevel(stashed)

    def _holds_block(self, paragraph: etree.Element) -> bool:
        texts = [paragraph.text or ""] + [child.tail or "" for child in paragraph]
        return any(
            self._is_block(m)
            for text in texts
            if "\x02" in text
            for m in STASH_PLACEHOLDER.finditer(text)
        )

    def _split(self, parent: etree.Element, paragraph: etree.Element) -> None:
        pieces: list[etree.Element | str] = []  # new paragraphs and block placeholders
        current = etree.Element("p", dict(paragraph.attrib))

        def add_text(text: str) -> None:
            nonlocal current
            last = 0
            for match in STASH_PLACEHOLDER.finditer(text):
                if not self._is_block(match):
                    continue
                _append_text(current, text[last : match.start()])
                pieces.extend([current, match.group(0)])
                current = etree.Element("p", dict(paragraph.attrib))
                last = match.end()
            _append_text(current, text[last:])

        add_text(paragraph.text or "")
        for child in list(paragraph):
            tail, child.tail = child.tail, None
            current.append(child)
            add_text(tail or "")
        pieces.append(current)
        position = list(parent).index(paragraph)
        parent.remove(paragraph)
        previous = parent[position - 1] if position else None
        for piece in pieces:
            if isinstance(piece, str):
                block = f"\n{piece}\n"
                if previous is None:
                    parent.text = (parent.text or "") + block
                else:
                    previous.tail = (previous.tail or "") + block
            elif len(piece) or (piece.text or "").strip():
                piece.text = (piece.text or "").strip("\n") or None
                if len(piece) and piece[-1].tail:
                    piece[-1].tail = piece[-1].tail.rstrip("\n") or None
                parent.insert(position, piece)
                position += 1
                previous = piece
        if paragraph.tail:
            if previous is None:
                parent.text = (parent.text or "") + paragraph.tail
            else:
                previous.tail = (previous.tail or "") + paragraph.tail


def _append_text(element: etree.Element, text: str) -> None:
    if not text:
        return
    if len(element):
        element[-1].tail = (element[-1].tail or "") + text
    else:
        element.text = (element.text or "") + text


# ------------------------------------------------------------------------------ superscripts

# Han, kana, Hangul, CJK punctuation and full-width forms.
CJK = re.compile("[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


class PlainCarets(Treeprocessor):
    """pymdownx.caret's `x^2^` is a superscript; GFM has none, and a `^` used as a hat in
    prose (`推定量^θの偏りは^θ`, cs229-probability-ja) made half a Japanese sentence a
    superscript. A superscript holding CJK text, or whose closing `^` runs straight into a
    letter, is put back as the text it was written as."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, child in reversed(list(enumerate(parent))):
                if child.tag == "sup" and not child.attrib and self._written_as_text(child):
                    _unwrap(parent, index, child, "^")

    @staticmethod
    def _written_as_text(sup: etree.Element) -> bool:
        text = "".join(sup.itertext())
        following = (sup.tail or "")[:1]
        return bool(CJK.search(text)) or following.isalpha()


def _unwrap(parent: etree.Element, index: int, element: etree.Element, mark: str) -> None:
    """Replace `element` by its content between two `mark`s, as plain text."""
    before = parent[index - 1] if index else None
    opening = mark + (element.text or "")
    if before is None:
        parent.text = (parent.text or "") + opening
    else:
        before.tail = (before.tail or "") + opening
    children = list(element)
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    closing = mark + (element.tail or "")
    if children:
        children[-1].tail = (children[-1].tail or "") + closing
    elif before is None:
        parent.text += closing
    else:
        before.tail += closing


# -------------------------------------------------------------------------------- list starts


class ListStarts(Treeprocessor):
    """`003.` starts a list at 3, as the number it is (sane_lists copies the digits)."""

    def run(self, root: etree.Element) -> None:
        for ordered in root.iter("ol"):
            start = ordered.get("start")
            if start is not None and start.isdigit():
                if int(start) == 1:
                    del ordered.attrib["start"]
                else:
                    ordered.set("start", str(int(start)))


# ----------------------------------------------------------------------- reference definitions


class FirstDefinitionWins(dict):
    """`[foo]: /url1` then `[foo]: /url2`: the first definition counts (CommonMark, GitHub);
    Python-Markdown's reference processor would let the last one win."""

    def __setitem__(self, key, value) -> None:
        if key not in self:
            super().__setitem__(key, value)


BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


class ReferenceDefinitions(ReferenceProcessor):
    """CommonMark's link reference definitions: only where a paragraph could start (`Foo`
    then `[bar]: /baz` is one paragraph of text), backslash escapes resolved in the
    destination and title (`/bar\\*` is `/bar*`)."""

    def run(self, parent: etree.Element, blocks: list[str]) -> bool:
        found = self.RE.search(blocks[0])
        if found is None or found.start() != 0:
            return False
        before = dict(self.parser.md.references)
        handled = super().run(parent, blocks)
        references = self.parser.md.references
        for key, (link, title) in list(references.items()):
            if key not in before:
                dict.__setitem__(references, key, (_unescaped(link), title and _unescaped(title)))
        return handled


def _unescaped(text: str) -> str:
    return BACKSLASH_ESCAPE.sub(r"\1", text)


# ------------------------------------------------------------------------------------ register


def _html_blocks_unwrapped(md: Markdown) -> None:
    """Our HTML blocks (`HtmlBlock`) are written out as they are: Python-Markdown would wrap
    one that starts with an inline tag (`<a href="x">` alone on a line) in a paragraph."""
    base = type(md.postprocessors["raw_html"])

    class RawHtml(base):  # type: ignore[misc, valid-type]
        def stash_to_string(self, text):
            return text if isinstance(text, HtmlBlock) else super().stash_to_string(text)

        def isblocklevel(self, html: str) -> bool:
            return isinstance(html, HtmlBlock) or super().isblocklevel(html)

    md.postprocessors.register(RawHtml(md), "raw_html", 30)


class CheatsheetExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(GitHubBlocks(md), "cheatsheet_blocks", 26)
        md.parser.blockprocessors.register(SetextGuard(md.parser), "setextheader", 60)
        md.parser.blockprocessors.register(Callouts(md.parser), "cheatsheet_callouts", 21)
        md.inlinePatterns.register(HardBreak(HARD_BREAK, md), "cheatsheet_hard_break", 185)
        md.inlinePatterns.register(InlineMath(MATH_CODE, md), "cheatsheet_math_code", 195)
        if "arithmatex-inline" in md.inlinePatterns:
            old = md.inlinePatterns["arithmatex-inline"]
            config = next(
                e for e in md.registeredExtensions if isinstance(e, arithmatex.ArithmatexExtension)
            ).getConfigs()
            md.inlinePatterns.register(DollarMath(old.pattern, config), "arithmatex-inline", 189.9)
        double_dollar = InlineMath(DOUBLE_DOLLAR, md)  # before arithmatex's `$x$` (189.9)
        md.inlinePatterns.register(double_dollar, "cheatsheet_double_dollar", 189.95)
        md.inlinePatterns.register(WikiLink(WIKI_LINK, md), "cheatsheet_wiki_link", 175)
        html = md.inlinePatterns["html"]
        md.inlinePatterns.register(KnownHtmlOnly(html.pattern, md), "html", 90)
        md.treeprocessors.register(TableFixes(md), "cheatsheet_tables", 25)
        md.treeprocessors.register(SplitLists(md), "cheatsheet_split_lists", 24.5)
        md.treeprocessors.register(ListStarts(md), "cheatsheet_list_starts", 24)
        # After the inline stage (20), which leaves the placeholders of stashed blocks alone.
        md.treeprocessors.register(BlocksOutOfParagraphs(md), "cheatsheet_blocks_out", 19)
        md.treeprocessors.register(PlainCarets(md), "cheatsheet_plain_carets", 19.5)
        md.inlinePatterns.register(
            SubstituteTagInlineProcessor(SPACES_BREAK, "br"), "linebreak", 100
        )
        # Autolinks before backslash escapes, which do not work inside them (CommonMark).
        if "autolink" in md.inlinePatterns:
            autolink = md.inlinePatterns["autolink"]
            autolink.compiled_re = AUTOLINK
            md.inlinePatterns.register(autolink, "autolink", 182)
        if "automail" in md.inlinePatterns:
            automail = md.inlinePatterns["automail"]
            automail.compiled_re = re.compile(AUTOMAIL)
            md.inlinePatterns.register(automail, "automail", 181)
        md.inlinePatterns.register(
            LiteralAmpersand(NOT_A_REFERENCE, md), "cheatsheet_not_a_reference", 81
        )
        if "entity" in md.inlinePatterns:
            md.inlinePatterns["entity"].compiled_re = re.compile(ENTITY, re.DOTALL | re.UNICODE)
        md.parser.blockprocessors.register(ReferenceDefinitions(md.parser), "reference", 15)
        md.parser.blockprocessors.register(SeparateQuotes(md.parser), "quote", 20)
        md.ESCAPED_CHARS = sorted(set(md.ESCAPED_CHARS) | set(ESCAPABLE))
        if isinstance(md.inlinePatterns["backtick"], InlineHilitePattern):
            old = md.inlinePatterns["backtick"]
            md.inlinePatterns.register(CodeSpan(old.pattern, old.config, md), "backtick", 190)
        md.references = FirstDefinitionWins(md.references)
        _bound_link_scanning(md)
        _html_blocks_unwrapped(md)


def makeExtension(**kwargs):
    return CheatsheetExtension(**kwargs)
