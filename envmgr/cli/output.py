"""Shared output helpers: JSON for scripts, tables and problem lists for people."""
from __future__ import annotations

import json
import sys

import click

from ..paths import shown_path  # noqa: F401  (the CLI's modules take it from here)


def emit_json(data) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False))


def is_terminal() -> bool:
    return sys.stdout.isatty()


def table(headers: list[str], rows: list[list]) -> str:
    from tabulate import tabulate

    return tabulate(rows, headers=headers, tablefmt="simple" if is_terminal() else "plain",
                    disable_numparse=True)


def problem_lines(problems, where: str | None = None, spec=None) -> list[str]:
    """Each problem as "  error: where:line: message", then its fact and fix, indented."""
    lines = []
    for problem in problems:
        location = ""
        if where:
            line = spec.line_of(problem.key) if spec is not None and problem.key else None
            if line is None and spec is not None and problem.key in ("torch", "cuda", "python"):
                line = spec.line_of("stack")
            location = f"{where}:{line}: " if line else f"{where}: "
        lines.append(f"  {problem.severity}: {location}{problem.message}")
        if problem.fact:
            source = f" (source: {problem.source})" if problem.source else ""
            lines.append(f"      fact: {problem.fact}{source}")
        elif problem.source:
            lines.append(f"      source: {problem.source}")
        if problem.fix:
            lines.append(f"      fix:  {problem.fix}")
    return lines


# -- JSON conventions (README "Commands"): every per-environment object has `name`, `ok` and
# `problems`, each problem {code, message, fix, severity, ...}; paths absolute; an error for one
# spec is that spec's object with ok=false, never a bare `error:` line on stderr.

def coded(err, code: str):
    """``err`` labelled with the problem code its JSON form carries (raise coded(EnvmgrError(...), "x"))."""
    err.code = code
    return err


def error_problem(err, default_code: str = "error") -> dict:
    """An EnvmgrError as a JSON problem: the code it was labelled with (``coded``), else
    ``spec-error`` for a spec file that cannot be read, else ``default_code``; the file it
    names, made absolute, and its line."""
    from ..errors import SpecError

    code = getattr(err, "code", None) or ("spec-error" if isinstance(err, SpecError) else default_code)
    problem = {"code": code, "message": err.message, "fix": err.fix, "severity": "error"}
    if err.file is not None:
        problem["file"] = absolute_path(err.file)
    if err.line is not None:
        problem["line"] = err.line
    return problem


def absolute_path(path) -> str | None:
    """Paths in envmgr's messages are relative to the current folder (``shown_path``); JSON
    gives them absolute."""
    from pathlib import Path

    return None if path is None else str(Path(path).absolute())


def spec_problem(workspace, name: str, err, default_code: str) -> dict:
    """``error_problem`` for a failure on spec NAME: ``unknown-spec`` when the error is a usage
    error and there is no envs/NAME.yaml."""
    from ..errors import UsageError

    if (not getattr(err, "code", None) and isinstance(err, UsageError)
            and not workspace.spec_path(name).is_file()):
        default_code = "unknown-spec"
    return error_problem(err, default_code)


def labelled(code: str):
    """A context in which an EnvmgrError without a code gets ``code`` (for errors raised by
    the stage modules, which carry none)."""
    from contextlib import contextmanager

    from ..errors import EnvmgrError

    @contextmanager
    def context():
        try:
            yield
        except EnvmgrError as err:
            if not getattr(err, "code", None):
                err.code = code
            raise
    return context()
