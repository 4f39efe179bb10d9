"""new, check, render, matrix: the commands that need no solver (and import none)."""
from __future__ import annotations

import functools
import re
import sys

import click

from ..errors import EnvmgrError, UsageError
from ..models import PLATFORMS
from . import cli
from .output import absolute_path, coded, emit_json, error_problem, problem_lines, spec_problem, table


def _workspace():
    from ..specs.workspace import find_workspace

    return find_workspace()


def _names_or_all(workspace, names) -> list[str]:
    if names:
        return list(names)
    found = workspace.spec_names()
    if not found:
        raise UsageError(f"no specs in {workspace.envs_dir}",
                         fix='envmgr new NAME "torch 2.4 + cu121"')
    return found


def _pick_cuda_for_host(spec, release, kb):
    """No CUDA given: (variant, why, suggestion) for this machine's driver and GPU. The variant is
    cpu with no GPU, or when no CUDA build of the release runs on it; then the suggestion names
    the nearest stack (or driver) that does."""
    from ..compat.hostcheck import best_variant, suggest_for_new

    host = _this_host()
    platform = (spec.platforms or ["linux-64"])[0]
    cuda, reason = best_variant(release, host, kb, platform)
    suggestion = suggest_for_new(release, host, kb, platform, spec.name) if cuda == "cpu" else None
    return cuda, reason, suggestion


def _warn_overrides(host) -> None:
    """Contradicting machine overrides (e.g. ENVMGR_NO_GPU with ENVMGR_GPU), said once."""
    for warning in getattr(host, "warnings", ()):
        click.echo(f"warning: {warning}", err=True)


# -- check -----------------------------------------------------------------------------------

def _check_one(workspace, name, host):
    """(result, spec, error) for one named spec; a spec that cannot be read is a usage error
    (``error``: the EnvmgrError, for --json)."""
    from ..compat.check import CheckResult, check
    from ..knowledge.facts import load
    from ..models import Problem
    from ..specs.pipeline import load_named_spec

    try:
        spec = load_named_spec(workspace, name)
    except EnvmgrError as err:
        result = CheckResult(name=name, resolved=None,
                             problems=[Problem(code="spec-error", message=str(err), fix=err.fix)])
        return result, None, err
    result = check(spec, load())
    if host and result.resolved is not None:
        result.problems += _host_problems(result.resolved)
    return result, spec, None


def _check_json(workspace, result, error) -> dict:
    """check's object for one spec; a spec that cannot be read gets the error's own problem
    (message without the file, which is a key of its own, absolute)."""
    data = result.to_json()
    if error is not None:
        data["problems"] = [spec_problem(workspace, result.name, error, "spec-error")]
    return data


@functools.cache
def _this_host():
    """This machine, detected once per command (its override warnings said once)."""
    from ..host.detect import detect
    from ..knowledge.facts import load

    host = detect(kb=load())
    _warn_overrides(host)
    return host


def _host_problems(resolved):
    from ..compat.hostcheck import host_problems
    from ..knowledge.facts import load

    return host_problems(resolved, _this_host(), load())


def _print_result(workspace, result, spec) -> None:
    from ..specs.pipeline import relative
    from ..specs.render import stack_label

    if result.ok:
        resolved = result.resolved
        click.echo(f"{result.name}: ok  {stack_label(resolved)}; route: {resolved.route}")
    else:
        count = len(result.errors)
        click.echo(f"{result.name}: {count} problem{'s' * (count != 1)}")
    where = relative(workspace, spec.path) if spec is not None and spec.path else None
    shown = [p for p in result.problems if p.code != "spec-error"]
    for line in problem_lines(shown, where, spec):
        click.echo(line)
    for problem in result.problems:
        if problem.code == "spec-error":
            click.echo(f"  error: {problem.message}")


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--stack", "stack", metavar="STACK", help='Check one stack instead, e.g. "torch 1.10 + cu102".')
@click.option("--host", is_flag=True, help="Also check this machine's driver and GPUs against each stack.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per spec.")
def check(names, stack, host, as_json):
    """Validate specs (default: all in envs/) or one --stack against the knowledge base.

    Every problem comes with the fact behind it, its source and the nearest fix.
    Exit 0 when all are valid, 1 when any has problems, 2 for usage errors.

    \b
    Examples:
      envmgr check
      envmgr check --stack "torch 1.10 + cu121"
      envmgr check paper-2021 --host --json
    """
    from ..compat.check import check as check_spec
    from ..knowledge.facts import load
    from ..specs.specfile import spec_from_stack

    workspace = _workspace()
    _this_host.cache_clear()
    outcomes = []
    if stack is not None:
        if names:
            raise UsageError("give spec names or --stack, not both", fix=f'envmgr check --stack "{stack}"')
        try:
            spec = spec_from_stack("stack", stack)
        except UsageError as err:
            if not as_json:
                raise
            emit_json([{"name": "stack", "ok": False,
                        "problems": [error_problem(err, "invalid-stack")], "resolved": None}])
            sys.exit(err.exit_code)
        result = check_spec(spec, load())
        if host and result.resolved is not None:
            result.problems += _host_problems(result.resolved)
        outcomes.append((result, None, None))
    else:
        outcomes = [_check_one(workspace, name, host) for name in _names_or_all(workspace, names)]
    if as_json:
        emit_json([_check_json(workspace, result, error) for result, _, error in outcomes])
    else:
        for result, spec, _ in outcomes:
            _print_result(workspace, result, spec)
    if any(error is not None for _, _, error in outcomes):
        sys.exit(2)
    sys.exit(0 if all(result.ok for result, _, _ in outcomes) else 1)


# -- render ----------------------------------------------------------------------------------

@cli.command()
@click.argument("names", nargs=-1)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the environment file instead of writing it.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list, one object per spec: name, ok, path, action, route, problems.")
def render(names, to_stdout, as_json):
    """Write lockfiles/NAME.environment.yml for each spec (default: all), or print it.

    The file is a standard conda environment file; the CUDA variant is pinned so no solver can
    fall back to a CPU build. The same spec always renders byte-identical output.

    \b
    Examples:
      envmgr render paper-2021
      envmgr render paper-2021 --stdout > environment.yml
    """
    from ..atomic import write_text_if_changed
    from ..specs.pipeline import load_named_spec, relative, render_spec, resolve_spec

    if to_stdout and as_json:
        raise UsageError("--stdout prints the file, --json a report: give one of them",
                         fix="drop --stdout or --json")
    workspace = _workspace()
    failures, usage_errors, objects = 0, 0, []
    for name in _names_or_all(workspace, names):
        path = workspace.environment_file(name)
        try:
            spec = load_named_spec(workspace, name)
            resolved = resolve_spec(workspace, spec)
        except EnvmgrError as err:
            if as_json:
                objects.append({"name": name, "ok": False, "path": absolute_path(path),
                                "action": None, "route": None,
                                "problems": [spec_problem(workspace, name, err, "spec-error")]})
            else:
                click.echo(f"error: {err}", err=True)
            failures += 1
            usage_errors += isinstance(err, UsageError)
            continue
        text = render_spec(workspace, spec, resolved)
        if to_stdout:
            click.echo(text, nl=False)
            continue
        changed = write_text_if_changed(path, text)
        state = "wrote" if changed else "unchanged"
        if as_json:
            objects.append({"name": name, "ok": True, "path": absolute_path(path), "action": state,
                            "route": resolved.route, "problems": []})
        else:
            click.echo(f"{state} {relative(workspace, path)}  (route: {resolved.route})")
    if as_json:
        emit_json(objects)
    sys.exit(2 if usage_errors else 1 if failures else 0)


# -- new -------------------------------------------------------------------------------------

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
    workspace = _workspace()
    _this_host.cache_clear()
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


# -- matrix ----------------------------------------------------------------------------------

@cli.command()
@click.option("--torch", "torch", metavar="X.Y[.Z]", help="Only this torch minor or release.")
@click.option("--cuda", "cuda", metavar="X.Y", help="Only releases built for this CUDA; also shows its minimum driver.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def matrix(torch, cuda, as_json):
    """The compatibility table: torch | torchvision | torchaudio | python | CUDA variants.

    \b
    Examples:
      envmgr matrix --torch 1.10
      envmgr matrix --cuda 11.8
    """
    from ..knowledge.facts import load
    from ..knowledge.matrix import TABLE_HEADERS, matrix as build_matrix, table_rows

    kb = load()
    for flag, value in (("--torch", torch), ("--cuda", cuda)):
        if value is not None and not value.strip():
            raise UsageError(f"{flag} is empty", fix=f"{flag} 1.10 (or leave it out for every release)")
    if cuda:
        from ..specs.stack import cuda_version

        try:
            cuda = cuda_version(cuda) or cuda   # cu118 and 11.8 both work, as in a stack
        except UsageError:
            pass                                 # matrix says which toolkits it knows
    data = build_matrix(kb, torch, cuda)
    if as_json:
        emit_json(data)
        return
    info = data["toolkit"]
    if info:
        compat_l = info["minor_compat_driver_linux"]
        compat_w = info["minor_compat_driver_windows"]
        click.echo(f"CUDA {cuda}: minimum driver Linux {info['min_driver_linux']}"
                   + (f" ({compat_l} with minor-version compatibility)" if compat_l else "")
                   + f", Windows {info['min_driver_windows'] or 'n/a'}"
                   + (f" ({compat_w} with minor-version compatibility)" if compat_w else ""))
        click.echo(f"  compiles for compute capabilities {', '.join(info['archs'])}")
    if not data["releases"]:
        wanted = " + ".join(part for part in (f"torch {torch}" if torch else "",
                                               f"CUDA {cuda}" if cuda else "") if part)
        click.echo(f"no torch release matches {wanted}" if wanted else "no torch release matches")
        return
    click.echo(table(TABLE_HEADERS, table_rows(data["releases"])))
    click.echo(f"knowledge base {data['kb_version']}")
    if data.get("overlay"):
        click.echo(f"* facts from the knowledge overlay {data['overlay']['path']} (refreshed "
                   f"{data['overlay']['refreshed']}; envmgr knowledge show lists them)")
