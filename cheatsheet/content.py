"""Read content files into sections: decode, repair, front matter, split by heading.

The split works on the Markdown source (not the rendered HTML) so every section keeps its
file and line numbers for error messages and for `--list-sections`.
"""

from __future__ import annotations

import difflib
import glob
import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path

import ftfy
from markdown.extensions.toc import slugify_unicode
from pygments.lexers import find_lexer_class_by_name, get_all_lexers
from pygments.util import ClassNotFound

from .errors import CheatsheetError, did_you_mean, warn
from .sandbox import file_problem, is_inside

MAX_FILE_BYTES = 5 * 1024 * 1024
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")
FRONT_MATTER_KEYS = (
    "title", "subtitle", "version", "author", "subject", "keywords", "lang", "date", "split",
)  # fmt: skip

# Only the encoding fixes: the other ftfy fixes (quotes, widths, ligatures) would alter
# faithful text, e.g. full-width CJK punctuation.
REPAIR = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

FENCE_OPEN = re.compile(r"^(?P<indent> {0,3}|\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
ATX = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<text>.*?))?[ \t]*#*[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(?P<bar>=+|-+)[ \t]*$")
ATTR_LIST = re.compile(r"\s*\{:?\s*(?P<attrs>[^}]*)\}\s*$")
LINK_DEF = re.compile(r"^ {0,3}\[(?!\^)[^\]]+\]:\s*\S")
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^(?P<id>[^\]]+)\]:")
FOOTNOTE_REF = re.compile(r"\[\^(?P<id>[^\]]+)\](?!:)")


@dataclass(frozen=True)
class Section:
    """One block of the sheet: a heading and everything up to the next heading of its level."""

    title: str
    slug: str
    file: Path
    line: int
    markdown: str
    wide: bool = False

    @property
    def size(self) -> int:
        """Characters of source, a rough guide to how much room the section takes."""
        return len(self.markdown)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    meta: dict[str, str]
    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)


@dataclass
class _Heading:
    level: int
    text: str
    index: int  # 0-based line index of the heading text
    setext: bool


def find_content_files(
    project: Path, patterns: tuple[str, ...], trusted: tuple[Path, ...] = ()
) -> list[Path]:
    """Expand the configured files, folders and globs, in the order given, names sorted.

    Only files inside the project are read, unless the user named them on the command line.
    """
    found: list[Path] = []
    for pattern in patterns:
        path = project / pattern
        if not is_inside(path, [project, *trusted]):
            raise CheatsheetError(
                f"content '{pattern}' is outside the project",
                file=path,
                hint="move it into the project or pass it with --content",
            )
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.suffix.lower() in MARKDOWN_SUFFIXES)
        elif any(ch in pattern for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        elif path.is_file():
            matches = [path]
        else:
            raise CheatsheetError(
                f"content '{pattern}' not found",
                file=path,
                hint="check the 'content' option or the path given on the command line",
            )
        for loop in (m for m in matches if file_problem(m) == "symlink loop"):
            warn("skipped: a symlink loop, not a file", loop, kind="unreadable")
        matches = [m for m in matches if is_inside(m, [project, *trusted])]
        found.extend(m for m in matches if m not in found)
    if not found:
        raise CheatsheetError(
            f"no Markdown files in {', '.join(patterns)}",
            file=project,
            hint="add a .md file to content/ or set 'content' in cheatsheet.toml",
        )
    return found


def decode(data: bytes, path: Path, repair: bool = True, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Bytes to clean text: BOM, line endings and mojibake handled, or a located error."""
    _check_size(len(data), max_bytes, path)
    if b"\x00" in data[:8192]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise CheatsheetError(
            "this looks like a binary file, not Markdown",
            file=path,
            line=line,
            hint="remove it from the content folder",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CheatsheetError(
            f"invalid UTF-8 (byte 0x{data[exc.start]:02x})",
            file=path,
            line=line,
            hint="re-save the file as UTF-8",
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if repair:
        text = repair_mojibake(text, path)
    return text


def _check_size(size: int, max_bytes: int, path: Path) -> None:
    if size > max_bytes:
        raise CheatsheetError(
            f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit",
            file=path,
            hint="split it into several files or raise max_file_size",
        )


def repair_mojibake(text: str, path: Path) -> str:
    """Undo UTF-8 that was decoded as cp1252/latin-1 somewhere upstream (e.g. 'ðŸš€')."""
    fixed = ftfy.fix_text(text, REPAIR)
    if fixed == text:
        return text
    before_lines, after_lines = text.split("\n"), fixed.split("\n")
    changed = sum(a != b for a, b in zip(before_lines, after_lines, strict=False))
    for number, (old, new) in enumerate(zip(before_lines, after_lines, strict=False), 1):
        if old != new:
            example = _first_difference(old, new)
            warn(
                f"repaired damaged text (mojibake) on {changed} line(s), e.g. {example}; "
                "use --no-repair to keep it as it is",
                path,
                number,
                kind="repaired_text",
            )
            break
    return fixed


def _first_difference(old: str, new: str) -> str:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag != "equal":
            return f"'{old[a0:a1]}' -> '{new[b0:b1]}'"
    return f"'{old}' -> '{new}'"


@dataclass(frozen=True)
class Limits:
    """Resource limits: refuse input that would make a build hang or blow the stack."""

    max_bytes: int = MAX_FILE_BYTES
    max_nesting: int = 20


def read_file(
    path: Path, repair: bool = True, split_level: int = 0, limits: Limits = Limits()
) -> SourceFile:
    """Read one content file into its sections."""
    problem = file_problem(path)  # a FIFO would block the build forever
    if problem not in (None, "not found", "a folder, not a file"):
        raise CheatsheetError(f"cannot read it: {problem}", file=path, hint="remove it")
    try:
        _check_size(path.stat().st_size, limits.max_bytes, path)  # before reading it all
        data = path.read_bytes()
    except FileNotFoundError:
        raise CheatsheetError("file not found", file=path) from None
    except IsADirectoryError:
        raise CheatsheetError("expected a Markdown file, found a folder", file=path) from None
    except PermissionError:
        raise CheatsheetError("permission denied reading the file", file=path) from None
    text = decode(data, path, repair, limits.max_bytes)
    lines = text.split("\n")
    meta, body_start = parse_front_matter(lines, path)
    if not any(line.strip() for line in lines[body_start:]):
        raise CheatsheetError(
            "file has no content", file=path, hint="write some Markdown or remove the file"
        )
    headings = scan(lines, path, body_start, limits.max_nesting)
    level = _split_level(meta, split_level, path)
    return split_sections(path, lines, body_start, headings, meta, level)


def parse_front_matter(lines: list[str], path: Path) -> tuple[dict[str, str], int]:
    """Read a leading `---` block of `key: value` lines (a YAML subset, on purpose)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    meta: dict[str, str] = {}
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip() in ("---", "..."):
            return meta, index + 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or not re.fullmatch(r"[a-z_][\w-]*", key):
            raise CheatsheetError(
                "malformed front matter: expected 'key: value'",
                file=path,
                line=index + 1,
                hint="close the front matter with a '---' line",
            )
        if key not in FRONT_MATTER_KEYS:
            raise CheatsheetError(
                f"unknown front matter key '{key}'",
                file=path,
                line=index + 1,
                hint=did_you_mean(key, FRONT_MATTER_KEYS),
            )
        meta[key] = value.strip().strip("\"'")
    raise CheatsheetError(
        "front matter opened with '---' is never closed",
        file=path,
        line=1,
        hint="add a closing '---' line",
    )


def _split_level(meta: dict[str, str], configured: int, path: Path) -> int:
    value = meta.get("split", "")
    if not value or value == "auto":
        return configured
    if value in ("none", "file", "one"):
        return -1
    if value.isdigit() and 1 <= int(value) <= 6:
        return int(value)
    raise CheatsheetError(
        f"front matter 'split' must be auto, none or 1-6, got '{value}'", file=path
    )


_LEXER_NAMES: set[str] | None = None


def known_languages() -> set[str]:
    global _LEXER_NAMES
    if _LEXER_NAMES is None:
        _LEXER_NAMES = {alias.lower() for _, aliases, _, _ in get_all_lexers() for alias in aliases}
    return _LEXER_NAMES


def check_language(info: str, path: Path, line: int) -> None:
    """Warn about a code language Pygments does not know: it falls back to plain text."""
    language = info.split()[0].lstrip(".{").rstrip("}") if info.split() else ""
    if not language or language.lower() in ("text", "plain", "plaintext", "math", "none"):
        return
    try:
        find_lexer_class_by_name(language)
    except ClassNotFound:
        warn(
            f"unknown code language '{language}', shown as plain text; "
            + did_you_mean(language.lower(), _close_names(language.lower())),
            path,
            line,
            kind="code_language",
        )


def _close_names(language: str) -> list[str]:
    return difflib.get_close_matches(language, known_languages(), n=5, cutoff=0.5)


def scan(lines: list[str], path: Path, start: int, max_nesting: int = 20) -> list[_Heading]:
    """Find headings outside code fences; report unterminated fences, unclosed HTML blocks,
    excessive nesting and unknown code languages, each with its line."""
    headings: list[_Heading] = []
    open_html: list[tuple[str, int]] = []
    fence: tuple[str, int, int] | None = None  # (char, length, opening line index)
    previous_blank = True
    previous_paragraph = False
    for index in range(start, len(lines)):
        line = lines[index]
        if fence:
            char, length, _ = fence
            stripped = line.strip()
            if stripped.startswith(char * length) and set(stripped) == {char}:
                fence = None
            continue
        match = FENCE_OPEN.match(line)
        if match and not (match["fence"][0] == "`" and "`" in match["info"]):
            fence = (match["fence"][0], len(match["fence"]), index)
            check_language(match["info"].strip(), path, index + 1)
            previous_blank, previous_paragraph = False, False
            continue
        _check_nesting(line, path, index + 1, max_nesting)
        _track_html_blocks(line, index, open_html)
        atx = ATX.match(line)
        setext = SETEXT.match(line)
        if atx and not line.startswith("    "):
            headings.append(_Heading(len(atx["hashes"]), (atx["text"] or "").strip(), index, False))
            previous_paragraph = False
        elif setext and previous_paragraph and not previous_blank:
            level = 1 if setext["bar"][0] == "=" else 2
            headings.append(_Heading(level, lines[index - 1].strip(), index - 1, True))
            previous_paragraph = False
        else:
            stripped = line.strip()
            previous_paragraph = bool(stripped) and not re.match(r"^([-*+]|\d+[.)]|>|\|)", stripped)
        previous_blank = not line.strip()
    if fence:
        raise CheatsheetError(
            f"code fence {fence[0] * fence[1]} opened here is never closed",
            file=path,
            line=fence[2] + 1,
            hint=f"add a closing {fence[0] * fence[1]} line",
        )
    if open_html:
        tag, index = open_html[0]
        raise CheatsheetError(
            f"HTML block <{tag}> opened here is never closed (the rest of the file would vanish)",
            file=path,
            line=index + 1,
            hint=f"add </{tag}>",
        )
    return headings


HTML_BLOCK_TAGS = "div|details|table|section|article|aside|figure|blockquote|center|dl|ul|ol"
HTML_OPEN = re.compile(rf"<({HTML_BLOCK_TAGS})\b[^>]*?(?<!/)>", re.I)
HTML_CLOSE = re.compile(rf"</({HTML_BLOCK_TAGS})\s*>", re.I)
NESTING = re.compile(r"^((?:\s*>)*)(\s*)([-*+]|\d+[.)])?\s")


def _track_html_blocks(line: str, index: int, open_html: list[tuple[str, int]]) -> None:
    """Markdown swallows everything after an unclosed block tag: catch it with its line."""
    if not line.lstrip().startswith("<") and not open_html:
        return
    events = sorted(
        [(m.start(), "open", m.group(1).lower()) for m in HTML_OPEN.finditer(line)]
        + [(m.start(), "close", m.group(1).lower()) for m in HTML_CLOSE.finditer(line)]
    )
    for _, kind, tag in events:
        if kind == "open":
            open_html.append((tag, index))
        else:
            for position in range(len(open_html) - 1, -1, -1):
                if open_html[position][0] == tag:
                    del open_html[position:]
                    break


def _check_nesting(line: str, path: Path, number: int, max_nesting: int) -> None:
    """Deeply nested quotes or lists make the Markdown parser recurse without bound."""
    match = NESTING.match(line)
    if not match:
        return
    quotes = match.group(1).count(">")
    indent = len(match.group(2).expandtabs(4)) // 2 if match.group(3) else 0
    if quotes > max_nesting or indent > max_nesting:
        raise CheatsheetError(
            f"nesting is {max(quotes, indent)} levels deep, over the limit of {max_nesting}",
            file=path,
            line=number,
            hint="flatten the quotes or lists, or raise max_nesting",
        )


def split_sections(
    path: Path,
    lines: list[str],
    body_start: int,
    headings: list[_Heading],
    meta: dict[str, str],
    split_level: int,
) -> SourceFile:
    """Cut the file at its section headings; shift heading levels so every section is an h2."""
    title = meta.get("title", "")
    if headings and headings[0].level == 1 and sum(h.level == 1 for h in headings) == 1:
        title_heading = headings.pop(0)
        title = title or _clean_title(title_heading.text)[0]
        lines = list(lines)
        lines[title_heading.index] = ""
        if title_heading.setext:
            lines[title_heading.index + 1] = ""
    level = split_level if split_level else _auto_level(headings)
    cuts = [h for h in headings if h.level == level] if level > 0 else []
    shared = _shared_definitions(lines, body_start)
    sections: list[Section] = []
    slugs: set[str] = set()
    bounds = [h.index for h in cuts] + [len(lines)]
    intro_end = bounds[0]
    if any(line.strip() for line in lines[body_start:intro_end]):
        intro_title = title or path.stem
        body = f"## {intro_title}\n" + "\n".join(lines[body_start:intro_end])
        sections.append(_section(intro_title, path, body_start + 1, body, False, slugs))
    for heading, end in zip(cuts, bounds[1:], strict=True):
        text, wide = _clean_title(heading.text)
        chunk = _shift_headings(lines, heading.index, end, headings, level)
        sections.append(
            _section(text, path, heading.index + 1, chunk + _needed(chunk, shared), wide, slugs)
        )
    return SourceFile(path=path, meta=meta, title=title, sections=tuple(sections))


def _auto_level(headings: list[_Heading]) -> int:
    """The shallowest heading level used at least twice: the file's natural sections.

    A file with one heading (or one per level) is a single section under that heading."""
    for level in range(1, 7):
        if sum(h.level == level for h in headings) >= 2:
            return level
    return min((h.level for h in headings), default=-1)


def _clean_title(text: str) -> tuple[str, bool]:
    """Strip a trailing `{.wide}` attribute list; report whether the section spans columns."""
    match = ATTR_LIST.search(text)
    if not match:
        return text, False
    return text[: match.start()].strip(), ".wide" in match["attrs"].split()


def _shift_headings(
    lines: list[str], start: int, end: int, headings: list[_Heading], level: int
) -> str:
    """Rewrite headings as ATX with the section heading at level 2, keeping line numbers."""
    chunk = list(lines[start:end])
    for heading in headings:
        if not start <= heading.index < end:
            continue
        new_level = min(6, max(2, heading.level - level + 2))
        chunk[heading.index - start] = "#" * new_level + " " + heading.text
        if heading.setext:
            chunk[heading.index - start + 1] = ""
    return "\n".join(chunk)


@dataclass(frozen=True)
class _Definitions:
    links: str
    footnotes: dict[str, str]


def _shared_definitions(lines: list[str], start: int) -> _Definitions:
    """Link references and footnotes are file-wide in Markdown; sections need their copies."""
    links = [line for line in lines[start:] if LINK_DEF.match(line)]
    footnotes: dict[str, str] = {}
    current: str | None = None
    for line in lines[start:]:
        match = FOOTNOTE_DEF.match(line)
        if match:
            current = match["id"]
            footnotes[current] = line
        elif current and (line.startswith("    ") or line.startswith("\t")):
            footnotes[current] += "\n" + line
        elif line.strip():
            current = None
    return _Definitions("\n".join(links), footnotes)


def _needed(chunk: str, shared: _Definitions) -> str:
    extra = [shared.links] if shared.links else []
    for ref in dict.fromkeys(FOOTNOTE_REF.findall(chunk)):
        definition = shared.footnotes.get(ref)
        if definition and definition not in chunk:
            extra.append(definition)
    return "\n\n" + "\n\n".join(extra) + "\n" if extra else "\n"


def _section(title: str, path: Path, line: int, body: str, wide: bool, slugs: set[str]) -> Section:
    plain = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", r"\1", title).strip()
    base = slugify_unicode(_strip_symbols(plain), "-") or "section"
    slug, n = base, 2
    while slug in slugs:
        slug, n = f"{base}-{n}", n + 1
    slugs.add(slug)
    return Section(title=plain, slug=slug, file=path, line=line, markdown=body, wide=wide)


def _strip_symbols(text: str) -> str:
    """Emoji and symbols make poor slugs: '🚀 Essential' -> 'essential'."""
    kept = (ch if ch.isalnum() or ch in "-_" else " " if ch.isspace() else "" for ch in text)
    return " ".join("".join(kept).split())


@dataclass(frozen=True)
class Content:
    """All sections of a sheet's files, in file order, with the first file's metadata."""

    files: tuple[SourceFile, ...]
    sections: tuple[Section, ...]

    @property
    def meta(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for source in reversed(self.files):
            merged.update(source.meta)
        if self.files and self.files[0].title:
            merged.setdefault("title", self.files[0].title)
        return merged


def load_content(
    project: Path,
    patterns: tuple[str, ...],
    repair: bool = True,
    split_level: int = 0,
    limits: Limits = Limits(),
    trusted: tuple[Path, ...] = (),
) -> Content:
    files = tuple(
        read_file(path, repair, split_level, limits)
        for path in find_content_files(project, patterns, trusted)
    )
    sections: list[Section] = []
    seen: set[str] = set()
    for source in files:
        for section in source.sections:
            slug, n = section.slug, 2
            while slug in seen:
                slug, n = f"{section.slug}-{n}", n + 1
            seen.add(slug)
            sections.append(section if slug == section.slug else replace(section, slug=slug))
    return Content(files=files, sections=tuple(sections))


def select_sections(
    sections: tuple[Section, ...],
    include: tuple[str, ...] = (),
    exclude: tuple[str, ...] = (),
    order: tuple[str, ...] = (),
    origin: Path | None = None,
) -> list[Section]:
    """Apply include (which also orders), exclude and order patterns (title or slug, globs).

    A pattern that matches nothing is an error: it is almost always a typo, and a silently
    missing section is worse on paper than a failed build.
    """
    chosen = list(sections)
    if include:
        chosen = []
        for pattern in include:
            for section in _matching(pattern, sections, origin):
                if section not in chosen:
                    chosen.append(section)
    for pattern in exclude:
        matched = _matching(pattern, sections, origin)
        chosen = [s for s in chosen if s not in matched]
    if order:
        first: list[Section] = []
        for pattern in order:
            first.extend(
                s for s in _matching(pattern, sections, origin) if s in chosen and s not in first
            )
        chosen = first + [s for s in chosen if s not in first]
    if not chosen:
        raise CheatsheetError(
            "no sections left to print after include/exclude",
            file=origin,
            hint="check 'sections'/'exclude' or --only/--exclude",
        )
    return chosen


def _matching(pattern: str, sections: tuple[Section, ...], origin: Path | None) -> list[Section]:
    wanted = pattern.strip().lower()
    found = [
        s
        for s in sections
        if fnmatchcase(s.slug, wanted)
        or fnmatchcase(s.title.lower(), wanted)
        or fnmatchcase(_strip_symbols(s.title).lower(), wanted)
    ]
    if not found:
        raise CheatsheetError(
            f"no section matches '{pattern}'",
            file=origin,
            hint=did_you_mean(wanted, [s.slug for s in sections])
            + " (run --list-sections to see them all)",
        )
    return found
