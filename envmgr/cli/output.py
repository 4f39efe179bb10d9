"""Shared output helpers: JSON for scripts, tables and problem lists for people."""
from __future__ import annotations

import json
import sys

import click


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


def shown_path(path) -> str:
    """``path`` as a person would type it here: relative to the current folder when it is inside
    it, else absolute. For human output only; JSON keeps absolute paths."""
    from pathlib import Path

    path, here = Path(path).absolute(), Path.cwd()
    for inside, base in ((path, here), (path.resolve(), here.resolve())):
        try:
            return str(inside.relative_to(base)) or "."
        except ValueError:
            continue
    return str(path)
