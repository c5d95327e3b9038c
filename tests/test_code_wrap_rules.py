"""Issue #14 item 3: code wraps where a person would (codewrap.py).

The defects came from a visual review of the corpus at 7.5 pt, 4 columns: `docker kill $` /
`(docker ps -q)`, `docker rm -` / `f`, `--subnet 203.` / `0.113.0/24`, `/bin/` / `bash`,
`--left-` / `right`, `-0.4489, -` / `0.1441`, `limit=` / `2`, `name` / `=pen`, a lone `#`
at a line end, `# 정수 리스` / `트`, `# ענף` / `חדש`. Each fragment below is printed after a
prefix of every length from 14 to 38 characters, so the column edge falls at every place
inside it; the PDF's printed lines (pypdfium2, one string per visual line) must keep each
protected token whole and never start a continuation line with a lone short token.
"""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest
from test_typography import build, glyphs, lines_of

from cheatsheet import codewrap
from conftest import ROOT, cpu_bound

PREFIXES = range(14, 39)

# fragment -> the tokens that must each stay on one printed line
BASH = {
    "docker kill $(docker ps -q)": ["$(docker", "-q)"],
    "docker rm -f $(docker ps -qa)": ["-f", "$(docker", "-qa)"],
    "create --subnet 203.0.113.0/24 x": ["--subnet", "203.0.113.0/24"],
    "run -it ubuntu /bin/bash": ["-it", "/bin/bash"],
    "log --oneline --left-right": ["--oneline", "--left-right"],
    "pip install --no-cache-dir flask": ["--no-cache-dir"],
    "rq GET https://api.example.org/items?limit=2": ["items?limit=2"],
    "rq POST /items name=pen price:=2.5": ["name=pen", "price:=2.5"],
    # no break before `/` or `./`, even after a space (UAX #14), but a `<wbr>`
    "rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/* /var/cache/apt/* /root/.cache/*": [
        "/var/lib/apt/lists/*",
        "/var/tmp/*",
        "/root/.cache/*",
    ],
    "sh ./configure --prefix=/usr/local": ["./configure", "--prefix=/usr/local"],
    # UAX #14 breaks between `:` and a digit after a letter; a leading dot keeps its name
    "docker run -m 300M ubuntu:14.04 /bin/bash": ["ubuntu:14.04"],
    "docker version --format '{{.Server.Version}}'": ["{{.Server"],
}
PYTHON = {
    "print([-0.4489, -0.1441, 0.2])": ["-0.4489,", "-0.1441,"],
    "torch.unsqueeze(x, -1).shape": ["-1).shape"],
}
# Pygments' console lexer gives `2` of `2.5` its own span and WeasyPrint broke the line at
# that box boundary (`price:=2.` / `5`); the bash lexer splits an address the same way.
CONSOLE = {
    "rq PUT /items/7 price:=2.5": ["price:=2.5"],
    "docker run -p 127.0.0.1:8080:80": ["127.0.0.1:8080:80"],
    "ping -c 3 192.168.10.254": ["192.168.10.254"],
    "pip install torch==2.1.0": ["torch==2.1.0"],
}
# a line never starts with `=` (`headers = { "User-Agent"` / `= "rq" }`)
TOML = {'headers = { "User-Agent" = "rq" }': ['"User-Agent"', '"rq"']}
COMMENTS = ["# 정수 리스트", "# ענף חדש", "# базовый образ"]
# A CJK comment has no spaces: its "first word" kept with `#` was the whole sentence, which ran
# past the column (quickref-pytorch-zh); and a line never starts with `，`.
CJK_COMMENT = "# squeeze不加参数，默认去除所有为1的维度"
LONG_COMMENT = "# keep the first word with its mark"
# a `//` that the TOML lexer does not take for a comment keeps its first word too
FOREIGN_COMMENT = "// keep the first word with its mark"


def _block(language: str, lines: list[str]) -> str:
    return f"```{language}\n" + "\n".join(lines) + "\n```\n"


def _prefix(width: int) -> str:
    return "echo " + "x" * (width - 5)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[list[str], str, list[str]]:
    """The printed lines and the extracted page text of a sheet of swept fragments."""
    bash = [f"{_prefix(w)} {fragment}" for fragment in BASH for w in PREFIXES]
    bash += [f"{_prefix(w)}  {comment}" for comment in COMMENTS for w in PREFIXES]
    bash += [f"{_prefix(w)}  {LONG_COMMENT}" for w in PREFIXES]
    python = [f"{'x' * (w - 4)} = {fragment}" for fragment in PYTHON for w in PREFIXES]
    console = [f"$ {_prefix(w - 2)} {fragment}" for fragment in CONSOLE for w in PREFIXES]
    toml = [f"{'x' * (w - 4)} = 1  {FOREIGN_COMMENT}" for w in PREFIXES]
    toml += [f"{'x' * (w - 10)} = 1 {fragment}" for fragment in TOML for w in PREFIXES]
    # highlighted lines (`hl_lines`) are wrapped in one more span; they once got no rules
    marked = [f"{'x' * (w - 4)} = 1  {LONG_COMMENT}" for w in PREFIXES]
    source = "## Code\n\n" + "\n".join(
        [
            _block("bash", bash),
            _block("python", python),
            _block("console", console),
            _block("toml", toml),
            _block(f'python hl_lines="1-{len(marked)}"', marked),
        ]
    )
    tmp_path = tmp_path_factory.mktemp("wrap")
    pdf = build(
        tmp_path,
        source,
        "--no-fit",
        "--font-size",
        "7.5",
        "--columns",
        "4",
        "--orientation",
        "landscape",
    )
    drawn = glyphs(pdf)
    lines = [line for page in sorted({g.page for g in drawn}) for line in lines_of(drawn, page)]
    document = pdfium.PdfDocument(str(pdf))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    return lines, text, bash + python + console + toml + marked, drawn


def test_protected_tokens_are_never_split(printed):
    lines, *_ = printed
    assert len(lines) > 2 * len(PREFIXES) * (len(BASH) + len(PYTHON)), "the lines did not wrap"
    fragments = {**BASH, **PYTHON, **CONSOLE, **TOML}
    for fragment, tokens in fragments.items():
        for token in tokens:
            whole = sum(line.count(token) for line in lines)
            expected = len(PREFIXES) * sum(other.count(token) for other in fragments)
            assert whole == expected, (token, fragment)


def test_no_continuation_line_is_a_lone_short_token(printed):
    lines, *_ = printed
    code = [line for line in lines if line not in ("Code", "sheet") and not line.isdigit()]
    for line in code:
        assert line not in ("):", ")", ",", ":", "),", "$", "#"), line
        assert not (len(line) < 5 and " " not in line), line
        rtl = re.search(r"[\u0590-\u05ff]", line)  # pdfium may give it in visual order
        assert not line.endswith((" $", " -")) and (rtl or not line.endswith(" #")), line
        # a long URL may break after a slash; a short path (`/bin/bash`) never
        assert not line.endswith("/") or "https://" in line, line
        assert not line.startswith((")", ",", ":", "=")), line
        assert not re.match(r"\.(?!\.?/)", line), line  # `./configure` may start a line


def test_no_code_line_runs_past_its_column(printed):
    """Paths after a space could not wrap (no break before `/`), so a continuation line of
    `/tmp/* /var/tmp/*` ran past the column."""
    *_, drawn = printed
    pitch = COLUMN_PT + 3.5 * 72 / 25.4  # a column and its gap
    left = 6 * 72 / 25.4
    for glyph in drawn:
        if glyph.font and "Mono" in glyph.font:
            column = int((glyph.box[0] - left) // pitch)
            assert glyph.box[2] <= left + column * pitch + COLUMN_PT + 0.5, glyph


def test_comments_keep_their_mark_and_short_comments_stay_whole(printed):
    lines, *_ = printed
    pairs = [("정수", "리스트"), ("ענף", "חדש"), ("базовый", "образ")]
    for first, second in pairs:
        for line in lines:
            # pdfium may give right-to-left text in visual order
            has = [word in line or word[::-1] in line for word in (first, second)]
            assert has[0] == has[1], (first, second, line)
    assert sum("리스트" in line for line in lines) == len(PREFIXES)
    assert sum("# keep" in line for line in lines) == 2 * len(PREFIXES)
    assert sum("// keep" in line for line in lines) == len(PREFIXES)
    assert not any(line.endswith((" #", " //")) for line in lines if line.isascii())
    assert not any(line.lstrip("│| ").startswith(("，", "、", "。")) for line in lines)


def test_copied_text_is_the_source(printed):
    """No invisible character is added: a wrapped line copies back as the source line."""
    _, text, source, _ = printed
    assert "\u200b" not in text and "\u00ad" not in text and "\u2060" not in text
    flat = re.sub(r"\s", "", text.replace("continued", ""))  # the label of a split block
    for line in source:
        if not re.search(r"[\u0590-\u05ff]", line):  # Hebrew may come back in visual order
            assert re.sub(r"\s", "", line) in flat, line


def test_break_rules_leave_the_html_text_unchanged():
    html = (
        '<span class="cl"><span class="n">x</span> <span class="o">=</span> '
        '<span class="n">torch</span><span class="o">.</span><span class="n">unsqueeze</span>'
        '<span class="p">(</span><span class="n">x</span><span class="p">,</span> '
        '<span class="o">-</span><span class="mi">1</span><span class="p">)</span>'
        '  <span class="c1"># a comment &amp; more</span></span>'
    )
    wrapped = codewrap.break_opportunities(html)
    assert wrapped != html

    def text(markup: str) -> str:
        return re.sub(r"<[^>]+>", "", markup)

    assert text(wrapped) == text(html)
    assert "<wbr>" in wrapped and '<span class="nobr">' in wrapped


def test_aligned_comment_art_shrinks_instead_of_wrapping():
    """quickref-pytorch-zh's unsqueeze block: comments drawn under a shape are art."""
    block = (
        ">>> x = torch.rand(2, 28)\n"
        "# unsqueeze必须加参数，    _ 2 _ 28 _\n"
        ">>> x.unsqueeze(0).shape  \n"
        "# 参数代表在哪里添加维度    0   1    2\n"
        "torch.Size([1, 2, 28])        \n"
    )
    import markdown

    from cheatsheet.markdown import EXTENSION_CONFIGS, EXTENSIONS, _code_lines

    html = _code_lines(
        markdown.markdown(
            _block("python", block.splitlines()),
            extensions=EXTENSIONS,
            extension_configs=EXTENSION_CONFIGS,
        )
    )
    lengths = codewrap.art_lengths(html)
    # the longest line counted with its wide characters (12 of them)
    assert lengths == {codewrap.display_length("# unsqueeze必须加参数，    _ 2 _ 28 _")}
    assert max(lengths) > len("# unsqueeze必须加参数，    _ 2 _ 28 _")
    commented = ["git add -p    # stage hunks", "git push      # send", "git log"]
    assert not codewrap._is_art(commented, [])


def test_runs_kept_whole_keep_their_spaces(tmp_path):
    """A run set whole (`nobr`) keeps runs of spaces: `0   1    2` is not drawn `0 1 2`."""
    source = _block("python", ["# shape of the result            0   1    2", "x = f(y)"])
    drawn = [g for g in glyphs(build(tmp_path, source, "--no-fit")) if g.char in "012"]
    zero, one, two = drawn[-3:]
    advance = (two.box[0] - one.box[0]) / 5
    assert advance > 0
    assert (one.box[0] - zero.box[0]) / advance == pytest.approx(4, abs=0.3)


# ---- issue #14 item 8: refcard keys ----------------------------------------------------

COLUMN_PT = (297 - 2 * 6 - 3 * 3.5) / 4 * 72 / 25.4  # A4 landscape, 4 columns, 6 mm margins


def _key_end(drawn, key: str) -> float:
    """The right edge of a printed key: its monospace glyphs on the line where `key` starts
    (pdfium may give the brackets of left-to-right code in right-to-left text out of order)."""
    text = "".join(g.char for g in drawn)
    first = drawn[text.index(key)]
    line = [g for g in drawn if g.baseline == first.baseline and g.font == first.font]
    return max(g.box[2] for g in line)


def test_refcard_key_column_is_capped_at_a_large_size(tmp_path):
    """At 11 pt a 20-character key bucket (11.5 em) would take 60 % of the column and wrap
    the descriptions a word per line; the key column stays at most about half of it."""
    sample = ROOT / "tests" / "samples" / "script-greek.md"
    drawn = glyphs(build(tmp_path, sample, "--no-fit", "--font-size", "11"))
    text = "".join(g.char for g in drawn)
    left = drawn[text.index("len(x)")].box[0]
    starts = [drawn[text.index(word)].box[0] for word in ("μήκος", "οι ακέραιοι")]
    assert starts[0] == pytest.approx(starts[1], abs=0.5)  # descriptions aligned
    assert (starts[0] - left) / COLUMN_PT < 0.52


def test_right_to_left_refcard_keys_are_flush_right(tmp_path):
    sample = ROOT / "tests" / "samples" / "script-arabic.md"
    drawn = glyphs(build(tmp_path, sample, "--no-fit", "--font-size", "7.5"))
    ends = [_key_end(drawn, key) for key in ("len", "range")]
    assert ends[0] == pytest.approx(ends[1], abs=0.5), ends


def test_art_detection_is_linear_on_a_long_run_of_spaces():
    """The trailing-comment and ASCII-box rules once backtracked over runs of spaces or
    dashes: 7 s for 40 KB of either."""
    line = "a" + " " * 200_000 + "b" + "-" * 200_000 + "=" * 200_000
    html = (
        '<div class="language-text highlight"><pre><span></span><code>'
        f'<span class="cl">{line}</span><span class="cl">x     y  # z</span></code></pre></div>'
    )
    with cpu_bound(2):
        codewrap.mark_art_blocks(html)
    assert codewrap._without_trailing_comment("x = 1   # one") == "x = 1   "
    assert codewrap._without_trailing_comment("x = 1 # one") == "x = 1 # one"


def test_wrapping_a_long_line_is_linear():
    """Each segment's spans once visited every token of the line: a 10 KB line of `a=`
    took 20 s. 200 KB of tokens must take well under the bound."""
    content = '<span class="n">a</span><span class="o">=</span>' * 50_000
    with cpu_bound(5):
        wrapped = codewrap.wrap_line(content)
    assert re.sub(r"<[^>]+>", "", wrapped) == "a=" * 50_000


def _wraps(line: str) -> list[str]:
    """Where a line may wrap, as the text before each break."""
    return [line[:p] for p in codewrap._line_breaks(line, -1)]


def test_break_rules_found_in_the_corpus():
    """Breaks a person would not make, found by benchmarks/wrap_scan.py in the corpus."""
    # a bracket opened inside a string, a short group: `"[` / `valid-email]"`, `{` / `1,3}`
    assert _wraps('git config --global user.email "[valid-email]"')[-1].endswith("email ")
    regex = 'grep -E "([0-9]{1,3}\\.){3}[0-9]{1,3}" | grep -v 127.0.0.1 | awk'
    assert not any(before.endswith("{") for before in _wraps(regex))
    # a line never starts with `=` or `=>`: it breaks after the operator
    for line in ('headers = { "User-Agent" = "rq" }', "config.vm.network :host => port, :g"):
        assert not any(line[len(before) :].startswith("=") for before in _wraps(line))
    # a long path breaks after `:`, never `:/` / `dev`; no run leaves 1-2 characters
    usb = "docker run -it --privileged -v /dev/bus/usb:/dev/bus/usb debian bash"
    assert usb[: usb.index(":/") + 1] in _wraps(usb)
    assert not any(before.endswith(":/") for before in _wraps(usb))
    # inside a long word, `:` and `=` rank before a slash: `/dev/` / `bus/usb:` at 9 pt and
    # `--device=/dev/` / `ttyUSB0` at 11 pt are gone
    assert [before[-4:] for before in _wraps(usb)][-3:] == [" -v ", "usb:", "usb "]
    device = "docker run -it --device=/dev/ttyUSB0 debian bash"
    assert [before[-5:] for before in _wraps(device)][-2:] == ["vice=", "USB0 "]
    secrets = "docker run -v $(pwd)/secrets:/secrets:ro debian"
    assert not any(before.endswith("secrets:/secrets:") for before in _wraps(secrets))
    # a marker the lexer did not take for a comment stays with its first word
    assert "x = y  // " not in _wraps("x = y  // a comment here that is long")
    # nested opening brackets stay whole (`{{(` / `index`); a line never starts with `:=`
    template = "docker inspect -f '{{range $p}} {{(index $conf 0).HostPort}} {{end}}' x"
    assert not any(before.endswith("{{(") for before in _wraps(template))
    walrus = "if (match := pattern.search(line)) is not None and more"
    assert not any(walrus[len(before) :].startswith(":=") for before in _wraps(walrus))


def test_a_path_after_a_space_gets_an_explicit_break():
    """Unicode line breaking never breaks before `/`, `.`, `!`, `?` or `:`, even after a
    space: the break rules' own break there is written as `<wbr>`."""
    html = codewrap.wrap_line("rm -rf /var/lib/apt/lists/* /tmp/* ./build !x :host and more")
    assert html.count(" <wbr>") == 5, html


def test_a_cjk_comment_wraps_inside_its_column(tmp_path):
    """quickref-pytorch-zh at 11 pt: `# squeeze不加参数，…` had its whole sentence glued to
    the `#` as its "first word" and ran 2.5 characters past the column into the gutter."""
    source = "## Code\n\n" + _block("python", [">>> x.squeeze().shape", CJK_COMMENT * 2])
    pdf = build(tmp_path, source, "--no-fit", "--font-size", "11", "--columns", "4")
    drawn = [g for g in glyphs(pdf) if g.char.strip()]
    code = [g for g in drawn if "Mono" in g.font]
    right = 6 * 72 / 25.4 + COLUMN_PT  # the first column's right edge
    assert len(code) > 40 and max(g.box[2] for g in code) <= right + 0.5
    lines = lines_of(drawn)
    assert sum("维度" in line for line in lines) == 2, lines
    assert not any(line.lstrip("│| ").startswith(("，", "、", "。")) for line in lines), lines
