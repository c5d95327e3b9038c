"""Safe by default: no network, no reads outside the project, no template evaluation of content,
sanitised raw HTML, resource limits, and an old PDF that survives any failure."""

from __future__ import annotations

import contextlib
import errno
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from conftest import (
    CORPUS,
    ROOT,
    _limit_cpu,
    default_pdf,
    make_project,
    pdf_text,
    process_cpu,
    run_cli,
    wait_for_child,
)


class CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        CountingHandler.requests.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    CountingHandler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def remote_project(tmp_path: Path, base: str) -> Path:
    project = make_project(
        tmp_path,
        {
            "content/a.md": f"""
            ## Remote

            ![img]({base}/markdown.png) <img src="{base}/raw.png">

            <span style="background: url({base}/style.png)">styled</span>
            """,
            "styles/remote.css": f'@import url("{base}/import.css");\nh2 {{ background: url({base}/bg.png); }}\n',
        },
    )
    return project


def test_no_request_reaches_a_local_server(tmp_path, server):
    project = remote_project(tmp_path, server)
    result = run_cli("-C", project, "--theme", "remote", "--report", "json")
    assert result.code == 0, result.err
    assert CountingHandler.requests == []
    report = json.loads(result.out)
    assert any(url.endswith("/markdown.png") for url in report["not_fetched"])
    assert any(url.endswith("/import.css") for url in report["not_fetched"])
    assert "not fetched" in result.err


def test_allow_remote_opts_in(tmp_path, server):
    project = remote_project(tmp_path, server)
    result = run_cli("-C", project, "--theme", "remote", "--allow-remote")
    assert result.code == 0, result.err
    assert "/markdown.png" in CountingHandler.requests


PASSWD_MARK = "root:x:0:0"


@pytest.mark.skipif(not Path("/etc/passwd").exists(), reason="needs /etc/passwd")
def test_files_outside_the_project_are_never_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.css").write_text("h2 { color: red }")
    project = make_project(
        tmp_path / "project",
        {
            "content/a.md": """
            ## Attempts

            ![a](file:///etc/passwd) ![b](../../../../../../../../etc/passwd)
            <img src="/etc/passwd"> <object data="/etc/passwd"></object>
            <iframe src="file:///etc/passwd"></iframe>
            ![c](link.txt)
            """,
            "styles/sneaky.css": '@import url("/etc/passwd"); @import url("../../outside/secret.css");',
        },
    )
    (project / "content/link.txt").symlink_to("/etc/passwd")
    result = run_cli("-C", project, "--theme", "sneaky", "--report", "json")
    assert result.code == 0, result.err
    assert PASSWD_MARK not in pdf_text(default_pdf(project))
    refused = json.loads(result.out)["not_fetched"]
    assert "file:///etc/passwd" in refused
    assert any("secret.css" in url for url in refused)


def test_content_outside_the_project_needs_the_command_line(tmp_path):
    (tmp_path / "notes.md").write_text("## Outside\n\ntext\n")
    project = make_project(
        tmp_path / "p", {"content/a.md": "## A\n"}, 'content = ["../notes.md"]\n'
    )
    result = run_cli("-C", project)
    assert result.code == 2 and "is outside the project" in result.err
    assert "--content" in result.err
    assert run_cli("-C", project, "--content", tmp_path / "notes.md").code == 0


def test_content_is_never_a_template(tmp_path):
    project = make_project(
        tmp_path,
        {"content/a.md": "## Jinja\n\nsum {{ 7*7 }} and {% if true %}yes{% endif %} {# c #}\n"},
    )
    assert run_cli("-C", project).code == 0
    text = pdf_text(default_pdf(project))
    assert "{{ 7*7 }}" in text and "{% if true %}" in text and "49" not in text


def test_raw_html_sanitised_and_safe_mode(tmp_path):
    project = make_project(
        tmp_path,
        {
            "content/a.md": """
            ## Raw

            Press <kbd>KBDKEY</kbd> <script>document.write("SCRIPTED")</script>
            <span onclick="x()">clickable</span> <details><summary>SUMMARY</summary>hidden</details>
            <meta http-equiv="refresh" content="0; url=http://example.com">
            """,
        },
    )
    from cheatsheet.content import load_content
    from cheatsheet.markdown import MarkdownRenderer

    section = load_content(project, ("content",)).sections[0]
    html = MarkdownRenderer().render(section).html
    assert "<kbd>KBDKEY</kbd>" in html and "<details>" in html
    assert "script" not in html and "onclick" not in html and "<meta" not in html
    safe = MarkdownRenderer(safe=True).render(section).html
    assert "<kbd>" not in safe and "KBDKEY" in safe and "<details>" not in safe
    assert run_cli("-C", project, "--safe").code == 0
    assert "SCRIPTED" not in pdf_text(default_pdf(project))


def test_file_size_limit(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## Big\n\n" + "word " * 300_000})
    result = run_cli("-C", project, "--max-file-size", "1")
    assert result.code == 2
    assert "content/a.md: file is 1.4 MB, over the 1 MB limit" in result.err


def test_nesting_limit(tmp_path):
    deep = "## Deep\n\n" + "> " * 60 + "quote\n"
    project = make_project(tmp_path, {"content/a.md": deep})
    result = run_cli("-C", project)
    assert result.code == 2
    assert "content/a.md:3: nesting is 60 levels deep, over the limit of 20" in result.err


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"content/a.md": "## A\n\n```python\nx = 1\n\n## B\n\ntext\n"},
            "content/a.md:3: code fence ``` opened here is never closed",
        ),
        (
            {"templates/sheet.html.j2": "{% for x in %}"},
            "templates/sheet.html.j2:1: template syntax error",
        ),
        ({"cheatsheet.toml": 'template = "nope.html.j2"\n'}, "template 'nope.html.j2' not found"),
        ({"cheatsheet.toml": 'theme = "nope"\n'}, "unknown theme 'nope'"),
    ],
)
def test_more_bad_inputs(tmp_path, files, expected):
    project = make_project(tmp_path, {"content/a.md": "## A\n\nfine\n"})
    assert run_cli("-C", project).code == 0
    good = default_pdf(project).read_bytes()
    make_project(project, files)
    result = run_cli("-C", project)
    assert result.code == 2, result.err
    assert expected in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert default_pdf(project).read_bytes() == good


def test_unclosed_html_block_is_a_located_warning_and_nothing_vanishes(tmp_path):
    """CommonMark ends an HTML block at a blank line; the sanitiser closes the element at the
    end of its section, so the rest of the file still renders, and the author is told."""
    notes = "## A\n\n<div>\nopen\n\n## B\n\ntext after\n\n## C\n\nmore\n"
    project = make_project(tmp_path, {"content/a.md": notes})
    result = run_cli("-C", project, "--no-fit")
    assert result.code == 0, result.err
    assert "content/a.md:3: HTML block <div> opened here is never closed" in result.err
    text = pdf_text(default_pdf(project))
    assert all(word in text for word in ("open", "text after", "more")), text


def test_missing_image_is_located_and_fails_strict(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## A\n\n![a picture](img/missing.png)\n"})
    result = run_cli("-C", project)
    assert result.code == 0
    assert "content/a.md:3: image 'missing.png' not found" in result.err
    assert "a picture" in pdf_text(default_pdf(project))
    strict = run_cli("-C", project, "--strict")
    assert strict.code == 3 and "missing images 1" in strict.out
    assert strict.err.count("image 'missing.png' not found") == 1  # reported once


def test_disk_full_keeps_the_old_pdf(tmp_path, monkeypatch):
    from cheatsheet import cli

    project = make_project(tmp_path, {"content/a.md": "## A\n\nfine\n"})
    assert cli.main(["-C", str(project), "-q"]) == 0
    good = default_pdf(project).read_bytes()

    def full(self, target=None, **options):
        target.write(b"%PDF-partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("weasyprint.document.Document.write_pdf", full)
    assert cli.main(["-C", str(project), "-q"]) == 2
    assert default_pdf(project).read_bytes() == good
    assert sorted(p.name for p in (project / "output").iterdir()) == [default_pdf(project).name]


def test_a_swallowed_interrupt_still_leaves_the_old_pdf(tmp_path, monkeypatch):
    """WeasyPrint catches BaseException while drawing an SVG, and Python drops an exception
    raised in a finaliser: a Ctrl-C that lands there once let the build write and exit 0
    (test_killed_build_leaves_the_old_pdf[SIGINT], once in CI). The signal handler latches
    the interrupt and the writer checks it before replacing the old file."""
    from weasyprint.document import Document

    from cheatsheet import cli

    project = make_project(tmp_path, {"content/a.md": "## A\n\nfine\n"})
    assert cli.main(["-C", str(project), "-q"]) == 0
    good = default_pdf(project).read_bytes()
    (project / "content/a.md").write_text("## A\n\nchanged\n")
    write = Document.write_pdf

    def interrupted_then_swallowed(self, *args, **kwargs):
        with contextlib.suppress(KeyboardInterrupt):
            cli._terminate(signal.SIGINT, None)
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Document, "write_pdf", interrupted_then_swallowed)
    assert cli.main(["-C", str(project), "-q"]) == 130
    assert default_pdf(project).read_bytes() == good
    assert sorted(p.name for p in (project / "output").iterdir()) == [default_pdf(project).name]
    monkeypatch.setattr(Document, "write_pdf", write)
    assert cli.main(["-C", str(project), "-q"]) == 0  # the next run starts afresh
    assert default_pdf(project).read_bytes() != good


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_killed_build_leaves_the_old_pdf(tmp_path, sig):
    project = make_project(tmp_path, {"content/a.md": "## A\n\nfine\n"})
    assert run_cli("-C", project).code == 0
    out = default_pdf(project)
    good = out.read_bytes()
    (project / "content/a.md").write_text((CORPUS / "ds-interviews-theory.md").read_text())
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "-C",
            str(project),
            "--fit",
            "2",
            "--allow-overflow",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_limit_cpu,  # a build that ignored the signal still ends
    )
    os.set_blocking(proc.stderr.fileno(), False)
    err = bytearray()

    def said(text: bytes) -> bool:
        with contextlib.suppress(BlockingIOError):
            err.extend(proc.stderr.read() or b"")
        return text in err

    # Into layout, whatever the machine's load: the first "laying out at" progress line, then
    # another half second of the build's CPU (the first layout of this 80 KB sheet takes
    # several); the write comes after the layouts of fitting. Bounded in the child's CPU time.
    wait_for_child(lambda: said(b"laying out at"), proc, cpu=60)
    inside = process_cpu(proc.pid) + 0.5
    wait_for_child(lambda: process_cpu(proc.pid) >= inside, proc, cpu=60)
    proc.send_signal(sig)
    wait_for_child(lambda: proc.poll() is not None, proc, cpu=30)
    os.set_blocking(proc.stderr.fileno(), True)
    err.extend(proc.stderr.read())
    proc.stderr.close()
    assert proc.returncode != 0
    assert b"Traceback" not in err, err.decode(errors="replace")
    assert out.read_bytes() == good
    leftovers = [
        p.name for p in (project / "output").iterdir() if p.name != default_pdf(project).name
    ]
    if sig != signal.SIGKILL:
        assert leftovers == []
    assert os.path.exists(out)
