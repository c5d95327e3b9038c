"""Watch mode: an edit gives a new PDF and a preview reload within a bound; errors are shown
on the preview page and watching goes on.

The bounds are the watcher's CPU time (conftest.wait_for_child), never the wall clock: the
machine is shared, and a rebuild that waits for a core is slow, not wrong."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import urllib.request

import pytest

from conftest import ROOT, default_pdf, make_project, pdf_text, process_cpu, wait_for_child

START_CPU = 60.0  # seconds of the watcher's CPU to start, build once and serve (about 2)
REBUILD_CPU = 10.0  # seconds of its CPU from an edit to the new PDF and preview version


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8", "replace")


@pytest.fixture()
def watcher(tmp_path):
    project = make_project(tmp_path, {"content/a.md": "## First\n\nhello\n"})
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "-C",
            str(project),
            "--watch",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"

    def wait(predicate, cpu: float = REBUILD_CPU):
        return wait_for_child(predicate, proc, cpu)

    try:
        wait(lambda: get(base + "/version") == "1", cpu=START_CPU)
        yield project, base, wait, proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # only to tidy up; nothing is asserted here
            proc.kill()
            proc.wait()


def test_edit_rebuilds_and_preview_reloads(watcher):
    project, base, wait, proc = watcher
    pdf = default_pdf(project)
    assert "hello" in pdf_text(pdf)
    page = get(base + "/")
    assert '<img src="/page/0.png?v=1"' in page and "location.reload()" in page
    started = process_cpu(proc.pid)
    (project / "content/a.md").write_text("## First\n\nhello\n\n## Second\n\nedited text\n")
    wait(lambda: get(base + "/version") == "2")
    wait(lambda: "edited text" in pdf_text(pdf))
    assert process_cpu(proc.pid) - started < REBUILD_CPU
    assert "v=2" in get(base + "/")
    with urllib.request.urlopen(base + "/page/0.png") as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"


def test_error_is_shown_and_watching_goes_on(watcher):
    project, base, wait, _ = watcher
    (project / "content/a.md").write_text("## First\n\n```\nnever closed\n")
    wait(lambda: get(base + "/version") == "2")
    page = get(base + "/")
    assert 'class="error"' in page and "a.md:3: code fence" in page
    (project / "content/a.md").write_text("## First\n\nrepaired\n")
    wait(lambda: get(base + "/version") == "3")
    assert 'class="error"' not in get(base + "/")
    wait(lambda: "repaired" in pdf_text(default_pdf(project)))


def test_config_and_style_changes_trigger_rebuilds(watcher):
    project, base, wait, _ = watcher
    (project / "cheatsheet.toml").write_text('paper = "A5"\norientation = "portrait"\n')
    wait(lambda: get(base + "/version") == "2")
    from conftest import page_sizes

    assert page_sizes(default_pdf(project))[0] == pytest.approx((419.53, 595.28), abs=1)


def test_an_edit_saved_before_the_watcher_listens_is_found(tmp_path):
    """An edit saved between the first build and the watcher's start raises no file event;
    the watcher's first quiet period looks for files changed since the build began."""
    import time

    from cheatsheet.watch import _changed_since

    project = make_project(tmp_path, {"content/a.md": "## First\n\nhello\n"})
    since = time.time_ns()
    (project / "output").mkdir(exist_ok=True)
    (project / "output" / "sheet.pdf").write_bytes(b"%PDF")  # the build's own output
    (project / "build.log").write_text("not a watched file")
    assert not _changed_since([project], since)
    (project / "content/a.md").write_text("## First\n\nedited\n")
    assert _changed_since([project], since)
    assert _changed_since([project / "content/a.md"], since)
