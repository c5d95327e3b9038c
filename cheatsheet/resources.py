"""Where the built-in templates, styles and fonts live: inside the package, found with
`importlib.resources`, so a wheel or pipx install works as well as a clone.

Kept at the bottom of the import graph (it imports nothing of ours) because every stage that
reads a built-in file needs it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _package_folder() -> Path:
    """The package as a real folder: WeasyPrint and Jinja read files by path.

    Every supported install (wheel, sdist, editable, pipx) unpacks the package onto disk;
    a zipped package would need extracting, which nothing here does.
    """
    root = files(__package__)
    if not isinstance(root, Path):
        raise RuntimeError(f"{__package__} must be installed as files on disk, not zipped")
    return root


BUILTIN_ROOT = _package_folder()
BUILTIN_TEMPLATES = BUILTIN_ROOT / "templates"
BUILTIN_STYLES = BUILTIN_ROOT / "styles"
