"""Running a program in an activated environment, the way a shell would.

On POSIX envmgr *becomes* the program (``execve``): the terminal, stdin/stdout/stderr, the
process id, signals (Ctrl-C, ``kill -TERM``) and the exit status are the program's own, with
no envmgr process in between. On Windows, where there is no exec, envmgr waits for the child
and passes its exit code on (Ctrl-C reaches the child through the console; envmgr ignores it).

A program that is not there is one line and exit 127, one that cannot be run exit 126, as in sh.
"""
from __future__ import annotations

import errno
import os
import shutil
import sys

from ..errors import EnvmgrError

NOT_FOUND, NOT_EXECUTABLE = 127, 126


class CommandError(EnvmgrError):
    """The command itself cannot be started: exit 127 (not found) or 126 (not executable)."""

    def __init__(self, message: str, exit_code: int, fix: str | None = None):
        super().__init__(message, fix=fix, code="command-not-found" if exit_code == NOT_FOUND
                         else "command-not-executable")
        self.exit_code = exit_code


def find_program(command: str, environ: dict, where: str) -> str:
    """The file ``command`` names: a path as given, else the first match on the activated PATH."""
    if os.sep in command or (os.altsep and os.altsep in command):
        if os.path.isfile(command):
            if not os.access(command, os.X_OK) and sys.platform != "win32":
                raise CommandError(f"{command}: permission denied (not executable)", NOT_EXECUTABLE,
                                   fix=f"chmod +x {command}")
            return command
        raise CommandError(f"{command}: no such file", NOT_FOUND)
    path = environ.get("PATH") or environ.get("Path") or os.defpath
    found = shutil.which(command, path=path)
    if found is None:
        raise CommandError(f"{command}: command not found in {where} (searched its PATH)",
                           NOT_FOUND, fix="check the name, or that the package providing it is in "
                                          "the spec (and locked)")
    return found


def execute(argv: list[str], environ: dict, where: str) -> int:
    """Run ``argv`` with ``environ``; on POSIX this does not return."""
    program = find_program(argv[0], environ, where)
    sys.stdout.flush()
    sys.stderr.flush()
    if sys.platform == "win32":
        return _wait_for(program, argv, environ)
    try:
        os.execve(program, argv, environ)
    except OSError as exc:
        if exc.errno == errno.ENOEXEC:       # a script without #!: sh runs it, as a shell does
            try:
                os.execve("/bin/sh", ["/bin/sh", program, *argv[1:]], environ)
            except OSError:
                pass
        raise CommandError(f"{argv[0]}: cannot run it: {exc.strerror}", NOT_EXECUTABLE) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _wait_for(program: str, argv: list[str], environ: dict) -> int:  # pragma: no cover - Windows
    import signal
    import subprocess

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)   # the child gets the console's Ctrl-C
    try:
        return subprocess.call(argv, executable=program, env=environ)
    except OSError as exc:
        raise CommandError(f"{argv[0]}: cannot run it: {exc.strerror}", NOT_EXECUTABLE) from None
    finally:
        signal.signal(signal.SIGINT, previous)
