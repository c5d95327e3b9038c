"""The one exception type users ever see, and the warning channel.

Every stage raises `CheatsheetError` for problems the user can fix; the CLI catches it
once and prints it as a single line. Anything else is a bug and exits with code 1.

Warnings are values: `warn()` records a `Diagnostic` (kind, file, line, message) into the
collector the pipeline opens for each build (`collecting()`), and the build's report carries
them, so `--strict` counts them, `--report json` lists them, the watch preview shows them and
the CLI prints them in one place. Outside a build (no collector open) `warn()` logs, so a
caller never has to know which case it is in.

Everything shown on a terminal passes through `visible()`: a file name or a fence's language
is the user's text, and control characters in it must not move the cursor, retitle the
terminal or start a forged second line.
"""

from __future__ import annotations

import contextvars
import difflib
import functools
import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("cheatsheet")

EXIT_INPUT = 2
EXIT_INTERNAL = 1


# C0 and C1 controls (escape sequences, newlines, backspace), bidi embeddings, overrides and
# isolates (Trojan source), and line/paragraph separators: everything that can change what a
# terminal line appears to say.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """Make control characters printable (`\\x1b`, `\\n`, `\\u202e`), for terminal output."""
    return _INVISIBLE.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in "\n\t\r":
        return {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def where(file: Path | str | None, line: int | None = None) -> str:
    """Format a location the way compilers do, so editors can jump to it."""
    if file is None:
        return ""
    text = visible(_display_path(file))
    return f"{text}:{line}" if line else text


def _display_path(file: Path | str) -> str:
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was removed
        return str(file)
    return _relative_to(str(file), cwd)


@functools.lru_cache(maxsize=1024)
def _relative_to(file: str, cwd: str) -> str:
    """Cached: a build may warn thousands of times about one file."""
    path = Path(file)
    try:
        return str(path.resolve().relative_to(Path(cwd).resolve()))
    except (ValueError, OSError, RuntimeError):  # outside, a NUL in the name, a symlink loop
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
        return visible(f"{text}; {self.hint}" if self.hint else text)


@dataclass(frozen=True)
class Diagnostic:
    """One warning of a build, as a value: what kind, where, and what to do about it."""

    kind: str
    message: str
    file: str = ""  # as displayed (relative to the working folder when inside it)
    line: int = 0

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else self.file

    def __str__(self) -> str:
        """One terminal-safe line: `file:line: message`."""
        text = f"{self.location}: {self.message}" if self.location else self.message
        return visible(text)


class Diagnostics(list):
    """The warnings of one build in the order found, each once (20,000 identical-looking
    warnings must not cost a quadratic search)."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[Diagnostic] = set()

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self.append(diagnostic)


_collector: contextvars.ContextVar[Diagnostics | None] = contextvars.ContextVar(
    "cheatsheet_diagnostics", default=None
)


@contextmanager
def collecting() -> Iterator[Diagnostics]:
    """Collect the warnings of one build (this thread or task only) into the yielded list."""
    found = Diagnostics()
    token = _collector.set(found)
    try:
        yield found
    finally:
        _collector.reset(token)


def warn(
    message: str,
    file: Path | str | None = None,
    line: int | None = None,
    *,
    kind: str = "warning",
) -> None:
    """Report a recoverable problem with its location: into the build's report when a build
    is collecting, else to the log. The same warning at the same place is recorded once."""
    diagnostic = Diagnostic(
        kind, message, _display_path(file) if file is not None else "", line or 0
    )
    found = _collector.get()
    if found is None:
        log.warning(str(diagnostic))
    else:
        found.add(diagnostic)


def format_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """The lines the CLI prints for a build's warnings, terminal-safe, in the order found."""
    return [f"warning: {diagnostic}" for diagnostic in diagnostics]


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """Suggest the closest known names, because typos are the usual cause of 'unknown X'."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    listing = ", ".join(options)
    if close:
        return f"did you mean '{close[0]}'? (known: {listing})"
    return f"known: {listing}" if options else "none are defined"


# -- interrupts -------------------------------------------------------------------------------
# Ctrl-C and SIGTERM raise KeyboardInterrupt wherever the build is, and code that catches
# BaseException (WeasyPrint's SVG drawing) or runs in a finaliser (where Python prints the
# exception and drops it) can swallow it. The CLI's handlers also set this latch, and every
# output checks it before the rename that replaces the previous file, so a build that was
# told to stop never writes, whatever swallowed the exception.
_interrupted = False


def note_interrupt() -> None:
    """Record that the process was told to stop (called from a signal handler)."""
    global _interrupted
    _interrupted = True


def clear_interrupt() -> None:
    """A new run in this process (a library caller, the tests) starts with no interrupt."""
    global _interrupted
    _interrupted = False


def stop_if_interrupted() -> None:
    """Raise KeyboardInterrupt if an interrupt arrived, even one something swallowed."""
    if _interrupted:
        raise KeyboardInterrupt
