"""Atomic file writes: a temp file in the same folder, then a rename.

``mkstemp`` creates its file 0600 whatever the umask, and the rename would carry that over: specs,
lockfiles and ``~/.conda/environments.txt`` would become private to their writer. So the temp
file gets the mode a plain ``open()`` would give (``0o666 & ~umask``), or, when it replaces a
file, that file's mode.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import EnvmgrError, WriteError, os_error


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (``os.umask`` can only be
    read by setting it, which races with other threads creating files)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path: Path) -> int:
    """The mode for a file written at ``path``: the existing file's, else what ``open()`` gives."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def write_text_atomic(path: str | Path, text: str, errors: str = "strict") -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half.
    ``errors``: as ``open()``'s; "surrogateescape" writes back bytes read that way unchanged."""
    path = Path(path)
    try:
        _write_atomic(path, text, errors)
    except OSError as exc:
        if isinstance(exc, EnvmgrError):
            raise
        # the disk is full, or read-only: one line naming the file, not a traceback
        raise os_error(exc, "cannot write the file", file=path, cls=WriteError) from None


def _write_atomic(path: Path, text: str, errors: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = new_file_mode(path)
    import tempfile  # only writers pay for it: `envmgr check` imports this module

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_text_if_changed(path: str | Path, text: str) -> bool:
    """Write ``text`` atomically unless the file already holds it (keeps mtimes and git quiet)."""
    path = Path(path)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass   # missing, or not even text: either way it is replaced
    write_text_atomic(path, text)
    return True
