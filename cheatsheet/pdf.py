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

from .codewrap import art_css
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
        + long_block_css(*rows_per_column(config, font_size, MOVABLE_BLOCK))
        + FULL_COLUMNS_CSS
        + art_css(
            code_chars_per_line(config, font_size), CODE_SIZE * font_size, config.min_type_size
        )
    )


# A code block or table up to this fraction of a column moves whole to the next column when
# it does not fit (wasting at most that much of a column); a taller one breaks at a line or
# row boundary instead, so columns stay full (issue #14, "full columns").
MOVABLE_BLOCK = 0.15

# Breaking rules that keep columns full and text together (issue #14, items 2 and 5):
# - a breakable code block or table keeps at least two lines or rows on each side of a
#   break; the code wrapper defers to the `pre` inside it; a table repeats its header row;
# - a pseudo-heading (`p.lead`: a bold-only line, or a line ending in ":" before a list or
#   table) stays with what follows, like a heading. A ":" line before a code block is
#   marked (`p.lead.intro`) but not kept with it: WeasyPrint honours that `avoid` by
#   leaving up to a third of a column empty (measured on docker-cheat-sheet-ru);
# - authors' manual column breaks: `<!-- column -->` or the class `break-column` (a page
#   break inside the columns is not honoured by WeasyPrint 70, so none is offered).
FULL_COLUMNS_CSS = """\
.highlight { break-inside: auto; }
pre > code { display: block; break-before: avoid; }
pre .cl:first-child, tbody > tr:first-child { break-after: avoid; }
pre .cl:last-child, tbody > tr:last-child { break-before: avoid; }
p.lead { break-after: avoid; break-inside: avoid; }
p.lead.intro { break-after: auto; }
p.lead.intro:has(+ ul, + ol, + dl, + table) { break-after: avoid; }
.break-column { break-before: column; }
div.break-column { height: 0; margin: 0; }
"""


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


def rows_per_column(
    config: SheetConfig, font_size: float, fraction: float = 0.85
) -> tuple[float, float]:
    """About how many table rows and code lines fill `fraction` of one column."""
    _, height_mm = config.page_size_mm
    column_pt = (height_mm - 2 * to_mm(config.margin)) * 72 / 25.4 - 6 * font_size  # header
    return (
        fraction * column_pt / (TABLE_ROW * font_size),
        fraction * column_pt / (CODE_LINE * font_size),
    )


MANUAL_BREAK = re.compile(r"<!--\s*(column)(?:[ -]?break)?\s*-->", re.IGNORECASE)
LEAD_FOLLOWERS = (
    "<ul",
    "<ol",
    "<pre",
    "<table",
    "<dl",
    '<div class="highlight',
    '<div class="language-',
)
LONE_BOLD = re.compile(r"\s*<(strong|b)>[^<]*</\1>\s*:?\s*")
EMOJI_AT_LINE_END = re.compile(r" (<img class=\"emoji\"[^>]*>)(?=\s*(?:</|<br))")


def layout_hints(html: str) -> str:
    """Markup the layout rules need: manual breaks, pseudo-headings, emoji kept on the line.

    - `<!-- column -->` (also `column break`) becomes a column break;
    - a paragraph that is only bold text, or that ends with ":" right before a list, code
      block or table, is a pseudo-heading (`p.lead`): it stays with what follows;
    - an emoji that ends a line of text is tied to the word before it (no-break space),
      so it never wraps onto a line of its own.
    One linear pass each (plain `find` for paragraphs): no backtracking on user text.
    """
    html = MANUAL_BREAK.sub(lambda m: f'<div class="break-{m.group(1).lower()}"></div>', html)
    html = EMOJI_AT_LINE_END.sub("\u00a0\\1", html)
    out, position = [], 0
    while (start := html.find("<p>", position)) != -1:
        end = html.find("</p>", start)
        if end == -1:
            break
        inner = html[start + 3 : end]
        after = html[end + 4 : end + 64].lstrip()
        if LONE_BOLD.fullmatch(inner) is not None:
            tag = '<p class="lead">'
        elif inner.rstrip().endswith(":") and after.startswith(LEAD_FOLLOWERS):
            tag = '<p class="lead intro">'
        else:
            tag = "<p>"
        out.append(html[position:start])
        out.append(tag)
        position = start + 3
    out.append(html[position:])
    return "".join(out)


class Renderer:
    """Holds what can be reused between layouts: fonts, parsed stylesheets, the fetcher."""

    def __init__(self, config: SheetConfig, theme: Theme, allowed_roots: list[Path]):
        _quiet_weasyprint()
        draw_each_svg_once()
        lay_out_columns_once()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.config = config
        self._hinted: tuple[str | None, object] = (None, None)  # the last HTML, parsed, hinted
        self._images: dict = {}  # WeasyPrint's images of that HTML, by URL
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

        if self._hinted[0] is not html:
            # Parsed once per HTML, with its images: fitting lays the same HTML out at
            # several sizes (~0.04 s of parsing, and the SVG parses, per layout).
            hinted = HTML(
                string=layout_hints(html),
                base_url=str(self.config.project) + os.sep,
                url_fetcher=self.fetcher,
            )
            self._hinted = (html, hinted)
            self._images: dict = {}
        settings = CSS(
            string=settings_css(self.config, font_size) + extra_css, font_config=self.font_config
        )
        return self._hinted[1].render(
            stylesheets=[*self.stylesheets, settings],
            font_config=self.font_config,
            cache=self._images,
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


def draw_each_svg_once() -> None:
    """Draw every SVG image (emoji, formulas) once per size into a PDF form and reuse it.

    WeasyPrint 70 walks and draws an SVG's whole tree at every use (`SVGImage.draw`: about
    13 ms for an OpenMoji emoji; the emoji sheet uses thousands), while a raster image is
    embedded once. The first use at a size is drawn into a form XObject in the document's
    shared resources; later uses are one `Do` operator. Tagged PDFs draw as before: marked
    content inside a shared form would break the structure tree.
    """
    from weasyprint.images import SVGImage

    if getattr(SVGImage.draw, "draws_once", False):
        return
    draw_each_time = SVGImage.draw

    def draw(self, stream, concrete_width, concrete_height, style):
        if getattr(stream, "_tags", None) is not None:
            return draw_each_time(self, stream, concrete_width, concrete_height, style)
        key = (round(concrete_width, 3), round(concrete_height, 3))
        forms = self.__dict__.setdefault("_cheatsheet_forms", {})
        seen = forms.get(key)
        if seen is None or seen[0] is not stream._resources:
            forms[key] = (stream._resources, None)  # used once so far: no form's overhead
            return draw_each_time(self, stream, concrete_width, concrete_height, style)
        resources, name = seen
        if name is None:
            # A roomy box: glyph overhangs of a formula must not be clipped.
            form = stream.add_group(
                -concrete_width, -concrete_height, 3 * concrete_width, 3 * concrete_height
            )
            del form.extra["Group"]  # a plain form: no transparency group (PDF/A-1 safe)
            draw_each_time(self, form, concrete_width, concrete_height, style)
            name = form.id
            forms[key] = (resources, name)
        stream.draw_x_object(name)

    draw.draws_once = True  # type: ignore[attr-defined]
    SVGImage.draw = draw  # type: ignore[method-assign]


HEIGHT_SEARCH = """\
        page_is_empty = stop_rendering = balancing = False
        while True:
"""
ONE_PASS = """\
        page_is_empty = stop_rendering = balancing = False
        search_height = (
            style['column_fill'] == 'balance' or index != columns_and_blocks[-1][0]
            or context.footnotes or context.current_page_footnotes)
        while search_height:
"""


def lay_out_columns_once() -> None:
    """Skip WeasyPrint's column-height search where it cannot change the result.

    `weasyprint.layout.column.columns_layout` (WeasyPrint 70) lays out every page's columns
    twice: a search pass that tries heights for balancing, and the real pass. With
    `column-fill: auto` on the last run of columns (no spanning block after it) and no
    footnotes, the search always ends at the full height, and its boxes are thrown away;
    it also lays out the rest of the flow once per column to measure the next box. Skipping
    it halves the layout time of a multi-column sheet and gives the same boxes (the
    layout tests compare pixels). Another WeasyPrint version is left alone.
    """
    import inspect

    from weasyprint.layout import block, column

    if getattr(column.columns_layout, "one_pass", False):
        return
    source = inspect.getsource(column.columns_layout)
    if source.count(HEIGHT_SEARCH) != 1:
        return  # not the code this was written for
    namespace = dict(vars(column))
    exec(compile(source.replace(HEIGHT_SEARCH, ONE_PASS), column.__file__, "exec"), namespace)
    one_pass = namespace["columns_layout"]
    one_pass.one_pass = True
    one_pass.two_passes = column.columns_layout  # WeasyPrint's own, for the layout tests
    column.columns_layout = block.columns_layout = one_pass


def _quiet_weasyprint() -> None:
    """WeasyPrint logs every CSS it ignores; keep real problems only, ours are reported."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("weasyprint").propagate = False
    logging.getLogger("weasyprint.progress").setLevel(logging.ERROR)
