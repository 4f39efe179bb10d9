"""How envmgr tells its own folders in an envs dir from anyone else's, and finds what an
interrupted create or remove left there.

Every environment envmgr made holds ``conda-meta/envmgr.json`` naming it and its prefix. A
temporary sibling ``.NAME.envmgr-tmp-XXXX`` (a create building NAME) or a tombstone
``.NAME.envmgr-old-XXXX`` (an old NAME being deleted) holds ``.envmgr-tmp`` from the moment it
exists until the very last file of it is deleted, so a crash, Ctrl-C or ``kill -9`` at any point
leaves a folder envmgr can recognise. Only those, and empty folders of that shape (killed between
``mkdtemp`` and the marker), are leftovers: a folder of the same shape without the marker is
someone else's, and is never listed or deleted.

This is the reading half (doctor and ``list --all-workspaces`` use it, without the envs stage);
``envmgr.envs.leftovers`` deletes them under each name's lock. It imports neither rattler nor
conda-lock.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

MARKER = "envmgr.json"                 # inside conda-meta/ of every environment envmgr made
TMP_MARKER = ".envmgr-tmp"             # inside a temporary sibling or tombstone, deleted last
LEFTOVER_KINDS = ("tmp", "old")        # .NAME.envmgr-tmp-XXXX (a build), .NAME.envmgr-old-XXXX


def read_json(path: Path):
    """The JSON value in ``path``; None when it is missing or not JSON."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def same_place(recorded: str, prefix: Path) -> bool:
    """``recorded`` and ``prefix`` name one folder, also through symlinks: an env made through a
    symlinked envs dir (/home -> /gpfs on many clusters) and used through the real path is the same
    env. A moved copy resolves elsewhere, so it still is not."""
    if recorded == str(prefix):
        return True
    return os.path.realpath(recorded) == os.path.realpath(prefix)


def is_own_marker(data, name: str, prefix: Path) -> bool:
    """Whether ``data`` is the marker envmgr writes for environment ``name`` at ``prefix``.
    A moved or copied environment names another prefix: not ours to replace or delete."""
    return (isinstance(data, dict) and isinstance(data.get("envmgr"), str)
            and data.get("name") == name and isinstance(data.get("prefix"), str)
            and same_place(data["prefix"], prefix))


def is_own_build(sibling: Path, name: str) -> bool:
    """The sibling holds the marker a build or a delete writes first: ``{"name": NAME, ...}``, or
    an empty one (killed between creating the file and writing its few bytes)."""
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


def leftover_name(folder: Path) -> str | None:
    """NAME for a folder named ``.NAME.envmgr-tmp-XXXX`` / ``.NAME.envmgr-old-XXXX``, else None."""
    base = folder.name
    if not base.startswith(".") or ".envmgr-" not in base:
        return None
    name, _, rest = base[1:].rpartition(".envmgr-")
    kind, dash, suffix = rest.partition("-")
    return name if name and kind in LEFTOVER_KINDS and dash and suffix else None


def is_leftover(folder: Path) -> bool:
    """``folder`` (in an envs dir) is what an interrupted envmgr left of some NAME: the right
    shape, a real folder, and empty or holding envmgr's marker for that NAME."""
    name = leftover_name(folder)
    if name is None or folder.is_symlink() or not folder.is_dir():
        return False
    prefix = folder.parent / name
    return (_is_empty(folder) or is_own_build(folder, name)
            or is_own_marker(read_json(folder / "conda-meta" / MARKER), name, prefix))


def find_leftovers(envs_dir: Path, name: str | None = None) -> list[Path]:
    """The leftovers in ``envs_dir`` (of ``name`` only, when given), sorted."""
    pattern = f".{name}.envmgr-*-*" if name else ".*.envmgr-*-*"
    try:
        candidates = sorted(Path(envs_dir).glob(pattern))
    except OSError:
        return []
    return [folder for folder in candidates
            if is_leftover(folder) and (name is None or leftover_name(folder) == name)]


@dataclass(frozen=True)
class LeftoverReport:
    """What doctor and ``list --all-workspaces`` say about leftovers."""

    paths: list[Path]
    size: int            # bytes, each inode once
    private: int         # what deleting them frees (files not hardlinked with the package cache)

    def to_json(self) -> dict:
        return {"count": len(self.paths), "size": self.size, "private": self.private,
                "paths": [str(p) for p in self.paths]}


def leftover_report(envs_dir: Path) -> LeftoverReport:
    from ..disk import usage

    paths = find_leftovers(envs_dir)
    used = usage(*paths) if paths else None
    return LeftoverReport(paths=paths, size=used.total if used else 0,
                          private=used.private if used else 0)


def _is_empty(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return next(entries, None) is None
    except OSError:
        return False
