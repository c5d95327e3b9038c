"""Allow-list sanitising of the HTML that Markdown produces, with nh3 (ammonia).

Notes copied from the web may carry raw HTML. Users rely on harmless tags (`<kbd>`, `<sup>`,
`<br>`, `<details>`), so those stay; anything that runs code, embeds other documents or
redirects (`<script>`, event handlers, `<iframe>`, `<object>`, `<embed>`, `<meta>`, `<link>`)
is dropped. `--safe` keeps only the markup Markdown itself generates.
"""

from __future__ import annotations

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
URL_SCHEMES = {"http", "https", "mailto", "file", "data", "emoji"}


def clean_html(html: str, safe: bool = False) -> str:
    """Sanitise one section's HTML; `safe` strips every tag Markdown did not generate."""
    return nh3.clean(
        html,
        tags=MARKDOWN_TAGS if safe else RAW_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ATTRIBUTES if safe else RAW_ATTRIBUTES,
        filter_style_properties=None if safe else STYLE_PROPERTIES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
