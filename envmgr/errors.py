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
