"""Deleting what envmgr owns in an envs dir so that an interruption at any point leaves a folder
it still recognises (``envmgr.host.ownership``), and sweeping such leftovers.

``delete_marked`` writes the tombstone marker ``.envmgr-tmp`` first (if the folder has none),
deletes everything else, and the marker last: ``kill -9`` half way leaves a marked folder, never
thousands of anonymous files. A folder something still writes into (it cannot be emptied) keeps
its marker. The caller holds the name's lock and has made sure nothing writes there any more
(the installer runs in a child process that has exited: ``envmgr.engine.linkjob``).

``sweep`` deletes every leftover in the envs dir whose name's lock is free right now (a name whose
lock is held is being built or removed by another envmgr: its folders are left to it).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..host.ownership import TMP_MARKER, find_leftovers, leftover_name
from .marker import write_build_marker


def delete_marked(folder: Path, name: str) -> bool:
    """Delete ``folder`` (envmgr's own, for ``name``) with its marker last; True when it is gone."""
    folder = Path(folder)
    marker = folder / TMP_MARKER
    try:
        if not marker.exists():
            write_build_marker(folder, name, doing="delete")
        with os.scandir(folder) as entries:
            children = [entry for entry in entries if entry.name != TMP_MARKER]
    except FileNotFoundError:
        return True
    except OSError:
        return False
    for entry in children:
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:
            pass
        except OSError:
            return False                    # left whole and marked: the next sweep tries again
    try:
        if os.listdir(folder) != [TMP_MARKER]:
            return False
        marker.unlink()
        os.rmdir(folder)
    except FileNotFoundError:
        return not folder.exists()
    except OSError:
        if folder.is_dir() and not marker.exists():
            write_build_marker(folder, name, doing="delete")   # something appeared: stay marked
        return False
    return True


def sweep(envs_dir: Path, skip: str | None = None) -> list[Path]:
    """Delete the leftovers of every name but ``skip`` whose lock is free; returns what went."""
    import filelock

    names = sorted({leftover_name(path) for path in find_leftovers(envs_dir)} - {skip, None})
    removed = []
    for name in names:
        lock = filelock.FileLock(str(Path(envs_dir) / f".{name}.envmgr.lock"))
        try:
            lock.acquire(timeout=0)
        except (filelock.Timeout, OSError):
            continue                        # another envmgr works on it: its folders are its own
        try:
            for folder in find_leftovers(envs_dir, name):
                if delete_marked(folder, name):
                    removed.append(folder)
        finally:
            lock.release()
    return removed
