"""Command line: `cheatsheet [build|sections|watch] [SHEET ...] [options]`.

The one place where errors are printed and turned into exit codes.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import logging
import os
import re
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from .config import ORIENTATIONS, PAPERS, load_project
from .errors import EXIT_INPUT, EXIT_INTERNAL, CheatsheetError, warn, where
from .pipeline import BuildResult, build_sheet, chosen_sections, load_config_content

COMMANDS = ("build", "sections", "watch")
EXIT_PREFLIGHT = 3


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with a suggestion, like every other error of the tool."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = "see --help"
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if unknown:
            options = [o for action in self._actions for o in action.option_strings]
            close = difflib.get_close_matches(unknown.group(1).split("=")[0], options, n=1)
            hint = f"did you mean '{close[0]}'? see --help" if close else hint
        print(f"error: {message}; {hint}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="cheatsheet",
        description="Turn Markdown notes into a compact, printable multi-column PDF cheat sheet.",
        epilog="Commands: build (default), sections (same as --list-sections).",
    )
    p.add_argument(
        "sheets", nargs="*", metavar="SHEET", help="sheet names from cheatsheet.toml (default: all)"
    )
    p.add_argument(
        "-C", "--project", type=Path, default=Path("."), help="project folder (default: .)"
    )
    p.add_argument(
        "-c", "--config", type=Path, help="config file (default: PROJECT/cheatsheet.toml)"
    )
    p.add_argument("--content", action="append", help="content file, folder or glob (repeatable)")
    p.add_argument("--list-sections", action="store_true", help="list the sections and exit")
    p.add_argument("--watch", action="store_true", help="rebuild on change, with a live preview")
    p.add_argument("--port", type=int, default=8765, help="preview port on 127.0.0.1 (watch mode)")
    sel = p.add_argument_group("sections")
    sel.add_argument(
        "--only", help="comma-separated sections (title or slug, globs) to print, in this order"
    )
    sel.add_argument("--exclude", help="comma-separated sections to leave out")
    sel.add_argument("--order", help="comma-separated sections to put first")
    lay = p.add_argument_group("layout")
    lay.add_argument("--paper", help=f"one of {', '.join(PAPERS)}")
    lay.add_argument("--orientation", help=" or ".join(ORIENTATIONS))
    lay.add_argument("--landscape", dest="orientation", action="store_const", const="landscape")
    lay.add_argument("--portrait", dest="orientation", action="store_const", const="portrait")
    lay.add_argument("--columns", type=int, help="1 to 6")
    lay.add_argument("--margin", help="page margin, e.g. 6mm")
    lay.add_argument("--font-size", type=float, help="base font size in points")
    lay.add_argument("--theme", help="theme name (styles/NAME.css) or path to a .css file")
    lay.add_argument("--template", help="template file name in templates/")
    lay.add_argument("--title")
    lay.add_argument("--author")
    fit = p.add_argument_group("fitting")
    fit.add_argument("--fit", type=int, metavar="N", help="largest font size that fits N pages")
    fit.add_argument("--fit-min", type=float, metavar="PT", help="smallest size fitting may use")
    fit.add_argument("--fit-max", type=float, metavar="PT", help="largest size fitting may use")
    fit.add_argument("--no-fit", dest="fit", action="store_const", const=0, help="turn fitting off")
    fit.add_argument(
        "--allow-overflow",
        action="store_const",
        const=True,
        help="write the PDF even if over budget",
    )
    pre = p.add_argument_group("preflight")
    pre.add_argument("--report", choices=("text", "json"), default="text", help="report format")
    pre.add_argument("--strict", action="store_const", const=True, help="exit 3 on any defect")
    pre.add_argument("--min-type-size", type=float, metavar="PT", help="legibility floor (pt)")
    sec = p.add_argument_group("safety")
    sec.add_argument(
        "--allow-remote", action="store_const", const=True, help="fetch http(s) images and styles"
    )
    sec.add_argument(
        "--safe", action="store_const", const=True, help="keep only Markdown's own HTML"
    )
    sec.add_argument("--max-file-size", type=float, metavar="MB", help="refuse bigger files")
    prn = p.add_argument_group("printing")
    prn.add_argument("--subtitle")
    prn.add_argument(
        "--footer", help="comma-separated: title,subtitle,version,author,date,page or none"
    )
    prn.add_argument("--toc", action="store_const", const=True, help="add a table of contents")
    prn.add_argument(
        "--duplex",
        action="store_const",
        const=True,
        help="mirror margins, keep sections on one side",
    )
    prn.add_argument("--binding", help="extra inner margin for duplex, e.g. 5mm")
    prn.add_argument("--crop-marks", action="store_const", const=True, help="crop and cross marks")
    prn.add_argument("--bleed", help="bleed for print shops, e.g. 3mm")
    prn.add_argument(
        "--handout",
        action="append",
        choices=("booklet", "2up", "4up"),
        help="also write an imposed file",
    )
    prn.add_argument("--handout-sheet", help="paper of the imposed sheets (default: automatic)")
    prn.add_argument("--pdf-variant", help="pdf/a-3b (archival), pdf/ua-1 (accessible), ...")
    prn.add_argument("--tagged", action="store_const", const=True, help="tagged (accessible) PDF")
    prn.add_argument(
        "--html", action="store_const", const=True, help="also write self-contained HTML"
    )
    p.add_argument("-o", "--output", help="output PDF path (may use {name})")
    p.add_argument(
        "--no-repair",
        dest="repair",
        action="store_const",
        const=False,
        help="do not repair damaged (mojibake) text",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return p


def overrides_from(args: argparse.Namespace) -> dict:
    def split(value: str | None) -> list[str] | None:
        return [v.strip() for v in value.split(",") if v.strip()] if value else None

    return {
        "content": args.content,
        "sections": split(args.only),
        "exclude": split(args.exclude),
        "order": split(args.order),
        "paper": args.paper,
        "orientation": args.orientation,
        "columns": args.columns,
        "margin": args.margin,
        "font_size": args.font_size,
        "theme": args.theme,
        "template": args.template,
        "title": args.title,
        "author": args.author,
        "output": args.output,
        "repair": args.repair,
        "fit": args.fit,
        "fit_min": args.fit_min,
        "fit_max": args.fit_max,
        "allow_overflow": args.allow_overflow,
        "strict": args.strict,
        "min_type_size": args.min_type_size,
        "allow_remote": args.allow_remote,
        "safe": args.safe,
        "max_file_size": args.max_file_size,
        "subtitle": args.subtitle,
        "footer": None if args.footer is None else split(args.footer.replace("none", "")) or [],
        "toc": args.toc,
        "duplex": args.duplex,
        "binding": args.binding,
        "crop_marks": args.crop_marks,
        "bleed": args.bleed,
        "handout": args.handout,
        "handout_sheet": args.handout_sheet,
        "pdf_variant": args.pdf_variant,
        "tagged": args.tagged,
        "html": args.html,
    }


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"warning: {record.getMessage()}"


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("cheatsheet")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


def run(argv: list[str]) -> int:
    command = "build"
    if argv and argv[0] in COMMANDS:
        command, argv = argv[0], argv[1:]
    args = parser().parse_args(argv)
    _setup_logging(args.quiet)
    if command == "watch" or args.watch:
        from .watch import watch

        return watch(args, overrides_from(args))
    project = load_project(args.project, args.config, overrides_from(args))
    sheets = project.sheets(args.sheets)
    if command == "sections" or args.list_sections:
        for sheet in sheets:
            list_sections(sheet)
        return 0
    results = build_all(sheets, quiet=args.quiet)
    failed = False
    for result in results:
        failed |= result.config.strict and bool(result.report.problems)
        if args.report == "text":
            print_result(result, quiet=args.quiet)
    if args.report == "json":
        reports = [
            {"sheet": r.config.name, "output": str(r.output), "seconds": round(r.seconds, 3),
             **r.report.as_dict()}
            for r in results
        ]  # fmt: skip
        print(
            json.dumps(reports if len(reports) != 1 else reports[0], ensure_ascii=False, indent=2)
        )
    if failed:
        print("error: preflight found defects and --strict is on", file=sys.stderr)
        return EXIT_PREFLIGHT
    return 0


def build_all(sheets: list, quiet: bool = False) -> list[BuildResult]:
    """One sheet in this process, with progress; several in parallel, one per core."""
    if len(sheets) == 1:
        progress = Progress(sheets[0].name, quiet)
        try:
            return [build_sheet(sheets[0], progress=progress)]
        finally:
            progress.done()
    workers = min(len(sheets), os.cpu_count() or 1)
    results: dict[str, BuildResult] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(build_sheet, sheet): sheet for sheet in sheets}
        for done, future in enumerate(as_completed(futures), 1):
            result = future.result()
            results[result.config.name] = result
            if not quiet and sys.stderr.isatty():
                print(f"built {done}/{len(sheets)} sheets", end="\r", file=sys.stderr)
    return [results[sheet.name] for sheet in sheets]


def print_result(result: BuildResult, quiet: bool = False) -> None:
    """The summary line, the preflight summary and every defect found."""
    sheet, report = result.config, result.report
    if not quiet:
        print(
            f"{where(result.output)}: {result.pages} page{'s' * (result.pages != 1)}, "
            f"{sheet.paper} {sheet.orientation}, {sheet.columns} columns, "
            f"{result.font_size:g} pt, {len(result.sections)} sections, {result.seconds:.1f} s"
        )
        print(report.summary())
        for extra in result.extra_outputs:
            print(f"{where(extra)}: written")
    for problem in report.problems:
        place = f"page {problem.page}, " if problem.page else ""
        warn(
            f"{problem.kind.replace('_', ' ')}: {place}section '{problem.section}': "
            f"{problem.text!r} ({problem.detail})"
        )


class Progress:
    """Stage messages for builds that take more than a moment; one overwritten line on a
    terminal, plain lines otherwise, nothing with -q or for quick builds."""

    DELAY = 0.6  # seconds before the first message: quick builds stay silent

    def __init__(self, name: str, quiet: bool = False, stream=None) -> None:
        self.name = name
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.tty = self.stream.isatty()
        self.shown = False

    def __call__(self, stage: str) -> None:
        if self.quiet or time.perf_counter() - self.started < self.DELAY:
            return
        if self.tty:
            print(f"\r\033[K{self.name}: {stage}…", end="", file=self.stream, flush=True)
        else:
            print(f"{self.name}: {stage}", file=self.stream, flush=True)
        self.shown = True

    def done(self) -> None:
        if self.shown and self.tty:
            print("\r\033[K", end="", file=self.stream, flush=True)


def list_sections(sheet) -> None:
    content = load_config_content(sheet)
    chosen = {s.slug for s in chosen_sections(sheet, content)}
    print(f"sheet '{sheet.name}':")
    width = max(len(s.slug) for s in content.sections)
    for section in content.sections:
        mark = "*" if section.slug in chosen else " "
        print(
            f" {mark} {section.slug:<{width}}  {section.title}  "
            f"[{where(section.file, section.line)}, {section.size} chars]"
        )
    print(" (* = on the sheet)")


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into an exception so temporary files are removed on the way out."""
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    with contextlib.suppress(ValueError):  # only possible in the main thread
        signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(argv)
    except CheatsheetError as exc:
        if debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except RecursionError:
        if debug:
            raise
        print("error: the content is nested too deeply to lay out", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("error: interrupted; previous output left unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so briefly, with a way to get details
        if debug:
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
