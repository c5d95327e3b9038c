"""The last fitted font size of each sheet, kept in the user's cache between runs (and the
balanced column height of a one-page sheet, at the end).

Fitting a sheet to its page budget takes 4-6 layouts from scratch, but the answer rarely
moves between two builds of the same sheet: `fit.fit_font_size` settles in one layout when
it is given the last answer and the pages of content it held (more content cannot make one
step up fit), and in two or three after an edit that shrank the content. Watch mode keeps
that answer in memory (`pipeline.BuildCache.fitted`); this keeps it on disk, so running
`cheatsheet` again after an edit (or with nothing changed) is as quick.

An answer is stored only when the search proved it (one step up was laid out and did not
fit, or it is the ceiling), and it is looked up by everything that shapes the layout except
the notes themselves: every sheet option but the output ones, the theme's files, the
project's templates and this program's files (by size and time), and this program's and
WeasyPrint's versions. A damaged or foreign entry is ignored.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from pathlib import Path

from . import cacheentry
from .config import SheetConfig

# Options that change what is written, not how the sheet is laid out.
NOT_LAYOUT = {"output", "html", "handout", "handout_sheet", "pdf_variant", "tagged", "strict"}
NOT_LAYOUT |= {"given"}
FORMAT = "1"


def sheet_key(config: SheetConfig, theme_files: tuple[Path, ...]) -> str:
    """Which sheet this is, as far as its layout goes (the notes' text excluded)."""
    from importlib.metadata import version

    digest = hashlib.sha256(FORMAT.encode())
    for field in dataclasses.fields(config):
        if field.name not in NOT_LAYOUT:
            digest.update(f"|{field.name}={getattr(config, field.name)!r}".encode())
    for path in theme_files:
        with contextlib.suppress(OSError):
            digest.update(path.read_bytes())
    for package in ("cheatsheet", "weasyprint"):
        with contextlib.suppress(Exception):
            digest.update(f"|{package} {version(package)}".encode())
    for folder in (Path(__file__).parent, config.project / "templates"):
        digest.update(_stamp(folder).encode())
    return digest.hexdigest()


def _stamp(folder: Path) -> str:
    """Names, sizes and modification times of the code and templates that shape the layout:
    an edited template, or this program changed without a new version (an editable install),
    must not reuse an answer found with the old one. A listing, not a read: ~0.2 ms."""
    entries: list[str] = []
    for sub in (folder, folder / "templates", folder / "styles"):
        with contextlib.suppress(OSError), os.scandir(sub) as found:
            for entry in found:
                if entry.is_file():
                    stat = entry.stat()
                    entries.append(f"{sub.name}/{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|" + ",".join(sorted(entries))


def _path(folder: Path | None, key: str) -> Path | None:
    return None if folder is None else folder / "fit" / f"{key[:32]}.json"


def load(folder: Path | None, key: str) -> tuple[float, float] | None:
    """(font size, pages of content it held) from the last proved fit, or None."""
    path = _path(folder, key)
    if path is None:
        return None
    data = cacheentry.read(path, key)
    if data is None:
        return None
    size, used = data.get("font_size"), data.get("used")
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (size, used))
    if not numbers or not (1 <= size <= 100 and 0 < used < 10_000):
        return None
    return float(size), float(used)


def store(folder: Path | None, key: str, font_size: float, used: float) -> None:
    """Keep a proved answer (atomically; a cache that cannot be written costs only time)."""
    path = _path(folder, key)
    if path is None:
        return
    cacheentry.write(path, key, {"font_size": font_size, "used": used})


# The balanced column height of a one-page sheet (`pdf.Renderer.balance_last_page`), by the
# exact HTML, extra CSS and size it was found for: the next build of the same notes lays
# the page out at that height at once instead of twice (seed --no-fit: one layout of two).
def balance_key(sheet: str, html: str, extra_css: str, font_size: float) -> str:
    digest = hashlib.sha256(f"balance|{FORMAT}|{sheet}|{font_size!r}|".encode())
    digest.update(html.encode())
    digest.update(b"|")
    digest.update(extra_css.encode())
    return digest.hexdigest()


def _balance_path(folder: Path | None, key: str) -> Path | None:
    return None if folder is None else folder / "balance" / f"{key[:32]}.json"


def load_balance(folder: Path | None, key: str) -> float | None:
    """The column height (px) balancing settled on for exactly this page, or None."""
    path = _balance_path(folder, key)
    data = cacheentry.read(path, key) if path is not None else None
    height = data.get("height") if data is not None else None
    if not isinstance(height, int | float) or isinstance(height, bool) or not 0 < height < 1e5:
        return None
    return float(height)


def store_balance(folder: Path | None, key: str, height: float) -> None:
    path = _balance_path(folder, key)
    if path is not None:
        cacheentry.write(path, key, {"height": round(height, 1)})
