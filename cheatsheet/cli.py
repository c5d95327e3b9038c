"""Command line: `cheatsheet [build|watch|sections|themes|init|options] [FILE|SHEET ...]`.

Files are arguments as in pandoc (`cheatsheet notes.md` -> `notes.pdf`, `-` is stdin/stdout);
in a project with `cheatsheet.toml` a word that is not a file is a sheet name. The sheet
options come from their one declaration in `options.py`. This is the one place where errors
are printed and turned into exit codes.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import difflib
import glob
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from . import __version__
from .config import CONFIG_NAME, load_project
from .errors import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    CheatsheetError,
    clear_interrupt,
    format_diagnostics,
    note_interrupt,
    warn,
    where,
)
from .options import GROUPS, OPTIONS, Option, OptionError, markdown_table
from .pipeline import BuildResult, build_sheet, chosen_sections, load_config_content

COMMANDS = ("build", "watch", "sections", "themes", "init", "options")
EXIT_PREFLIGHT = 3
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".txt"}
EXAMPLES = """\
examples:
  cheatsheet notes.md                   notes.md -> notes.pdf, fitted to as few pages as legible
  cheatsheet a.md b.md -o card.pdf      several files, one sheet
  cheatsheet - -o - < notes.md > notes.pdf
  cheatsheet notes.md --fit 1 --columns 3 --paper Letter
  cheatsheet                            in a project: build every sheet of cheatsheet.toml
  cheatsheet aws                        in a project: build the sheet named "aws"
  cheatsheet init                       start a project here (cheatsheet.toml, content/)
  cheatsheet watch notes.md             rebuild on change, live preview in the browser
  cheatsheet COMMAND --help             options of a command
"""


# -- terminal -------------------------------------------------------------------------------


def _colour_ok(stream) -> bool:
    """Colour only for a person at a terminal who has not asked for none (no-color.org)."""
    return (
        hasattr(stream, "isatty")
        and stream.isatty()
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
    )


def paint(label: str, colour: str, stream=None) -> str:
    """`label` in bold colour (31 red, 33 yellow) when the stream is a colour terminal."""
    stream = stream or sys.stderr
    return f"\033[1;{colour}m{label}\033[0m" if _colour_ok(stream) else label


def print_error(message: str) -> None:
    for line in str(message).split("\nerror: "):
        print(f"{paint('error:', '31')} {line}", file=sys.stderr)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{paint('warning:', '33')} {record.getMessage()}"


class _OnceFilter(logging.Filter):
    """The same warning once per run (a missing image used twice is one problem)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message in self.seen:
            return False
        self.seen.add(message)
        return True


def _setup_logging(quiet: bool) -> None:
    logger = logging.getLogger("cheatsheet")
    logger.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler.addFilter(_OnceFilter())
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    logger.propagate = False


# -- the parser, from the option declarations -------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, with a suggestion, like every other error of the tool."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = "see --help"
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if unknown:
            options = [o for action in self._every_action() for o in action.option_strings]
            close = difflib.get_close_matches(unknown.group(1).split("=")[0], options, n=1)
            hint = f"did you mean '{close[0]}'? {hint}" if close else hint
        print_error(f"{message}; {hint}")
        raise SystemExit(EXIT_INPUT)

    def _every_action(self) -> list[argparse.Action]:
        """This parser's actions and its sub-commands' (unknown flags surface at the top)."""
        actions = list(self._actions)
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    actions += sub._actions
        return actions


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=min(100, shutil.get_terminal_size()[0]))


def _checked_type(option: Option):
    def convert(text: str):
        try:
            return option.from_cli(text)
        except OptionError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = option.name  # argparse names the type in its messages
    return convert


def _default_help(option: Option) -> str:
    default = option.default
    if option.name in ("name", "output") or default in ("", ()):
        return ""
    if isinstance(default, tuple):
        default = ",".join(default)
    elif isinstance(default, bool):
        default = "on" if default else "off"
    return f" (default: {default})"


def _add_option(group, option: Option) -> None:
    values = option.range_text() if option.kind not in ("str", "list", "bool") else ""
    values = f" [{values}]" if values else ""
    text = (option.help + values + _default_help(option)).replace("%", "%%").replace("`", "")
    flags = ["-o", option.flag] if option.name == "output" else [option.flag]
    if option.kind == "bool":
        group.add_argument(
            *flags, dest=option.name, action=argparse.BooleanOptionalAction, help=text
        )
    elif option.cli == "append":
        group.add_argument(
            *flags,
            dest=option.name,
            action="append",
            choices=option.choices or None,
            metavar=option.metavar or option.name.upper(),
            help=text,
        )
    else:
        group.add_argument(
            *flags,
            dest=option.name,
            type=_checked_type(option),
            metavar=option.metavar or option.name.upper(),
            help=text,
        )
    if option.name == "orientation":
        group.add_argument(
            "--landscape",
            dest="orientation",
            action="store_const",
            const="landscape",
            help="same as --orientation landscape",
        )
        group.add_argument(
            "--portrait",
            dest="orientation",
            action="store_const",
            const="portrait",
            help="same as --orientation portrait",
        )
    if option.name == "fit":
        group.add_argument(
            "--no-fit",
            dest="fit",
            action="store_const",
            const=0,
            help="turn fitting off: print at --font-size",
        )


def _common_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("project")
    g.add_argument(
        "-C",
        "--project",
        type=Path,
        metavar="DIR",
        help="project folder (default: the current folder, or the folder of the "
        "first file when the current one has no cheatsheet.toml)",
    )
    g.add_argument(
        "-c",
        "--config",
        type=Path,
        metavar="TOML",
        help=f"config file (default: PROJECT/{CONFIG_NAME})",
    )
    g.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    g.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def _sheet_parent() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "inputs",
        nargs="*",
        metavar="FILE|SHEET",
        help="Markdown files ('-' reads stdin), or sheet names of the project "
        "(default: every sheet of the project)",
    )
    groups = {name: p.add_argument_group(name) for name in GROUPS}
    for option in OPTIONS:
        if option.flag:
            _add_option(groups[option.group], option)
    return p


def parser() -> argparse.ArgumentParser:
    common, sheet = _common_parent(), _sheet_parent()
    top = _Parser(
        prog="cheatsheet",
        description="Turn Markdown notes into a compact, printable multi-column PDF cheat sheet.",
        epilog=EXAMPLES,
        formatter_class=_HelpFormatter,
    )
    top.add_argument("--version", action="version", version=version_text())
    commands = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help: str, parents: list, epilog: str | None = None):
        return commands.add_parser(
            name,
            help=help,
            description=help,
            parents=parents,
            epilog=epilog,
            formatter_class=_HelpFormatter,
        )

    build = command("build", "build PDFs (the default command)", [common, sheet], EXAMPLES)
    build.add_argument(
        "--report",
        choices=("text", "json"),
        default="text",
        help="report format on stdout (default: text)",
    )
    build.add_argument("--list-sections", action="store_true", help="same as `sections`")
    build.add_argument("--watch", action="store_true", help="same as `watch`")
    watch = command("watch", "rebuild on change, with a live preview on 127.0.0.1", [common, sheet])
    for command_parser in (build, watch):
        command_parser.add_argument(
            "--port", type=_port, default=8765, help="preview port (default: 8765; 0: any free)"
        )
    command("sections", "list the sections: slug, title, file:line, size", [common, sheet])
    command("themes", "list the themes: name and one line each", [common])
    command(
        "init",
        "start a project here: a commented cheatsheet.toml and content/ (never overwrites)",
        [common],
    )
    options = command("options", "list every option: key, default, values, meaning", [])
    options.add_argument("--markdown", action="store_true", help="as the README's table")
    return top


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0 to 65535, got {text!r}")
    return int(text)


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        weasy = version("weasyprint")
    except PackageNotFoundError:  # pragma: no cover - a broken install
        weasy = "?"
    return f"cheatsheet {__version__} (WeasyPrint {weasy}, Python {sys.version.split()[0]})"


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse, with `build` as the command when none is given."""
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["build", *argv]
    return parser().parse_args(argv)


def overrides_from(args: argparse.Namespace) -> dict:
    """The sheet options given on the command line, checked against their declarations."""
    overrides = {}
    for option in OPTIONS:
        value = getattr(args, option.name, None)
        if value is None:
            continue
        if option.cli == "append" and option.name != "content":
            try:
                value = option.check(value)
            except OptionError as exc:
                raise CheatsheetError(f"--{option.flag.lstrip('-')}: {exc}") from None
        overrides[option.name] = value
    return overrides


# -- what the positional words mean ----------------------------------------------------------


def _looks_like_file(word: str) -> bool:
    return word == "-" or os.sep in word or Path(word).suffix.lower() in MARKDOWN_SUFFIXES


def _expand(word: str) -> list[str]:
    """A quoted glob (`"*.md"`, or a shell that did not expand it) is expanded here."""
    if glob.has_magic(word) and not Path(word).exists():
        return sorted(glob.glob(word)) or [word]
    return [word]


def resolve_inputs(args: argparse.Namespace, overrides: dict, stack: contextlib.ExitStack):
    """Split the positional words into files and sheet names; set the project folder and,
    for files, content, name and output (pandoc's habits: next to the input)."""
    words = [w for word in args.inputs for w in _expand(word)]
    files = [w for w in words if w == "-" or Path(w).is_file()]
    names = [w for w in words if w not in files]
    for word in names:
        if _looks_like_file(word):
            raise CheatsheetError(f"file '{word}' not found", hint="check the path")
    if args.project is None:
        here = Path.cwd()
        has_config = (here / CONFIG_NAME).is_file() or args.config is not None
        first = next((f for f in files if f != "-"), None)
        args.project = Path(first).resolve().parent if first and not has_config else here
    if not files:
        if names and not (args.project / CONFIG_NAME).is_file() and args.config is None:
            raise _neither(names[0])
        return names
    if names:
        raise CheatsheetError(
            f"'{names[0]}' is not a file; sheet names and files do not mix",
            hint=_command_hint(names[0]) or "build files or sheets, one kind at a time",
        )
    # `--content *.md` unquoted: the shell made the first file the flag's, the rest words.
    flagged = [f for f in overrides.get("content") or () if Path(f).is_file()]
    files = [*flagged, *files]
    paths = [_stdin_file(stack) if f == "-" else Path(f).resolve() for f in files]
    overrides["content"] = [str(p) for p in paths]
    output = overrides.get("output")
    if len(files) == 1 and files[0] != "-" and "name" not in overrides:
        overrides["name"] = re.sub(r"[^\w.-]+", "-", Path(files[0]).stem).strip("-") or "notes"
    if output is None:
        if files[0] == "-":
            if sys.stdout.isatty():
                raise CheatsheetError("reading from stdin: give -o FILE.pdf, or -o - for stdout")
            output = "-"
        else:
            target = paths[0].parent / (paths[0].stem + ".pdf" if len(files) == 1 else "")
            output = str(target).replace("{", "{{").replace("}", "}}")
            output = output if len(files) == 1 else output.rstrip("/") + "/{name}.pdf"
    overrides["output"] = output
    return []


def _stdin_file(stack: contextlib.ExitStack) -> Path:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cheatsheet-")))
    path = folder / "stdin.md"
    path.write_bytes(sys.stdin.buffer.read())
    return path


def _command_hint(word: str) -> str:
    close = difflib.get_close_matches(word, COMMANDS, n=1, cutoff=0.7)
    return f"did you mean the command '{close[0]}'?" if close else ""


def _neither(word: str) -> CheatsheetError:
    hint = _command_hint(word) or (
        f"give a Markdown file, or run it in a project with {CONFIG_NAME} "
        f"to name a sheet (commands: {', '.join(COMMANDS)})"
    )
    return CheatsheetError(
        f"'{word}' is neither a file nor a sheet (no {CONFIG_NAME} here)", hint=hint
    )


def normalise_output(overrides: dict, stack: contextlib.ExitStack) -> Path | None:
    """`-o -` builds into a temporary file for stdout; `-o x` means `x.pdf`; `-o folder/`
    puts `{name}.pdf` in it. Returns the temporary file to send to stdout, if any."""
    output = overrides.get("output")
    if output is None:
        return None
    if output == "-":
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cheatsheet-")))
        overrides["output"] = str(folder / "stdout.pdf")
        return folder / "stdout.pdf"
    if Path(output).suffix.lower() == ".pdf" and not output.endswith(("/", os.sep)):
        pass
    elif output.endswith(("/", os.sep)) or Path(output).is_dir():
        output = output.rstrip("/" + os.sep) + "/{name}.pdf"
    else:
        output += ".pdf"
    overrides["output"] = str((Path.cwd() / output).absolute())
    return None


# -- commands ------------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    args = parse(argv)
    command = args.command
    if command == "options":
        return show_options(args.markdown)
    _setup_logging(args.quiet)
    if command == "init":
        return init(args.project or Path.cwd())
    if command == "themes":
        return list_themes(args)
    overrides = overrides_from(args)
    with contextlib.ExitStack() as stack:
        args.sheets = resolve_inputs(args, overrides, stack)
        to_stdout = normalise_output(overrides, stack)
        if command == "watch" or getattr(args, "watch", False):
            from .watch import watch

            if to_stdout:
                raise CheatsheetError("watch writes files: give -o FILE.pdf, not -o -")
            args.port = getattr(args, "port", 8765)
            return watch(args, overrides)
        project = load_project(args.project, args.config, overrides)
        try:
            # Files given: one sheet of them (the project's variants are not multiplied).
            sheets = [project.base] if args.inputs and not args.sheets else None
            sheets = sheets or project.sheets(args.sheets)
        except CheatsheetError as exc:
            unknown = [n for n in args.sheets if n not in project.names]
            if unknown and _command_hint(unknown[0]):
                exc.hint = f"{_command_hint(unknown[0])} ({exc.hint})"
            raise
        if command == "sections" or getattr(args, "list_sections", False):
            for sheet in sheets:
                list_sections(sheet)
            return 0
        if to_stdout and len(sheets) > 1:
            raise CheatsheetError("-o - writes one sheet; name the sheet to build")
        return build(args, sheets, to_stdout)


def build(args: argparse.Namespace, sheets: list, to_stdout: Path | None) -> int:
    results = build_all(sheets, quiet=args.quiet)
    failed = False
    stream = sys.stderr if to_stdout else sys.stdout
    for result in results:
        failed |= result.config.strict and not result.report.ok
        if args.report == "text":
            print_result(result, quiet=args.quiet, stream=stream)
        for line in [] if args.quiet else format_diagnostics(result.report.diagnostics):
            # the build's warnings, printed here only
            print(paint("warning:", "33") + line.removeprefix("warning:"), file=sys.stderr)
    if args.report == "json":
        reports = [
            {
                "sheet": r.config.name,
                "output": "-" if to_stdout else str(r.output),
                "seconds": round(r.seconds, 3),
                **r.report.as_dict(),
            }
            for r in results
        ]
        text = json.dumps(reports if len(reports) != 1 else reports[0], ensure_ascii=False)
        print(
            text if to_stdout else json.dumps(json.loads(text), indent=2, ensure_ascii=False),
            file=stream,
        )
    if to_stdout:
        sys.stdout.flush()
        sys.stdout.buffer.write(to_stdout.read_bytes())
        sys.stdout.buffer.flush()
    if failed:
        print_error("preflight found defects and --strict is on")
        return EXIT_PREFLIGHT
    return 0


def build_all(sheets: list, quiet: bool = False) -> list[BuildResult]:
    """One sheet in this process, with progress; several in parallel, one per core."""
    if len(sheets) == 1:
        progress = Progress(sheets[0].label, quiet)
        try:
            return [build_sheet(sheets[0], progress=progress)]
        finally:
            progress.done()
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(len(sheets), os.cpu_count() or 1)
    results: dict[str, BuildResult] = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(build_sheet, sheet): sheet.label for sheet in sheets}
        for done, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if not quiet and sys.stderr.isatty():
                print(f"built {done}/{len(sheets)} sheets", end="\r", file=sys.stderr)
    return [results[sheet.label] for sheet in sheets]


def print_result(result: BuildResult, quiet: bool = False, stream=None) -> None:
    """The summary line, the preflight summary and every defect found (once: missing images
    were reported as warnings where they were found)."""
    stream = stream or sys.stdout
    sheet, report = result.config, result.report
    if not quiet:
        print(
            f"{where(result.output)}: {result.pages} page{'s' * (result.pages != 1)}, "
            f"{sheet.paper} {sheet.orientation}, {sheet.columns} columns, "
            f"{result.font_size:g} pt, {len(result.sections)} sections, {result.seconds:.1f} s",
            file=stream,
        )
        print(report.summary(), file=stream)
        for extra in result.extra_outputs:
            print(f"{where(extra)}: written", file=stream)
    for problem in report.problems:
        if problem.kind == "missing_images":
            continue
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
    print(f"sheet '{sheet.label}':")
    width = max((len(s.slug) for s in content.sections), default=0)
    for section in content.sections:
        mark = "*" if section.slug in chosen else " "
        print(
            f" {mark} {section.slug:<{width}}  {section.title}  "
            f"[{where(section.file, section.line)}, {section.size} chars]"
        )
    print(" (* = on the sheet)")


def list_themes(args: argparse.Namespace) -> int:
    from .page import theme_descriptions

    project = load_project(args.project or Path.cwd(), args.config)
    descriptions = theme_descriptions(project.base)
    width = max(map(len, descriptions), default=0)
    for name, line in descriptions.items():
        print(f"{name:<{width}}  {line}")
    return 0


def show_options(markdown: bool) -> int:
    if markdown:
        print(markdown_table(), end="")
        return 0
    for option in OPTIONS:
        values = option.range_text()
        print(f"{option.name} = {json.dumps(option.default)}" + (f"  [{values}]" if values else ""))
        print(f"    {option.help.replace('`', '')}" + (f" ({option.flag})" if option.flag else ""))
    return 0


# -- init ----------------------------------------------------------------------------------

SAMPLE_NOTES = """\
---
title: My cheat sheet
---

# Shell

| keys | does |
|---|---|
| `Ctrl-R` | search the history |
| `Ctrl-A` / `Ctrl-E` | start / end of line |

```bash
find . -name '*.md' -newer notes.pdf | xargs grep -n TODO
```

# Python

- `python -m venv .venv` makes a virtual environment
- f-strings: `f"{value:>8.2f}"`

```python
from pathlib import Path
sizes = {p.name: p.stat().st_size for p in Path(".").glob("*.md")}
```

# Maths

Inline $e^{i\\pi} + 1 = 0$, and a display:

$$\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$$
"""


def config_template() -> str:
    """A commented cheatsheet.toml: every option with its default, from the declarations."""
    lines = [
        "# cheatsheet.toml: every key is optional; command-line flags override these.",
        "# Uncomment a line to change it. `cheatsheet options` lists them with their ranges.",
        "",
        'title = "My cheat sheet"',
        'content = ["content"]',
        "",
    ]
    for option in OPTIONS:
        if option.name in ("title", "content"):
            continue
        default = option.default
        value = json.dumps(list(default) if isinstance(default, tuple) else default)
        lines.append(f"# {option.help.replace('`', '')}")
        lines.append(f"# {option.name} = {value}")
    lines += [
        "",
        "# Named variants inherit the keys above:",
        "# [sheets.short]",
        '# sections = ["shell"]',
        "# fit = 1",
    ]
    return "\n".join(lines) + "\n"


def init(folder: Path) -> int:
    """Write a starter project; files that exist are kept as they are."""
    folder = folder.resolve()
    wanted = {
        folder / CONFIG_NAME: config_template(),
        folder / "content" / "notes.md": SAMPLE_NOTES,
    }
    for path, text in wanted.items():
        if path.exists():
            print(f"{where(path)}: exists, left as it is")
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": never overwrite, even racing
            handle.write(text)
        print(f"{where(path)}: written")
    print("next: edit content/notes.md, then run `cheatsheet` here")
    return 0


# -- entry point ----------------------------------------------------------------------------


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM and Ctrl-C into an exception so temporary files are removed on the way
    out, and latch it: the writer checks the latch before replacing an output, in case
    something on the way (WeasyPrint catches BaseException while drawing an SVG) swallowed
    the exception."""
    note_interrupt()
    raise KeyboardInterrupt


@contextlib.contextmanager
def _sigterm_handled() -> Iterator[None]:
    previous: dict[int, object] = {}
    clear_interrupt()
    with contextlib.suppress(ValueError):  # only possible in the main thread
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, _terminate)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv
    with _sigterm_handled():
        try:
            return run(argv)
        except CheatsheetError as exc:
            if debug:
                raise
            print_error(str(exc))
            return exc.exit_code
        except RecursionError:
            if debug:
                raise
            print_error("the content is nested too deeply to lay out")
            return EXIT_INPUT
        except KeyboardInterrupt:
            print_error("interrupted; previous output left unchanged")
            return 130
        except BrokenPipeError:  # `cheatsheet options | head`: the reader has had enough
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141
        except Exception as exc:  # a bug: say so briefly, with a way to get details
            if debug:
                raise
            print(
                f"{paint('internal error:', '31')} {type(exc).__name__}: {exc} "
                "(run with --debug for details)",
                file=sys.stderr,
            )
            return EXIT_INTERNAL


def program() -> NoReturn:
    """The `cheatsheet` command, `python build.py` and `python -m cheatsheet`: `main`, then
    `leave`. Tests and other callers use `main`, which returns."""
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process without tearing its heap down object by object.

    At exit Python frees every object one at a time: after a big sheet that is most of a
    second of CPU (a 300 KB sheet: 0.9 s, 6 % of its build; the sample sheet 0.03 s) spent
    on memory the system takes back at once anyway. Output is flushed and the exit
    handlers still run (logging, WeasyPrint's temporary font folders via
    `pdf.remove_font_folders`); only the freeing is skipped. Under a profiler or a tracer
    (cProfile, pyinstrument, coverage), which write their results at a normal exit, the
    process exits normally."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to say
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)


if __name__ == "__main__":
    program()
