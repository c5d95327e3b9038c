"""Issue #14 item 2, `pack = true`: small sections move up into the empty feet of columns,
everything else keeps its order; read back from the PDF text positions."""

from __future__ import annotations

import pypdfium2 as pdfium
from test_typography import MM, build

from cheatsheet.pdf import section_spans

PITCH = ((297 - 2 * 6 - 3 * 3.5) / 4 + 3.5) * MM
LEFT = 6 * MM


def notes() -> str:
    # admonitions: blocks that never break, so they leave room at the column feet
    code = "\n".join(f"    step_{i} = run({i})  " for i in range(9))
    blocks = [f"## Block {n}\n\n!!! note\n{code}\n" for n in range(12)]
    return "\n".join(blocks) + "\n## Tiny\n\nzebra note\n"


def where(pdf, words: list[str]) -> dict[str, tuple[int, int, float]]:
    """(page, column, height from the foot) of the first occurrence of each word."""
    document = pdfium.PdfDocument(str(pdf))
    found = {}
    for number, page in enumerate(document):
        text = page.get_textpage()
        for word in words:
            hit = text.search(word, match_whole_word=True).get_next()
            if hit and word not in found:
                box = text.get_charbox(hit[0])
                found[word] = (number, int((box[0] - LEFT) // PITCH), box[1])
    return found


def test_pack_moves_a_small_section_into_a_column_foot(tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    source = notes()
    plain = build(tmp_path / "a", source, "--no-fit", "--no-balance")
    packed = build(tmp_path / "b", source, "--no-fit", "--no-balance", "--pack")
    words = ["zebra"] + [f"{n}" for n in range(12)]
    before, after = where(plain, ["zebra"]), where(packed, ["zebra"])
    assert before["zebra"][:2] > after["zebra"][:2], (before, after)  # moved up

    # the blocks keep their order: page, column, then top to bottom
    def order(pdf):
        document = pdfium.PdfDocument(str(pdf))
        text = "".join(p.get_textpage().get_text_range() for p in document)
        return [int(t.split()[0]) for t in text.split("Block ")[1:]]

    assert order(plain) == order(packed) == list(range(12))
    assert len(words) == 13


def test_section_spans_are_the_top_level_sections():
    html = (
        '<main><section id="a" class="block"><section>inner</section></section>\n'
        '<section id="b" class="block">b</section></main>'
    )
    spans = section_spans(html)
    assert list(spans) == ["a", "b"]
    assert html[slice(*spans["a"])].endswith("inner</section></section>")
