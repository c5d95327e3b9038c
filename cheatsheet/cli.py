"""Command line: `cheatsheet [build|sections|watch] [SHEET ...] [options]`.

The one place where errors are printed and turned into exit codes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path

from .config import ORIENTATIONS, PAPERS, load_project
from .errors import EXIT_INPUT, EXIT_INTERNAL, CheatsheetError, warn, where
from .pipeline import build_sheet, chosen_sections, load_config_content

COMMANDS = ("build", "sections", "watch")
EXIT_PREFLIGHT = 3


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
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
    project = load_project(args.project, args.config, overrides_from(args))
    sheets = project.sheets(args.sheets)
    if command == "sections" or args.list_sections:
        for sheet in sheets:
            list_sections(sheet)
        return 0
    if command == "watch":
        raise CheatsheetError("watch mode is not available yet", exit_code=EXIT_INPUT)
    reports = []
    failed = False
    for sheet in sheets:
        result = build_sheet(sheet)
        report = result.report
        reports.append({"sheet": sheet.name, "output": str(result.output), **report.as_dict()})
        failed |= sheet.strict and bool(report.problems)
        if args.report == "text" and not args.quiet:
            print(
                f"{where(result.output)}: {result.pages} page{'s' * (result.pages != 1)}, "
                f"{sheet.paper} {sheet.orientation}, {sheet.columns} columns, "
                f"{result.font_size:g} pt, {len(result.sections)} sections, "
                f"{result.seconds:.1f} s"
            )
            print(report.summary())
            for extra in result.extra_outputs:
                print(f"{where(extra)}: written")
        if args.report == "text":
            for problem in report.problems:
                where_ = f"page {problem.page}, " if problem.page else ""
                warn(
                    f"{problem.kind.replace('_', ' ')}: {where_}section '{problem.section}': "
                    f"{problem.text!r} ({problem.detail})"
                )
    if args.report == "json":
        print(
            json.dumps(reports if len(reports) != 1 else reports[0], ensure_ascii=False, indent=2)
        )
    if failed:
        print("error: preflight found defects and --strict is on", file=sys.stderr)
        return EXIT_PREFLIGHT
    return 0


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
