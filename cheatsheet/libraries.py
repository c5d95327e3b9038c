"""Import WeasyPrint without the ~50 helper processes its library lookup starts.

`weasyprint.text.ffi` opens its C libraries (Pango, HarfBuzz, fontconfig, ...) by trying
several names each through cffi, which asks `ctypes.util.find_library` for every name it
cannot open directly; on Linux each such question runs `ldconfig -p` and then a compiler or
linker as subprocesses (22 questions, 54 processes, ~0.1 s of CPU and ~0.25 s of wall time
per build, measured). Here the question is answered by looking in the usual library folders
instead; if WeasyPrint cannot start that way, it is imported again the standard way, so a
system with libraries elsewhere works as before.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import os
import sys

LIBRARY_FOLDERS = (
    "/usr/lib/x86_64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
)


@functools.cache
def _files(folder: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(os.listdir(folder)))
    except OSError:
        return ()


def find_library_quickly(name: str) -> str | None:
    """`ctypes.util.find_library` for Linux shared libraries, by file name alone."""
    prefix = f"lib{name}.so."
    for folder in LIBRARY_FOLDERS:
        for file in _files(folder):
            if file.startswith(prefix):
                return file
    return None


def import_weasyprint() -> None:
    """Import `weasyprint` (idempotent); on Linux with the quick library lookup.

    The first import also moves everything imported so far (this program, Markdown,
    Pygments, WeasyPrint: ~60 000 objects that live as long as the process) out of the
    garbage collector's sight (`gc.freeze`), so the collections during a layout no longer
    walk them (sample sheet: 1.11 -> 1.02 s CPU, 8 runs each).
    """
    if "weasyprint" in sys.modules or not sys.platform.startswith("linux"):
        return
    _import_quickly()
    gc.freeze()


def _import_quickly() -> None:
    import ctypes.util

    standard = ctypes.util.find_library
    ctypes.util.find_library = find_library_quickly
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its "could not import" notice
            import weasyprint
    except OSError:
        for module in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[module]
        ctypes.util.find_library = standard
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = standard
