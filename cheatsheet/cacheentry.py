"""One entry of the user cache: a JSON object that names its own key, written atomically.

The formula, drawing and fitted-size caches share this shape. The cache folder is anyone's
to edit, so an entry counts only when it parses and names the exact key asked for (the
callers check the types of what else it holds); a write goes through a per-process temp
file and a rename, so a build running at the same time reads the whole file or none, and a
cache that cannot be written only costs the next build its time.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any


def read(path: Path, key: str, encoding: str = "utf-8") -> dict[str, Any] | None:
    """The entry's fields, or None when it is missing, unreadable or names another key."""
    try:
        data = json.loads(path.read_text(encoding=encoding))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    return data


def write(path: Path, key: str, fields: dict[str, Any], encoding: str = "utf-8") -> None:
    """Store the entry with its key, atomically; a folder that cannot be written is skipped."""
    text = json.dumps({"key": key, **fields})
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temp.write_text(text, encoding=encoding)
        os.replace(temp, path)
