"""HTML -> laid-out document -> PDF file, with WeasyPrint.

Layout is separate from writing so that fitting can lay out several times and write once,
and every fetch goes through one sandboxed fetcher.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from .config import SheetConfig, to_mm
from .errors import CheatsheetError
from .markdown import indent_css, long_block_css, wrap_mark_css
from .page import Theme
from .sandbox import make_fetcher


def settings_css(config: SheetConfig, font_size: float) -> str:
    """The config's share of the style: page box, columns, and the base size all scales from."""
    return (
        f"@page {{ size: {config.paper} {config.orientation}; margin: {config.margin}; }}\n"
        f"html {{ font-size: {font_size:.3f}pt; }}\n"
        f".sheet {{ column-count: {config.columns}; column-gap: {config.column_gap}; }}\n"
        + indent_css()
        + wrap_mark_css(code_chars_per_line(config, font_size))
        + long_block_css(*rows_per_column(config, font_size))
    )


CODE_SIZE = 0.92  # pre's font size in em (base.css)
MONO_ADVANCE = 0.602  # em: DejaVu Sans Mono's advance width


def code_chars_per_line(config: SheetConfig, font_size: float) -> float:
    """About how many code characters fit on a line of one column (a little optimistic is
    wrong, so the estimate errs low)."""
    width_mm, _ = config.page_size_mm
    extra = to_mm(config.binding) if config.duplex else 0
    text_mm = width_mm - 2 * to_mm(config.margin) - extra
    column_mm = (text_mm - (config.columns - 1) * to_mm(config.column_gap)) / config.columns
    code_pt = CODE_SIZE * font_size
    usable_pt = column_mm * 72 / 25.4 - 0.9 * code_pt  # padding and the border
    return 0.9 * usable_pt / (MONO_ADVANCE * code_pt)


TABLE_ROW = 0.9 * (1.15 + 0.2)  # em: table type, line height and cell padding (base.css)
CODE_LINE = CODE_SIZE * 1.2  # em: code type and line height


def rows_per_column(config: SheetConfig, font_size: float) -> tuple[float, float]:
    """About how many table rows and code lines one column holds, erring low: a block that
    may not fit is allowed to break rather than strand its heading."""
    _, height_mm = config.page_size_mm
    column_pt = (height_mm - 2 * to_mm(config.margin)) * 72 / 25.4 - 6 * font_size  # header
    return (0.85 * column_pt / (TABLE_ROW * font_size), 0.85 * column_pt / (CODE_LINE * font_size))


class Renderer:
    """Holds what can be reused between layouts: fonts, parsed stylesheets, the fetcher."""

    def __init__(self, config: SheetConfig, theme: Theme, allowed_roots: list[Path]):
        _quiet_weasyprint()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.config = config
        self.font_config = FontConfiguration()
        self.fetcher = make_fetcher(
            allowed_roots, allow_remote=config.allow_remote, emoji_style=theme.emoji_style
        )
        try:
            self.stylesheets = [
                CSS(filename=str(path), url_fetcher=self.fetcher, font_config=self.font_config)
                for path in theme.files
            ]
        except OSError as exc:
            raise CheatsheetError(f"cannot read stylesheet: {exc}") from None
        # Stylesheets are parsed once; what they asked for is reported on every build.
        self.stylesheet_log = self.fetcher.state

    def fresh_log(self) -> None:
        """Start a build's fetch log, keeping what the parsed stylesheets were refused."""
        self.fetcher.state = self.stylesheet_log.copy()

    def layout(self, html: str, font_size: float, extra_css: str = ""):
        """Lay out the document at one base font size (about a second for a full page)."""
        from weasyprint import CSS, HTML

        settings = CSS(
            string=settings_css(self.config, font_size) + extra_css, font_config=self.font_config
        )
        document = HTML(
            string=html, base_url=str(self.config.project) + os.sep, url_fetcher=self.fetcher
        )
        return document.render(
            stylesheets=[*self.stylesheets, settings], font_config=self.font_config
        )


class GlyphLog(logging.Handler):
    """Collects the characters WeasyPrint draws as .notdef (no font had a glyph)."""

    NOTDEF = re.compile(r"unsupported by fonts: \"(.+)\" \(U\+([0-9A-F]+)\)")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        match = self.NOTDEF.search(record.getMessage())
        if match:
            char = chr(int(match.group(2), 16))
            self.missing[char] = self.missing.get(char, 0) + 1


def pdf_options(config: SheetConfig, identity: str) -> dict[str, object]:
    """WeasyPrint options: archival/accessible variants, and a stable file identifier so the
    same sources give the same bytes."""
    return {
        "pdf_variant": config.pdf_variant or None,
        "pdf_tags": config.tagged or config.pdf_variant.startswith("pdf/ua"),
        "pdf_identifier": hashlib.sha256(identity.encode()).hexdigest()[:32].encode(),
    }


def write_pdf(document, path: Path, confine_to: Path | None = None, **options) -> dict[str, int]:
    """Write the PDF atomically; return the characters drawn without a glyph, with counts."""
    glyphs = GlyphLog()
    weasy_log = logging.getLogger("weasyprint")
    weasy_log.addHandler(glyphs)
    weasy_log.setLevel(logging.WARNING)
    try:
        write_atomically(
            path, lambda handle: document.write_pdf(target=handle, **options), confine_to
        )
    finally:
        weasy_log.removeHandler(glyphs)
        weasy_log.setLevel(logging.ERROR)
    return glyphs.missing


def write_atomically(
    path: Path, write: Callable[[BinaryIO], object], confine_to: Path | None = None
) -> None:
    """Write next to the destination, then rename: an old good file survives any failure.

    Temporary names carry the writer's process id, so builds running at the same time never
    remove each other's files; only temporaries of processes that no longer exist (a build
    killed with SIGKILL) are cleaned up. With `confine_to` (the project), a destination whose
    real folder lies elsewhere (an `output` folder that is a symlink out of the project) is
    refused: only a path named on the command line may point outside.
    """
    folder = path.parent
    if path.is_dir():
        raise CheatsheetError("output path is a folder", file=path, hint="give a file name")
    if confine_to is not None:
        _refuse_outside(folder, confine_to)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed below, then renamed
            dir=folder, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", delete=False
        )
    except OSError as exc:
        raise CheatsheetError(
            f"cannot write to the output folder ({exc.strerror})",
            file=folder,
            hint="choose another --output or fix the folder's permissions",
        ) from None
    temp = Path(handle.name)
    _remove_stale_temps(path)
    try:
        with handle:
            write(handle)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        raise CheatsheetError(
            f"writing failed ({exc.strerror or exc}); the previous file is unchanged", file=path
        ) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _refuse_outside(folder: Path, root: Path) -> None:
    """The nearest existing ancestor of the folder, symlinks followed, must be in `root`."""
    existing = folder
    while not existing.exists() and existing != existing.parent and not existing.is_symlink():
        existing = existing.parent
    try:
        inside = existing.resolve(strict=True).is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        inside = False  # a dangling symlink or a loop: not somewhere we write
    if not inside:
        raise CheatsheetError(
            "output folder leads outside the project (a symlink?)",
            file=folder,
            hint="give the output path on the command line (--output) to write there",
        )


STALE_UNOWNED_SECONDS = 3600  # temporaries without an owner pid (older versions)


def _remove_stale_temps(path: Path) -> None:
    """A build killed with SIGKILL cannot clean up; the next one does, but only for
    temporaries whose writing process is gone."""
    prefix = f".{path.name}."
    for stale in path.parent.glob(f"{glob.escape(prefix)}*.tmp"):
        owner = stale.name[len(prefix) :].split(".", 1)[0]
        if owner.isascii() and owner.isdigit():
            if _process_alive(int(owner)):
                continue
        else:
            with contextlib.suppress(OSError):
                if time.time() - stale.stat().st_mtime < STALE_UNOWNED_SECONDS:
                    continue
        with contextlib.suppress(OSError):
            stale.unlink()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process (or an absurd number): leave it alone
    return True


def _quiet_weasyprint() -> None:
    """WeasyPrint logs every CSS it ignores; keep real problems only, ours are reported."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint").propagate = False
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
