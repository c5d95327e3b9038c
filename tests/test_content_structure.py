"""Front matter (YAML), sectioning from structure, groups across files, one slug function."""

from __future__ import annotations

import logging

import pytest

from cheatsheet.content import load_content
from cheatsheet.errors import CheatsheetError
from cheatsheet.slug import slugify


def load(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return load_content(tmp_path, tuple(files))


JEKYLL = """---
layout: post
title: "Vim: the essentials"
category: editors
tags: [vim, keys]
updated: 2024-05-01
weight: 3
questions:
  - how to quit?
---
## Moving

h j k l
"""


def test_jekyll_front_matter_is_accepted_and_kept_as_meta(tmp_path):
    content = load(tmp_path, {"vim.md": JEKYLL})
    meta = content.meta
    assert meta["title"] == "Vim: the essentials"
    assert meta["tags"] == ["vim", "keys"] and meta["updated"] == "2024-05-01"
    assert meta["questions"] == ["how to quit?"] and meta["layout"] == "post"
    assert [s.title for s in content.sections] == ["Moving"]


def test_near_miss_of_a_known_key_warns_with_did_you_mean(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="cheatsheet"):
        load(tmp_path, {"a.md": "---\ntilte: Oops\nlayout: x\n---\n## A\n\ntext\n"})
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1, messages
    assert "a.md:2:" in messages[0] and "did you mean 'title'" in messages[0]


def test_leading_rule_is_not_front_matter(tmp_path):
    content = load(tmp_path, {"a.md": "---\n\n## One\n\ntext\n\n---\n\n## Two\n\nmore\n"})
    assert [s.title for s in content.sections] == ["One", "Two"]


def test_unclosed_front_matter_and_bad_yaml_are_located_errors(tmp_path):
    with pytest.raises(CheatsheetError, match="never closed"):
        load(tmp_path, {"a.md": "---\ntitle: x\n## One\n"})
    with pytest.raises(CheatsheetError) as info:
        load(tmp_path, {"b.md": "---\ntitle: x\ntags: [a, b\n---\n## One\n\ntext\n"})
    assert info.value.line and info.value.line >= 3 and "malformed front matter" in str(info.value)


def test_yaml_alias_bomb_is_refused(tmp_path):
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for n in range(1, 8):
        previous = chr(ord("a") + n - 1)
        name = chr(ord("a") + n)
        bomb += f"{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    bomb += "---\n## A\n\ntext\n"
    with pytest.raises(CheatsheetError, match="expands to more than"):
        load(tmp_path, {"a.md": bomb})


def test_section_level_chosen_from_structure_with_parts_as_groups(tmp_path):
    body = "# Big Title\n\n# Part One\n\n" + "".join(f"## S{i}\n\ntext {i}\n\n" for i in range(6))
    body += "# Part Two\n\n" + "".join(f"## T{i}\n\ntext {i}\n\n" for i in range(6))
    content = load(tmp_path, {"a.md": body})
    assert content.meta["title"] == "Big Title"
    assert len(content.sections) == 12
    groups = [s.group for s in content.sections]
    assert groups[0] == "Part One" and groups[6] == "Part Two"
    assert groups.count("") == 10


def test_few_giant_sections_split_one_level_deeper(tmp_path):
    long = "word " * 700
    body = "".join(
        f"## Chapter {c}\n\n" + "".join(f"### Topic {c}{t}\n\n{long}\n\n" for t in range(4))
        for c in range(2)
    )
    content = load(tmp_path, {"a.md": body})
    assert len(content.sections) == 8
    assert content.sections[0].group == "Chapter 0" and content.sections[4].group == "Chapter 1"


def test_second_files_title_becomes_a_group_heading(tmp_path):
    content = load(
        tmp_path,
        {"a.md": "# Sheet\n\n## One\n\ntext\n", "b.md": "# Git\n\n## Branches\n\ntext\n"},
    )
    assert content.meta["title"] == "Sheet"
    assert [(s.title, s.group) for s in content.sections] == [("One", ""), ("Branches", "Git")]


def test_one_slug_function_for_sections_headings_and_patterns():
    assert slugify("🚀 Essential Formulas & Concepts") == "essential-formulas-concepts"
    assert slugify("Must-Know Papers (2023-2024)") == "must-know-papers-2023-2024"
    assert slugify("Привет мир") == "привет-мир"
    assert slugify("**Bold** [link](http://x)") == "bold-link"
    # Heading ids follow GitHub, so `[x](#smileys--emotion)` in a README still resolves.
    assert slugify("Smileys & Emotion", github=True) == "smileys--emotion"
    assert slugify("🚀 Essential", github=True) == "-essential"


def test_unknown_front_matter_keys_reach_templates_as_meta(tmp_path):
    from cheatsheet.config import SheetConfig
    from cheatsheet.page import sheet_meta

    content = load(tmp_path, {"vim.md": JEKYLL})
    meta = sheet_meta(SheetConfig(project=tmp_path), content.meta)
    assert meta.extra["layout"] == "post" and meta.extra["tags"] == ["vim", "keys"]
