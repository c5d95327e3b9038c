"""One sheet from config to PDF: Config -> Sections -> HTML -> Document -> PDF.

Data flows one way; fitting re-runs only the layout with another font size.
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import drawcache, emoji, fitcache, formulas, hyphenation, libraries
from .config import SheetConfig, cache_folder
from .content import Content, Limits, Section, load_content, select_sections
from .errors import CheatsheetError, collecting, warn, where
from .export import write_html
from .fit import STEP, FitResult, fit_auto, fit_font_size
from .markdown import MarkdownRenderer
from .page import SheetMeta, Theme, render_html, resolve_theme, sheet_meta
from .pdf import Renderer, pdf_options, write_pdf
from .preflight import Problem, Report, inspect, missing_glyph_problems
from .printing import (
    drop_footer_on_single_page,
    impose_handouts,
    keep_headings_with_content,
    keep_sections_on_one_side,
    print_css,
)
from .resources import BUILTIN_ROOT
from .sandbox import FetchLog, file_problem, local_path
from .typography import finish_sheet


@dataclass(frozen=True)
class BuildResult:
    config: SheetConfig
    output: Path
    pages: int
    font_size: float
    seconds: float
    sections: tuple[Section, ...]
    report: Report
    extra_outputs: tuple[Path, ...] = ()


def allowed_roots(config: SheetConfig, sections: list[Section]) -> list[Path]:
    """The folders a build may read: the project, the built-in templates and styles, and the
    folders of content files the user named (their images sit next to them)."""
    content_folders = {section.file.parent for section in sections}
    return [config.project, BUILTIN_ROOT / "styles", BUILTIN_ROOT / "templates", *content_folders]


def load_config_content(config: SheetConfig) -> Content:
    limits = Limits(max_bytes=int(config.max_file_size * 2**20), max_nesting=config.max_nesting)
    return load_content(
        config.project, config.content, config.repair, config.split_level, limits, config.trusted
    )


def chosen_sections(config: SheetConfig, content: Content) -> list[Section]:
    return select_sections(
        content.sections,
        config.sections,
        config.exclude,
        config.order,
        origin=config.project / "cheatsheet.toml",
    )


@dataclass(frozen=True)
class SheetHtml:
    html: str
    sections: list[Section]
    meta: SheetMeta
    missing_images: list[Problem]


def build_html(config: SheetConfig, markdown: MarkdownRenderer | None = None) -> SheetHtml:
    folder = cache_folder()
    formulas.DISK_CACHE = drawcache.DISK_CACHE = emoji.DISK_CACHE = folder
    hyphenation.DISK_CACHE = folder
    content = load_config_content(config)
    sections = chosen_sections(config, content)
    renderer = markdown or MarkdownRenderer(safe=config.safe)
    rendered = [renderer.render(s) for s in sections]
    missing = [
        problem
        for section, html in zip(sections, rendered, strict=True)
        for problem in missing_images(section, html.html)
    ]
    meta = sheet_meta(config, content.meta)
    meta, rendered = finish_sheet(
        meta,
        rendered,
        titled=bool(config.title or content.meta.get("title")),
        markdown="\n".join(s.markdown for s in sections),
        lang_given=content.meta.get("lang"),
        configured_lang=config.lang,
    )
    html = clamp_font_sizes(render_html(config, meta, rendered))
    return SheetHtml(html, sections, meta, missing)


# A declared font size in a style attribute (text in the notes, such as CSS in a code block,
# is escaped and never matches `style="`); the value is parsed separately. WeasyPrint divides
# by the size when it draws text, and `font-size:0.0001pt` ended the build with
# ZeroDivisionError.
STYLE_ATTR = re.compile(r'\sstyle="([^"<>]*)"')
FONT_SIZE_DECL = re.compile(r"font-size\s*:\s*([^;]{0,40})", re.IGNORECASE)
NUMBER_UNIT = re.compile(r"([0-9]*\.?[0-9]+(?:e[-+]?[0-9]{1,3})?)([a-z%]{0,4})\s*", re.IGNORECASE)
MIN_FONT_SIZE = 0.1  # in whatever unit is given: 0.1% of 4 pt still draws


def clamp_font_sizes(html: str) -> str:
    """Raise near-zero font sizes in style attributes to a drawable floor (the preflight then
    reports the text as tiny, which is what it is)."""

    def clamp(match: re.Match[str]) -> str:
        value = NUMBER_UNIT.fullmatch(match.group(1))
        if value is None or float(value.group(1)) >= MIN_FONT_SIZE:
            return match.group(0)
        return f"font-size:{MIN_FONT_SIZE}{value.group(2)}"

    def clamp_style(match: re.Match[str]) -> str:
        style = match.group(1)
        if "font-size" not in style.lower():
            return match.group(0)
        return f' style="{FONT_SIZE_DECL.sub(clamp, style)}"'

    return STYLE_ATTR.sub(clamp_style, html)


IMG_FILE = re.compile(r'<img\b[^>]*?\bsrc="(file://[^"]+)"')


def missing_images(section: Section, html: str) -> list[Problem]:
    """Local images that do not exist, at their Markdown line.

    A warning, not an error: notes copied from the web often arrive without their images,
    and the sheet should still print (the alt text stands in); `--strict` fails on it.
    """
    problems = []
    for url in IMG_FILE.findall(html):
        path = local_path(url)
        if path is None or file_problem(path) != "not found":
            continue  # present, or refused with its reason by the fetcher
        offset = next(
            (n for n, line in enumerate(section.markdown.split("\n")) if path.name in line), 0
        )
        warn(
            f"image '{path.name}' not found ({path}); its alt text is printed instead",
            section.file,
            section.line + offset,
            kind="missing_images",
        )
        problems.append(
            Problem(
                "missing_images",
                0,
                section.slug,
                path.name,
                f"{where(section.file, section.line + offset)}",
            )
        )
    return problems


Progress = Callable[[str], None]


class BuildCache:
    """What a long-running process (watch mode) keeps between builds: the Markdown parser
    with its converted sections, and the WeasyPrint fonts and parsed stylesheets."""

    def __init__(self) -> None:
        self._markdown: dict[bool, MarkdownRenderer] = {}
        self._renderers: dict[tuple, Renderer] = {}
        # last size chosen by fitting, per sheet, and the pages of content it held
        self.fitted: dict[SheetConfig, tuple[float, float]] = {}

    def markdown(self, safe: bool) -> MarkdownRenderer:
        if safe not in self._markdown:
            self._markdown[safe] = MarkdownRenderer(safe=safe)
        return self._markdown[safe]

    def renderer(self, config: SheetConfig, theme: Theme, roots: list[Path]) -> Renderer:
        stamps = tuple((path, path.stat().st_mtime_ns) for path in theme.files)
        key = (config, stamps, tuple(roots))
        if key not in self._renderers:
            self._renderers = {key: Renderer(config, theme, roots)}  # keep only the latest
        renderer = self._renderers[key]
        renderer.fresh_log()
        return renderer


def build_sheet(
    config: SheetConfig, cache: BuildCache | None = None, progress: Progress | None = None
) -> BuildResult:
    """Build one sheet; every warning raised on the way ends up in `result.report.diagnostics`
    (collected per build, so parallel builds and watch-mode rebuilds never mix them)."""
    with collecting() as diagnostics, fewer_collections():
        result = _build_sheet(config, cache, progress)
    result.report.diagnostics = list(diagnostics)
    return result


# Python's cyclic garbage collector scans the young objects every 700 allocations and the
# whole heap every 100 young scans; a layout allocates millions of boxes that live until
# the PDF is written, so the collector rescans a growing heap that holds almost no cycles
# (measured: with the collector off, peak memory +1.5 %). Rarer collections during a build:
# the emoji sheet 13.6 -> 11.2 s CPU, a 150 KB sheet 10.5 -> 8.7 s, the seed -5 %.
BUILD_GC_THRESHOLDS = (100_000, 50, 1000)


@contextlib.contextmanager
def fewer_collections():
    """Raise the collector's thresholds for one build, then put back the caller's."""
    saved = gc.get_threshold()
    gc.set_threshold(*BUILD_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*saved)


def _build_sheet(
    config: SheetConfig, cache: BuildCache | None, progress: Progress | None
) -> BuildResult:
    started = time.perf_counter()
    cache = cache or BuildCache()
    say = progress or (lambda stage: None)
    say("reading and converting content")
    sheet = build_html(config, cache.markdown(config.safe))
    config = config.named(sheet.meta.title)  # an unnamed sheet is named after its title
    html, sections = sheet.html, sheet.sections
    theme = resolve_theme(config)
    libraries.import_weasyprint()
    drawcache.install()
    hyphenation.install()
    renderer = cache.renderer(config, theme, allowed_roots(config, sections))
    extra_css = print_css(config, sheet.meta)
    font_size, layouts = config.font_size, 1
    balance_key, balanced_at_once = "", None

    def layout(size: float, css: str = ""):
        say(f"laying out at {size:g} pt")
        return renderer.layout(html, size, extra_css + css)

    remembered = fitcache.sheet_key(config, theme.files) if config.fit else ""
    previous, previous_used = (
        cache.fitted.get(config)
        or (fitcache.load(cache_folder(), remembered) if config.fit else None)
        or (None, None)
    )
    if config.fit == "auto":
        fitted = fit_auto(layout, config.fit_min, config.fit_max, previous)
        document, font_size, layouts = fitted.document, fitted.font_size, fitted.layouts
        cache.fitted[config] = (font_size, fitted.used)
        remember_fit(remembered, fitted, max(config.fit_max, config.fit_min))
    elif config.fit:
        fitted = fit_font_size(
            layout,
            config.fit,
            config.fit_min,
            config.fit_max,
            start=config.font_size,
            previous=previous,
            previous_used=previous_used,
        )
        if not fitted.fits and not config.allow_overflow:
            raise _cannot_fit(config, len(fitted.document.pages), sections)
        document, font_size, layouts = fitted.document, fitted.font_size, fitted.layouts
        cache.fitted[config] = (font_size, fitted.used)
        remember_fit(remembered, fitted, config.fit_max)
    else:
        # A one-page sheet built before from exactly this page: its columns are laid out at
        # the height balancing settled on then, in one layout instead of two.
        if config.balance and not config.pack and not config.duplex:
            balance_key = fitcache.balance_key(
                fitcache.sheet_key(config, theme.files), html, extra_css, font_size
            )
            height = fitcache.load_balance(cache_folder(), balance_key)
            if height is not None:
                say(f"laying out at {font_size:g} pt (columns balanced as last time)")
                balanced_at_once = renderer.layout_at_height(html, font_size, extra_css, height)
        document = balanced_at_once or layout(font_size)

    if config.pack:
        document, html, passes = renderer.pack(document, html, font_size, extra_css)
        layouts += passes

    def inspect_layout(doc):
        return inspect(doc, paper="", columns=config.columns, font_size=font_size)

    document, heading_css, passes = keep_headings_with_content(
        lambda css: layout(font_size, css), document, inspect_layout
    )
    extra_css += heading_css
    layouts += passes
    moved: list[str] = []
    if config.duplex:
        document, moved, passes = keep_sections_on_one_side(
            lambda css: layout(font_size, css), document
        )
        layouts += passes
    if config.balance and not (balanced_at_once is document and not heading_css):
        document, balanced = renderer.balance_last_page(document)
        layouts += balanced
        if balance_key and not heading_css and renderer.balanced_height:
            fitcache.store_balance(cache_folder(), balance_key, renderer.balanced_height)
    drop_footer_on_single_page(document)
    identity = f"{html}\n{extra_css}\n{font_size}\n{moved}"
    # The preflight reads the boxes, so it runs first: writing then frees each page's boxes
    # once it is drawn (concat-300: peak memory -20 MB), and the characters drawn without a
    # glyph, known only after writing, are added to the report then.
    section_text = {s.slug: s.markdown for s in sections}
    report = inspect(
        document,
        paper=f"{config.paper} {config.orientation}",
        columns=config.columns,
        font_size=font_size,
        layouts=layouts,
        min_type_pt=config.min_type_size,
    )
    pages = len(document.pages)
    say("writing the PDF")
    options = pdf_options(config, identity)
    missing = write_pdf(
        document,
        config.output_path,
        confine_to=output_root(config),
        release_pages=not options["pdf_tags"],
        **options,
    )
    if missing:
        report.missing_glyphs = missing_glyph_problems(missing, section_text)
    if config.handout:
        say("imposing handouts")
    extra_outputs = impose_handouts(config, config.output_path)
    if config.html:
        extra_outputs.append(
            write_html(
                config,
                theme,
                html,
                font_size,
                extra_css,
                renderer,
                locate=lambda url: locate(url, sections),
                confine_to=output_root(config),
            )
        )
    report.not_fetched = list(renderer.fetcher.state.refused)
    warn_refused_fetches(renderer.fetcher.state, sections)
    report.missing_images = sheet.missing_images
    return BuildResult(
        config=config,
        output=config.output_path,
        pages=pages,
        font_size=font_size,
        seconds=time.perf_counter() - started,
        sections=tuple(sections),
        report=report,
        extra_outputs=tuple(extra_outputs),
    )


def remember_fit(key: str, fitted: FitResult, ceiling: float) -> None:
    """Keep a fitted size for the next run when the search proved it: it is the ceiling,
    or one step up was laid out and did not fit (the largest size that fits is chosen)."""
    step_up = round(fitted.font_size + STEP, 2)
    proved = fitted.font_size >= ceiling or any(size == step_up for size, *_ in fitted.tried)
    if fitted.fits and proved:
        fitcache.store(cache_folder(), key, fitted.font_size, fitted.used)


def output_root(config: SheetConfig) -> Path | None:
    """Where outputs must stay: in the project, unless the user named the output path on
    the command line (then anywhere they said)."""
    return None if "output" in config.given else config.project


def warn_refused_fetches(log: FetchLog, sections: list[Section]) -> None:
    """One located warning per URL the sandbox refused, at the Markdown line naming it (a
    stylesheet's refusals have no such line and are reported without one)."""
    for url in log.refused:
        why = log.reasons.get(url, "refused")
        shown = url if len(url) <= 80 else url[:77] + "..."
        file, line = locate(url, sections)
        warn(f"not fetched: {shown} ({why})", file, line, kind="not_fetched")


def locate(url: str, sections: list[Section]) -> tuple[Path | None, int | None]:
    """The content file and line where a URL (or, for a local file, its name) is written."""
    needles = [url[:200]]
    if url.startswith("file:"):
        path = local_path(url)
        needles.append(path.name if path else url.rsplit("/", 1)[-1])
    for section in sections:
        for needle in needles:
            at = section.markdown.find(needle) if needle else -1
            if at >= 0:
                return section.file, section.line + section.markdown.count("\n", 0, at)
    return None, None


def _cannot_fit(config: SheetConfig, pages: int, sections: list[Section]) -> CheatsheetError:
    """Tell the user what to cut: the budget, what it takes at the floor, the biggest sections."""
    largest = sorted(sections, key=lambda s: s.size, reverse=True)[:3]
    names = ", ".join(f"'{s.slug}' ({s.size} chars)" for s in largest)
    return CheatsheetError(
        f"sheet '{config.name}' needs {pages} pages at the smallest font size "
        f"({config.fit_min:g} pt), over the budget of {config.fit}; largest sections: {names}",
        hint="leave sections out (--exclude), raise --fit, or pass --allow-overflow",
    )
