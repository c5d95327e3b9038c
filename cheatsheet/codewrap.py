"""Where a long code line may wrap, and which blocks shrink instead of wrapping.

Break opportunities: WeasyPrint cannot wrap a word that spans several inline boxes
(Kozea/WeasyPrint#1614), so Pygments' token spans need explicit `<wbr>` between them. Placed
at every boundary they let a line wrap before `)` or `,` and leave a continuation line that
holds only `):`, or split `10.0.0.1` into `10.0` and `.0.1`. A person wraps at spaces and
after an opening bracket or an operator, never before closing punctuation, inside a dotted
name or inside a number; these are the rules below. `overflow-wrap: anywhere` (base.css)
stays as the last resort for a single token longer than the line.

Shrinking: an aligned table, a tree or ASCII art read wrong when wrapped. Such blocks get the
class `art` and the bucket of their longest line (`m80`: 80-84 characters); the layout stage
asks `art_css` for a smaller type size per bucket, never below the configured floor, so the
block fits its column without wrapping whenever the floor allows.
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
ART_BUCKET = 5
MAX_ART = 200


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
    aligned = sum(bool(_ALIGNED.search(line.strip())) for line in lines)
    return aligned >= 2 and aligned >= len(lines) / 3


def mark_art_blocks(html: str) -> str:
    """Class `art mN` on highlight blocks that should shrink rather than wrap."""
    out, position = [], 0
    for match in _BLOCK.finditer(html):
        end = html.find("</pre>", match.end())
        if end < 0:
            break
        block = html[match.end() : end]
        lines_html = block.replace('<span class="cl', '\n<span class="cl')
        text = html_module.unescape(re.sub(r"<[^>]+>", "", lines_html))
        lines = [line for line in text.split("\n") if line.strip()]
        if lines and _is_art(lines):
            longest = max(len(line.rstrip()) for line in lines)
            bucket = min(longest // ART_BUCKET * ART_BUCKET, MAX_ART)
            out.append(html[position : match.start(1)])
            out.append(f"{match.group(1)} art m{bucket}")
            position = match.end(1)
    out.append(html[position:])
    return "".join(out)


def art_css(chars_per_line: float, code_pt: float, floor_pt: float) -> str:
    """Type sizes that make each `art` bucket fit `chars_per_line` (estimated at `code_pt`),
    down to `floor_pt`; below the floor the block wraps like any other."""
    rules = []
    for bucket in range(ART_BUCKET, MAX_ART + 1, ART_BUCKET):
        needed = bucket + ART_BUCKET  # the bucket's longest line
        if needed <= chars_per_line:
            continue
        size = max(floor_pt, code_pt * chars_per_line / needed)
        rules.append(f".highlight.art.m{bucket} pre {{ font-size: {size:.2f}pt; }}")
    return "\n".join(rules) + "\n" if rules else ""
