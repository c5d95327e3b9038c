"""Where a long code line may wrap, and which blocks shrink instead of wrapping.

Break opportunities: a person wraps a code line at its spaces and after an opening bracket
or a comma; never before closing punctuation (no continuation line holding
only `):`), never inside a number, a flag (`--no-cache-dir`), a short path or an address,
never after a sign (`-1`), never before `=` or `=>`, never after a bracket opened in a string
(`"[`) or one that closes a few characters on (`{1,3}`), and never leaves the last few
characters (`2` of `limit=2`) on a line of their own; a comment's `#` (or a lone `#`, `//`,
`--`, `;` the lexer did not take for a comment) stays with its first word and a short
comment wraps whole; Korean words stay whole. Two things stand in the way. WeasyPrint cannot
wrap a word that spans several inline boxes (Kozea/WeasyPrint#1614), so a break between
Pygments' token spans needs an explicit `<wbr>`; yet when nothing on a line can break, it
breaks at a box boundary (`price:=2.` / `5`, the console lexer giving `2` a span of its own).
And inside a run of text it follows Unicode line breaking (UAX #14), which breaks after a
hyphen-minus or a slash, between Hangul syllables and so on. Runs that hold such a character
or span several tokens, and must not break, are set in `<span class="nobr">`
(`white-space: pre`: no wrapping, spaces kept). Neither changes the text, so code copied
from the PDF is the source. Past MAX_GLUED characters without a break, a dot, slash or the
like becomes a break point too; `overflow-wrap: anywhere` (base.css) stays as the last resort
for a longer run.

Shrinking: an aligned table, a tree or ASCII art read wrong when wrapped. Such blocks get the
class `art` and the length of their longest line (`m53`: 53 characters); the layout stage
asks `art_css` for the type size at which that line just fits the column, never below the
configured floor, so the block fits without wrapping whenever the floor allows and is never
smaller than it needs to be. Ordinary code whose comments are lined up (`cmd   # note`) is
not art: the comments are left out before looking for aligned columns.
"""

from __future__ import annotations

import bisect
import html as html_module
import itertools
import math
import re
import unicodedata

from .scripts import monospace_cells

# A code line (`_code_lines` in markdown.py): flat token spans and bare text, nothing nested
# but the `hll` span around a highlighted line (`hl_lines="3"`), which once left that line
# without break rules (`send(args)  #` / `the one network call`). Each alternative starts
# with a different character, so the pattern cannot backtrack.
_LINE = re.compile(
    r'(<span class="cl[^"]*">(<span class="hll">)?)'
    r'((?:<span class="[^"]*">[^<]*</span>|[^<])*)((?(2)</span>)</span>)'
)
_PIECE = re.compile(r'<span class="([^"]*)">([^<]*)</span>|([^<]+)')
_COMMENT_CLASSES = {"c", "c1", "cm", "ch", "cs", "cd"}
# A comment in a block Pygments did not lex (or lexed as text): `#` or `//` after a space.
_BARE_COMMENT = re.compile(r"(?:^|(?<=\s))(?:#|//)(?=\s|$)")

# Never a break before these (closing punctuation, CJK closing marks included).
_CLOSING = set(")]},:;.") | set("，。、）」』】！？：；")
_OPENING = set("([{")
# A break may follow these (when what comes next is not closing punctuation or more of
# the same operator).
_BREAK_AFTER = set(",;|&")
_OPERATOR = set("=<>!|&")
# Inside a run longer than MAX_GLUED with nothing better, these may end a line too.
_LAST_RESORT_AFTER = set("./?:-=&(")
# Characters around which Unicode line breaking (UAX #14, which WeasyPrint follows) may
# break inside a run of text: hyphen-minus, slash, `}`, `!`, `?`, `+`, `$`, `%`, `\`, `|`,
# and scripts written without spaces. A run holding one goes in a `nobr` span.
_RISKY = set("-/}!?+$%\\|~")
# The last few characters of a line never make a continuation line of their own.
TAIL = 8
# A trailing comment this short (in cells: a CJK character is two) wraps as a whole; a longer
# one keeps `#` with its first word.
SHORT_COMMENT = 20
# CJK punctuation a line never starts with, and brackets it never ends with (kinsoku).
_CJK_NO_START = set("、。，．：；！？）」』】〕》〉〗〙〛ー・…‥％")
_CJK_NO_END = set("（「『【〔《〈〖〘〚")


def _first_word(text: str) -> str:
    """A comment's first word: up to a space, or to the first CJK character (a CJK sentence
    has no spaces, and its first character is its first word)."""
    for index, char in enumerate(text):
        if char == " ":
            return text[:index]
        if _is_cjk(char):
            return text[: index or 1]
    return text


def _is_cjk(char: str) -> bool:
    """Han and kana: lines may break between any two (Korean keeps its words whole)."""
    code = ord(char)
    return 0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF


def _is_hangul(char: str) -> bool:
    code = ord(char)
    return 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def _digit_at(text: str, index: int) -> bool:
    return 0 <= index < len(text) and text[index].isdigit()


def _may_break_at(text: str, p: int) -> bool:
    """May a line wrap before `text[p]` (both neighbours not spaces) where a person would:
    after an opening bracket or a comma, between CJK characters; never before
    closing punctuation, after a sign or inside a number."""
    a, b = text[p - 1], text[p]
    if b in _CLOSING or b in _CJK_NO_START or a in _CJK_NO_END:
        return False
    if _is_cjk(a) or _is_cjk(b):
        return not (_is_hangul(a) or _is_hangul(b))
    if a in _OPENING:
        # `$(`, `${`, `@(`: shell substitutions stay whole, and so do `([`, `{{(`, a bracket opened
        # in a string (`"[` / `valid-email]"`, `'{` / `print $1}'`) and a short group
        # (`{` / `1,3}`, `[` / `0]`)
        return (
            b not in _OPENING
            and (p < 2 or text[p - 2] not in "$@\"'`([{")
            and not _short_group(text, p)
        )
    if a in _BREAK_AFTER:
        return b not in _OPERATOR and not (a == "," and _digit_at(text, p - 2) and b.isdigit())
    return False


def _short_group(text: str, p: int) -> bool:
    """Does the bracket before `text[p]` close within SHORT_GROUP characters, no space?"""
    close = _CLOSE_OF[text[p - 1]]
    for index in range(p, min(p + SHORT_GROUP + 1, len(text))):
        if text[index] == close:
            return True
        if text[index] == " " or text[index] in _OPENING:
            return False
    return False


SHORT_GROUP = 5
_CLOSE_OF = {"(": ")", "[": "]", "{": "}"}


def _may_break_as_last_resort_at(text: str, p: int) -> bool:
    """Inside a long run (a dotted name, a path, a URL): after a dot, slash or the like,
    never inside a number (`10.0.0.1`, `0/24`), never after a sign (`-1`) or inside `--`."""
    a, b = text[p - 1], text[p]
    if a in ":=" and b == "/" and text[p + 1 : p + 2] != "/":
        return True  # `/dev/bus/usb:` / `/dev/bus/usb`, not `:/` / `dev`; `--device=` too
    if b in _CLOSING or a not in _LAST_RESORT_AFTER or b in "/-*":
        return False
    if a == "/" and text[p - 2 : p - 1] in ":=":
        return False
    if a == "." and text[p - 2 : p - 1] in "{[(\"'` ":
        return False  # a name's leading dot stays with it: `{{.Server` / `.[0]`
    if a in "./:" and _digit_at(text, p - 2) and b.isdigit():
        return False
    if a == "-":
        return text[p - 2 : p - 1].isalnum() and not b.isdigit()
    return True


def _may_break(before: str, after: str) -> bool:
    """May a line wrap between a token ending with `before` and one starting with `after`?"""
    if not before or not after:
        return True
    text = before + after
    p = len(before)
    return text[p - 1].isspace() or (not after[0].isspace() and _may_break_at(text, p))


# A dotted name with its call bracket (`torch.nn.utils.clip_grad_norm_(`) kept whole can be
# longer than a narrow column: past this many glued characters, a dot, a slash or a name's
# opening bracket becomes a break point too (numbers and closing punctuation never do). A
# run still longer is left to `overflow-wrap: anywhere` (base.css), the last resort.
MAX_GLUED = 20
RUN_END = 3


def _comment_start(pieces: list[tuple[str | None, str]], text: str) -> int:
    """Where the line's comment starts (its `#`), or -1."""
    offset = 0
    for cls, plain in pieces:
        if cls in _COMMENT_CLASSES:
            return offset + len(plain) - len(plain.lstrip())
        offset += len(plain)
    if not any(cls for cls, _ in pieces):  # not lexed: look for a marker after a space
        match = _BARE_COMMENT.search(text)
        if match:
            return match.start()
    return -1


def _line_breaks(text: str, comment: int) -> list[int]:
    """The positions a line may wrap before, by the rules above."""
    n = len(text)
    end = len(text.rstrip())
    first = len(text) - len(text.lstrip())
    keep_from = n  # no break inside a short comment; `#` stays with its first word
    glue_until = -1
    if comment >= 0:
        if monospace_cells(text[comment:end]) <= SHORT_COMMENT:
            keep_from = comment + 1
        else:
            rest = text[comment:]
            marker = len(rest) - len(rest.lstrip("#/ "))  # `# `, `// `
            word = _first_word(rest[marker:])
            glue_until = comment + marker + len(word)
    # a comment marker, or a `#` or `//` the lexer took for something else, stays with the
    # word after it (`send(args)  #` / `the one network call`)
    glued = {m.end() for m in _LONE_MARKER.finditer(text, first)}
    breaks = []
    for p in range(first + 1, min(end, keep_from)):
        if end - p < TAIL or comment < p <= glue_until or p in glued:
            continue
        a, b = text[p - 1], text[p]
        if b == " ":
            continue
        if a == " " and text[p : p + 2] in _EQUALS:
            continue  # `= "rq" }`, `=> port`: the line breaks after the operator instead
        if a == " " or _may_break_at(text, p):
            breaks.append(p)
    return _with_last_resorts(text, breaks, first, end, comment)


# A marker that stands alone between spaces: `#`, `//`, `--`, `;`.
_LONE_MARKER = re.compile(r"(?<![^ ])(?:#|//|--|;) +(?=[^ ])")
# The start of an operator a line never starts with: `=`, `==`, `=>`, `:=`.
_EQUALS = {"= ", "==", "=>", "=", ":="}


def _with_last_resorts(
    text: str, breaks: list[int], first: int, end: int, comment: int
) -> list[int]:
    """Break points inside words longer than MAX_GLUED (not in comments)."""
    bounds = [first, *breaks, end]
    result = []
    for start, stop in itertools.pairwise(bounds):
        if start > first:
            result.append(start)
        if stop - start <= MAX_GLUED or 0 <= comment <= start:
            continue
        # a word, not the whole segment: one kept together over its spaces (`"User-Agent" =
        # "rq" }`) is no long word; and never fewer than RUN_END characters of the word on
        # either side (`lists/` / `*`, `secrets:` / `ro`)
        for word in _WORD.finditer(text, start, stop):
            if word.end() - word.start() > MAX_GLUED:
                result.extend(_breaks_in_word(text, word.start(), word.end(), end))
    return result


def _breaks_in_word(text: str, start: int, stop: int, end: int) -> list[int]:
    """Last-resort breaks inside a long word, by rank: after `:`, `=`, `?`, `&` or a name's
    `(` first; after a dot, slash or hyphen only inside a part still longer than MAX_GLUED
    (`--device=` / `/dev/ttyUSB0`, `/dev/bus/usb:` / `/dev/bus/usb`, not `/dev/` / `bus/`)."""
    candidates = [
        p
        for p in range(start + RUN_END, stop - RUN_END + 1)
        if end - p >= TAIL and _may_break_as_last_resort_at(text, p)
    ]
    strong = [p for p in candidates if text[p - 1] not in _WEAK]
    result = []
    for lo, hi in itertools.pairwise([start, *strong, stop]):
        if lo > start:
            result.append(lo)
        if hi - lo > MAX_GLUED:
            result.extend(p for p in candidates if lo < p < hi and text[p - 1] in _WEAK)
    return result


_WEAK = set("./-")


_WORD = re.compile(r"[^ ]+")


def _needs_nowrap(core: str) -> bool:
    """Could Unicode line breaking break inside this run where our rules do not?"""
    return len(core) > 1 and (
        any(
            char == " "
            or char in _RISKY
            or (ord(char) >= 0x1100 and (_is_cjk(char) or _is_hangul(char)))
            for char in core
        )
        or _IS_BEFORE_DIGIT.search(core) is not None
    )


# UAX #14 breaks between `:`, `.`, `,` or `;` and a digit when no digit comes before
# (`ubuntu:` / `14.04`, `x.` / `5`); inside a number (`2.5`) it does not.
_IS_BEFORE_DIGIT = re.compile(r"[^\d\s][.:,;]\d")


def _emit(pieces: list[tuple[str | None, str]], start: int, stop: int, starts: list[int]) -> str:
    """The token spans covering text[start:stop], cut where needed. Only the pieces that
    overlap are visited (found by bisection): visiting every piece per segment made a long
    line quadratic (a 10 KB line of `a=` took 20 s)."""
    out = []
    first = max(bisect.bisect_right(starts, start) - 1, 0)
    for index in range(first, len(pieces)):
        offset = starts[index]
        if offset >= stop:
            break
        cls, plain = pieces[index]
        lo, hi = max(start, offset), min(stop, offset + len(plain))
        if lo >= hi:
            continue
        escaped = html_module.escape(plain[lo - offset : hi - offset], quote=False)
        out.append(escaped if cls is None else f'<span class="{cls}">{escaped}</span>')
    return "".join(out)


# Unicode line breaking never breaks before these, even after a space (UAX #14 rule LB13):
# `rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*` could not wrap before a path, nor
# `sh ./run.sh` before `./`, nor Ruby's `:host`; a break there needs an explicit `<wbr>`.
_NO_BREAK_AFTER_SPACE = set("/.!?:")


def _crosses_a_token(starts: list[int], start: int, stop: int) -> bool:
    """Does a token (an inline box) start inside text[start:stop]? WeasyPrint breaks a line
    at such a box boundary when nothing in the line can break (`price:=2` / `.5`, Pygments'
    console lexer giving `2` its own span), so a run spanning tokens is kept whole too."""
    index = bisect.bisect_right(starts, start)
    return index < len(starts) and starts[index] < stop


def wrap_line(content: str) -> str:
    """A code line's HTML with its break rules: `<wbr>` where a line may wrap between
    tokens, `<span class="nobr">` (`white-space: pre`, base.css) around runs that must not break
    inside. The text itself is unchanged, so text copied from the PDF is the source."""
    pieces = [
        (m.group(1), html_module.unescape(m.group(2)))
        if m.group(3) is None
        else (None, html_module.unescape(m.group(3)))
        for m in _PIECE.finditer(content)
    ]
    text = "".join(plain for _, plain in pieces)
    if len(text.strip()) <= TAIL:
        return content
    starts, offset = [], 0
    for _, plain in pieces:
        starts.append(offset)
        offset += len(plain)
    breaks = _line_breaks(text, _comment_start(pieces, text))
    bounds = [0, *breaks, len(text)]
    out = []
    for start, stop in itertools.pairwise(bounds):
        core_stop = start + len(text[start:stop].rstrip(" "))
        if start > 0 and (text[start - 1] != " " or text[start] in _NO_BREAK_AFTER_SPACE):
            out.append("<wbr>")
        core = text[start:core_stop]
        body = _emit(pieces, start, core_stop, starts)
        lead = len(core) - len(core.lstrip(" "))
        if (
            _needs_nowrap(core[lead:]) or _crosses_a_token(starts, start + lead, core_stop)
        ) and core_stop - start <= MAX_GLUED + TAIL:
            body = _emit(pieces, start, start + lead, starts) + (
                f'<span class="nobr">{_emit(pieces, start + lead, core_stop, starts)}</span>'
            )
        out.append(body + _emit(pieces, core_stop, stop, starts))
    return "".join(out)


def break_opportunities(code_html: str) -> str:
    """Each code line with the break rules a person would follow (`wrap_line`)."""
    return _LINE.sub(lambda m: m.group(1) + wrap_line(m.group(3)) + m.group(4), code_html)


_BLOCK = re.compile(r'<div class="([^"]*\bhighlight\b[^"]*)"><pre\b')
_BOX_DRAWING = re.compile(r"[\u2500-\u257f\u2580-\u259f]")
# `{3}`, not `{3,}`: the same lines match, and a long run of `-` no longer backtracks
# (quadratic: 40,000 hyphens took 7 s).
_ASCII_ART = re.compile(r"[+|][-=]{3}|[-=]{3}[+|]|\s[|]\s.*\s[|]\s")
_ALIGNED = re.compile(r"\S {3,}\S")
MAX_ART = 200
# Pygments' comment tokens (not `cp`/`cpf`: preprocessor lines are code).
_COMMENT_SPAN = re.compile(r'<span class="(?:c|c1|cm|ch|cs|cd)">[^<]*</span>')
# A trailing comment after two or more spaces, in blocks Pygments did not lex.
# A comment marker after two spaces: where a trailing comment starts. Searched, not matched
# with a leading `\s{2,}`, which backtracks over a long run of spaces (quadratic: a 40 KB
# line of spaces took 7 s).
_TRAILING_COMMENT = re.compile(r"(?<=\s\s)(?:#|//|--|;)\s")


def _without_trailing_comment(line: str) -> str:
    found = _TRAILING_COMMENT.search(line)
    return line[: found.start()] if found else line


def _is_art(lines: list[str], comment_lines: list[str] | tuple[str, ...] = ()) -> bool:
    """Box drawing, ASCII boxes and tables, or columns aligned with runs of spaces; or
    comment lines drawn to line up with the code (`#   _ 2 _ 28 _` under a shape)."""
    # A drawing is most of the block; one `├──` printed by a line of code is not.
    drawn = sum(bool(_BOX_DRAWING.search(line) or _ASCII_ART.search(line)) for line in lines)
    if drawn >= 2 and drawn >= len(lines) / 3:
        return True
    if sum(bool(_ALIGNED.search(line.strip())) for line in comment_lines) >= 2:
        return True
    code = [_without_trailing_comment(line).strip() for line in lines]
    aligned = sum(bool(_ALIGNED.search(line)) for line in code)
    return aligned >= 2 and aligned >= len(lines) / 3


# A line that is only a comment.
_COMMENT_LINE = re.compile(r"^\s*(?:#|//)\s")
# Han, kana and Hangul are set a full em wide, the code font's other characters 0.6 em.
WIDE_ADVANCE = 5 / 3


def display_length(line: str) -> int:
    """A line's width in code-font characters (wide CJK characters count 5/3)."""
    wide = sum(unicodedata.east_asian_width(char) in "WF" for char in line)
    return math.ceil(len(line) - wide + wide * WIDE_ADVANCE)


def _text(html: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def mark_art_blocks(html: str) -> str:
    """Class `art mN` on highlight blocks that should shrink rather than wrap."""
    out, position = [], 0
    for match in _BLOCK.finditer(html):
        end = html.find("</pre>", match.end())
        if end < 0:
            break
        block = html[match.end() : end]
        lines_html = block.replace('<span class="cl', '\n<span class="cl')
        text = _text(lines_html)
        lines = [line for line in text.split("\n") if line.strip()]
        code = _text(_COMMENT_SPAN.sub("", lines_html)).split("\n")
        if lines and _is_art(
            [line for line in code if line.strip()],
            [line for line in lines if _COMMENT_LINE.match(line)],
        ):
            longest = min(max(display_length(line.rstrip()) for line in lines), MAX_ART)
            out.append(html[position : match.start(1)])
            out.append(f"{match.group(1)} art m{longest}")
            position = match.end(1)
    out.append(html[position:])
    return "".join(out)


ART_LENGTH = re.compile(r'class="[^"]*\bhighlight\b[^"]*\bart m(\d+)"')


def art_lengths(html: str) -> set[int]:
    """The longest-line lengths of the art blocks in a document (their `mN` classes)."""
    return {int(n) for n in ART_LENGTH.findall(html)}
