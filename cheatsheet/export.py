"""Self-contained HTML of the same sheet: styles, fonts and images inlined as data URIs, so
one file can be mailed, published or previewed in a browser without the project folder."""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import SheetConfig
from .page import Theme
from .pdf import settings_css, write_atomically

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=)"([^"]+)"')
SCREEN_CSS = """
@media screen {
  html { background: #8a8f98; }
  body { box-sizing: border-box; width: min(100%, 297mm); margin: 1.5em auto; padding: 6mm;
         background: #fff; box-shadow: 0 2px 12px rgba(0, 0, 0, .35); }
}
"""


def write_html(
    config: SheetConfig, theme: Theme, html: str, font_size: float, extra_css: str, renderer
) -> Path:
    """Write `<output>.html` next to the PDF, through the same sandboxed fetcher."""
    fetch = renderer.fetcher
    styles = []
    for path in theme.files:
        text = path.read_text(encoding="utf-8")
        styles.append(_inline_css_urls(text, path.resolve().as_uri(), fetch))
    styles.append(settings_css(config, font_size) + extra_css + SCREEN_CSS)
    style_block = "<style>\n" + "\n".join(styles) + "\n</style>\n"
    body = IMG_SRC.sub(lambda m: m.group(1) + f'"{_data_uri(m.group(2), fetch) or ""}"', html)
    document = body.replace("</head>", style_block + "</head>", 1)
    target = config.output_path.with_suffix(".html")
    write_atomically(target, lambda handle: handle.write(document.encode("utf-8")))
    return target


def _inline_css_urls(css: str, base: str, fetch) -> str:
    def inline(match: re.Match[str]) -> str:
        url = match.group(2)
        if url.startswith("data:"):
            return match.group(0)
        data = _data_uri(urljoin(base, url), fetch)
        return f'url("{data}")' if data else "none"

    return CSS_URL.sub(inline, css)


def _data_uri(url: str, fetch) -> str | None:
    """Fetch through the sandbox; what it refuses is left out, never fetched another way."""
    if url.startswith("data:"):
        return url
    try:
        response = fetch(url)
        data = response.read()
    except (ValueError, OSError):
        return None
    mime = response.content_type if response.content_type != "application/octet-stream" else None
    mime = (
        mime or mimetypes.guess_type(unquote(urlsplit(url).path))[0] or "application/octet-stream"
    )
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
