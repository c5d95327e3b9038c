"""Issue #14 item 8 in right-to-left text: the three refcard forms (command list, definition
list, two-column table) mirror like the reading order, key on the right and its description
on its left, and each key still reads left to right (`git add -p`, not `-p git add`).

Read back from the PDF: per printed line, the monospace glyphs (the key) sorted by their x
must spell the key, and stand right of every Arabic glyph of that line.
"""

from __future__ import annotations

import pytest
from test_typography import build, glyphs

# form -> (Markdown, its keys)
FORMS = {
    "list": (
        "- `git init` — إنشاء مستودع جديد\n- `git add -p` — إضافة التغييرات على أجزاء\n",
        ["git init", "git add -p"],
    ),
    "definitions": (
        "`git status`\n:   عرض حالة الملفات\n\n`git stash -u`\n:   حفظ التغييرات جانبا\n",
        ["git status", "git stash -u"],
    ),
    "table": (
        "| الأمر | الوصف |\n|---|---|\n| `sorted(x)` | ترتيب العناصر تصاعديا |\n"
        "| `git rm -r` | حذف مجلد كامل |\n",
        ["sorted(x)", "git rm -r"],
    ),
}
ENGLISH = (
    "## English\n\n- `ls -la` — list every file\n- `cd -` — back to the last folder\n\n"
    "`pwd`\n:   print the folder\n\n`cp -r`\n:   copy a tree\n\n"
    "| Key | Does |\n|---|---|\n| `mv -n` | move, never overwrite |\n| `rm -i` | ask first |\n"
)


def _arabic_sections() -> str:
    return "".join(f"## قسم {name}\n\n{markdown}\n" for name, (markdown, _keys) in FORMS.items())


def _is_arabic(char: str) -> bool:
    return "\u0600" <= char <= "\u06ff"


# pdfium names a closing bracket of code set in right-to-left text "(" (the font's
# character map has one name per glyph): brackets are compared as one.
BRACKETS = str.maketrans(")]", "([")


def _key_lines(drawn, keys: list[str]) -> dict[str, tuple[float, float, list]]:
    """key -> (left, right, glyphs beside it) for each key, found as the monospace glyphs
    on one baseline, read left to right; the glyphs beside it are those of other fonts
    within 3 pt of that baseline (the grid cells of key and description align their tops,
    not their baselines)."""
    lines: dict[float, list] = {}
    for glyph in drawn:
        if "Mono" in glyph.font and not glyph.char.isspace():
            lines.setdefault(glyph.baseline, []).append(glyph)
    found = {}
    for baseline, line in lines.items():
        mono = sorted(line, key=lambda g: g.box[0])
        spelled = "".join(g.char for g in mono).translate(BRACKETS)
        for key in keys:
            if spelled == key.replace(" ", "").translate(BRACKETS):
                beside = [
                    g
                    for g in drawn
                    if g.font and "Mono" not in g.font and abs(g.baseline - baseline) < 3
                ]
                found[key] = (mono[0].box[0], mono[-1].box[2], beside)
    spelled_lines = [
        "".join(g.char for g in sorted(line, key=lambda g: g.box[0])) for line in lines.values()
    ]
    missing = [key for key in keys if key not in found]
    assert not missing, (missing, spelled_lines)
    return found


def _assert_key_right_of_description(found, keys):
    rights = []
    for key in keys:
        left, right, line = found[key]
        description = [g.box[2] for g in line if _is_arabic(g.char)]
        assert description, key
        assert max(description) < left, (key, left, max(description))
        rights.append(right)
    # Keys flush against the right edge (ink boxes: ")" ends 1.3 pt before "r").
    assert max(rights) - min(rights) < 2, rights


CONTEXTS = {
    "sheet": "---\ntitle: مرجع\nlang: ar\n---\n## قسم\n\n{}",
    "div": '---\ntitle: Notes\nlang: en\n---\n## Part\n\n<div dir="rtl" markdown="1">\n\n{}\n</div>\n',
}


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("form", FORMS)
def test_right_to_left_sheet_mirrors_every_refcard_form(tmp_path, form, context):
    """In an Arabic sheet, and in a `<div dir="rtl">` of an English one."""
    markdown, keys = FORMS[form]
    source = CONTEXTS[context].format(markdown)
    drawn = glyphs(build(tmp_path, source, "--no-fit", "--font-size", "10"))
    _assert_key_right_of_description(_key_lines(drawn, keys), keys)


def test_right_to_left_refcards_mirror_in_a_left_to_right_sheet(tmp_path):
    """An Arabic section of an English sheet: its refcards mirror, the English ones not."""
    source = "---\ntitle: Mixed\nlang: en\n---\n" + ENGLISH + "\n" + _arabic_sections()
    drawn = glyphs(build(tmp_path, source, "--no-fit", "--font-size", "10", "--columns", "2"))
    for _name, (_markdown, keys) in FORMS.items():
        _assert_key_right_of_description(_key_lines(drawn, keys), keys)
    english = ["ls -la", "cd -", "pwd", "cp -r", "mv -n", "rm -i"]
    for key, (_left, right, line) in _key_lines(drawn, english).items():
        description = [g.box[0] for g in line if g.char.isalpha()]
        assert description and right < min(description), key


def test_definition_groups_keep_each_term_with_its_descriptions():
    import markdown

    from cheatsheet.markdown import EXTENSION_CONFIGS, EXTENSIONS

    source = "`a`\n`b`\n:   one\n:   two\n\n`c`\n:   three\n\n`d`\n:   وصف باللغة العربية\n"
    html = markdown.markdown(source, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    assert html.count('<div class="ref"') == 3, html
    first, second, third = html.split('<div class="ref"')[1:]
    assert first.count("<dt>") == 2 and first.count("<dd>") == 2
    assert second.count("<dt>") == 1 and "three" in second
    assert third.startswith(' dir="rtl"')


def test_right_to_left_title_block_puts_the_date_at_the_left_end(tmp_path):
    """The byline is pushed to the far end of the title row: the left end in right-to-left
    text (it stood right next to the title when the sheet had no subtitle)."""
    source = "---\ntitle: דף עזר\nlang: he\ndate: 2024-01-02\n---\n## פקודות\n\nטקסט קצר.\n"
    drawn = glyphs(build(tmp_path, source, "--no-fit", "--font-size", "10"))
    date = [g for g in drawn if g.page == 0 and g.char.isdigit()]
    title = [g for g in drawn if g.page == 0 and g.char in "דףעזר"]
    assert date and title
    assert min(g.box[0] for g in date) < 30  # the page's left margin is 6 mm (17 pt)
    assert max(g.box[2] for g in date) < min(g.box[0] for g in title) - 200


def test_right_to_left_dates_read_left_to_right_and_the_footer_mirrors(tmp_path):
    """After an Arabic author the date's digits are Arabic numbers and its hyphens neutral:
    2024-01-02 printed as 02-01-2024 in the byline and the footer. The footer mirrors like
    the title block: title right, page numbers left."""
    body = "\n".join(f"## قسم {n}\n\n{FORMS['list'][0]}\nنص قصير للقسم.\n" for n in range(60))
    source = f"---\ntitle: مرجع\nauthor: كاتب\nlang: ar\ndate: 2024-01-02\n---\n{body}"
    drawn = [g for g in glyphs(build(tmp_path, source, "--no-fit", "--font-size", "10"))]
    assert max(g.page for g in drawn) >= 1  # a footer needs two pages
    first = [g for g in drawn if g.page == 0 and g.font]
    fours = {g.baseline for g in first if g.char == "4"}
    dated = fours & {g.baseline for g in first if g.char == "-"}
    assert len(dated) == 2, dated  # title block and footer
    footer_line = min(dated)
    for baseline in dated:
        line = sorted((g for g in first if g.baseline == baseline), key=lambda g: g.box[0])
        assert "2024-01-02" in "".join(g.char for g in line if not g.char.isspace())
    footer = [g for g in first if g.baseline == footer_line]
    title = max(g.box[2] for g in footer if g.char in "مرجع")
    page = max(g.box[2] for g in footer if g.char == "/")
    assert page < 100 < 700 < title, (page, title)
