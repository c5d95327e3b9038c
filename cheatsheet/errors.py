"""The one exception type users ever see, and the warning channel.

Every stage raises `CheatsheetError` for problems the user can fix; the CLI catches it
once and prints it as a single line. Anything else is a bug and exits with code 1.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("cheatsheet")

EXIT_INPUT = 2
EXIT_INTERNAL = 1


def where(file: Path | str | None, line: int | None = None) -> str:
    """Format a location the way compilers do, so editors can jump to it."""
    if file is None:
        return ""
    text = _display_path(file)
    return f"{text}:{line}" if line else text


def _display_path(file: Path | str) -> str:
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class CheatsheetError(Exception):
    """A problem in the user's input, config or environment that they can fix."""

    def __init__(
        self,
        message: str,
        *,
        file: Path | str | None = None,
        line: int | None = None,
        hint: str | None = None,
        exit_code: int = EXIT_INPUT,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        prefix = where(self.file, self.line)
        text = f"{prefix}: {self.message}" if prefix else self.message
        return f"{text}; {self.hint}" if self.hint else text


def warn(message: str, file: Path | str | None = None, line: int | None = None) -> None:
    """Report a recoverable problem with its location; the CLI decides how to show it."""
    prefix = where(file, line)
    log.warning(f"{prefix}: {message}" if prefix else message)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Suggest the closest known names, because typos are the usual cause of 'unknown X'."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    listing = ", ".join(options)
    if close:
        return f"did you mean '{close[0]}'? (known: {listing})"
    return f"known: {listing}" if options else "none are defined"
