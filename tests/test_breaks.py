"""Authors' manual breaks (issue #14 item 2), read back from the PDF: `<!-- column -->`
moves what follows to the next column, `<!-- page -->` to the next page."""

from __future__ import annotations

import pypdfium2 as pdfium
from test_typography import build

from cheatsheet.pdf import page_breaks
from cheatsheet.typography import manual_breaks


def positions(pdf, words: list[str]) -> dict[str, tuple[int, float]]:
    """Page index and left edge of the first occurrence of each word."""
    document = pdfium.PdfDocument(str(pdf))
    found = {}
    try:
        for number, page in enumerate(document):
            text = page.get_textpage()
            for word in words:
                hit = text.search(word, match_whole_word=True).get_next()
                if hit and word not in found:
                    found[word] = (number, text.get_charbox(hit[0])[0])
    finally:
        document.close()
    return found


def test_comment_markers_become_break_divs():
    html = "<p>a</p>\n<!-- column -->\n<!--page break-->\n<!-- New Page -->\n<!-- note -->"
    assert manual_breaks(html) == (
        '<p>a</p>\n<div class="break-column"></div>\n<div class="break-page"></div>\n'
        '<div class="break-page"></div>\n<!-- note -->'
    )


def test_page_break_splits_the_columns_and_keeps_ids_unique():
    html = (
        '<main class="sheet"><section id="s" class="block"><p>one</p>'
        '<div class="break-page"></div><p>two</p></section>'
        '<section id="t" class="block"><p>three</p><div class="break-page"></div></section>'
        '<section id="u" class="block"><ul><li>x<div class="break-page"></div></li></ul>'
        "</section></main>"
    )
    out = page_breaks(html)
    assert out.count('<main class="sheet break-page">') == 2
    assert out.count('id="s"') == 1 and out.count("<section") == 4
    assert '<p>three</p></section>\n</main>\n<main class="sheet break-page"><section id="u"' in out
    assert '<li>x<div class="break-page"></div></li>' in out  # nested: left alone


def test_column_and_page_markers_in_the_pdf(tmp_path):
    source = """\
## First

alpha words here

<!-- column -->

bravo after the column break

<!-- page -->

charlie on the next page

## Second

delta still on page two

<!-- page -->

## Third

echo on page three
"""
    pdf = build(tmp_path, source, "--no-fit")
    at = positions(pdf, ["alpha", "bravo", "charlie", "delta", "echo"])
    assert at["alpha"][0] == at["bravo"][0] == 0
    assert at["bravo"][1] > at["alpha"][1] + 100  # the next column
    assert at["charlie"][0] == at["delta"][0] == 1
    assert abs(at["charlie"][1] - at["alpha"][1]) < 1  # first column of page two
    assert at["echo"][0] == 2 and abs(at["echo"][1] - at["alpha"][1]) < 1
    assert len(pdfium.PdfDocument(str(pdf))) == 3
