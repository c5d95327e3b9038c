"""Issue #12, the rows of helper harden: warnings as values in the report, the shared HTML,
resource bombs, concurrent builds, writes through symlinks, the watch server, and inputs that
used to end in "internal error". Each test failed before its fix (see the closing table)."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from cheatsheet import cli, sandbox
from cheatsheet.errors import (
    CheatsheetError,
    Diagnostic,
    collecting,
    format_diagnostics,
    visible,
    warn,
)
from conftest import (
    CPU_SECONDS,
    ROOT,
    CpuBoundExceeded,
    _limit_cpu,
    cpu_bound,
    default_pdf,
    make_project,
    pdf_text,
    wait_for_child,
)

SECTION = "## A\n\ntext\n\n"


def build(project: Path, *args: str) -> tuple[int, str, str]:
    """`cli.main` in this process; returns exit code, stdout and stderr."""
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(["-C", str(project), *args])
        except SystemExit as exc:  # usage errors end in argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def png(width: int, height: int) -> bytes:
    """A 1-bit PNG of zeros: a few KB on disk for any pixel count."""
    row = b"\x00" * (1 + (width + 7) // 8)

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    compressed = zlib.compress(row * height, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", compressed)
        + chunk(b"IEND", b"")
    )


def svg_use_bomb(levels: int = 9, fan: int = 10) -> str:
    """fan**levels rectangles in about 2 KB: each group uses the previous one `fan` times."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="100" height="100"><defs><g id="a0"><rect width="1" height="1"/></g>'
    ]
    for i in range(1, levels):
        parts.append(f'<g id="a{i}">' + f'<use xlink:href="#a{i - 1}"/>' * fan + "</g>")
    parts.append(f'</defs><use xlink:href="#a{levels - 1}"/></svg>')
    return "".join(parts)


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# ---- diagnostics are values -----------------------------------------------------------------


def test_strict_json_counts_a_broken_formula(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION + "Broken: $\\frac{1}{$\n"})
    code, out, err = build(project, "--strict", "--report", "json")
    report = json.loads(out)
    assert code == 3, err
    assert report["ok"] is False
    [formula] = [d for d in report["diagnostics"] if d["kind"] == "formula"]
    assert formula["file"].endswith("content/a.md") and formula["line"] == 5
    assert "cannot typeset formula" in formula["message"]


def test_every_warning_is_in_the_report_and_printed_once(tmp_path):
    project = make_project(
        tmp_path,
        {
            "content/a.md": SECTION
            + "$\\nosuchcommand$\n\n```nosuchlanguage\nx\n```\n\n![gone](gone.png)\n\n"
            + "![web](http://example.invalid/x.png)\n"
        },
    )
    code, out, err = build(project, "--report", "json")
    assert code == 0, err
    kinds = sorted(d["kind"] for d in json.loads(out)["diagnostics"])
    assert kinds == ["code_language", "formula", "missing_images", "not_fetched"]
    lines = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(lines) == 4, err  # each once, in one place
    assert any(":7: unknown code language 'nosuchlanguage'" in line for line in lines)
    assert any(":13: not fetched: http://example.invalid/x.png" in line for line in lines)
    strict, _, _ = build(project, "--strict")
    assert strict == 3


def test_warnings_outside_a_build_still_reach_the_log(caplog):
    warn("plain", "x.md", 3)
    assert "x.md:3: plain" in caplog.text
    with collecting() as found:
        warn("collected", "x.md", 4, kind="k")
        warn("collected", "x.md", 4, kind="k")  # the same warning at the same place: once
    assert found == [Diagnostic("k", "collected", "x.md", 4)]
    assert "collected" not in caplog.text


def test_terminal_output_shows_control_characters(tmp_path):
    evil_name = "a\nerror: forged.md"
    project = make_project(
        tmp_path,
        {
            "content/b.md": SECTION + "```\x1b]0;pwned\x07\x1b[2J\nx\n```\n",
            f"content/{evil_name}": SECTION + "```nosuchlanguage\nx\n```\n",
        },
    )
    code, _, err = build(project)
    assert code == 0, err
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]0;pwned\\x07" in err
    assert not any(line.startswith("error: forged") for line in err.splitlines()), err
    assert "a\\nerror: forged.md:5: unknown code language" in err
    assert visible("x\u202ey") == "x\\u202ey"  # Trojan-source bidi overrides too
    assert format_diagnostics([Diagnostic("k", "m\x1b[31m", "f\n.md", 2)]) == [
        "warning: f\\n.md:2: m\\x1b[31m"
    ]


# ---- the shared HTML ------------------------------------------------------------------------


def test_html_inlines_real_images_only(tmp_path):
    project = make_project(
        tmp_path,
        {
            "content/a.md": SECTION
            + "![logo](../.git/config) ![env](../.env)\n\n![key](id_rsa) ![ok](dot.png)\n",
            ".git/config": "[remote]\nurl = SECRET_GIT\n",
            ".env": "TOKEN=SECRET_ENV\n",
            "content/id_rsa": "-----BEGIN OPENSSH PRIVATE KEY----- SECRET_KEY\n",
            "content/dot.png": png(4, 4),
        },
    )
    code, out, err = build(project, "--html", "--report", "json")
    assert code == 0, err
    html = default_pdf(project).with_suffix(".html").read_text(encoding="utf-8")
    blobs = b"".join(base64.b64decode(chunk.split('"')[0]) for chunk in html.split(";base64,")[1:])
    assert b"\x89PNG" in blobs  # the real image is inlined
    assert b"SECRET" not in blobs and "SECRET" not in html
    refused = [d for d in json.loads(out)["diagnostics"] if d["kind"] == "not_inlined"]
    assert sorted((d["line"], d["message"].split("'")[1]) for d in refused) == [
        (5, ".env"),
        (5, "config"),
        (7, "id_rsa"),
    ]


# ---- resource bombs -------------------------------------------------------------------------


def test_svg_use_bomb_is_refused_quickly(tmp_path):
    bomb = svg_use_bomb().encode()
    assert len(bomb) < 2500
    project = make_project(
        tmp_path, {"content/a.md": SECTION + f"![bomb]({data_uri('image/svg+xml', bomb)})\n"}
    )
    with cpu_bound(60):  # before: over 120 s
        code, out, err = build(project, "--report", "json")
    assert code == 0, err
    [refused] = json.loads(out)["diagnostics"]
    assert refused["kind"] == "not_fetched" and refused["line"] == 5
    assert "nested <use>" in refused["message"]
    assert "bomb" in pdf_text(default_pdf(project))  # the alt text stands in


@pytest.mark.parametrize(
    ("svg", "reason"),
    [
        (svg_use_bomb(), "expands to over"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#a"/></g></svg>', "loop"),
        ("<svg>" + "<g>" * 100 + "</g>" * 100 + "</svg>", "nested over"),
        (
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>',
            "entities",
        ),
        ("<svg>" + "x" * (sandbox.MAX_SVG_BYTES + 1) + "</svg>", "KB, over"),
    ],
)
def test_svg_limits(svg, reason):
    with cpu_bound(5), pytest.raises(sandbox.ResourceRefused, match=reason):
        sandbox.check_resource(svg.encode(), "image/svg+xml")


def test_real_svgs_pass_the_limits():
    from cheatsheet import emoji, formulas

    formula = formulas.typeset("\\sum_{i=1}^{n} \\frac{x_i^2}{\\sqrt{1+y_i}}", True)
    sandbox.check_resource(formula.svg.encode(), "image/svg+xml")
    sandbox.check_resource(emoji.svg_bytes("1F680", "color"), "image/svg+xml")


def test_pixel_bomb_is_refused(tmp_path):
    bomb = png(12000, 12000)
    assert len(bomb) < 40_000
    project = make_project(
        tmp_path,
        {
            "content/a.md": SECTION + "![bomb](big.png) ![fine](small.png)\n",
            "content/big.png": bomb,
            "content/small.png": png(2000, 1500),
        },
    )
    with cpu_bound(60):  # before: 12 s of CPU and 1.2 GB of memory
        code, out, err = build(project, "--report", "json")
    assert code == 0, err
    [refused] = json.loads(out)["diagnostics"]
    assert refused["line"] == 5 and "12000x12000 pixels" in refused["message"]
    assert refused["message"].startswith("not fetched: file://")


# ---- concurrency and where outputs go -------------------------------------------------------


def test_four_builds_of_one_project_at_once(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION * 10})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(ROOT / "build.py"), "-C", str(project), "-q", "--no-fit"],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_limit_cpu,
        )
        for _ in range(4)
    ]
    # Bounded by each build's CPU time (and its CPU rlimit), never the wall clock.
    for proc in procs:
        wait_for_child(lambda proc=proc: proc.poll() is not None, proc, cpu=CPU_SECONDS)
    results = [(proc.returncode, proc.stderr.read()) for proc in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    assert default_pdf(project).read_bytes().startswith(b"%PDF")
    assert list((project / "output").glob(".*.tmp")) == []


def test_stale_temporaries_of_dead_builds_only_are_removed(tmp_path):
    from cheatsheet.pdf import write_atomically

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = tmp_path / f".out.pdf.{os.getppid()}.abc.tmp"  # pytest's parent: alive
    stale = tmp_path / f".out.pdf.{dead.pid}.abc.tmp"
    live.write_bytes(b"live")
    stale.write_bytes(b"stale")
    write_atomically(tmp_path / "out.pdf", lambda handle: handle.write(b"%PDF"))
    assert live.exists() and not stale.exists()
    assert (tmp_path / "out.pdf").read_bytes() == b"%PDF"


def test_no_writing_through_symlinks_out_of_the_project(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    project = make_project(tmp_path / "p", {"content/a.md": SECTION + "$E=mc^2$\n"})
    (project / "output").symlink_to(outside)
    (project / ".cheatsheet_cache").symlink_to(outside)
    code, _, err = build(project)
    assert code == 2 and err.count("error:") == 1
    assert "outside the project" in err  # the config check, or the writer's own
    assert list(outside.iterdir()) == []
    # named on the command line, the same place is the user's explicit choice
    (project / "output").unlink()  # (helper cli's config check refuses the symlink itself)
    target = outside / "mine.pdf"
    code, _, err = build(project, "-o", str(target))
    assert code == 0, err
    assert target.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in outside.iterdir()) == ["mine.pdf"]


def test_the_writer_refuses_a_folder_that_leads_out_of_the_project(tmp_path):
    from cheatsheet.errors import CheatsheetError
    from cheatsheet.pdf import write_atomically

    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "p"
    project.mkdir()
    (project / "output").symlink_to(outside)
    with pytest.raises(CheatsheetError, match="output folder leads outside the project"):
        write_atomically(project / "output/x.pdf", lambda h: h.write(b"%PDF"), project)
    with pytest.raises(CheatsheetError, match="outside the project"):
        write_atomically(project / "output/new/x.pdf", lambda h: h.write(b"%PDF"), project)
    assert list(outside.iterdir()) == []
    write_atomically(project / "inside/x.pdf", lambda h: h.write(b"%PDF"), project)
    write_atomically(project / "output/x.pdf", lambda h: h.write(b"%PDF"))  # from -o: allowed
    assert [p.name for p in outside.iterdir()] == ["x.pdf"]


# ---- watch server ---------------------------------------------------------------------------


@pytest.fixture()
def preview():
    from cheatsheet.watch import PreviewState, _start_server

    state = PreviewState(pages=[b"\x89PNG page"], version=1)
    server = _start_server(0, state)
    yield server.server_address[1]
    server.shutdown()


def raw_get(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("host", ["evil.example:{port}", "evil.example", "127.0.0.1:1", ""])
def test_preview_refuses_other_hosts(preview, host):
    header = f"Host: {host.format(port=preview)}\r\n" if host else ""
    answer = raw_get(preview, f"GET / HTTP/1.0\r\n{header}\r\n".encode())
    assert answer.startswith(b"HTTP/1.0 403"), answer[:100]
    assert b"page/0.png" not in answer


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}"])
def test_preview_answers_its_own_name(preview, host):
    answer = raw_get(
        preview, f"GET / HTTP/1.0\r\nHost: {host.format(port=preview)}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.0 200") and b"page/0.png" in answer


@pytest.mark.parametrize(
    "path", [b"/page/\xb2.png", b"/page/1.png", b"/page/99999999999999999999.png", b"/%00", b"/x"]
)
def test_preview_unexpected_paths_are_404(preview, path, capfd):
    answer = raw_get(
        preview, b"GET " + path + f" HTTP/1.0\r\nHost: 127.0.0.1:{preview}\r\n\r\n".encode()
    )
    assert answer.startswith(b"HTTP/1.0 404"), answer[:100]
    assert "Traceback" not in capfd.readouterr().err
    assert raw_get(
        preview, f"GET /page/0.png HTTP/1.0\r\nHost: 127.0.0.1:{preview}\r\n\r\n".encode()
    ).endswith(b"\x89PNG page")


# ---- one-line errors instead of "internal error" --------------------------------------------


def one_line_error(code: int, err: str) -> str:
    assert code == 2, err
    assert "internal error" not in err and "Traceback" not in err, err
    [line] = [line for line in err.splitlines() if line.startswith("error:")]
    return line


def test_nul_in_an_image_url(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION + "![x](a%00b.png)\n"})
    code, out, err = build(project, "--report", "json")
    assert code == 0, err
    [refused] = json.loads(out)["diagnostics"]
    assert refused["kind"] == "not_fetched" and refused["line"] == 5


def test_symlink_loops(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION + "![x](loop.png)\n"})
    (project / "content/loop.png").symlink_to(project / "content/loop.png")
    code, out, err = build(project, "--report", "json")
    assert code == 0, err
    [refused] = json.loads(out)["diagnostics"]
    assert "symlink loop" in refused["message"] and refused["line"] == 5
    (project / "content/b.md").symlink_to(project / "content/c.md")
    (project / "content/c.md").symlink_to(project / "content/b.md")
    code, _, err = build(project)
    assert code == 0, err
    assert "content/b.md: skipped: a symlink loop" in err


def test_fifo_in_content_does_not_hang(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION})
    os.mkfifo(project / "content/b.md")
    with cpu_bound(30):
        code, _, err = build(project)
    assert "b.md" in one_line_error(code, err)
    assert sandbox.is_regular_file(project / "content/a.md")
    assert not sandbox.is_regular_file(project / "content/b.md")
    assert not sandbox.is_regular_file(project / "content")


def test_near_zero_font_size(tmp_path):
    project = make_project(
        tmp_path, {"content/a.md": SECTION + '<span style="font-size:0.0001pt">tiny</span>\n'}
    )
    code, out, err = build(project, "--report", "json")
    assert code == 0, err
    assert json.loads(out)["tiny_type"]


def test_font_size_floor_touches_style_attributes_only():
    from cheatsheet.pipeline import clamp_font_sizes

    html = (
        '<span style="color:red; FONT-SIZE:1e-9px">x</span>'
        '<span style="font-size: 12px">y</span><code>font-size:0.0001pt</code>'
    )
    assert clamp_font_sizes(html) == (
        '<span style="color:red; font-size:0.1px">x</span>'
        '<span style="font-size: 12px">y</span><code>font-size:0.0001pt</code>'
    )


@pytest.mark.parametrize("epoch", ["9" * 20, "\u00b2"])
def test_unusable_source_date_epoch(tmp_path, monkeypatch, epoch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    project = make_project(tmp_path, {"content/a.md": SECTION})
    code, _, err = build(project)
    assert code == 0 and "internal error" not in err, err  # ignored: today's date is used


def test_port_out_of_range(tmp_path):
    project = make_project(tmp_path, {"content/a.md": SECTION})
    assert "65535" in one_line_error(*build(project, "--watch", "--port", "99999")[::2])
    from cheatsheet.watch import PreviewState, _start_server

    with pytest.raises(CheatsheetError, match="not a port number"):
        _start_server(99999, PreviewState())


def test_watch_page_shows_warnings(tmp_path):
    from cheatsheet.watch import PreviewState, _start_server

    state = PreviewState(pages=[b"x"], version=1, warnings=["warning: a.md:3: <b>bad</b>"])
    server = _start_server(0, state)
    try:
        port = server.server_address[1]
        answer = raw_get(port, f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    finally:
        server.shutdown()
    assert b"warning: a.md:3: &lt;b&gt;bad&lt;/b&gt;" in answer


def test_cpu_bound_helper_fires():
    started = time.process_time()
    with pytest.raises(CpuBoundExceeded), cpu_bound(0.2):
        while True:
            pass
    assert time.process_time() - started < 5
