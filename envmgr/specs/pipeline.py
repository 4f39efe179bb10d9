"""pipeline: spec file -> checked stack -> rendered environment file, for one environment.

The engine stages (lock, create) start from ``prepare``; ``check`` and ``render`` use the
smaller steps. Nothing here imports conda-lock or rattler.
"""
from __future__ import annotations

from typing import NamedTuple
from pathlib import Path

from ..atomic import write_text_if_changed
from ..compat.check import CheckResult, check
from ..errors import EnvmgrError
from ..paths import shown_path
from ..knowledge.facts import load
from ..models import Resolved, Spec
from .render import render_environment
# the pipeline starts at the spec file: load_named_spec lives with the spec reader, which
# `envmgr list` uses without importing compat; its users take it from here too
from .specfile import load_named_spec  # noqa: F401
from .workspace import Workspace


class Prepared(NamedTuple):
    spec: Spec
    resolved: Resolved
    env_file: Path
    env_text: str


def relative(workspace: Workspace, path: Path) -> str:
    """``path`` as the user can type it from here (see ``envmgr.paths.shown_path``)."""
    return shown_path(path)


def problem_error(workspace: Workspace, spec: Spec, result: CheckResult) -> EnvmgrError:
    """The first error of an invalid spec as a one-line error, pointing at its line."""
    first = result.errors[0]
    more = len(result.errors) - 1
    message = first.message + (f" (and {more} more problem{'s' * (more > 1)}: envmgr check {spec.name})"
                               if more else "")
    line = spec.line_of(first.key) if first.key else None
    if line is None and first.key in ("torch", "cuda", "python"):
        line = spec.line_of("stack")
    return EnvmgrError(message, file=relative(workspace, spec.path) if spec.path else None,
                       line=line, fix=first.fix, code=first.code)


def resolve_spec(workspace: Workspace, spec: Spec) -> Resolved:
    result = check(spec, load())
    if not result.ok:
        raise problem_error(workspace, spec, result)
    return result.resolved


def render_spec(workspace: Workspace, spec: Spec, resolved: Resolved) -> str:
    # The rendered file is a lock input (its hash decides freshness): its header names the spec
    # relative to the workspace, never to the current folder, or every `cd` would stale the lock.
    try:
        source = Path(spec.path).relative_to(workspace.root).as_posix()
    except (TypeError, ValueError):
        source = f"envs/{spec.name}.yaml"
    return render_environment(resolved, source)


def prepare(workspace: Workspace, name: str) -> Prepared:
    """Load, check and render spec ``name``; refresh its environment file if out of date."""
    spec = load_named_spec(workspace, name)
    resolved = resolve_spec(workspace, spec)
    text = render_spec(workspace, spec, resolved)
    env_file = workspace.environment_file(name)
    write_text_if_changed(env_file, text)
    return Prepared(spec=spec, resolved=resolved, env_file=env_file, env_text=text)
