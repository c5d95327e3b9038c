#!/usr/bin/env python3
"""GitHub Flavored Markdown conformance of our Markdown stage: `python benchmarks/conformance.py`.

Runs every example of cmark-gfm's spec (`../shared/conformance/gfm-spec.txt`, 673 examples)
through the real Markdown stage (`MarkdownRenderer.render`: Python-Markdown with our
extensions, the sanitiser, code-line wrapping, formulas, emoji) and prints the pass rate per
spec section, as a Markdown table.

Outputs are compared after the normalisation of cmark's own `test/normalize.py` (whitespace
around block tags collapsed, attributes sorted, entities resolved), plus what is ours by
design and not a Markdown difference:

- a code block's presentation: the Pygments wrapper `<div class="highlight">`, token spans,
  one span per line (with the indentation moved into a class) are turned back into
  `<pre><code class="language-x">text</code></pre>`;
- heading `id`s (GitHub adds them too, the spec's HTML does not show them);
- `class` attributes and wrappers that only carry styling (task-list labels);
- the PDF link policy of the sanitiser (only http(s), mailto and `#` links are kept, see
  sanitize.py) is switched off here: it is a safety rule of the PDF, not Markdown parsing,
  and the spec's examples link to relative paths such as `/uri`.

Options: `--section GLOB` to run a subset, `--show N` to print the first N failures with the
expected and actual HTML, `--json FILE` to write per-example results.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import logging
import re
import sys
from collections import OrderedDict
from html import escape
from html.entities import name2codepoint
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote

ROOT = Path(__file__).resolve().parent.parent
# `../shared` next to the repository (or next to the folder of worktrees holding it).
SHARED = next((p / "shared" for p in ROOT.parents if (p / "shared").is_dir()), ROOT / "shared")
SPEC = SHARED / "conformance" / "gfm-spec.txt"
FENCE = "`" * 32

BLOCK_TAGS = {
    "article", "header", "aside", "hgroup", "blockquote", "hr", "iframe", "body", "li", "map",
    "button", "object", "canvas", "ol", "caption", "output", "col", "p", "colgroup", "pre",
    "dd", "progress", "dir", "section", "dl", "table", "td", "dt", "tbody", "embed",
    "textarea", "fieldset", "tfoot", "figcaption", "th", "figure", "thead", "footer", "tr",
    "form", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "video", "script", "style", "div",
}  # fmt: skip
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def read_examples(path: Path) -> list[dict]:
    """The spec's examples with their section, as cmark's `spec_tests.py` reads them."""
    examples: list[dict] = []
    section, state, markdown, html, start = "", 0, [], [], 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(True), 1):
        stripped = line.strip()
        if stripped.startswith(FENCE + " example"):
            state, markdown, html, start = 1, [], [], number
        elif state == 2 and stripped == FENCE:
            examples.append(
                {
                    "example": len(examples) + 1,
                    "section": section,
                    "line": start,
                    "markdown": "".join(markdown).replace("→", "\t"),
                    "html": "".join(html).replace("→", "\t"),
                }
            )
            state = 0
        elif state == 1 and stripped == ".":
            state = 2
        elif state == 1:
            markdown.append(line)
        elif state == 2:
            html.append(line)
        elif state == 0 and re.match(r"#+ ", line):
            section = re.sub(r"^#+ ", "", stripped)
    return examples


class _Normaliser(HTMLParser):
    """cmark's normalize.py, with our code-block presentation folded back to plain HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.last = "starttag"
        self.last_tag = ""
        self.in_pre = 0
        self.pre_spans: list[bool] = []  # per open span inside <pre>: is it a code line?
        self.skip_div = 0  # open <div class="highlight"> wrappers
        self.language: str | None = None  # of the enclosing highlight block
        self.skipped: list[str] = []  # task-list wrappers left out, closed by their end tag

    @property
    def text(self) -> str:
        return "".join(self.out)

    def _rstrip(self) -> None:
        joined = "".join(self.out).rstrip()
        self.out = [joined]

    def handle_data(self, data: str) -> None:
        after_tag = self.last in ("endtag", "starttag")
        if after_tag and self.last_tag == "br":
            data = data.lstrip("\n")
        data = data.replace('"', "&quot;")
        if not self.in_pre:
            data = re.sub(r"[ \t\n\r\f]+", " ", data)
            if after_tag and self.last_tag in BLOCK_TAGS:
                data = data.lstrip() if self.last == "starttag" else data.strip()
        self.out.append(data)
        self.last = "data"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "div" and "highlight" in classes:
            self.skip_div += 1
            self.language = next((c for c in classes if c.startswith("language-")), None)
            return
        if self.in_pre and tag == "span":
            line = "cl" in classes
            self.pre_spans.append(line)
            indent = next((c[1:] for c in classes if re.fullmatch(r"i\d+", c)), "0")
            if line:
                self.out.append(" " * int(indent))
            return
        if self.in_pre and tag in ("wbr",):
            return
        if tag == "label" and "task-list-control" in classes:
            self.skipped.append(tag)
            return
        if tag == "span" and "task-list-indicator" in classes:
            self.skipped.append(tag)
            return
        if tag == "pre":
            self.in_pre += 1
            attrs = []
        attrs = [(k, v) for k, v in attrs if k != "class"]
        language = next((c for c in classes if c.startswith("language-")), None)
        if tag == "code" and self.in_pre and self.skip_div:
            language = language or self.language
            if language == "language-text":
                language = None  # Pygments' name for "no language given"
        if tag == "code" and self.in_pre and language:
            attrs.append(("class", language))
        align = re.fullmatch(r"text-align:\s*(\w+);?", values.get("style") or "")
        if align:
            attrs = [(k, v) for k, v in attrs if k != "style"] + [("align", align[1])]
        if tag in HEADINGS:
            attrs = [(k, v) for k, v in attrs if k != "id"]
        if tag in BLOCK_TAGS:
            self._rstrip()
        parts = ["<" + tag]
        for key, value in sorted(attrs, key=lambda kv: (kv[0], kv[1] or "")):
            parts.append(" " + key)
            if key in ("href", "src") and value is not None:
                parts.append('="' + quote(unquote(value), safe="/:?=&#%@+,;~") + '"')
            elif value is not None:
                parts.append('="' + escape(value, quote=True) + '"')
        parts.append(">")
        self.out.append("".join(parts))
        self.last_tag, self.last = tag, "starttag"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        depth = len(self.skipped)
        self.handle_starttag(tag, attrs)
        del self.skipped[depth:]
        self.last_tag, self.last = tag, "endtag"

    def handle_endtag(self, tag: str) -> None:
        if self.skipped and tag == self.skipped[-1]:
            self.skipped.pop()
            return
        if tag == "div" and self.skip_div and not self.in_pre:
            self.skip_div -= 1
            return
        if self.in_pre and tag == "span":
            if self.pre_spans and self.pre_spans.pop():
                self.out.append("\n")
            return
        if tag == "pre":
            self.in_pre = max(0, self.in_pre - 1)
        elif tag in BLOCK_TAGS:
            self._rstrip()
        self.out.append(f"</{tag}>")
        self.last_tag, self.last = tag, "endtag"

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")
        self.last = "comment"

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")
        self.last = "decl"

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<!{data}>")
        self.last = "decl"

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")
        self.last = "pi"

    def handle_entityref(self, name: str) -> None:
        code = name2codepoint.get(name)
        self._char(chr(code) if code else None, f"&{name};")

    def handle_charref(self, name: str) -> None:
        try:
            value = int(name[1:], 16) if name.lower().startswith("x") else int(name)
            char = chr(value) if 0 < value < 0x110000 else "\ufffd"
        except ValueError:
            char = None
        self._char(char, f"&#{name};")

    def _char(self, char: str | None, fallback: str) -> None:
        escapes = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;"}
        if char is None or char in escapes:
            self.out.append(fallback if char is None else escapes[char])
            self.last = "ref"
        else:  # a character is a character, written as an entity or not
            self.handle_data(char)


def normalise(html: str) -> str:
    parser = _Normaliser()
    parser.feed(html)
    parser.close()
    text = parser.text
    # An HTML parser adds <tbody> to a raw table; Markdown's tables have it: not a difference.
    text = text.replace("<tbody>", "").replace("</tbody>", "")
    # A tab in code is shown at the next 4-column stop, written as a tab or as spaces.
    text = re.sub(
        r"<pre>.*?</pre>",
        lambda m: "\n".join(line.expandtabs(4) for line in m.group(0).split("\n")),
        text,
        flags=re.S,
    )
    # A code block's text ends with the newline of its last line; ours may lack or add one.
    text = re.sub(r"\n*</code></pre>", "\n</code></pre>", text)
    text = text.replace("<pre><code>\n</code></pre>", "<pre><code></code></pre>")
    text = re.sub(r'(<pre><code(?: class="[^"]*")?>)\n</code>', r"\1</code>", text)
    return text.strip()


def render(markdown_text: str) -> str:
    from cheatsheet.content import Section

    renderer = _renderer()
    section = Section(
        title="spec", slug="spec", file=ROOT / "spec.md", line=1, markdown=markdown_text
    )
    return renderer.render(section).html


_RENDERER = None


def _renderer():
    global _RENDERER
    if _RENDERER is None:
        from cheatsheet import sanitize
        from cheatsheet.markdown import MarkdownRenderer

        sanitize._allowed_link = lambda url, dropped: url  # see the module docstring

        _RENDERER = MarkdownRenderer()
    return _RENDERER


def run(examples: list[dict]) -> list[dict]:
    results = []
    for example in examples:
        try:
            actual = render(example["markdown"])
            error = ""
        except Exception as exc:  # one example must not stop the run
            actual, error = "", f"{type(exc).__name__}: {exc}"
        passed = not error and normalise(actual) == normalise(example["html"])
        results.append({**example, "actual": actual, "passed": passed, "error": error})
    return results


def table(results: list[dict]) -> str:
    by_section: OrderedDict[str, list[bool]] = OrderedDict()
    for result in results:
        by_section.setdefault(result["section"], []).append(result["passed"])
    rows = ["| section | passed | of | % |", "|---|--:|--:|--:|"]
    for section, passed in by_section.items():
        rows.append(
            f"| {section} | {sum(passed)} | {len(passed)} | {100 * sum(passed) / len(passed):.0f} |"
        )
    total = sum(r["passed"] for r in results)
    rows.append(
        f"| **all** | **{total}** | **{len(results)}** | **{100 * total / len(results):.1f}** |"
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--section", default="*", help="only sections matching this glob")
    parser.add_argument("--show", type=int, default=0, help="print the first N failures")
    parser.add_argument("--json", type=Path, help="write per-example results here")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # unknown languages etc. are expected in the spec
    examples = [e for e in read_examples(args.spec) if fnmatch.fnmatch(e["section"], args.section)]
    results = run(examples)
    print(table(results))
    for result in [r for r in results if not r["passed"]][: args.show]:
        print(f"\n--- example {result['example']} ({result['section']}, line {result['line']})")
        print(result["markdown"], end="")
        print("--- expected\n" + normalise(result["html"]))
        print("--- actual\n" + (result["error"] or normalise(result["actual"])))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
