"""Random Markdown, random bytes and random configs end in a PDF or a clean error: never a
traceback, never a hang."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cheatsheet import cli
from conftest import cpu_bound

MARKDOWN_BITS = st.sampled_from(
    [
        "# ", "## ", "### ", "```", "```python\n", "~~~", "- ", "1. ", "> ", "| a | b |\n|---|---|\n",
        "**", "_", "`", "[x](", ")", "![i](", "<div>", "</div>", "<kbd>", "$", "$$", ":rocket:",
        "🚀", "√", "[^1]", "[^1]: ", "---\n", "{.wide}", "\t", "\n", "\n\n", "    ", "\\", "&amp;",
        "{{ 7*7 }}", "{%", "<script>", "ðŸš€", "\u200d", "\ufe0f", "x" * 300,
    ]
)  # fmt: skip
MARKDOWN = st.lists(st.one_of(MARKDOWN_BITS, st.text(max_size=20)), max_size=40).map("".join)
CONFIG_LINES = st.sampled_from(
    [
        "columns = 3", "columns = 9", "columns = 'x'", "paper = 'A5'", "paper = 'B9'",
        "orientation = 'portrait'", "font_size = 30", "font_size = 8", "theme = 'ink'",
        "theme = 'nope'", "fit = 1", "fit = -1", "margin = '3mm'", "margin = 'lots'",
        "sections = ['nope']", "exclude = ['*']", "colums = 2", "[sheets.x]", "title = 'T'",
        "= broken", "[sheets]", "split_level = 3",
    ]
)  # fmt: skip


BUILD_CPU = 60.0  # seconds of CPU for one build of a small random project (about 0.3)


def build(files: dict[str, bytes], config: str = "") -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "content").mkdir()
        for name, data in files.items():
            (root / "content" / name).write_bytes(data)
        if config:
            (root / "cheatsheet.toml").write_text(config, encoding="utf-8")
        err = io.StringIO()
        # Bounded in CPU time (a hang fails the test), not by a wall-clock alarm.
        with (
            cpu_bound(BUILD_CPU),
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            code = cli.main(["-C", str(root), "-q", "--no-fit"])
        if code == 0:  # names come from the title and variants: one PDF per sheet
            sizes = [p.stat().st_size for p in (root / "output").glob("*.pdf")]
            assert sizes and min(sizes) > 1000
        return code, err.getvalue()


def assert_clean(code: int, err: str) -> None:
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:  # one located line per error (a config's errors are all reported at once)
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        assert errors and len(errors) == err.count("error:"), err


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@SETTINGS
@given(MARKDOWN)
def test_random_markdown(text):
    assert_clean(*build({"a.md": text.encode("utf-8", "surrogatepass")}))


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    assert_clean(*build({"a.md": data}))


@SETTINGS
@given(st.lists(CONFIG_LINES, max_size=6).map("\n".join))
def test_random_configs(config):
    assert_clean(*build({"a.md": b"## A\n\ntext\n\n## B\n\nmore\n"}, config))
