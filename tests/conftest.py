"""Shared helpers: build sheets in temporary projects and read the PDFs back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEED_RAW = SHARED / "seed" / "quick-reference.raw.md"
SEED_SECTIONS = [
    "Essential Formulas & Concepts",
    "Interview Formulas",
    "Common Interview Topics",
    "Code Templates",
    "Presentation Tips",
    "Must-Know Papers (2023-2024)",
]
A4_LANDSCAPE = (841.89, 595.28)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(*args: str | Path, cwd: Path = ROOT) -> Run:
    """Run `python build.py` as a user would, in a separate process."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def make_project(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    """A throwaway project: content files (text or raw bytes) and an optional config."""
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data), encoding="utf-8")
    if config:
        (root / "cheatsheet.toml").write_text(textwrap.dedent(config), encoding="utf-8")
    return root


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u200b", "")


def page_sizes(path: Path) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(path)
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def outline_titles(path: Path) -> list[str]:
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title

    return list(walk(pypdf.PdfReader(path).outline))


def font_descriptors(path: Path) -> dict[str, dict]:
    """Base font name -> font descriptor, for every font used on any page."""
    found = {}
    for page in pypdf.PdfReader(path).pages:
        fonts = page["/Resources"].get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            found[str(font["/BaseFont"])] = descriptor.get_object() if descriptor else {}
    return found


def coloured_text(path: Path) -> list[tuple[tuple[float, ...], str]]:
    """(fill colour, text) pairs in drawing order, from the content streams."""
    pieces: list[tuple[tuple[float, ...], str]] = []
    colour: list[tuple[float, ...]] = [(0.0,)]

    def before(op, args, cm, tm):
        if op in (b"rg", b"g", b"k"):
            colour[0] = tuple(float(a) for a in args)

    def text(chunk, cm, tm, font, size):
        if chunk.strip():
            pieces.append((colour[0], chunk))

    for page in pypdf.PdfReader(path).pages:
        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return pieces


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory) -> tuple[Path, Run]:
    """The sample project built exactly as the README says, once per test session."""
    out = tmp_path_factory.mktemp("seed") / "quick-reference.pdf"
    result = run_cli("-o", out)
    assert result.code == 0, result.err
    return out, result


def all_content(path: Path) -> bytes:
    """Every content stream of the PDF, including patterns and form XObjects they draw."""
    seen: set[int] = set()
    chunks: list[bytes] = []

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for kind in ("/XObject", "/Pattern"):
            for ref in resources.get(kind, {}).values():
                obj = ref.get_object()
                if id(obj) in seen:
                    continue
                seen.add(id(obj))
                if hasattr(obj, "get_data"):
                    chunks.append(obj.get_data())
                visit(obj.get("/Resources"))

    for page in pypdf.PdfReader(path).pages:
        chunks.append(page.get_contents().get_data())
        visit(page.get("/Resources"))
    return b"\n".join(chunks)
