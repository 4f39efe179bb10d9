"""envmgr's ownership marker: how envmgr knows a prefix, or a temporary sibling, is its own.

Every environment envmgr made holds ``conda-meta/envmgr.json`` (name, prefix, workspace, spec,
lockfile hash, platform, packages). envmgr only replaces or deletes a prefix holding its own marker
for that name at that prefix: any other JSON there is someone else's file, and a moved or copied
environment names another prefix. A temporary sibling being built holds ``.envmgr-tmp`` instead,
so a leftover of an interrupted create can be told from anyone else's folder.

A marker written before envmgr recorded workspaces has no ``workspace`` key (see
``Environment.owner``). Reading a marker imports neither rattler nor conda-lock.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .. import __version__
from ..atomic import write_text_atomic

MARKER = "envmgr.json"                 # inside conda-meta/ of every environment envmgr made
TMP_MARKER = ".envmgr-tmp"             # inside a temporary sibling while it is being built


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_json(path: Path):
    """The JSON value in ``path``; None when it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_own_marker(data, name: str, prefix: Path) -> bool:
    """Whether ``data`` is the marker envmgr writes (``build``) for environment ``name`` at ``prefix``.
    A moved or copied environment names another prefix: not ours to replace or delete."""
    return (isinstance(data, dict) and isinstance(data.get("envmgr"), str)
            and data.get("name") == name and isinstance(data.get("prefix"), str)
            and same_place(data["prefix"], prefix))


def same_place(recorded: str, prefix: Path) -> bool:
    """``recorded`` and ``prefix`` name one folder, also through symlinks: an env made through a
    symlinked envs dir (/home -> /gpfs on many clusters) and used through the real path is the same
    env. A moved copy resolves elsewhere, so it still is not."""
    if recorded == str(prefix):
        return True
    return os.path.realpath(recorded) == os.path.realpath(prefix)


def write_marker(folder: Path, name: str, prefix: Path, record: dict, packages: list[str]) -> None:
    """Write the marker into ``folder``/conda-meta for environment ``name`` at ``prefix``."""
    marker = {"envmgr": __version__, "name": name, "prefix": str(prefix),
              **record, "packages": packages,
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_text_atomic(folder / "conda-meta" / MARKER, json.dumps(marker, indent=1) + "\n")


def write_build_marker(sibling: Path, name: str) -> None:
    """Mark a temporary sibling as envmgr's build of ``name``, before anything goes into it."""
    (sibling / TMP_MARKER).write_text(json.dumps({"name": name, "pid": os.getpid()}))


def is_own_build(sibling: Path, name: str) -> bool:
    """The sibling holds the marker ``build`` writes first: ``{"name": NAME, ...}``, or an
    empty one (killed between creating the file and writing its few bytes)."""
    try:
        text = (sibling / TMP_MARKER).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    if not text.strip():
        return True
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("name") == name
