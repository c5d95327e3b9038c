"""Shared helpers: build sheets in temporary projects and read the PDFs back."""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest

ROOT = Path(__file__).resolve().parent.parent
# The shared, read-only files: next to the repository (../shared), or next to the folder of
# worktrees. Tests that need them skip with a reason when they are absent (a bare sdist).
SHARED = next(
    (p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()),
    ROOT.parent / "shared",
)
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
# The formula cache goes to the user's cache folder: in tests, a throwaway one.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cheatsheet-test-cache-")


@dataclass
class Run:
    code: int
    out: str
    err: str
    stdout_bytes: bytes = b""


def run_cli(*args: str | Path, cwd: Path = ROOT, stdin: bytes = b"") -> Run:
    """Run the command line as `python build.py` would, but in this process: `cli.main` with
    stdout and stderr captured and the working folder changed for the call only, so a test
    does not pay a process start (one subprocess smoke test per command lives in
    test_cli_smoke.py)."""
    from cheatsheet import cli

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    inp = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = inp, out, err
    try:
        with contextlib.chdir(cwd):
            try:
                code = cli.main([str(a) for a in args])
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    out.flush()
    err.flush()
    return Run(code, _text(out), _text(err), out.buffer.getvalue())


def _text(stream: io.TextIOWrapper) -> str:
    return stream.buffer.getvalue().decode("utf-8", errors="replace")


def run_process(
    *args: str | Path, cwd: Path = ROOT, stdin: bytes = b"", command=None, env=None
) -> Run:
    """A real process, for the smoke tests of each way to start the program. Bounded in CPU
    time (not wall-clock: the machine is shared), so a hang fails instead of stalling.
    `env`: variables set for it on top of this process's."""
    command = command or [sys.executable, str(ROOT / "build.py")]
    proc = subprocess.run(
        [*command, *map(str, args)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        preexec_fn=_limit_cpu,
        env={**os.environ, **env} if env else None,
    )
    return Run(
        proc.returncode,
        proc.stdout.decode("utf-8", errors="replace"),
        proc.stderr.decode("utf-8", errors="replace"),
        proc.stdout,
    )


CPU_SECONDS = 240


def _limit_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def default_pdf(project: Path) -> Path:
    """The PDF a project without `name` wrote (named after its title, else its folder):
    the one PDF in `output/`, or the folder-named path when there is none yet."""
    from cheatsheet.config import slug

    found = sorted((project / "output").glob("*.pdf"))
    if len(found) == 1:
        return found[0]
    return project / "output" / f"{slug(project.resolve().name)}.pdf"


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


def words_text(path: Path) -> str:
    """The PDF's text by pdfium's extractor, lines joined by spaces: for tests that look for
    words in a big sheet (pypdf takes 4 s for the six pages of the emoji corpus sheet,
    pdfium 0.15 s); `pdf_text` stays the reference for reading order."""
    document = pdfium.PdfDocument(path)
    try:
        pages = [page.get_textpage().get_text_bounded() for page in document]
    finally:
        document.close()
    return re.sub(r"\s*\n\s*", " ", "\n".join(pages)).replace("\u200b", "")


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


# Module names that hold shared files or text read from them (test_print: LONG, test_corpus:
# FILES), so the tests using them skip when the shared folder is absent.
SHARED_NAMES = {"CORPUS", "SEED_RAW", "LONG", "FILES"}


def _uses_shared(function, depth: int = 2) -> bool:
    """Does the test, or a module-level helper it calls, read the shared files?"""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    names = set(code.co_names)
    if names & SHARED_NAMES:
        return True
    module = function.__globals__
    return depth > 0 and any(
        _uses_shared(module[n], depth - 1) for n in names if inspect.isfunction(module.get(n))
    )


# Tests that take several times longer than most (seconds of CPU, measured): run first, so
# that with `-n 2` (and `--dist worksteal`, set in pyproject.toml) the workers share the long
# ones and finish together, instead of one worker starting the emoji sheet last.
SLOW_FIRST = (
    "test_corpus.py::test_corpus_file_builds[emoji-cheat-sheet]",  # 27
    "test_hardening_fuzz.py::test_each_bomb_is_bounded[formula-10k-terms]",  # 7
    "test_hardening_fuzz.py::test_build_is_bounded",  # 7
    "test_cli_smoke.py::test_wheel_in_a_fresh_venv",  # 6
    "test_hardening_fuzz.py::test_each_bomb_is_bounded[unknown-fences-2k]",  # 6
    "test_hardening_fuzz.py::test_long_run_without_spaces",  # 5
)


def _slow_first(items: list) -> None:
    def rank(item) -> int:
        return next((i for i, s in enumerate(SLOW_FIRST) if s in item.nodeid), len(SLOW_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order


def pytest_collection_modifyitems(config, items) -> None:
    """Run the slowest tests first; skip, with the reason, every test that reads the shared
    corpus or seed when absent."""
    _slow_first(items)
    if CORPUS.is_dir() and SEED_RAW.is_file():
        return
    for item in items:
        functions = [getattr(item, "function", None)]
        info = getattr(item, "_fixtureinfo", None)  # fixtures the test uses may read them too
        for definitions in info.name2fixturedefs.values() if info else ():
            functions += [definition.func for definition in definitions]
        if any(f is not None and _uses_shared(f) for f in functions):
            item.add_marker(pytest.mark.skip(reason=f"needs {SHARED} (not present here)"))


class CpuBoundExceeded(Exception):
    """The block ran past its CPU-time bound."""


@contextlib.contextmanager
def cpu_bound(seconds: float) -> Iterator[None]:
    """Fail if the block uses more than `seconds` of this process's CPU time (SIGPROF counts
    CPU, not wall-clock, so a busy shared machine does not make the test flaky)."""

    def expired(signum, frame):
        raise CpuBoundExceeded(f"over {seconds} s of CPU")

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except CpuBoundExceeded:
        # A fresh exception: the one raised by the handler can sit at a bytecode position
        # without a line number, which pytest 8 fails to render.
        raise CpuBoundExceeded(f"over {seconds} s of CPU time") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running or not yet reaped process has used (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ChildWaitFailed(AssertionError):
    """A child process did not reach the awaited state: it ended, ran past its CPU bound, or
    stopped working."""


def wait_for_child(
    predicate: Callable[[], object],
    proc: subprocess.Popen,
    cpu: float,
    *,
    window: float = 30.0,
    progress: float = 1.5,
):
    """Poll `predicate` until it gives a true value, and return that value.

    The bound is the child's CPU time, not the wall clock, so a busy machine cannot fail it:
    fail when the child uses more than `cpu` seconds of CPU from the call on, or when it ends
    first (to wait for its end, let the predicate be `proc.poll() is not None`). A hang that
    uses no CPU (a missed file event) is caught by progress instead: the child gaining less
    than `progress` s of CPU in `window` s of wall clock while the awaited state has not come.
    A working process gets that much on any machine short of ten times oversubscribed; the
    polling (a preview request every 0.2 s) and idle wake-ups cost a watcher about 0.1 s. An OSError from the predicate (the
    server not answering yet) counts as not yet.
    """
    start = mark = process_cpu(proc.pid)
    marked_at = time.monotonic()
    while True:
        with contextlib.suppress(OSError):
            value = predicate()
            if value:
                return value
        if proc.poll() is not None:
            raise ChildWaitFailed(f"the process ended (exit {proc.returncode}) first")
        used = process_cpu(proc.pid)  # not reaped yet, so still readable
        if used - start > cpu:
            raise ChildWaitFailed(f"not within {cpu} s of the process's CPU time")
        now = time.monotonic()
        if now - marked_at > window:
            if used - mark < progress:
                raise ChildWaitFailed(f"stuck: under {progress} s of CPU in {window} s")
            mark, marked_at = used, now
        time.sleep(0.2)


@pytest.fixture(scope="module")
def renderer():
    """The real Markdown stage, set up once per test module."""
    from cheatsheet.markdown import MarkdownRenderer

    return MarkdownRenderer()


def html_of(renderer, text: str) -> str:
    """One section of notes through the Markdown stage: its HTML."""
    from cheatsheet.content import Section

    return renderer.render(Section("t", "t", Path("/tmp/notes.md"), 1, text)).html


def squash(html: str) -> str:
    """HTML without the whitespace between tags, for substring assertions."""
    return re.sub(r">\s+<", "><", html).strip()
