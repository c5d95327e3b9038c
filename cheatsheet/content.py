"""Read content files into sections: the content stage, in five steps of their own modules.

discovery (which files, inside the project) -> decoding (bytes to text, repair) -> front
matter (YAML) -> sectioning (headings to sections) -> selection (include/exclude/order).
This module ties them together per file and per sheet; the names other stages use are
re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .decoding import MAX_FILE_BYTES, check_size, decode, repair_config
from .discovery import MARKDOWN_SUFFIXES, find_content_files
from .errors import CheatsheetError
from .frontmatter import KNOWN_KEYS as FRONT_MATTER_KEYS
from .frontmatter import parse_front_matter
from .sandbox import file_problem
from .sectioning import Section, SourceFile, scan, split_sections
from .selection import select_sections
from .slug import unique


def __getattr__(name: str) -> Any:
    """`REPAIR` (ftfy's settings) is made on first use: importing ftfy costs ~40 ms."""
    if name == "REPAIR":
        return repair_config()
    raise AttributeError(name)


__all__ = [
    "FRONT_MATTER_KEYS",
    "MARKDOWN_SUFFIXES",
    "MAX_FILE_BYTES",
    "Content",
    "Limits",
    "Section",
    "SourceFile",
    "decode",
    "find_content_files",
    "load_content",
    "read_file",
    "select_sections",
]


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
        check_size(path.stat().st_size, limits.max_bytes, path)  # before reading it all
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


def _split_level(meta: dict[str, Any], configured: int, path: Path) -> int:
    value = str(meta.get("split", ""))
    if not value or value == "auto":
        return configured
    if value in ("none", "file", "one"):
        return -1
    if value.isdigit() and 1 <= int(value) <= 6:
        return int(value)
    raise CheatsheetError(
        f"front matter 'split' must be auto, none or 1-6, got '{value}'", file=path
    )


@dataclass(frozen=True)
class Content:
    """All sections of a sheet's files, in file order, with the first file's metadata."""

    files: tuple[SourceFile, ...]
    sections: tuple[Section, ...]

    @property
    def meta(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
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
    """Every file's sections in order, slugs unique across files; the title of every file
    after the first becomes the group heading of its first section (the first file's title
    is the sheet's)."""
    files = tuple(
        read_file(path, repair, split_level, limits)
        for path in find_content_files(project, patterns, trusted)
    )
    sections: list[Section] = []
    seen: set[str] = set()
    for number, source in enumerate(files):
        for index, section in enumerate(source.sections):
            slug = unique(section.slug, seen)
            changes: dict[str, Any] = {"slug": slug} if slug != section.slug else {}
            if number > 0 and index == 0 and source.title and not section.group:
                changes["group"] = source.title
            sections.append(replace(section, **changes) if changes else section)
    return Content(files=files, sections=tuple(sections))
