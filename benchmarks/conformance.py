#!/usr/bin/env python3
"""GitHub Flavored Markdown conformance of our Markdown stage: `python benchmarks/conformance.py`.

Runs every example of cmark-gfm's spec (`../shared/conformance/gfm-spec.txt`, 673 examples)
through the real Markdown stage (`MarkdownRenderer.render`: Python-Markdown with our
extensions, the sanitiser, code-line wrapping, formulas, emoji) and prints the pass rate per
spec section, as a Markdown table with two numbers per section.

**strict**: the output as a user gets it, compared after the normalisation of cmark's own
`test/normalize.py` (whitespace around block tags collapsed, attributes sorted, entities
resolved) and nothing else but markup that carries no text and no structure:

- a code block's markup: the Pygments wrapper `<div class="highlight">`, token spans, one
  span per line (with the indentation moved into a class) and `<wbr>` break points are turned
  back into `<pre><code class="language-x">text</code></pre>`;
- heading `id`s (GitHub adds them too, the spec's HTML does not show them);
- `class` attributes and wrappers that only carry styling (task-list labels), and the
  `counter-reset` style that repeats an `<ol start>` for WeasyPrint.

**folded**: strict, plus the deliberate, documented differences of presentation and safety
(README, "GitHub Flavored Markdown conformance"), applied the same way to the expected HTML
and to ours wherever that is possible. Each one changes how a correct parse is shown, never
which parse it is:

1. sanitiser (sanitize.py): the spec's expected HTML is passed through our own `clean_html`,
   so a raw-HTML example compares "a conformant parser followed by our sanitiser" with what
   we give (comments, `<script>`, `<style>`, unknown attributes and non-web URL schemes such
   as `irc:` dropped, unclosed tags closed);
2. unknown tag names are text (mdext.KnownHtmlOnly, issue #11: `<branch>` stays readable):
   in the expected HTML a tag whose name is not an HTML element is escaped before sanitising;
3. the PDF link policy (only http(s), mailto and `#` links, sanitize.py) is switched off on
   both sides: it is a safety rule of the PDF, and the spec links to paths such as `/uri`;
4. images are resolved against the Markdown file (`src="file:///…/x.jpg"`): the project
   folder prefix is removed from ours;
5. unknown code languages (mdext.plain_fence): a fence whose language Pygments does not know
   is printed as plain text without a `language-` class; the class is dropped from the
   expected HTML when Pygments does not know the language;
6. typography (typography.py, smarty, smartsymbols): curly quotes, dashes and arrows are
   written back as `'`, `"`, `--`, `---`, `-->`, `<--`, `<-->` on both sides; `lang`/`dir`
   attributes on non-Latin blocks and the no-break spans (`<span class="nobr">`) inside
   code spans are removed.

Options: `--section GLOB` to run a subset, `--show N` to print the first N failures (folded)
with the expected and actual HTML, `--json FILE` to write per-example results.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import html as html_module
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
PROJECT_URI = ROOT.as_uri() + "/"  # images are resolved against the Markdown file's folder
# smarty's quotes and typography.py's dashes, written back as typed (fold 6).
TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                            "\u2013": "--", "\u2014": "---", "\u2192": "--&gt;",
                            "\u2190": "&lt;--", "\u2194": "&lt;--&gt;"})  # fmt: skip
CODE_LANGUAGE = re.compile(r'(<code class="language-)([^"]*)(">)')
TAG_NAME = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


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

    def __init__(self, folded: bool = False) -> None:
        super().__init__(convert_charrefs=False)
        self.folded = folded
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
        if self.folded and not self.in_pre:
            data = data.translate(TYPOGRAPHY)
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
        if self.folded and tag == "span" and "nobr" in classes:
            self.skipped.append(tag)  # typography's no-break run inside a code span
            return
        if self.folded and tag == "wbr":
            return
        if self.folded:
            attrs = [(k, v) for k, v in attrs if k not in ("lang", "dir")]
            if tag == "img" and (values.get("src") or "").startswith(PROJECT_URI):
                attrs = [(k, v[len(PROJECT_URI) :] if k == "src" and v else v) for k, v in attrs]
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
        if tag == "ol" and (values.get("style") or "").startswith("counter-reset: list-item"):
            attrs = [(k, v) for k, v in attrs if k != "style"]  # the start number for WeasyPrint
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


def normalise(html: str, folded: bool = False) -> str:
    parser = _Normaliser(folded)
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


def fold_expected(html: str) -> str:
    """The spec's HTML as our policies would leave it (folds 1, 2 and 5 of the docstring)."""
    from cheatsheet.mdext import _PLAIN_NAMES, HTML_ELEMENTS
    from cheatsheet.sanitize import clean_html
    from cheatsheet.sectioning import known_languages

    def language(match: re.Match[str]) -> str:
        name = html_module.unescape(match.group(2)).lower()
        if name in _PLAIN_NAMES or name not in known_languages():
            return "<code>"
        return match.group(0)

    def tag(match: re.Match[str]) -> str:
        if match.group(2).lower() in HTML_ELEMENTS:
            return match.group(0)
        return "&lt;" + match.group(1) + match.group(2)

    html = CODE_LANGUAGE.sub(language, html)
    # Stripped first: a line end after `</p>` makes the HTML parser reopen an unclosed `<a>`.
    return clean_html(TAG_NAME.sub(tag, html.strip()))


def render(markdown_text: str, folded: bool = False) -> str:
    from cheatsheet.content import Section

    renderer = _renderer(folded)
    section = Section(
        title="spec", slug="spec", file=ROOT / "spec.md", line=1, markdown=markdown_text
    )
    return renderer.render(section).html


_RENDERERS: dict[bool, object] = {}


def _renderer(folded: bool):
    """One renderer per mode: the render cache must not mix the two link policies."""
    from cheatsheet.markdown import MarkdownRenderer

    if folded not in _RENDERERS:
        _RENDERERS[folded] = MarkdownRenderer()
    return _RENDERERS[folded]


@contextlib.contextmanager
def _link_policy(enforced: bool):
    """Fold 3: the PDF link policy switched off (on both sides, see `fold_expected`)."""
    from cheatsheet import sanitize

    original = getattr(sanitize, "_allowed_link", None)  # older trees had no link policy
    if original is None:
        yield
        return
    if not enforced:
        sanitize._allowed_link = lambda url, dropped: url
    try:
        yield
    finally:
        sanitize._allowed_link = original


def _attempt(markdown_text: str, folded: bool) -> tuple[str, str]:
    try:
        return render(markdown_text, folded), ""
    except Exception as exc:  # one example must not stop the run
        return "", f"{type(exc).__name__}: {exc}"


def run(examples: list[dict]) -> list[dict]:
    results = []
    for example in examples:
        with _link_policy(enforced=True):
            strict_html, strict_error = _attempt(example["markdown"], False)
        with _link_policy(enforced=False):
            actual, error = _attempt(example["markdown"], True)
            expected = fold_expected(example["html"])
        strict = not strict_error and normalise(strict_html) == normalise(example["html"])
        passed = not error and normalise(actual, True) == normalise(expected, True)
        results.append(
            {**example, "actual": actual, "expected_folded": expected, "strict": strict,
             "passed": passed, "error": error}
        )  # fmt: skip
    return results


def table(results: list[dict]) -> str:
    by_section: OrderedDict[str, list[dict]] = OrderedDict()
    for result in results:
        by_section.setdefault(result["section"], []).append(result)
    rows = ["| section | of | strict | folded |", "|---|--:|--:|--:|"]
    for section, group in by_section.items():
        strict = sum(r["strict"] for r in group)
        folded = sum(r["passed"] for r in group)
        rows.append(f"| {section} | {len(group)} | {strict} | {folded} |")
    count = len(results)
    strict = sum(r["strict"] for r in results)
    folded = sum(r["passed"] for r in results)
    rows.append(
        f"| **all** | **{count}** | **{strict} ({100 * strict / count:.1f} %)** "
        f"| **{folded} ({100 * folded / count:.1f} %)** |"
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
        print("--- expected\n" + normalise(result["expected_folded"], True))
        print("--- actual\n" + (result["error"] or normalise(result["actual"], True)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
