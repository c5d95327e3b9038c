"""YAML front matter (Jekyll, Hugo, Obsidian, MkDocs), read with PyYAML's safe loader.

Every key is accepted: the ones we know fill the title block and PDF metadata, the others are
handed to templates as `meta` (plain strings, numbers, lists and mappings). Only a near-miss of
a known key (`tilte`) gets a warning, because it is almost certainly a typo that would leave
the title out. A file that merely starts with a `---` rule is not front matter.
"""

from __future__ import annotations

import datetime
import difflib
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import CheatsheetError, warn

KNOWN_KEYS = (
    "title", "subtitle", "version", "author", "subject", "keywords", "lang", "date", "split",
)  # fmt: skip
# Front matter is a few lines; a huge block is a mistake (or an attack on the YAML parser).
MAX_FRONT_MATTER_LINES = 2000
_KEY_LINE = re.compile(r"[A-Za-z_][\w-]{0,100}[ \t]*:(?:[ \t]|$)")


def parse_front_matter(lines: list[str], path: Path) -> tuple[dict[str, Any], int]:
    """The metadata and the index of the first body line (0 when there is no front matter)."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    first = next((line for line in lines[1:] if line.strip()), "")
    looks_like_yaml = bool(_KEY_LINE.match(first))
    end = _closing_line(lines)
    if end is None:
        if looks_like_yaml:
            raise CheatsheetError(
                "front matter opened with '---' is never closed",
                file=path,
                line=1,
                hint="add a closing '---' line",
            )
        return {}, 0  # a horizontal rule at the top of the file
    if not looks_like_yaml:
        return {}, 0  # `---` rule, some text, `---` rule: Markdown, not YAML
    data = _load(lines[1:end], path)
    if not isinstance(data, dict):
        return {}, 0
    return _checked(data, lines, end, path), end + 1


def _closing_line(lines: list[str]) -> int | None:
    for index in range(1, min(len(lines), MAX_FRONT_MATTER_LINES)):
        if lines[index].rstrip() in ("---", "..."):
            return index
    return None


def _load(block: list[str], path: Path) -> Any:
    try:
        return yaml.safe_load("\n".join(block))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise CheatsheetError(
            f"malformed front matter: {problem}",
            file=path,
            line=line,
            hint="write 'key: value' lines (quote values that contain ': ' or start with '[')",
        ) from None


def _checked(data: dict, lines: list[str], end: int, path: Path) -> dict[str, Any]:
    """Plain values; known keys as text; near-misses of known keys warned about."""
    meta: dict[str, Any] = {}
    for raw_key, value in data.items():
        key = str(raw_key).strip()
        lower = key.lower()
        if lower in KNOWN_KEYS:
            meta[lower] = _as_text(value)
            continue
        close = difflib.get_close_matches(lower, KNOWN_KEYS, n=1, cutoff=0.75)
        if close and close[0] not in data:
            warn(
                f"front matter key '{key}' is not one we use; did you mean '{close[0]}'?",
                path,
                _line_of(key, lines, end),
            )
        meta[key] = _plain(value, _Budget(path))
    return meta


def _line_of(key: str, lines: list[str], end: int) -> int:
    for index in range(1, end):
        if lines[index].lstrip().startswith(key):
            return index + 1
    return 1


def _as_text(value: Any) -> str:
    """Known keys print in the title block: lists (keywords, authors) as 'a, b'."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_as_text(v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


class _Budget:
    """YAML aliases can nest a small block into billions of values (the "billion laughs")."""

    LIMIT = 10_000

    def __init__(self, path: Path) -> None:
        self.path, self.left = path, self.LIMIT

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise CheatsheetError(
                f"front matter expands to more than {self.LIMIT} values",
                file=self.path,
                line=1,
                hint="remove the YAML aliases (*name) that repeat large blocks",
            )


def _plain(value: Any, budget: _Budget) -> Any:
    """Strings, numbers, booleans, lists and mappings only: what a sandboxed template may see."""
    budget.spend()
    if isinstance(value, dict):
        return {str(k): _plain(v, budget) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v, budget) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
