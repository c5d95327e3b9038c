"""Self-contained HTML of the same sheet: styles, fonts and images inlined as data URIs, so
one file can be mailed, published or previewed in a browser without the project folder.

The file is made for sharing, so only what is really an image (PNG, JPEG, GIF, WebP or SVG,
judged by its bytes, not its name) or a font is inlined: `![logo](../.env)` must not put the
project's secrets into a page that gets mailed around. Anything else is left out with a
located warning, and every fetch goes through the build's sandboxed fetcher.
"""

from __future__ import annotations

import base64
import html as html_module
import mimetypes
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from .config import SheetConfig
from .errors import warn
from .page import Theme
from .pdf import settings_css, write_atomically
from .sandbox import sniff_image

CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=)"([^"]+)"')
SCREEN_CSS = """
@media screen {
  html { background: #8a8f98; }
  body { box-sizing: border-box; width: min(100%, 297mm); margin: 1.5em auto; padding: 6mm;
         background: #fff; box-shadow: 0 2px 12px rgba(0, 0, 0, .35); }
}
"""


IMAGE_MIME = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "SVG": "image/svg+xml",
}
FONT_MAGIC = (b"wOFF", b"wOF2", b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")
Locate = Callable[[str], tuple[Path | None, int | None]]


def write_html(
    config: SheetConfig,
    theme: Theme,
    html: str,
    font_size: float,
    extra_css: str,
    renderer,
    locate: Locate | None = None,
    confine_to: Path | None = None,
) -> Path:
    """Write `<output>.html` next to the PDF, through the same sandboxed fetcher.

    `locate` finds the Markdown line that names a URL, for the warnings."""
    fetch = renderer.fetcher
    where = locate or (lambda url: (None, None))
    styles = []
    for path in theme.files:
        text = path.read_text(encoding="utf-8")
        styles.append(_inline_css_urls(text, path.resolve().as_uri(), fetch))
    styles.append(settings_css(config, font_size) + extra_css + SCREEN_CSS)
    style_block = "<style>\n" + "\n".join(styles) + "\n</style>\n"

    def inline_image(match: re.Match[str]) -> str:
        src = html_module.unescape(match.group(2))
        return match.group(1) + f'"{_image_data_uri(src, fetch, where) or ""}"'

    body = IMG_SRC.sub(inline_image, html)
    document = body.replace("</head>", style_block + "</head>", 1)
    target = config.output_path.with_suffix(".html")
    write_atomically(target, lambda handle: handle.write(document.encode("utf-8")), confine_to)
    return target


def _image_data_uri(url: str, fetch, locate: Locate) -> str | None:
    """An `<img>` inlined only if its bytes are an image; anything else is left out."""
    if url.startswith("data:"):
        return url
    data = _fetch(url, fetch)
    if data is None:
        return None  # refused or missing: the PDF build already warned about it
    kind = sniff_image(data)
    if kind is None:
        name = unquote(urlsplit(url).path).rsplit("/", 1)[-1] or url
        warn(
            f"'{name}' is not an image (PNG, JPEG, GIF, WebP or SVG); left out of the shared HTML",
            *locate(url),
            kind="not_inlined",
        )
        return None
    return f"data:{IMAGE_MIME[kind]};base64,{base64.b64encode(data).decode('ascii')}"


def _fetch(url: str, fetch) -> bytes | None:
    try:
        response = fetch(url)
        try:
            return response.read()
        finally:
            response.close()
    except (ValueError, OSError):
        return None


def _inline_css_urls(css: str, base: str, fetch) -> str:
    """A stylesheet's url()s (fonts and images) inlined; anything else becomes `none`."""

    def inline(match: re.Match[str]) -> str:
        url = match.group(2)
        if url.startswith("data:"):
            return match.group(0)
        data = _css_data_uri(urljoin(base, url), fetch)
        return f'url("{data}")' if data else "none"

    return CSS_URL.sub(inline, css)


def _css_data_uri(url: str, fetch) -> str | None:
    """Fetch through the sandbox; what it refuses is left out, never fetched another way."""
    data = _fetch(url, fetch)
    if data is None:
        return None
    kind = sniff_image(data)
    if kind is not None:
        mime = IMAGE_MIME[kind]
    elif data.startswith(FONT_MAGIC):
        mime = mimetypes.guess_type(unquote(urlsplit(url).path))[0] or "font/ttf"
    else:
        warn(f"'{url}' in a stylesheet is not an image or a font; left out of the shared HTML")
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
