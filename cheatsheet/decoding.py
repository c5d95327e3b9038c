"""Bytes to clean text: size limit, binary check, UTF-8 with a located error, line endings,
and the repair of mojibake (UTF-8 once decoded as cp1252) with a warning that shows an example.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from .errors import CheatsheetError, warn

MAX_FILE_BYTES = 5 * 1024 * 1024
# An example in a warning needs a few characters of context, not the whole line.
EXAMPLE_CONTEXT = 12

# Every mojibake of UTF-8 read as latin-1 or cp1252 contains one of these characters (the
# latin-1 range and cp1252's other letters); text without any is left alone without
# importing ftfy (~40 ms per build).
MOJIBAKE_HINT = re.compile(
    "[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)


def __getattr__(name: str):
    if name == "REPAIR":
        return repair_config()
    raise AttributeError(name)


@functools.lru_cache(maxsize=1)
def repair_config():
    """Only the encoding fixes: the other ftfy fixes (quotes, widths, ligatures) would
    alter faithful text, e.g. full-width CJK punctuation."""
    import ftfy

    return ftfy.TextFixerConfig(
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


def decode(data: bytes, path: Path, repair: bool = True, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Bytes to clean text: BOM, line endings and mojibake handled, or a located error."""
    check_size(len(data), max_bytes, path)
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


def check_size(size: int, max_bytes: int, path: Path) -> None:
    if size > max_bytes:
        raise CheatsheetError(
            f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit",
            file=path,
            hint="split it into several files or raise max_file_size",
        )


def repair_mojibake(text: str, path: Path) -> str:
    """Undo UTF-8 that was decoded as cp1252/latin-1 somewhere upstream (e.g. 'ðŸš€')."""
    if MOJIBAKE_HINT.search(text) is None:
        return text
    import ftfy

    fixed = ftfy.fix_text(text, repair_config())
    if fixed == text:
        return text
    before_lines, after_lines = text.split("\n"), fixed.split("\n")
    changed = sum(a != b for a, b in zip(before_lines, after_lines, strict=False))
    for number, (old, new) in enumerate(zip(before_lines, after_lines, strict=False), 1):
        if old != new:
            warn(
                f"repaired damaged text (mojibake) on {changed} line(s), e.g. "
                f"{first_difference(old, new)}; use --no-repair to keep it as it is",
                path,
                number,
                kind="repaired_text",
            )
            break
    return fixed


def first_difference(old: str, new: str) -> str:
    """The first changed stretch of a repaired line, in linear time.

    Common prefix and suffix are cut off and a little context kept: a diff algorithm
    (difflib's SequenceMatcher took 40 s on one 30 KB line) is not needed to show an example.
    """
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    # Mojibake runs are short: show the changed stretch, shortened if the line changed a lot.
    a = old[start : min(end_old, start + EXAMPLE_CONTEXT * 2)]
    b = new[start : min(end_new, start + EXAMPLE_CONTEXT)]
    return f"'{a}' -> '{b}'"
