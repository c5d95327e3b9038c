#!/usr/bin/env python3
"""Benchmark our build against md2pdf and raw WeasyPrint: `python benchmarks/run.py`.

Every run is a cold process (Python start-up and imports included), because that is what a
user waits for when they type `python build.py`. Contenders are interleaved inside each
repetition (ours, md2pdf, raw, ours, md2pdf, raw, ...) so that a slow spell of the machine
hits all of them alike, and medians are reported so one outlier does not decide a ratio.

"Raw WeasyPrint" lays out our own final HTML (same template, same stylesheets, same font
size, emoji already resolved to SVG files) with nothing of ours around it: the difference
to our build is what our pipeline adds (Markdown, template, sandboxed fetching, preflight,
atomic write, fitting). See benchmarks/README.md for how to read the output.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import importlib.metadata
import itertools
import json
import logging
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def find_corpus() -> Path:
    """`shared/corpus` next to the repository, or next to a folder above it (worktrees)."""
    for folder in ROOT.parents:
        if (folder / "shared" / "corpus").is_dir():
            return folder / "shared" / "corpus"
    return ROOT.parent / "shared" / "corpus"


CORPUS = find_corpus()
SEED_MARKDOWN = ROOT / "content" / "quick-reference.md"
SCALES = (2, 4, 8)  # the seed repeated this many times, for the growth check
CONCAT_KB = (10, 50, 150, 300)  # the corpus concatenated and cut to about this size (KB)
QUICK = ("seed", "seed-nofit", "concat-10", "concat-150")  # --quick: for iterating
# --table: what the README's table needs (issue #13: the seed, every corpus sheet, the
# concatenations), without the seed-xN growth series; warm-up for ours only.
TABLE = ("seed", "seed-nofit", "kind:corpus", "concat-*")

# What we promise (reported, never enforced: a benchmark that fails is still information).
TARGET_PLAIN_VS_MD2PDF = 1.0  # plain build of the seed / md2pdf on the seed
TARGET_OVERHEAD_OVER_RAW = 0.15  # our time / raw WeasyPrint on our HTML, minus 1
TARGET_FIT_VS_PLAIN = 2.5  # fit-to-1-page build of the seed / --no-fit build of the seed
# Issue #13: ratios to md2pdf on the same notes, in the same run.
TARGET_FIT_VS_MD2PDF = 1.5  # default build of the seed (fit to one page)
TARGET_BIG_VS_MD2PDF = 1.5  # time and peak memory, every input of 50 KB or more
TARGET_EMOJI_VS_MD2PDF = 1.0
TARGET_REBUILD_VS_COLD = 0.3  # watch-mode rebuild after a one-line edit / cold build
BIG_KB = 50
# Linear growth keeps the marginal cost per KB flat; allow this much rise for noise.
GROWTH_TOLERANCE = 1.25

# The raw-WeasyPrint child: exactly the calls a WeasyPrint user would make on our HTML.
# A FontConfiguration is needed for the stylesheets' @font-face rules (our shipped fonts);
# without it WeasyPrint would silently fall back to system fonts and lay out other text.
RAW_CHILD = '''\
"""Raw WeasyPrint: HTML file + stylesheets -> PDF, nothing else."""
import sys
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

html, out, base_url, *sheets = sys.argv[1:]
fonts = FontConfiguration()
styles = [CSS(filename=sheet, font_config=fonts) for sheet in sheets]
document = HTML(string=Path(html).read_text(encoding="utf-8"), base_url=base_url)
document.write_pdf(out, stylesheets=styles, font_config=fonts)
'''

SUMMARY_LINE = re.compile(r" pt, .*?, (\d+(?:\.\d+)?) s\s*$", re.MULTILINE)  # our own time
CAPTURE = "--capture-for-raw"  # internal: run as the helper that writes our final HTML
EMOJI_SRC = re.compile(r'src="emoji:([0-9A-Fa-f-]+)"')


@dataclass
class Run:
    """One timed child process."""

    seconds: float
    cpu_seconds: float
    peak_mb: float
    exit_code: int
    ok: bool
    output: Path
    self_reported: float | None = None  # our own "N.N s" from the summary line


@dataclass
class Contender:
    """One way of turning an input into a PDF; `command` is None when it cannot run."""

    key: str  # "ours", "md2pdf" or "raw": what ratios are computed between
    label: str
    command: list[str] | None
    cwd: Path
    out_dir: Path
    problem: str = ""  # why it was not run, or why its runs failed
    runs: list[Run] = field(default_factory=list)  # the timed ones (not the warm-up)
    pages: int | None = None
    chars_per_page: float | None = None
    runnable: bool = True  # False once it failed the warm-up

    def output(self, tag: str) -> Path:
        return self.out_dir / f"{self.key}-{tag}.pdf"

    @property
    def good_runs(self) -> list[Run]:
        return [run for run in self.runs if run.ok]

    def median(self, attribute: str = "seconds") -> float | None:
        values = [getattr(run, attribute) for run in self.good_runs]
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None


@dataclass
class BenchInput:
    """A Markdown source and the contenders that build it."""

    name: str
    markdown: Path
    fit: bool
    kind: str  # "seed", "scaled" (the seed repeated) or "corpus"
    contenders: list[Contender] = field(default_factory=list)

    @property
    def kb(self) -> float:
        return self.markdown.stat().st_size / 1024

    def contender(self, key: str) -> Contender | None:
        return next((c for c in self.contenders if c.key == key), None)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="Time our build against md2pdf and raw WeasyPrint (cold processes, medians)."
    )
    p.add_argument("--repeat", type=int, default=3, metavar="N", help="timed repetitions (3)")
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="inputs to run (comma-separated, globs; repeatable): seed, seed-nofit, seed-x2, "
        "seed-x4, seed-x8, corpus file stems",
    )
    p.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report here")
    p.add_argument("--timeout", type=float, default=600, help="seconds before a run is killed")
    p.add_argument("--keep", action="store_true", help="keep the temp folder with the PDFs")
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"iterate: {', '.join(QUICK)} only (unless --only), one repetition, warm-up for "
        "ours only, no probes",
    )
    p.add_argument(
        "--table",
        action="store_true",
        help="the README table's inputs (seed, seed-nofit, corpus, concat-N; not seed-xN), "
        "warm-up round for ours only (md2pdf and raw WeasyPrint keep no cache): ~15 minutes "
        "on 2 idle cores (estimated from CPU times)",
    )
    p.add_argument(
        "--no-warm-up", action="store_true", help="skip the untimed warm-up round (a busy machine)"
    )
    args = p.parse_args(argv)
    args.warm_up_only = ("ours",) if args.table or args.quick else None
    if args.table:
        args.only = args.only or [",".join(TABLE)]
    if args.quick:
        args.repeat = 1
        args.only = args.only or [",".join(QUICK)]
    if args.repeat < 1:
        p.error("--repeat must be at least 1")
    return args


def progress(message: str) -> None:
    """Progress goes to stderr so that stdout is the report alone."""
    print(message, file=sys.stderr, flush=True)


# --- inputs and contenders --------------------------------------------------------------


def md2pdf_command() -> list[str] | None:
    """The installed `md2pdf` console script, run directly.

    The one next to our interpreter first: a pyenv or asdf shim on PATH is a shell script
    that adds ~0.1 s of its own, which would be charged to md2pdf and not to us (we run
    `sys.executable build.py`, not the `python` shim).
    """
    beside = Path(sysconfig.get_path("scripts")) / "md2pdf"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("md2pdf")
    return [found] if found else None


def select_inputs(
    names: list[str], only: list[str] | None, kinds: dict[str, str] | None = None
) -> list[str]:
    """Inputs named by `--only`: names or globs, or `kind:KIND` (`kind:corpus`)."""
    if not only:
        return names
    kinds = kinds or {}
    patterns = [p.strip() for item in only for p in item.split(",") if p.strip()]

    def wanted(name: str, pattern: str) -> bool:
        if pattern.startswith("kind:"):
            return kinds.get(name) == pattern[5:]
        return fnmatch.fnmatch(name, pattern)

    chosen = [n for n in names if any(wanted(n, p) for p in patterns)]
    if not chosen:
        raise SystemExit(f"--only matched no input; inputs are: {', '.join(names)}")
    return chosen


def make_inputs(work: Path, only: list[str] | None) -> list[BenchInput]:
    """The seed (fit 1 as configured, and --no-fit), the seed repeated 2, 4 and 8 times
    (--no-fit: same content, only the size changes), then every corpus file (--no-fit)."""
    corpus = sorted(CORPUS.glob("*.md")) if CORPUS.is_dir() else []
    if not corpus:
        progress(f"warning: no corpus at {CORPUS}; running the seed only")
    plan: dict[str, tuple[Path, str]] = {
        "seed": (SEED_MARKDOWN, "seed"),
        "seed-nofit": (SEED_MARKDOWN, "seed"),
        **{f"seed-x{n}": (work / "scaled" / f"seed-x{n}.md", "scaled") for n in SCALES},
        **{path.stem: (path, "corpus") for path in corpus},
        **{f"concat-{kb}": (work / "concat" / f"concat-{kb}.md", "concat") for kb in CONCAT_KB},
    }
    md2pdf = md2pdf_command()
    sheet = seed_sheet_name()
    inputs = []
    for name in select_inputs(list(plan), only, {name: kind for name, (_, kind) in plan.items()}):
        markdown, kind = plan[name]
        if kind == "scaled":
            write_scaled(markdown, int(name.rsplit("x", 1)[1]))
        if kind == "concat":
            write_concatenation(corpus, markdown, int(name.rsplit("-", 1)[1]))
        folder = work / name
        folder.mkdir(parents=True)
        inp = BenchInput(name, markdown, fit=name == "seed", kind=kind)
        ours_args = [sheet] if kind == "seed" else [sheet, "--content", str(markdown)]
        ours = Contender(
            "ours",
            "ours (fit 1)" if inp.fit else "ours",
            [sys.executable, str(ROOT / "build.py"), *ours_args]
            + ([] if inp.fit else ["--no-fit"])
            + ["-o", "{out}"],
            ROOT,
            folder,
        )
        peer = Contender(
            "md2pdf",
            "md2pdf",
            [*md2pdf, "-i", str(jinja_safe(markdown, folder)), "-o", "{out}"] if md2pdf else None,
            markdown.parent,  # md2pdf resolves images against the working directory
            folder,
            problem="" if md2pdf else "md2pdf is not installed",
        )
        inp.contenders = [ours, peer, prepare_raw(inp, sheet, work, folder)]
        inputs.append(inp)
    return inputs


def write_scaled(path: Path, times: int) -> None:
    """The seed's head (front matter, title) once, then its sections `times` times: the same
    mix of text, code, maths and emoji, so time against size is not confounded by content."""
    text = SEED_MARKDOWN.read_text(encoding="utf-8")
    first = re.search(r"^## ", text, re.MULTILINE)
    head, body = (text[: first.start()], text[first.start() :]) if first else ("", text)
    path.parent.mkdir(exist_ok=True)
    path.write_text(head + "\n".join([body] * times), encoding="utf-8")


def write_concatenation(corpus: list[Path], path: Path, kb: int) -> None:
    """The corpus's sections shuffled together in proportion (each file's sections keep
    their order and are spread evenly over the whole; repeated if needed), cut at a
    section boundary before `kb` KB.

    Every size then holds about the same share of each file, so the time per KB of 10 KB
    and of 300 KB compare like with like: one file after another would make the small
    sizes all Japanese and the large ones mostly emoji tables.
    """
    placed = []
    for number, file in enumerate(corpus):
        sections = corpus_sections(file.read_text(encoding="utf-8"))
        total, offset = sum(len(s) for s in sections) or 1, 0
        for section in sections:
            placed.append(((offset + len(section) / 2) / total, number, section))
            offset += len(section)
    dealt = [section for *_, section in sorted(placed)]
    if not dealt:
        raise SystemExit("the concat-N inputs need the corpus")
    limit, chosen, size = kb * 1024, [], 0
    for section in itertools.cycle(dealt):
        cost = len(section.encode()) + 2
        if size + cost > limit:
            if chosen:
                break
            section = section.encode()[:limit].decode("utf-8", "ignore")
        chosen.append(section)
        size += cost
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n\n".join(chosen), encoding="utf-8")


SECTION_HEADING = re.compile(r"#{2,4} ")
FENCE = re.compile(r"\s{0,3}(```|~~~)")


def corpus_sections(text: str) -> list[str]:
    """A note cut before each heading of levels 2-4 outside fenced code (the emoji sheet's
    long tail has level-3 headings only); the part before the first heading is one too."""
    sections: list[list[str]] = [[]]
    fenced = False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        if not fenced and SECTION_HEADING.match(line) and sections[-1]:
            sections.append([])
        sections[-1].append(line)
    return ["\n".join(lines).strip("\n") for lines in sections if "".join(lines).strip()]


def jinja_safe(markdown: Path, folder: Path) -> Path:
    """md2pdf renders notes as a Jinja template first, so `{{`, `{%` and `{#` (Docker
    format strings) make it fail; give it a copy with a space in each, same work else."""
    text = markdown.read_text(encoding="utf-8")
    safe = re.sub(r"\{([{%#])", r"{ \1", text)
    if safe == text:
        return markdown
    copy = folder / f"{markdown.stem}.md2pdf.md"
    copy.write_text(safe, encoding="utf-8")
    return copy


def seed_sheet_name() -> str:
    """Name the seed sheet explicitly: with variants in cheatsheet.toml a bare `build.py`
    would build all of them into the one `-o` file and time more than the seed."""
    from cheatsheet.config import load_project

    return load_project(ROOT).base.name


def prepare_raw(inp: BenchInput, sheet: str, work: Path, folder: Path) -> Contender:
    """Have a helper process write our final HTML and page CSS for this input, untimed.

    A helper, not this process: Linux carries a process's resident memory across fork and
    exec into the child's `ru_maxrss`, so a parent that had run a build would lend every
    contender its own memory. This process stays at the standard library (~16 MB).
    """
    child = work / "raw_weasyprint.py"
    if not child.exists():
        child.write_text(RAW_CHILD, encoding="utf-8")
    contender = Contender("raw", "raw WeasyPrint", None, ROOT, folder)
    request = {
        "markdown": str(inp.markdown),
        "content": inp.kind != "seed",
        "fit": inp.fit,
        "sheet": sheet,
        "folder": str(folder),
        "emoji": str(work / "emoji"),
    }
    helper = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), CAPTURE, json.dumps(request)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if helper.returncode != 0:
        last = (helper.stderr.strip().splitlines() or [f"exit {helper.returncode}"])[-1]
        contender.problem = f"could not get our final HTML: {last}"
        return contender
    answer = json.loads(helper.stdout)
    if inp.fit:
        contender.label = f"raw WeasyPrint @ {answer['font_size']:g} pt"
    contender.command = [
        sys.executable,
        str(child),
        answer["html"],
        "{out}",
        answer["base_url"],
        *answer["stylesheets"],
    ]
    return contender


def capture(request: dict[str, Any]) -> dict[str, Any]:
    """(Helper process.) Our final HTML and stylesheets for one input, as files.

    Emoji are served by our sandboxed fetcher from an `emoji:` scheme WeasyPrint does not
    know; they are written out as SVG files so raw WeasyPrint draws the same images.
    """
    sys.path.insert(0, str(ROOT))  # the working tree's package, the one build.py runs
    logging.getLogger("cheatsheet").setLevel(logging.ERROR)  # its warnings: not ours to print
    from cheatsheet.config import load_project
    from cheatsheet.emoji import svg_bytes
    from cheatsheet.page import resolve_theme
    from cheatsheet.pdf import settings_css

    folder = Path(request["folder"])
    overrides: dict[str, Any] = {
        "fit": None if request["fit"] else 0,
        "output": str(folder / "capture.pdf"),  # never into output/
    }
    if request["content"]:
        overrides["content"] = [request["markdown"]]
    config = load_project(ROOT, None, overrides).sheets([request["sheet"]])[0]
    html, extra_css, font_size = capture_layout(config)
    theme = resolve_theme(config)
    emoji_dir = Path(request["emoji"]) / theme.emoji_style
    emoji_dir.mkdir(parents=True, exist_ok=True)

    def to_file(match: re.Match[str]) -> str:
        svg = emoji_dir / f"{match.group(1)}.svg"
        if not svg.exists():
            svg.write_bytes(svg_bytes(match.group(1), theme.emoji_style))
        return f'src="{svg.as_uri()}"'

    html_file, settings = folder / "sheet.html", folder / "settings.css"
    html_file.write_text(EMOJI_SRC.sub(to_file, html), encoding="utf-8")
    # What `Renderer.layout` adds to the theme: page box, columns, base size, then extra CSS.
    settings.write_text(settings_css(config, font_size) + extra_css, encoding="utf-8")
    return {
        "html": str(html_file),
        "base_url": str(config.project) + os.sep,
        "stylesheets": [*(str(path) for path in theme.files), str(settings)],
        "font_size": font_size,
    }


class _Captured(Exception):
    """Stops our in-process build at its first layout, once we have what it lays out."""


def capture_layout(config: Any) -> tuple[str, str, float]:
    """The HTML and extra CSS (footer, print options) our build hands to WeasyPrint, and the
    font size of the PDF it writes.

    Rather than re-assembling them from the package's parts (which change as the tool
    grows), run the real `build_sheet` and watch `Renderer.layout`, the one call that enters
    WeasyPrint: whatever the pipeline adds is in the raw contender too. Without fitting the
    build is stopped at that first call; with fitting it runs to the end for the size.
    """
    from cheatsheet.pdf import Renderer
    from cheatsheet.pipeline import build_sheet

    seen: list[tuple[str, str]] = []
    original = Renderer.layout

    def record(self: Any, html: str, font_size: float, extra_css: str = "") -> Any:
        seen.append((html, extra_css))
        if not config.fit:
            raise _Captured
        return original(self, html, font_size, extra_css)

    Renderer.layout = record  # type: ignore[method-assign]
    try:
        font_size = build_sheet(config).font_size
    except _Captured:
        font_size = config.font_size
    finally:
        Renderer.layout = original  # type: ignore[method-assign]
    if not seen:
        raise RuntimeError("build_sheet never called Renderer.layout")
    return seen[0][0], seen[0][1], font_size


# --- running ---------------------------------------------------------------------------


def run_child(
    command: list[str], cwd: Path, log: Path, timeout: float
) -> tuple[float, float, float, int]:
    """Wall time, CPU time (user + system), peak RSS (MB) and exit code of one child.

    `os.wait4` gives the rusage of exactly this child (ru_maxrss, KiB on Linux), so the
    parent's own memory and earlier children never leak into the number. CPU time is
    reported next to wall time because it barely moves when other processes compete for
    the cores, while wall time does.
    """
    with log.open("wb") as sink:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT
        )
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return seconds, cpu, usage.ru_maxrss / scale, proc.returncode


def run_contender(contender: Contender, tag: str, timeout: float) -> Run:
    """One run; only a zero exit *and* a non-empty PDF count as success (see md2pdf)."""
    assert contender.command is not None
    out = contender.output(tag)
    log = out.with_suffix(".log")
    command = [str(out) if part == "{out}" else part for part in contender.command]
    seconds, cpu, peak, code = run_child(command, contender.cwd, log, timeout)
    text = log.read_text(encoding="utf-8", errors="replace")
    ok = code == 0 and out.is_file() and out.stat().st_size > 0
    run = Run(seconds, cpu, peak, code, ok, out)
    if contender.key == "ours":
        match = SUMMARY_LINE.search(text)
        if match:
            run.self_reported = float(match.group(1))
    if not ok:
        contender.problem = failure_reason(contender, code, text, seconds >= timeout)
    return run


def failure_reason(contender: Contender, code: int, log: str, timed_out: bool) -> str:
    """One line for the report: our CLI's own `error:` line if there is one."""
    if timed_out:
        return "timed out"
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    message = next((line for line in lines if re.match(r"(error|internal error)\b", line)), "")
    if not message and lines:
        message = lines[-1]
    if contender.key == "md2pdf" and code == 0:
        # md2pdf's CLI converts in a thread pool and drops the thread's exception: exit 0,
        # no PDF. The likely cause is looked for when the report is written (`notes`).
        return "exit 0 but no PDF (md2pdf hides the error)"
    return f"exit {code}: {message[:160]}"


def jinja_problem(markdown: Path) -> str:
    """md2pdf renders the Markdown as a Jinja template before converting it, so `{{`, `{%`
    or `{#` in notes (Docker format strings, shell) break it; say so when that is the case.

    Called only after the runs: importing jinja2 here earlier would grow this process, and
    Linux lends the parent's resident size to every child's `ru_maxrss`.
    """
    try:
        import jinja2

        jinja2.Environment().parse(markdown.read_text(encoding="utf-8"))
    except Exception as exc:
        return f"; the Markdown is not a valid Jinja template: {exc}"
    return ""


def benchmark(
    inputs: list[BenchInput],
    repeat: int,
    timeout: float,
    warm_up: bool = True,
    warm_up_only: Sequence[str] | None = None,
) -> None:
    """One untimed warm-up round, then `repeat` interleaved rounds.

    The warm-up compiles bytecode and fills the OS file cache for everyone, and our user
    cache (formulas, drawn SVGs, the last fitted size: what a second build of the same notes
    finds), and weeds out contenders that fail, so a broken input does not cost `repeat`
    more failures. `warm_up_only` limits it to some contenders (`--table`: ours).
    """
    rounds = [("warm-up", 0)] if warm_up else []
    rounds += [(f"{n}/{repeat}", n) for n in range(1, repeat + 1)]
    for round_name, number in rounds:
        for inp in inputs:
            for contender in inp.contenders:
                if contender.command is None or not contender.runnable:
                    continue
                if number == 0 and warm_up_only and contender.key not in warm_up_only:
                    continue
                run = run_contender(contender, str(number), timeout)
                state = "ok" if run.ok else f"FAILED ({contender.problem})"
                progress(
                    f"[{round_name}] {inp.name:<22} {contender.label:<16} "
                    f"{run.seconds:7.2f} s {run.peak_mb:6.0f} MB  {state}"
                )
                if number == 0:
                    contender.runnable = run.ok
                else:
                    contender.runs.append(run)


def measure_pdfs(inputs: list[BenchInput]) -> None:
    """Pages and visible characters per page, read back from the last good PDF."""
    try:
        from pypdf import PdfReader
    except ImportError:
        progress("warning: pypdf is not installed; pages and chars/page are left out")
        return
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    for inp in inputs:
        for contender in inp.contenders:
            runs = contender.good_runs
            if not runs:
                continue
            counts = {len(PdfReader(run.output).pages) for run in runs}
            reader = PdfReader(runs[-1].output)
            text = "".join(page.extract_text() or "" for page in reader.pages)
            contender.pages = len(reader.pages)
            contender.chars_per_page = len(re.sub(r"\s+", "", text)) / len(reader.pages)
            if len(counts) > 1:
                contender.problem = f"page count differs between runs: {sorted(counts)}"


# --- report ----------------------------------------------------------------------------


def machine(load: tuple[float, float]) -> list[str]:
    """What the numbers depend on; the load average says whether the machine was shared."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return [
        f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- machine: {cpu}, {os.cpu_count()} cores ({usable} usable), "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        f"- software: Python {platform.python_version()}, WeasyPrint {version('weasyprint')}, "
        f"md2pdf {version('md2pdf')}, pypdf {version('pypdf')}",
        f"- code: {git_state()}",
        f"- load average (1 min) at start {load[0]:.2f}, at end {load[1]:.2f}: above ~0.5 "
        "other processes competed for the CPU; trust the CPU-time columns more then",
    ]


def git_state() -> str:
    """Commit and whether the tree has edits, read-only (no index refresh)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--"], cwd=ROOT).returncode
    except OSError:
        return "not a git checkout"
    return f"commit {head or '?'}" + (" + uncommitted edits" if dirty else "")


def fmt(value: float | None, spec: str = ".2f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def results_table(inputs: list[BenchInput]) -> list[str]:
    rows = [
        "| input | KB | contender | time (median s) | min–max s | CPU s | peak MB | pages "
        "| chars/page |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for inp in inputs:
        for contender in inp.contenders:
            runs = contender.good_runs
            if runs:
                times = [run.seconds for run in runs]
                cells = [
                    fmt(contender.median()),
                    f"{min(times):.2f}–{max(times):.2f}",
                    fmt(contender.median("cpu_seconds")),
                    fmt(contender.median("peak_mb"), ".0f"),
                    fmt(contender.pages, "d"),
                    fmt(contender.chars_per_page, ".0f"),
                ]
            else:
                cells = ["failed" if contender.command else "not run", "", "", "", "", ""]
            rows.append(
                f"| {inp.name} | {inp.kb:.1f} | {contender.label} | " + " | ".join(cells) + " |"
            )
    return rows


def ratio_table(inputs: list[BenchInput]) -> list[str]:
    rows = [
        "| input | ours (s) | ours ÷ md2pdf | ours ÷ raw WeasyPrint | CPU: ours ÷ md2pdf "
        "| CPU: ours ÷ raw | ours in-process (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for inp in inputs:
        ours, mine = inp.contender("ours"), median_of(inp, "ours")
        cpu = median_of(inp, "ours", "cpu_seconds")
        cells = [
            fmt(mine),
            fmt(ratio(mine, median_of(inp, "md2pdf")), ".2f", "×"),
            fmt(ratio(mine, median_of(inp, "raw")), ".2f", "×"),
            fmt(ratio(cpu, median_of(inp, "md2pdf", "cpu_seconds")), ".2f", "×"),
            fmt(ratio(cpu, median_of(inp, "raw", "cpu_seconds")), ".2f", "×"),
            fmt(ours.median("self_reported") if ours else None, ".1f"),
        ]
        rows.append(f"| {inp.name} | " + " | ".join(cells) + " |")
    return rows


def targets(inputs: list[BenchInput]) -> list[str]:
    """The three promises, each with the two numbers its ratio comes from."""
    by_name = {inp.name: inp for inp in inputs}

    def median(name: str, key: str) -> float | None:
        return median_of(by_name[name], key) if name in by_name else None

    def verdict(value: float | None, limit: float) -> str:
        if value is None:
            return "not measured"
        return "met" if value <= limit else "NOT met"

    plain, fitted = median("seed-nofit", "ours"), median("seed", "ours")
    peer, raw = median("seed-nofit", "md2pdf"), median("seed-nofit", "raw")
    vs_peer, fit_cost = ratio(plain, peer), ratio(fitted, plain)
    vs_raw = ratio(plain, raw)
    overhead = vs_raw - 1 if vs_raw is not None else None
    others = [
        r - 1
        for inp in inputs
        if inp.kind != "seed"
        if (r := ratio(median_of(inp, "ours"), median_of(inp, "raw"))) is not None
    ]
    others_note = (
        f" (other --no-fit inputs: median {statistics.median(others):+.0%}, "
        f"worst {max(others):+.0%}, {len(others)} input{'s' * (len(others) != 1)})"
        if others
        else ""
    )
    return [
        f"- plain build of the seed ≤ {TARGET_PLAIN_VS_MD2PDF:.1f}× md2pdf: "
        f"{fmt(vs_peer, '.2f', '×')} ({fmt(plain)} s vs {fmt(peer)} s)"
        f" — **{verdict(vs_peer, TARGET_PLAIN_VS_MD2PDF)}**",
        f"- our overhead over raw WeasyPrint on our own HTML ≤ {TARGET_OVERHEAD_OVER_RAW:.0%}: "
        f"seed --no-fit {fmt(overhead, '+.0%')} ({fmt(plain)} s vs {fmt(raw)} s) — "
        f"**{verdict(overhead, TARGET_OVERHEAD_OVER_RAW)}**{others_note}",
        f"- fit to 1 page ≤ {TARGET_FIT_VS_PLAIN:.1f}× a plain build of the seed: "
        f"{fmt(fit_cost, '.2f', '×')} ({fmt(fitted)} s vs {fmt(plain)} s) — "
        f"**{verdict(fit_cost, TARGET_FIT_VS_PLAIN)}**",
    ]


def issue_targets(inputs: list[BenchInput]) -> list[str]:
    """Issue #13's promises, by CPU time (steady on a shared machine) with wall time beside."""
    by_name = {inp.name: inp for inp in inputs}
    lines = []

    def verdict(value: float | None, limit: float) -> str:
        return "not measured" if value is None else ("met" if value <= limit else "NOT met")

    def against_md2pdf(name: str, limit: float, label: str, memory: bool = False) -> str:
        inp = by_name.get(name)
        if inp is None:
            return f"- {label}: not run"
        cpu = ratio(median_of(inp, "ours", "cpu_seconds"), median_of(inp, "md2pdf", "cpu_seconds"))
        wall = ratio(median_of(inp, "ours"), median_of(inp, "md2pdf"))
        text = (
            f"- {label} ≤ {limit:g}× md2pdf: CPU {fmt(cpu, '.2f', '×')} "
            f"(wall {fmt(wall, '.2f', '×')}) — **{verdict(cpu, limit)}**"
        )
        if memory:
            peak = ratio(median_of(inp, "ours", "peak_mb"), median_of(inp, "md2pdf", "peak_mb"))
            text += f"; peak memory {fmt(peak, '.2f', '×')} — **{verdict(peak, limit)}**"
        return text

    seed_fit = by_name.get("seed")
    if seed_fit is not None and "seed-nofit" in by_name:
        # md2pdf has no fitting: its time on the seed is the same in both rows.
        seed_fit.contenders = [c for c in seed_fit.contenders if c.key != "md2pdf"] + [
            c for c in by_name["seed-nofit"].contenders if c.key == "md2pdf"
        ]
    lines.append(against_md2pdf("seed-nofit", TARGET_PLAIN_VS_MD2PDF, "seed, plain build"))
    lines.append(against_md2pdf("seed", TARGET_FIT_VS_MD2PDF, "seed, default build (fit 1)"))
    lines.append(against_md2pdf("emoji-cheat-sheet", TARGET_EMOJI_VS_MD2PDF, "emoji sheet"))
    for inp in inputs:
        if inp.kb >= BIG_KB and inp.kind in ("corpus", "concat"):
            label = f"{inp.name} ({inp.kb:.0f} KB)"
            lines.append(against_md2pdf(inp.name, TARGET_BIG_VS_MD2PDF, label, memory=True))
    series = sorted(
        (inp.kb, cpu)
        for inp in inputs
        if inp.kind == "concat"
        if (cpu := median_of(inp, "ours", "cpu_seconds")) is not None
    )
    if len(series) >= 3:
        marginal = [(t2 - t1) / (k2 - k1) for (k1, t1), (k2, t2) in itertools.pairwise(series)]
        mean = statistics.mean(marginal)
        spread = max(abs(m / mean - 1) for m in marginal) if mean > 0 else math.inf
        steps = ", ".join(f"{m * 1000:.0f}" for m in marginal)
        lines.append(
            f"- time per KB flat (±{GROWTH_TOLERANCE - 1:.0%}) from {series[0][0]:.0f} to "
            f"{series[-1][0]:.0f} KB (corpus concatenations, CPU, marginal ms/KB between "
            f"sizes: {steps}; largest deviation from their mean {spread:.0%}; whole-build "
            f"ms/KB: {', '.join(f'{t / kb * 1000:.0f}' for kb, t in series)}, fixed start-up "
            f"included) — **{verdict(spread, GROWTH_TOLERANCE - 1)}**"
        )
    return lines


REBUILD_CHILD = '''\
"""Cold build, then a one-line edit rebuilt with the same cache, as watch mode does."""
import json, resource, shutil, sys
from pathlib import Path

root, work = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(root))
for name in ("cheatsheet.toml", "content"):
    source = root / name
    (shutil.copytree if source.is_dir() else shutil.copy)(source, work / name)
from cheatsheet.config import load_project
from cheatsheet.pipeline import BuildCache, build_sheet


def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


overrides = {"output": str(work / "out.pdf")}
config = load_project(work, None, overrides).base
cache = BuildCache()
build_sheet(config, cache)
cold = cpu()
note = next((work / "content").glob("*.md"))
note.write_text(note.read_text(encoding="utf-8") + "\\nOne more line.\\n", encoding="utf-8")
config = load_project(work, None, overrides).base
before = cpu()
build_sheet(config, cache)
print(json.dumps({"cold": cold, "rebuild": cpu() - before}))
'''


def run_probes(work: Path, timeout: float, inputs: list[BenchInput]) -> list[str]:
    """Two promises that are not a race with md2pdf: an unmeetable budget is reported after
    at most one layout at the floor size, and a watch-mode rebuild costs ≤ 0.3× a cold build;
    and what a first build costs, with an empty user cache."""
    lines = cold_cache_probe(work, timeout, inputs)
    concat = work / "concat" / f"concat-{CONCAT_KB[2]}.md"
    if concat.exists():
        out = work / "unmet.pdf"
        command = [sys.executable, str(ROOT / "build.py"), seed_sheet_name(), "--content"]
        command += [str(concat), "--fit", "1", "-o", str(out)]
        log = work / "unmet.log"
        seconds, cpu, _, code = run_child(command, ROOT, log, timeout)
        text = log.read_text(encoding="utf-8", errors="replace")
        sizes = re.findall(r"laying out at ([\d.]+) pt", text)
        needs = re.search(r"needs (\d+) pages", text)
        floor_layouts = sizes.count(min(sizes, key=float)) if sizes else 0
        ok = code != 0 and needs is not None and floor_layouts <= 1
        lines.append(
            f"- a budget that cannot be met (concat-{CONCAT_KB[2]}, --fit 1): exit {code} "
            f"after {len(sizes)} layouts ({', '.join(sizes)} pt), {floor_layouts} at the floor, "
            f"'{needs.group(0) if needs else 'no page count'}', CPU {cpu:.1f} s (wall "
            f"{seconds:.1f} s) — **{'met' if ok else 'NOT met'}**"
        )
    child = work / "rebuild_child.py"
    child.write_text(REBUILD_CHILD, encoding="utf-8")
    folder = work / "rebuild"
    folder.mkdir()
    helper = subprocess.run(
        [sys.executable, str(child), str(ROOT), str(folder)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    try:
        times = json.loads(helper.stdout.strip().splitlines()[-1])
        share = times["rebuild"] / times["cold"]
        lines.append(
            f"- watch-mode rebuild after a one-line edit ≤ {TARGET_REBUILD_VS_COLD:g}× a cold "
            f"build (seed, fit 1, CPU): {times['rebuild']:.2f} s vs {times['cold']:.2f} s = "
            f"{share:.2f}× — **{'met' if share <= TARGET_REBUILD_VS_COLD else 'NOT met'}**"
        )
    except (IndexError, ValueError, KeyError):
        lines.append(f"- watch-mode rebuild: the probe failed: {helper.stderr.strip()[-200:]}")
    return lines


def cold_cache_probe(work: Path, timeout: float, inputs: list[BenchInput]) -> list[str]:
    """Ours once with an empty user cache, on the seed (fit 1) and the emoji sheet: the
    timed rounds find the cache the warm-up filled (formulas, drawn SVGs, the fitted size),
    as a second build of the same notes does; a first build pays for all of it."""
    lines = []
    for inp in inputs:
        if inp.name not in ("seed", "emoji-cheat-sheet"):
            continue
        ours = inp.contender("ours")
        if ours is None or ours.command is None or not ours.good_runs:
            continue
        cache = work / f"cold-cache-{inp.name}"
        out = ours.output("cold")
        log = out.with_suffix(".log")
        command = [str(out) if part == "{out}" else part for part in ours.command]
        saved = os.environ.get("XDG_CACHE_HOME")
        os.environ["XDG_CACHE_HOME"] = str(cache)
        try:
            seconds, cpu, peak, code = run_child(command, ours.cwd, log, timeout)
        finally:
            if saved is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = saved
        text = log.read_text(encoding="utf-8", errors="replace")
        layouts = len(re.findall(r"laying out at ", text))
        peer = median_of(inp, "md2pdf", "cpu_seconds")
        if inp.name == "seed":
            nofit = next((i for i in inputs if i.name == "seed-nofit"), None)
            peer = median_of(nofit, "md2pdf", "cpu_seconds") if nofit else None
        lines.append(
            f"- first build with an empty user cache ({inp.name}{', fit 1' if inp.fit else ''}): "
            f"exit {code}, CPU {cpu:.2f} s (wall {seconds:.2f} s, {peak:.0f} MB"
            f"{f', {layouts} layouts' if layouts else ''}); ÷ md2pdf's median CPU "
            f"{fmt(ratio(cpu, peer), '.2f', '×')} (the timed rounds: "
            f"{fmt(ours.median('cpu_seconds'))} s, cache filled by the warm-up)"
        )
    return lines


def growth(inputs: list[BenchInput]) -> list[str]:
    """Does our time grow no worse than linearly with the Markdown size?

    The clean test is the seed repeated 1, 2, 4, 8 times: same content, only size changes.
    A fixed cost (start-up, imports, fonts) makes any log-log slope look sub-linear, so the
    verdict compares the marginal cost per KB of each doubling instead: linear growth keeps
    it flat, super-linear growth makes it rise. Corpus files differ in content (emoji are
    images, CJK falls back to other fonts), so for them only seconds per KB are listed.
    """
    lines = []
    series = sorted(
        (inp.kb, seconds)
        for inp in inputs
        if inp.name == "seed-nofit" or inp.kind == "scaled"
        if (seconds := median_of(inp, "ours")) is not None
    )
    if len(series) >= 3:
        xs, ys = [kb for kb, _ in series], [t for _, t in series]
        slope, intercept = statistics.linear_regression(xs, ys)
        r2 = statistics.correlation(xs, ys) ** 2
        marginal = [(t2 - t1) / (kb2 - kb1) for (kb1, t1), (kb2, t2) in itertools.pairwise(series)]
        worst = max(marginal[1:]) / marginal[0] if marginal[0] > 0 else math.inf
        verdict = "no worse than linear" if worst <= GROWTH_TOLERANCE else "WORSE than linear"
        steps = ", ".join(f"{m * 1000:.0f}" for m in marginal)
        lines.append(
            f"- growth with size (ours, seed ×1/×2/×4/×8, --no-fit, "
            f"{xs[0]:.0f}–{xs[-1]:.0f} KB): t ≈ {intercept:.2f} s + {slope * 1000:.0f} ms/KB "
            f"(R² {r2:.3f}); marginal ms/KB per doubling: {steps} (last ÷ first "
            f"{worst:.2f}, limit {GROWTH_TOLERANCE:g}) → **{verdict}**"
        )
    else:
        lines.append("- growth with size: needs seed-nofit and the seed-xN inputs to build")
    corpus = [
        (inp.name, inp.kb, seconds)
        for inp in inputs
        if inp.kind == "corpus" and (seconds := median_of(inp, "ours")) is not None
    ]
    if corpus:
        per_kb = ", ".join(f"{name} {s / kb * 1000:.0f}" for name, kb, s in corpus)
        lines.append(f"- corpus, ours --no-fit, ms per KB of Markdown: {per_kb}")
    return lines


def median_of(inp: BenchInput, key: str, attribute: str = "seconds") -> float | None:
    contender = inp.contender(key)
    return contender.median(attribute) if contender else None


def notes(inputs: list[BenchInput]) -> list[str]:
    lines = []
    for inp in inputs:
        for contender in inp.contenders:
            if contender.problem:
                hint = jinja_problem(inp.markdown) if contender.key == "md2pdf" else ""
                lines.append(f"- {inp.name} / {contender.label}: {contender.problem}{hint}")
    return lines


def report(
    inputs: list[BenchInput],
    repeat: int,
    load: tuple[float, float],
    probes: list[str],
    warm_up: bool = True,
    warm_up_only: Sequence[str] | None = None,
) -> str:
    warm_note = f" (for {', '.join(warm_up_only)} only)" if warm_up and warm_up_only else ""
    parts = [
        "# Benchmark: cheatsheet vs md2pdf vs raw WeasyPrint",
        "",
        *machine(load),
        f"- method: {repeat} timed repetition{'s' * (repeat != 1)}"
        f"{' after one warm-up round' if warm_up else ', no warm-up round'}"
        f"{warm_note}, "
        "contenders interleaved; "
        "every run a cold process; medians of wall time and of peak RSS",
        "",
        *results_table(inputs),
        "",
        "## Ratios (medians)",
        "",
        *ratio_table(inputs),
        "",
        "## Targets",
        "",
        *targets(inputs),
        *issue_targets(inputs),
        *probes,
        *growth(inputs),
    ]
    problems = notes(inputs)
    if problems:
        parts += ["", "## Failures and notes", "", *problems]
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [CAPTURE]:
        print(json.dumps(capture(json.loads(argv[1]))))
        return 0
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))  # the working tree's package, the one build.py runs
    # Clean up (temp folder, running child) when stopped with kill as well as with Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="cheatsheet-bench-"))
    try:
        load_start, started = os.getloadavg()[0], time.monotonic()
        # Our user cache (formulas, drawn SVGs, fitted sizes) lives in the run's folder: the
        # warm-up fills it, and nothing from earlier builds on this machine counts.
        os.environ["XDG_CACHE_HOME"] = str(work / "user-cache")
        # Every contender runs as on a user's machine, where Python keeps the bytecode it
        # compiles: md2pdf's and the libraries' was compiled when pip installed them, ours
        # (run from the working tree, as `pip install -e .` does) by the warm-up round.
        # With PYTHONDONTWRITEBYTECODE set (some containers and CI images set it), ours was
        # compiled again in every run: ~0.08 s of the seed's ~0.95 s, charged to us alone.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        inputs = make_inputs(work, args.only)
        warm_up = not args.no_warm_up
        benchmark(inputs, args.repeat, args.timeout, warm_up, args.warm_up_only)
        probes = [] if args.quick else run_probes(work, args.timeout, inputs)
        load = (load_start, os.getloadavg()[0])
        measure_pdfs(inputs)
        text = report(inputs, args.repeat, load, probes, warm_up, args.warm_up_only)
        text += f"\nThe whole run took {(time.monotonic() - started) / 60:.1f} minutes.\n"
    finally:
        if args.keep:
            progress(f"outputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(text, end="")
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
