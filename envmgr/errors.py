"""Errors that reach the user as one clear line, never as a traceback."""
from __future__ import annotations

from pathlib import Path


class EnvmgrError(Exception):
    """A problem the user can fix: where it is, what is wrong, what to do.

    The CLI prints ``str(err)`` and exits with ``exit_code``.
    """

    exit_code = 1

    def __init__(self, message: str, *, file: str | Path | None = None,
                 line: int | None = None, fix: str | None = None):
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.fix = fix

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        tail = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}{self.message}{tail}"


class UsageError(EnvmgrError):
    """Bad input on the command line or in a file envmgr reads (exit 2)."""

    exit_code = 2


class SpecError(UsageError):
    """A spec file that cannot be read or does not follow the spec format."""
