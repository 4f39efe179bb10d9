"""Errors that reach the user as one clear line, never as a traceback."""
from __future__ import annotations

from pathlib import Path


def _shown(file: str) -> str:
    """A path as the user types it from here: relative inside the current folder, else as given."""
    import os

    try:
        absolute = os.path.abspath(file)
        here = os.getcwd()
        if absolute == here or absolute.startswith(here + os.sep):
            return os.path.relpath(absolute, here)
    except OSError:
        pass
    return file


class EnvmgrError(Exception):
    """A problem the user can fix: where it is, what is wrong, what to do.

    The CLI prints ``str(err)`` and exits with ``exit_code``.
    """

    exit_code = 1

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, fix: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code            # a problem code for --json (e.g. "cuda-not-built"), when known
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = fix

    def __str__(self) -> str:
        where = ""
        if self.file:
            shown = _shown(self.file)
            where = f"{shown}:{self.line}: " if self.line else f"{shown}: "
        tail = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}{self.message}{tail}"


class UsageError(EnvmgrError):
    """Bad input on the command line or in a file envmgr reads (exit 2)."""

    exit_code = 2


class SpecError(UsageError):
    """A spec file that cannot be read or does not follow the spec format."""


# -- the file system said no ---------------------------------------------------------------------
# errno -> (what it means, what to do); the rest say the OS's own words.
DISK_ERRNOS = {
    "ENOSPC": ("the disk is full", "free space on the disk holding {where} (`df -h {where}` shows "
                                   "it; `envmgr list --all-workspaces` shows envs to remove)"),
    "EDQUOT": ("the disk quota is exceeded", "free space within your quota on {where}, or point "
                                             "ENVMGR_ENVS_DIR / ENVMGR_PKGS_DIR elsewhere"),
    "EROFS": ("the file system is read-only", "use a writable folder (ENVMGR_ENVS_DIR / "
                                              "ENVMGR_PKGS_DIR, or another workspace)"),
    "EACCES": ("permission denied", "check the permissions of {where}"),
    "EPERM": ("permission denied", "check the permissions of {where}"),
}
# how rattler and uv print them ("No space left on device (os error 28)")
_DISK_WORDS = {"ENOSPC": ("no space left on device", "os error 28"),
               "EDQUOT": ("disk quota exceeded", "os error 122"),
               "EROFS": ("read-only file system", "os error 30")}


def disk_problem(exc: BaseException | str) -> str | None:
    """"ENOSPC", "EDQUOT", "EROFS", "EACCES" or "EPERM" when ``exc`` (an OSError, or another
    tool's message) is one of those; else None."""
    import errno

    if isinstance(exc, OSError) and exc.errno is not None:
        name = errno.errorcode.get(exc.errno)
        return name if name in DISK_ERRNOS else None
    text = str(exc).lower()
    return next((name for name, words in _DISK_WORDS.items() if any(w in text for w in words)), None)


class WriteError(EnvmgrError, OSError):
    """A file envmgr could not write (the disk is full, read-only...): one line naming the file,
    and still an OSError for the callers that handle one (a cache that may fail to write)."""


def os_error(exc: OSError, doing: str, file: str | Path | None = None,
             where: str | Path | None = None, cls: type = EnvmgrError) -> EnvmgrError:
    """One line for an OSError while ``doing`` something ("writing the lockfile"): the disk is
    full, read-only, over quota, or the OS's own words; ``file`` the file it was about."""
    file = file if file is not None else getattr(exc, "filename", None)
    where = where if where is not None else (Path(file).parent if file else "the target folder")
    name = disk_problem(exc)
    if name is None:
        error = cls(f"{doing}: {exc.strerror or exc}", file=file,
                    fix="check the path, its permissions and the free space")
    else:
        meaning, fix = DISK_ERRNOS[name]
        error = cls(f"{doing}: {meaning} ({exc.strerror or name})", file=file,
                    fix=fix.format(where=where), code=name.lower())
    if isinstance(error, OSError):
        error.errno, error.strerror, error.filename = exc.errno, exc.strerror, exc.filename
    return error
