"""Allow-list sanitising of the HTML that Markdown produces, with nh3 (ammonia).

Notes copied from the web may carry raw HTML. Users rely on harmless tags (`<kbd>`, `<sup>`,
`<br>`, `<details>`), so those stay; anything that runs code, embeds other documents or
redirects (`<script>`, event handlers, `<iframe>`, `<object>`, `<embed>`, `<meta>`, `<link>`)
is dropped. `--safe` keeps only the markup Markdown itself generates.
"""

from __future__ import annotations

import re

import nh3

# What Python-Markdown and our extensions (highlight, footnotes, task lists) emit.
MARKDOWN_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "pre", "code", "span", "a",
    "img", "table", "thead", "tbody", "tr", "th", "td", "blockquote", "em", "strong", "del",
    "ins", "sup", "sub", "hr", "br", "dl", "dt", "dd", "div", "input", "label", "mark", "abbr",
}  # fmt: skip
RAW_TAGS = MARKDOWN_TAGS | {
    "kbd", "samp", "var", "details", "summary", "b", "i", "u", "s", "small", "big", "q", "cite",
    "dfn", "time", "figure", "figcaption", "caption", "col", "colgroup", "tfoot", "center",
    "section", "article", "aside", "header", "footer", "nav", "ruby", "rt", "rp", "wbr", "bdi",
    "bdo", "font", "tt", "strike",
}  # fmt: skip
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start", "type"},
    "li": {"value"},
    "details": {"open"},
    "time": {"datetime"},
    "abbr": {"title"},
}
RAW_ATTRIBUTES = {**ATTRIBUTES, "*": ATTRIBUTES["*"] | {"style"}}
STYLE_PROPERTIES = {
    "color", "background-color", "font-weight", "font-style", "font-size", "text-align",
    "text-decoration", "vertical-align", "width", "height", "max-width", "white-space",
}  # fmt: skip
# `javascript` only so that the filter below sees such links (and warns) instead of nh3
# dropping them silently; no element keeps one.
URL_SCHEMES = {"http", "https", "mailto", "file", "data", "emoji", "javascript"}
# Links in a PDF become URI actions: only the web, mail and the document itself. `data:`,
# `javascript:` and `file:` are attacks or leaks; a relative link would become
# `file:///home/<user>/...` (the author's path) in the PDF.
LINK_SCHEMES = ("http://", "https://", "mailto:")
# Inline elements nested deeper than this lose their tags (their text stays). WeasyPrint lays
# out nested inline boxes that have padding, a border or a margin in time that doubles with
# every level: 20 nested <kbd> or <code> took 67 s of CPU, and a style attribute can give any
# <span> a padding. Eight levels is more than any Markdown or honest HTML writes.
MAX_INLINE_DEPTH = 8
INLINE_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
    "sup", "time", "tt", "u", "var",
}  # fmt: skip
# A tag of nh3's serialised output; each alternative of an attribute starts with a different
# character, so the match is linear in the tag's length.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
# Cells spanning more than this are clamped: `<td colspan="100000000">` made the layout
# allocate gigabytes (the HTML standard's own limits are 1000 and 65534).
MAX_COLSPAN = 100
MAX_ROWSPAN = 1000


def clean_html(html: str, safe: bool = False, dropped: list[str] | None = None) -> str:
    """Sanitise one section's HTML; `safe` strips every tag Markdown did not generate.

    Links that are not http(s), mailto or `#in-document` lose their target (the text stays)
    and are appended to `dropped`, so the caller can warn with the line they come from."""

    def attribute(element: str, name: str, value: str) -> str | None:
        if element == "a" and name == "href":
            return _allowed_link(value, dropped)
        if name in ("src", "href") and value.strip().lower().startswith("javascript:"):
            return None
        if name in ("colspan", "rowspan"):
            return _clamped_span(value, MAX_COLSPAN if name == "colspan" else MAX_ROWSPAN)
        return value

    return flatten_deep_inline(
        nh3.clean(
            html,
            tags=MARKDOWN_TAGS if safe else RAW_TAGS,
            clean_content_tags=DROPPED_WITH_CONTENT,
            attributes=ATTRIBUTES if safe else RAW_ATTRIBUTES,
            attribute_filter=attribute,
            filter_style_properties=None if safe else STYLE_PROPERTIES,
            url_schemes=URL_SCHEMES,
            link_rel=None,
            strip_comments=True,
        )
    )


def flatten_deep_inline(html: str, limit: int = MAX_INLINE_DEPTH) -> str:
    """Drop the tags of inline elements nested more than `limit` deep, keeping their text.

    Works on nh3's output, where every tag is balanced and `<` in text is escaped."""
    pieces: list[str] = []
    kept: list[bool] = []  # one entry per open inline element: were its tags kept?
    depth = 0
    position = 0
    for tag in _TAG.finditer(html):
        name = tag.group(2).lower()
        if name not in INLINE_TAGS:
            continue
        if tag.group(1):  # closing
            if not kept:
                continue
            keep = kept.pop()
            depth -= keep
        else:
            keep = depth < limit
            kept.append(keep)
            depth += keep
        if not keep:
            pieces.append(html[position : tag.start()])
            position = tag.end()
    if position == 0:
        return html
    pieces.append(html[position:])
    return "".join(pieces)


def _allowed_link(url: str, dropped: list[str] | None) -> str | None:
    stripped = url.strip()
    if stripped.startswith("#") or stripped.lower().startswith(LINK_SCHEMES):
        return url
    if dropped is not None:
        dropped.append(url)
    return None


def _clamped_span(value: str, limit: int) -> str | None:
    digits = value.strip()
    if not digits.isdigit():
        return None  # not a number: the cell spans one column, as browsers read it
    return str(max(1, min(int(digits[:12]), limit)))
