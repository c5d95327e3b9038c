#!/usr/bin/env python3
"""Find code lines that wrap where a person would not: `python benchmarks/wrap_scan.py
[--font-size 7.5] [-v] SHEET.md [PDF] ...` (a PDF given after a sheet is scanned as is, else
the sheet is built in-process to a temporary folder).

The printed lines of the PDF (pypdfium2, monospace glyphs, one string per baseline) are
matched in order against the code lines of the sheet's HTML; where a source line is printed
on several lines, each break is checked:

- `punct`: the continuation line holds only punctuation (`):`, `,`, `)`);
- `number`: a number is split (`2.` / `5`, `203.` / `0.113.0`, `1e-` / `4`, `0x` / `1F`);
- `flag`: a flag is split (`--no-` / `cache-dir`);
- `path`: a short path (at most 20 characters) or a URL scheme (`https:` / `//`) is split;
- `comment`: a line ends with a lone comment marker (`#`, `//`) whose comment follows.

Prints one line per fault and a count per kind; exits 1 if any fault was found.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import html as html_module
import io
import re
import sys
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cheatsheet import cli  # noqa: E402

KINDS = ("punct", "number", "flag", "path", "comment")
_NUMBER = re.compile(
    r"(?<![\w.])[-+]?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*(?:\.\d[\d_]*)*(?:[eE][-+]?\d+)?(?:/\d+)?)"
)
_FLAG = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
_SCHEME = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://")
_PATH = re.compile(r"(?<![\w./])(?:~|\.{1,2})?/[\w.@~-]+(?:/[\w.@~-]+)*/?")
_LONE_MARKER = re.compile(r"(?:^|\s)(?:#|//)$")
MAX_PATH = 20


def build(sheet: Path, folder: Path, font_size: str) -> tuple[Path, Path]:
    pdf, html = folder / f"{sheet.stem}.pdf", folder / f"{sheet.stem}.html"
    args = ["-C", str(folder), "--content", str(sheet.resolve()), "-o", str(pdf), "--html"]
    args += ["--font-size", font_size]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = cli.main(args)
    if code:
        raise SystemExit(f"{sheet}: build failed ({code})")
    return pdf, html


def source_lines(html: str) -> list[str]:
    """The code lines of every highlight block, in document order (indentation dropped)."""
    lines = []
    for block in re.findall(r"<pre\b[^>]*>(.*?)</pre>", html, flags=re.S):
        if '<span class="cl' not in block:
            continue
        for part in block.split('<span class="cl')[1:]:
            text = html_module.unescape(re.sub(r"<[^>]+>", "", "<" + part)).strip("\n")
            if text.strip():
                lines.append(text.strip())
    return lines


def printed_lines(pdf: Path) -> list[str]:
    """The monospace text of each printed line (one string per page and baseline)."""
    document = pdfium.PdfDocument(str(pdf))
    lines: list[str] = []
    buffer = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    x, y = ctypes.c_double(), ctypes.c_double()
    try:
        for page in document:
            text = page.get_textpage()
            current, baseline = "", None
            for index in range(pdfium_c.FPDFText_CountChars(text)):
                char = chr(pdfium_c.FPDFText_GetUnicode(text, index))
                size = pdfium_c.FPDFText_GetFontInfo(text, index, buffer, 256, flags)
                font = buffer.value.decode("latin-1") if size else ""
                if char in "\r\n" or not font:
                    continue
                if "Mono" not in font:
                    if current:
                        lines.append(current)
                    current, baseline = "", None
                    continue
                pdfium_c.FPDFText_GetCharOrigin(text, index, ctypes.byref(x), ctypes.byref(y))
                top = y.value
                if baseline is not None and abs(top - baseline) > 1 and current:
                    lines.append(current)
                    current = ""
                current, baseline = current + char, top
            if current:
                lines.append(current)
    finally:
        document.close()
    return lines


def _squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def breaks(sources: list[str], printed: list[str]) -> list[tuple[str, int]]:
    """(source line, index it wraps before) for every wrap, by matching printed lines."""
    squeezed = [_squeeze(line) for line in sources]
    result, line, offset = [], 0, 0
    for shown in map(_squeeze, printed):
        if not shown:
            continue
        if offset and squeezed[line][offset:].startswith(shown):
            pass
        else:
            offset = 0
            # pdfium's text order is not always the page's: look ahead, then anywhere
            order = [*range(line, len(squeezed)), *range(line)]
            found = next((j for j in order if squeezed[j].startswith(shown)), None)
            if found is None:
                continue  # inline code, a refcard key
            line = found
        if offset:
            # the index in the source line of its `offset`-th non-space character
            positions = [i for i, char in enumerate(sources[line]) if not char.isspace()]
            result.append((sources[line], positions[offset]))
        offset += len(shown)
        if offset >= len(squeezed[line]):
            line, offset = line + 1, 0
    return result


def _inside(pattern: re.Pattern[str], text: str, index: int, longest: int = 10**9) -> bool:
    return any(
        m.start() < index < m.end() and m.end() - m.start() <= longest
        for m in pattern.finditer(text)
    )


def faults(text: str, index: int) -> list[str]:
    before, after = text[:index], text[index:]
    found = []
    if after.strip() and not any(char.isalnum() for char in after):
        found.append("punct")
    if _inside(_NUMBER, text, index):
        found.append("number")
    if _inside(_FLAG, text, index):
        found.append("flag")
    if _inside(_PATH, text, index, MAX_PATH) or _inside(_SCHEME, text, index):
        found.append("path")
    if _LONE_MARKER.search(before.rstrip()) and after.strip():
        found.append("comment")
    return found


def scan(sheet: Path, pdf: Path | None, font_size: str, verbose: bool) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as folder:
        if pdf is None:
            pdf, html = build(sheet, Path(folder), font_size)
        else:
            html = pdf.with_suffix(".html")
        sources = source_lines(html.read_text(encoding="utf-8"))
        wraps = breaks(sources, printed_lines(pdf))
    counts = dict.fromkeys(KINDS, 0)
    for text, index in wraps:
        kinds = faults(text, index)
        for kind in kinds:
            counts[kind] += 1
        if kinds or verbose:
            print(f"{sheet.name}: {','.join(kinds) or 'ok'}: {text[:index]!r} / {text[index:]!r}")
    total = sum(counts.values())
    summary = " ".join(f"{k}={v}" for k, v in counts.items())
    print(f"{sheet.name}: {len(wraps)} wraps, {total} faults ({summary})")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--font-size", default="7.5")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every wrap")
    args = parser.parse_args()
    total = 0
    files = list(args.files)
    while files:
        sheet = files.pop(0)
        pdf = files.pop(0) if files and files[0].suffix == ".pdf" else None
        total += sum(scan(sheet, pdf, args.font_size, args.verbose).values())
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
