"""Hyphenation patterns kept in the user cache, parsed once per dictionary file.

WeasyPrint hyphenates with Pyphen, which reads and parses a language's `hyph_*.dic` file
in every process that hyphenates (English: 11 000 patterns, ~0.04 s, 4 % of building the
sample sheet). The parsed patterns go to the user's cache folder as JSON, keyed by Pyphen's
version and the file's path, size and modification time; a later build reads them back
(~0.01 s). Only plain patterns are stored: a dictionary with non-standard hyphenation
(`DataInt` values carrying a change such as `ff=f`) is parsed as Pyphen does. An entry that
does not parse back to the right types is ignored, like every entry of the user cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import cacheentry

# Set by the pipeline to the user's cache folder; None parses every time.
DISK_CACHE: Path | None = None
FORMAT = "1"  # bump when what is stored changes


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
    """The stored patterns, or None when missing, foreign or not of the right shape."""
    path = _path(key)
    if path is None:
        return None
    data = cacheentry.read(path, key)
    stored = data.get("patterns") if data else None
    if not isinstance(stored, dict) or not stored:
        return None
    patterns = {}
    for pattern, value in stored.items():
        if not (
            isinstance(value, list)
            and len(value) == 2
            and _is_int(value[0])
            and isinstance(value[1], list)
            and value[1]
            and all(_is_int(v) for v in value[1])
        ):
            return None
        patterns[pattern] = (value[0], tuple(value[1]))
    return patterns


def _write(key: str, patterns: dict) -> None:
    path = _path(key)
    if path is None or not patterns:
        return
    if not all(type(v) is int for _, values in patterns.values() for v in values):
        return  # non-standard hyphenation (DataInt): parsed every time
    fields = {"patterns": {p: [start, list(values)] for p, (start, values) in patterns.items()}}
    cacheentry.write(path, key, fields)


def _is_int(value: object) -> bool:
    return type(value) is int
