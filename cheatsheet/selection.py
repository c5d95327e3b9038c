"""Choosing and ordering sections: include (which also orders), exclude and order patterns."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path

from .errors import CheatsheetError, did_you_mean
from .sectioning import Section
from .slug import slugify, strip_symbols


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
        or fnmatchcase(s.slug, slugify(wanted))
        or fnmatchcase(s.title.lower(), wanted)
        or fnmatchcase(strip_symbols(s.title).lower(), wanted)
    ]
    if not found:
        raise CheatsheetError(
            f"no section matches '{pattern}'",
            file=origin,
            hint=did_you_mean(wanted, [s.slug for s in sections])
            + " (run --list-sections to see them all)",
        )
    return found
