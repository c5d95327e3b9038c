"""Rendered sections + config -> one HTML document, through a Jinja template and CSS theme.

Content is passed to Jinja as finished HTML (`Markup`), never as template source, so
`{{ 7*7 }}` in a note prints literally. A project's own `templates/` and `styles/` are
searched before the built-in ones, so overriding one file is enough.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path

import jinja2
from markupsafe import Markup, escape

from . import __version__, emoji
from .config import SheetConfig
from .errors import CheatsheetError, did_you_mean
from .markdown import RenderedSection
from .resources import BUILTIN_ROOT

ID_ATTR = re.compile(r'\bid="([^"]+)"')


@dataclass(frozen=True)
class Theme:
    name: str
    files: tuple[Path, ...]
    emoji_style: str = "color"  # or "line": set by `--emoji-style: line` in the theme CSS


EMOJI_STYLE = re.compile(r"--emoji-style:\s*(color|line)\b")


def search_path(config: SheetConfig, folder: str) -> list[Path]:
    """Project folder first, then the built-in one (once, if they are the same)."""
    paths = [config.project / folder, BUILTIN_ROOT / folder]
    unique: list[Path] = []
    for path in paths:
        if path.is_dir() and path.resolve() not in [p.resolve() for p in unique]:
            unique.append(path)
    return unique


def available_themes(config: SheetConfig) -> list[str]:
    names = {p.stem for folder in search_path(config, "styles") for p in folder.glob("*.css")}
    return sorted(names - {"base"})


def resolve_theme(config: SheetConfig) -> Theme:
    """`base.css` (structure) then the theme file (look), so a theme only sets what differs."""
    folders = search_path(config, "styles")
    base = next((f / "base.css" for f in folders if (f / "base.css").is_file()), None)
    if base is None:
        raise CheatsheetError("styles/base.css not found", file=BUILTIN_ROOT / "styles")
    if config.theme.endswith(".css"):
        theme_file = (config.project / config.theme).resolve()
        if not theme_file.is_file():
            raise CheatsheetError(f"theme file '{config.theme}' not found", file=theme_file)
    else:
        theme_file = next(
            (f / f"{config.theme}.css" for f in folders if (f / f"{config.theme}.css").is_file()),
            None,
        )
        if theme_file is None:
            raise CheatsheetError(
                f"unknown theme '{config.theme}'",
                hint=did_you_mean(config.theme, available_themes(config))
                + "; or give a path to your own .css file",
            )
    style = EMOJI_STYLE.search(theme_file.read_text(encoding="utf-8"))
    return Theme(
        name=Path(config.theme).stem,
        files=(base, theme_file),
        emoji_style=style.group(1) if style else "color",
    )


def environment(config: SheetConfig) -> jinja2.Environment:
    folders = [str(p) for p in search_path(config, "templates")]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_date() -> datetime.date:
    """Honour SOURCE_DATE_EPOCH so rebuilding the same sources gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date()
    return datetime.date.today()


@dataclass(frozen=True)
class SheetMeta:
    """Title block and PDF metadata: config first, then the content's front matter."""

    title: str
    subtitle: str
    version: str
    author: str
    subject: str
    keywords: str
    lang: str
    date: str


def sheet_meta(config: SheetConfig, meta: dict[str, str]) -> SheetMeta:
    return SheetMeta(
        title=config.title or meta.get("title", "") or config.name,
        subtitle=config.subtitle or meta.get("subtitle", ""),
        version=config.version or meta.get("version", ""),
        author=config.author or meta.get("author", ""),
        subject=config.subject or meta.get("subject", ""),
        keywords=", ".join(config.keywords) or meta.get("keywords", ""),
        lang=meta.get("lang", config.lang),
        date=config.date or meta.get("date", "") or build_date().isoformat(),
    )


def render_html(config: SheetConfig, meta: SheetMeta, sections: list[RenderedSection]) -> str:
    env = environment(config)
    try:
        template = env.get_template(config.template)
    except jinja2.TemplateNotFound:
        raise CheatsheetError(
            f"template '{config.template}' not found",
            hint="looked in " + ", ".join(str(p) for p in search_path(config, "templates")),
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise CheatsheetError(
            f"template syntax error: {exc.message}", file=exc.filename, line=exc.lineno
        ) from None
    try:
        return template.render(
            title=meta.title,
            subtitle=meta.subtitle,
            version=meta.version,
            author=meta.author,
            subject=meta.subject,
            keywords=meta.keywords,
            lang=meta.lang,
            date=meta.date,
            sections=_unique_ids(sections),
            config=config,
            generator=f"cheatsheet {__version__}",
            Markup=Markup,
        )
    except jinja2.TemplateError as exc:
        raise CheatsheetError(f"template error: {exc}", file=config.template) from None


@dataclass(frozen=True)
class PageSection:
    slug: str
    title: str
    html: Markup
    wide: bool

    @property
    def title_html(self) -> Markup:
        """The title for templates (e.g. a table of contents), emoji drawn as images."""
        return Markup(emoji.replace_in_html(str(escape(self.title))))


def _unique_ids(sections: list[RenderedSection]) -> list[PageSection]:
    """Ids must be unique across the whole sheet for links and bookmarks to resolve."""
    seen: set[str] = {s.slug for s in sections}
    result = []
    for section in sections:

        def rename(match: re.Match[str]) -> str:
            value, n = match.group(1), 2
            candidate = value
            while candidate in seen:
                candidate, n = f"{value}-{n}", n + 1
            seen.add(candidate)
            return f'id="{candidate}"'

        html = ID_ATTR.sub(rename, section.html)
        result.append(PageSection(section.slug, section.title, Markup(html), section.wide))
    return result
