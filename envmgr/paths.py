"""Paths as a person reads them in envmgr's messages (JSON keeps absolute paths)."""
from __future__ import annotations

from pathlib import Path


def shown_path(path) -> str:
    """``path`` as a person would type it here: relative to the current folder when it is inside
    it, else absolute. For human output only; JSON keeps absolute paths."""
    path, here = Path(path).absolute(), Path.cwd()
    for inside, base in ((path, here), (path.resolve(), here.resolve())):
        try:
            return str(inside.relative_to(base)) or "."
        except ValueError:
            continue
    return str(path)
