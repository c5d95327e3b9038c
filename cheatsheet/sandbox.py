"""The one place where file and network access is decided.

A build reads the project folder, the built-in templates and styles, the packaged emoji, and
files the user named on the command line; nothing else, and nothing from the network unless
`--allow-remote`. WeasyPrint fetches through `make_fetcher`; the tool's own reads go through
`require_inside`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import emoji
from .errors import CheatsheetError, warn


def is_inside(path: Path, roots: list[Path]) -> bool:
    """True if the real path (symlinks followed) lies in one of the roots."""
    real = path.resolve()
    return any(real.is_relative_to(root.resolve()) for root in roots)


def require_inside(path: Path, roots: list[Path], what: str, hint: str) -> Path:
    if not is_inside(path, roots):
        raise CheatsheetError(f"{what} is outside the project", file=path, hint=hint)
    return path


@dataclass
class FetchLog:
    """What the build refused to fetch, and images that were missing, for the report."""

    refused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def make_fetcher(allowed_roots: list[Path], allow_remote: bool = False, emoji_style: str = "color"):
    """A WeasyPrint URL fetcher that never leaves the allowed folders or goes online."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [root.resolve() for root in allowed_roots]

    class SandboxFetcher(URLFetcher):
        def __init__(self, **options) -> None:
            super().__init__(**options)
            self.state = FetchLog()

        def fetch(self, url: str, headers=None):  # type: ignore[override]
            scheme = urlsplit(url).scheme.lower()
            if scheme == "emoji":
                stem = url[len(emoji.SCHEME) :]
                return URLFetcherResponse(
                    url, emoji.svg_bytes(stem, emoji_style), {"Content-Type": "image/svg+xml"}
                )
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path))
                if not is_inside(path, roots):
                    self._refuse(url, "outside the project")
                if not path.exists():
                    self.state.missing.append(url)
                return super().fetch(url, headers)
            if scheme in ("http", "https"):
                if allow_remote:
                    return super().fetch(url, headers)
                self._refuse(url, "remote resources are off; --allow-remote fetches them")
            self._refuse(url, f"'{scheme}:' URLs are not fetched")

        def _refuse(self, url: str, why: str):
            if url not in self.state.refused:
                self.state.refused.append(url)
                warn(f"not fetched: {url} ({why})")
            raise ValueError(f"refused: {url}")

    return SandboxFetcher(timeout=5, allow_redirects=False)
