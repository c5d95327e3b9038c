"""The fast paths of issue #13 give the same results as the slow ones: drawn SVGs replayed
from the cache, the remembered fitted size, the quick library lookup, the lazy ftfy, and the
benchmark's inputs. In-process; no wall-clock bounds (timing lives in benchmarks/)."""

from __future__ import annotations

import io
import json
import re
import sys
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cheatsheet import drawcache, fit, fitcache, libraries
from cheatsheet.decoding import MOJIBAKE_HINT, decode
from conftest import CORPUS, ROOT, make_project, run_cli

RED_CIRCLE = (
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'>"
    "<circle cx='5' cy='5' r='4' fill='red' fill-opacity='0.8'/></svg>"
)
GRADIENT = (
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 10 10'>"
    "<defs><linearGradient id='g'><stop offset='0' stop-color='blue'/>"
    "<stop offset='1' stop-color='red'/></linearGradient></defs>"
    "<rect width='10' height='10' fill='url(%23g)'/></svg>"
)


def pdf_of(body: str) -> bytes:
    from weasyprint import HTML

    libraries.import_weasyprint()
    drawcache.install()
    return HTML(string=f"<style>@page {{ size: 60mm 80mm }}</style>{body}").write_pdf()


def pixels(pdf: bytes) -> numpy.ndarray:
    page = pdfium.PdfDocument(io.BytesIO(pdf))[0]
    return numpy.asarray(page.render(scale=2).to_pil().convert("RGB")).astype(int)


@pytest.fixture
def drawing_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(drawcache, "DISK_CACHE", tmp_path)
    drawcache.clear_memory()
    yield tmp_path
    drawcache.clear_memory()


def sized_entries(folder: Path) -> list[Path]:
    """The drawing cache's entries of one size (not the entry of any size, `|any`)."""
    return [
        path
        for path in (folder / "drawings").rglob("*.json")
        if not json.loads(path.read_text())["key"].endswith("|any")
    ]


def test_svg_drawn_once_stored_then_replayed_looks_the_same(drawing_cache):
    body = "".join(f"<p><img src=\"{RED_CIRCLE}\" style='width: 8mm'></p>" for _ in range(3))
    drawn = pdf_of(body)
    stored = sized_entries(drawing_cache)
    assert len(stored) == 1  # one image at one size (and its entry of any size)
    entry = json.loads(stored[0].read_text())
    assert " f" in entry["operators"] or "\nf" in entry["operators"]  # a filled path
    assert entry["states"] == {"a0.8": {"ca": 0.8}}  # its alpha, kept with it
    assert drawn.count(b"/Subtype /Form") == 1  # first use in place, then one shared form
    drawcache.clear_memory()  # a new process: only the disk is left
    replayed = pdf_of(body)
    assert numpy.abs(pixels(drawn) - pixels(replayed)).max() <= 8
    red = (pixels(replayed)[:, :, 0] > 200) & (pixels(replayed)[:, :, 1] < 120)
    assert red.sum() > 1000  # and the circles are there


def test_damaged_or_foreign_cache_entries_are_drawn_afresh(drawing_cache):
    body = f"<p><img src=\"{RED_CIRCLE}\" style='width: 8mm'></p>"
    good = pixels(pdf_of(body))
    (entry,) = sized_entries(drawing_cache)
    data = json.loads(entry.read_text())
    for damage in (
        "not json",
        json.dumps({**data, "key": "another image"}),
        json.dumps({**data, "operators": "0 0 m endstream"}),
        json.dumps({**data, "states": {"s0": {"SMask": 1}}}),
    ):
        entry.write_text(damage)
        drawcache.clear_memory()
        assert numpy.abs(pixels(pdf_of(body)) - good).max() <= 8


def test_svg_needing_other_resources_is_not_stored_and_still_drawn(drawing_cache):
    pdf = pdf_of(f"<p><img src=\"{GRADIENT}\" style='width: 20mm'></p>")
    assert not list((drawing_cache / "drawings").rglob("*.json"))
    page = pixels(pdf)
    blue = (page[:, :, 2] > 150) & (page[:, :, 0] < 100)
    red = (page[:, :, 0] > 150) & (page[:, :, 2] < 100)
    assert blue.sum() > 100 and red.sum() > 100  # the gradient runs blue to red


def test_fitted_size_is_remembered_and_a_rebuild_takes_one_layout(tmp_path):
    project = make_project(tmp_path, {"content/n.md": "# T\n\n## A\n\n" + "Words here. " * 400})
    # Without balancing: its extra layout of a partly filled last page is not fitting's.
    fit = ("-C", project, "--fit", "1", "--no-balance", "--report", "json")
    first = run_cli(*fit, "-o", project / "a.pdf")
    again = run_cli(*fit, "-o", project / "b.pdf")
    one, two = json.loads(first.out), json.loads(again.out)
    assert one["layouts"] >= 2 and two["layouts"] == 1
    assert one["font_size"] == two["font_size"] and two["pages"] == 1
    # Other notes in the same project are another sheet as far as the text goes, but the
    # same sheet's key: the remembered size is only a start, and the answer is still proved.
    (project / "content" / "n.md").write_text("# T\n\n## A\n\n" + "Words here. " * 900)
    grown = json.loads(run_cli(*fit, "-o", project / "c.pdf").out)
    assert grown["pages"] == 1 and grown["font_size"] < one["font_size"]


def test_sheet_key_follows_layout_options_not_outputs(tmp_path):
    from cheatsheet.config import load_project

    config = load_project(ROOT, None, {}).base
    theme = (ROOT / "cheatsheet" / "styles" / "base.css",)
    key = fitcache.sheet_key(config, theme)
    assert fitcache.sheet_key(replace(config, output="elsewhere.pdf", html=True), theme) == key
    assert fitcache.sheet_key(replace(config, columns=3), theme) != key
    assert fitcache.sheet_key(replace(config, fit_max=12.0), theme) != key


def test_fit_cache_ignores_damaged_entries(tmp_path):
    fitcache.store(tmp_path, "k" * 64, 9.4, 0.93)
    assert fitcache.load(tmp_path, "k" * 64) == (9.4, 0.93)
    assert fitcache.load(tmp_path, "j" * 64) is None
    path = tmp_path / "fit" / f"{'k' * 32}.json"
    for damage in ("{", '{"key": "other"}', json.dumps({"key": "k" * 64, "font_size": "9"})):
        path.write_text(damage)
        assert fitcache.load(tmp_path, "k" * 64) is None
    path.write_text(json.dumps({"key": "k" * 64, "font_size": 1e9, "used": 1}))
    assert fitcache.load(tmp_path, "k" * 64) is None


def test_unmeetable_budget_is_not_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    args = ("--content", CORPUS / "ds-interviews-theory.md", "--fit", "1", "-o", tmp_path / "x")
    if not CORPUS.is_dir():
        pytest.skip("needs the shared corpus")
    assert run_cli(*args).code == 2
    assert not list((tmp_path / "cache").rglob("fit/*.json"))


def fake(content: float, exponent: float, lumps: int, calls: list[float]):
    class Document:
        def __init__(self, used: float):
            self.used = used
            self.pages = [None] * max(1, -int(-used // 1))

    def layout(size: float):
        calls.append(size)
        return Document(-(-content * size**exponent * lumps // 1) / lumps)

    return layout


def search(content, exponent, lumps, budget, previous=None, previous_used=None):
    calls: list[float] = []
    with mock.patch.object(fit, "used_pages", lambda document: document.used):
        result = fit.fit_font_size(
            fake(content, exponent, lumps, calls), budget, 6.5, 11.0, 7.5, previous, previous_used
        )
    return result, calls


def test_fit_no_longer_runs_out_of_layouts_on_a_full_plateau():
    """A lumpy fill that is exactly one page from 10.2 to 10.9 pt: the search used to creep
    up from 10.2 and stop at 10.8 after seven layouts (hypothesis found it)."""
    result, calls = search(0.021688091856954403, 1.6015625, 8, 1)
    assert result.font_size == 10.9 and len(calls) <= fit.MAX_LAYOUTS


@settings(max_examples=150, deadline=None)
@given(
    content=st.floats(0.002, 0.1),
    exponent=st.floats(1.6, 2.6),
    lumps=st.integers(8, 40),
    growth=st.floats(1.0, 1.05),
)
def test_refit_after_a_small_addition_finds_the_same_answer_as_a_cold_search(
    content, exponent, lumps, growth
):
    cold, _ = search(content, exponent, lumps, 1)
    if not cold.fits:
        return
    warm, calls = search(content * growth, exponent, lumps, 1, cold.font_size, cold.used)
    best, _ = search(content * growth, exponent, lumps, 1)
    assert warm.font_size == best.font_size or not best.fits
    if best.fits and best.font_size == round(cold.font_size - fit.STEP, 2):
        assert len(calls) == 2  # one step down first: it fits, and the step above did not


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux library names")
def test_quick_library_lookup_finds_what_weasyprint_needs():
    assert re.fullmatch(r"libpango-1\.0\.so\.\d+", libraries.find_library_quickly("pango-1.0"))
    assert libraries.find_library_quickly("no-such-library-anywhere") is None
    libraries.import_weasyprint()
    libraries.import_weasyprint()  # idempotent
    import weasyprint

    assert weasyprint.HTML(string="<p>x</p>").write_pdf().startswith(b"%PDF")


@given(st.text(min_size=1, max_size=8).filter(lambda t: not t.isascii()))
def test_every_mojibake_is_noticed_before_ftfy_is_needed(text):
    encoded = text.encode("utf-8", errors="ignore")
    for codec in ("latin-1", "cp1252"):
        try:
            damaged = encoded.decode(codec)
        except UnicodeDecodeError:
            continue
        assert MOJIBAKE_HINT.search(damaged) is not None


def test_mojibake_is_still_repaired_and_clean_text_left_alone(tmp_path):
    assert decode("Rocket ðŸš€ here\n".encode(), tmp_path / "n.md") == "Rocket 🚀 here\n"
    clean = "Plain text, 日本語, ÄÖÜ — “quotes”\n"
    assert decode(clean.encode(), tmp_path / "n.md") == clean


def test_benchmark_concatenations_keep_the_mix_and_the_size(tmp_path):
    if not CORPUS.is_dir():
        pytest.skip("needs the shared corpus")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    corpus = sorted(CORPUS.glob("*.md"))
    shares = {}
    for kb in (50, 300):
        path = tmp_path / f"c{kb}.md"
        run.write_concatenation(corpus, path, kb)
        size = path.stat().st_size
        assert 0.95 * kb * 1024 <= size <= kb * 1024
        text = path.read_text(encoding="utf-8")
        assert text.count("```") % 2 == 0  # never cut inside a code block
        shares[kb] = text.count("|") / len(text)  # tables: the emoji sheet's share
    assert shares[300] == pytest.approx(shares[50], rel=0.25)


def test_benchmark_sections_are_not_cut_inside_code():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    text = "intro\n\n## A\n\n```sh\n## not a heading\n```\n\n### B\n\nend"
    assert run.corpus_sections(text) == [
        "intro",
        "## A\n\n```sh\n## not a heading\n```",
        "### B\n\nend",
    ]


def test_emoji_responses_say_svg():
    from cheatsheet.sandbox import make_fetcher

    libraries.import_weasyprint()
    fetcher = make_fetcher([Path(ROOT)])
    response = fetcher.fetch("emoji:1F680")
    assert response.content_type == "image/svg+xml" and response.read().startswith(b"<svg")


def test_sheet_key_changes_when_a_project_template_is_edited(tmp_path):
    """A remembered size found with the old template must not be reused with a new one."""
    from cheatsheet.config import load_project

    project = make_project(tmp_path, {"content/a.md": "## A\n\ntext\n"})
    config = load_project(project, None, {}).base
    theme = (ROOT / "cheatsheet" / "styles" / "base.css",)
    key = fitcache.sheet_key(config, theme)
    assert fitcache.sheet_key(config, theme) == key
    (project / "templates").mkdir()
    (project / "templates" / "sheet.html.j2").write_text("{{ body }}")
    assert fitcache.sheet_key(config, theme) != key


def test_an_interrupt_while_drawing_an_svg_is_not_swallowed():
    """WeasyPrint 70 catches BaseException around SVG drawing: Ctrl-C during an emoji's
    drawing let the build write its PDF and exit 0. Our drawing path lets it through."""
    from types import SimpleNamespace

    from cheatsheet import drawcache

    def interrupted(*args):
        raise KeyboardInterrupt

    image = SimpleNamespace(_svg=SimpleNamespace(draw=interrupted), _base_url="x", _context=None)
    with pytest.raises(KeyboardInterrupt):
        drawcache._weasyprint_draw(image, None, 1, 1)
    broken = SimpleNamespace(
        _svg=SimpleNamespace(draw=lambda *a: 1 / 0), _base_url="x", _context=None
    )
    drawcache._weasyprint_draw(broken, None, 1, 1)  # an ordinary failure is logged, not raised


def test_hyphenation_patterns_come_back_from_the_cache_as_pyphen_parsed_them(tmp_path, monkeypatch):
    """A dictionary parsed once is stored; the next process reads the same patterns back
    and hyphenates the same; a damaged or foreign entry is parsed afresh, and a dictionary
    with non-standard hyphenation (values that carry a change) is not stored."""
    import pyphen

    from cheatsheet import hyphenation

    monkeypatch.setattr(hyphenation, "DISK_CACHE", tmp_path)
    hyphenation.install()
    monkeypatch.setattr(pyphen, "hdcache", {})  # as in a new process
    path = Path(pyphen.LANGUAGES["en_US"])
    parsed = pyphen.HyphDict.__mro__[1](path)  # Pyphen's own parse
    first = pyphen.Pyphen(lang="en_US").hd
    stored = list((tmp_path / "hyphenation").glob("*.json"))
    assert len(stored) == 1 and first.patterns == parsed.patterns
    reads = []
    monkeypatch.setattr(
        hyphenation, "_read", lambda key, _read=hyphenation._read: reads.append(key) or _read(key)
    )
    monkeypatch.setattr(pyphen, "hdcache", {})
    again = pyphen.Pyphen(lang="en_US")
    assert again.hd.patterns == parsed.patterns and again.hd.maxlen == parsed.maxlen
    assert again.inserted("hyphenation typesetting") == "hy-phen-ation -type-set-ting"
    assert hyphenation._read(reads[0]) is not None  # it came from the entry
    entry = json.loads(stored[0].read_text())
    entry["patterns"] += "\nab\t0\tx"  # a value that is not digits: the entry is not used
    stored[0].write_text(json.dumps(entry))
    assert hyphenation._read(reads[0]) is None
    monkeypatch.setattr(pyphen, "hdcache", {})
    assert pyphen.Pyphen(lang="en_US").hd.patterns == parsed.patterns
    hungarian = pyphen.HyphDict(Path(pyphen.LANGUAGES["hu_HU"]))  # has `ssz/sz=sz` patterns
    assert any(type(v) is not int for _, values in hungarian.patterns.values() for v in values)
    assert len(list((tmp_path / "hyphenation").glob("*.json"))) == 1


SLIM_UA_NOTES = """\
## Steps

1. first step
2. second step with `code`
10. tenth step

- a bullet[^1]
- another bullet

<details><summary>More</summary>hidden text</details>

[^1]: A footnote.
"""


def test_user_agent_styles_of_pseudo_elements_only_where_weasyprint_asks_for_them(
    tmp_path, monkeypatch
):
    """WeasyPrint's user-agent `::marker` rule is tried on `li` only and its five footnote
    and note rules are left out: the pages come out pixel-identical to WeasyPrint's own
    stylesheet, with about one style per element instead of seven."""
    import weasyprint.document
    from test_typography import build

    from cheatsheet import pdf

    counts = []
    compute = weasyprint.document.get_all_computed_styles

    def counted(*args, **kwargs):
        styles = compute(*args, **kwargs)
        counts.append(len(styles._computed_styles))
        return styles

    monkeypatch.setattr(weasyprint.document, "get_all_computed_styles", counted)
    (tmp_path / "slim").mkdir(), (tmp_path / "full").mkdir()
    slim = build(tmp_path / "slim", SLIM_UA_NOTES, "--no-fit", "--no-balance")
    monkeypatch.setattr(pdf, "slim_user_agent_stylesheets", lambda css: None)
    full = build(tmp_path / "full", SLIM_UA_NOTES, "--no-fit", "--no-balance")
    assert counts[0] * 3 < counts[1], counts
    images = [pdfium.PdfDocument(str(p))[0].render(scale=2).to_pil() for p in (slim, full)]
    assert numpy.array_equal(numpy.asarray(images[0]), numpy.asarray(images[1]))


def test_author_css_that_may_need_every_pseudo_element_keeps_weasyprint_s_own():
    from cheatsheet import pdf

    assert callable(pdf.slim_user_agent_stylesheets("li { color: red }\n.task-list-item {}"))
    for css in (
        "dt { display: list-item }",
        "dd { display: block list-item; }",
        "aside { float: footnote }",
        "aside { position: note(side) }",
        '@import "more.css";',
    ):
        assert pdf.slim_user_agent_stylesheets(css) is None, css


def test_a_theme_with_css_footnotes_still_builds(tmp_path):
    """A theme that floats elements to footnotes needs WeasyPrint's footnote rules (without
    them WeasyPrint fails on the footnote call's missing style)."""
    from test_typography import build

    theme = tmp_path / "notes.css"
    theme.write_text(".footnote li { float: footnote; }\n", encoding="utf-8")
    source = "## A\n\nText with a note[^1].\n\n[^1]: The note.\n"
    pdf = build(tmp_path, source, "--theme", str(theme), "--no-fit")
    text = pdfium.PdfDocument(str(pdf))[0].get_textpage().get_text_range()
    assert "The note." in text


def test_pdf_streams_are_compressed_at_zlib_s_default_level(tmp_path):
    """pydyf's level 9 cost 1.3-1.5x the time for 0.4 % less size: streams come out as
    zlib's level 6 makes them, and decompress to the same operators."""
    import zlib

    import pydyf

    from cheatsheet import pdf

    pdf.compress_at_default_level()
    stream = pydyf.Stream([b"0 0 m 10 10 l S"] * 200, compress=True)
    data = stream.data
    body = data[data.index(b"stream\n") + 7 : data.rindex(b"\nendstream")]
    raw = b"\n".join([b"0 0 m 10 10 l S"] * 200)
    assert zlib.decompress(body) == raw
    level6 = zlib.compressobj(6)
    assert body == level6.compress(raw) + level6.flush()


def test_leaving_under_a_profiler_exits_normally():
    """`cli.leave` skips the heap's teardown with os._exit, except under a profiler or a
    tracer (cProfile, pyinstrument, coverage), which write their results at a normal exit."""
    from cheatsheet import cli

    sys.setprofile(lambda *args: None)
    try:
        with pytest.raises(SystemExit) as stopped:
            cli.leave(3)
    finally:
        sys.setprofile(None)
    assert stopped.value.code == 3


def test_drawings_are_keyed_on_what_the_fetcher_served(drawing_cache, monkeypatch):
    """An SVG that came through our fetcher is keyed by the hash of its bytes, not by
    serialising its parsed tree again; one that did not is still keyed by its tree."""
    from xml.etree import ElementTree

    from weasyprint import HTML

    from cheatsheet.sandbox import make_fetcher

    serialised = []
    tostring = ElementTree.tostring
    monkeypatch.setattr(
        ElementTree, "tostring", lambda *a, **k: serialised.append(1) or tostring(*a, **k)
    )
    body = f'<p><img src="{RED_CIRCLE}" style="width: 20px"></p>'
    page = f"<style>@page {{ size: 60mm 80mm }}</style>{body}"
    fetched = HTML(string=page, url_fetcher=make_fetcher([drawing_cache])).write_pdf()
    assert serialised == []
    drawcache.clear_memory()
    assert numpy.array_equal(pixels(fetched), pixels(pdf_of(body)))
    assert serialised


def test_sized_c_arrays_are_made_as_open_arrays_with_the_same_items():
    """WeasyPrint's font subsetting asks cffi for `hb_codepoint_t[N]`, a new C type (parsed
    with pycparser, ~2.5 ms) for every N; the same items make the same `T[]` array, parsed
    once."""
    from weasyprint.text.ffi import ffi

    from cheatsheet import pdf

    pdf.open_array_types()
    parsed = set(ffi._parsed_types)
    for count in (3, 17, 4242):
        array = ffi.new(f"hb_codepoint_t[{count}]", list(range(count)))
        assert len(array) == count and list(array) == list(range(count))
    assert {t for t in ffi._parsed_types if t not in parsed} <= {"hb_codepoint_t[]"}
    assert len(ffi.new("hb_tag_t[100]")) == 100 and len(ffi.new("char[4]")) == 4


def test_cffi_parses_a_c_type_with_only_the_typedef_names_it_uses(monkeypatch):
    """A type string cffi has not seen is parsed with a `typedef int NAME;` line for the
    names it uses only, not for every one of WeasyPrint's ~800 typedefs; it resolves to the
    same type."""
    from cffi import cparser
    from weasyprint.text.ffi import ffi

    libraries.import_weasyprint()
    parser = cparser._get_parser()
    sources = []
    parse = parser.parse
    monkeypatch.setattr(
        parser, "parse", lambda text, *a, **k: sources.append(text) or parse(text, *a, **k)
    )
    pointer = ffi.typeof("PangoRectangle * * *")
    assert pointer.item.item.item == ffi.typeof("PangoRectangle")
    assert sources and all(text.count("typedef int ") < 10 for text in sources), sources
    assert len(ffi.new("hb_codepoint_t[]", [1, 2, 3])) == 3


def test_a_drawing_is_replayed_at_another_size_of_the_same_shape(drawing_cache, monkeypatch):
    """An SVG with a viewBox drawn once is replayed at another size by scaling its first
    matrix (watch mode moving a sheet from 9.5 to 9.4 pt drew its 21 formulas again); it
    looks as a new drawing does. Another shape, or no viewBox, is drawn afresh."""
    drawn = []
    draw = drawcache._weasyprint_draw
    monkeypatch.setattr(drawcache, "_weasyprint_draw", lambda *a: drawn.append(1) or draw(*a))
    pdf_of(f'<img src="{RED_CIRCLE}" style="width: 20px">')
    assert len(drawn) == 1
    scaled = pdf_of(f'<img src="{RED_CIRCLE}" style="width: 23px">')
    assert len(drawn) == 1  # replayed, scaled
    monkeypatch.setattr(drawcache, "DISK_CACHE", drawing_cache / "fresh")
    drawcache.clear_memory()
    fresh = pdf_of(f'<img src="{RED_CIRCLE}" style="width: 23px">')
    assert len(drawn) == 2
    assert numpy.abs(pixels(scaled) - pixels(fresh)).max() <= 8
    pdf_of(f'<img src="{RED_CIRCLE}" style="width: 23px; height: 30px">')
    assert len(drawn) == 3  # another shape
    no_view_box = RED_CIRCLE.replace(" viewBox='0 0 10 10'", " width='10' height='10'")
    pdf_of(f'<img src="{no_view_box}" style="width: 20px">')
    pdf_of(f'<img src="{no_view_box}" style="width: 23px">')
    assert len(drawn) == 5
