"""Rendered sections + config -> one HTML document, through a Jinja template and CSS theme.

Content is passed to Jinja as finished HTML (`Markup`), never as template source, so
`{{ 7*7 }}` in a note prints literally. A project's own `templates/` and `styles/` are
searched before the built-in ones, so overriding one file is enough.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup, escape

from . import __version__, emoji
from .config import SheetConfig
from .errors import CheatsheetError, did_you_mean, warn
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
    """Project folder first, then the built-in one (once, if they are the same).

    The project's folder counts only if it really is inside the project: a `templates -> /`
    symlink in a cloned repository must not turn template names into paths anywhere.
    """
    root = config.project.resolve()
    paths = [config.project / folder, BUILTIN_ROOT / folder]
    unique: list[Path] = []
    for path in paths:
        if not path.is_dir() or path.resolve() in [p.resolve() for p in unique]:
            continue
        if path != BUILTIN_ROOT / folder and not path.resolve().is_relative_to(root):
            warn(f"'{folder}' leads outside the project ({path.resolve()}); not used", path)
            continue
        unique.append(path)
    return unique


def _inside_folders(name: str, folders: list[Path]) -> Path | None:
    """`name` in the first folder that has it, never escaping that folder (symlinks too)."""
    if not name or Path(name).is_absolute() or "\\" in name:
        return None
    for folder in folders:
        candidate = (folder / name).resolve()
        if candidate.is_relative_to(folder.resolve()) and candidate.is_file():
            return candidate
    return None


def available_themes(config: SheetConfig) -> list[str]:
    names = {p.stem for folder in search_path(config, "styles") for p in folder.glob("*.css")}
    return sorted(names - {"base"})


def theme_descriptions(config: SheetConfig) -> dict[str, str]:
    """Theme name -> the first comment line of its CSS, for `cheatsheet themes`."""
    found: dict[str, str] = {}
    for folder in search_path(config, "styles"):
        for css in sorted(folder.glob("*.css")):
            if css.stem == "base" or css.stem in found:
                continue
            head = css.read_text(encoding="utf-8", errors="replace")[:2000]
            comment = re.search(r"/\*\s*(.*?)\s*(?:\*/|$)", head, re.S)
            text = " ".join(comment.group(1).replace("*", " ").split()) if comment else ""
            line = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]  # the first sentence
            found[css.stem] = line or "(no description)"
    return found


def resolve_theme(config: SheetConfig) -> Theme:
    """`base.css` (structure) then the theme file (look), so a theme only sets what differs.

    A theme from the config is a name in `styles/` or a .css file inside the project; any
    path is accepted only from the command line, where the user typed it.
    """
    folders = search_path(config, "styles")
    base = next((f / "base.css" for f in folders if (f / "base.css").is_file()), None)
    if base is None:
        raise CheatsheetError("styles/base.css not found", file=BUILTIN_ROOT / "styles")
    if config.theme.endswith(".css"):
        theme_file = _theme_path(config)
    else:
        theme_file = _inside_folders(f"{config.theme}.css", folders)
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


def _theme_path(config: SheetConfig) -> Path:
    if "theme" in config.given:
        theme_file = (Path.cwd() / config.theme).resolve()
    else:
        theme_file = (config.project / config.theme).resolve()
        if Path(config.theme).is_absolute() or not theme_file.is_relative_to(
            config.project.resolve()
        ):
            raise CheatsheetError(
                f"theme '{config.theme}' is outside the project",
                file=config.project / "cheatsheet.toml",
                hint="a config may name themes inside its project only; "
                "give other files with --theme",
            )
    if not theme_file.is_file():
        raise CheatsheetError(f"theme file '{config.theme}' not found", file=theme_file)
    return theme_file


class _ConfinedLoader(jinja2.BaseLoader):
    """Templates by name from the search folders, never leaving them; and, when the user
    named it with --template, that one file wherever it is."""

    def __init__(self, folders: list[Path], named_file: Path | None) -> None:
        self.folders = folders
        self.named_file = named_file

    def get_source(self, environment, template):
        if self.named_file is not None and template == str(self.named_file):
            path = self.named_file
        else:
            path = _inside_folders(template, self.folders)
        if path is None:
            raise jinja2.TemplateNotFound(template)
        source = path.read_text(encoding="utf-8")
        mtime = path.stat().st_mtime
        return source, str(path), lambda: path.stat().st_mtime == mtime


def _template_name(config: SheetConfig) -> tuple[str, Path | None]:
    """The name to load, and the file the user named on the command line (if it is one)."""
    if "template" in config.given:
        candidate = (Path.cwd() / config.template).resolve()
        if candidate.is_file() and (os.sep in config.template or candidate.suffix == ".j2"):
            return str(candidate), candidate
    return config.template, None


def environment(config: SheetConfig, named_file: Path | None = None) -> jinja2.Environment:
    """A sandboxed environment: templates cloned from strangers can format values, not run
    code or reach objects (underscore attributes, `os`, file paths are out of reach)."""
    return SandboxedEnvironment(
        loader=_ConfinedLoader(search_path(config, "templates"), named_file),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def build_date() -> datetime.date:
    """Honour SOURCE_DATE_EPOCH so rebuilding the same sources gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    # beyond year 5000 is a typo; isascii: '²'.isdigit() is true but int('²') fails
    if epoch and epoch.isascii() and epoch.isdigit() and len(epoch) < 12:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date()
    return datetime.date.today()


@dataclass(frozen=True)
class SheetMeta:
    """Title block and PDF metadata, from the config and the content's front matter (in the
    order `SheetConfig.metadata` gives)."""

    title: str
    subtitle: str
    version: str
    author: str
    subject: str
    keywords: str
    lang: str
    date: str
    # Every front-matter key (Jekyll's `layout`, `tags`, ...), plain values: templates' `meta`.
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def sheet_meta(config: SheetConfig, meta: dict[str, str]) -> SheetMeta:
    values = config.metadata(meta)  # which of config and front matter wins: config.py
    return SheetMeta(
        title=values["title"] or config.label,
        subtitle=values["subtitle"],
        version=values["version"],
        author=values["author"],
        subject=values["subject"],
        keywords=values["keywords"],
        lang=meta.get("lang", config.lang),
        date=values["date"] or build_date().isoformat(),
        extra=dict(meta),
    )


def render_html(config: SheetConfig, meta: SheetMeta, sections: list[RenderedSection]) -> str:
    name, named_file = _template_name(config)
    env = environment(config, named_file)
    try:
        template = env.get_template(name)
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
            meta=meta.extra,
            sections=[section.as_dict() for section in _unique_ids(sections)],
            config=plain_config(config),
            generator=f"cheatsheet {__version__}",
        )
    except SecurityError as exc:
        raise CheatsheetError(
            f"template refused: {exc}",
            file=template.filename,
            hint="templates get plain values (strings, numbers, lists) and cannot reach "
            "Python objects",
        ) from None
    except jinja2.TemplateError as exc:
        raise CheatsheetError(f"template error: {exc}", file=template.filename) from None


def plain_config(config: SheetConfig) -> dict:
    """The options as strings, numbers, booleans and lists: nothing a template could use
    to reach files or code (no Path, no config object)."""
    return {
        f.name: list(value) if isinstance(value, tuple) else value
        for f in fields(config)
        if isinstance(value := getattr(config, f.name), str | int | float | bool | tuple)
        and f.name not in ("trusted", "given")
    }


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

    def as_dict(self) -> dict:
        return {
            "slug": self.slug,
            "title": self.title,
            "html": self.html,
            "wide": self.wide,
            "title_html": self.title_html,
        }


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
