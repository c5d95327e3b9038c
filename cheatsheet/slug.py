"""The one slug function: section ids, heading ids and `--only` patterns all agree.

Emoji and symbols make poor slugs ('🚀 Essential & Co' -> 'essential-co'); letters of every
script are kept, as GitHub does, so Chinese or Cyrillic headings get readable ids.
"""

from __future__ import annotations

import re
import unicodedata

_MARKUP = re.compile(r"[*_`]")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")


def plain_title(text: str) -> str:
    """A heading's text without emphasis markers and link targets."""
    return _MARKUP.sub("", _LINK.sub(r"\1", text)).strip()


def strip_symbols(text: str) -> str:
    """Keep letters, digits, '-' and '_'; collapse spaces."""
    kept = (ch if ch.isalnum() or ch in "-_" else " " if ch.isspace() else "" for ch in text)
    return " ".join("".join(kept).split())


def slugify(text: str, separator: str = "-", github: bool = False) -> str:
    """Lower-case, NFC, words of `text` joined by `separator`.

    `github=True` makes heading ids as GitHub does (every space becomes a separator, so
    'Smileys & Emotion' is 'smileys--emotion'): the in-document links of notes written for
    GitHub keep working. Section slugs collapse the separators ('smileys-emotion')."""
    text = unicodedata.normalize("NFC", plain_title(text)).lower()
    if github:
        kept = "".join(ch for ch in text if ch.isalnum() or ch in "-_ ")
        return kept.replace(" ", separator)
    return re.sub(r"[\s-]+", separator, strip_symbols(text)).strip(separator)


def heading_id(text: str, separator: str = "-") -> str:
    """Python-Markdown's toc calls this for heading ids: GitHub's rule (see `slugify`)."""
    return slugify(text, separator, github=True)


def unique(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`, ... the first not in `taken` (which it joins)."""
    slug, n = base or "section", 2
    while slug in taken:
        slug, n = f"{base or 'section'}-{n}", n + 1
    taken.add(slug)
    return slug
