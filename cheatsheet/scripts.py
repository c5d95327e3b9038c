"""Name the script of a character nobody could draw, and the font package that covers it,
so a missing-glyph report says what to install rather than just showing a box."""

from __future__ import annotations

import re
import unicodedata

# (prefix of the Unicode character name, script, Debian package with a font for it)
SCRIPTS = [
    ("CJK", "Chinese/Japanese (Han)", "fonts-noto-cjk"),
    ("IDEOGRAPHIC", "Chinese/Japanese (Han)", "fonts-noto-cjk"),
    ("HIRAGANA", "Japanese (Hiragana)", "fonts-noto-cjk"),
    ("KATAKANA", "Japanese (Katakana)", "fonts-noto-cjk"),
    ("HALFWIDTH KATAKANA", "Japanese (Katakana)", "fonts-noto-cjk"),
    ("FULLWIDTH", "CJK full-width forms", "fonts-noto-cjk"),
    ("BOPOMOFO", "Chinese (Bopomofo)", "fonts-noto-cjk"),
    ("HANGUL", "Korean (Hangul)", "fonts-noto-cjk"),
    ("ARABIC", "Arabic", "fonts-noto-core"),
    ("HEBREW", "Hebrew", "fonts-noto-core"),
    ("DEVANAGARI", "Devanagari", "fonts-noto-core"),
    ("BENGALI", "Bengali", "fonts-noto-core"),
    ("TAMIL", "Tamil", "fonts-noto-core"),
    ("THAI", "Thai", "fonts-noto-core"),
    ("GEORGIAN", "Georgian", "fonts-noto-core"),
    ("ARMENIAN", "Armenian", "fonts-noto-core"),
    ("ETHIOPIC", "Ethiopic", "fonts-noto-core"),
    ("EGYPTIAN HIEROGLYPH", "Egyptian hieroglyphs", "fonts-noto-extra"),
    ("MATHEMATICAL", "Mathematical alphanumerics", "fonts-dejavu-extra or fonts-stix"),
    ("BRAILLE", "Braille", "fonts-dejavu-extra"),
]


def describe(char: str) -> tuple[str, str]:
    """(script, how to get a font) for one character; falls back to the Unicode name."""
    name = unicodedata.name(char, "")
    for prefix, script, package in SCRIPTS:
        if name.startswith(prefix):
            return script, f"install a font for it, e.g. Debian's {package}"
    label = name.title() if name else f"U+{ord(char):04X}"
    return label, "install a font that covers it (e.g. Debian's fonts-noto-core)"


# ---- Language of a text from its letters: picks the CJK face, the hyphenation patterns
# and the direction when neither front matter nor config says. ----

# (first code point, last code point, script)
RANGES = [
    (0x0041, 0x024F, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x1F00, 0x1FFF, "greek"),
    (0x0400, 0x04FF, "cyrillic"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0750, 0x077F, "arabic"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x3040, 0x30FF, "kana"),
    (0x31F0, 0x31FF, "kana"),
    (0xFF66, 0xFF9F, "kana"),
    (0x1100, 0x11FF, "hangul"),
    (0x3130, 0x318F, "hangul"),
    (0xAC00, 0xD7AF, "hangul"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xF900, 0xFAFF, "han"),
]
RTL_SCRIPTS = {"arabic", "hebrew"}
# Letters only these languages use, to tell them from their script's main language.
PERSIAN = set("پچژگ")
UKRAINIAN = set("іїєґІЇЄҐ")
TRADITIONAL = set("們這個來說時會對學問題為與關經")
SIMPLIFIED = set("们这个来说时会对学问题为与关经")


def script_of(char: str) -> str | None:
    code = ord(char)
    for first, last, script in RANGES:
        if first <= code <= last:
            return script
    return None


def script_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            script = script_of(char)
            if script:
                counts[script] = counts.get(script, 0) + 1
    return counts


def language_of(text: str, minimum: int = 2) -> str | None:
    """The language a run of text is written in, judged by its letters; None when it is too
    short to tell or written in Latin letters (whose language letters cannot tell).

    Japanese is any text with kana (kanji alone read as Chinese); Korean has Hangul; Han
    without either is Chinese, traditional when its common characters are the traditional
    forms. Code and URLs should be left out of `text` by the caller.
    """
    counts = script_counts(text)
    total = sum(counts.values())
    if total < minimum:
        return None
    if counts.get("kana", 0) >= 1 and counts.get("kana", 0) + counts.get("han", 0) >= total / 3:
        return "ja"
    if counts.get("hangul", 0) >= total / 3:
        return "ko"
    if counts.get("han", 0) >= total / 3:
        traditional = sum(char in TRADITIONAL for char in text)
        simplified = sum(char in SIMPLIFIED for char in text)
        return "zh-Hant" if traditional > simplified else "zh"
    script, count = max(counts.items(), key=lambda item: item[1])
    if count < total / 2 or script == "latin":
        return None
    if script == "arabic":
        return "fa" if any(char in PERSIAN for char in text) else "ar"
    if script == "cyrillic":
        return "uk" if any(char in UKRAINIAN for char in text) else "ru"
    return {"greek": "el", "hebrew": "he", "devanagari": "hi"}.get(script)


def is_rtl(lang: str) -> bool:
    return lang.split("-")[0] in ("ar", "fa", "he", "ur", "yi")


def document_language(text: str, given: str | None) -> str:
    """The sheet's `lang`: what the user gave, else what its prose is written in, else en."""
    if given:
        return given
    return language_of(text, minimum=20) or "en"


def _prose_of_markdown(markdown: str) -> str:
    """The Markdown's prose: fenced and indented code and inline code left out (line by line,
    so no pattern can backtrack over the whole file)."""
    prose, fence = [], ""
    for line in markdown.split("\n"):
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        if line.startswith(("    ", "\t")):
            continue
        prose.append(re.sub(r"`[^`]*`", " ", line))
    return "\n".join(prose)


def sheet_language(front_matter: str | None, configured: str, markdown: str) -> str:
    """`lang` for the whole sheet: front matter, then a config value other than the default
    `en`, then the script of the prose (so a Russian sheet is hyphenated as Russian and a
    Japanese one set in the Japanese face without anyone saying so)."""
    given = front_matter or (configured if configured != "en" else None)
    return document_language(_prose_of_markdown(markdown), given)


def monospace_cells(text: str) -> int:
    """Width in monospace cells: a wide (CJK) character takes two."""
    return len(text) + sum(unicodedata.east_asian_width(char) in "WF" for char in text)
