"""Refcard layout for "command — description" material, as a Python-Markdown extension.

Command lists are the bulk of git, docker, vim and bash sheets. Set as ordinary lists or
tables they spend a grey code box and a full line per item; a refcard sets them as a compact
two-column grid, monospace key left and description right (styled in base.css, `.refcard`).

Recognised:
- a bullet list whose items all read "`key` — description" (em/en dash, spaced hyphen, or a
  colon after the code), at least two of them;
- a two-column table whose body's first cells are all inline code (class on `tbody`);
- a definition list whose terms are all inline code (each term and its descriptions are
  wrapped in a `div.ref`, one grid row each).

Right-to-left text mirrors the grid, key on the right (base.css): in a right-to-left sheet,
and in a left-to-right one for items, groups and tables whose descriptions are in Arabic or
Hebrew script (`dir="rtl"`, set here for groups and tables, by typography.py for items).

The Markdown stays portable: nothing new to write, other renderers show a plain list.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .scripts import is_rtl, language_of, monospace_cells

MIN_ITEMS = 2
# What separates key from description after the code span.
SEPARATOR = re.compile(r"^\s*(?:[\u2014\u2013]|-{1,3}|:|\u2192|=>|->)\s+")


def _add_class(element: ET.Element, name: str) -> None:
    classes = element.get("class", "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


def _only_code(cell: ET.Element) -> bool:
    """The cell holds inline code and nothing else (spaces and commas between codes allowed)."""
    codes = [child for child in cell if child.tag == "code"]
    if not codes or len(codes) != len(cell) or (cell.text or "").strip():
        return False
    return all(not (child.tail or "").strip(" ,/") for child in codes)


def _split_item(item: ET.Element) -> bool:
    """Turn `<li><code>k</code> — text…</li>` into key and description; False if not one."""
    if len(item) == 0 or (item.text or "").strip() or item[0].tag != "code":
        return False
    if any(child.tag in ("ul", "ol", "p", "pre", "div") for child in item):
        return False
    key = item[0]
    match = SEPARATOR.match(key.tail or "")
    if not match:
        return False
    description = ET.Element("span", {"class": "desc"})
    description.text = (key.tail or "")[match.end() :]
    for child in list(item)[1:]:
        item.remove(child)
        description.append(child)
    key.tail = None
    _add_class(key, "key")
    item.append(description)
    return True


def _is_command_list(element: ET.Element) -> bool:
    items = [child for child in element if child.tag == "li"]
    if len(items) < MIN_ITEMS:
        return False
    for item in items:
        if len(item) == 0 or (item.text or "").strip() or item[0].tag != "code":
            return False
        if not SEPARATOR.match(item[0].tail or ""):
            return False
        if any(child.tag in ("ul", "ol", "p", "pre", "div") for child in item):
            return False
    return True


def _is_command_table(table: ET.Element) -> bool:
    body = table.find("tbody")
    rows = list(body) if body is not None else []
    if len(rows) < MIN_ITEMS:
        return False
    return all(len(row) == 2 and _only_code(row[0]) for row in rows)


def _is_command_definitions(element: ET.Element) -> bool:
    terms = [child for child in element if child.tag == "dt"]
    return len(terms) >= MIN_ITEMS and all(_only_code(term) for term in terms)


def _group_definitions(dl: ET.Element) -> None:
    """Each term and its descriptions in one `div.ref` (HTML allows a div around a dt/dd
    group): every group is its own two-column grid, like a list item. One grid for the whole
    list placed each dd after its dt by auto-placement, which cannot mirror: WeasyPrint's
    grid ignores `direction`, and a dt moved to the right-hand column pushed its dd onto the
    next row."""
    groups: list[ET.Element] = []
    for child in list(dl):
        # A new group at each term, except a term right after a term (two terms, one
        # description).
        if not groups or (child.tag == "dt" and groups[-1][-1].tag != "dt"):
            groups.append(ET.Element("div", {"class": "ref"}))
        dl.remove(child)
        groups[-1].append(child)
    dl.extend(groups)
    for group in groups:
        _mark_right_to_left(group, [child for child in group if child.tag == "dd"])


def _mark_right_to_left(element: ET.Element, descriptions: list[ET.Element]) -> None:
    """`dir="rtl"` on a group or table whose descriptions are in a right-to-left script, so
    it mirrors (key on the right) in a left-to-right sheet too, as list items do
    (typography.py tags each `li` by its own prose)."""
    text = " ".join("".join(part.itertext()) for part in descriptions)
    lang = language_of(text)
    if lang and is_rtl(lang) and "dir" not in element.attrib:
        element.set("dir", "rtl")


KEY_BUCKET = 5
KEY_BUCKET_MAX = 25


_STASHED = re.compile("\x02wzxhzdk:(\\d+)\x03")
_TAG = re.compile(r"<[^>]+>")


def _visible_text(md: Markdown, element: ET.Element) -> str:
    """An element's text as printed: pymdownx's inlinehilite stashes inline code away from
    the tree, leaving a placeholder that stands for the stashed HTML."""

    def stashed(match: re.Match[str]) -> str:
        blocks = md.htmlStash.rawHtmlBlocks
        index = int(match.group(1))
        return html.unescape(_TAG.sub("", str(blocks[index]))) if index < len(blocks) else ""

    return _STASHED.sub(stashed, "".join(element.itertext()))


def _key_bucket(md: Markdown, element: ET.Element) -> int:
    """The longest key in characters, rounded up to 5 (at most 25): the key column is sized
    to it (base.css `.refcard.kN`), so keys do not wrap and descriptions get the rest."""
    longest = max(monospace_cells(_visible_text(md, code)) for code in element.iter("code"))
    return min(-(-longest // KEY_BUCKET) * KEY_BUCKET, KEY_BUCKET_MAX)


class RefcardTreeprocessor(Treeprocessor):
    def run(self, root: ET.Element) -> None:
        for element in list(root.iter()):
            if element.tag == "ul" and _is_command_list(element):
                for item in element:
                    _split_item(item)
                _add_class(element, "refcard")
                _add_class(element, f"k{_key_bucket(self.md, element)}")
            elif element.tag == "table" and _is_command_table(element):
                # On the body, not the table: markdown.py tags `<table>` with its size classes.
                body = element.find("tbody")
                _add_class(body, "refcard")
                _mark_right_to_left(element, [row[1] for row in body])
            elif element.tag == "dl" and _is_command_definitions(element):
                _group_definitions(element)
                _add_class(element, "refcard")


class RefcardExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline patterns (20), before typography (5), which adds break points.
        md.treeprocessors.register(RefcardTreeprocessor(md), "cheatsheet-refcard", 8)


def makeExtension(**kwargs) -> RefcardExtension:
    return RefcardExtension(**kwargs)
