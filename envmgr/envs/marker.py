"""envmgr's ownership marker: how envmgr knows a prefix, or a temporary sibling, is its own.

Every environment envmgr made holds ``conda-meta/envmgr.json`` (name, prefix, workspace, spec,
lockfile hash, platform, packages). envmgr only replaces or deletes a prefix holding its own marker
for that name at that prefix: any other JSON there is someone else's file, and a moved or copied
environment names another prefix. A temporary sibling being built holds ``.envmgr-tmp`` instead,
so a leftover of an interrupted create can be told from anyone else's folder. The readers of
both live in ``envmgr.host.ownership`` (doctor uses them too); this module writes them.

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
from ..host.ownership import (MARKER, TMP_MARKER, is_own_build, is_own_marker,  # noqa: F401
                              read_json, same_place)


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def write_marker(folder: Path, name: str, prefix: Path, record: dict, packages: list[str]) -> None:
    """Write the marker into ``folder``/conda-meta for environment ``name`` at ``prefix``."""
    marker = {"envmgr": __version__, "name": name, "prefix": str(prefix),
              **record, "packages": packages,
              "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_text_atomic(folder / "conda-meta" / MARKER, json.dumps(marker, indent=1) + "\n")


def write_build_marker(sibling: Path, name: str, doing: str = "build") -> None:
    """Mark a temporary sibling as envmgr's ``build`` of ``name`` (before anything goes into it),
    or a tombstone as an old ``name`` envmgr is deleting (before anything is deleted)."""
    (sibling / TMP_MARKER).write_text(json.dumps({"name": name, "pid": os.getpid(), "doing": doing}))
