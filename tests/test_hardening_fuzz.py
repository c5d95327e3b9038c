"""Adversarial Markdown under a CPU-time bound: long runs of one delimiter, deep nesting of
brackets and HTML, huge spans, and resource bombs. Each input must end, within the bound,
in HTML or a PDF or a clean located error (never a hang, never "internal error").

The explicit examples are the inputs of issue #12 that hung or exploded; hypothesis adds
mixtures of the same ingredients. The bound is CPU time (SIGPROF), never wall-clock.
"""

from __future__ import annotations

import base64
import contextlib
import re
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cheatsheet.config import load_project
from cheatsheet.errors import CheatsheetError, collecting
from cheatsheet.pipeline import build_html
from conftest import ROOT, cpu_bound

MARKDOWN_CPU = 20.0  # seconds for the Markdown stage of one file of at most ~200 KB
BUILD_CPU = 60.0  # seconds for a whole build (layout included)
BUILD_MEMORY = 2 * 2**30  # bytes of address space for a whole build


DELIMITERS = [
    "*", "_", "`", "~", "[", "]", "(", ")", "<", ">", "#", "$", "|", "\\", "!", "-", "=", ":",
    "{", "}", '"', "'", "&", " ", "\t", "![", "[^", "](", "<div", "</div>", "<span>", "<!--",
    "**", "__", "``", "$$", "[x]", "{.wide}", "&#", "<a href=", "ðŸš€", "\u202e", ":rocket:",
]  # fmt: skip
PREFIXES = ["", "# ", "## a", "### ", "- ", "1. ", "> ", "| ", "    ", "```", "~~~", "$$", "<div>"]


@st.composite
def delimiter_run(draw) -> str:
    """One long line: a prefix, then a delimiter (or two alternating) repeated thousands
    of times, then a tail that may or may not close what was opened."""
    first = draw(st.sampled_from(DELIMITERS))
    second = draw(st.sampled_from(["", *DELIMITERS]))
    count = draw(st.integers(min_value=500, max_value=12_000))
    tail = draw(st.sampled_from(["", "b", "x" * 50, first, "]", ">", "`", "$"]))
    return draw(st.sampled_from(PREFIXES)) + (first + second) * count + tail


@st.composite
def nested(draw) -> str:
    """Deep nesting of one construct, closed or not."""
    depth = draw(st.integers(min_value=50, max_value=3_000))
    opener, closer = draw(
        st.sampled_from(
            [("[", "]"), ("[", "](x)"), ("(", ")"), ("<span>", "</span>"), ("<div>", "</div>"),
             ("<b>", "</b>"), ("**", "**"), ("{", "}"), ("<table><tr><td>", "</td></tr></table>"),
             ("![a](", ")"), ("\\frac{", "}{2}")]
        )
    )  # fmt: skip
    closed = draw(st.booleans())
    return opener * depth + "x" + (closer * depth if closed else "")


@st.composite
def huge_span(draw) -> str:
    """A span opened, a long body, then closed: emphasis, code, math, links."""
    body = draw(st.sampled_from(["a ", "x", "a*", "_a", "\\", "1+", "&amp;"]))
    count = draw(st.integers(min_value=1_000, max_value=20_000))
    left, right = draw(
        st.sampled_from([("**", "**"), ("`", "`"), ("$", "$"), ("[", "](u)"), ("~~", "~~"),
                         ("<kbd>", "</kbd>"), ("==", "==")])
    )  # fmt: skip
    return left + body * count + right


PIECES = st.one_of(delimiter_run(), nested(), huge_span())
DOCUMENT = st.lists(PIECES, min_size=1, max_size=4).map(lambda parts: "\n\n".join(parts))

SVG_BOMB = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
    '<defs><g id="a0"><rect width="1" height="1"/></g>'
    + "".join(
        f'<g id="a{i}">' + f'<use xlink:href="#a{i - 1}"/>' * 10 + "</g>" for i in range(1, 9)
    )
    + '</defs><use xlink:href="#a8"/></svg>'
)
BOMBS = {
    "colspan-rowspan": (
        '<table><tr><td colspan="100000000">x</td><td rowspan="100000000">y</td></tr></table>'
    ),
    "svg-use": f"![svg](data:image/svg+xml;base64,{base64.b64encode(SVG_BOMB.encode()).decode()})",
    "formula-10k-terms": "$" + "+".join("x" for _ in range(10_000)) + "$",
    "footnote-open-100k": "[^" * 100_000,
    "div-open-50k": "<div" * 50_000,
    "unknown-fences-2k": "".join(f"```nolang{i}\nx\n```\n" for i in range(2_000)),
    "table-2000-columns": "| a " * 2_000 + "|\n" + "|---" * 2_000 + "|\n",
    # Found by test_build_is_bounded: 48 nested tables (a space every 200 characters, as the
    # fuzz writes them) shrank the type 0.9 per level to zero, and WeasyPrint divided by it.
    # Nested inline boxes with padding, a border or a margin: WeasyPrint's time doubles per
    # level (20 <kbd> took 67 s of CPU); the sanitiser keeps 8 levels.
    "inline-boxes-30-nested": "<kbd>" * 30
    + "x"
    + "</kbd>" * 30
    + "\n\n"
    + '<span style="padding: 1pt">' * 30
    + "y"
    + "</span>" * 30,
    "tables-48-nested": re.sub(
        r"(\S{200})", r"\1 ", "<table><tr><td>" * 48 + "x" + "</td></tr></table>" * 48
    ),
}

# The inputs reported in issue #12 as hanging or exploding.
ISSUE_INPUTS = {
    "atx-heading-8000-spaces": "# a" + " " * 8_000 + "b",
    "mojibake-30kb-line": "ðŸš€ x " * 6_000,
    "footnote-open-100k": "[^" * 100_000,
    "div-open-50k": "<div" * 50_000,
    "headings-50k": "".join(f"## h{i}\n\n" for i in range(50_000)),
    "unknown-fences-20k": "".join(f"```nolang{i}\nx\n```\n" for i in range(20_000)),
    "formula-10k-terms": "$" + "+".join("x" for _ in range(10_000)) + "$",
}

# Rows of issue #12 that helper markdown fixes (content scanning regexes, the mojibake
# warning, footnote and HTML-block parsing, colspan clamping in the sanitiser). They fail on
# this branch alone; strict, so the marks must go once that work is merged.
PENDING_MARKDOWN: set[str] = set()  # rows fixed on the markdown branch, now merged
PENDING = pytest.mark.xfail(strict=True, reason="issue #12 row fixed on helper markdown's branch")


# A 10,000-term formula (issue #12) used to take about the whole build bound; with the
# formula limits merged its build takes about 7 s of CPU here, so it is an ordinary case now
# (it was a non-strict xfail that passed). The bombs that cost seconds of layout alone (the
# formula 7 s, 2,000 code blocks 6 s) stay out of the mixtures of the build fuzz: each is
# bounded alone below, and in a mixture it would only add its cost to a random example.
ALONE = {"formula-10k-terms", "unknown-fences-2k"}


def cases(inputs: dict[str, str]) -> list:
    def marks(name: str) -> list:
        return [PENDING] if name in PENDING_MARKDOWN else []

    return [pytest.param(text, id=name, marks=marks(name)) for name, text in inputs.items()]


def project_with(text: str, root: Path) -> Path:
    (root / "content").mkdir()
    (root / "content" / "a.md").write_text("## Start\n\ntext\n\n" + text + "\n", encoding="utf-8")
    return root


def markdown_stage(text: str) -> None:
    """Content -> sections -> HTML (the whole text stage) under the CPU bound."""
    with tempfile.TemporaryDirectory() as folder:
        config = load_project(project_with(text, Path(folder))).base
        with cpu_bound(MARKDOWN_CPU), contextlib.suppress(CheatsheetError), collecting():
            build_html(config)


FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    # No shrinking: each failing try costs up to the whole CPU bound, and the failing input
    # (printed by hypothesis) already names the construct.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("text", cases(ISSUE_INPUTS))
def test_issue_inputs_markdown_stage_is_bounded(text):
    markdown_stage(text)


@FUZZ
@given(DOCUMENT)
def test_markdown_stage_is_bounded(text):
    markdown_stage(text)


def _limits(cpu: float) -> Callable[[], None]:
    """In the build's own process: a CPU-time bound, and an address-space cap so that a bomb
    that is not refused fails the test instead of exhausting the shared machine."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (int(cpu), int(cpu) + 5))
        resource.setrlimit(resource.RLIMIT_AS, (BUILD_MEMORY, BUILD_MEMORY))

    return apply


def full_build(text: str, cpu: float = BUILD_CPU) -> tuple[int, str]:
    """A whole build in a child process (`build.py`, as a user runs it) under the limits."""
    with tempfile.TemporaryDirectory() as folder:
        root = project_with(text, Path(folder))
        proc = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), "-C", str(root), "-q", "--no-fit"],
            capture_output=True,
            text=True,
            preexec_fn=_limits(cpu),
            check=False,
        )
        if proc.returncode < 0:
            name = signal.Signals(-proc.returncode).name
            return proc.returncode, f"killed by {name} (CPU or memory limit)\n{proc.stderr}"
        return proc.returncode, proc.stderr


# Runs with no space are laid out by WeasyPrint in time quadratic in their length (its
# line-break analysis, `get_log_attrs`): a 6 KB `_a_a…` run takes about 17 s of CPU for one
# layout, a 3 KB run about 5 s, and minutes when fitting tries several sizes. The named case
# below bounds one layout; the generic build fuzz breaks generated runs every 200 characters
# so that it probes the other constructs. (Open: break such runs before layout.)
def _spaced(text: str) -> str:
    return re.sub(r"(\S{200})", r"\1 ", text)


# A 3 KB run under a quarter of the build bound: the same bound as 60 s for 6 KB when the cost
# is quadratic, for a quarter of the CPU.
LONG_RUN_CPU = BUILD_CPU / 4


def test_long_run_without_spaces_lays_out_within_the_bound():
    code, err = full_build("[" + "_a" * 1500, cpu=LONG_RUN_CPU)
    assert code == 0, err


@settings(FUZZ, max_examples=6)
@given(
    st.lists(
        st.one_of(
            PIECES.map(_spaced),
            st.sampled_from([b for n, b in BOMBS.items() if n not in PENDING_MARKDOWN | ALONE]),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_build_is_bounded(parts):
    code, err = full_build("\n\n".join(parts))
    assert code in (0, 2), err
    assert "internal error" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("bomb", cases(BOMBS))
def test_each_bomb_is_bounded(bomb):
    code, err = full_build(bomb)
    assert code in (0, 2), err
    assert "internal error" not in err, err
