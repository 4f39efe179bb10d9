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


def envmgr_home() -> Path:
    """envmgr's own folder for what it keeps per user (the package cache, environments where
    conda has no envs dir, the knowledge overlay): ``$ENVMGR_HOME``, else ``~/.envmgr``."""
    import os

    return Path(os.environ.get("ENVMGR_HOME") or os.path.join(os.path.expanduser("~"), ".envmgr"))


def cache_dir(part: str = "") -> Path:
    """envmgr's cache folder (``part`` inside it): ``$ENVMGR_CACHE_DIR``, else the user cache
    (``%LOCALAPPDATA%/envmgr/cache`` on Windows, ``$XDG_CACHE_HOME/envmgr``, ``~/.cache/envmgr``)."""
    import os
    import sys

    explicit = os.environ.get("ENVMGR_CACHE_DIR")
    if explicit:
        root = Path(explicit)
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        root = Path(os.environ["LOCALAPPDATA"]) / "envmgr" / "cache"
    else:
        root = Path(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")) / "envmgr"
    return root / part if part else root


def source_stamp(*files: Path) -> str:
    """Modification time and size of each of ``files``: part of the key of a cache that holds
    what that code worked out, so a checkout whose code changed (same version) never reads it."""
    import os

    parts = []
    for file in files:
        try:
            found = os.stat(file)
            parts.append(f"{found.st_mtime_ns}:{found.st_size}")
        except OSError:
            parts.append("-")
    return ",".join(parts)


def require_encodable(**paths) -> None:
    """Refuse, in one line, a path the engine cannot be given: in a strict C locale (LANG=C with
    UTF-8 mode off) Python reads a non-ASCII folder name as undecodable bytes, and rattler, which
    takes UTF-8 text, would fail with a traceback. ``paths``: what it is -> the path."""
    import os
    import sys

    for what, path in paths.items():
        text = str(path)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            from .errors import UsageError

            readable = os.fsencode(text).decode("utf-8", "replace")
            raise UsageError(
                f"the {what.replace('_', ' ')} {readable} has a name this locale cannot encode "
                f"({sys.getfilesystemencoding()}): envmgr's engine needs UTF-8 paths",
                fix="run in a UTF-8 locale (export LC_ALL=C.UTF-8, or PYTHONUTF8=1), or use a "
                    "folder with an ASCII name") from None
