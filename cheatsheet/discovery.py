"""Which files make up a sheet: configured files, folders and globs, inside the project only
(a path outside it only when the user named it on the command line)."""

from __future__ import annotations

import glob
from pathlib import Path

from .errors import CheatsheetError, warn
from .sandbox import file_problem, is_inside

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".txt")


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
