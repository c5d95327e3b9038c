"""One real process per way of starting the program, and the install a new user makes: the
wheel into a fresh venv, run from an empty folder far from this clone. Bounded in CPU time
(conftest.run_process), never by the wall clock."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, _limit_cpu, make_project, page_sizes, pdf_text, run_process

NOTE = "---\ntitle: Smoke\n---\n## Shell\n\n- `ls -la` lists files\n"


def test_build_py_smoke(tmp_path):
    # Not fitted: the process start is the point here; the sample project's default (fitted)
    # build is checked in-process (conftest.seed_pdf, test_seed_sheet). The process ends
    # without freeing its heap (cli.leave): its report is still whole on stdout, and
    # WeasyPrint's temporary font folder is still removed.
    out, temp = tmp_path / "sample.pdf", tmp_path / "tmp"
    temp.mkdir()
    result = run_process("--no-fit", "-o", out, "--report", "json", env={"TMPDIR": str(temp)})
    assert result.code == 0, result.err
    assert json.loads(result.out)["pages"] == 1
    assert len(page_sizes(out)) == 1
    assert "Essential Formulas" in pdf_text(out)
    assert list(temp.iterdir()) == []
    failed = run_process("no-such-sheet", env={"TMPDIR": str(temp)})
    assert failed.code == 2 and "no-such-sheet" in failed.err


def test_python_dash_m_smoke(tmp_path):
    make_project(tmp_path, {"notes.md": NOTE})
    result = run_process("notes.md", cwd=tmp_path, command=[sys.executable, "-m", "cheatsheet"])
    assert result.code == 0, result.err
    assert "ls -la" in pdf_text(tmp_path / "notes.pdf")


def test_cheatsheet_command_smoke(tmp_path):
    command = shutil.which("cheatsheet", path=str(Path(sys.executable).parent))
    assert command, "the console script is installed next to this Python"
    result = run_process("-", "-o", "-", cwd=tmp_path, stdin=NOTE.encode(), command=[command])
    assert result.code == 0, result.err
    assert result.stdout_bytes.startswith(b"%PDF-") and list(tmp_path.iterdir()) == []
    assert result.stdout_bytes.rstrip().endswith(b"%%EOF")  # flushed whole before leaving


def _built(tmp_path: Path) -> tuple[Path, Path]:
    """The sdist of this tree, and the wheel built from that sdist (so a file missing from
    the sdist fails here too), as `python -m build` makes them for a release."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "-o", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        preexec_fn=_limit_cpu,
        cwd=tmp_path,  # not the clone: `-m build` would find its build.py
    )
    (wheel,) = dist.glob("cheatsheet-*.whl")
    (sdist,) = dist.glob("cheatsheet-*.tar.gz")
    return wheel, sdist


@pytest.mark.skipif(not sysconfig.get_config_var("prefix"), reason="needs a normal Python")
def test_wheel_in_a_fresh_venv_builds_a_sheet_from_an_empty_folder(tmp_path):
    """The issue's "done when": `pip install <wheel>`, then `cheatsheet notes.md` in an empty
    folder. The venv sees this one's site-packages (the dependencies) through a .pth file,
    so nothing is downloaded, but the package itself comes only from the wheel."""
    wheel, sdist = _built(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    for needed in (
        "cheatsheet/templates/sheet.html.j2",
        "cheatsheet/styles/base.css",
        "cheatsheet/styles/default.css",
        "cheatsheet/__main__.py",
    ):
        assert needed in names
    assert any(
        n.startswith("cheatsheet/styles/fonts/") and n.endswith((".ttf", ".otf")) for n in names
    )
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    for needed in (
        "tests/conftest.py",
        "tests/test_cli.py",
        "LICENSE",
        "README.md",
        "cheatsheet/styles/base.css",
    ):
        assert any(m.endswith(needed) for m in members), needed

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ours = sysconfig.get_path("purelib")
    # The dependencies from this venv, but not its (editable) cheatsheet.
    (Path(site) / "deps.pth").write_text(ours + "\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text(NOTE, encoding="utf-8")
    check = run_process(
        "-c",
        "import cheatsheet, sys; print(cheatsheet.__file__)",
        cwd=empty,
        command=[str(python)],
    )
    assert check.code == 0 and str(venv) in check.out, (check.out, check.err)
    result = run_process("notes.md", cwd=empty, command=[str(venv / "bin" / "cheatsheet")])
    assert result.code == 0, result.err
    assert "notes.pdf: 1 page" in result.out
    assert sorted(p.name for p in empty.iterdir()) == ["notes.md", "notes.pdf"]
    assert page_sizes(empty / "notes.pdf") == [pytest.approx((841.89, 595.28), abs=0.01)]
    assert "ls -la" in pdf_text(empty / "notes.pdf")
