"""``envmgr verify NAME --files``: the env's files against what its package records say.

Each ``conda-meta/<package>.json`` lists the files it installed (``paths_data``): the size and
sha256 rattler wrote. For a file whose prefix placeholder was replaced, rattler records the size
after replacement (``size_in_bytes``) and the hash of the replaced bytes (``sha256_in_prefix``)
next to the package's own ``sha256``, so those are what the file must match. Symlinks and folders
are not checked, nor files pip installed (they have no conda record).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..host.ownership import MARKER


@dataclass
class FileCheck:
    checked: int = 0
    changed: dict[str, list[str]] = field(default_factory=dict)   # package -> "path (why)"


def check_files(prefix: Path) -> FileCheck:
    result = FileCheck()
    meta = Path(prefix) / "conda-meta"
    for record in sorted(meta.glob("*.json")):
        if record.name == MARKER:
            continue
        try:
            paths = json.loads(record.read_text(encoding="utf-8"))["paths_data"]["paths"]
        except (OSError, ValueError, KeyError, TypeError):
            result.changed.setdefault(record.stem, []).append(f"conda-meta/{record.name} (unreadable)")
            continue
        for item in paths if isinstance(paths, list) else []:
            why = _why_changed(Path(prefix), item)
            if why is None:
                continue
            result.checked += why != "skip"
            if why not in ("ok", "skip"):
                result.changed.setdefault(record.stem, []).append(f"{item['_path']} ({why})")
    return result


def _why_changed(prefix: Path, item) -> str | None:
    if not isinstance(item, dict) or not isinstance(item.get("_path"), str):
        return None
    if item.get("path_type", "hardlink") not in ("hardlink", "copy"):
        return "skip"
    path = prefix / item["_path"]
    try:
        size = os.lstat(path).st_size
    except OSError:
        return "missing"
    expected = item.get("size_in_bytes")
    if isinstance(expected, int) and size != expected:
        return f"{size} bytes, {expected} recorded"
    sha256 = item.get("sha256_in_prefix") or item.get("sha256")
    if isinstance(sha256, str) and _sha256(path) != sha256:
        return "sha256 differs from the record"
    return "ok"


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()
