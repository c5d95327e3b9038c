"""One sheet from config to PDF: Config -> Sections -> HTML -> Document -> PDF.

Data flows one way; fitting re-runs only the layout with another font size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .config import SheetConfig
from .content import Content, Section, load_content, select_sections
from .markdown import MarkdownRenderer
from .page import BUILTIN_ROOT, render_html, resolve_theme
from .pdf import Renderer, write_atomically


@dataclass(frozen=True)
class BuildResult:
    config: SheetConfig
    output: Path
    pages: int
    font_size: float
    seconds: float
    sections: tuple[Section, ...]


def allowed_roots(config: SheetConfig) -> list[Path]:
    """The folders a build may read: the project, and the built-in templates and styles."""
    return [config.project, BUILTIN_ROOT / "styles", BUILTIN_ROOT / "templates"]


def chosen_sections(config: SheetConfig, content: Content) -> list[Section]:
    return select_sections(
        content.sections,
        config.sections,
        config.exclude,
        config.order,
        origin=config.project / "cheatsheet.toml",
    )


def build_html(
    config: SheetConfig, markdown: MarkdownRenderer | None = None
) -> tuple[str, list[Section]]:
    content = load_content(config.project, config.content, config.repair, config.split_level)
    sections = chosen_sections(config, content)
    renderer = markdown or MarkdownRenderer()
    html = render_html(config, content.meta, [renderer.render(s) for s in sections])
    return html, sections


def build_sheet(config: SheetConfig, markdown: MarkdownRenderer | None = None) -> BuildResult:
    started = time.perf_counter()
    html, sections = build_html(config, markdown)
    theme = resolve_theme(config)
    renderer = Renderer(config, theme.files, allowed_roots(config))
    document = renderer.layout(html, config.font_size)
    write_atomically(document, config.output_path)
    return BuildResult(
        config=config,
        output=config.output_path,
        pages=len(document.pages),
        font_size=config.font_size,
        seconds=time.perf_counter() - started,
        sections=tuple(sections),
    )
