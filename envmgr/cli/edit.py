"""add, remove-package: edit a spec's packages:/pip: list, as `pixi add` / `pixi remove` do.

The spec file is edited line by line (``specs.specedit``): comments and order stay. The edited
spec is checked (and its conda specs parsed) before anything is written; then the spec and its
rendered environment file are written, and with --lock the lockfile too. When the lock fails,
the spec and environment file are put back as they were.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import cli
from ..errors import EnvmgrError, UsageError
from .output import absolute_path, emit_json, error_problem, shown_path


def _options(command):
    command = click.option("--json", "as_json", is_flag=True,
                           help="Print name, ok, path, key, added, removed, packages, lock, "
                                "problems as JSON.")(command)
    command = click.option("--lock", "relock", is_flag=True,
                           help="Re-lock after the edit (lockfiles/NAME.conda-lock.yml).")(command)
    command = click.option("--pip", "pip_", is_flag=True,
                           help="Edit the pip: list (pip requirements) instead of packages: "
                                "(conda packages).")(command)
    command = click.argument("packages", nargs=-1, required=True)(command)
    return click.argument("name")(command)


@cli.command()
@_options
def add(name, packages, pip_, relock, as_json):
    """Add conda packages (or, with --pip, pip requirements) to envs/NAME.yaml.

    The spec keeps its comments and order; a package it lists already is replaced in place
    (numpy -> "numpy<2"). The edited spec is checked before it is written, then
    lockfiles/NAME.environment.yml is rendered again; --lock also re-locks. A failure leaves
    every file as it was.

    \b
    Examples:
      envmgr add paper-2021 scipy "numpy<1.22"
      envmgr add paper-2021 --pip timm==0.4.12 --lock
    """
    _edit(name, list(packages), pip_, relock, as_json, adding=True)


@cli.command("remove-package")
@_options
def remove_package(name, packages, pip_, relock, as_json):
    """Remove conda packages (or, with --pip, pip requirements) from envs/NAME.yaml, by name.

    The spec keeps its comments and order; the rendered environment file is written again and,
    with --lock, the lockfile. Naming a package the list does not hold is an error (exit 2).

    \b
    Examples:
      envmgr remove-package paper-2021 scipy
      envmgr remove-package paper-2021 --pip timm --lock
    """
    _edit(name, list(packages), pip_, relock, as_json, adding=False)


def _edit(name, packages, pip_, relock, as_json, *, adding: bool) -> None:
    from ..specs.workspace import find_workspace

    workspace = find_workspace()
    key = "pip" if pip_ else "packages"
    result = {"name": name, "ok": False, "path": None, "key": key, "added": [], "removed": [],
              "packages": None, "lock": None, "problems": []}
    try:
        _apply(workspace, name, packages, key, relock, adding, result, as_json)
    except EnvmgrError as err:
        if not as_json:
            raise
        result["problems"] = [error_problem(err, "edit-failed")]
        emit_json(result)
        sys.exit(err.exit_code)
    if as_json:
        emit_json(result)


def _apply(workspace, name, packages, key, relock, adding, result, as_json) -> None:
    from ..atomic import write_text_atomic
    from ..specs.pipeline import load_named_spec, prepare, resolve_spec
    from ..specs.specedit import add_items, remove_items
    from ..specs.specfile import read_spec_text

    spec = load_named_spec(workspace, name)          # an unknown name: the usual usage error
    path = spec.path
    result["path"] = absolute_path(path)
    if any(not p.strip() for p in packages):
        raise UsageError("an empty package name", fix=f"envmgr {'add' if adding else 'remove-package'} "
                                                      f"{name} PKG...")
    before = path.read_text(encoding="utf-8-sig")
    edit = (add_items if adding else remove_items)(path, before, key, packages)
    edited = read_spec_text(path, edit.text)
    _check_requirements(edited, key, path)
    resolve_spec(workspace, edited)                   # the edited spec must be valid: else refused
    env_file = workspace.environment_file(name)
    env_before = env_file.read_text(encoding="utf-8") if env_file.is_file() else None
    write_text_atomic(path, edit.text)
    try:
        prepare(workspace, name)                       # lockfiles/NAME.environment.yml again
        locked = _lock(workspace, name) if relock else None
    except BaseException:                              # undone: the files are as they were
        write_text_atomic(path, before)
        if env_before is None:
            env_file.unlink(missing_ok=True)
        else:
            write_text_atomic(env_file, env_before)
        raise
    result.update(added=edit.added, removed=edit.removed, packages=getattr(edited, key), ok=True,
                  lock=locked)
    if not as_json:
        _say(key, edit, path, env_file, locked)


def _check_requirements(spec, key: str, path) -> None:
    """Each conda spec parses as a match spec, each pip line as a requirement (or an option)."""
    if key == "packages":
        from ..engine.solve import match_specs

        try:
            match_specs(spec.packages)
        except EnvmgrError as err:
            message = " ".join(err.message.replace("\nCaused by:", ":").split())   # one line
            raise UsageError(message, file=path, line=spec.line_of("packages"), fix=err.fix) from None
        return
    from packaging.requirements import InvalidRequirement, Requirement

    for line in spec.pip:
        if line.startswith("-"):
            continue
        try:
            Requirement(line)
        except InvalidRequirement as exc:
            raise UsageError(f"invalid pip requirement {line!r}: {str(exc).splitlines()[0]}", file=path,
                             line=spec.line_of("pip"),
                             fix="write requirements like `timm==0.4.12` or `einops>=0.6`") from None


def _say(key, edit, path, env_file, locked) -> None:
    shown = shown_path(path)
    if edit.added:
        replaced = f" (replacing {', '.join(edit.removed)})" if edit.removed else ""
        click.echo(f"added {', '.join(edit.added)} to {key}: of {shown}{replaced}")
    elif edit.removed:
        click.echo(f"removed {', '.join(edit.removed)} from {key}: of {shown}")
    else:
        click.echo(f"{shown} lists {key} as asked already: unchanged")
    click.echo(f"rendered {shown_path(env_file)}")
    if locked:
        click.echo(f"{locked['action']} {shown_path(locked['lockfile'])}")
    else:
        click.echo(f"next: envmgr lock {Path(path).stem} (or pass --lock)")


def _lock(workspace, name) -> dict:
    from ..engine.lock import lock_environment

    locked = lock_environment(workspace, name)
    return {"action": locked.action, "lockfile": locked.lockfile, "packages": locked.packages}
