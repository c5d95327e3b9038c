"""The one place where file and network access is decided.

A build reads the project folder, the built-in templates and styles, the packaged emoji, and
files the user named on the command line; nothing else, and nothing from the network unless
`--allow-remote`. WeasyPrint fetches through `make_fetcher`; the tool's own reads go through
`require_inside` and `is_regular_file`.

What the fetcher hands WeasyPrint is also checked for size: notes are written by strangers,
and a 2 KB SVG of nested `<use>` references or a 32 KB PNG of 12000x12000 pixels would
otherwise cost minutes of CPU or gigabytes of memory. Such a resource is refused like a
forbidden URL (a warning, the alt text prints instead) and the build goes on.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import stat
import warnings
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import emoji
from .errors import CheatsheetError

# Resource limits (see module docstring). Generous for real notes: a formula's SVG is a few
# KB with a few hundred elements; a 300 dpi scan of an A4 page is 8.7 megapixels.
MAX_RESOURCE_BYTES = 32 * 2**20
MAX_SVG_BYTES = 4 * 2**20
MAX_SVG_DEPTH = 64
MAX_SVG_ELEMENTS = 100_000  # after expanding every <use> (what the renderer will draw)
MAX_IMAGE_PIXELS = 50_000_000
RASTER_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class ResourceRefused(ValueError):
    """A fetched resource is too big to render safely. A ValueError, which WeasyPrint
    treats like any failed fetch: the image is left out and its alt text printed."""


def is_inside(path: Path, roots: list[Path]) -> bool:
    """True if the real path (symlinks followed) lies in one of the roots.

    A path that cannot be resolved (a symlink loop, a NUL byte) is not inside anything.
    """
    try:
        real = path.resolve()
        return any(real.is_relative_to(root.resolve()) for root in roots)
    except (OSError, RuntimeError, ValueError):
        return False


def require_inside(path: Path, roots: list[Path], what: str, hint: str) -> Path:
    if not is_inside(path, roots):
        raise CheatsheetError(f"{what} is outside the project", file=path, hint=hint)
    return path


def is_regular_file(path: Path) -> bool:
    """True only for a plain file (symlinks followed). A FIFO, socket or device named like a
    note or an image would block the build forever or read without end; a symlink loop or a
    name with a NUL byte is simply not a file."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def file_problem(path: Path) -> str | None:
    """Why a path cannot be read as a file, in words, or None when it can."""
    try:
        mode = os.stat(path).st_mode
    except ValueError:
        return "the name contains a NUL byte"
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop"
        return exc.strerror or str(exc)
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a pipe, socket or device)"
    return None


def local_path(url: str) -> Path | None:
    """The file a `file:` URL names, or None if it cannot name one (e.g. `%00` in it)."""
    path = unquote(urlsplit(url).path)
    return None if "\x00" in path else Path(path)


@dataclass
class FetchLog:
    """What the build refused to fetch (and why), and images that were missing, for the
    report."""

    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    def copy(self) -> FetchLog:
        return FetchLog(list(self.refused), list(self.missing), dict(self.reasons))


def sniff_image(data: bytes) -> str | None:
    """'PNG', 'JPEG', 'GIF', 'WEBP' or 'SVG' from the bytes themselves, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if _looks_like_svg(data):
        return "SVG"
    return None


def _looks_like_svg(data: bytes) -> bool:
    """An XML document whose root element is `<svg>` (declaration, comments and doctype
    skipped by hand: a regex for this would backtrack on a run of comments)."""
    head = data[:8192].removeprefix(b"\xef\xbb\xbf").lstrip()
    for _ in range(64):
        for start, end in ((b"<?", b"?>"), (b"<!--", b"-->"), (b"<!", b">")):
            if head.startswith(start):
                close = head.find(end, len(start))
                if close < 0:
                    return False
                head = head[close + len(end) :].lstrip()
                break
        else:
            break
    return head[:4].lower() == b"<svg" and head[4:5] in (b" ", b">", b"\n", b"\t", b"\r")


def check_resource(data: bytes, content_type: str = "") -> None:
    """Raise `ResourceRefused` for an image that would cost too much to render."""
    if len(data) > MAX_RESOURCE_BYTES:
        raise ResourceRefused(f"{len(data) / 2**20:.0f} MB, over {MAX_RESOURCE_BYTES >> 20} MB")
    kind = sniff_image(data)
    if kind == "SVG" or (kind is None and "svg" in content_type):
        check_svg(data)
    elif kind in RASTER_FORMATS:
        check_pixels(data)


def check_pixels(data: bytes) -> None:
    """Refuse rasters whose decoded size is out of proportion (read from the header only)."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning: we decide
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        raise ResourceRefused("image has too many pixels") from None
    except Exception:  # not decodable: WeasyPrint will say so and print the alt text
        return
    if width * height > MAX_IMAGE_PIXELS:
        raise ResourceRefused(
            f"image is {width}x{height} pixels, over the limit of "
            f"{MAX_IMAGE_PIXELS / 1e6:g} megapixels"
        )


def check_svg(data: bytes) -> None:
    """Refuse SVGs too big, too deep, or whose `<use>` references expand past the limit."""
    if len(data) > MAX_SVG_BYTES:
        raise ResourceRefused(f"SVG is {len(data) >> 10} KB, over {MAX_SVG_BYTES >> 10} KB")
    if re.search(rb"<!ENTITY", data, re.IGNORECASE):
        raise ResourceRefused("SVG declares XML entities")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return  # not well-formed: WeasyPrint refuses it itself
    if _depth(root) > MAX_SVG_DEPTH:
        raise ResourceRefused(f"SVG is nested over {MAX_SVG_DEPTH} levels deep")
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    _expanded_size(root, ids)


def _depth(root: ElementTree.Element) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        element, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_SVG_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in element)
    return deepest


def _href(element: ElementTree.Element) -> str:
    for key, value in element.attrib.items():
        if key == "href" or key.endswith("}href"):
            return value
    return ""


def _expanded_size(root: ElementTree.Element, ids: dict[str, ElementTree.Element]) -> int:
    """How many elements the renderer draws once every `<use>` is replaced by its target;
    stops as soon as the count passes the limit, so a bomb costs microseconds to detect."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(element: ElementTree.Element, chain: int) -> int:
        key = id(element)
        if key in memo:
            return memo[key]
        if key in active:
            raise ResourceRefused("SVG <use> references form a loop")
        if chain > MAX_SVG_DEPTH:
            raise ResourceRefused(f"SVG references are nested over {MAX_SVG_DEPTH} levels")
        active.add(key)
        total = 1
        for child in element:
            total += size(child, chain + 1)
        if element.tag.rsplit("}", 1)[-1] == "use":
            target = ids.get(_href(element).lstrip("#"))
            if target is not None:
                total += size(target, chain + 1)
        active.discard(key)
        if total > MAX_SVG_ELEMENTS:
            raise ResourceRefused(
                f"SVG expands to over {MAX_SVG_ELEMENTS:,} elements (nested <use> references)"
            )
        memo[key] = total
        return total

    return size(root, 0)


def make_fetcher(allowed_roots: list[Path], allow_remote: bool = False, emoji_style: str = "color"):
    """A WeasyPrint URL fetcher that never leaves the allowed folders or goes online."""
    from email.message import EmailMessage

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [root.resolve() for root in allowed_roots]
    # One parsed header for every emoji: WeasyPrint parses a dict of headers with the email
    # package at each response (~0.5 ms, 0.5 s for the emoji sheet's 1500 emoji).
    svg_headers = EmailMessage()
    svg_headers["Content-Type"] = "image/svg+xml"

    class SandboxFetcher(URLFetcher):
        def __init__(self, **options) -> None:
            super().__init__(**options)
            self.state = FetchLog()
            # Verdicts by content hash: fitting lays the sheet out several times, and the
            # same formula images are fetched on every layout.
            self.verdicts: dict[bytes, str | None] = {}
            # What each URL served, by content hash: the drawing cache keys an SVG's drawing
            # on it (`drawcache._key`) instead of serialising the parsed tree again.
            self.digests: dict[str, str] = {}

        def fetch(self, url: str, headers=None):  # type: ignore[override]
            scheme = urlsplit(url).scheme.lower()
            if scheme == "emoji":
                stem = url[len(emoji.SCHEME) :]
                data = emoji.svg_bytes(stem, emoji_style)
                self.digests[url] = hashlib.blake2b(data, digest_size=16).hexdigest()
                return URLFetcherResponse(url, data, svg_headers)
            if scheme == "data":
                return self._checked(url, super().fetch(url, headers))
            if scheme == "file":
                path = local_path(url)
                if path is None:
                    self._refuse(url, "the file name contains a NUL byte")
                if not is_inside(path, roots) and file_problem(path) != "symlink loop":
                    self._refuse(url, "outside the project")
                problem = file_problem(path)
                if problem == "not found":
                    self.state.missing.append(url)
                elif problem:
                    self._refuse(url, problem)
                return self._checked(url, super().fetch(url, headers))
            if scheme in ("http", "https"):
                if allow_remote:
                    return self._checked(url, super().fetch(url, headers))
                self._refuse(url, "remote resources are off; --allow-remote fetches them")
            self._refuse(url, f"'{scheme}:' URLs are not fetched")

        def _checked(self, url: str, response):
            """Read the body (bounded) and refuse it if it would be a resource bomb."""
            try:
                data = response.read(MAX_RESOURCE_BYTES + 1)
            finally:
                response.close()
            key = hashlib.blake2b(data, digest_size=16).digest()
            self.digests[url] = key.hex()
            if key not in self.verdicts:
                try:
                    check_resource(data, response.content_type)
                    self.verdicts[key] = None
                except ResourceRefused as exc:
                    self.verdicts[key] = str(exc)
            if self.verdicts[key] is not None:
                self._refuse(url, self.verdicts[key])
            return URLFetcherResponse(url, data, response.headers, response.status)

        def _refuse(self, url: str, why: str):
            if url not in self.state.refused:
                self.state.refused.append(url)
                self.state.reasons[url] = why
            raise ResourceRefused(f"refused: {url}")

    return SandboxFetcher(timeout=5, allow_redirects=False)
