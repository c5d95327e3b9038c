"""Name the script of a character nobody could draw, and the font package that covers it,
so a missing-glyph report says what to install rather than just showing a box."""

from __future__ import annotations

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
