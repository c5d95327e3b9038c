"""Issue #14 item 5: an emoji at the end of a line never wraps alone, and the word it is tied
to still hyphenates (pdf.glue_line_final_emoji).

The emoji was once glued to its word by a nowrap span around both: a long word before a
line-final emoji then never hyphenated, it moved whole to the next line and ran past the
column edge. Read back from the PDF: the emoji drawings (form objects) and the glyphs on
their line.
"""

from __future__ import annotations

import numpy
import pypdfium2 as pdfium
import pytest
from test_typography import build, glyphs

SCALE = 3


def _emoji_boxes(pdf) -> list[tuple[float, float, float, float]]:
    """(left, bottom, right, top) in PDF points of every rocket on the first page, found by
    its red pixels (pdfium sees the first drawing of an image as paths, later ones as forms:
    the page objects do not tell them apart from rules and backgrounds)."""
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        height = page.get_height()
        pixels = numpy.asarray(page.render(scale=SCALE).to_pil().convert("RGB")).astype(int)
    finally:
        document.close()
    red = (pixels[..., 0] > 170) & (pixels[..., 1] < 120) & (pixels[..., 2] < 110)
    boxes = []
    for top, bottom in _runs(red.any(axis=1)):
        for left, right in _runs(red[top:bottom].any(axis=0), gap=6):
            boxes.append(
                (left / SCALE, height - bottom / SCALE, right / SCALE, height - top / SCALE)
            )
    return boxes


def _runs(flags, gap: int = 2) -> list[tuple[int, int]]:
    """(start, end) of the runs of true values, runs closer than `gap` merged."""
    runs: list[list[int]] = []
    for index in numpy.flatnonzero(flags):
        if runs and index - runs[-1][1] <= gap:
            runs[-1][1] = int(index) + 1
        else:
            runs.append([int(index), int(index) + 1])
    return [(start, end) for start, end in runs]


@pytest.mark.parametrize(
    ("lang", "words", "word"),
    [
        ("de", ("Wir", "besuchen", "die"), "Donaudampfschifffahrtsgesellschaft"),
        ("en", ("We", "studied", "the"), "antidisestablishmentarianism"),
    ],
)
def test_a_word_before_a_line_final_emoji_still_hyphenates(tmp_path, lang, words, word):
    # The long word starts at a different place on the line in every paragraph.
    one, two, three = words
    paragraphs = [
        f"{(one + ' ') * (n % 6)}{two} {(three + ' ') * (n // 6)}{word} 🚀" for n in range(12)
    ]
    source = f"---\nlang: {lang}\n---\n## Words\n\n" + "\n\n".join(paragraphs) + "\n"
    pdf = build(tmp_path, source, "--no-fit", "--columns", "6", "--font-size", "9")
    drawn = [g for g in glyphs(pdf) if g.page == 0 and g.font]
    text = "".join(g.char for g in drawn)
    # Hyphenated: the word is printed in two pieces in most paragraphs (whole, it moved to a
    # line of its own in every one of them and overflowed the column).
    assert text.count(word) <= 2, text.count(word)
    # pdfium reads a hyphen it sees ending a line as \x02.
    assert text.count("\x02") >= 8, text
    emoji = _emoji_boxes(pdf)
    assert len(emoji) == len(paragraphs)
    for left, bottom, _right, top in emoji:
        # Never alone: a letter ends right before it on its line (the red is in the
        # rocket's right half, at most a no-break space and 1.2 em after the letter).
        gaps = [
            left - g.box[2]
            for g in drawn
            if g.char.isalpha() and g.box[1] < top and g.box[3] > bottom
        ]
        assert any(0 <= gap < 12 for gap in gaps), (left, bottom, gaps)
