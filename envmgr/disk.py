"""Disk usage of environments, counting hardlinked files once.

Environments created from one package cache share most of their files with it (and with each other)
through hardlinks, so ``du``-style sums over-count badly. This module walks trees with ``lstat`` and
counts each inode (device, inode number) once, however many names it has.
"""
from __future__ import annotations

import os
import stat as stat_mode
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DiskUsage:
    """Bytes allocated for the unique inodes under some paths.

    ``private`` is the part held only by these paths: files with a single link (copies such as
    files whose prefix placeholder was rewritten, and envmgr/conda metadata). ``total - private``
    is shared with the package cache or other environments.
    """

    total: int
    private: int
    files: int

    @property
    def shared(self) -> int:
        return self.total - self.private


def _allocated(stat: os.stat_result) -> int:
    # st_blocks is what the file really occupies (sparse files, small files rounded to a block);
    # fall back to the apparent size where the platform has no st_blocks (Windows).
    blocks = getattr(stat, "st_blocks", None)
    return blocks * 512 if blocks is not None else stat.st_size


def _walk(path: Path):
    """Yield lstat results for ``path`` and everything below it, never following symlinks."""
    try:
        top = os.lstat(path)
    except FileNotFoundError:
        return
    yield top
    if not os.path.isdir(path) or os.path.islink(path):
        return
    stack = [str(path)]
    while stack:
        folder = stack.pop()
        try:
            entries = os.scandir(folder)
        except (PermissionError, FileNotFoundError):
            continue
        with entries:
            for entry in entries:
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue
                yield stat
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)


def usage(*paths: str | Path) -> DiskUsage:
    """Usage of ``paths`` together, each inode counted once across all of them."""
    seen: set[tuple[int, int]] = set()
    total = private = files = 0
    for path in paths:
        for stat in _walk(Path(path)):
            key = (stat.st_dev, stat.st_ino)
            if key in seen:
                continue
            seen.add(key)
            size = _allocated(stat)
            total += size
            files += 1
            if stat.st_nlink <= 1 or stat_mode.S_ISDIR(stat.st_mode):
                private += size
    return DiskUsage(total=total, private=private, files=files)


def human(size: int | None) -> str:
    """1536 -> '1.5 KiB'; None -> '-'."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover
