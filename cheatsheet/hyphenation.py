"""Hyphenation patterns kept in the user cache, parsed once per dictionary file.

WeasyPrint hyphenates with Pyphen, which reads and parses a language's `hyph_*.dic` file
in every process that hyphenates (English: 11 000 patterns, ~0.04 s, 4 % of building the
sample sheet). The parsed patterns go to the user's cache folder, keyed by Pyphen's
version and the file's path, size and modification time; a later build reads them back
(~3 ms). Only plain patterns are stored: a dictionary with non-standard hyphenation
(`DataInt` values carrying a change such as `ff=f`) is parsed as Pyphen does. An entry that
does not parse back to the right types is ignored, like every entry of the user cache.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import cacheentry

# Set by the pipeline to the user's cache folder; None parses every time.
DISK_CACHE: Path | None = None
FORMAT = "2"  # bump when what is stored changes


def install() -> None:
    """Have Pyphen read parsed patterns from the user cache (once per process)."""
    import pyphen

    if getattr(pyphen.HyphDict, "from_cheatsheet_cache", False):
        return
    parsed_by_pyphen = pyphen.HyphDict

    class CachedHyphDict(parsed_by_pyphen):
        from_cheatsheet_cache = True

        def __init__(self, path):
            key = _key(Path(path), pyphen)
            patterns = _read(key)
            if patterns is None:
                super().__init__(path)
                _write(key, self.patterns)
                return
            self.patterns = patterns
            self.cache = {}
            self.maxlen = max(len(pattern) for pattern in patterns)

    pyphen.HyphDict = CachedHyphDict


def _key(path: Path, pyphen) -> str:
    try:
        stat = path.stat()
    except OSError:
        return ""
    version = getattr(pyphen, "__version__", "?")
    return f"{version}|{FORMAT}|{path}|{stat.st_size}|{stat.st_mtime_ns}"


def _path(key: str) -> Path | None:
    if DISK_CACHE is None or not key:
        return None
    name = hashlib.sha256(key.encode()).hexdigest()[:32]
    return DISK_CACHE / "hyphenation" / f"{name}.json"


def _read(key: str) -> dict[str, tuple[int, tuple[int, ...]]] | None:
    """The stored patterns, or None when missing, foreign or not of the right shape.

    Stored as one text of `pattern<TAB>start<TAB>digits` lines, checked whole by one regex
    and split (3 ms for English; a JSON object of lists checked item by item took 25 ms)."""
    path = _path(key)
    if path is None:
        return None
    data = cacheentry.read(path, key)
    text = data.get("patterns") if data else None
    if not isinstance(text, str) or not STORED.fullmatch(text):
        return None
    digits: dict[str, tuple[int, ...]] = {}  # the same values shared, as Pyphen shares none
    patterns = {}
    for line in text.split("\n"):
        pattern, start, values = line.split("\t")
        found = digits.get(values)
        if found is None:
            found = digits[values] = tuple(map(int, values))
        patterns[pattern] = (int(start), found)
    return patterns


# What `_write` stores: lines of a pattern (no tab or newline), its start, its digits.
STORED = re.compile(r"(?:[^\t\n]+\t\d+\t\d+\n)*[^\t\n]+\t\d+\t\d+")


def _write(key: str, patterns: dict) -> None:
    path = _path(key)
    if path is None or not patterns:
        return
    if not all(type(v) is int and 0 <= v <= 9 for _, values in patterns.values() for v in values):
        return  # non-standard hyphenation (DataInt) or values of two digits: parsed each time
    lines = [
        f"{pattern}\t{start}\t{''.join(map(str, values))}"
        for pattern, (start, values) in patterns.items()
    ]
    text = "\n".join(lines)
    if STORED.fullmatch(text):
        cacheentry.write(path, key, {"patterns": text})
