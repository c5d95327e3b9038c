"""Where a long code line may wrap, and which blocks shrink instead of wrapping.

Break opportunities: WeasyPrint cannot wrap a word that spans several inline boxes
(Kozea/WeasyPrint#1614), so Pygments' token spans need explicit `<wbr>` between them. Placed
at every boundary they let a line wrap before `)` or `,` and leave a continuation line that
holds only `):`, or split `10.0.0.1` into `10.0` and `.0.1`. A person wraps at spaces and
after an opening bracket or an operator, never before closing punctuation, inside a dotted
name or inside a number; these are the rules below. `overflow-wrap: anywhere` (base.css)
stays as the last resort for a single token longer than the line.

Shrinking: an aligned table, a tree or ASCII art read wrong when wrapped. Such blocks get the
class `art` and the length of their longest line (`m53`: 53 characters); the layout stage
asks `art_css` for the type size at which that line just fits the column, never below the
configured floor, so the block fits without wrapping whenever the floor allows and is never
smaller than it needs to be. Ordinary code whose comments are lined up (`cmd   # note`) is
not art: the comments are left out before looking for aligned columns.
"""

from __future__ import annotations

import html as html_module
import re

# A token span directly followed by another (not a line span `cl`): the candidates.
_TOKEN_PAIR = re.compile(
    r'(<span class="(?!cl)[^"]*">)([^<]*)</span>(?=<span class="(?!cl)[^"]*">([^<]*)</span>)'
)
_CLOSING = tuple(")]},:;.")
_GLUE_AFTER = tuple(".")
_NUMBER_PART = re.compile(r"[\d.]")
_WORD = re.compile(r"\w")

_BLOCK = re.compile(r'<div class="([^"]*\bhighlight\b[^"]*)"><pre\b')
_BOX_DRAWING = re.compile(r"[\u2500-\u257f\u2580-\u259f]")
_ASCII_ART = re.compile(r"[+|][-=]{3,}|[-=]{3,}[+|]|\s[|]\s.*\s[|]\s")
_ALIGNED = re.compile(r"\S {3,}\S")
MAX_ART = 200
# Pygments' comment tokens (not `cp`/`cpf`: preprocessor lines are code).
_COMMENT_SPAN = re.compile(r'<span class="(?:c|c1|cm|ch|cs|cd)">[^<]*</span>')
# A trailing comment after two or more spaces, in blocks Pygments did not lex.
_TRAILING_COMMENT = re.compile(r"\s{2,}(?:#|//|--|;)\s[^\n]*$")


def _may_break(before: str, after: str) -> bool:
    """May a line wrap between a token ending with `before` and one starting with `after`?"""
    if not before or not after:
        return True
    if after.startswith(_CLOSING) or before.endswith(_GLUE_AFTER):
        return False
    if _NUMBER_PART.match(before[-1]) and _NUMBER_PART.match(after[0]):
        return False  # 10.0.0.1, 3.14, 1e-3 split by the lexer into several tokens
    # f(x), a[i]: the bracket stays with its name
    return not (after[0] in "([" and _WORD.match(before[-1]))


# A dotted name with its call bracket (`torch.nn.utils.clip_grad_norm_(`) kept whole can be
# longer than a narrow column, and WeasyPrint cannot wrap across token spans (#1614), so it
# would run past the column edge: past this many glued characters, a dot or a name's opening
# bracket becomes a break point too (numbers and closing punctuation never do).
MAX_GLUED = 20


def _may_break_as_last_resort(before: str, after: str) -> bool:
    if after.startswith(_CLOSING):
        return False
    return not (_NUMBER_PART.match(before[-1]) and _NUMBER_PART.match(after[0]))


def break_opportunities(code_html: str) -> str:
    """`<wbr>` between adjacent token spans where a person would wrap the line."""

    glued = [0, -1]  # characters since the last break opportunity; end of the last match

    def pair(match: re.Match[str]) -> str:
        before = html_module.unescape(match.group(2))
        after = html_module.unescape(match.group(3))
        run = (glued[0] if match.start() == glued[1] else 0) + len(before)
        glued[1] = match.end()
        may = _may_break(before, after) or (
            run + len(after) > MAX_GLUED and _may_break_as_last_resort(before, after)
        )
        glued[0] = 0 if may else run
        wbr = "<wbr>" if may else ""
        return f"{match.group(1)}{match.group(2)}</span>{wbr}"

    return _TOKEN_PAIR.sub(pair, code_html)


def _is_art(lines: list[str]) -> bool:
    """Box drawing, ASCII boxes and tables, or columns aligned with runs of spaces."""
    # A drawing is most of the block; one `├──` printed by a line of code is not.
    drawn = sum(bool(_BOX_DRAWING.search(line) or _ASCII_ART.search(line)) for line in lines)
    if drawn >= 2 and drawn >= len(lines) / 3:
        return True
    code = [_TRAILING_COMMENT.sub("", line).strip() for line in lines]
    aligned = sum(bool(_ALIGNED.search(line)) for line in code)
    return aligned >= 2 and aligned >= len(lines) / 3


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
        if lines and _is_art(
            [line for line in _text(_COMMENT_SPAN.sub("", lines_html)).split("\n") if line.strip()]
        ):
            longest = min(max(len(line.rstrip()) for line in lines), MAX_ART)
            out.append(html[position : match.start(1)])
            out.append(f"{match.group(1)} art m{longest}")
            position = match.end(1)
    out.append(html[position:])
    return "".join(out)


ART_LENGTH = re.compile(r'class="[^"]*\bhighlight\b[^"]*\bart m(\d+)"')


def art_lengths(html: str) -> set[int]:
    """The longest-line lengths of the art blocks in a document (their `mN` classes)."""
    return {int(n) for n in ART_LENGTH.findall(html)}
