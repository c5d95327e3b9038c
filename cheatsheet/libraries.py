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
import re
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
    if "weasyprint" not in sys.modules and sys.platform.startswith("linux"):
        _import_quickly()
        gc.freeze()
    parse_c_types_quickly()


# A C type as cffi parses it: `ffi.new("PangoRectangle *")` parses "void __dummy(\n...\n);".
C_TYPE_SOURCE = "void __dummy(\n"
C_NAME = re.compile(r"[A-Za-z_]\w*")


def parse_c_types_quickly() -> None:
    """Have cffi declare to pycparser only the typedef names a C type string uses.

    cffi parses each type string it has not seen (`ffi.new("PangoRectangle *")`) by handing
    pycparser a `typedef int NAME;` line for every typedef it knows first, so the name
    parses as a type: WeasyPrint declares about 800, and each of the 9 types a build asks
    for took ~1.9 ms (17 ms of the sample sheet). Only the names in the type string can
    matter to its parse; the typedefs are what cffi resolves them with afterwards, as
    before. Declarations (`ffi.cdef`) still see every name."""
    try:
        from cffi import cparser
    except ImportError:
        return
    parse = cparser.Parser._parse
    if getattr(parse, "names_used_only", False):
        return

    def _parse(self, csource):
        if not csource.startswith(C_TYPE_SOURCE) or not isinstance(self._declarations, dict):
            return parse(self, csource)
        used = set(C_NAME.findall(csource))
        every = self._declarations
        self._declarations = {
            name: value
            for name, value in every.items()
            if not name.startswith("typedef ") or name[8:] in used
        }
        try:
            return parse(self, csource)
        finally:
            self._declarations = every

    _parse.names_used_only = True  # type: ignore[attr-defined]
    cparser.Parser._parse = _parse


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
