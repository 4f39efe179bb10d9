"""new: validate a stack and write envs/NAME.yaml, choosing the CUDA variant for this machine
when the stack names none (no solver: like check, it imports none)."""
from __future__ import annotations

import re
import sys

import click

from ..errors import EnvmgrError, UsageError
from ..models import PLATFORMS
from ..specs.workspace import find_workspace
from . import cli
from .core import this_host
from .output import absolute_path, coded, emit_json, error_problem, problem_lines


@cli.command()
@click.argument("name")
@click.argument("stack")
@click.option("--python", "python", metavar="X.Y", help="Python version (default: newest the torch release supports).")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(PLATFORMS),
              help="Target platform; repeat for several (default: this machine's).")
@click.option("--force", is_flag=True, help="Overwrite an existing spec.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the same shape when nothing is written).")
def new(name, stack, python, platforms, force, as_json):
    """Validate STACK and write envs/NAME.yaml.

    STACK is the shorthand people write, e.g. "torch 1.10 + cu102", "torch 2.4 + cu121 + py3.11",
    "torch==1.10.1+cu113" or "torch 1.13 cpu". Without a CUDA variant, envmgr picks the best one
    for this machine's driver and GPU (cpu with no GPU) and says why.

    \b
    Examples:
      envmgr new paper-2021 "torch 1.10 + cu102 + py3.7"
      envmgr new laptop "torch 2.4 cpu" --platform linux-64 --platform osx-arm64
    """
    workspace = find_workspace()
    this_host.cache_clear()
    try:
        _new(workspace, name, stack, python, list(platforms) or None, force, as_json)
    except EnvmgrError as err:
        if not as_json:
            raise
        # the same object as on success, with nothing written
        path = workspace.spec_path(name) if _valid_name(name) else None
        emit_json(_new_json(name, path, None, [error_problem(err, _new_error_code(err, name, path))]))
        sys.exit(err.exit_code)


def _valid_name(name) -> bool:
    from ..specs.specfile import validate_name

    try:
        validate_name(name)
    except UsageError:
        return False
    return True


def _new_error_code(err, name, path) -> str:
    """The problem code of an error new raised without one (``coded``): a bad name or stack."""
    return "invalid-name" if path is None else "invalid-stack"


def _new_json(name, path, spec_text, problems, resolved=None, cuda_reason=None, suggestion=None) -> dict:
    """new's one shape, written or not: ``spec`` is the written spec as data (as import gives it),
    null when nothing was written."""
    import yaml

    errors = [p for p in problems if p.get("severity", "error") == "error"]
    return {"name": name, "ok": spec_text is not None and not errors, "path": absolute_path(path),
            "spec": yaml.safe_load(spec_text) if spec_text is not None else None,
            "problems": problems, "resolved": resolved, "cuda_reason": cuda_reason,
            "suggestion": suggestion}


def _new(workspace, name, stack, python, platforms, force, as_json) -> None:
    from ..atomic import write_text_atomic
    from ..compat.check import check as check_spec
    from ..knowledge.facts import load
    from ..specs.pipeline import relative
    from ..specs.render import stack_label
    from ..specs.specfile import dump_spec, spec_from_stack, validate_name

    validate_name(name)
    path = workspace.spec_path(name)
    if path.exists() and not force:
        raise coded(UsageError("already exists", file=relative(workspace, path),
                               fix=f"pick another name, or envmgr new {name} \"{stack}\" --force"),
                    "spec-exists")
    spec = spec_from_stack(name, stack, python=python, platforms=platforms)
    chosen_reason = suggestion = None
    kb = load()
    release = kb.release(spec.torch) if spec.torch else None
    if spec.cuda is None and release is not None:
        cuda, chosen_reason, suggestion = _pick_cuda_for_host(spec, release, kb)
        if cuda:
            spec.cuda = cuda
    result = check_spec(spec, kb)
    if not result.ok:
        if as_json:
            emit_json(_new_json(name, path, None, [p.to_json() for p in result.problems],
                                cuda_reason=chosen_reason, suggestion=suggestion))
        else:
            count = len(result.errors)
            click.echo(f"{name}: not written, {count} problem{'s' * (count != 1)}")
            for line in problem_lines(result.problems):
                click.echo(line)
            corrected = _corrected_new_command(spec, result, kb)
            if corrected:
                click.echo(f"  try: {corrected}")
        sys.exit(1)
    resolved = result.resolved
    if spec.cuda is None:
        spec.cuda = resolved.cuda
        chosen_reason = chosen_reason or "the newest CUDA variant the release publishes"
    text = dump_spec(spec)
    write_text_atomic(path, text)
    if as_json:
        emit_json(_new_json(name, path, text, [p.to_json() for p in result.problems],
                            resolved.summary(), chosen_reason, suggestion))
        return
    click.echo(f"wrote {relative(workspace, path)}: {stack_label(resolved)}; route: {resolved.route}")
    if chosen_reason:
        click.echo(f"  chose {'CPU' if resolved.cuda == 'cpu' else 'CUDA ' + resolved.cuda}: {chosen_reason}")
    if suggestion:
        click.echo(f"  warning: wrote the CPU build; {suggestion}")
    for line in problem_lines(result.problems):
        click.echo(line)


_FIXABLE = re.compile(r'^(torch|cuda|python): "([^"]+)"')


def _corrected_new_command(spec, result, kb) -> str | None:
    """The `envmgr new` command with every fix applied, when the fixes alone make the stack valid."""
    from copy import copy

    from ..compat.check import check as check_spec
    from ..specs.stack import format_stack

    fixed = copy(spec)
    for problem in result.errors:
        match = _FIXABLE.match(problem.fix or "")
        if not match:
            return None
        setattr(fixed, match.group(1), match.group(2))
    if not check_spec(fixed, kb).ok:
        return None
    stack = format_stack(fixed.torch, fixed.cuda, fixed.python)
    platforms = "".join(f" --platform {p}" for p in spec.platforms or [])
    return f'envmgr new {spec.name} "{stack}"{platforms}'


def _pick_cuda_for_host(spec, release, kb):
    """No CUDA given: (variant, why, suggestion) for this machine's driver and GPU. The variant is
    cpu with no GPU, or when no CUDA build of the release runs on it; then the suggestion names
    the nearest stack (or driver) that does."""
    from ..compat.hostcheck import best_variant, suggest_for_new

    host = this_host()
    platform = (spec.platforms or ["linux-64"])[0]
    cuda, reason = best_variant(release, host, kb, platform)
    suggestion = suggest_for_new(release, host, kb, platform, spec.name) if cuda == "cpu" else None
    return cuda, reason, suggestion
