"""Every glyph right: damaged text repaired, encodings handled, emoji as images, CJK through
system fonts, and characters nobody can draw named with their script."""

from __future__ import annotations

import json
import re

import ftfy
import pytest

from cheatsheet import emoji
from cheatsheet.content import REPAIR, decode
from conftest import CORPUS, ROOT, SEED_RAW, make_project, pdf_text, run_cli


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_damaged_seed_builds_to_the_same_text_as_its_repair(tmp_path):
    repaired = tmp_path / "repaired" / "quick-reference.raw.md"
    repaired.parent.mkdir()
    repaired.write_text(
        ftfy.fix_text(SEED_RAW.read_text(encoding="utf-8"), REPAIR), encoding="utf-8"
    )
    a, b = tmp_path / "raw.pdf", tmp_path / "fixed.pdf"
    raw = run_cli("--content", SEED_RAW, "--no-fit", "-o", a)
    fixed = run_cli("--content", repaired, "--no-fit", "-o", b)
    assert raw.code == 0 and fixed.code == 0
    assert normalise(pdf_text(a)) == normalise(pdf_text(b))
    assert "√d_k" in pdf_text(a) and "ðŸ" not in pdf_text(a)
    assert "quick-reference.raw.md:3: repaired damaged text (mojibake) on 12 line(s)" in raw.err
    assert "'ðŸš€' -> '🚀'" in raw.err


def test_content_folder_holds_the_repaired_seed():
    source = (ROOT / "content" / "quick-reference.md").read_text(encoding="utf-8")
    for char in "🚀🎯📋🔧🎪📚📄":
        assert char in source, char
    assert not re.search("[ÃÂâð][\u0080-\u00ff]", source)


def test_no_repair_keeps_the_damage(tmp_path):
    out = tmp_path / "raw.pdf"
    result = run_cli("--content", SEED_RAW, "--no-fit", "--no-repair", "-o", out)
    assert result.code == 0
    assert "mojibake" not in result.err
    assert "âˆš" in pdf_text(out)


def test_bom_crlf_and_tabs():
    text = decode(b"\xef\xbb\xbf## Title\r\n\r\n\tcode\r\nline\rend\n", SEED_RAW, repair=False)
    assert text == "## Title\n\n\tcode\nline\nend\n"


def test_repair_leaves_clean_text_alone():
    for path in sorted(CORPUS.glob("*.md")):
        original = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        assert decode(path.read_bytes(), path).replace("\r\n", "\n") == original, path.name


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("🚀", "1F680"),
        ("👍🏽", "1F44D-1F3FD"),
        ("👨‍👩‍👧", "1F468-200D-1F469-200D-1F467"),
        ("🇫🇷", "1F1EB-1F1F7"),
        ("#️⃣", "0023-FE0F-20E3"),
        ("❤️", "2764"),
        ("🏳️‍🌈", "1F3F3-FE0F-200D-1F308"),
    ],
)
def test_emoji_sequences_become_one_image(text, stem):
    html = emoji.replace_in_text(f"a {text} b")
    assert html.count("<img") == 1 and f'src="emoji:{stem}"' in html


@pytest.mark.parametrize("text", ["❤", "↔", "©", "™", "√", "∞", "α", "1", "#", "-"])
def test_text_symbols_stay_text(text):
    assert emoji.replace_in_text(text) == text


def test_emoji_and_shortcodes_render_without_missing_glyphs(tmp_path):
    project = make_project(
        tmp_path,
        {"content/a.md": "## Emoji 🚀\n\n:rocket: :+1: 👨‍👩‍👧 🇯🇵 👍🏿 ❤️ `code 🚀`\n"},
    )
    result = run_cli("-C", project, "--report", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["missing_glyphs"] == []


def test_line_art_emoji_have_no_colour():
    colour = emoji.svg_bytes("1F680", "color").decode()
    line = emoji.svg_bytes("1F680", "line").decode()
    assert "#ea5a47" in colour.lower()
    assert not re.search(r'fill="#(?!000)[0-9a-fA-F]{3,6}"', line)


# The non-Latin corpus sheets (quickref-pytorch-zh, cs229-probability-ja,
# docker-cheat-sheet-ru) are built in test_corpus.py, which asserts that their reports list no
# missing glyph; a second build of each here would add nothing.


def test_undrawable_character_names_script_and_package(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## Signs\n\nThe sign 𓀀 here.\n"})
    result = run_cli("-C", project)
    assert "Egyptian hieroglyphs" in result.err and "fonts-noto-extra" in result.err
